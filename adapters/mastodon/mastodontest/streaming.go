package mastodontest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"
)

// The streaming API, as Mastodon's streaming server (streaming/index.js in
// github.com/mastodon/mastodon) and its documentation
// (docs.joinmastodon.org/methods/streaming) describe it:
//
//   - GET /api/v1/streaming/user/notification is the user:notification
//     stream as server-sent events: Content-Type text/event-stream,
//     Cache-Control no-store, a ":)" comment first, a ":thump" heartbeat
//     every 15 s, and each event as "event: <name>\ndata: <json>\n\n"
//     (the notification is the same JSON as GET /api/v1/notifications).
//   - A request without "Authorization: Bearer <token>" gets 401
//     {"error":"Error: Missing access token"}; a wrong token 401
//     {"error":"Error: Invalid access token"}.
//   - A notification is pushed to the open streams when it is created; one
//     created while no stream is open is only in the REST list.
//   - When the streaming server is on its own host (SeparateStreaming),
//     configuration.urls.streaming names it and the API host answers
//     /api/v1/streaming/* with a 301 to it, as Api::V1::StreamingController
//     does.
//
// Only the server-sent events transport is served, not the WebSocket one.

// streamHeartbeat is how often Mastodon's streaming server writes ":thump".
const streamHeartbeat = 15 * time.Second

// streamConn is one open stream: events queued for it, and a channel closed
// to end it.
type streamConn struct {
	events chan string
	drop   chan struct{}
}

// SetHeartbeat sets how often open streams get a ":thump" heartbeat (15 s,
// Mastodon's interval, by default); it applies to streams opened after.
func (s *Server) SetHeartbeat(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.heartbeat = d
}

// Streams returns how many notification streams are open, so a test can
// wait for one before it makes a comment.
func (s *Server) Streams() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.streams)
}

// DropStreams ends every open stream, as the streaming server does when it
// restarts or the token is revoked (the response ends; the client sees the
// connection close).
func (s *Server) DropStreams() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.streams {
		close(c.drop)
		delete(s.streams, c)
	}
}

// SendEvent writes a raw event to every open stream, exactly as given: for
// tests of events crier must skip. data must not contain a newline.
func (s *Server) SendEvent(name, data string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pushLocked(fmt.Sprintf("event: %s\ndata: %s\n\n", name, data))
}

// SeparateStreaming serves the streaming API from a second server, names it
// in the instance's configuration.urls.streaming, and makes the API host
// redirect /api/v1/streaming/* there. It returns the second server's URL.
func (s *Server) SeparateStreaming() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.streaming == nil {
		mux := http.NewServeMux()
		mux.HandleFunc("GET /api/v1/streaming/user/notification", s.streamNotifications)
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			writeError(w, http.StatusNotFound, "Not found")
		})
		s.streaming = httptest.NewServer(s.recorded(mux))
	}
	return s.streaming.URL
}

// streamingBase is the address the instance gives as urls.streaming: ws://
// or wss:// on the host that serves the streaming API.
func (s *Server) streamingBase() string {
	s.mu.Lock()
	base := s.URL
	if s.streaming != nil {
		base = s.streaming.URL
	}
	s.mu.Unlock()
	u, _ := url.Parse(base)
	scheme := "ws"
	if u.Scheme == "https" {
		scheme = "wss"
	}
	return scheme + "://" + u.Host
}

// streamingOnAPIHost answers /api/v1/streaming/* on the API host: the
// stream itself, or a 301 to the streaming host when it is separate.
func (s *Server) streamingOnAPIHost(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	separate := s.streaming
	s.mu.Unlock()
	if separate != nil {
		u, _ := url.Parse(separate.URL)
		to := *r.URL
		to.Scheme, to.Host = u.Scheme, u.Host
		http.Redirect(w, r, to.String(), http.StatusMovedPermanently)
		return
	}
	if r.URL.Path != "/api/v1/streaming/user/notification" {
		writeError(w, http.StatusBadRequest, "Error: Unknown channel requested")
		return
	}
	s.streamNotifications(w, r)
}

// streamNotifications serves the user:notification stream.
func (s *Server) streamNotifications(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	code := s.authCode
	s.mu.Unlock()
	auth := r.Header.Get("Authorization")
	switch {
	case auth == "" && r.URL.Query().Get("access_token") == "":
		writeError(w, http.StatusUnauthorized, "Error: Missing access token")
		return
	case auth != "Bearer "+s.Token || code == http.StatusUnauthorized:
		writeError(w, http.StatusUnauthorized, "Error: Invalid access token")
		return
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, "An unexpected error occurred")
		return
	}
	c := &streamConn{events: make(chan string, 256), drop: make(chan struct{})}
	s.mu.Lock()
	every := s.heartbeat
	s.streams[c] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.streams, c)
		s.mu.Unlock()
	}()

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(":)\n"))
	flusher.Flush()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		case <-c.drop:
			return
		case <-tick.C:
			_, _ = w.Write([]byte(":thump\n"))
		case ev := <-c.events:
			_, _ = w.Write([]byte(ev))
		}
		flusher.Flush()
	}
}

// pushNotificationLocked sends a notification to the open streams. s.mu is
// held.
func (s *Server) pushNotificationLocked(n notification) {
	if len(s.streams) == 0 {
		return
	}
	data, err := json.Marshal(s.notificationJSON(n))
	if err != nil {
		return
	}
	s.pushLocked("event: notification\ndata: " + string(data) + "\n\n")
}

// pushLocked queues a framed event on every open stream; a stream too far
// behind is ended, as a real server ends a client that does not read.
func (s *Server) pushLocked(frame string) {
	for c := range s.streams {
		select {
		case c.events <- frame:
		default:
			close(c.drop)
			delete(s.streams, c)
		}
	}
}

// isStreaming reports whether a path belongs to the streaming API, which
// Mastodon's rate limits (rack-attack, in the Rails app) do not cover.
func isStreaming(path string) bool {
	return strings.HasPrefix(path, "/api/v1/streaming")
}
