package mastodon

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/mastodon/mastodontest"
	"github.com/crier-bot/crier/internal/crier"
)

// streamRun is a Stream running in the background: the comments it hands
// to fn, and what it returned.
type streamRun struct {
	comments chan crier.Comment
	done     chan error
}

func startStream(ctx context.Context, n *Network) *streamRun {
	r := &streamRun{comments: make(chan crier.Comment, 16), done: make(chan error, 1)}
	go func() { r.done <- n.Stream(ctx, func(c crier.Comment) { r.comments <- c }) }()
	return r
}

func (r *streamRun) next(t *testing.T, ctx context.Context) crier.Comment {
	t.Helper()
	select {
	case c := <-r.comments:
		return c
	case err := <-r.done:
		t.Fatalf("the stream ended before a comment arrived: %v", err)
	case <-ctx.Done():
		t.Fatal("no comment arrived from the stream")
	}
	return crier.Comment{}
}

func (r *streamRun) end(t *testing.T, ctx context.Context) error {
	t.Helper()
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		t.Fatal("Stream did not return")
	}
	return nil
}

// waitForStream waits until the fake has n streams open.
func waitForStream(t *testing.T, srv *mastodontest.Server, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return srv.Streams() == n }, 5*time.Second, 2*time.Millisecond)
}

// syncBuffer is a log buffer safe for the stream's goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestStreamHandsRepliesAndMentionsToFnAsCommentsReadsThem(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	b := setup(t, func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	b.srv.SetHeartbeat(time.Millisecond) // heartbeats between every event
	ctx := testContext(t)
	post, err := b.net.Publish(ctx, publishReq("p", "Our launch post"))
	require.NoError(t, err)

	run := startStream(ctx, b.net)
	waitForStream(t, b.srv, 1)

	b.srv.SendEvent("notification", `{"id": "1", "type": "mention", "status": `) // cut off: skipped
	b.srv.SendEvent("update", `{"id":"5","content":"<p>home timeline</p>"}`)     // not a notification
	reply := b.srv.AddMention(mastodontest.Mention{From: "ana@example.social", Name: "Ana", Text: "@crier when does it ship?", InReplyTo: post.RemoteID})
	got := run.next(t, ctx)
	mention := b.srv.AddMention(mastodontest.Mention{From: "bob", Text: "@crier hello"})
	got2 := run.next(t, ctx)

	polled, _, err := b.net.Comments(ctx, "")
	require.NoError(t, err)
	require.Len(t, polled, 2)
	require.Equal(t, reply, got.RemoteID)
	require.Equal(t, polled[0], got, "the stream maps a notification as Comments does")
	require.Equal(t, "reply", got.Kind)
	require.Equal(t, post.RemoteID, got.ParentID)
	require.Equal(t, mention, got2.RemoteID)
	require.Equal(t, polled[1], got2)
	require.Equal(t, "mention", got2.Kind)
	require.Contains(t, logs.String(), "mastodon stream: event skipped")

	for _, r := range requestsTo(b.srv, http.MethodGet, "/api/v1/streaming") {
		require.Empty(t, r.Query.Get("access_token"), "the token goes in the Authorization header")
	}
	select {
	case err := <-run.done:
		t.Fatalf("the stream ended: %v", err)
	default:
	}
}

func TestStreamWithARevokedTokenIsAnAuthError(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *Options) { o.AccessToken = "revoked" })
	ctx := testContext(t)
	err := b.net.Stream(ctx, func(crier.Comment) { t.Error("no comment expected") })
	require.Error(t, err)
	require.True(t, crier.IsAuth(err), "%v", err)
	require.Contains(t, crier.ErrorMessage(err), "refused the access token")
	require.NotContains(t, err.Error(), "revoked\"")
}

func TestStreamReturnsAnErrorWhenTheStreamDrops(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := testContext(t)
	run := startStream(ctx, b.net)
	waitForStream(t, b.srv, 1)
	b.srv.DropStreams()
	err := run.end(t, ctx)
	require.Error(t, err)
	require.NoError(t, ctx.Err())
	require.False(t, errors.Is(err, context.Canceled))
	require.Contains(t, crier.ErrorMessage(err), "stream of notifications from Mastodon (social) dropped")
	require.Equal(t, crier.EUNAVAIL, crier.ErrorCode(err))
}

func TestStreamReturnsCtxErrWhenCtxEnds(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, cancel := context.WithCancel(testContext(t))
	run := startStream(ctx, b.net)
	waitForStream(t, b.srv, 1)
	cancel()
	err := run.end(t, testContext(t))
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, context.Canceled, err)
	waitForStream(t, b.srv, 0) // the connection was closed too
}

func TestStreamSilentPastItsHeartbeatsHasDropped(t *testing.T) {
	t.Parallel()
	clock := crier.NewManualClock(time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC))
	b := setup(t, func(o *Options) { o.Clock = clock })
	b.srv.SetHeartbeat(time.Hour) // a stream that went silent
	ctx := testContext(t)
	run := startStream(ctx, b.net)
	waitForStream(t, b.srv, 1)
	require.Eventually(t, func() bool { return clock.Waiters() > 0 }, 5*time.Second, 2*time.Millisecond)
	clock.Add(b.net.streamIdle + time.Second)
	err := run.end(t, ctx)
	require.Contains(t, crier.ErrorMessage(err), "dropped (nothing, not even a heartbeat")
}

func TestStreamUsesTheStreamingHostTheInstanceNames(t *testing.T) {
	t.Parallel()
	b := setup(t)
	streaming := b.srv.SeparateStreaming()
	u, err := url.Parse(streaming)
	require.NoError(t, err)
	ctx := testContext(t)
	run := startStream(ctx, b.net)
	waitForStream(t, b.srv, 1)
	id := b.srv.AddMention(mastodontest.Mention{From: "ana@example.social", Text: "@crier hi"})
	require.Equal(t, id, run.next(t, ctx).RemoteID)
	reqs := requestsTo(b.srv, http.MethodGet, "/api/v1/streaming")
	require.NotEmpty(t, reqs)
	for _, r := range reqs {
		require.Equal(t, u.Host, r.Host, "went to the API host, not configuration.urls.streaming")
	}
}

func TestStreamingURLFromTheInstance(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"wss://streaming.example.social":   "https://streaming.example.social",
		"ws://localhost:4000/":             "http://localhost:4000",
		"https://streaming.example.social": "https://streaming.example.social",
	} {
		u := streamingHTTPURL(raw)
		require.NotNil(t, u, raw)
		require.Equal(t, want, u.String())
	}
	for _, raw := range []string{"", "ftp://x", "wss://user:pw@host", "not a url", "wss://"} {
		require.Nil(t, streamingHTTPURL(raw), raw)
	}
}

func TestReadEventsFramesLikeServerSentEvents(t *testing.T) {
	t.Parallel()
	in := ":)\r\n:thump\nevent: notification\ndata: {\"a\":\ndata: 1}\n\nevent: delete\ndata:42\n\n" +
		"event: notification\ndata: " + strings.Repeat("x", maxEvent+10) + "\n\n"
	out := make(chan sseEvent, 16)
	require.NoError(t, readEvents(context.Background(), strings.NewReader(in), out))
	close(out)
	var got []sseEvent
	for ev := range out {
		got = append(got, ev)
	}
	require.Len(t, got, 5)
	require.True(t, got[0].heartbeat)
	require.True(t, got[1].heartbeat)
	require.Equal(t, "notification", got[2].name)
	require.Equal(t, "{\"a\":\n1}", string(got[2].data))
	require.Equal(t, sseEvent{name: "delete", data: []byte("42")}, got[3])
	require.True(t, got[4].tooLong)
	require.Empty(t, got[4].data)
}
