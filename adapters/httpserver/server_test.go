package httpserver_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/httpserver"
)

// testBundle is a started server, a client for it and what it logged.
type testBundle struct {
	srv    *httpserver.Server
	client *http.Client
	logs   *syncBuffer
}

// setup starts a server on 127.0.0.1:0 with mount's handlers and shuts it
// down when the test ends.
func setup(t *testing.T, mount func(s *httpserver.Server)) *testBundle {
	t.Helper()
	logs := &syncBuffer{}
	srv := httpserver.New(httpserver.Options{
		Addr:   "127.0.0.1:0",
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if mount != nil {
		mount(srv)
	}
	require.NoError(t, srv.Start(context.Background()))
	client := &http.Client{Timeout: 10 * time.Second, Transport: http.DefaultTransport.(*http.Transport).Clone()}
	t.Cleanup(func() {
		client.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		require.NoError(t, srv.Shutdown(ctx))
	})
	return &testBundle{srv: srv, client: client, logs: logs}
}

// get requests path and returns the status, content type and body.
func (b *testBundle) get(t *testing.T, method, path string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(method, b.srv.URL()+path, nil)
	require.NoError(t, err)
	resp, err := b.client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(body)
}

// scrape reads /metrics and parses the text exposition into series → value.
func (b *testBundle) scrape(t *testing.T) map[string]float64 {
	t.Helper()
	status, ctype, body := b.get(t, http.MethodGet, "/metrics")
	require.Equal(t, http.StatusOK, status)
	require.True(t, strings.HasPrefix(ctype, "text/plain"), "content type %q", ctype)
	return parseExposition(t, body)
}

func TestHealthzSaysOK(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	status, ctype, body := b.get(t, http.MethodGet, "/healthz")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "text/plain; charset=utf-8", ctype)
	require.Equal(t, "ok\n", body)
}

func TestAddrIsTheRealPort(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	host, port, err := net.SplitHostPort(b.srv.Addr())
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1", host)
	require.NotEqual(t, "0", port)
	require.Equal(t, "http://"+b.srv.Addr(), b.srv.URL())
}

func TestRoutesThatDoNotMatchAnswerInPlainText(t *testing.T) {
	t.Parallel()
	b := setup(t, func(s *httpserver.Server) {
		s.Handle("POST /slack/commands", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, "acked")
		}))
	})
	tests := []struct {
		name         string
		method, path string
		status       int
	}{
		{"an unknown path is not found", http.MethodGet, "/nope", http.StatusNotFound},
		{"an unknown nested path is not found", http.MethodGet, "/slack/commands/extra", http.StatusNotFound},
		{"a known path with the wrong method is not allowed", http.MethodGet, "/slack/commands", http.StatusMethodNotAllowed},
		{"a mounted route answers", http.MethodPost, "/slack/commands", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, ctype, body := b.get(t, tt.method, tt.path)
			require.Equal(t, tt.status, status)
			require.True(t, strings.HasPrefix(ctype, "text/plain"), "content type %q", ctype)
			require.LessOrEqual(t, len(body), 40, "a short line: %q", body)
			require.NotContains(t, strings.TrimSuffix(body, "\n"), "\n", "one line: %q", body)
		})
	}
}

func TestMetricsShowWhatWasRecorded(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	m := b.srv.Metrics()
	m.CommandHandled("slack", "schedule", "ok")
	m.CommandHandled("slack", "schedule", "ok")
	m.CommandHandled("slack", "schedule", "error")
	m.CommandHandled("discord", "queue", "forbidden")
	m.Acked("slack", 2*time.Millisecond)
	m.Acked("slack", 250*time.Millisecond)
	m.Acked("slack", 2500*time.Millisecond)
	m.MessageSent("slack")
	m.MessageSent("slack")
	m.MessageSent("slack")
	m.RateLimited("discord")
	m.CommandHandled("shell", "bad\xffname", "error") // invalid UTF-8 must not panic

	got := b.scrape(t)
	want := map[string]float64{
		series("crier_commands_total", "platform", "slack", "command", "schedule", "outcome", "ok"):         2,
		series("crier_commands_total", "platform", "slack", "command", "schedule", "outcome", "error"):      1,
		series("crier_commands_total", "platform", "discord", "command", "queue", "outcome", "forbidden"):   1,
		series("crier_commands_total", "platform", "shell", "command", "bad\uFFFDname", "outcome", "error"): 1,
		series("crier_ack_seconds_count", "platform", "slack"):                                              3,
		series("crier_ack_seconds_bucket", "platform", "slack", "le", "0.001"):                              0,
		series("crier_ack_seconds_bucket", "platform", "slack", "le", "0.0025"):                             1,
		series("crier_ack_seconds_bucket", "platform", "slack", "le", "0.1"):                                1,
		series("crier_ack_seconds_bucket", "platform", "slack", "le", "0.25"):                               2,
		series("crier_ack_seconds_bucket", "platform", "slack", "le", "2"):                                  2,
		series("crier_ack_seconds_bucket", "platform", "slack", "le", "3"):                                  3,
		series("crier_ack_seconds_bucket", "platform", "slack", "le", "+Inf"):                               3,
		series("crier_messages_sent_total", "platform", "slack"):                                            3,
		series("crier_rate_limited_total", "platform", "discord"):                                           1,
	}
	for s, v := range want {
		require.Contains(t, got, s)
		require.Equal(t, v, got[s], s)
	}
	require.InDelta(t, 2.752, got[series("crier_ack_seconds_sum", "platform", "slack")], 1e-9)
	require.NotContains(t, got, series("crier_rate_limited_total", "platform", "slack"), "nothing recorded, no series")

	require.Contains(t, got, series("go_goroutines"), "the Go runtime collector is registered")
	if runtime.GOOS == "linux" {
		require.Contains(t, got, series("process_start_time_seconds"), "the process collector is registered")
	}
}

func TestServersDoNotShareMetrics(t *testing.T) {
	t.Parallel()
	b1, b2 := setup(t, nil), setup(t, nil)
	b1.srv.Metrics().MessageSent("slack")
	b1.srv.Metrics().MessageSent("slack")
	b2.srv.Metrics().MessageSent("discord")

	got1, got2 := b1.scrape(t), b2.scrape(t)
	require.Equal(t, 2.0, got1[series("crier_messages_sent_total", "platform", "slack")])
	require.NotContains(t, got1, series("crier_messages_sent_total", "platform", "discord"))
	require.Equal(t, 1.0, got2[series("crier_messages_sent_total", "platform", "discord")])
	require.NotContains(t, got2, series("crier_messages_sent_total", "platform", "slack"))
}

func TestAPanickingHandlerGives500AndTheServerKeepsServing(t *testing.T) {
	t.Parallel()
	b := setup(t, func(s *httpserver.Server) {
		s.Handle("GET /boom", http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			panic("kaboom")
		}))
	})
	for range 2 {
		status, _, body := b.get(t, http.MethodGet, "/boom")
		require.Equal(t, http.StatusInternalServerError, status)
		require.Equal(t, "internal server error\n", body, "the panic value is not shown to the client")
	}
	status, _, _ := b.get(t, http.MethodGet, "/healthz")
	require.Equal(t, http.StatusOK, status)

	logs := b.logs.String()
	require.Contains(t, logs, `level=ERROR msg="http handler panicked" method=GET path=/boom panic=kaboom`)
	require.Contains(t, logs, "status=500")
}

func TestAPanicAfterTheResponseBeganCutsTheConnection(t *testing.T) {
	t.Parallel()
	b := setup(t, func(s *httpserver.Server) {
		s.Handle("GET /half", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, "partial")
			http.NewResponseController(w).Flush()
			panic("kaboom")
		}))
	})
	resp, err := b.client.Get(b.srv.URL() + "/half")
	require.NoError(t, err)
	defer resp.Body.Close()
	_, err = io.ReadAll(resp.Body)
	require.Error(t, err, "a truncated body must not read as complete")

	status, _, _ := b.get(t, http.MethodGet, "/healthz")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, b.logs.String(), `msg="http handler panicked" method=GET path=/half`)
}

func TestRequestLogsLeaveOutQueriesHeadersAndBodies(t *testing.T) {
	t.Parallel()
	b := setup(t, func(s *httpserver.Server) {
		s.Handle("POST /slack/commands", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusAccepted)
		}))
	})
	req, err := http.NewRequest(http.MethodPost, b.srv.URL()+"/slack/commands?token=query-secret",
		strings.NewReader("token=body-secret&text=hello"))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer header-secret")
	req.Header.Set("X-Slack-Signature", "v0=signature-secret")
	resp, err := b.client.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusAccepted, resp.StatusCode)

	logs := b.logs.String()
	require.Regexp(t, `level=DEBUG msg="http request" method=POST path=/slack/commands route="POST /slack/commands" status=202 duration=\S+`, logs)
	for _, secret := range []string{"query-secret", "body-secret", "header-secret", "signature-secret", "token"} {
		require.NotContains(t, logs, secret)
	}
}

func TestShutdownWaitsForAnInFlightRequest(t *testing.T) {
	t.Parallel()
	started, release := make(chan struct{}), make(chan struct{})
	b := setup(t, func(s *httpserver.Server) {
		s.Handle("GET /slow", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			close(started)
			<-release
			_, _ = io.WriteString(w, "done")
		}))
	})
	type result struct {
		body string
		err  error
	}
	answered := make(chan result, 1)
	go func() {
		resp, err := b.client.Get(b.srv.URL() + "/slow")
		if err != nil {
			answered <- result{err: err}
			return
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		answered <- result{string(body), err}
	}()
	<-started

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stopped := make(chan error, 1)
	go func() { stopped <- b.srv.Shutdown(ctx) }()

	// New connections are refused while the slow request is still running.
	require.Eventually(t, func() bool {
		c, err := net.DialTimeout("tcp", b.srv.Addr(), time.Second)
		if err == nil {
			_ = c.Close()
		}
		return err != nil
	}, 5*time.Second, 5*time.Millisecond)
	select {
	case err := <-stopped:
		t.Fatalf("Shutdown returned (%v) before the in-flight request finished", err)
	default:
	}

	close(release)
	r := <-answered
	require.NoError(t, r.err)
	require.Equal(t, "done", r.body)
	require.NoError(t, <-stopped)
}

func TestShutdownGivesUpWhenItsContextEnds(t *testing.T) {
	t.Parallel()
	started, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	b := setup(t, func(s *httpserver.Server) {
		s.Handle("GET /stuck", http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			close(started)
			<-release
		}))
	})
	go func() {
		resp, err := b.client.Get(b.srv.URL() + "/stuck")
		if err == nil {
			_ = resp.Body.Close()
		}
	}()
	<-started

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	begun := time.Now()
	err := b.srv.Shutdown(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Less(t, time.Since(begun), 5*time.Second, "the wait is bounded by ctx")
}

func TestStartReportsTheListenError(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	other := httpserver.New(httpserver.Options{Addr: b.srv.Addr()})
	err := other.Start(context.Background())
	require.Error(t, err)
	require.Contains(t, err.Error(), "httpserver: listen on "+b.srv.Addr())
	require.Empty(t, other.Addr())
	require.NoError(t, other.Shutdown(context.Background()), "a server that never started stops at once")
}

func TestStartTwiceIsAnError(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	require.Error(t, b.srv.Start(context.Background()))
}

func TestHandleAfterStartPanics(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	require.Panics(t, func() { b.srv.Handle("GET /late", http.NotFoundHandler()) })
}

func TestHandleOverABuiltInRoutePanics(t *testing.T) {
	t.Parallel()
	s := httpserver.New(httpserver.Options{Addr: "127.0.0.1:0"})
	require.Panics(t, func() { s.Handle("GET /healthz", http.NotFoundHandler()) })
}

// series is the canonical key of a series: name{k="v",…} with labels sorted.
func series(name string, labels ...string) string {
	pairs := make([]string, 0, len(labels)/2)
	for i := 0; i+1 < len(labels); i += 2 {
		pairs = append(pairs, labels[i]+"="+strconv.Quote(labels[i+1]))
	}
	sort.Strings(pairs)
	if len(pairs) == 0 {
		return name
	}
	return name + "{" + strings.Join(pairs, ",") + "}"
}

// parseExposition reads the Prometheus text format into series → value.
func parseExposition(t *testing.T, text string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, labels, rest := line, []string(nil), ""
		if i := strings.IndexAny(line, "{ "); i >= 0 {
			name, rest = line[:i], line[i:]
		}
		if strings.HasPrefix(rest, "{") {
			rest = rest[1:]
			for !strings.HasPrefix(rest, "}") {
				rest = strings.TrimPrefix(rest, ",")
				k, after, ok := strings.Cut(rest, "=")
				require.True(t, ok, "label in %q", line)
				v, err := strconv.QuotedPrefix(after)
				require.NoError(t, err, "label value in %q", line)
				uv, err := strconv.Unquote(v)
				require.NoError(t, err, "label value in %q", line)
				labels = append(labels, k, uv)
				rest = after[len(v):]
			}
			rest = rest[1:]
		}
		fields := strings.Fields(rest) // value, then an optional timestamp
		require.NotEmpty(t, fields, "value in %q", line)
		v, err := strconv.ParseFloat(fields[0], 64)
		require.NoError(t, err, "value in %q", line)
		out[series(name, labels...)] = v
	}
	return out
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
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

// health is a part /healthz watches, up or down as the test says.
type health struct{ err atomic.Pointer[error] }

func (h *health) Health() error {
	if p := h.err.Load(); p != nil {
		return *p
	}
	return nil
}

func (h *health) set(err error) { h.err.Store(&err) }

func TestHealthzNamesWhatIsDown(t *testing.T) {
	t.Parallel()
	slack, discord := &health{}, &health{}
	b := setup(t, func(s *httpserver.Server) {
		s.Watch("slack", slack)
		s.Watch("discord", discord)
	})
	status, _, body := b.get(t, http.MethodGet, "/healthz")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "ok\n", body)

	slack.set(errors.New("Slack is not answering (auth.test: connection refused); trying again in 30s"))
	status, ctype, body := b.get(t, http.MethodGet, "/healthz")
	require.Equal(t, http.StatusServiceUnavailable, status)
	require.Equal(t, "text/plain; charset=utf-8", ctype)
	require.Equal(t, "slack: Slack is not answering (auth.test: connection refused); trying again in 30s\ndiscord: ok\n", body)

	slack.set(nil)
	status, _, body = b.get(t, http.MethodGet, "/healthz")
	require.Equal(t, http.StatusOK, status, "back when the platform is")
	require.Equal(t, "ok\n", body)
}
