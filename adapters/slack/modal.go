package slack

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"

	slackapi "github.com/slack-go/slack"

	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
)

// A button that asks first (Reschedule: when? Reject: why? Edit: the new
// text) opens a modal built from commands' description of its form;
// submitting it runs the form's command as the person who submitted it.
// The modal's callback_id is "crier_" + the form's action, its
// private_metadata the form's value and the channel, "crier:reject_form:12|C0LAUNCH1",
// and its one input block is the form's field (action_id field + "_input").
const (
	formCallbackPrefix = "crier_"
	formNotOurs        = "This form is not one of crier's; close it and press the button again."
)

// openForm opens the modal of form for post id.
func (a *Adapter) openForm(ctx context.Context, cb slackapi.InteractionCallback, form commands.FormSpec, id int64) error {
	plain := func(s string) *slackapi.TextBlockObject {
		if s == "" {
			return nil
		}
		return slackapi.NewTextBlockObject(slackapi.PlainTextType, s, false, false)
	}
	input := slackapi.NewPlainTextInputBlockElement(plain(form.Placeholder), form.Field+"_input").
		WithMultiline(form.Long).WithMaxLength(form.MaxLength)
	view := slackapi.ModalViewRequest{
		Type:            slackapi.VTModal,
		CallbackID:      formCallbackPrefix + form.Action,
		Title:           plain(form.TitleFor(id)),
		Submit:          plain(form.Submit),
		Close:           plain("Cancel"),
		PrivateMetadata: form.Value(id) + "|" + cb.Channel.ID,
		Blocks:          slackapi.Blocks{BlockSet: []slackapi.Block{slackapi.NewInputBlock(form.Field, plain(form.Label), plain(form.Hint), input)}},
	}
	if _, err := a.client.OpenViewContext(ctx, cb.TriggerID, view); err != nil {
		return fmt.Errorf("slack views.open: %w", err)
	}
	return nil
}

// submittedForm reads which form was submitted, for which post, from the
// modal's callback_id and private_metadata: commands' encoding, or
// "post:<id>" in a Reschedule form the previous version opened (Slack
// keeps a form open for as long as a person leaves it). The value and the
// callback name the same form, or it is not crier's.
func submittedForm(action, value string) (commands.FormSpec, int64, bool) {
	if form, id, err := commands.ParseForm(value); err == nil {
		return form, id, form.Action == action
	}
	if _, err := commands.ParseButton(value); err == nil {
		return commands.FormSpec{}, 0, false
	}
	id, target, err := ParseButtonValue(value)
	form, _ := commands.Form("reschedule")
	return form, id, action == form.Action && err == nil && target == ""
}

// formField is the block to show a refusal under: the form's own field,
// else the view's one input block.
func formField(cb slackapi.InteractionCallback, action string) string {
	if form, ok := commands.Form(action); ok {
		return form.Field
	}
	blocks := slices.Sorted(maps.Keys(cb.View.State.Values))
	if len(blocks) == 0 {
		return "answer"
	}
	return blocks[0]
}

// viewSubmission answers a submitted form within Slack's ack window: nil
// closes the modal (the confirmation goes to the person as an ephemeral
// message), or an errors response keeps it open with the reason under the
// field.
func (a *Adapter) viewSubmission(ctx context.Context, cb slackapi.InteractionCallback) *slackapi.ViewSubmissionResponse {
	action, ours := strings.CutPrefix(cb.View.CallbackID, formCallbackPrefix)
	if !ours {
		return nil
	}
	value, channel, _ := strings.Cut(cb.View.PrivateMetadata, "|")
	form, id, ok := submittedForm(action, value)
	if !ok {
		return slackapi.NewErrorsViewSubmissionResponse(map[string]string{formField(cb, action): formNotOurs})
	}
	command, text := form.Command(id, cb.View.State.Values[form.Field][form.Field+"_input"].Value)
	tell := func(resp commands.Response) { a.ephemeral(context.WithoutCancel(ctx), channel, cb.User.ID, resp) }
	resp, inTime := a.runWithinBudget(ctx, func(ctx context.Context) commands.Response {
		return a.run(ctx, commands.Request{
			Platform: Platform,
			User:     a.user(ctx, cb.User.ID, cb.User.Name),
			Channel:  crier.ChannelRef{Platform: Platform, ID: channel},
			Command:  command,
			Text:     text,
			Help:     "/crier help",
		})
	}, tell)
	switch {
	case !inTime:
		return nil // close the form; the answer follows as an ephemeral message
	case resp.Error:
		return slackapi.NewErrorsViewSubmissionResponse(map[string]string{form.Field: strings.TrimPrefix(resp.Text, "✗ ")})
	}
	a.goSafe("slack form answer", func() { tell(resp) })
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
