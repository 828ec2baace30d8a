package discord_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/discord"
)

// endpoint is the HTTP interactions endpoint of an adapter, served the way
// crier mounts it, with the key pair that signs its requests.
type endpoint struct {
	url  string
	priv ed25519.PrivateKey
}

func newEndpoint(t *testing.T, w *world) (*endpoint, *discord.Adapter) {
	t.Helper()
	return newEndpointOn(t, newFakeDiscord(t), w)
}

// newEndpointOn is newEndpoint with the Discord it talks to.
func newEndpointOn(t *testing.T, f *fakeDiscord, w *world) (*endpoint, *discord.Adapter) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	a := newAdapter(t, f, w, hex.EncodeToString(pub))
	h, err := a.Handler()
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("POST /discord/interactions", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &endpoint{url: srv.URL + "/discord/interactions", priv: priv}, a
}

// signed is a request signed as Discord signs them: Ed25519 over
// timestamp+body.
type signed struct {
	body      []byte
	timestamp string
	signature string
}

func (e *endpoint) sign(body []byte, at time.Time) signed {
	ts := strconv.FormatInt(at.Unix(), 10)
	sig := ed25519.Sign(e.priv, append([]byte(ts), body...))
	return signed{body: body, timestamp: ts, signature: hex.EncodeToString(sig)}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	return raw
}

// post sends a request; empty headers are left out.
func (e *endpoint) post(t *testing.T, s signed) (int, []byte, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.url, bytes.NewReader(s.body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if s.signature != "" {
		req.Header.Set("X-Signature-Ed25519", s.signature)
	}
	if s.timestamp != "" {
		req.Header.Set("X-Signature-Timestamp", s.timestamp)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, raw, resp.Header
}

var ping = map[string]any{"id": "1800000000000000100", "application_id": appID, "type": 1, "token": "tok-ping", "version": 1}

func TestHTTPPingIsAnsweredWithPong(t *testing.T) {
	t.Parallel()
	e, _ := newEndpoint(t, newWorld(t))
	status, body, h := e.post(t, e.sign(mustJSON(t, ping), time.Now()))
	require.Equal(t, http.StatusOK, status, string(body))
	require.Equal(t, "application/json", h.Get("Content-Type"))
	require.JSONEq(t, `{"type":1}`, string(body))
}

func TestHTTPSlashCommandIsAnsweredInTheResponse(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	e, _ := newEndpoint(t, w)
	cmd := slash("1800000000000000101", "schedule", "tomorrow 9am Launch day!", "1900000000000000001", []string{schedulerRole})
	status, body, _ := e.post(t, e.sign(mustJSON(t, cmd), time.Now()))
	require.Equal(t, http.StatusOK, status, string(body))
	var got map[string]any
	require.NoError(t, json.Unmarshal(body, &got))
	require.EqualValues(t, 4, got["type"], "a channel message with source")
	data := got["data"].(map[string]any)
	embed := data["embeds"].([]any)[0].(map[string]any)
	require.Regexp(t, `^✓ Post #1 scheduled for \w{3} \d+ \w{3} 09:00 WE[S]?T`, embed["title"])
	require.Nil(t, data["flags"], "confirmations are visible to the channel")
	require.Len(t, w.upcoming(t), 1)
}

func TestHTTPRejectsUnverifiedRequests(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	e, _ := newEndpoint(t, w)
	cmd := mustJSON(t, slash("1800000000000000102", "schedule", "tomorrow 9am Forged", "1900000000000000001", []string{schedulerRole}))
	now := time.Now()

	_, otherKey, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	impostor := &endpoint{url: e.url, priv: otherKey}

	tampered := e.sign(cmd, now)
	tampered.body = bytes.Replace(tampered.body, []byte("Forged"), []byte("Forgex"), 1)

	wrongTimestamp := e.sign(cmd, now)
	wrongTimestamp.timestamp = strconv.FormatInt(now.Unix()+1, 10)

	noSignature := e.sign(cmd, now)
	noSignature.signature = ""
	noTimestamp := e.sign(cmd, now)
	noTimestamp.timestamp = ""
	notHex := e.sign(cmd, now)
	notHex.signature = "zz" + notHex.signature[2:]
	short := e.sign(cmd, now)
	short.signature = short.signature[:64]
	badTimestamp := e.sign(cmd, now)
	badTimestamp.timestamp = "yesterday"

	huge := mustJSON(t, map[string]any{"type": 1, "padding": strings.Repeat("x", 1<<20)})
	malformed := []byte(`{"type": 2, "data": {`)

	for _, tc := range []struct {
		name   string
		req    signed
		status int
	}{
		{"signed with another key", impostor.sign(cmd, now), http.StatusUnauthorized},
		{"body changed after signing", tampered, http.StatusUnauthorized},
		{"timestamp changed after signing", wrongTimestamp, http.StatusUnauthorized},
		{"no signature header", noSignature, http.StatusUnauthorized},
		{"no timestamp header", noTimestamp, http.StatusUnauthorized},
		{"no headers", signed{body: cmd}, http.StatusUnauthorized},
		{"signature not hex", notHex, http.StatusUnauthorized},
		{"signature too short", short, http.StatusUnauthorized},
		{"timestamp not a number", badTimestamp, http.StatusUnauthorized},
		{"validly signed 6 minutes ago", e.sign(cmd, now.Add(-6*time.Minute)), http.StatusUnauthorized},
		{"validly signed 6 minutes ahead", e.sign(cmd, now.Add(6*time.Minute)), http.StatusUnauthorized},
		{"body over 1 MiB", e.sign(huge, now), http.StatusRequestEntityTooLarge},
		{"validly signed malformed JSON", e.sign(malformed, now), http.StatusBadRequest},
		{"validly signed unknown interaction type", e.sign(mustJSON(t, map[string]any{"id": "1", "type": 99}), now), http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body, _ := e.post(t, tc.req)
			require.Equal(t, tc.status, status, string(body))
		})
	}
	require.Empty(t, w.upcoming(t), "no rejected request stores a post")

	// Within the 5 minutes either way the same command is accepted.
	status, body, _ := e.post(t, e.sign(cmd, now.Add(-4*time.Minute)))
	require.Equal(t, http.StatusOK, status, string(body))
	require.Len(t, w.upcoming(t), 1)
}

func TestHTTPRejectsAReplayedRequest(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	e, _ := newEndpoint(t, w)
	cmd := e.sign(mustJSON(t, slash("1800000000000000103", "schedule", "tomorrow 9am Once", "1900000000000000001", []string{schedulerRole})), time.Now())

	status, body, _ := e.post(t, cmd)
	require.Equal(t, http.StatusOK, status, string(body))
	require.Len(t, w.upcoming(t), 1)

	status, _, _ = e.post(t, cmd)
	require.Equal(t, http.StatusUnauthorized, status, "the same signed request again")

	// Hex is case-insensitive: the same signature in capitals is the same
	// request.
	upper := cmd
	upper.signature = strings.ToUpper(cmd.signature)
	status, _, _ = e.post(t, upper)
	require.Equal(t, http.StatusUnauthorized, status, "the same signature in upper case")

	require.Len(t, w.upcoming(t), 1, "a replay schedules nothing")

	// A new request (new signature) is accepted.
	status, body, _ = e.post(t, e.sign(mustJSON(t, ping), time.Now()))
	require.Equal(t, http.StatusOK, status, string(body))
}

func TestHTTPHandlerNeedsAnEd25519PublicKey(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	w := newWorld(t)
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	for _, key := range []string{"", "not hex", hex.EncodeToString(pub)[:62], hex.EncodeToString(pub) + "00"} {
		_, err := newAdapter(t, f, w, key).Handler()
		require.Error(t, err, "public key %q", key)
	}
	_, err = newAdapter(t, f, w, strings.ToUpper(hex.EncodeToString(pub))).Handler()
	require.NoError(t, err, "hex in capitals is a key too")
}
