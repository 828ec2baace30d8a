package webhook_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/crier-bot/crier/adapters/webhook"
	"github.com/crier-bot/crier/internal/crier"
)

// FuzzVerify: Verify never panics, accepts what Sign made, and refuses any
// other body under the same signature.
func FuzzVerify(f *testing.F) {
	f.Add("1764000000", vectorSig, []byte(vectorBody), []byte("x"))
	f.Add("", "", []byte{}, []byte{})
	f.Add("-1", "sha256=", []byte("{}"), []byte("{} "))
	f.Fuzz(func(t *testing.T, ts, sig string, body, other []byte) {
		h := http.Header{}
		h.Set(webhook.HeaderTimestamp, ts)
		h.Set(webhook.HeaderSignature, sig)
		_ = webhook.Verify(vectorSecret, h, body, vectorTime) // must not panic

		h.Set(webhook.HeaderTimestamp, "1764000000")
		h.Set(webhook.HeaderSignature, webhook.Sign(vectorSecret, vectorTime, body))
		if err := webhook.Verify(vectorSecret, h, body, vectorTime); err != nil {
			t.Fatalf("a signed body is refused: %v", err)
		}
		if !bytes.Equal(body, other) && webhook.Verify(vectorSecret, h, other, vectorTime) == nil {
			t.Fatalf("another body passes under the same signature")
		}
	})
}

// FuzzCommentHandler: any signed body gets 204 or 400, never a panic, and a
// comment handed on always has an id, text and the network's name.
func FuzzCommentHandler(f *testing.F) {
	f.Add([]byte(`{"id":"c1","text":"hi"}`))
	f.Add([]byte(`{"id":"c1","text":"hi","kind":"quote","created_at":"2026-11-24T09:05:00Z"}`))
	f.Add([]byte(`{"id":1}`))
	f.Add([]byte(`null`))
	f.Add([]byte("{\"id\":\"c\",\"text\":\"\xff\"}"))
	now := time.Unix(1764000000, 0)
	n, err := webhook.New(webhook.Options{Name: "hooks", URL: "https://hooks.example.com/", Secret: vectorSecret, Clock: crier.NewManualClock(now)})
	if err != nil {
		f.Fatal(err)
	}
	h := n.CommentHandler(func(_ context.Context, c crier.Comment) error {
		if c.RemoteID == "" || c.Text == "" || c.Network != "hooks" || c.CreatedAt.IsZero() {
			panic("an incomplete comment was handed on")
		}
		return nil
	})
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		r.Header.Set(webhook.HeaderTimestamp, "1764000000")
		r.Header.Set(webhook.HeaderSignature, webhook.Sign(vectorSecret, now, body))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		// 401 is a replay of an input the fuzzer tried before.
		if w.Code != http.StatusNoContent && w.Code != http.StatusBadRequest && w.Code != http.StatusUnauthorized {
			t.Fatalf("answered %d: %s", w.Code, w.Body)
		}
	})
}
