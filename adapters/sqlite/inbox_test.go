package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/internal/crier"
)

func TestCommentsAreStoredOnceAndCriersOwnAreNot(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, clock := openWithClock(t)
	p := newPost(crier.PostScheduled)
	p.Targets = []string{"sandbox"}
	require.NoError(t, db.CreatePost(ctx, p, &jobs{}))
	cs := claim(t, db, p.DueAt)
	end(t, db, crier.DeliveryEnd{ID: cs[0].Delivery.ID, Status: crier.DeliveryPublished, Result: crier.PublishResult{RemoteID: "1"}}, &jobs{})

	at := start.Add(2 * time.Hour)
	comments := []crier.Comment{
		{RemoteID: "c1", RootRemoteID: "1", ParentID: "1", AuthorHandle: "bo", Text: "first", CreatedAt: at.AddDate(1, 0, 0)},
		{RemoteID: "c2", RootRemoteID: "1", ParentID: "c1", AuthorHandle: "cy", Text: "second", CreatedAt: at.Add(time.Minute)},
		{RemoteID: "1", Text: "crier's own post, read back"},
	}
	added, err := db.AddComments(ctx, "sandbox", comments, "cursor-1", nil)
	require.NoError(t, err)
	require.Len(t, added, 2, "crier's own post is not a comment")
	again, err := db.AddComments(ctx, "sandbox", comments[:2], "cursor-2", nil)
	require.NoError(t, err)
	require.Empty(t, again, "each comment once")
	cursor, err := db.InboxCursor(ctx, "sandbox")
	require.NoError(t, err)
	require.Equal(t, "cursor-2", cursor)
	require.Equal(t, added[0].ConversationID, added[1].ConversationID, "one conversation under the post")
	v, latest, err := db.Conversation(ctx, added[0].ConversationID)
	require.NoError(t, err)
	require.Equal(t, p.ID, v.PostID)
	require.Nil(t, latest, "nothing relayed yet: nothing the team has seen to answer")

	// A crash while relaying: the comments keep their place in line.
	first, err := db.ClaimComments(ctx, 1)
	require.NoError(t, err)
	require.Equal(t, "c1", first[0].Comment.RemoteID)
	require.True(t, first[0].TriedSince.IsZero(), "the first attempt: nothing to look for")
	claimedAt := clock.Now()
	clock.Add(time.Minute) // crier starts again a minute later
	n, err := db.RecoverComments(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	next, err := db.ClaimComments(ctx, 1)
	require.NoError(t, err)
	require.Equal(t, "c1", next[0].Comment.RemoteID, "the interrupted comment is still first in line")
	require.True(t, claimedAt.Equal(next[0].TriedSince), "the relay looks for the message since the first attempt: %v", next[0].TriedSince)

	// The thread: the first attempt to open it, then one after it.
	since, err := db.StartThread(ctx, v.ID)
	require.NoError(t, err)
	require.True(t, since.IsZero())
	clock.Add(time.Minute)
	since, err = db.StartThread(ctx, v.ID)
	require.NoError(t, err)
	require.True(t, claimedAt.Add(time.Minute).Equal(since), "since the first attempt: %v", since)

	// The latest comment is the latest relayed, whatever time its author's
	// client claims: c1 says it was written next year.
	rest, err := db.ClaimComments(ctx, 1)
	require.NoError(t, err)
	msg := crier.MessageRef{Platform: "shell", Channel: "inbox", ID: "9"}
	require.NoError(t, db.CommentRelayed(ctx, rest[0].Comment.ID, crier.MessageRef{}, msg, time.Time{}, false))
	require.NoError(t, db.CommentRelayed(ctx, next[0].Comment.ID, crier.MessageRef{}, msg, time.Time{}, false))
	_, latest, err = db.Conversation(ctx, added[0].ConversationID)
	require.NoError(t, err)
	require.Equal(t, "c2", latest.RemoteID)

	// A customer answering crier's reply stays in the conversation, though
	// the network names only the parent (Mastodon).
	more, err := db.AddComments(ctx, "sandbox", []crier.Comment{{RemoteID: "c3", ParentID: "c2", Text: "thanks"}}, "cursor-3", nil)
	require.NoError(t, err)
	require.Equal(t, added[0].ConversationID, more[0].ConversationID)

	latest2, err := db.ConversationComments(ctx, added[0].ConversationID, 2)
	require.NoError(t, err)
	require.Equal(t, []string{"c2", "c3"}, []string{latest2[0].RemoteID, latest2[1].RemoteID}, "the latest two, oldest first")
}
