package bluesky_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/bluesky/blueskytest"
	"github.com/crier-bot/crier/internal/crier"
)

// commented publishes crier's post and returns it with a customer's reply
// to it, as the inbox read it (with its kept reply ref).
func commented(t *testing.T, b testBundle) (crier.PublishResult, crier.Comment) {
	t.Helper()
	ctx := context.Background()
	post, err := b.net.Publish(ctx, request("p", "Launch day"))
	require.NoError(t, err)
	b.srv.AddNotification(blueskytest.Notification{Reason: "reply", AuthorHandle: "ana.test", AuthorName: "Ana",
		Text: "This is a scam", ReplyRoot: post.RemoteID, ReplyParent: post.RemoteID})
	comments, _, err := b.net.Comments(ctx, "")
	require.NoError(t, err)
	require.Len(t, comments, 1)
	require.NotEmpty(t, comments[0].ReplyRef)
	return post, comments[0]
}

func answerTo(c crier.Comment, key, text string) crier.PublishRequest {
	req := request(key, text)
	req.InReplyTo, req.InReplyToRef = c.RemoteID, c.ReplyRef
	return req
}

// writes counts the calls that write a record.
func writes(srv *blueskytest.Server) int {
	return srv.Calls("com.atproto.repo.putRecord") + srv.Calls("com.atproto.repo.createRecord") +
		srv.Calls("com.atproto.repo.applyWrites")
}

// The PDS stores a reply whose parent is gone (it validates the lexicon
// only) and the AppView then hides it: crier must look before it writes.
func TestAnAnswerToSomethingDeletedOnBlueskyIsRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("a comment deleted since it was read is refused in one plain line, with nothing written", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, c := commented(t, b)
		require.True(t, b.srv.Delete(c.RemoteID))
		before := writes(b.srv)

		_, err := b.net.Reply(ctx, answerTo(c, "a", "Sorry to hear that, Ana."))
		require.True(t, crier.IsPermanent(err), "%v", err)
		require.False(t, crier.IsUnclear(err), "%v", err)
		require.Equal(t, crier.EPERMANENT, crier.ErrorCode(err))
		require.Equal(t, "The comment was deleted on Bluesky, so there is nothing to answer.", crier.ErrorMessage(err))
		require.Equal(t, before, writes(b.srv), "no record written")
		require.Len(t, b.srv.Posts(), 1, "only the post")
		require.Zero(t, b.srv.Calls("app.bsky.feed.getPosts"), "the parent is read with getRecord")
	})
	t.Run("without a kept ref the answer is refused the same way", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, c := commented(t, b)
		b.srv.Delete(c.RemoteID)
		req := answerTo(c, "a", "Sorry to hear that, Ana.")
		req.InReplyToRef = ""
		_, err := b.net.Reply(ctx, req)
		require.True(t, crier.IsPermanent(err), "%v", err)
		require.Equal(t, "The comment was deleted on Bluesky, so there is nothing to answer.", crier.ErrorMessage(err))
		require.Len(t, b.srv.Posts(), 1)
	})
	t.Run("an answer to crier's own post that was deleted says the post was", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		post, err := b.net.Publish(ctx, request("p", "Launch day"))
		require.NoError(t, err)
		b.srv.Delete(post.RemoteID)
		before := writes(b.srv)
		req := request("a", "More to come")
		req.InReplyTo = post.RemoteID
		_, err = b.net.Reply(ctx, req)
		require.True(t, crier.IsPermanent(err), "%v", err)
		require.Equal(t, "The post was deleted on Bluesky, so there is nothing to answer.", crier.ErrorMessage(err))
		require.Equal(t, before, writes(b.srv))
		require.Empty(t, b.srv.Posts())
	})
	t.Run("a comment whose account is gone is refused", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		req := request("a", "Hello?")
		req.InReplyTo = "at://did:plc:nobody/app.bsky.feed.post/3jzfcijpj2z2a"
		_, err := b.net.Reply(ctx, req)
		require.True(t, crier.IsPermanent(err), "%v", err)
		require.Equal(t, "The account that wrote the comment is no longer on Bluesky, so there is nothing to answer.", crier.ErrorMessage(err))
		require.Zero(t, writes(b.srv))
	})
	t.Run("the comment still there after the post was deleted gets the answer", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		post, c := commented(t, b)
		b.srv.Delete(post.RemoteID)
		res, err := b.net.Reply(ctx, answerTo(c, "a", "It had a typo; a new one is coming."))
		require.NoError(t, err)
		rec := storedRecord(t, b.srv, res.RemoteID)
		require.Equal(t, c.RemoteID, rec.Reply.Parent.URI)
		require.Equal(t, post.RemoteID, rec.Reply.Root.URI, "the thread's root stays the deleted post, as in the app")
	})
}

// A parent that cannot be read now (getRecord answers 500, or the AppView
// behind it is down) does not hold an answer up when the refs kept with the
// comment are there; without them the attempt fails, to be retried, with
// nothing written.
func TestAParentThatCannotBeReadNowDoesNotHoldTheAnswerUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name string
		down func(*blueskytest.Server, bool)
	}{
		{"getRecord answers 500", (*blueskytest.Server).SetGetRecordDown},
		{"the AppView behind getRecord is down", (*blueskytest.Server).SetAppViewDown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			post, c := commented(t, b)
			tt.down(b.srv, true)

			noRef := answerTo(c, "b", "Thanks Ana")
			noRef.InReplyToRef = ""
			before := writes(b.srv)
			_, err := b.net.Reply(ctx, noRef)
			require.Error(t, err, "without kept refs the comment must be read")
			require.False(t, crier.IsPermanent(err), "%v", err)
			require.False(t, crier.IsUnclear(err), "nothing was written: %v", err)
			require.Equal(t, before, writes(b.srv), "no record written")

			res, err := b.net.Reply(ctx, answerTo(c, "a", "Thanks Ana"))
			require.NoError(t, err, "the kept refs are enough")
			rec := storedRecord(t, b.srv, res.RemoteID)
			require.Equal(t, c.RemoteID, rec.Reply.Parent.URI)
			require.Equal(t, post.RemoteID, rec.Reply.Root.URI)
			require.Len(t, b.srv.Posts(), 2)
		})
	}
}

// An answer whose first putRecord had no clear answer may be out already;
// when its parent is deleted before the retry, the retry finds the answer
// at its record key instead of refusing it.
func TestARetryAfterAnUnclearAnswerFindsItEvenWhenTheCommentWasDeletedSince(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	_, c := commented(t, b)
	b.srv.SetFaults(onlyFault(blueskytest.FaultHangAfterStore))
	_, err := b.net.Reply(ctxTimeout(t, 300*time.Millisecond), answerTo(c, "a", "Thanks Ana"))
	require.True(t, crier.IsUnclear(err), "%v", err)
	b.srv.SetFaults(blueskytest.Faults{})
	require.Len(t, b.srv.Posts(), 2, "the answer was stored")
	answer := b.srv.Posts()[1]

	b.srv.Delete(c.RemoteID)
	before := writes(b.srv)
	res, err := b.net.Reply(ctx, answerTo(c, "a", "Thanks Ana"))
	require.NoError(t, err)
	require.Equal(t, answer.URI, res.RemoteID)
	require.Equal(t, before, writes(b.srv), "found, not written again")
	require.Len(t, b.srv.Posts(), 2)
}
