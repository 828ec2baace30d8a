package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/crier-bot/crier/adapters/httpserver"
	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/calendar"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/digest"
	"github.com/crier-bot/crier/internal/publish"
)

func (m *Main) runBot(ctx context.Context, args []string) error {
	fs := m.flags("run")
	opts := m.botFlags(fs, "info")
	cfg, log, err := m.parseBot(fs, opts, args, "")
	if err != nil {
		return err
	}
	var srv *httpserver.Server
	metrics := crier.Metrics(crier.NopMetrics{})
	if cfg.HTTP.Listen != "" {
		srv = httpserver.New(httpserver.Options{Addr: cfg.HTTP.Listen, Logger: log})
		metrics = srv.Metrics()
	}
	ch, err := newChats(cfg, m.Clock, log, metrics, logChat{log})
	if err != nil {
		return err
	}
	sl, dc := ch.slack, ch.discord
	a, err := openApp(ctx, cfg, ch, m.Clock, log)
	if err != nil {
		return err
	}
	dcHTTP := dc != nil && cfg.Chat.Discord.Interactions == "http"
	if dcHTTP {
		h, err := dc.Handler()
		if err != nil {
			_ = a.stop(time.Second)
			return err
		}
		srv.Handle("POST /discord/interactions", h)
	}
	if sl != nil && cfg.Chat.Slack.Mode == "http" {
		for pattern, h := range sl.Handlers() {
			srv.Handle(pattern, h)
		}
	}
	if srv == nil && a.relay != nil {
		for _, n := range a.networks {
			if n.Kind() == "webhook" {
				log.Warn("webhook comments cannot reach crier: set http.listen in bot.yaml so receivers can POST them to /webhooks/<network>/comments",
					slog.String("network", n.Name()))
			}
		}
	}
	if srv != nil && a.relay != nil {
		// Webhook networks send comments to crier: signed POSTs.
		for _, n := range a.networks {
			if wn, ok := n.(interface {
				CommentHandler(func(context.Context, crier.Comment) error) http.Handler
			}); ok {
				name := n.Name()
				srv.Handle("POST /webhooks/"+name+"/comments", wn.CommentHandler(func(ctx context.Context, c crier.Comment) error {
					return a.relay.Take(ctx, name, c)
				}))
			}
		}
	}
	if srv != nil && cfg.HTTP.PublicURL != "" {
		// Calendar feeds (/calendar link): each person's private address.
		srv.Handle(commands.FeedPath, calendar.FeedHandler(a.db, func(ctx context.Context, from, to time.Time) ([]*crier.Post, error) {
			return a.pub.Posts(ctx, publish.PostFilter{From: from, To: to})
		}, calendar.FeedOptions{Installation: a.db.Installation(), Clock: m.Clock, Logger: log.With(slog.String("part", "calendar"))}))
	}
	if srv != nil && cfg.HTTP.APIToken != "" {
		// Numbers from other systems (sales, web analytics), with a bearer
		// token; the handler answers every method itself (405 with Allow).
		srv.Handle("/api/metrics", digest.APIHandler(a.db, cfg.HTTP.APIToken, cfg.Location, cfg.Metrics.Currency, m.Clock, log.With(slog.String("part", "api"))))
	}
	// Slack and Discord may be down at start, or later: crier keeps running
	// and retrying, and /healthz says so.
	if sl != nil && srv != nil {
		srv.Watch("slack", sl)
	}
	if dc != nil && srv != nil {
		srv.Watch("discord", dc)
	}
	if srv != nil {
		if err := srv.Start(ctx); err != nil {
			_ = a.stop(time.Second)
			return err
		}
		log.Info("listening", slog.String("url", srv.URL()))
	}
	// A stop asked for while crier starts (SIGTERM right after launch)
	// waits for the start to finish (a minute at most), then stops as
	// usual: a start cut short would report a failure that is none.
	sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	err = a.start(sctx)
	scancel()
	if err != nil {
		_ = a.stop(time.Second)
		return err
	}
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var chatsDone sync.WaitGroup // the chat adapters, stopped before the store closes
	if sl != nil {
		// Run returns only when runCtx ends: an outage is retried.
		chatsDone.Go(func() { _ = sl.Run(runCtx) })
	}
	if dc != nil {
		chatsDone.Go(func() {
			if err := dc.Run(runCtx, !dcHTTP); err != nil {
				cancel(err)
			}
		})
	}
	log.Info("crier is running", slog.String("database", cfg.Database), slog.Int("networks", len(cfg.Networks)))
	if sl == nil && dc == nil {
		log.Warn(noChatPlatform)
	}
	<-runCtx.Done()
	log.Info("stopping")
	var errs []error
	if srv != nil {
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		errs = append(errs, srv.Shutdown(sctx))
		scancel()
	}
	if !waitAtMost(&chatsDone, 10*time.Second) {
		log.Warn("the chat connections did not close within 10 s; stopping anyway")
	}
	errs = append(errs, a.stop(30*time.Second))
	if cause := context.Cause(runCtx); cause != nil && !errors.Is(cause, ctx.Err()) && !errors.Is(cause, context.Canceled) {
		errs = append(errs, cause)
	}
	return errors.Join(errs...)
}

// waitAtMost waits for wg, at most d; it reports whether wg finished.
func waitAtMost(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

// noChatPlatform is what crier run says when bot.yaml connects it to no chat
// platform: it publishes what is scheduled, but nobody can talk to it.
const noChatPlatform = "No chat platform is set up, so nobody can give crier a command: it only publishes posts already scheduled. " +
	"Add chat.slack or chat.discord to bot.yaml (the README shows how), or use crier shell to chat with crier in this terminal."

// logChat reports what crier would say in chat to the log when no chat
// platform is connected (a crier.Chat that only writes).
type logChat struct{ log *slog.Logger }

var _ crier.Chat = logChat{}

// Platform is "": messages of any platform end here.
func (n logChat) Platform() string { return "" }

// Post logs the message's text; it has no reference to give back.
func (n logChat) Post(_ context.Context, ch crier.ChannelRef, m crier.Message) (crier.MessageRef, error) {
	n.log.Info(m.Text, slog.String("channel", ch.ID))
	return crier.MessageRef{}, nil
}

// Update logs the message's new text.
func (n logChat) Update(_ context.Context, ref crier.MessageRef, m crier.Message) error {
	n.log.Info(m.Text, slog.String("channel", ref.Channel), slog.String("updates", ref.ID))
	return nil
}

// React does nothing: there is no message to react to.
func (n logChat) React(context.Context, crier.MessageRef, string) error { return nil }

// OnThreadReply does nothing: nobody can answer the log.
func (n logChat) OnThreadReply(crier.ThreadHandler) {}
