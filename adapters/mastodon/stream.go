package mastodon

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/netcall"
)

// Stream limits.
const (
	// streamPath is the server-sent events endpoint for the account's
	// notifications (the user:notification stream), relative to the
	// streaming host.
	streamPath = "/api/v1/streaming/user/notification"
	// defaultStreamIdle is how long the stream may stay silent before crier
	// calls it dropped: Mastodon's streaming server writes a ":thump"
	// heartbeat every 15 s, so this is three missed heartbeats and some.
	defaultStreamIdle = 50 * time.Second
	// maxEvent bounds one event (a notification with its status and two
	// accounts is a few kB); a longer one is skipped.
	maxEvent = 1 << 20
)

// errStreamIdle ends a stream that sent nothing, not even a heartbeat, for
// streamIdle.
var errStreamIdle = errors.New("no heartbeat")

// Stream reads the account's notifications as they happen from Mastodon's
// streaming API (GET /api/v1/streaming/user/notification, server-sent
// events, on the host the instance names in configuration.urls.streaming)
// and calls fn with each mention or reply, mapped as Comments maps them.
// Heartbeats and other events are ignored; an event that cannot be read is
// logged and skipped. It returns ctx.Err() when ctx ends, and otherwise an
// error that says the stream dropped (or was refused: a bad token is a
// crier.IsAuth error). It does not reconnect: the caller polls Comments
// meanwhile and calls Stream again.
//
// go-mastodon's StreamingUser is not used: it has no user:notification
// stream, reconnects for ever on its own (also after a 401), reads the
// host from /api/v1/instance only, and its reading goroutine can block for
// ever on a send nobody receives once the caller stops listening.
func (n *Network) Stream(ctx context.Context, fn func(crier.Comment)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	base := n.streamingBase(ctx)
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := n.waitTurn(ctx); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return n.streamFailed(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(sctx, http.MethodGet, base.String()+streamPath, nil)
	if err != nil {
		return fmt.Errorf("mastodon %s stream: %w", n.name, err)
	}
	req.Header.Set("Authorization", "Bearer "+n.token)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Cache-Control", "no-store")
	req.Header.Set("User-Agent", userAgent)
	resp, err := n.stream.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return n.streamFailed(err)
	}
	if resp.StatusCode != http.StatusOK {
		apiErr := readAPIError(resp)
		netcall.Drain(resp.Body)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return n.streamFailed(apiErr)
	}
	n.log.Debug("mastodon stream open", slog.String(keyNetwork, n.name), slog.String("host", base.Host))

	events := make(chan sseEvent)
	readDone := make(chan error, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		readDone <- readEvents(sctx, resp.Body, events)
	}()
	defer func() {
		cancel() // ends the request, so the reader's Read returns
		_ = resp.Body.Close()
		wg.Wait()
	}()

	idle := n.streamIdle
	lastSeen := n.clock.Now()
	timer := n.clock.After(idle)
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-readDone:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err == nil {
				err = io.EOF
			}
			return n.streamDropped(err)
		case <-timer:
			if wait := idle - n.clock.Now().Sub(lastSeen); wait > 0 {
				timer = n.clock.After(wait)
				continue
			}
			return n.streamDropped(errStreamIdle)
		case ev := <-events:
			lastSeen = n.clock.Now()
			n.handleEvent(ev, fn)
		}
	}
}

// handleEvent turns a notification event into a comment for fn; anything
// else is ignored, and what cannot be read is logged.
func (n *Network) handleEvent(ev sseEvent, fn func(crier.Comment)) {
	if ev.heartbeat || ev.name != "notification" {
		return
	}
	if ev.tooLong {
		n.log.Warn("mastodon stream: event skipped", slog.String(keyNetwork, n.name),
			slog.String("reason", fmt.Sprintf("longer than %d bytes", maxEvent)))
		return
	}
	var nt notificationJSON
	if err := json.Unmarshal(ev.data, &nt); err != nil {
		n.log.Warn("mastodon stream: event skipped", slog.String(keyNetwork, n.name),
			slog.String("reason", "not a notification"), slog.Any(keyError, err))
		return
	}
	if c, ok := n.comment(nt); ok {
		fn(c)
	}
}

// streamingBase is where the streaming API is served: the instance's
// configuration.urls.streaming (wss:// read as https://, ws:// as http://)
// when it names one, else the instance itself.
func (n *Network) streamingBase(ctx context.Context) *url.URL {
	n.refreshIfStale(ctx) // reads the instance at most once an hour
	n.mu.Lock()
	raw := n.streamingURL
	n.mu.Unlock()
	if u := streamingHTTPURL(raw); u != nil {
		return u
	}
	return n.server
}

// streamingHTTPURL reads the instance's streaming address as the HTTP(S)
// base of the server-sent events endpoints; nil when it names none.
func streamingHTTPURL(raw string) *url.URL {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil
	}
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || u.Host == "" || u.User != nil {
		return nil
	}
	switch strings.ToLower(u.Scheme) {
	case "wss", "https":
		u.Scheme = "https"
	case "ws", "http":
		u.Scheme = "http"
	default:
		return nil
	}
	u.RawQuery, u.Fragment = "", ""
	return u
}

// streamFailed explains a stream that could not be opened.
func (n *Network) streamFailed(err error) error {
	const what = "open the notification stream"
	if status, msg, ok := statusOf(err); ok && (status == http.StatusUnauthorized || status == http.StatusForbidden) {
		return n.authFailed(what, status, msg, err)
	}
	return n.readFailed(what, err)
}

// streamDropped is the error for a stream that was open and ended.
func (n *Network) streamDropped(cause error) error {
	why := reason(cause)
	switch {
	case errors.Is(cause, errStreamIdle):
		why = fmt.Sprintf("nothing, not even a heartbeat, for %s", n.streamIdle)
	case errors.Is(cause, io.EOF):
		why = "the server closed it"
	}
	return n.wrap("stream", crier.Errorf(crier.EUNAVAIL,
		"The live stream of notifications from Mastodon (%s) dropped (%s); crier reads them by polling until it reconnects.",
		n.name, why), cause)
}

// sseEvent is one server-sent event: a name and its data lines joined, or a
// heartbeat (a comment line, ":thump").
type sseEvent struct {
	name      string
	data      []byte
	heartbeat bool
	tooLong   bool
}

// readEvents reads server-sent events (the WHATWG format Mastodon's
// streaming server writes: "event: <name>\ndata: <json>\n\n", and
// ":thump\n" heartbeats) from r and sends each on out until r ends (nil at
// a clean end) or ctx ends.
func readEvents(ctx context.Context, r io.Reader, out chan<- sseEvent) error {
	br := bufio.NewReaderSize(r, 16<<10)
	var ev sseEvent
	var data bytes.Buffer
	send := func(e sseEvent) bool {
		select {
		case out <- e:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		line, long, err := readLine(br, maxEvent)
		if err != nil {
			if errors.Is(err, io.EOF) && len(line) == 0 {
				return nil
			}
			return err
		}
		switch {
		case len(line) == 0: // a blank line ends an event
			if ev.name != "" || data.Len() > 0 || ev.tooLong {
				if ev.name == "" {
					ev.name = "message"
				}
				ev.data = bytes.Clone(data.Bytes())
				if !send(ev) {
					return ctx.Err()
				}
			}
			ev = sseEvent{}
			data.Reset()
		case line[0] == ':':
			if !send(sseEvent{heartbeat: true}) {
				return ctx.Err()
			}
		default:
			field, value, _ := bytes.Cut(line, []byte(":"))
			value = bytes.TrimPrefix(value, []byte(" "))
			switch string(field) {
			case "event":
				ev.name = string(value)
			case "data":
				if long || data.Len()+len(value)+1 > maxEvent {
					ev.tooLong = true
					data.Reset()
					continue
				}
				if data.Len() > 0 {
					data.WriteByte('\n')
				}
				data.Write(value)
			}
		}
	}
}

// readLine reads one line (without its "\n" or "\r\n"), keeping at most
// limit bytes of it; long reports that more were discarded.
func readLine(br *bufio.Reader, limit int) (line []byte, long bool, err error) {
	var buf []byte
	for {
		part, err := br.ReadSlice('\n')
		if len(buf)+len(part) <= limit+2 {
			buf = append(buf, part...)
		} else {
			long = true
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		buf = bytes.TrimSuffix(bytes.TrimSuffix(buf, []byte("\n")), []byte("\r"))
		return buf, long, err
	}
}
