package sqlite_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/internal/crier"
)

func newEvergreenSeries() *crier.Series {
	s := newSeries()
	s.Evergreen = true
	s.Template.Text = ""
	return s
}

// The rotation moves only with an occurrence made, in its transaction: a
// series refused (none marked, or cancelled meanwhile) leaves it as it was.
func TestEvergreenRotationMovesOnlyWithAnOccurrence(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := mustOpen(t)

	err := db.AddSeries(ctx, newEvergreenSeries(), occurrences(2), &jobs{})
	require.Equal(t, crier.ENOTFOUND, crier.ErrorCode(err), "none marked: no series")
	active, err := db.ActiveSeries(ctx)
	require.NoError(t, err)
	require.Empty(t, active)

	held := newPost(crier.PostScheduled)
	held.Text, held.Approval = "held", crier.ApprovalAwaiting
	orig := newPost(crier.PostScheduled)
	orig.Text = "evergreen"
	for _, p := range []*crier.Post{held, orig} {
		require.NoError(t, db.CreatePost(ctx, p, &jobs{}))
		_, err := db.MarkEvergreen(ctx, p.ID, true, "U1")
		require.NoError(t, err)
	}

	s, posts := newEvergreenSeries(), occurrences(2)
	require.NoError(t, db.AddSeries(ctx, s, posts, &jobs{}))
	require.Equal(t, "evergreen", posts[0].Text, "a post waiting for approval is passed over")
	require.Equal(t, "evergreen", posts[1].Text)
	got, err := db.FindSeries(ctx, s.ID)
	require.NoError(t, err)
	require.True(t, got.Evergreen)

	_, _, err = db.CancelSeries(ctx, s.ID, start)
	require.NoError(t, err)
	err = db.AddOccurrences(ctx, s.ID, s.Made, occurrences(1), false, &jobs{})
	require.Equal(t, crier.ECONFLICT, crier.ErrorCode(err))
	list, err := db.EvergreenPosts(ctx)
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, held.ID, list[0].Post.ID, "never re-posted: first")
	require.Equal(t, "awaiting approval", list[0].Skipped())
	require.Equal(t, 2, list[1].Reposts, "the refused occurrence did not move the rotation")
	require.Equal(t, posts[1].ID, list[1].LastRepostID)
}
