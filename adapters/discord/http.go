package discord

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/crier-bot/crier/internal/crier"
)

// Handler is the HTTP interactions endpoint (instead of the gateway), to be
// mounted at POST /discord/interactions. Every request is verified first:
// body at most 1 MiB, a timestamp within 5 minutes (discordgo's
// VerifyInteraction does not check its age), the Ed25519 signature over
// timestamp+body, and each signature accepted once. Discord sends badly
// signed requests on purpose to check this; they get 401.
func (a *Adapter) Handler() (http.Handler, error) {
	key, err := hex.DecodeString(a.opts.PublicKey)
	if err != nil || len(key) != ed25519.PublicKeySize {
		return nil, errors.New("discord: the public key must be 64 hex characters")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		reject := func(status int, reason string) {
			a.log.Warn("discord request rejected", slog.String("reason", reason), slog.Int("status", status))
			http.Error(w, http.StatusText(status), status)
		}
		sig, ts := r.Header.Get("X-Signature-Ed25519"), r.Header.Get("X-Signature-Timestamp")
		if sig == "" || ts == "" {
			reject(http.StatusUnauthorized, "missing signature headers")
			return
		}
		secs, err := strconv.ParseInt(ts, 10, 64)
		now := a.opts.Clock.Now()
		if err != nil || now.Sub(time.Unix(secs, 0)).Abs() > maxSkew {
			reject(http.StatusUnauthorized, "stale, future or malformed timestamp")
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			reject(http.StatusRequestEntityTooLarge, "body over 1 MiB")
			return
		case err != nil:
			reject(http.StatusBadRequest, "unreadable body")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if !discordgo.VerifyInteraction(r, ed25519.PublicKey(key)) {
			reject(http.StatusUnauthorized, "signature mismatch")
			return
		}
		// Hex is case-insensitive: the same signature in other letter case
		// is the same request.
		replay, err := a.replayed(r.Context(), strings.ToLower(sig), now, time.Unix(secs, 0).Add(maxSkew))
		if err != nil {
			// Fail closed: a request crier cannot check is not served.
			a.log.Error("discord replay check failed", slog.Any("error", err))
			http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
			return
		}
		if replay {
			reject(http.StatusUnauthorized, "replayed request")
			return
		}
		var i discordgo.Interaction
		if err := json.Unmarshal(body, &i); err != nil {
			reject(http.StatusBadRequest, "malformed interaction")
			return
		}
		resp := a.interaction(r.Context(), &i)
		if resp == nil {
			reject(http.StatusBadRequest, "unsupported interaction")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(resp)
		a.opts.Metrics.Acked(Platform, time.Since(start))
	}), nil
}

// UseReplayStore keeps the signatures of served HTTP interactions in s, so
// that a request captured before a restart is refused after it too. nil (the
// default) keeps them in memory, forgotten at a restart.
func (a *Adapter) UseReplayStore(s crier.ReplayStore) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.replays = s
}

// replayed records a signature until its timestamp expires and reports
// whether it was seen already: in the replay store when there is one,
// otherwise in memory.
func (a *Adapter) replayed(ctx context.Context, sig string, now, expires time.Time) (bool, error) {
	a.mu.Lock()
	store := a.replays
	a.mu.Unlock()
	if store != nil {
		seen, err := store.SeenRequest(ctx, Platform, sig, expires)
		if err != nil {
			return false, fmt.Errorf("discord replay store: %w", err)
		}
		return seen, nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if now.After(a.nextSweep) { // sweep expired signatures every 30 s, not on every request
		for k, exp := range a.seen {
			if now.After(exp) {
				delete(a.seen, k)
			}
		}
		a.nextSweep = now.Add(30 * time.Second)
	}
	if exp, ok := a.seen[sig]; ok && !now.After(exp) {
		return true, nil
	}
	a.seen[sig] = expires
	return false, nil
}
