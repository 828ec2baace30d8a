package relay_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/bluesky"
	"github.com/crier-bot/crier/adapters/bluesky/blueskytest"
	"github.com/crier-bot/crier/internal/crier"
)

// Bad input for answering customers on Bluesky (issue 7): answers to
// comments deleted on the network, and answers after the post was deleted.
// The PDS stores a reply whatever its parent (the reference PDS validates a
// record against its lexicon only), and the AppView hides a reply whose
// parent is gone, so crier must find out before it writes.

// blueskyLoop is crier publishing to, reading and answering on a fake
// Bluesky PDS as "sky".
func blueskyLoop(t *testing.T) (*netLoop, *blueskytest.Server) {
	t.Helper()
	clock := crier.NewManualClock(start)
	srv := blueskytest.New()
	t.Cleanup(srv.Close)
	n, err := bluesky.New(bluesky.Options{Name: "sky", PDS: srv.URL, Handle: srv.Handle, AppPassword: srv.Password,
		HTTPClient: srv.Client(), Clock: clock, WritePoints: -1})
	require.NoError(t, err)
	return newNetLoop(t, clock, n), srv
}

// blueskyCommented publishes crier's post, has bo.test reply to it, and
// reads the reply into the post's thread; it returns the post, the
// comment's URI and the thread's header.
func blueskyCommented(t *testing.T, l *netLoop, srv *blueskytest.Server, text string) (blueskytest.Post, string, crier.MessageRef) {
	t.Helper()
	l.publish(t, "Launch day is here!")
	posts := srv.Posts()
	require.Len(t, posts, 1)
	post := posts[0]
	l.read(t) // the first read finds nothing yet
	comment := srv.AddNotification(blueskytest.Notification{Reason: "reply", AuthorHandle: "bo.test", AuthorName: "Bo Lind",
		Text: text, ReplyRoot: post.URI, ReplyParent: post.URI})
	l.read(t)
	header := l.chat.Find(t, "💬 Post #1 “Launch day is here!” is out")
	require.Len(t, l.inThread(header.Ref), 1, "the comment")
	return post, comment, header.Ref
}

// recordCalls counts the calls that read or write records: what a retried
// answer would repeat.
func recordCalls(srv *blueskytest.Server) int {
	return srv.Calls("com.atproto.repo.getRecord") + srv.Calls("com.atproto.repo.putRecord") +
		srv.Calls("com.atproto.repo.createRecord") + srv.Calls("com.atproto.repo.applyWrites")
}

// checkBlueskyAnswerFailedForGood checks that the one answer in header's
// thread ended failed after one attempt, that the thread says so in one
// plain line and nothing else, that nothing was written on the PDS, and
// that hours later crier has not tried again.
func checkBlueskyAnswerFailedForGood(t *testing.T, l *netLoop, srv *blueskytest.Server, header crier.MessageRef, before int) {
	t.Helper()
	thread := l.inThread(header)
	require.Len(t, thread, before+1, "one answer in the thread: %q", texts(thread))
	said := thread[len(thread)-1].Text
	require.True(t, strings.HasPrefix(said, "✗ Your answer was not sent to sky: "), said)
	require.NotContains(t, said, "\n", "one line")
	require.Contains(t, said, "deleted", "says why in plain words")
	for _, raw := range []string{"400", "HTTP", "RecordNotFound", "Could not locate", "at://"} {
		require.NotContains(t, said, raw, "no status or raw error for a person to decode")
	}
	require.Empty(t, thread[len(thread)-1].Buttons)

	rows := replyRows(t, l.db)
	require.Len(t, rows, 1)
	require.Equal(t, "failed", rows[0].Status, "the answer ends failed: %+v", rows[0])
	require.Equal(t, 1, rows[0].Attempts, "one attempt: a deleted comment does not come back")
	_, pending, err := l.db.NextReply(context.Background())
	require.NoError(t, err)
	require.False(t, pending, "nothing left to retry")
	require.Equal(t, 1, srv.Calls("com.atproto.repo.putRecord"), "only the post was written")
	require.Zero(t, srv.Calls("com.atproto.repo.createRecord"))
	for _, p := range srv.Posts() {
		require.Empty(t, p.ReplyParent, "no answer on the PDS: %s", p.Text)
	}

	// Hours later nothing is tried again, and the thread says nothing more.
	calls := recordCalls(srv)
	for range 6 {
		l.clock.Add(time.Hour)
		l.idle(t)
	}
	require.Equal(t, calls, recordCalls(srv), "crier does not try a failed answer again")
	require.Len(t, l.inThread(header), before+1, "%q", texts(l.inThread(header)))
}

func TestAnAnswerToABlueskyCommentDeletedMeanwhileFailsOnceWithOneLine(t *testing.T) {
	t.Parallel()
	l, srv := blueskyLoop(t)
	_, comment, header := blueskyCommented(t, l, srv, "This is a scam")

	// Bo deletes the reply before the team answers.
	require.True(t, srv.Delete(comment))
	l.answer(t, header, "Sorry to hear that, Bo. Can you tell us more?")
	checkBlueskyAnswerFailedForGood(t, l, srv, header, 1)
	require.Len(t, srv.Posts(), 1, "the post, and no orphan answer")
}

// After crier's post is deleted on Bluesky the replies under it stay (they
// live in their authors' repos), and the AppView still takes an answer to
// one as a valid reply (its parent is there, so invalidReplyRoot is false)
// and notifies the comment's author: the answer goes out, under the
// comment, as it does on Mastodon. When the comment is gone as well, the
// answer fails once, in one line.
func TestAnAnswerAfterTheBlueskyPostWasDeleted(t *testing.T) {
	t.Parallel()
	t.Run("the comment is still there: the answer goes out under it", func(t *testing.T) {
		t.Parallel()
		l, srv := blueskyLoop(t)
		post, comment, header := blueskyCommented(t, l, srv, "Why did you delete the launch post?")

		require.True(t, srv.Delete(post.URI))
		l.answer(t, header, "It had a typo; a new one is coming.")
		posts := srv.Posts()
		require.Len(t, posts, 1, "the answer, once; the thread says: %q", texts(l.inThread(header)))
		answer := posts[0]
		require.Equal(t, "It had a typo; a new one is coming.", answer.Text)
		require.Equal(t, comment, answer.ReplyParent, "under the comment")
		require.Equal(t, post.URI, answer.ReplyRoot, "in the thread of the deleted post")
		require.Contains(t, texts(l.inThread(header)), "✅ Sent to sky: "+answerURL(srv, answer))
		rows := replyRows(t, l.db)
		require.Len(t, rows, 1)
		require.Equal(t, "published", rows[0].Status)
	})
	t.Run("the comment is gone too: the answer fails once, in one line", func(t *testing.T) {
		t.Parallel()
		l, srv := blueskyLoop(t)
		post, comment, header := blueskyCommented(t, l, srv, "Wrong price!")

		require.True(t, srv.Delete(post.URI))
		require.True(t, srv.Delete(comment))
		l.answer(t, header, "Fixed, thanks!")
		checkBlueskyAnswerFailedForGood(t, l, srv, header, 1)
		require.Empty(t, srv.Posts(), "no orphan answer")
	})
}

// A comment that cannot be checked now (the AppView behind getRecord is
// down, or a PDS that does not pass getRecord on) does not hold the answer
// up: the refs kept when the comment was read are enough, and it goes out
// at once, under the comment.
func TestABlueskyAnswerGoesOutWhileTheCommentCannotBeChecked(t *testing.T) {
	t.Parallel()
	l, srv := blueskyLoop(t)
	post, comment, header := blueskyCommented(t, l, srv, "Where is my order?")

	srv.SetAppViewDown(true)
	l.answer(t, header, "It left the warehouse today.")
	rows := replyRows(t, l.db)
	require.Len(t, rows, 1)
	require.Equal(t, "published", rows[0].Status, "%+v; the thread says %q", rows[0], texts(l.inThread(header)))
	var answers []blueskytest.Post
	for _, p := range srv.Posts() {
		if p.URI != post.URI {
			answers = append(answers, p)
		}
	}
	require.Len(t, answers, 1)
	require.Equal(t, comment, answers[0].ReplyParent)
}
