package webhook_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/crier-bot/crier/adapters/webhook"
)

// A receiver checks each request before it reads the JSON.
func ExampleVerify() {
	const secret = "shh-its-a-secret"
	now := func() time.Time { return time.Unix(1764000000, 0) } // time.Now in a real receiver
	receive := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "unreadable body", http.StatusBadRequest)
			return
		}
		if err := webhook.Verify(secret, r.Header, body, now()); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		// Decode body as a webhook.Payload; answer a repeated
		// Idempotency-Key with the first answer.
		w.WriteHeader(http.StatusOK)
	})

	body := `{"type":"ping","network":"hooks"}`
	for _, sig := range []string{webhook.Sign(secret, now(), []byte(body)), webhook.Sign("guess", now(), []byte(body))} {
		r := httptest.NewRequest(http.MethodPost, "/crier", strings.NewReader(body))
		r.Header.Set(webhook.HeaderTimestamp, "1764000000")
		r.Header.Set(webhook.HeaderSignature, sig)
		w := httptest.NewRecorder()
		receive.ServeHTTP(w, r)
		fmt.Println(strings.TrimSpace(fmt.Sprintf("%d %s", w.Code, w.Body.String())))
	}
	// Output:
	// 200
	// 401 X-Crier-Signature does not match the body and the shared secret
}
