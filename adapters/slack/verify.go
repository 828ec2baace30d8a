package slack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"
)

// verified wraps a Slack endpoint: before anything reads the request, the
// body is bounded (1 MiB, else 413), the timestamp must be within 5 minutes
// of now, the v0 signature over "v0:timestamp:body" must match (constant-time
// compare, by slack-go's SecretsVerifier), and the same signature is accepted
// once: remembered in the replay store, when there is one, so also after a
// restart (if the store fails, the request is refused with 503). Rejections
// answer 401 and are logged without the body or any secret.
// For the Events API a repeat is answered 200 without running next: Slack
// counts any other answer as a failed delivery and retries it, and events are
// also de-duplicated by event_id.
func (a *Adapter) verified(repeatOK bool, next func(w http.ResponseWriter, r *http.Request, body []byte)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		reject := func(status int, reason string) {
			a.log.Warn("slack request rejected", slog.String("path", r.URL.Path), slog.String("reason", reason), slog.Int("status", status))
			http.Error(w, http.StatusText(status), status)
		}
		ts := r.Header.Get("X-Slack-Request-Timestamp")
		sig := r.Header.Get("X-Slack-Signature")
		if ts == "" || sig == "" {
			reject(http.StatusUnauthorized, "missing signature headers")
			return
		}
		if r.ContentLength > maxBody {
			reject(http.StatusRequestEntityTooLarge, "body over 1 MiB")
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				reject(http.StatusRequestEntityTooLarge, "body over 1 MiB")
				return
			}
			reject(http.StatusBadRequest, "unreadable body")
			return
		}
		secs, err := strconv.ParseInt(ts, 10, 64)
		if err != nil {
			reject(http.StatusUnauthorized, "malformed timestamp")
			return
		}
		now := a.opts.Clock.Now()
		if skew := now.Sub(time.Unix(secs, 0)).Abs(); skew > maxClockSkew {
			reject(http.StatusUnauthorized, "stale or future timestamp")
			return
		}
		sv, err := slackapi.NewSecretsVerifier(r.Header, a.opts.SigningSecret)
		if err != nil {
			reject(http.StatusUnauthorized, "bad signature header")
			return
		}
		if _, err := sv.Write(body); err != nil {
			reject(http.StatusUnauthorized, "signature")
			return
		}
		if err := sv.Ensure(); err != nil {
			reject(http.StatusUnauthorized, "signature mismatch")
			return
		}
		// The signature is valid as long as its timestamp is: remember it
		// until then.
		replayed, err := a.replayed(r.Context(), ts+strings.ToLower(sig), now, time.Unix(secs, 0).Add(maxClockSkew))
		if err != nil {
			// Fail closed: a request crier cannot tell from a replay is
			// not run. Slack shows the person an error; Events API
			// deliveries are retried by Slack.
			a.log.Error("slack request refused: cannot check it against the requests already served", slog.String("path", r.URL.Path), slog.Any("error", err))
			http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
			return
		}
		if replayed {
			if repeatOK {
				w.WriteHeader(http.StatusOK)
				return
			}
			reject(http.StatusUnauthorized, "replayed request")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next(w, r, body)
		a.opts.Metrics.Acked(Platform, time.Since(start))
	})
}

// replayed reports whether the request signature key was served already,
// through the replay store when there is one (so that it survives a
// restart), else in memory.
func (a *Adapter) replayed(ctx context.Context, key string, now, expires time.Time) (bool, error) {
	a.mu.Lock()
	store := a.store
	a.mu.Unlock()
	if store == nil {
		return a.seen(a.replays, key, now, expires), nil
	}
	seen, err := store.SeenRequest(ctx, Platform, key, expires)
	if err != nil {
		return false, fmt.Errorf("slack replay store: %w", err)
	}
	return seen, nil
}

// seen records key in set until expires and reports whether it was there
// already (and not expired). Expired entries are swept at most every 30
// seconds, so a busy listener does not scan the set on every request.
func (a *Adapter) seen(set map[string]time.Time, key string, now, expires time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if now.After(a.nextSweep) {
		for k, exp := range a.replays {
			if now.After(exp) {
				delete(a.replays, k)
			}
		}
		for k, exp := range a.events {
			if now.After(exp) {
				delete(a.events, k)
			}
		}
		a.nextSweep = now.Add(30 * time.Second)
	}
	if exp, ok := set[key]; ok && !now.After(exp) {
		return true
	}
	set[key] = expires
	return false
}
