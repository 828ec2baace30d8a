package webhook_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/webhook"
	"github.com/crier-bot/crier/internal/crier"
)

// commentBed is a network's comment endpoint behind a real HTTP server.
type commentBed struct {
	srv   *httptest.Server
	clock *crier.ManualClock
	mu    sync.Mutex
	got   []crier.Comment
	fail  error
}

func newCommentBed(t *testing.T) *commentBed {
	t.Helper()
	bed := &commentBed{clock: crier.NewManualClock(start)}
	n, err := webhook.New(webhook.Options{Name: "hooks", URL: "https://hooks.example.com/crier", Secret: testSecret, Clock: bed.clock})
	require.NoError(t, err)
	bed.srv = httptest.NewServer(n.CommentHandler(func(ctx context.Context, c crier.Comment) error {
		bed.mu.Lock()
		defer bed.mu.Unlock()
		if bed.fail != nil {
			return bed.fail
		}
		bed.got = append(bed.got, c)
		return nil
	}))
	t.Cleanup(bed.srv.Close)
	return bed
}

func (bed *commentBed) comments() []crier.Comment {
	bed.mu.Lock()
	defer bed.mu.Unlock()
	return append([]crier.Comment(nil), bed.got...)
}

// send POSTs body signed at ts with secret (no signature headers when
// secret is "").
func (bed *commentBed) send(t *testing.T, body, secret string, ts time.Time) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, bed.srv.URL, strings.NewReader(body))
	require.NoError(t, err)
	if secret != "" {
		req.Header.Set(webhook.HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
		req.Header.Set(webhook.HeaderSignature, webhook.Sign(secret, ts, []byte(body)))
	}
	return bed.do(t, req)
}

func (bed *commentBed) do(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := bed.srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var b strings.Builder
	_, _ = io.Copy(&b, resp.Body)
	return resp.StatusCode, strings.TrimSpace(b.String())
}

func readComment(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "comment.json"))
	require.NoError(t, err)
	return string(b)
}

func TestCommentHandlerTakesASignedComment(t *testing.T) {
	t.Parallel()
	bed := newCommentBed(t)
	code, _ := bed.send(t, readComment(t), testSecret, start)
	require.Equal(t, http.StatusNoContent, code)
	require.Equal(t, []crier.Comment{{
		Network: "hooks", RemoteID: "c-1001", URL: "https://forum.example.org/t/42#c-1001", Kind: "reply",
		RootRemoteID: "d1", ParentID: "d1", AuthorID: "u-77", AuthorHandle: "@ana", AuthorName: "Ana",
		Text: "Will there be coffee?", CreatedAt: time.Date(2026, 11, 24, 9, 5, 0, 0, time.UTC),
	}}, bed.comments())
}

func TestCommentHandlerFillsKindAndTime(t *testing.T) {
	t.Parallel()
	bed := newCommentBed(t)
	code, _ := bed.send(t, `{"id":"m1","text":"hello @crier"}`, testSecret, start)
	require.Equal(t, http.StatusNoContent, code)
	got := bed.comments()
	require.Len(t, got, 1)
	require.Equal(t, "mention", got[0].Kind)
	require.Equal(t, start, got[0].CreatedAt)
}

func TestCommentHandlerRefusals(t *testing.T) {
	t.Parallel()
	valid := `{"id":"c1","text":"hi"}`
	tests := []struct {
		name   string
		send   func(t *testing.T, bed *commentBed) (int, string)
		status int
		reason string
	}{
		{"a request without signature headers is refused", func(t *testing.T, bed *commentBed) (int, string) {
			return bed.send(t, valid, "", start)
		}, 401, "the request has no X-Crier-Timestamp or X-Crier-Signature header"},
		{"a stale timestamp is refused", func(t *testing.T, bed *commentBed) (int, string) {
			return bed.send(t, valid, testSecret, start.Add(-5*time.Minute-time.Second))
		}, 401, "X-Crier-Timestamp is more than 5 minutes away from the receiver's clock"},
		{"a forged signature is refused", func(t *testing.T, bed *commentBed) (int, string) {
			return bed.send(t, valid, "guessed-secret", start)
		}, 401, "X-Crier-Signature does not match the body and the shared secret"},
		{"a replayed request is refused", func(t *testing.T, bed *commentBed) (int, string) {
			code, _ := bed.send(t, valid, testSecret, start)
			require.Equal(t, 204, code)
			bed.clock.Add(time.Minute)
			return bed.send(t, valid, testSecret, start)
		}, 401, "this signature was accepted before (a replayed request); sign each request anew"},
		{"a body over 1 MiB is refused", func(t *testing.T, bed *commentBed) (int, string) {
			return bed.send(t, `{"id":"c1","text":"`+strings.Repeat("a", 1<<20)+`"}`, testSecret, start)
		}, 413, "the body is over 1 MiB"},
		{"a body over 1 MiB without a length is refused", func(t *testing.T, bed *commentBed) (int, string) {
			body := `{"id":"c1","text":"` + strings.Repeat("a", 1<<20) + `"}`
			req, err := http.NewRequest(http.MethodPost, bed.srv.URL, struct{ io.Reader }{strings.NewReader(body)})
			require.NoError(t, err)
			req.Header.Set(webhook.HeaderTimestamp, strconv.FormatInt(start.Unix(), 10))
			req.Header.Set(webhook.HeaderSignature, webhook.Sign(testSecret, start, []byte(body)))
			return bed.do(t, req)
		}, 413, "the body is over 1 MiB"},
		{"a comment without an id is refused", func(t *testing.T, bed *commentBed) (int, string) {
			return bed.send(t, `{"text":"hi"}`, testSecret, start)
		}, 400, `the comment has no "id"`},
		{"a comment without text is refused", func(t *testing.T, bed *commentBed) (int, string) {
			return bed.send(t, `{"id":"c1"}`, testSecret, start)
		}, 400, `the comment has no "text"`},
		{"a body that is not JSON is refused", func(t *testing.T, bed *commentBed) (int, string) {
			return bed.send(t, `id=c1&text=hi`, testSecret, start)
		}, 400, "the body is not a JSON comment: syntax error"},
		{"a created_at that is not RFC 3339 is refused", func(t *testing.T, bed *commentBed) (int, string) {
			return bed.send(t, `{"id":"c1","text":"hi","created_at":"yesterday"}`, testSecret, start)
		}, 400, `the body is not a JSON comment: "created_at" is not an RFC 3339 time`},
		{"an unknown kind is refused", func(t *testing.T, bed *commentBed) (int, string) {
			return bed.send(t, `{"id":"c1","text":"hi","kind":"like"}`, testSecret, start)
		}, 400, `"kind" must be reply, mention or quote`},
		{"a GET is refused", func(t *testing.T, bed *commentBed) (int, string) {
			req, err := http.NewRequest(http.MethodGet, bed.srv.URL, nil)
			require.NoError(t, err)
			return bed.do(t, req)
		}, 405, "comments are sent with POST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			bed := newCommentBed(t)
			code, reason := tt.send(t, bed)
			require.Equal(t, tt.status, code)
			require.Equal(t, tt.reason, reason)
			if tt.status != 401 || !strings.Contains(tt.name, "replayed") {
				require.Empty(t, bed.comments())
			} else {
				require.Len(t, bed.comments(), 1)
			}
		})
	}
}

func TestCommentHandlerFailureLetsTheSenderTryAgain(t *testing.T) {
	t.Parallel()
	bed := newCommentBed(t)
	bed.fail = errors.New("database is locked")
	body := `{"id":"c1","text":"hi"}`
	code, reason := bed.send(t, body, testSecret, start)
	require.Equal(t, http.StatusInternalServerError, code)
	require.Equal(t, "crier could not take the comment; send it again later", reason)
	require.NotContains(t, reason, "database")

	bed.mu.Lock()
	bed.fail = nil
	bed.mu.Unlock()
	code, _ = bed.send(t, body, testSecret, start) // the very same signed request
	require.Equal(t, http.StatusNoContent, code)
	require.Len(t, bed.comments(), 1)
}

func TestCommentHandlerAcceptsASignatureAgainAfterItExpires(t *testing.T) {
	t.Parallel()
	// A replay is only possible while the timestamp is valid; after that
	// Verify refuses it as stale, so the remembered signature can go.
	bed := newCommentBed(t)
	body := `{"id":"c1","text":"hi"}`
	code, _ := bed.send(t, body, testSecret, start)
	require.Equal(t, 204, code)
	bed.clock.Add(5*time.Minute + time.Second)
	code, reason := bed.send(t, body, testSecret, start)
	require.Equal(t, 401, code)
	require.Equal(t, webhook.ErrStaleTimestamp.Error(), reason)
}
