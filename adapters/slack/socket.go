package slack

import (
	"context"
	"log/slog"
	"time"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// socketEvent handles one Socket Mode envelope: a slash command is acked with
// its answer, a button press or an event is acked at once and handled after.
// A panic is logged, and a command not acked yet is answered with one line.
func (a *Adapter) socketEvent(ctx context.Context, sm *socketmode.Client, evt socketmode.Event) {
	acked := false
	ack := func(payload ...any) error {
		acked = true
		return sm.Ack(*evt.Request, payload...)
	}
	defer a.recoverPanic("slack socket mode "+string(evt.Type), func() {
		if evt.Request == nil || acked {
			return
		}
		if evt.Type == socketmode.EventTypeSlashCommand {
			_ = sm.Ack(*evt.Request, toMessage(somethingWentWrong()))
			return
		}
		_ = ack()
	})
	switch evt.Type {
	default:
		a.log.Debug("slack socket mode event", slog.String("type", string(evt.Type)))
	case socketmode.EventTypeSlashCommand:
		sc, ok := evt.Data.(slackapi.SlashCommand)
		if !ok || evt.Request == nil {
			return
		}
		start := time.Now()
		if err := ack(toMessage(a.slashCommand(ctx, sc))); err != nil {
			a.log.Warn("slack ack failed", slog.Any("error", err))
		}
		a.opts.Metrics.Acked(Platform, time.Since(start))
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slackapi.InteractionCallback)
		if !ok || evt.Request == nil {
			return
		}
		if cb.Type == slackapi.InteractionTypeViewSubmission {
			if resp := a.viewSubmission(ctx, cb); resp != nil {
				_ = ack(resp)
				return
			}
			_ = ack()
			return
		}
		_ = ack()
		go a.interaction(context.WithoutCancel(ctx), cb)
	case socketmode.EventTypeEventsAPI:
		if evt.Request == nil {
			return
		}
		_ = ack()
		go a.event(context.WithoutCancel(ctx), evt.Request.Payload)
	}
}
