package mastodon

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/crier-bot/crier/adapters/mastodon/mastodontest"
	"github.com/crier-bot/crier/internal/crier"
)

// testBundle is a network connected to a fresh fake instance.
type testBundle struct {
	srv  *mastodontest.Server
	net  *Network
	host string // the fake's host:port, as messages name it
}

// setup starts a fake instance and a network posting to it as "social".
// The network's own pacing is off (the fault test alone sends more than
// Mastodon's 300 requests per 5 minutes); tests of pacing set their own.
func setup(t *testing.T, mutate ...func(*Options)) *testBundle {
	t.Helper()
	srv := mastodontest.New()
	t.Cleanup(srv.Close)
	opts := Options{
		Name: "social", Server: srv.URL, AccessToken: srv.Token,
		Limiter: rate.NewLimiter(rate.Inf, 0),
	}
	for _, m := range mutate {
		m(&opts)
	}
	n, err := New(opts)
	require.NoError(t, err)
	n.pollEvery = 5 * time.Millisecond
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	return &testBundle{srv: srv, net: n, host: u.Host}
}

// publishReq is a publish request with a key and text.
func publishReq(key, text string) crier.PublishRequest {
	return crier.PublishRequest{IdempotencyKey: key, PostID: 1, Text: text, DueAt: time.Now()}
}

// testContext is a context that ends with the test (at most 10 s).
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// pngBytes is a small valid PNG.
func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 3))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

// imageServer serves /cat.png (a PNG), /page (HTML), /broken (500) and 404
// for anything else.
func imageServer(t *testing.T) *httptest.Server {
	t.Helper()
	pic := pngBytes(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/cat.png", "/dog.png":
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write(pic)
		case "/page":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte("<!doctype html><html><body>not a picture</body></html>"))
		case "/broken":
			http.Error(w, "oops", http.StatusInternalServerError)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// requestsTo returns the fake's requests with the given method and path
// prefix.
func requestsTo(srv *mastodontest.Server, method, prefix string) []mastodontest.Request {
	var out []mastodontest.Request
	for _, r := range srv.Requests() {
		if r.Method == method && strings.HasPrefix(r.Path, prefix) {
			out = append(out, r)
		}
	}
	return out
}
