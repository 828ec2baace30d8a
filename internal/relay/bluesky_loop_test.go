package relay_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/bluesky"
	"github.com/crier-bot/crier/adapters/bluesky/blueskytest"
	"github.com/crier-bot/crier/internal/crier"
)

// echoOwn is a transport in front of the fake PDS that adds crier's own
// posts, once set, at the top of every listNotifications page (newest
// first, with the view the AppView gives a notification), as a feed that
// returns the account's own posts would. The AppView does not notify an
// account of its own posts; crier must still never take one for a
// customer's comment should it come back.
type echoOwn struct {
	next http.RoundTripper
	srv  *blueskytest.Server

	mu   sync.Mutex
	uris []string
}

func (e *echoOwn) echo(uri string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.uris = append(e.uris, uri)
}

func (e *echoOwn) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := e.next.RoundTrip(r)
	if err != nil || resp.StatusCode != http.StatusOK || !strings.HasSuffix(r.URL.Path, "/app.bsky.notification.listNotifications") ||
		r.URL.Query().Get("cursor") != "" {
		return resp, err
	}
	e.mu.Lock()
	uris := append([]string(nil), e.uris...)
	e.mu.Unlock()
	if len(uris) == 0 {
		return resp, nil
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var page map[string]json.RawMessage
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, err
	}
	var notes []json.RawMessage
	if err := json.Unmarshal(page["notifications"], &notes); err != nil {
		return nil, err
	}
	var own []json.RawMessage
	for i := len(uris) - 1; i >= 0; i-- {
		p, ok := e.srv.Post(uris[i])
		if !ok {
			continue
		}
		item, err := json.Marshal(map[string]any{
			"uri": p.URI, "cid": p.CID,
			"author":    map[string]any{"did": e.srv.DID, "handle": e.srv.Handle, "displayName": "Crier", "labels": []any{}},
			"reason":    "reply",
			"record":    p.Record,
			"isRead":    false,
			"indexedAt": p.IndexedAt.UTC().Format("2006-01-02T15:04:05.000Z"),
			"labels":    []any{},
		})
		if err != nil {
			return nil, err
		}
		own = append(own, item)
	}
	page["notifications"], err = json.Marshal(append(own, notes...))
	if err != nil {
		return nil, err
	}
	body, err = json.Marshal(page)
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// appViewCalls counts the app.bsky.* calls the fake PDS received (each
// would be proxied to the AppView).
func appViewCalls(srv *blueskytest.Server) int {
	n := 0
	for _, c := range srv.ProxyHeaders() {
		n += c
	}
	return n
}

// strongRefs is the reply of a post record as stored.
type strongRefs struct {
	Reply *struct {
		Root   struct{ URI, CID string } `json:"root"`
		Parent struct{ URI, CID string } `json:"parent"`
	} `json:"reply"`
}

func TestABlueskyReplyComesToItsPostsThreadAndTheAnswerThreadsUnderIt(t *testing.T) {
	t.Parallel()
	clock := crier.NewManualClock(start)
	srv := blueskytest.New()
	t.Cleanup(srv.Close)
	echo := &echoOwn{next: srv.Client().Transport, srv: srv}
	n, err := bluesky.New(bluesky.Options{Name: "sky", PDS: srv.URL, Handle: srv.Handle, AppPassword: srv.Password,
		HTTPClient: &http.Client{Transport: echo}, Clock: clock, WritePoints: -1})
	require.NoError(t, err)
	l := newNetLoop(t, clock, n)

	p := l.publish(t, "Launch day is here!")
	posts := srv.Posts()
	require.Len(t, posts, 1)
	post := posts[0]
	require.Equal(t, srv.DID, post.AuthorDID)
	header := l.chat.Find(t, "💬 Post #1 “Launch day is here!” is out")

	// The first read finds nothing yet; later reads go on from its cursor.
	l.read(t)
	// Another account replies to the post; the AppView notifies crier.
	comment := srv.AddNotification(blueskytest.Notification{Reason: "reply", AuthorHandle: "bo.test", AuthorName: "Bo Lind",
		Text: "Love it, but the link is broken", ReplyRoot: post.URI, ReplyParent: post.URI})
	l.read(t)

	thread := l.inThread(header.Ref)
	require.Len(t, thread, 1, "the reply is relayed into the post's thread")
	require.Contains(t, thread[0].Text, "Bo Lind (bo.test) on sky, ")
	require.Contains(t, thread[0].Text, ": Love it, but the link is broken")
	vs, err := l.relay.Conversations(t.Context(), crier.InboxFilter{})
	require.NoError(t, err)
	require.Len(t, vs, 1)
	require.Equal(t, p.ID, vs[0].PostID, "the reply is filed under crier's post")

	before := appViewCalls(srv)
	l.answer(t, header.Ref, "Thanks Bo! Fixed now.")
	require.Equal(t, before, appViewCalls(srv), "the answer needs no AppView call: its refs were kept with the comment")

	var answers []blueskytest.Post
	for _, q := range srv.Posts() {
		if q.AuthorDID == srv.DID && q.URI != post.URI {
			answers = append(answers, q)
		}
	}
	require.Len(t, answers, 1, "one answer, published once; the thread says: %q", texts(l.inThread(header.Ref)))
	answer := answers[0]
	require.Equal(t, "Thanks Bo! Fixed now.", answer.Text)
	require.Equal(t, post.URI, answer.ReplyRoot, "the thread's root is crier's post")
	require.Equal(t, comment, answer.ReplyParent, "the answer answers the comment")
	var rec strongRefs
	require.NoError(t, json.Unmarshal(answer.Record, &rec))
	require.NotNil(t, rec.Reply)
	cm, ok := srv.Post(comment)
	require.True(t, ok)
	require.Equal(t, post.CID, rec.Reply.Root.CID, "the root ref names the post's version")
	require.Equal(t, cm.CID, rec.Reply.Parent.CID, "the parent ref names the comment's version")
	require.Len(t, srv.CreatesByKey(), 2, "the post and the answer, each at its own record key")
	for rkey, c := range srv.CreatesByKey() {
		require.Equal(t, 1, c, "record %s written once", rkey)
	}

	// crier's own answer comes back in the next page of notifications: it
	// is not a customer's comment.
	echo.echo(answer.URI)
	l.read(t)
	got := texts(l.inThread(header.Ref))
	for _, m := range got {
		require.NotContains(t, m, "Crier (crier.test) on sky", "crier's own answer is not relayed as a comment")
	}
	require.Len(t, got, 2, "the comment and crier's ✅: %q", got)
	require.Contains(t, got, "✅ Sent to sky: "+answerURL(srv, answer))
	vs, err = l.relay.Conversations(t.Context(), crier.InboxFilter{})
	require.NoError(t, err)
	require.Equal(t, crier.ConversationWaiting, vs[0].Status, "answered; crier's own post does not reopen it")
	require.Equal(t, 1, vs[0].Comments)
}

// answerURL is the bsky.app link of a post of crier's.
func answerURL(srv *blueskytest.Server, p blueskytest.Post) string {
	return "https://bsky.app/profile/" + srv.Handle + "/post/" + p.Rkey
}
