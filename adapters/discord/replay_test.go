package discord_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/internal/crier"
)

// replayStore is a crier.ReplayStore in memory, shared by the adapters of a
// test as the database is shared by crier before and after a restart.
type replayStore struct {
	clock crier.Clock
	mu    sync.Mutex
	seen  map[string]time.Time // platform + key → until when
	err   error
}

func newReplayStore(clock crier.Clock) *replayStore {
	return &replayStore{clock: clock, seen: map[string]time.Time{}}
}

func (s *replayStore) SeenRequest(_ context.Context, platform, key string, expires time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return false, s.err
	}
	k := platform + "\x00" + key
	if until, ok := s.seen[k]; ok && !s.clock.Now().After(until) {
		return true, nil
	}
	s.seen[k] = expires
	return false, nil
}

// restartedEndpoints are two HTTP interaction endpoints with the same
// public key: crier before and after a restart.
func restartedEndpoints(t *testing.T, w *world, store crier.ReplayStore) (before, after *endpoint) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	f := newFakeDiscord(t)
	mk := func() *endpoint {
		a := newAdapter(t, f, w, hex.EncodeToString(pub))
		a.UseReplayStore(store)
		h, err := a.Handler()
		require.NoError(t, err)
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return &endpoint{url: srv.URL, priv: priv}
	}
	return mk(), mk()
}

func TestHTTPReplayAfterARestartIsRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	store := newReplayStore(crier.SystemClock{})
	before, after := restartedEndpoints(t, w, store)
	cmd := before.sign(mustJSON(t, slash("1800000000000000201", "schedule", "tomorrow 9am Once", "1900000000000000001", []string{schedulerRole})), time.Now())

	status, body, _ := before.post(t, cmd)
	require.Equal(t, http.StatusOK, status, string(body))
	require.Len(t, w.upcoming(t), 1)

	status, _, _ = after.post(t, cmd)
	require.Equal(t, http.StatusUnauthorized, status, "the request captured before the restart, sent again after it")
	require.Len(t, w.upcoming(t), 1, "a replay schedules nothing")

	// A new request is accepted after the restart.
	status, body, _ = after.post(t, after.sign(mustJSON(t, ping), time.Now()))
	require.Equal(t, http.StatusOK, status, string(body))
}

func TestHTTPReplayStoreFailureFailsClosed(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	store := newReplayStore(crier.SystemClock{})
	store.err = errors.New("database is locked")
	e, _ := restartedEndpoints(t, w, store)
	cmd := e.sign(mustJSON(t, slash("1800000000000000202", "schedule", "tomorrow 9am Maybe", "1900000000000000001", []string{schedulerRole})), time.Now())

	status, _, _ := e.post(t, cmd)
	require.Equal(t, http.StatusServiceUnavailable, status, "Discord may try again; crier does not serve what it cannot check")
	require.Empty(t, w.upcoming(t))
}
