package slack_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/slack"
	"github.com/crier-bot/crier/internal/crier"
)

// syncBuffer is a log sink for concurrent writers.
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

// retrying is an adapter that has not connected, on a manual clock, whose
// waits between connection attempts move the clock instead of sleeping.
type retrying struct {
	a     *slack.Adapter
	clock *crier.ManualClock
	logs  *syncBuffer

	mu     sync.Mutex
	free   int // waits that return at once; later ones last until Run ends
	waits  []time.Duration
	health []error // Health during each wait
}

func newRetrying(t *testing.T, f *fakeSlack, w *world, mode, botToken, appToken string) *retrying {
	t.Helper()
	r := &retrying{clock: crier.NewManualClock(time.Now()), logs: &syncBuffer{}, free: 3}
	a, err := slack.New(slack.Options{
		Mode: mode, BotToken: botToken, AppToken: appToken, SigningSecret: secret, APIURL: f.GetAPIURL(),
		Router: w.router, Clock: r.clock, Logger: slog.New(slog.NewTextHandler(r.logs, nil)),
	})
	require.NoError(t, err)
	a.SetSleep(func(ctx context.Context, d time.Duration) error {
		r.mu.Lock()
		r.waits = append(r.waits, d)
		r.health = append(r.health, a.Health())
		block := len(r.waits) > r.free
		r.mu.Unlock()
		if block {
			<-ctx.Done()
			return ctx.Err()
		}
		r.clock.Add(d)
		return ctx.Err()
	})
	r.a = a
	return r
}

// run runs the adapter until the test ends and fails the test if Run
// returns before that.
func (r *retrying) run(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.a.Run(ctx) }()
	t.Cleanup(func() {
		select {
		case err := <-done:
			t.Errorf("Run returned while Slack was down: %v", err)
			return
		default:
		}
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
}

func (r *retrying) waited() ([]time.Duration, []error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.waits...), append([]error(nil), r.health...)
}

// TestSlackDownAtStartDoesNotStopCrier: auth.test gets no answer three
// times, then Slack is back. Run keeps trying, waiting longer each time;
// Health says Slack is down and when crier tries again, then nil.
func TestSlackDownAtStartDoesNotStopCrier(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"http", "socket"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			f := newFakeSlack(t)
			f.authDown = 3
			r := newRetrying(t, f, newWorld(t), mode, "xoxb-test", "xapp-test")
			require.ErrorContains(t, r.a.Health(), "Slack", "not connected before Run")
			r.run(t)

			require.Eventually(t, func() bool { return r.a.Health() == nil }, 5*time.Second, 10*time.Millisecond)
			waits, health := r.waited()
			require.Len(t, waits, 3)
			for i := 1; i < len(waits); i++ {
				require.Greater(t, waits[i], waits[i-1], "each wait is longer than the one before")
			}
			for _, err := range health {
				require.ErrorContains(t, err, "Slack is not answering")
				require.ErrorContains(t, err, "trying again in")
			}
			f.mu.Lock()
			require.Equal(t, 4, f.authCalls)
			f.mu.Unlock()
			require.Equal(t, "@crier ("+botUserID+") in Crier Test", r.a.Identity())
			logs := r.logs.String()
			require.Equal(t, 3, bytes.Count([]byte(logs), []byte("level=WARN")), logs)
			require.NotContains(t, logs, "xoxb-test")
			require.NotContains(t, logs, "xapp-test")
		})
	}
}

// TestConnectionRetriesWaitOnTheClock: without a test hook, the wait between
// connection attempts goes through the injected clock: crier tries again
// once the clock has moved, and not before.
func TestConnectionRetriesWaitOnTheClock(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	f.authDown = 1
	clock := crier.NewManualClock(time.Now())
	a, err := slack.New(slack.Options{
		Mode: "http", BotToken: "xoxb-test", SigningSecret: secret, APIURL: f.GetAPIURL(),
		Router: newWorld(t).router, Clock: clock,
	})
	require.NoError(t, err)
	r := &retrying{a: a, clock: clock}
	r.run(t)
	require.Eventually(t, func() bool { return clock.Waiters() == 1 }, 5*time.Second, time.Millisecond, "crier waits on its clock")
	require.ErrorContains(t, a.Health(), "trying again in 1s")
	clock.Add(999 * time.Millisecond)
	require.Equal(t, 1, clock.Waiters(), "not before the wait is over")
	f.mu.Lock()
	require.Equal(t, 1, f.authCalls)
	f.mu.Unlock()
	clock.Add(time.Millisecond)
	require.Eventually(t, func() bool { return a.Health() == nil }, 5*time.Second, time.Millisecond)
	f.mu.Lock()
	require.Equal(t, 2, f.authCalls)
	f.mu.Unlock()
}

// TestARefusedBotTokenIsRetriedSlowly: Slack answers invalid_auth. crier
// keeps running (the token may be fixed in Slack's settings), tries again
// minutes later, and Health says the token needs replacing.
func TestARefusedBotTokenIsRetriedSlowly(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	r := newRetrying(t, f, newWorld(t), "http", "xoxb-revoked", "")
	r.run(t)
	require.Eventually(t, func() bool { w, _ := r.waited(); return len(w) > r.free }, 5*time.Second, 10*time.Millisecond)
	waits, health := r.waited()
	require.GreaterOrEqual(t, waits[0], time.Minute)
	require.Greater(t, waits[1], waits[0])
	require.ErrorContains(t, health[0], "chat.slack.bot_token")
	require.ErrorContains(t, health[0], "xoxb-")
	require.ErrorContains(t, r.a.Health(), "trying again in")
	require.NotContains(t, r.a.Health().Error(), "xoxb-revoked")
	require.NotContains(t, r.logs.String(), "xoxb-revoked")
}

// TestSocketModeRefusedAppTokenIsRetriedSlowly: apps.connections.open
// answers invalid_auth; Run keeps going and Health names the key to fix.
func TestSocketModeRefusedAppTokenIsRetriedSlowly(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	r := newRetrying(t, f, newWorld(t), "socket", "xoxb-test", "xapp-revoked")
	r.run(t)
	require.Eventually(t, func() bool { w, _ := r.waited(); return len(w) > r.free }, 5*time.Second, 10*time.Millisecond)
	waits, health := r.waited()
	require.GreaterOrEqual(t, waits[0], time.Minute)
	require.ErrorContains(t, health[0], "chat.slack.app_token")
	require.NotContains(t, r.logs.String(), "xapp-revoked")
}

// TestRequestsBeforeCrierKnowsItself: in HTTP mode, before auth.test has
// answered, commands are served (they do not need crier's own user id),
// and Events API deliveries are answered 503, so that Slack delivers them
// again later, when crier can tell its own threads.
func TestRequestsBeforeCrierKnowsItself(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	w := newWorld(t)
	r := newRetrying(t, f, w, "http", "xoxb-test", "")
	replies := make(chan crier.ThreadReply, 1)
	r.a.OnThreadReply(func(_ context.Context, m crier.ThreadReply) { replies <- m })
	srv := listener(t, r.a)

	status, body := send(t, srv, signedReq{path: "/slack/commands", body: slashBody(f, "U_ANA", "/help", "")})
	require.Equal(t, http.StatusOK, status)
	require.NotContains(t, decode(t, body).Text, "✗")
	event := `{"type":"event_callback","team_id":"T1","event_id":"EvEarly","event":{"type":"message","user":"U_ANA","text":"early","ts":"2.0","thread_ts":"1.0","channel":"C0LAUNCH1","parent_user_id":"` + botUserID + `"}}`
	status, _ = send(t, srv, signedReq{path: "/slack/events", body: event})
	require.Equal(t, http.StatusServiceUnavailable, status)

	r.run(t)
	require.Eventually(t, func() bool { return r.a.Health() == nil }, 5*time.Second, 10*time.Millisecond)
	// Slack's retry comes with a new timestamp and signature.
	status, _ = send(t, srv, signedReq{path: "/slack/events", body: event, at: time.Now().Add(time.Second)})
	require.Equal(t, http.StatusOK, status)
	select {
	case m := <-replies:
		require.Equal(t, "early", m.Text)
	case <-time.After(5 * time.Second):
		t.Fatal("the redelivered reply did not reach the handler")
	}
}
