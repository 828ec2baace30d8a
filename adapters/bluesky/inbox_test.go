package bluesky_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/bluesky/blueskytest"
	"github.com/crier-bot/crier/internal/crier"
)

func TestComments(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	post, err := b.net.Publish(ctx, request("p", "Launch day"))
	require.NoError(t, err)

	start := time.Now().UTC().Truncate(time.Millisecond)
	at := func(i int) time.Time { return start.Add(time.Duration(i) * time.Second) }
	// 60 comments, with likes and follows in between, which are not
	// comments.
	for i := range 60 {
		switch i % 3 {
		case 0:
			b.srv.AddNotification(blueskytest.Notification{Reason: "reply", AuthorHandle: "ana.test", AuthorName: "Ana",
				Text: fmt.Sprintf("comment %d", i), ReplyRoot: post.RemoteID, ReplyParent: post.RemoteID, IndexedAt: at(i)})
		case 1:
			b.srv.AddNotification(blueskytest.Notification{Reason: "mention", AuthorHandle: "bob.test",
				Text: fmt.Sprintf("comment %d @crier.test", i), IndexedAt: at(i)})
		case 2:
			b.srv.AddNotification(blueskytest.Notification{Reason: "quote", AuthorHandle: "cy.test",
				Text: fmt.Sprintf("comment %d", i), ReasonSubject: post.RemoteID, IndexedAt: at(i)})
		}
		b.srv.AddNotification(blueskytest.Notification{Reason: "like", AuthorHandle: "dee.test", ReasonSubject: post.RemoteID, IndexedAt: at(i).Add(time.Millisecond)})
	}

	comments, cursor, err := b.net.Comments(ctx, "")
	require.NoError(t, err)
	require.Len(t, comments, 50, "the first poll reads the latest page")
	require.Equal(t, "comment 10", comments[0].Text[:10], "oldest first")
	require.Equal(t, "comment 59", comments[49].Text)
	require.NotEmpty(t, cursor)

	reply := comments[2] // comment 12, a reply
	require.Equal(t, crier.Comment{
		Network: "bsky", RemoteID: reply.RemoteID,
		URL:          "https://bsky.app/profile/ana.test/post/" + reply.RemoteID[strings.LastIndex(reply.RemoteID, "/")+1:],
		Kind:         "reply",
		RootRemoteID: post.RemoteID, ParentID: post.RemoteID,
		AuthorID: b.srv.AddUser("ana.test"), AuthorHandle: "ana.test", AuthorName: "Ana",
		Text: "comment 12", CreatedAt: at(12), ReplyRef: reply.ReplyRef,
	}, reply)
	root, _ := b.srv.Post(post.RemoteID)
	self, _ := b.srv.Post(reply.RemoteID)
	require.JSONEq(t, `{"root":{"uri":"`+root.URI+`","cid":"`+root.CID+`"},"parent":{"uri":"`+self.URI+`","cid":"`+self.CID+`"}}`, reply.ReplyRef)
	require.True(t, strings.HasPrefix(reply.RemoteID, "at://"+b.srv.AddUser("ana.test")+"/app.bsky.feed.post/"))
	mention := comments[0] // comment 10
	require.Equal(t, "mention", mention.Kind)
	require.Empty(t, mention.ParentID)
	quote := comments[1] // comment 11
	require.Equal(t, "quote", quote.Kind)
	require.Equal(t, post.RemoteID, quote.RootRemoteID)

	comments, next, err := b.net.Comments(ctx, cursor)
	require.NoError(t, err)
	require.Empty(t, comments, "nothing new")
	require.Equal(t, cursor, next)

	// 70 new comments: two pages to read back to the cursor.
	for i := 60; i < 130; i++ {
		b.srv.AddNotification(blueskytest.Notification{Reason: "reply", AuthorHandle: "ana.test",
			Text: fmt.Sprintf("comment %d", i), ReplyRoot: post.RemoteID, ReplyParent: post.RemoteID, IndexedAt: at(i)})
	}
	calls := b.srv.Calls("app.bsky.notification.listNotifications")
	comments, next, err = b.net.Comments(ctx, cursor)
	require.NoError(t, err)
	require.Len(t, comments, 70)
	for i, c := range comments {
		require.Equal(t, fmt.Sprintf("comment %d", 60+i), c.Text)
	}
	// All 130 comments sort within the look-back window: three pages.
	require.Equal(t, calls+3, b.srv.Calls("app.bsky.notification.listNotifications"))
	comments, _, err = b.net.Comments(ctx, next)
	require.NoError(t, err)
	require.Empty(t, comments, "nothing new")
	require.Equal(t, []string{""}, proxyHeaders(b.srv), "the PDS picks the AppView")
}

func TestAppViewDownIsAnErrorNotAnEmptyResult(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	post, err := b.net.Publish(ctx, request("p", "Launch day"))
	require.NoError(t, err)
	b.srv.SetAppViewDown(true)

	check := func(t *testing.T, err error) {
		t.Helper()
		require.Error(t, err)
		require.Equal(t, crier.EUNAVAIL, crier.ErrorCode(err))
		require.False(t, crier.IsPermanent(err), "%v", err)
		require.False(t, crier.IsAuth(err), "%v", err)
	}
	comments, cursor, err := b.net.Comments(ctx, "2026-01-01T00:00:00.000Z")
	check(t, err)
	require.Nil(t, comments)
	require.Equal(t, "2026-01-01T00:00:00.000Z", cursor, "the cursor does not move")
	_, err = b.net.AccountStats(ctx)
	check(t, err)
	stats, err := b.net.PostStats(ctx, []string{post.RemoteID})
	check(t, err)
	require.Nil(t, stats)
	_, err = b.net.Verify(ctx)
	check(t, err)
}

func TestAReplyDoesNotNeedTheAppView(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	post, err := b.net.Publish(ctx, request("p", "Launch day"))
	require.NoError(t, err)
	first := b.srv.AddNotification(blueskytest.Notification{Reason: "reply", AuthorHandle: "ana.test",
		Text: "Congrats!", ReplyRoot: post.RemoteID, ReplyParent: post.RemoteID})
	b.srv.AddNotification(blueskytest.Notification{Reason: "reply", AuthorHandle: "bob.test",
		Text: "Agreed", ReplyRoot: post.RemoteID, ReplyParent: first})
	b.srv.AddNotification(blueskytest.Notification{Reason: "mention", AuthorHandle: "cy.test", Text: "hey @crier.test"})
	comments, _, err := b.net.Comments(ctx, "")
	require.NoError(t, err)
	require.Len(t, comments, 3)

	b.srv.SetAppViewDown(true)
	b.srv.SetGetRecordDown(true) // a kept ref needs no lookup at all
	for i, c := range comments {
		require.NotEmpty(t, c.ReplyRef, c.Text)
		req := request(fmt.Sprintf("r%d", i), "Thank you")
		req.InReplyTo, req.InReplyToRef = c.RemoteID, c.ReplyRef
		res, err := b.net.Reply(ctx, req)
		require.NoError(t, err, c.Text)
		got := storedRecord(t, b.srv, res.RemoteID).Reply
		require.NotNil(t, got)
		parent, ok := b.srv.Post(c.RemoteID)
		require.True(t, ok)
		require.Equal(t, c.RemoteID, got.Parent.URI)
		require.Equal(t, parent.CID, got.Parent.CID)
		root := post.RemoteID
		if c.Kind == "mention" {
			root = c.RemoteID // a mention starts its own thread
		}
		rootPost, ok := b.srv.Post(root)
		require.True(t, ok)
		require.Equal(t, root, got.Root.URI)
		require.Equal(t, rootPost.CID, got.Root.CID)
	}
	require.Zero(t, b.srv.Calls("app.bsky.feed.getPosts"))

	// Without a kept ref, the post is read from its repo: crier's own
	// post from the PDS, with the AppView still down.
	b.srv.SetGetRecordDown(false)
	req := request("own", "More to come")
	req.InReplyTo = post.RemoteID
	res, err := b.net.Reply(ctx, req)
	require.NoError(t, err)
	got := storedRecord(t, b.srv, res.RemoteID).Reply
	require.Equal(t, post.RemoteID, got.Parent.URI)
	require.Equal(t, post.RemoteID, got.Root.URI)
	// Another account's comment, through getRecord, never getPosts.
	b.srv.SetAppViewDown(false)
	req = request("no-ref", "Thanks again")
	req.InReplyTo = comments[1].RemoteID
	res, err = b.net.Reply(ctx, req)
	require.NoError(t, err)
	got = storedRecord(t, b.srv, res.RemoteID).Reply
	require.Equal(t, comments[1].RemoteID, got.Parent.URI)
	require.Equal(t, post.RemoteID, got.Root.URI)
	require.Zero(t, b.srv.Calls("app.bsky.feed.getPosts"))

	// A ref that does not belong to the comment answered is not used.
	req = request("wrong-ref", "Thanks once more")
	req.InReplyTo, req.InReplyToRef = comments[1].RemoteID, comments[0].ReplyRef
	res, err = b.net.Reply(ctx, req)
	require.NoError(t, err)
	require.Equal(t, comments[1].RemoteID, storedRecord(t, b.srv, res.RemoteID).Reply.Parent.URI)
}

func TestStats(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	var ids []string
	for i := range 30 {
		res, err := b.net.Publish(ctx, request(fmt.Sprintf("s%d", i), fmt.Sprintf("post %d", i)))
		require.NoError(t, err)
		ids = append(ids, res.RemoteID)
	}
	b.srv.SetProfileCounts(120, 80)
	b.srv.SetPostCounts(ids[0], 7, 2, 1)
	b.srv.SetPostCounts(ids[27], 3, 0, 0)
	b.srv.AddPost("ana.test", "nice", ids[27])
	b.srv.AddPost("bob.test", "very nice", ids[27])

	acc, err := b.net.AccountStats(ctx)
	require.NoError(t, err)
	require.Equal(t, crier.AccountStats{Followers: 120, Following: 80, Posts: 30}, acc)

	gone := "at://" + b.srv.DID + "/app.bsky.feed.post/3jzfcijpj2z2a"
	stats, err := b.net.PostStats(ctx, append(append([]string{"not-a-bluesky-id"}, ids...), gone))
	require.NoError(t, err)
	require.Len(t, stats, 30, "the missing post is left out")
	require.Equal(t, crier.PostStats{RemoteID: ids[0], Likes: 7, Reposts: 2, Quotes: 1}, stats[0])
	require.Equal(t, crier.PostStats{RemoteID: ids[27], Likes: 3, Replies: 2}, stats[27])
	require.Equal(t, 2, b.srv.Calls("app.bsky.feed.getPosts"), "25 posts per call")
}

func TestALateReplyIsReadOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	post, err := b.net.Publish(ctx, request("p", "Launch day"))
	require.NoError(t, err)
	start := time.Now().UTC().Truncate(time.Millisecond)
	reply := func(text string, indexed, created time.Time) {
		b.srv.AddNotification(blueskytest.Notification{Reason: "reply", AuthorHandle: "ana.test", Text: text,
			ReplyRoot: post.RemoteID, ReplyParent: post.RemoteID, IndexedAt: indexed, CreatedAt: created})
	}
	texts := func(cs []crier.Comment) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Text)
		}
		return out
	}
	reply("first", start, time.Time{})
	comments, cursor, err := b.net.Comments(ctx, "")
	require.NoError(t, err)
	require.Equal(t, []string{"first"}, texts(comments))

	// Indexed after the poll, but written by a clock five minutes slow:
	// the AppView sorts it at its createdAt, before the cursor.
	reply("late", start.Add(10*time.Second), start.Add(-5*time.Minute))
	reply("on time", start.Add(20*time.Second), time.Time{})
	comments, cursor, err = b.net.Comments(ctx, cursor)
	require.NoError(t, err)
	require.Equal(t, []string{"late", "on time"}, texts(comments))

	comments, cursor, err = b.net.Comments(ctx, cursor)
	require.NoError(t, err)
	require.Empty(t, comments, "each comment is returned once")

	reply("later still", start.Add(30*time.Second), start.Add(-2*time.Minute))
	comments, _, err = b.net.Comments(ctx, cursor)
	require.NoError(t, err)
	require.Equal(t, []string{"later still"}, texts(comments))
}
