package discord_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/discord"
	"github.com/crier-bot/crier/internal/crier"
)

// started is an adapter running on a manual clock, with its HTTP
// interactions endpoint.
type started struct {
	a        *discord.Adapter
	logs     *syncBuffer
	clock    *crier.ManualClock
	endpoint *endpoint
	finished chan struct{}
}

func startOnClock(t *testing.T, f *fakeDiscord, token string, gateway bool) *started {
	t.Helper()
	w := newWorld(t)
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	clock := crier.NewManualClock(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC))
	logs := &syncBuffer{}
	a, err := discord.New(discord.Options{Token: token, ApplicationID: appID, PublicKey: hex.EncodeToString(pub),
		Guilds: []string{guild}, APIURL: f.url(), Router: w.router, Clock: clock, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	require.NoError(t, err)
	h, err := a.Handler()
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	s := &started{a: a, logs: logs, clock: clock, endpoint: &endpoint{url: srv.URL, priv: priv}, finished: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	var runErr error
	go func() { runErr = a.Run(ctx, gateway); close(s.finished) }()
	t.Cleanup(func() {
		cancel()
		<-s.finished
		require.NoError(t, runErr)
	})
	return s
}

// waitHealth waits until Health says something containing each of want.
func (s *started) waitHealth(t *testing.T, want ...string) {
	t.Helper()
	var last error
	require.Eventually(t, func() bool {
		last = s.a.Health()
		if last == nil {
			return false
		}
		for _, w := range want {
			if !strings.Contains(last.Error(), w) {
				return false
			}
		}
		return true
	}, 10*time.Second, 10*time.Millisecond, "Health wants %q; last: %v", want, last)
}

// syncBuffer is a log destination safe for the adapter's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (s *started) running(t *testing.T) {
	t.Helper()
	select {
	case <-s.finished:
		t.Fatal("Run returned while Discord was down")
	default:
	}
}

func (s *started) servesHTTP(t *testing.T) {
	t.Helper()
	status, body, _ := s.endpoint.post(t, s.endpoint.sign(mustJSON(t, ping), s.clock.Now()))
	require.Equal(t, http.StatusOK, status, string(body))
}

func TestCommandRegistrationIsRetriedUntilDiscordAnswers(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	f.failCommands = []failure{{status: 500}, {status: 429, retryAfter: 3}, {status: 503}}
	s := startOnClock(t, f, "token-test", false)
	const put = "PUT /applications/" + appID + "/guilds/" + guild + "/commands"

	// 500: tried again after 1 s.
	s.waitHealth(t, "Discord: registering crier's commands failed at 09:00:00", "500 Internal Server Error", "trying again in 1s, at 09:00:01 UTC")
	s.running(t)
	s.servesHTTP(t)
	s.clock.Add(time.Second)
	// 429 with retry_after 3 s, longer than the next backoff (2 s).
	s.waitHealth(t, "failed at 09:00:01", "rate limiting crier for 3s", "trying again in 3s, at 09:00:04 UTC")
	require.Len(t, f.callsTo(put), 2)
	s.running(t)
	s.clock.Add(3 * time.Second)
	// 503: backoff 4 s.
	s.waitHealth(t, "failed at 09:00:04", "503 Service Unavailable", "trying again in 4s, at 09:00:08 UTC")
	s.servesHTTP(t)
	s.clock.Add(4 * time.Second)
	// Discord is back.
	require.Eventually(t, func() bool { return s.a.Health() == nil }, 10*time.Second, 10*time.Millisecond, "Health once registered and connected")
	s.running(t)
	s.servesHTTP(t)
}

func TestARefusedTokenIsTriedAgainSlowlyAndSaysSo(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	s := startOnClock(t, f, "revoked", true)

	s.waitHealth(t, "registering crier's commands failed", "gateway", "Discord refused crier's bot token; set a new chat.discord.token", "trying again in 30m0s")
	s.running(t)
	require.NotContains(t, s.a.Health().Error(), "revoked", "no token in what an operator reads")
	logged := s.logs.String()
	require.Contains(t, logged, "level=WARN")
	require.Contains(t, logged, "next_try=")
	require.NotContains(t, logged, "revoked", "no token in the log")
	require.NotContains(t, logged, f.srv.URL, "no URL in the log")
	n := len(f.callsTo("PUT "))
	s.clock.Add(30 * time.Minute)
	require.Eventually(t, func() bool { return len(f.callsTo("PUT ")) > n }, 10*time.Second, 10*time.Millisecond, "tried again after 30 minutes")
	s.running(t)
}

func TestCommandsRefusedWithA403SayWhatToFixAndAreTriedAgainSlowly(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	f.failCommands = []failure{{status: 403}}
	s := startOnClock(t, f, "token-test", false)
	const fix = "Discord refused crier's commands in server " + guild + "; re-invite crier with the link `crier check` prints, which has the applications.commands scope, and check chat.discord.application_id"

	s.waitHealth(t, "Discord: registering crier's commands failed at 09:00:00 UTC ("+fix+"); trying again in 30m0s, at 09:30:00 UTC")
	require.NotContains(t, s.a.Health().Error(), "403 Forbidden", "plain words, not a status")
	s.running(t)
	s.servesHTTP(t)
	require.Contains(t, s.logs.String(), "applications.commands scope", "the log says what to fix too")
	require.Contains(t, s.logs.String(), "retry_in=30m0s")

	// Not tried again before the 30 minutes are up.
	s.clock.Add(29 * time.Minute)
	s.servesHTTP(t)
	require.Len(t, f.callsTo("PUT "), 1)
	// After them, registered (the scope was granted meanwhile).
	s.clock.Add(time.Minute)
	require.Eventually(t, func() bool { return s.a.Health() == nil }, 10*time.Second, 10*time.Millisecond, "registered after the scope was granted")
	require.Len(t, f.callsTo("PUT "), 2)
	s.running(t)
}

func TestAGatewayDownAtStartIsTriedAgain(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	f.gatewayDown = true
	s := startOnClock(t, f, "token-test", true)

	s.waitHealth(t, "Discord: connecting to the gateway (commands and thread replies wait) failed", "trying again in 1s")
	s.running(t)
	f.mu.Lock()
	f.gatewayDown = false
	f.mu.Unlock()
	s.clock.Add(time.Second)
	select {
	case <-f.ready:
	case <-time.After(10 * time.Second):
		t.Fatal("no gateway session after Discord came back")
	}
	require.Eventually(t, func() bool { return s.a.Health() == nil }, 10*time.Second, 10*time.Millisecond)
	s.running(t)
}
