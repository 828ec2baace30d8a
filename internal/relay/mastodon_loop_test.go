package relay_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/crier-bot/crier/adapters/mastodon"
	"github.com/crier-bot/crier/adapters/mastodon/mastodontest"
	"github.com/crier-bot/crier/adapters/sqlite"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/criertest"
	"github.com/crier-bot/crier/internal/jobs"
	"github.com/crier-bot/crier/internal/publish"
	"github.com/crier-bot/crier/internal/relay"
)

// netLoop is crier with one social network adapter against its fake:
// publishing and the relay on a manual clock, and a fake chat whose inbox
// channel is inboxChannel. The relay's read loops are not started unless a
// test calls startReading, so a test reads the network when it says so.
// (Shared by mastodon_loop_test.go, bluesky_loop_test.go and
// webhook_loop_test.go.)
type netLoop struct {
	clock *crier.ManualClock
	db    *sqlite.DB
	chat  *criertest.Chat
	pub   *publish.Service
	relay *relay.Service
	net   crier.Network
	asked atomic.Int64 // numbers the teammates' thread messages
}

func newNetLoop(t *testing.T, clock *crier.ManualClock, n crier.Network) *netLoop {
	t.Helper()
	ctx := context.Background()
	l := &netLoop{clock: clock, chat: &criertest.Chat{}, net: n}
	var err error
	l.db, err = sqlite.Open(ctx, filepath.Join(t.TempDir(), "crier.db"), clock)
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.db.Close() })
	engine, err := jobs.New(ctx, jobs.Options{DB: l.db.SQL(), Clock: clock})
	require.NoError(t, err)
	// As cmd/crier wires them: a published post opens its comment thread.
	l.pub, err = publish.New(ctx, publish.Options{Jobs: engine, Store: l.db, Networks: []crier.Network{n}, Chat: l.chat, Clock: clock,
		OnPublished: func(ctx context.Context, p *crier.Post, target string, res crier.PublishResult) {
			if l.relay != nil {
				l.relay.OpenThread(ctx, p, target, res)
			}
		}})
	require.NoError(t, err)
	l.relay, err = relay.New(relay.Options{
		Jobs: engine, Store: l.db, Networks: []crier.Network{n}, Chat: l.chat,
		Channel:      func(string) crier.ChannelRef { return inboxChannel },
		MayReply:     func(r crier.ThreadReply) bool { return r.UserID == "ana" },
		Installation: l.db.Installation(), Poll: 30 * time.Second, Clock: clock,
	})
	require.NoError(t, err)
	require.NoError(t, l.pub.Start(ctx))
	t.Cleanup(func() {
		l.relay.Stop()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = l.pub.Stop(sctx)
	})
	return l
}

// startReading starts the relay's poll (and stream) loops.
func (l *netLoop) startReading(t *testing.T) {
	t.Helper()
	require.NoError(t, l.relay.Start(context.Background()))
}

func (l *netLoop) idle(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(t, l.pub.WaitIdle(ctx))
	require.NoError(t, l.relay.WaitIdle(ctx))
}

// publish schedules a post due now and waits until it is out.
func (l *netLoop) publish(t *testing.T, text string) *crier.Post {
	t.Helper()
	p := &crier.Post{Text: text, DueAt: l.clock.Now(), AuthorID: "ana", AuthorName: "ana", Origin: crier.ChannelRef{Platform: "shell", ID: "general"}}
	_, err := l.pub.Schedule(context.Background(), p)
	require.NoError(t, err)
	l.idle(t)
	return p
}

// read reads the network once, as the poll loop does, and waits until
// what it read is relayed.
func (l *netLoop) read(t *testing.T) {
	t.Helper()
	in, ok := l.net.(crier.Inbox)
	require.True(t, ok, "%s has no inbox", l.net.Name())
	require.NoError(t, l.relay.ReadOnce(context.Background(), l.net.Name(), in))
	l.idle(t)
}

// inThread returns the messages posted in the thread of message ref.
func (l *netLoop) inThread(ref crier.MessageRef) []criertest.Posted {
	var out []criertest.Posted
	for _, m := range l.chat.Messages() {
		if m.Channel.Thread == ref.ID && m.Channel.ID == ref.Channel {
			out = append(out, m)
		}
	}
	return out
}

// answer is a teammate with the replier role typing text in the thread of
// header, and crier publishing what it queued.
func (l *netLoop) answer(t *testing.T, header crier.MessageRef, text string) {
	t.Helper()
	l.chat.Reply(context.Background(), crier.ThreadReply{
		Platform: header.Platform, Channel: header.Channel, Thread: header.ID,
		MessageID: fmt.Sprintf("typed-%d", l.asked.Add(1)), UserID: "ana", Text: text,
	})
	l.idle(t)
	l.idle(t) // a second run of the queues must publish nothing more
}

// mastodonLoop is crier publishing to, reading and answering on a fake
// Mastodon instance as "masto".
func mastodonLoop(t *testing.T) (*netLoop, *mastodontest.Server) {
	t.Helper()
	clock := crier.NewManualClock(start)
	srv := mastodontest.New()
	t.Cleanup(srv.Close)
	srv.SetClock(clock)
	n, err := mastodon.New(mastodon.Options{Name: "masto", Server: srv.URL, AccessToken: srv.Token,
		HTTPClient: &http.Client{Transport: srv.Client().Transport}, Clock: clock, Limiter: rate.NewLimiter(rate.Inf, 0)})
	require.NoError(t, err)
	return newNetLoop(t, clock, n), srv
}

// checkMastodonAnswer checks that the fake holds exactly the post and one
// answer to comment, from crier, with the author's @acct in front.
func checkMastodonAnswer(t *testing.T, l *netLoop, srv *mastodontest.Server, header crier.MessageRef, comment, acct, text string) {
	t.Helper()
	sts := srv.Statuses()
	require.Len(t, sts, 2, "the post and one answer: the answer is published once")
	reply := sts[1]
	require.Equal(t, comment, reply.InReplyToID, "the answer answers the comment, not the post")
	require.Equal(t, "@"+acct+" "+text, reply.Text, "the author's @acct comes first")
	require.Equal(t, mastodontest.BotAccount, reply.Account)
	require.Regexp(t, `^crier-[0-9a-f]+-reply-1$`, reply.IdempotencyKey)
	require.Equal(t, 1, srv.CreatesByKey()[reply.IdempotencyKey])
	require.Contains(t, texts(l.inThread(header)), "✅ Sent to masto: "+reply.URL)
}

func TestAMastodonReplyComesToItsPostsThreadAndTheAnswerGoesBack(t *testing.T) {
	t.Parallel()
	l, srv := mastodonLoop(t)
	p := l.publish(t, "Launch day is here!")
	sts := srv.Statuses()
	require.Len(t, sts, 1)
	post := sts[0]

	comment := srv.AddMention(mastodontest.Mention{From: "bo@example.social", Name: "Bo Lind",
		Text: "@crier Love it, but the link is broken", InReplyTo: post.ID})
	l.read(t)

	header := l.chat.Find(t, "💬 Post #1 “Launch day is here!” is out")
	require.Equal(t, inboxChannel, header.Channel, "the thread starts in the inbox channel")
	require.Equal(t, []string{post.URL}, header.Lines, "with the post on Mastodon")
	thread := l.inThread(header.Ref)
	require.Len(t, thread, 1)
	require.Contains(t, thread[0].Text, "Bo Lind (@bo@example.social) on masto, ")
	require.Contains(t, thread[0].Text, ": @crier Love it, but the link is broken")
	require.Contains(t, thread[0].Lines, "https://example.social/@bo/"+comment, "a link to the comment")
	vs, err := l.relay.Conversations(context.Background(), crier.InboxFilter{})
	require.NoError(t, err)
	require.Len(t, vs, 1)
	require.Equal(t, p.ID, vs[0].PostID, "the comment is filed under crier's post")

	l.answer(t, header.Ref, "Thanks Bo! Fixed now.")
	checkMastodonAnswer(t, l, srv, header.Ref, comment, "bo@example.social", "Thanks Bo! Fixed now.")

	// Read again: nothing new reaches the thread.
	l.read(t)
	require.Len(t, l.inThread(header.Ref), 2, "the comment and crier's ✅; nothing relayed twice")
}

func TestAMastodonReplyStreamedComesToItsThreadAndTheAnswerGoesBack(t *testing.T) {
	t.Parallel()
	l, srv := mastodonLoop(t)
	l.publish(t, "Launch day is here!")
	post := srv.Statuses()[0]
	l.startReading(t)
	require.Eventually(t, func() bool { return srv.Streams() == 1 }, 10*time.Second, 5*time.Millisecond, "the relay opens the stream")
	// The poll loop reads once as it starts, alongside the stream: counted
	// once it has, so that read is not taken for one that brought the
	// comment.
	require.Eventually(t, func() bool { return len(notificationReads(srv)) >= 1 }, 10*time.Second, 5*time.Millisecond, "the first poll")
	polls := len(notificationReads(srv))

	// Pushed on the stream: it reaches the thread with no poll (the clock
	// does not move, so the poll loop sleeps).
	comment := srv.AddMention(mastodontest.Mention{From: "bo@example.social", Name: "Bo Lind",
		Text: "@crier When does it ship?", InReplyTo: post.ID})
	require.Eventually(t, func() bool {
		for _, m := range l.chat.Messages() {
			if strings.HasPrefix(m.Text, "Bo Lind (@bo@example.social) on masto") {
				return true
			}
		}
		return false
	}, 10*time.Second, 5*time.Millisecond, "the streamed comment is relayed")
	l.idle(t)
	require.Len(t, notificationReads(srv), polls, "the stream, not a poll, brought it")

	header := l.chat.Find(t, "💬 Post #1 “Launch day is here!” is out")
	thread := l.inThread(header.Ref)
	require.Len(t, thread, 1)
	require.Contains(t, thread[0].Text, ": @crier When does it ship?")

	l.answer(t, header.Ref, "Friday!")
	checkMastodonAnswer(t, l, srv, header.Ref, comment, "bo@example.social", "Friday!")

	// The next poll reads the same comment from the notifications: it is
	// not relayed again.
	l.read(t)
	require.Len(t, l.inThread(header.Ref), 2, "the comment once, and crier's ✅")
}

// notificationReads returns the fake's GET /api/v1/notifications requests.
func notificationReads(srv *mastodontest.Server) []mastodontest.Request {
	var out []mastodontest.Request
	for _, r := range srv.Requests() {
		if r.Method == http.MethodGet && r.Path == "/api/v1/notifications" {
			out = append(out, r)
		}
	}
	return out
}
