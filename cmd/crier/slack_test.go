package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/file"
)

// slackTestSecret is the signing secret of the Slack app in these tests.
const slackTestSecret = "8f742231b10e8888abcd99aaabbb85a5"

// slackAPI is a minimal fake of Slack's Web API: the methods crier run calls
// in HTTP mode, recording every chat.postMessage and response_url post, and
// the calls it does not know (answered with ok: false).
type slackAPI struct {
	srv *httptest.Server

	mu          sync.Mutex
	posts       []url.Values // chat.postMessage forms, in arrival order
	responses   []map[string]any
	userLookups int
	unknown     []string    // paths of calls the fake does not know
	down        atomic.Bool // Slack is out: every call answers 503, as Slack's edge does in an outage
}

func newSlackAPI(tb testing.TB) *slackAPI {
	tb.Helper()
	f := &slackAPI{}
	answer := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/auth.test", func(w http.ResponseWriter, _ *http.Request) {
		answer(w, map[string]any{"ok": true, "user_id": "U0CRIERBOT", "team_id": "T1", "user": "crier", "team": "t", "url": "https://x.slack.com/"})
	})
	mux.HandleFunc("/users.info", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		f.mu.Lock()
		f.userLookups++
		f.mu.Unlock()
		answer(w, map[string]any{"ok": true, "user": map[string]any{"id": r.Form.Get("user"), "name": "ana", "tz": "America/New_York"}})
	})
	mux.HandleFunc("/chat.postMessage", func(w http.ResponseWriter, r *http.Request) {
		form := formOf(r)
		f.mu.Lock()
		f.posts = append(f.posts, form)
		f.mu.Unlock()
		answer(w, map[string]any{"ok": true, "channel": form.Get("channel"), "ts": "1700000000.000100"})
	})
	mux.HandleFunc("/conversations.history", func(w http.ResponseWriter, _ *http.Request) {
		answer(w, map[string]any{"ok": true, "messages": []any{}, "has_more": false})
	})
	mux.HandleFunc("/chat.getPermalink", func(w http.ResponseWriter, _ *http.Request) {
		answer(w, map[string]any{"ok": true, "permalink": "https://x.slack.com/archives/C/p1"})
	})
	mux.HandleFunc("/conversations.join", func(w http.ResponseWriter, r *http.Request) {
		answer(w, map[string]any{"ok": true, "channel": map[string]any{"id": formOf(r).Get("channel")}})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.unknown = append(f.unknown, r.URL.Path)
		f.mu.Unlock()
		answer(w, map[string]any{"ok": false, "error": "unknown_method"})
	})
	mux.HandleFunc("/response", func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		_ = json.NewDecoder(r.Body).Decode(&m)
		f.mu.Lock()
		f.responses = append(f.responses, m)
		f.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	})
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f.down.Load() {
			http.Error(w, "upstream connect error", http.StatusServiceUnavailable)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	tb.Cleanup(f.srv.Close)
	return f
}

// formOf reads a Web API call's arguments, sent as a form or as JSON.
func formOf(r *http.Request) url.Values {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var m map[string]any
		_ = json.NewDecoder(r.Body).Decode(&m)
		form := url.Values{}
		for k, v := range m {
			if s, ok := v.(string); ok {
				form.Set(k, s)
			} else {
				b, _ := json.Marshal(v)
				form.Set(k, string(b))
			}
		}
		return form
	}
	_ = r.ParseForm()
	return r.PostForm
}

// postsTo returns the chat.postMessage texts sent to channel so far.
func (f *slackAPI) postsTo(channel string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var texts []string
	for _, p := range f.posts {
		if p.Get("channel") == channel {
			texts = append(texts, p.Get("text"))
		}
	}
	return texts
}

// syncBuffer is a bytes.Buffer safe to write from the bot's goroutines while
// a test reads it.
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

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	addr := ln.Addr().String()
	require.NoError(tb, ln.Close())
	return addr
}

// slackHTTPConfig is a bot.yaml for Slack's HTTP mode against the fake API,
// listening on addr, with a file network and a Slack channel network.
func slackHTTPConfig(apiURL, addr string) string {
	return fmt.Sprintf(`timezone: Europe/Bucharest
database: data/crier.db
chat:
  slack:
    mode: http
    bot_token: xoxb-test
    signing_secret: %s
    api_url: %s/
http:
  listen: "%s"
roles:
  scheduler: ["*"]
networks:
  - name: sandbox
    kind: file
    outbox: data/sandbox/outbox.jsonl
  - name: announcements
    kind: slack
    channel: C0ANNOUNCE1
publish:
  max_attempts: 3
  attempt_timeout: 5s
`, slackTestSecret, apiURL, addr)
}

// writeConfigTB is writeConfig for tests and benchmarks alike.
func writeConfigTB(tb testing.TB, body string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "bot.yaml")
	require.NoError(tb, os.WriteFile(path, []byte(body), 0o600))
	return path
}

// crierRun is `crier run` running in-process.
type crierRun struct {
	url    string // http://host:port of its listener
	config string
	stderr *syncBuffer
	cancel context.CancelFunc
	done   chan int // the exit status, once Run returns
}

// startCrierRun starts `crier run` in Slack HTTP mode against api and waits
// until its /healthz answers. A port taken between picking and listening is
// retried with another.
func startCrierRun(tb testing.TB, api *slackAPI) *crierRun {
	tb.Helper()
	for attempt := 0; ; attempt++ {
		addr := freeAddr(tb)
		c := &crierRun{url: "http://" + addr, config: writeConfigTB(tb, slackHTTPConfig(api.srv.URL, addr)), stderr: &syncBuffer{}, done: make(chan int, 1)}
		ctx, cancel := context.WithCancel(context.Background())
		c.cancel = cancel
		m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: c.stderr, Getenv: os.LookupEnv}
		go func() { c.done <- m.Run(ctx, []string{"run", "-config", c.config, "-log-level", "error"}) }()
		up, code := c.waitHealthy(15 * time.Second)
		if up {
			tb.Cleanup(func() { c.stop() })
			return c
		}
		cancel()
		if code != 0 && strings.Contains(c.stderr.String(), "address already in use") && attempt < 3 {
			continue
		}
		tb.Fatalf("crier run did not come up (exit %d): %s", code, c.stderr.String())
	}
}

// waitHealthy polls /healthz until it answers 200 (true), Run returns (false
// and its status) or d passes (false, -1).
func (c *crierRun) waitHealthy(d time.Duration) (bool, int) {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		select {
		case code := <-c.done:
			c.done <- code
			return false, code
		default:
		}
		if res, err := client.Get(c.url + "/healthz"); err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return true, 0
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false, -1
}

// stop cancels Run's context and returns its exit status (-1 if it does not
// return within 40 s).
func (c *crierRun) stop() int {
	c.cancel()
	select {
	case code := <-c.done:
		c.done <- code // stop may be called again (Cleanup)
		return code
	case <-time.After(40 * time.Second):
		return -1
	}
}

// slackSignature is Slack's v0 request signature.
func slackSignature(secret, ts, body string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", ts, body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// signedRequest is a POST of body to url, signed now with secret the way
// Slack signs its requests.
func signedRequest(tb testing.TB, url, secret, body string) *http.Request {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	require.NoError(tb, err)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", slackSignature(secret, ts, body))
	return req
}

// slashForm is a slash command's form as Slack posts it. nonce makes the
// body, hence the signature, unique (crier refuses a replayed signature).
func slashForm(api *slackAPI, command, text, nonce string) string {
	return url.Values{
		"command": {command}, "text": {text}, "user_id": {"U1"}, "user_name": {"ana"},
		"channel_id": {"C0LAUNCH1"}, "team_id": {"T1"}, "response_url": {api.srv.URL + "/response"},
		"trigger_id": {"1." + nonce},
	}.Encode()
}

func doRequest(tb testing.TB, client *http.Client, req *http.Request) (int, string) {
	tb.Helper()
	res, err := client.Do(req)
	require.NoError(tb, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(tb, err)
	return res.StatusCode, string(b)
}

func TestRunWithSlackHTTPMode(t *testing.T) {
	t.Parallel()
	api := newSlackAPI(t)
	c := startCrierRun(t, api)
	client := &http.Client{Timeout: 10 * time.Second}

	// A signed /schedule is answered in the HTTP response, in the channel.
	status, body := doRequest(t, client, signedRequest(t, c.url+"/slack/commands", slackTestSecret, slashForm(api, "/schedule", "now Hello Slack", "1")))
	require.Equal(t, http.StatusOK, status, body)
	var ack struct {
		ResponseType string `json:"response_type"`
		Text         string `json:"text"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &ack), body)
	require.Equal(t, "in_channel", ack.ResponseType)
	require.Contains(t, ack.Text, "scheduled to go out now to sandbox, announcements")

	// The post goes out to the Slack network, and the origin channel hears
	// about it.
	published := assert.Eventually(t, func() bool {
		notices := strings.Join(api.postsTo("C0LAUNCH1"), "\n")
		posted := false
		for _, text := range api.postsTo("C0ANNOUNCE1") {
			posted = posted || text == "Hello Slack"
		}
		return posted && strings.Contains(notices, "published to announcements") && strings.Contains(notices, "published to sandbox")
	}, 15*time.Second, 50*time.Millisecond)
	if !published {
		api.mu.Lock()
		unknown := slices.Clone(api.unknown)
		api.mu.Unlock()
		t.Fatalf("missing the post to C0ANNOUNCE1 or a notice in C0LAUNCH1; to C0ANNOUNCE1: %q; to C0LAUNCH1: %q; calls the fake does not know: %q; stderr: %s",
			api.postsTo("C0ANNOUNCE1"), api.postsTo("C0LAUNCH1"), unknown, c.stderr.String())
	}
	require.Equal(t, []string{"Hello Slack"}, api.postsTo("C0ANNOUNCE1"), "published exactly once")
	t.Logf("notices in C0LAUNCH1: %q", api.postsTo("C0LAUNCH1"))
	api.mu.Lock()
	posts := slices.Clone(api.posts)
	api.mu.Unlock()
	for _, p := range posts {
		if p.Get("channel") == "C0ANNOUNCE1" {
			require.Regexp(t, `crier-[0-9a-f]{12}-1-announcements-0`, p.Get("metadata"), "the post carries its idempotency key")
		}
	}
	recs, err := file.ReadOutbox(filepath.Join(filepath.Dir(c.config), "data/sandbox/outbox.jsonl"))
	require.NoError(t, err)
	require.Len(t, recs, 1)
	require.Equal(t, "Hello Slack", recs[0].Text)

	// The command is counted on /metrics.
	res, err := client.Get(c.url + "/metrics")
	require.NoError(t, err)
	metrics, err := io.ReadAll(res.Body)
	_ = res.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, string(metrics), `crier_commands_total{command="schedule",outcome="ok",platform="slack"} 1`)

	// A forged signature is refused.
	forged := signedRequest(t, c.url+"/slack/commands", "not-the-secret", slashForm(api, "/schedule", "now Forged", "2"))
	status, _ = doRequest(t, client, forged)
	require.Equal(t, http.StatusUnauthorized, status)
	// So is the genuine request sent again (a replay).
	replay := signedRequest(t, c.url+"/slack/commands", slackTestSecret, slashForm(api, "/queue", "", "3"))
	again := replay.Clone(context.Background())
	again.Body = io.NopCloser(strings.NewReader(slashForm(api, "/queue", "", "3")))
	status, _ = doRequest(t, client, replay)
	require.Equal(t, http.StatusOK, status)
	status, _ = doRequest(t, client, again)
	require.Equal(t, http.StatusUnauthorized, status)

	require.Equal(t, 0, c.stop(), c.stderr.String())
	// The forged and replayed requests are warnings; with -log-level error
	// a clean run logs nothing.
	require.Empty(t, c.stderr.String())
}

func TestCheckShowsSlack(t *testing.T) {
	t.Parallel()
	api := newSlackAPI(t)
	cfg := writeConfig(t, slackHTTPConfig(api.srv.URL, "127.0.0.1:8089"))
	code, out, errOut := run(t, nil, "", "check", "-config", cfg)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "is valid.")
	require.Contains(t, out, "chat:      slack, http mode, as @crier (U0CRIERBOT) in t\n")
	require.Contains(t, out, "http:      127.0.0.1:8089 (/healthz, /metrics, /slack/commands, /slack/interactivity, /slack/events)\n")
	require.Contains(t, out, "network:   sandbox (file): posts appended to ")
	require.Contains(t, out, "network:   announcements (slack): posts to channel C0ANNOUNCE1, limit 4000 characters\n")
	for _, secret := range []string{slackTestSecret, "xoxb-test"} {
		require.NotContains(t, out+errOut, secret, "check must not print tokens or secrets")
	}

	// check logs in to Slack: a refused bot token fails it.
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":false,"error":"invalid_auth"}`)
	}))
	t.Cleanup(refusing.Close)
	code, _, errOut = run(t, nil, "", "check", "-config", writeConfig(t, slackHTTPConfig(refusing.URL, "127.0.0.1:8089")))
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "Slack did not accept chat.slack.bot_token")
	require.Contains(t, errOut, "invalid_auth")
	require.NotContains(t, errOut, "xoxb-test")
}
