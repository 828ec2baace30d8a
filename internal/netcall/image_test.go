package netcall_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/internal/netcall"
)

func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 3))
	img.Set(1, 1, color.RGBA{R: 255, A: 255})
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

func TestFetchImage(t *testing.T) {
	t.Parallel()
	pic := pngBytes(t)
	lim := netcall.ImageLimits{MaxBytes: int64(len(pic)), Timeout: 10 * time.Second}
	var (
		mu                sync.Mutex // the handlers run while parallel subtests read
		gotUA, gotAccept  string
		tooBig, tooBigToo = append(slices.Clone(pic), 0), append(slices.Clone(pic), 0, 0, 0)
	)
	mux := http.NewServeMux()
	mux.HandleFunc("/ok.png", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		gotUA, gotAccept = r.UserAgent(), r.Header.Get("Accept")
		mu.Unlock()
		w.Header().Set("Content-Type", "application/octet-stream") // the bytes decide
		_, _ = w.Write(pic)
	})
	mux.HandleFunc("/named.heic", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/heic; charset=binary")
		_, _ = w.Write([]byte("\x00\x00\x00\x18ftypheic"))
	})
	mux.HandleFunc("/big.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(pic)+1))
		_, _ = w.Write(tooBig)
	})
	mux.HandleFunc("/big-unannounced.png", func(w http.ResponseWriter, r *http.Request) {
		w.(http.Flusher).Flush() // chunked: no Content-Length
		_, _ = w.Write(tooBigToo)
	})
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<html><body>hi</body></html>"))
	})
	mux.HandleFunc("/busy", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })
	mux.HandleFunc("/slow-down", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTooManyRequests) })
	mux.HandleFunc("/timeout", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusRequestTimeout) })
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	t.Run("an image is returned with the type its bytes show", func(t *testing.T) {
		t.Parallel()
		data, mt, err := netcall.FetchImage(t.Context(), srv.Client(), srv.URL+"/ok.png", lim)
		require.NoError(t, err)
		require.Equal(t, pic, data)
		require.Equal(t, "image/png", mt)
	})
	t.Run("crier names itself and asks for an image", func(t *testing.T) {
		_, _, err := netcall.FetchImage(t.Context(), srv.Client(), srv.URL+"/ok.png", lim)
		require.NoError(t, err)
		mu.Lock()
		defer mu.Unlock()
		require.Equal(t, netcall.UserAgent, gotUA)
		require.Equal(t, "image/*", gotAccept)
	})
	t.Run("bytes Go cannot sniff take the server's image type", func(t *testing.T) {
		t.Parallel()
		_, mt, err := netcall.FetchImage(t.Context(), srv.Client(), srv.URL+"/named.heic", lim)
		require.NoError(t, err)
		require.Equal(t, "image/heic", mt)
	})

	for _, tc := range []struct {
		name      string
		url       string
		problem   netcall.Problem
		temporary bool
		check     func(t *testing.T, e *netcall.ImageError)
	}{
		{"a relative address is not a web address", "/ok.png", netcall.BadAddress, false, nil},
		{"an ftp address is not a web address", "ftp://example.com/a.png", netcall.BadAddress, false, nil},
		{"an announced size over the limit is too large", srv.URL + "/big.png", netcall.TooLarge, false, func(t *testing.T, e *netcall.ImageError) {
			require.Equal(t, lim.MaxBytes+1, e.Size)
		}},
		{"a body over the limit is too large even unannounced", srv.URL + "/big-unannounced.png", netcall.TooLarge, false, func(t *testing.T, e *netcall.ImageError) {
			require.Equal(t, lim.MaxBytes+1, e.Size)
		}},
		{"a web page is not an image", srv.URL + "/page", netcall.NotImage, false, func(t *testing.T, e *netcall.ImageError) {
			require.Equal(t, "text/html; charset=utf-8", e.Header)
			require.Equal(t, "text/html; charset=utf-8", e.Sniffed)
		}},
		{"a missing image is a bad status, not temporary", srv.URL + "/missing", netcall.BadStatus, false, func(t *testing.T, e *netcall.ImageError) {
			require.Equal(t, http.StatusNotFound, e.Status)
		}},
		{"a 204 is not an image to fetch", srv.URL + "/empty", netcall.BadStatus, false, nil},
		{"a busy server is temporary", srv.URL + "/busy", netcall.BadStatus, true, nil},
		{"a 429 is temporary", srv.URL + "/slow-down", netcall.BadStatus, true, nil},
		{"a 408 is temporary", srv.URL + "/timeout", netcall.BadStatus, true, nil},
		{"no answer is temporary", "http://127.0.0.1:1/a.png", netcall.Unanswered, true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := netcall.FetchImage(t.Context(), srv.Client(), tc.url, lim)
			var ie *netcall.ImageError
			require.True(t, errors.As(err, &ie), "%v", err)
			require.Equal(t, tc.problem, ie.Problem, "%v", err)
			require.Equal(t, tc.temporary, ie.Temporary())
			if tc.check != nil {
				tc.check(t, ie)
			}
		})
	}
}

func TestFetchImageTimesOut(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	_, _, err := netcall.FetchImage(t.Context(), srv.Client(), srv.URL+"/slow.png", netcall.ImageLimits{MaxBytes: 1 << 20, Timeout: time.Nanosecond})
	var ie *netcall.ImageError
	require.True(t, errors.As(err, &ie), "%v", err)
	require.Equal(t, netcall.Unanswered, ie.Problem)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}
