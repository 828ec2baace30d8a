package mastodon

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/netcall"
)

// resetMargin is added to a wait for X-RateLimit-Reset: the instance's
// clock and crier's never agree exactly.
const resetMargin = 250 * time.Millisecond

// keyContext carries the idempotency key of a status creation to the
// transport (go-mastodon has no way to set a header per call).
type keyContext struct{}

func withKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, keyContext{}, key)
}

// transport is the RoundTripper of the API client: it paces requests with
// the account's limiter, waits out X-RateLimit-Remaining: 0 when the context
// allows, adds the Idempotency-Key to POST /api/v1/statuses and answers a 429
// with a crier.RateLimited error instead of a response (so go-mastodon's
// own retry loop, which can sleep up to an hour, never runs).
type transport struct {
	n    *Network
	base http.RoundTripper
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if err := t.n.waitTurn(ctx); err != nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, &netcall.NotSentError{Err: err} // the context ended first
	}
	if req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/api/v1/statuses") {
		if key, _ := ctx.Value(keyContext{}).(string); key != "" {
			req = req.Clone(ctx)
			req.Header.Set("Idempotency-Key", key)
		}
	}
	resp, err := netcall.RoundTrip(t.base, req)
	if err != nil {
		return nil, err
	}
	t.n.observe(resp.Header)
	if resp.StatusCode == http.StatusTooManyRequests {
		after := retryAfter(resp.Header, t.n.clock.Now())
		netcall.Drain(resp.Body)
		return nil, t.n.rateLimited(after)
	}
	// go-mastodon reads answers whole: bound them like do does.
	resp.Body = &limitedBody{Reader: io.LimitReader(resp.Body, maxJSON), body: resp.Body}
	return resp, nil
}

// limitedBody reads at most maxJSON of an answer and closes the original
// body.
type limitedBody struct {
	io.Reader
	body io.ReadCloser
}

func (b *limitedBody) Close() error { return b.body.Close() }

// rateLimited is the error for a refusal (or a wait) because of the rate
// limit.
func (n *Network) rateLimited(after time.Duration) error {
	return crier.RateLimited(crier.Errorf(crier.EUNAVAIL,
		"Mastodon (%s) asked crier to slow down (rate limit).", n.name), after)
}

// waitTurn waits for the account's limiter and, after an answer with
// X-RateLimit-Remaining: 0, until X-RateLimit-Reset; when the wait would
// outlast ctx it returns a RateLimited error at once instead.
func (n *Network) waitTurn(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	n.mu.Lock()
	remaining, reset := n.remaining, n.resetAt
	n.mu.Unlock()
	if remaining == 0 {
		if d := reset.Sub(n.clock.Now()); d > 0 {
			d += resetMargin
			if !netcall.Fits(ctx, d) {
				return n.rateLimited(d)
			}
			if err := crier.Sleep(ctx, n.clock, d); err != nil {
				return err
			}
		}
		n.mu.Lock()
		if n.resetAt.Equal(reset) {
			n.remaining = -1
		}
		n.mu.Unlock()
	}
	now := n.clock.Now()
	r := n.limiter.ReserveN(now, 1)
	if !r.OK() {
		return errors.New("rate limiter refused the request")
	}
	if d := r.DelayFrom(now); d > 0 {
		if !netcall.Fits(ctx, d) {
			r.CancelAt(now)
			return n.rateLimited(d)
		}
		if err := crier.Sleep(ctx, n.clock, d); err != nil {
			r.CancelAt(n.clock.Now())
			return err
		}
	}
	return nil
}

// observe remembers the rate-limit headers of an answer.
func (n *Network) observe(h http.Header) {
	rem, err := strconv.Atoi(strings.TrimSpace(h.Get("X-RateLimit-Remaining")))
	if err != nil {
		return
	}
	reset, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(h.Get("X-RateLimit-Reset")))
	if err != nil && rem == 0 {
		return // no way to know when it ends: the 429 will say
	}
	n.mu.Lock()
	n.remaining, n.resetAt = rem, reset
	n.mu.Unlock()
}

// retryAfter reads how long a 429 asks to wait: Retry-After (seconds or an
// HTTP date), else X-RateLimit-Reset (ISO 8601), else 0.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if d, ok := netcall.RetryAfter(h, now); ok {
		return d
	}
	if v := strings.TrimSpace(h.Get("X-RateLimit-Reset")); v != "" {
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil && t.After(now) {
			return t.Sub(now).Truncate(time.Second) + time.Second
		}
	}
	return 0
}
