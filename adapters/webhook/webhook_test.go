package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/crier-bot/crier/adapters/webhook"
	"github.com/crier-bot/crier/adapters/webhook/webhooktest"
	"github.com/crier-bot/crier/internal/crier"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const testSecret = "s3cr3t-never-shown-4711"

var start = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

type testBundle struct {
	srv   *webhooktest.Server
	net   *webhook.Network
	clock *crier.ManualClock
	logs  *syncBuffer
}

// setup starts a fake receiver and a network posting to it at /hooks/crier,
// both on a manual clock. The network does not pace (rate +Inf): pacing waits
// on the clock, and a test of pacing sets its own rate.
func setup(t *testing.T, mods ...func(*webhook.Options)) testBundle {
	t.Helper()
	srv := webhooktest.New(testSecret)
	t.Cleanup(srv.Close)
	clock := crier.NewManualClock(start)
	srv.SetClock(clock)
	logs := &syncBuffer{}
	opts := webhook.Options{
		Name: "hooks", URL: srv.URL + "/hooks/crier", Secret: testSecret,
		Deduplicates: true, RatePerSecond: math.Inf(1), Clock: clock, HTTPClient: srv.Client(),
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, m := range mods {
		m(&opts)
	}
	n, err := webhook.New(opts)
	require.NoError(t, err)
	return testBundle{srv: srv, net: n, clock: clock, logs: logs}
}

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

func post(key string) crier.PublishRequest {
	return crier.PublishRequest{
		IdempotencyKey: key, PostID: 42, Text: "Doors open at 9 — see you there! 🎉",
		DueAt:  start,
		Images: []crier.Image{{URL: "https://example.com/poster.png", Alt: "The poster: a lighthouse at dawn"}},
	}
}

func TestPublishSignsTheRequest(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, err := b.net.Publish(context.Background(), post("p42-hooks-0"))
	require.NoError(t, err)

	d := b.srv.Deliveries()
	require.Len(t, d, 1)
	h := d[0].Header
	require.NoError(t, webhook.Verify(testSecret, h, d[0].Body, b.clock.Now()))
	require.Equal(t, webhook.Sign(testSecret, start, d[0].Body), h.Get("X-Crier-Signature"))
	require.Equal(t, "1795510800", h.Get("X-Crier-Timestamp"))
	require.Equal(t, "application/json", h.Get("Content-Type"))
	require.Equal(t, "crier", h.Get("User-Agent"))
	require.Equal(t, "p42-hooks-0", h.Get("Idempotency-Key"))
	require.Equal(t, "post", h.Get("X-Crier-Event"))
}

func TestBodyShape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		golden string
		send   func(n *webhook.Network) (crier.PublishResult, error)
	}{
		{"a post carries the key, text, due time and images", "post.json", func(n *webhook.Network) (crier.PublishResult, error) {
			return n.Publish(context.Background(), post("p42-hooks-0"))
		}},
		{"a post without images has an empty list and no due time when none", "post_bare.json", func(n *webhook.Network) (crier.PublishResult, error) {
			return n.Publish(context.Background(), crier.PublishRequest{IdempotencyKey: "p7-hooks-0", PostID: 7, Text: "Plain"})
		}},
		{"a reply says what it answers", "reply.json", func(n *webhook.Network) (crier.PublishResult, error) {
			return n.Reply(context.Background(), crier.PublishRequest{
				IdempotencyKey: "r9-hooks", Text: "Thanks, Ana!", DueAt: start.Add(90*time.Second + 500*time.Millisecond), InReplyTo: "c-1001",
			})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			_, err := tt.send(b.net)
			require.NoError(t, err)
			d := b.srv.Deliveries()
			require.Len(t, d, 1)
			var got bytes.Buffer
			require.NoError(t, json.Indent(&got, d[0].Body, "", "  "))
			got.WriteByte('\n')
			path := filepath.Join("testdata", tt.golden)
			if *update {
				require.NoError(t, os.WriteFile(path, got.Bytes(), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Equal(t, string(want), got.String())
		})
	}
}

func TestPublishAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		prepare  func(s *webhooktest.Server)
		wantID   string
		wantURL  func(s *webhooktest.Server) string
		wantKeys int
	}{
		{"a JSON answer gives the id and url", func(*webhooktest.Server) {}, "d1",
			func(s *webhooktest.Server) string { return s.URL + "/deliveries/1" }, 1},
		{"an empty 204 makes the key the id", func(s *webhooktest.Server) { s.SetStatus(http.StatusNoContent, "") }, "k1",
			func(*webhooktest.Server) string { return "" }, 0},
		{"a plain-text 200 makes the key the id", func(s *webhooktest.Server) { s.SetStatus(http.StatusOK, "thanks") }, "k1",
			func(*webhooktest.Server) string { return "" }, 0},
		{"a numeric id is taken as text", func(s *webhooktest.Server) {
			s.SetStatus(http.StatusCreated, `{"id":12345,"url":"https://x.example/12345"}`)
		}, "12345",
			func(*webhooktest.Server) string { return "https://x.example/12345" }, 0},
		{"a broken JSON 200 still counts as published under the key", func(s *webhooktest.Server) {
			s.SetFaults(webhooktest.Faults{Rate: 1, Modes: []webhooktest.Fault{webhooktest.FaultMalformedJSONAfterStore}})
		}, "k1", func(*webhooktest.Server) string { return "" }, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			tt.prepare(b.srv)
			res, err := b.net.Publish(context.Background(), post("k1"))
			require.NoError(t, err)
			require.Equal(t, tt.wantID, res.RemoteID)
			require.Equal(t, tt.wantURL(b.srv), res.URL)
			require.Len(t, b.srv.Deliveries(), tt.wantKeys)
		})
	}
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 150) // 300 bytes: clipped inside a character
	tests := []struct {
		name   string
		status int
		body   string
		header map[string]string
		check  func(t *testing.T, b testBundle, err error)
	}{
		{"401 asks to check the secret", 401, `{"error":"bad signature"}`, nil, func(t *testing.T, _ testBundle, err error) {
			require.True(t, crier.IsAuth(err))
			require.False(t, crier.IsPermanent(err))
			require.Equal(t, "The webhook for hooks refused crier's signature. Check that its secret matches `secret` in bot.yaml.", crier.ErrorMessage(err))
		}},
		{"403 asks to check the secret", 403, "", nil, func(t *testing.T, _ testBundle, err error) {
			require.True(t, crier.IsAuth(err))
			require.Equal(t, "The webhook for hooks refused crier's signature. Check that its secret matches `secret` in bot.yaml.", crier.ErrorMessage(err))
		}},
		{"404 says nothing answers at the address", 404, "404 page not found", nil, func(t *testing.T, b testBundle, err error) {
			require.True(t, crier.IsPermanent(err))
			host := strings.TrimPrefix(b.srv.URL, "http://")
			require.Equal(t, "The webhook for hooks says nothing answers at "+host+"/hooks/crier (404 Not Found); check `url` in bot.yaml.", crier.ErrorMessage(err))
		}},
		{"410 says nothing answers at the address", 410, "", nil, func(t *testing.T, _ testBundle, err error) {
			require.True(t, crier.IsPermanent(err))
			require.Contains(t, crier.ErrorMessage(err), "nothing answers at")
		}},
		{"400 shows the first line of the body", 400, "\n  text too long for our site  \nat line 3\n", nil, func(t *testing.T, _ testBundle, err error) {
			require.True(t, crier.IsPermanent(err))
			require.Equal(t, "The webhook for hooks refused the post: text too long for our site", crier.ErrorMessage(err))
		}},
		{"422 clips a long body to valid UTF-8", 422, long, nil, func(t *testing.T, _ testBundle, err error) {
			require.True(t, crier.IsPermanent(err))
			msg := crier.ErrorMessage(err)
			require.True(t, utf8.ValidString(msg))
			require.Contains(t, msg, "refused the post: "+strings.Repeat("é", 100))
			require.NotContains(t, msg, strings.Repeat("é", 101))
		}},
		{"400 without a body names the status", 400, "", nil, func(t *testing.T, _ testBundle, err error) {
			require.Equal(t, "The webhook for hooks refused the post with 400 Bad Request.", crier.ErrorMessage(err))
		}},
		{"429 with Retry-After in seconds says how long to wait", 429, "slow down", map[string]string{"Retry-After": "7"}, func(t *testing.T, _ testBundle, err error) {
			after, ok := crier.RetryAfter(err)
			require.True(t, ok)
			require.Equal(t, 7*time.Second, after)
			require.False(t, crier.IsUnclear(err) || crier.IsPermanent(err))
		}},
		{"429 with Retry-After as a date is measured on crier's clock", 429, "", map[string]string{"Retry-After": start.Add(2 * time.Minute).Format(http.TimeFormat)}, func(t *testing.T, _ testBundle, err error) {
			after, ok := crier.RetryAfter(err)
			require.True(t, ok)
			require.Equal(t, 2*time.Minute, after)
		}},
		{"429 without Retry-After is a rate limit with no wait", 429, "", nil, func(t *testing.T, _ testBundle, err error) {
			var rl *crier.RateLimitError
			require.ErrorAs(t, err, &rl)
			require.Zero(t, rl.After)
		}},
		{"500 is unclear", 500, "oops", nil, func(t *testing.T, _ testBundle, err error) {
			require.True(t, crier.IsUnclear(err))
			require.Equal(t, "The webhook for hooks answered 500 Internal Server Error.", crier.ErrorMessage(err))
		}},
		{"503 is unclear", 503, "", nil, func(t *testing.T, _ testBundle, err error) { require.True(t, crier.IsUnclear(err)) }},
		{"408 is unclear", 408, "", nil, func(t *testing.T, _ testBundle, err error) { require.True(t, crier.IsUnclear(err)) }},
		{"409 (the same key still in progress) is unclear", 409, "", nil, func(t *testing.T, _ testBundle, err error) { require.True(t, crier.IsUnclear(err)) }},
		{"a redirect is not followed", 302, "", map[string]string{"Location": "https://new.example.com/hook?token=abc#x"}, func(t *testing.T, _ testBundle, err error) {
			require.True(t, crier.IsPermanent(err))
			require.Equal(t, "The webhook URL for hooks redirects to https://new.example.com/hook; put the final URL in bot.yaml.", crier.ErrorMessage(err))
		}},
		{"a relative redirect is shown in full", 308, "", map[string]string{"Location": "/v2/hook"}, func(t *testing.T, b testBundle, err error) {
			require.True(t, crier.IsPermanent(err))
			require.Equal(t, "The webhook URL for hooks redirects to "+b.srv.URL+"/v2/hook; put the final URL in bot.yaml.", crier.ErrorMessage(err))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			for k, v := range tt.header {
				b.srv.SetHeader(k, v)
			}
			b.srv.SetStatus(tt.status, tt.body)
			_, err := b.net.Publish(context.Background(), post("k1"))
			require.Error(t, err)
			tt.check(t, b, err)
			require.NotContains(t, err.Error(), testSecret)
		})
	}
}

func TestRetryAfterUnclearFailureCreatesOnce(t *testing.T) {
	t.Parallel()
	for _, fault := range []webhooktest.Fault{webhooktest.Fault500BeforeStore, webhooktest.Fault500AfterStore, webhooktest.FaultResetAfterStore} {
		t.Run(fault.String()+" then a retry", func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.srv.SetFaults(webhooktest.Faults{Rate: 1, Modes: []webhooktest.Fault{fault}})
			_, err := b.net.Publish(context.Background(), post("k1"))
			require.True(t, crier.IsUnclear(err), "%v", err)

			b.srv.SetFaults(webhooktest.Faults{})
			res, err := b.net.Publish(context.Background(), post("k1"))
			require.NoError(t, err)
			require.Equal(t, "d1", res.RemoteID)
			require.Equal(t, map[string]int{"k1": 1}, b.srv.CreatesByKey())
		})
	}
}

func TestHangIsUnclearAtTheDeadline(t *testing.T) {
	t.Parallel()
	t.Run("the context's deadline", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.srv.SetFaults(webhooktest.Faults{Rate: 1, Modes: []webhooktest.Fault{webhooktest.FaultHangAfterStore}})
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := b.net.Publish(ctx, post("k1"))
		require.True(t, crier.IsUnclear(err))
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Equal(t, "The webhook for hooks was sent the post, but it did not answer in time.", crier.ErrorMessage(err))
	})
	t.Run("the HTTP client's timeout", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(o *webhook.Options) {
			o.HTTPClient = &http.Client{Transport: o.HTTPClient.Transport, Timeout: 100 * time.Millisecond}
		})
		b.srv.SetFaults(webhooktest.Faults{Rate: 1, Modes: []webhooktest.Fault{webhooktest.FaultHangAfterStore}})
		_, err := b.net.Publish(context.Background(), post("k1"))
		require.True(t, crier.IsUnclear(err))
		require.Equal(t, "The webhook for hooks was sent the post, but it did not answer in time.", crier.ErrorMessage(err))
	})
}

func TestWithoutDeduplicationABrokenConnectionIsNotResent(t *testing.T) {
	t.Parallel()
	// net/http resends a request carrying Idempotency-Key on a kept-alive
	// connection that breaks; the receiver would store it twice.
	b := setup(t, func(o *webhook.Options) { o.Deduplicates = false })
	b.srv.SetDedupe(false)
	_, err := b.net.Publish(context.Background(), post("warm-up")) // leaves a kept-alive connection
	require.NoError(t, err)

	b.srv.SetFaults(webhooktest.Faults{Rate: 1, Modes: []webhooktest.Fault{webhooktest.FaultResetAfterStore}})
	_, err = b.net.Publish(context.Background(), post("k1"))
	require.True(t, crier.IsUnclear(err), "%v", err)
	require.Equal(t, 1, b.srv.CreatesByKey()["k1"])
}

func TestAnUnreachableWebhookIsRetriedNotUnclear(t *testing.T) {
	t.Parallel()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	n, err := webhook.New(webhook.Options{Name: "hooks", URL: closed.URL + "/x?token=abc", Secret: testSecret, RatePerSecond: 1000})
	require.NoError(t, err)
	_, err = n.Publish(context.Background(), post("k1"))
	require.Error(t, err)
	require.False(t, crier.IsUnclear(err))
	require.False(t, crier.IsPermanent(err))
	require.Equal(t, "The webhook at "+closed.URL+"/x cannot be reached (the connection failed).", crier.ErrorMessage(err))
}

func TestInvalidUTF8IsRefusedBeforeSending(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		req  crier.PublishRequest
	}{
		{"in the text", crier.PublishRequest{IdempotencyKey: "k1", Text: "caf\xe9"}},
		{"in an image description", crier.PublishRequest{IdempotencyKey: "k1", Text: "ok", Images: []crier.Image{{URL: "https://e.x/a.png", Alt: "\xff"}}}},
	}
	for _, tt := range tests {
		t.Run("invalid UTF-8 "+tt.name+" is permanent", func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			_, err := b.net.Publish(context.Background(), tt.req)
			require.True(t, crier.IsPermanent(err))
			require.Contains(t, crier.ErrorMessage(err), "not valid UTF-8")
			require.Empty(t, b.srv.Deliveries())
		})
	}
}

func TestTheSecretAndURLTokensAreNeverShown(t *testing.T) {
	t.Parallel()
	const token = "tok-in-query-9931"
	b := setup(t, func(o *webhook.Options) { o.Deduplicates = false })
	n, err := webhook.New(webhook.Options{
		Name: "hooks", URL: strings.Replace(b.srv.URL, "http://", "http://user:pw-"+token+"@", 1) + "/hooks/crier?token=" + token,
		Secret: testSecret, RatePerSecond: math.Inf(1), Clock: b.clock, HTTPClient: b.srv.Client(),
		Logger: slog.New(slog.NewTextHandler(b.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	require.NoError(t, err)

	var errs []error
	publish := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := n.Publish(ctx, post("k1"))
		errs = append(errs, err)
	}
	publish() // a success, logged at debug level
	for _, status := range []int{301, 400, 401, 404, 429, 500} {
		b.srv.SetHeader("Location", "https://elsewhere.example/h?token="+token)
		b.srv.SetStatus(status, "echo "+token)
		publish()
		_, err := n.Verify(context.Background())
		errs = append(errs, err)
	}
	b.srv.SetStatus(0, "")
	for _, f := range []webhooktest.Fault{webhooktest.FaultHangAfterStore, webhooktest.FaultResetAfterStore} {
		b.srv.SetFaults(webhooktest.Faults{Rate: 1, Modes: []webhooktest.Fault{f}})
		publish()
	}
	b.srv.Close()
	publish()

	for _, err := range errs[1:] {
		require.Error(t, err)
		require.NotContains(t, err.Error(), testSecret)
		require.NotContains(t, strings.ReplaceAll(err.Error(), "echo "+token, ""), token)
	}
	require.NotContains(t, b.logs.String(), testSecret)
	require.NotContains(t, b.logs.String(), token)
	require.Contains(t, b.logs.String(), "hooks/crier") // it does log where
}

func TestVerifyPings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		dedup  bool
		status int
		check  func(t *testing.T, b testBundle, acct crier.Account, err error)
	}{
		{"a deduplicating receiver has no problems", true, 0, func(t *testing.T, b testBundle, acct crier.Account, err error) {
			require.NoError(t, err)
			require.Equal(t, crier.Account{Name: b.srv.URL + "/hooks/crier", Limits: "10000 characters"}, acct)
			require.Equal(t, 1, b.srv.Pings())
			require.Empty(t, b.srv.Deliveries())
		}},
		{"a receiver that does not deduplicate is a problem", false, 0, func(t *testing.T, _ testBundle, acct crier.Account, err error) {
			require.NoError(t, err)
			require.Equal(t, []string{"the receiver does not deduplicate: after a timeout crier asks a person instead of retrying"}, acct.Problems)
		}},
		{"a refused signature is an auth failure", true, 401, func(t *testing.T, _ testBundle, _ crier.Account, err error) {
			require.True(t, crier.IsAuth(err))
		}},
		{"403 is an auth failure", true, 403, func(t *testing.T, _ testBundle, _ crier.Account, err error) {
			require.True(t, crier.IsAuth(err))
		}},
		{"404 says nothing answers", true, 404, func(t *testing.T, _ testBundle, _ crier.Account, err error) {
			require.True(t, crier.IsPermanent(err))
			require.Contains(t, crier.ErrorMessage(err), "nothing answers at")
		}},
		{"a 5xx to a ping is temporary, not unclear", true, 502, func(t *testing.T, _ testBundle, _ crier.Account, err error) {
			require.Error(t, err)
			require.False(t, crier.IsUnclear(err) || crier.IsPermanent(err))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, func(o *webhook.Options) { o.Deduplicates = tt.dedup })
			b.srv.SetStatus(tt.status, "")
			acct, err := b.net.Verify(context.Background())
			tt.check(t, b, acct, err)
		})
	}
}

func TestPingIsSignedAndNamed(t *testing.T) {
	t.Parallel()
	var got *http.Request
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		body, _ = io.ReadAll(r.Body)
	}))
	defer srv.Close()
	clock := crier.NewManualClock(start)
	n, err := webhook.New(webhook.Options{Name: "hooks", URL: srv.URL, Secret: testSecret, Clock: clock, HTTPClient: srv.Client()})
	require.NoError(t, err)
	_, err = n.Verify(context.Background())
	require.NoError(t, err)
	require.Equal(t, `{"type":"ping","network":"hooks"}`, string(body))
	require.Equal(t, "ping", got.Header.Get("X-Crier-Event"))
	require.Empty(t, got.Header.Get("Idempotency-Key"))
	require.NoError(t, webhook.Verify(testSecret, got.Header, body, clock.Now()))
}

func TestRateLimitWaitIsBoundedByTheContext(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *webhook.Options) { o.RatePerSecond = 0.001 })
	_, err := b.net.Publish(context.Background(), post("k1")) // takes the one token
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = b.net.Publish(ctx, post("k2")) // the next token is 1000 s away
	require.Error(t, err)
	require.False(t, crier.IsUnclear(err))
	require.Len(t, b.srv.Deliveries(), 1)
	wait, limited := crier.RetryAfter(err)
	require.True(t, limited, "waiting its turn spends no attempt: %v", err)
	require.Greater(t, wait, 900*time.Second)
	require.Equal(t, "crier is pacing posts to hooks at 0.001 a second (rate: in bot.yaml).", crier.ErrorMessage(err))
}

func TestPacingWaitsOnCriersClock(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *webhook.Options) { o.RatePerSecond = 1 })
	_, err := b.net.Publish(context.Background(), post("k1")) // takes the one token
	require.NoError(t, err)

	done := make(chan error, 1)
	go func() {
		_, err := b.net.Publish(context.Background(), post("k2")) // the next token is 1 s away on the clock
		done <- err
	}()
	require.Eventually(t, func() bool { return b.clock.Waiters() > 0 }, 5*time.Second, time.Millisecond,
		"the second publish waits on crier's clock")
	require.Len(t, b.srv.Deliveries(), 1)

	b.clock.Add(999 * time.Millisecond)
	require.Equal(t, 1, b.clock.Waiters(), "a token is not due before its second")
	require.Len(t, b.srv.Deliveries(), 1)

	b.clock.Add(time.Millisecond)
	require.NoError(t, <-done)
	d := b.srv.Deliveries()
	require.Len(t, d, 2)
	require.Equal(t, "k2", d[1].Header.Get("Idempotency-Key"))
}

func TestAPacedPublishStopsWithItsContext(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *webhook.Options) { o.RatePerSecond = 1 })
	_, err := b.net.Publish(context.Background(), post("k1"))
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := b.net.Publish(ctx, post("k2"))
		done <- err
	}()
	require.Eventually(t, func() bool { return b.clock.Waiters() > 0 }, 5*time.Second, time.Millisecond)
	cancel()
	err = <-done
	require.ErrorIs(t, err, context.Canceled)
	require.False(t, crier.IsUnclear(err), "nothing was sent: %v", err)
	require.Zero(t, b.clock.Waiters())
	require.Len(t, b.srv.Deliveries(), 1)
}

func TestAnUnlimitedRateNeverWaits(t *testing.T) {
	t.Parallel()
	for _, perSecond := range []float64{math.Inf(1), float64(rate.Inf)} {
		b := setup(t, func(o *webhook.Options) { o.RatePerSecond = perSecond })
		for _, key := range []string{"k1", "k2", "k3"} {
			_, err := b.net.Publish(context.Background(), post(key)) // the clock never moves
			require.NoError(t, err)
		}
		require.Len(t, b.srv.Deliveries(), 3, "rate %g", perSecond)
		require.Zero(t, b.clock.Waiters())
	}
}

func TestReplyNeedsSomethingToAnswer(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, err := b.net.Reply(context.Background(), crier.PublishRequest{IdempotencyKey: "r1", Text: "hi"})
	require.True(t, crier.IsPermanent(err))
	require.Empty(t, b.srv.Deliveries())
}

func TestPublishNeedsAKey(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, err := b.net.Publish(context.Background(), crier.PublishRequest{Text: "hi"})
	require.True(t, crier.IsPermanent(err))
	require.Empty(t, b.srv.Deliveries())
}

func TestCheckAndKeyWindow(t *testing.T) {
	t.Parallel()
	n, err := webhook.New(webhook.Options{Name: "hooks", URL: "https://hooks.example.com/crier", Secret: "x", Deduplicates: true})
	require.NoError(t, err)
	require.Equal(t, "webhook", n.Kind())
	require.Equal(t, "hooks", n.Name())
	require.Equal(t, crier.Count{Used: 5, Limit: 10000, Unit: "characters"}, n.Check("héllo"))
	require.Equal(t, 24*time.Hour, n.KeyWindow())

	n, err = webhook.New(webhook.Options{Name: "hooks", URL: "https://hooks.example.com/crier", Secret: "x", Limit: 3})
	require.NoError(t, err)
	require.Equal(t, 2, n.Check("🎉🎉🎉🎉🎉").Over())
	require.Zero(t, n.KeyWindow())
}

func TestNewRefusesBadOptions(t *testing.T) {
	t.Parallel()
	ok := webhook.Options{Name: "hooks", URL: "https://hooks.example.com/crier?token=abc", Secret: "x"}
	tests := []struct {
		name string
		mod  func(*webhook.Options)
		want string
	}{
		{"a missing name is refused", func(o *webhook.Options) { o.Name = "" }, "a webhook network needs a name"},
		{"a URL without a scheme is refused", func(o *webhook.Options) { o.URL = "hooks.example.com/crier" }, "webhook hooks: url must be an http:// or https:// address"},
		{"an ftp URL is refused", func(o *webhook.Options) { o.URL = "ftp://hooks.example.com/" }, "webhook hooks: url must be an http:// or https:// address"},
		{"an unparsable URL is refused without quoting it", func(o *webhook.Options) { o.URL = "https://h\x7f.example.com/?token=abc" }, "webhook hooks: url must be an http:// or https:// address"},
		{"a missing secret is refused", func(o *webhook.Options) { o.Secret = "" }, "webhook hooks: secret is required (any long random string, shared with the receiver)"},
		{"a negative limit is refused", func(o *webhook.Options) { o.Limit = -1 }, "webhook hooks: limit must not be negative"},
		{"a negative rate is refused", func(o *webhook.Options) { o.RatePerSecond = -1 }, "webhook hooks: rate must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := ok
			tt.mod(&o)
			_, err := webhook.New(o)
			require.EqualError(t, err, tt.want)
			require.Equal(t, crier.EINVALID, crier.ErrorCode(err))
		})
	}
}

func TestTheCallersClientKeepsFollowingRedirects(t *testing.T) {
	t.Parallel()
	client := &http.Client{}
	_, err := webhook.New(webhook.Options{Name: "hooks", URL: "https://hooks.example.com/", Secret: "x", HTTPClient: client})
	require.NoError(t, err)
	require.Nil(t, client.CheckRedirect)
}

// A receiver that refuses crier's signature (401) refused a credential, like
// a wrong Mastodon token: nothing was stored, so the post waits (crier says
// so once per network) and goes out once the secrets match again, instead of
// failing every post for good.
func TestARefusedSignatureWaitsForTheSecretToMatch(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *webhook.Options) { o.Secret = "not-the-receivers-secret-0123" })
	ctx := context.Background()
	_, err := b.net.Publish(ctx, post("p42-hooks-0"))
	require.Error(t, err)
	require.True(t, crier.IsAuth(err), "%v", err)
	require.False(t, crier.IsPermanent(err), "a fixed secret makes it work")
	require.False(t, crier.IsUnclear(err), "the receiver answered: nothing was stored")
	require.Equal(t, "The webhook for hooks refused crier's signature. Check that its secret matches `secret` in bot.yaml.", crier.ErrorMessage(err))
	require.Equal(t, 1, b.srv.Refused())
	require.Empty(t, b.srv.Deliveries())

	fixed, err := webhook.New(webhook.Options{Name: "hooks", URL: b.srv.URL + "/hooks/crier", Secret: testSecret,
		Deduplicates: true, RatePerSecond: 1000, Clock: b.clock, HTTPClient: b.srv.Client()})
	require.NoError(t, err)
	_, err = fixed.Publish(ctx, post("p42-hooks-0"))
	require.NoError(t, err)
	require.Len(t, b.srv.Deliveries(), 1)
}
