package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// Run connects the adapter. In Socket Mode it holds the websocket until ctx
// ends, acknowledging every envelope; in HTTP mode the handlers do the work
// and Run only waits.
func (a *Adapter) Run(ctx context.Context) error {
	if a.bot() == "" {
		if err := a.Connect(ctx); err != nil {
			return err
		}
	}
	if a.opts.Mode == "http" {
		<-ctx.Done()
		return nil
	}
	return a.runSocket(ctx)
}

func (a *Adapter) runSocket(ctx context.Context) error {
	sm := socketmode.New(a.client)
	errc := make(chan error, 1)
	go func() { errc <- sm.RunContext(ctx) }()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			if ctx.Err() != nil {
				return nil
			}
			if TokenRefused(err) {
				return fmt.Errorf("slack refused the app-level token (%w): set chat.slack.app_token to an xapp- token with the connections:write scope", err)
			}
			return fmt.Errorf("slack socket mode: %w", err)
		case evt := <-sm.Events:
			if evt.Type == socketmode.EventTypeInvalidAuth {
				return errors.New("slack refused the app-level token: set chat.slack.app_token to an xapp- token with the connections:write scope")
			}
			// Each envelope on its own: a slow one must not hold the
			// others past Slack's 3 s window.
			go a.socketEvent(ctx, sm, evt)
		}
	}
}

func (a *Adapter) socketEvent(ctx context.Context, sm *socketmode.Client, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnectionError:
		a.log.Warn("slack socket mode connection error; reconnecting", slog.Any("error", evt.Data))
	default:
		a.log.Debug("slack socket mode event", slog.String("type", string(evt.Type)))
	case socketmode.EventTypeSlashCommand:
		sc, ok := evt.Data.(slackapi.SlashCommand)
		if !ok || evt.Request == nil {
			return
		}
		start := time.Now()
		if err := sm.Ack(*evt.Request, toMessage(a.slashCommand(ctx, sc))); err != nil {
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
				_ = sm.Ack(*evt.Request, resp)
				return
			}
			_ = sm.Ack(*evt.Request)
			return
		}
		_ = sm.Ack(*evt.Request)
		go a.interaction(context.WithoutCancel(ctx), cb)
	case socketmode.EventTypeEventsAPI:
		if evt.Request == nil {
			return
		}
		_ = sm.Ack(*evt.Request)
		go a.event(context.WithoutCancel(ctx), evt.Request.Payload)
	}
}
