package slack

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	slackapi "github.com/slack-go/slack"

	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
)

// The Reschedule button opens a modal that asks when; submitting it runs
// /reschedule as the person who pressed the button.
const (
	rescheduleCallback = "crier_reschedule"
	whenBlock          = "when"
	whenInput          = "when_input"
)

// openReschedule opens the "when?" modal for post id.
func (a *Adapter) openReschedule(ctx context.Context, cb slackapi.InteractionCallback, id int64) error {
	input := slackapi.NewPlainTextInputBlockElement(slackapi.NewTextBlockObject(slackapi.PlainTextType, "tomorrow 10am", false, false), whenInput)
	hint := slackapi.NewTextBlockObject(slackapi.PlainTextType, "Like “friday 3pm”, “in 2 hours”, “2026-12-24 10:00” or “now”, in your own timezone.", false, false)
	label := slackapi.NewTextBlockObject(slackapi.PlainTextType, "When should it go out?", false, false)
	view := slackapi.ModalViewRequest{
		Type:            slackapi.VTModal,
		CallbackID:      rescheduleCallback,
		Title:           slackapi.NewTextBlockObject(slackapi.PlainTextType, fmt.Sprintf("Reschedule post #%d", id), false, false),
		Submit:          slackapi.NewTextBlockObject(slackapi.PlainTextType, "Reschedule", false, false),
		Close:           slackapi.NewTextBlockObject(slackapi.PlainTextType, "Cancel", false, false),
		PrivateMetadata: rescheduleForm(id) + "|" + cb.Channel.ID,
		Blocks:          slackapi.Blocks{BlockSet: []slackapi.Block{slackapi.NewInputBlock(whenBlock, label, hint, input)}},
	}
	if _, err := a.client.OpenViewContext(ctx, cb.TriggerID, view); err != nil {
		return fmt.Errorf("slack views.open: %w", err)
	}
	return nil
}

// rescheduleForm is the reschedule form's value, in commands' one button
// encoding (Discord's form carries the same).
func rescheduleForm(id int64) string {
	return commands.ButtonValue{Action: "reschedule_form", PostID: id}.String()
}

// formPost reads the post id of a reschedule form's value: commands'
// encoding, or "post:<id>" in a form the previous version opened (Slack
// keeps a form open for as long as a person leaves it).
func formPost(value string) (int64, bool) {
	if v, err := commands.ParseButton(value); err == nil {
		return v.PostID, v.Action == "reschedule_form" && v.Target == "" && v.Ref == ""
	}
	id, target, err := ParseButtonValue(value)
	return id, err == nil && target == ""
}

// viewSubmission answers a submitted reschedule modal within Slack's ack
// window: nil closes the modal (the confirmation goes to the person as an
// ephemeral message), or an errors response keeps it open with the reason
// under the field.
func (a *Adapter) viewSubmission(ctx context.Context, cb slackapi.InteractionCallback) *slackapi.ViewSubmissionResponse {
	if cb.View.CallbackID != rescheduleCallback {
		return nil
	}
	value, channel, _ := strings.Cut(cb.View.PrivateMetadata, "|")
	id, ok := formPost(value)
	if !ok {
		return slackapi.NewErrorsViewSubmissionResponse(map[string]string{whenBlock: "This form is not one of crier's; close it and press the button again."})
	}
	when := strings.TrimSpace(cb.View.State.Values[whenBlock][whenInput].Value)
	tell := func(resp commands.Response) { a.ephemeral(context.WithoutCancel(ctx), channel, cb.User.ID, resp) }
	resp, inTime := a.runWithinBudget(ctx, func(ctx context.Context) commands.Response {
		return a.run(ctx, commands.Request{
			Platform: Platform,
			User:     a.user(ctx, cb.User.ID, cb.User.Name),
			Channel:  crier.ChannelRef{Platform: Platform, ID: channel},
			Command:  "reschedule",
			Text:     fmt.Sprintf("#%d %s", id, when),
			Help:     "/crier help",
		})
	}, tell)
	switch {
	case !inTime:
		return nil // close the form; the answer follows as an ephemeral message
	case resp.Error:
		return slackapi.NewErrorsViewSubmissionResponse(map[string]string{whenBlock: strings.TrimPrefix(resp.Text, "✗ ")})
	}
	a.goSafe("slack reschedule answer", func() { tell(resp) })
	return nil
}

// ephemeral shows resp to one person in a channel.
func (a *Adapter) ephemeral(ctx context.Context, channel, user string, resp commands.Response) {
	if _, err := a.api.PostEphemeralContext(ctx, channel, user,
		slackapi.MsgOptionText(FallbackText(resp), false), slackapi.MsgOptionBlocks(Blocks(resp)...)); err != nil {
		a.log.Warn("slack postEphemeral failed", slog.Any("error", err))
		return
	}
	a.opts.Metrics.MessageSent(Platform)
}
