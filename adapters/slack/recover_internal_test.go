package slack

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAPanicInAnEndpointIsAnsweredInOneLine: a panic on net/http's own
// goroutine (not one crier started) is logged with its stack; a command is
// answered with one line, other endpoints with a 500.
func TestAPanicInAnEndpointIsAnsweredInOneLine(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	a, err := New(Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	require.NoError(t, err)
	boom := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("endpoint exploded") })

	rec := httptest.NewRecorder()
	a.recovered(func(w http.ResponseWriter) { writeJSON(w, toMessage(somethingWentWrong())) }, boom).
		ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/slack/commands", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	var m struct {
		ResponseType string `json:"response_type"`
		Text         string `json:"text"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &m))
	require.Equal(t, "ephemeral", m.ResponseType)
	require.Equal(t, somethingWentWrong().Text, m.Text)

	rec = httptest.NewRecorder()
	a.recovered(nil, boom).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/slack/events", nil))
	require.Equal(t, http.StatusInternalServerError, rec.Code)
	require.Contains(t, logs.String(), "endpoint exploded")
	require.Contains(t, logs.String(), "goroutine")
}
