package discord

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/crier-bot/crier/internal/crier"
)

const (
	maxAttachment   = 1 << 20          // the largest file crier takes with a command (a calendar CSV)
	downloadTimeout = 30 * time.Second // for an attachment from Discord's CDN
)

// takesFile reports whether a command takes a file instead of text: /import,
// whose calendar CSV is attached to the command.
func takesFile(command string) bool { return command == "import" }

// splitFiles takes a command's file options out of its options: the rest,
// and the attachments they name, from the interaction's resolved data (an
// attachment option's value is the attachment's id).
func splitFiles(opts []*discordgo.ApplicationCommandInteractionDataOption, resolved *discordgo.ApplicationCommandInteractionDataResolved) ([]*discordgo.ApplicationCommandInteractionDataOption, []*discordgo.MessageAttachment, error) {
	var rest []*discordgo.ApplicationCommandInteractionDataOption
	var files []*discordgo.MessageAttachment
	for _, o := range opts {
		if o == nil || o.Type != discordgo.ApplicationCommandOptionAttachment {
			rest = append(rest, o)
			continue
		}
		id, ok := o.Value.(string)
		if !ok || resolved == nil || resolved.Attachments[id] == nil {
			return nil, nil, fmt.Errorf("option %q names no attachment Discord sent", o.Name)
		}
		files = append(files, resolved.Attachments[id])
	}
	return rest, files, nil
}

// download fetches an attachment from Discord's CDN (its url is signed: no
// token is sent), reading at most one byte more than maxAttachment.
func (a *Adapter) download(ctx context.Context, att *discordgo.MessageAttachment) (crier.File, error) {
	ctx, cancel := context.WithTimeout(ctx, downloadTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, att.URL, nil)
	if err != nil {
		return crier.File{}, fmt.Errorf("discord attachment %s: %w", att.ID, crier.WithoutURL(err))
	}
	resp, err := a.s.Client.Do(req)
	if err != nil {
		return crier.File{}, fmt.Errorf("discord attachment %s: %w", att.ID, crier.WithoutURL(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return crier.File{}, fmt.Errorf("discord attachment %s: %s", att.ID, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAttachment+1))
	if err != nil {
		return crier.File{}, fmt.Errorf("discord attachment %s: %w", att.ID, crier.WithoutURL(err))
	}
	// A file longer than Discord said comes cut at one byte over the limit:
	// the command refuses it for its size.
	return crier.File{Name: att.Filename, ContentType: att.ContentType, Data: data}, nil
}
