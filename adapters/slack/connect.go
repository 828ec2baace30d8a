package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/crier-bot/crier/internal/crier"
)

// How long crier waits before it tries to reach Slack again: doubling from
// the first wait up to the longest. A token Slack refused is tried again
// more slowly: it only works again once someone changes it in Slack.
const (
	retryFirst   = time.Second
	retryMax     = 5 * time.Minute
	refusedFirst = time.Minute
	refusedMax   = 30 * time.Minute
)

// The bot.yaml keys of the tokens, as Health and the log name them.
const (
	botTokenKey = "chat.slack.bot_token"
	appTokenKey = "chat.slack.app_token"
)

// newToken says which token a refused key needs.
func newToken(key string) string {
	if key == appTokenKey {
		return "a new app-level token (xapp-…) with the connections:write scope, from the Slack app's Basic Information page"
	}
	return "a new Bot User OAuth Token (xoxb-…), from the Slack app's OAuth & Permissions page"
}

// backoff counts the failed attempts since the last success.
type backoff struct{ failures int }

func (b *backoff) reset() { b.failures = 0 }

// next returns how long to wait after one more failure.
func (b *backoff) next(refused bool) time.Duration {
	first, longest := retryFirst, retryMax
	if refused {
		first, longest = refusedFirst, refusedMax
	}
	d := first
	for i := 0; i < b.failures && d < longest; i++ {
		d *= 2
	}
	b.failures++
	return min(d, longest)
}

// outage is why crier is not connected to Slack, and when it tries again.
type outage struct {
	reason string    // one line, no secrets
	next   time.Time // zero: no attempt is scheduled (one is under way)
}

// Health reports nil while crier is connected to Slack, else what is wrong
// and when crier tries again, in one line without secrets.
func (a *Adapter) Health() error {
	a.mu.Lock()
	o := a.outage
	a.mu.Unlock()
	if o == nil {
		return nil
	}
	if o.next.IsZero() {
		return errors.New(o.reason)
	}
	return fmt.Errorf("%s; trying again in %s", o.reason, wait(o.next.Sub(a.opts.Clock.Now())))
}

// wait renders a wait as "4s", "2m" or "1h30m".
func wait(d time.Duration) string {
	d = d.Round(time.Second)
	if d <= 0 {
		return "a moment"
	}
	s := d.String()
	if d >= time.Minute {
		s = strings.TrimSuffix(s, "0s")
	}
	if d >= time.Hour {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func (a *Adapter) setOutage(o *outage) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.outage = o
}

func (a *Adapter) connected() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.outage == nil
}

// redact removes the tokens and the signing secret from text bound for the
// log or Health.
func (a *Adapter) redact(text string) string {
	for _, secret := range []string{a.opts.BotToken, a.opts.AppToken, a.opts.SigningSecret} {
		if secret != "" {
			text = strings.ReplaceAll(text, secret, "[redacted]")
		}
	}
	return strings.Join(strings.Fields(text), " ") // one line
}

// retry records a failed connection attempt (call is the Slack method that
// failed, key the token it used), logs it once, and waits before the next
// attempt. It returns an error only when ctx ends.
func (a *Adapter) retry(ctx context.Context, b *backoff, call, key string, err error, refused bool) error {
	refused = refused || TokenRefused(err)
	d := b.next(refused)
	next := a.opts.Clock.Now().Add(d)
	cause := a.redact(err.Error())
	o := &outage{reason: fmt.Sprintf("Slack is not answering (%s: %s)", call, cause), next: next}
	msg := "slack is not answering; crier keeps running and tries again"
	if refused {
		o.reason = fmt.Sprintf("Slack refused %s (%s): it needs %s", key, cause, newToken(key))
		msg = "slack refused " + key + "; it needs a new token (crier keeps running and tries again)"
	}
	a.setOutage(o)
	a.log.Warn(msg, slog.String("call", call), slog.String("error", cause),
		slog.Duration("retry_in", d), slog.Time("next_try", next))
	a.mu.Lock()
	sleep := a.sleep
	a.mu.Unlock()
	if sleep != nil {
		return sleep(ctx, d)
	}
	return crier.Sleep(ctx, a.opts.Clock, d)
}

// Run connects the adapter and keeps it connected until ctx ends; it
// returns nil then. Slack being down, or refusing a token, never ends it:
// Run tries again, waiting longer each time (1 s doubling to 5 minutes;
// from 1 minute up to 30 for a refused token), logs each failure once,
// and Health says what is wrong meanwhile. In Socket Mode it holds the
// websocket, acknowledging every envelope; in HTTP mode the handlers do the
// work once auth.test has told crier who it is.
func (a *Adapter) Run(ctx context.Context) error {
	var b backoff
	for a.bot() == "" {
		err := a.authTest(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err == nil {
			break
		}
		if a.retry(ctx, &b, "auth.test", botTokenKey, err, false) != nil {
			return nil
		}
	}
	if a.opts.Mode == "http" {
		a.setOutage(nil)
		a.log.Info("slack connected", slog.String("as", a.Identity()))
		<-ctx.Done()
		return nil
	}
	a.runSocket(ctx)
	return nil
}

// runSocket holds a Socket Mode connection until ctx ends. slack-go's client
// reconnects by itself while Slack does not answer (with its own backoff,
// which it reports as connection_error events); it returns only when Slack
// refuses the app-level token, and then crier waits and tries again.
func (a *Adapter) runSocket(ctx context.Context) {
	sm := socketmode.New(a.client)
	var b backoff
	for {
		refused, err := a.socketOnce(ctx, sm, &b)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			err = errors.New("connection closed")
		}
		if a.retry(ctx, &b, "apps.connections.open", appTokenKey, err, refused) != nil {
			return
		}
	}
}

// socketOnce runs slack-go's Socket Mode client until it returns, handling
// its events; refused reports that Slack refused the app-level token.
func (a *Adapter) socketOnce(ctx context.Context, sm *socketmode.Client, b *backoff) (refused bool, err error) {
	a.setOutage(&outage{reason: "Slack Socket Mode is connecting"})
	errc := make(chan error, 1)
	go func() { errc <- sm.RunContext(ctx) }()
	for {
		select {
		case <-ctx.Done():
			return false, nil
		case err := <-errc:
			// The client queued its last events before it returned.
			for len(sm.Events) > 0 {
				refused = a.socketControl(ctx, sm, <-sm.Events, b) || refused
			}
			return refused, err
		case evt := <-sm.Events:
			refused = a.socketControl(ctx, sm, evt, b) || refused
		}
	}
}

// socketControl handles the Socket Mode client's connection events and
// passes the others on, each on its own goroutine: a slow one must not hold
// the others past Slack's 3 s window. It reports whether the event says
// Slack refused the app-level token.
func (a *Adapter) socketControl(ctx context.Context, sm *socketmode.Client, evt socketmode.Event, b *backoff) bool {
	switch evt.Type {
	case socketmode.EventTypeInvalidAuth:
		return true
	case socketmode.EventTypeConnecting:
		if a.connected() {
			a.setOutage(&outage{reason: "Slack Socket Mode is reconnecting"})
		}
	case socketmode.EventTypeConnected:
		b.reset()
		a.setOutage(nil)
		a.log.Info("slack socket mode connected", slog.String("as", a.Identity()))
	case socketmode.EventTypeConnectionError:
		ce, ok := evt.Data.(*slackapi.ConnectionErrorEvent)
		if !ok || ce.ErrorObj == nil {
			return false
		}
		cause := a.redact(ce.ErrorObj.Error())
		next := a.opts.Clock.Now().Add(ce.Backoff)
		a.setOutage(&outage{reason: fmt.Sprintf("Slack Socket Mode is not connected (%s)", cause), next: next})
		a.log.Warn("slack socket mode is not connected; crier keeps running and tries again", slog.String("error", cause),
			slog.Duration("retry_in", ce.Backoff), slog.Time("next_try", next))
	default:
		go a.socketEvent(ctx, sm, evt)
	}
	return false
}
