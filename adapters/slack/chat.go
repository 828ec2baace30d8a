package slack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	slackapi "github.com/slack-go/slack"

	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
)

var _ crier.Chat = (*Adapter)(nil)

// Platform returns "slack", the platform of the channels the adapter serves.
func (a *Adapter) Platform() string { return Platform }

// Post posts m to ch, into the thread ch.Thread names when it is set
// (chat.postMessage with thread_ts), and returns the message's reference:
// its ts is the thread to post replies into. A message with lines or
// buttons is Block Kit (escaped, cut to Slack's limits) with the plain text
// as its fallback; one with text only is sent as escaped text. A button that
// cannot be made is offered as the command to type instead.
//
// A file follows the message in the same place, uploaded with Slack's
// files.uploadV2 steps (Slack answers an upload with the file, not with a
// message to refer to). When the text was posted and the file was not, the
// reference is returned with the error.
//
// A message with a Key carries it as message metadata (event_type
// "crier_message"), which people do not see, for FindMessage to find.
func (a *Adapter) Post(ctx context.Context, ch crier.ChannelRef, m crier.Message) (crier.MessageRef, error) {
	resp := messageResponse(m)
	var opts []slackapi.MsgOption
	text, mention := FallbackText(resp), mentions(m.Mention)
	if mention != "" {
		text = mention + " " + text
	}
	if len(resp.Lines) > 0 || len(resp.Buttons) > 0 || mention != "" {
		blocks := Blocks(resp)
		if mention != "" {
			blocks = append([]slackapi.Block{section("crier_mention", mention)}, blocks...)
		}
		opts = append(opts, slackapi.MsgOptionBlocks(blocks...))
	}
	if m.Key != "" {
		opts = append(opts, keyMetadata(m.Key))
	}
	ts, err := a.post(ctx, ch.ID, ch.Thread, text, opts...)
	if err != nil {
		return crier.MessageRef{}, err
	}
	ref := crier.MessageRef{Platform: Platform, Channel: ch.ID, ID: ts, Thread: ch.Thread}
	if m.File != nil {
		if err := a.upload(ctx, ch, *m.File); err != nil {
			return ref, err
		}
	}
	return ref, nil
}

// Update replaces a message's text, lines and buttons (chat.update). Its
// blocks are always sent, so a message updated to text alone loses its old
// buttons.
func (a *Adapter) Update(ctx context.Context, ref crier.MessageRef, m crier.Message) error {
	resp := messageResponse(m)
	if _, _, _, err := a.api.UpdateMessageContext(ctx, ref.Channel, ref.ID,
		slackapi.MsgOptionText(FallbackText(resp), false), slackapi.MsgOptionBlocks(Blocks(resp)...)); err != nil {
		return fmt.Errorf("slack update %s in %s: %w", ref.ID, ref.Channel, err)
	}
	return nil
}

// React adds a reaction by its Slack name ("white_check_mark") to a message
// (reactions.add). A reaction crier already added is not an error.
func (a *Adapter) React(ctx context.Context, ref crier.MessageRef, emoji string) error {
	err := a.api.AddReactionContext(ctx, emoji, slackapi.ItemRef{Channel: ref.Channel, Timestamp: ref.ID})
	var se slackapi.SlackErrorResponse
	if errors.As(err, &se) && se.Err == "already_reacted" {
		return nil
	}
	if err != nil {
		return fmt.Errorf("slack react %s to %s in %s: %w", emoji, ref.ID, ref.Channel, err)
	}
	return nil
}

// upload shares a file in ch (and its thread, if any).
func (a *Adapter) upload(ctx context.Context, ch crier.ChannelRef, f crier.File) error {
	if err := a.limiter(ch.ID).Wait(ctx); err != nil {
		return fmt.Errorf("slack upload to %s: %w", ch.ID, err)
	}
	if _, err := a.api.UploadFileContext(ctx, slackapi.UploadFileParameters{
		Reader: bytes.NewReader(f.Data), FileSize: len(f.Data), Filename: f.Name, Title: f.Name, AltTxt: f.Alt,
		Channel: ch.ID, ThreadTimestamp: ch.Thread,
	}); err != nil {
		return fmt.Errorf("slack upload %s to %s: %w", f.Name, ch.ID, err)
	}
	a.opts.Metrics.MessageSent(Platform)
	return nil
}

// messageResponse is a message as a response to render. A button that
// cannot be made (a target that is no network name) is offered as the
// command to type instead.
func messageResponse(m crier.Message) commands.Response {
	resp := commands.Response{Text: m.Text, Lines: append([]string(nil), m.Lines...)}
	for _, b := range m.Buttons {
		switch {
		case renderable(b):
			resp.Buttons = append(resp.Buttons, b)
		case b.Command != "":
			resp.Lines = append(resp.Lines, "Type "+b.Command)
		}
	}
	return resp
}

// slackUser and slackGroup are the shapes of Slack user and user group ids.
var (
	slackUser  = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)
	slackGroup = regexp.MustCompile(`^S[A-Z0-9]{2,}$`)
)

// mentions renders the people a message notifies as Slack mentions; what is
// not a Slack user or user group id (a name, "*") is left out.
func mentions(ids []string) string {
	var out []string
	for _, id := range ids {
		switch {
		case slackUser.MatchString(id):
			out = append(out, "<@"+id+">")
		case slackGroup.MatchString(id):
			out = append(out, "<!subteam^"+id+">")
		}
	}
	return strings.Join(out, " ")
}
