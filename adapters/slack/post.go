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
	opts := append([]slackapi.MsgOption{slackapi.MsgOptionText(text, false)}, extra...)
	if threadTS != "" {
		opts = append(opts, slackapi.MsgOptionTS(threadTS))
	}
	for attempt := 0; ; attempt++ {
		_, ts, err := a.api.PostMessageContext(ctx, channel, opts...)
		var limited *slackapi.RateLimitedError
		if errors.As(err, &limited) {
			a.opts.Metrics.RateLimited(Platform)
			// Slack says this channel is over its pace: the tokens saved
			// up meanwhile are not Slack's to give, so the messages behind
			// this one each wait a full interval (or they would each meet
			// a 429 of their own).
			if n := int(l.Tokens()); n > 0 {
				l.ReserveN(time.Now(), n)
			}
			if d := max(limited.RetryAfter, time.Second); attempt == 0 && netcall.Fits(ctx, d) {
				if err := crier.Sleep(ctx, a.opts.Clock, d); err != nil {
					return "", fmt.Errorf("slack post to %s: %w", channel, err)
				}
				// The retry takes its turn like any message, so the one
				// behind it does not follow at once.
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
