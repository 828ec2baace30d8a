package slack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
)

// Slack slash commands cannot carry files, so a calendar CSV is imported
// from a message: a person uploads it with the words "crier import".
const (
	maxImportBytes  = 1 << 20 // 1 MB, as /import itself allows
	downloadTimeout = 30 * time.Second
)

// eventFile is the part of a Slack file object (docs.slack.dev/reference/
// objects/file-object) that a message event carries and crier reads.
type eventFile struct {
	ID                 string `json:"id"`
	Name               string `json:"name"`
	Mimetype           string `json:"mimetype"`
	Size               int64  `json:"size"`
	URLPrivate         string `json:"url_private"`
	URLPrivateDownload string `json:"url_private_download"`
}

// isImport reports whether a message's text asks crier to import the file
// it carries: "crier import", "@crier import" or crier's mention and
// "import", in any case, with any spacing.
func isImport(text, botID string) bool {
	words := strings.Fields(strings.ToLower(text))
	if len(words) != 2 || words[1] != "import" {
		return false
	}
	switch w := words[0]; {
	case w == "crier", w == "@crier":
		return true
	case botID != "" && strings.HasPrefix(w, "<@"+strings.ToLower(botID)):
		rest := strings.TrimPrefix(w, "<@"+strings.ToLower(botID))
		return rest == ">" || (strings.HasPrefix(rest, "|") && strings.HasSuffix(rest, ">"))
	}
	return false
}

// importUpload runs /import with the first file of a message as its
// person (their roles apply, as for a slash command), and answers them: a
// success in a thread under the upload, where the team sees what the file
// scheduled next to the file; a refusal or the rows to fix only to the
// person (chat.postEphemeral), as a slash command's errors are. A file over
// 1 MB is refused before it is downloaded, and so is any file of a person
// who may not import.
// thread is the ts to answer under: the upload's, or its thread's parent.
func (a *Adapter) importUpload(ctx context.Context, channel, thread, userID string, files []eventFile) {
	u := a.user(ctx, userID, "")
	req := commands.Request{Platform: Platform, User: u, Channel: crier.ChannelRef{Platform: Platform, ID: channel},
		Command: "import", Help: "/crier help"}
	resp := a.importResponse(ctx, req, files[0])
	if resp.Ephemeral || resp.Error {
		a.ephemeral(ctx, channel, userID, resp)
		return
	}
	if _, err := a.post(ctx, channel, thread, FallbackText(resp)); err != nil {
		a.log.Warn("slack import answer failed", slog.String("channel", channel), slog.Any("error", err))
	}
}

func (a *Adapter) importResponse(ctx context.Context, req commands.Request, f eventFile) commands.Response {
	r := a.router()
	if r == nil {
		return stillStarting()
	}
	if !a.mayRun(r, req.User, req.Command) {
		return a.run(ctx, req) // the router says who may
	}
	name := f.Name
	if name == "" {
		name = "the file"
	}
	if f.Size > maxImportBytes {
		return tooBig(name)
	}
	data, err := a.download(ctx, f)
	switch {
	case errors.Is(err, errTooBig):
		return tooBig(name)
	case err != nil:
		a.log.Warn("slack file download failed", slog.String("file_id", f.ID), slog.Any("error", crier.WithoutURL(err)))
		return commands.Failure(crier.Errorf(crier.EUNAVAIL,
			"crier could not read %s from Slack; upload it again with \"crier import\", and if this repeats ask whoever runs crier to give its Slack app the files:read scope.", name))
	}
	req.Files = []crier.File{{Name: name, ContentType: f.Mimetype, Data: data}}
	return a.run(ctx, req)
}

// mayRun reports whether u has the role command needs.
func (a *Adapter) mayRun(r *commands.Router, u crier.User, command string) bool {
	for _, d := range r.Definitions() {
		if d.Name == command {
			return d.Role == "" || u.Can(d.Role)
		}
	}
	return false
}

func tooBig(name string) commands.Response {
	return commands.Failure(crier.Errorf(crier.EINVALID, "%s is larger than 1 MB; split it, or import it with crier import on the server.", name))
}

var errTooBig = errors.New("file over 1 MB")

// download fetches a file's bytes from its url_private_download (or
// url_private) with the bot token in the Authorization header, through
// slack-go, which sends the token only to Slack (or the API URL) and
// reports Slack's sign-in page (no files:read) as an error. It stops past
// 1 MB and after downloadTimeout.
func (a *Adapter) download(ctx context.Context, f eventFile) ([]byte, error) {
	src := f.URLPrivateDownload
	if src == "" {
		src = f.URLPrivate
	}
	if src == "" {
		return nil, fmt.Errorf("slack file %s: no url_private", f.ID)
	}
	ctx, cancel := context.WithTimeout(ctx, downloadTimeout)
	defer cancel()
	var buf limitedBuffer
	if err := a.api.GetFileContext(ctx, src, &buf); err != nil {
		if errors.Is(err, errTooBig) {
			return nil, errTooBig
		}
		return nil, fmt.Errorf("slack download %s: %w", f.ID, err)
	}
	return buf.data, nil
}

// limitedBuffer keeps up to maxImportBytes and fails past them.
type limitedBuffer struct{ data []byte }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if len(b.data)+len(p) > maxImportBytes {
		return 0, errTooBig
	}
	b.data = append(b.data, p...)
	return len(p), nil
}

var _ io.Writer = (*limitedBuffer)(nil)
