package slack

import (
	"context"
	"errors"
	"fmt"
	"time"

	slackapi "github.com/slack-go/slack"
	"golang.org/x/time/rate"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/netcall"
)

// post sends text to a channel, in a thread when threadTS is set, and returns
// the message's ts (which starts a thread of its own). Messages to one
// channel are paced (about 1 a second, short bursts); a 429 is waited out
// once, as long as Slack's Retry-After says (on the injected clock), and
// never retried in a loop; a wait that would outlast ctx's deadline is not
// started: the 429 is the error.
func (a *Adapter) post(ctx context.Context, channel, threadTS, text string, extra ...slackapi.MsgOption) (string, error) {
	l := a.limiter(channel)
	if err := l.Wait(ctx); err != nil {
		return "", fmt.Errorf("slack post to %s: %w", channel, err)
	}
	if err := a.afterRetryAfter(ctx, channel); err != nil {
		return "", fmt.Errorf("slack post to %s: %w", channel, err)
	}
	opts := append([]slackapi.MsgOption{slackapi.MsgOptionText(text, false)}, extra...)
	if threadTS != "" {
		opts = append(opts, slackapi.MsgOptionTS(threadTS))
	}
	for attempt := 0; ; attempt++ {
		_, ts, err := a.api.PostMessageContext(ctx, channel, opts...)
		var limited *slackapi.RateLimitedError
		if errors.As(err, &limited) {
			a.opts.Metrics.RateLimited(Platform)

			d := max(limited.RetryAfter, time.Second)
			// Slack says this channel is over its pace: every message to
			// it, this one and those behind it, waits out the Retry-After,
			// then takes its turn (or each would meet a 429 of its own).
			a.mu.Lock()
			if until := a.opts.Clock.Now().Add(d); until.After(a.notBefore[channel]) {
				a.notBefore[channel] = until
			}
			a.mu.Unlock()
			if attempt == 0 && netcall.Fits(ctx, d) {
				if err := a.afterRetryAfter(ctx, channel); err != nil {
					return "", fmt.Errorf("slack post to %s: %w", channel, err)
				}
				if err := l.Wait(ctx); err != nil {
					return "", fmt.Errorf("slack post to %s: %w", channel, err)
				}
				continue
			}
		}
		if err != nil {
			return "", fmt.Errorf("slack post to %s: %w", channel, err)
		}
		a.opts.Metrics.MessageSent(Platform)
		return ts, nil
	}
}

// afterRetryAfter waits, on crier's clock, until the last Retry-After Slack
// gave for channel has passed.
func (a *Adapter) afterRetryAfter(ctx context.Context, channel string) error {
	a.mu.Lock()
	until := a.notBefore[channel]
	a.mu.Unlock()
	if !until.After(a.opts.Clock.Now()) {
		return nil
	}
	return crier.SleepUntil(ctx, a.opts.Clock, until)
}

func (a *Adapter) limiter(channel string) *rate.Limiter {
	a.mu.Lock()
	defer a.mu.Unlock()
	l, ok := a.limiters[channel]
	if !ok {
		l = rate.NewLimiter(a.opts.PerChannel, 3)
		a.limiters[channel] = l
	}
	return l
}
