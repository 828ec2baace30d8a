package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/internal/crier"
)

func ids(posts []*crier.Post) []int64 {
	var out []int64
	for _, p := range posts {
		out = append(out, p.ID)
	}
	return out
}

func TestQueuePageCountsEverythingAndPagesEachListOnItsOwn(t *testing.T) {
	t.Parallel()
	db, _ := mustOpen(t)
	ctx := context.Background()
	j := &jobs{}
	// Posts 1–26 are scheduled, the later the id the sooner; 27 is a draft;
	// 28 is cancelled and must not count.
	for i := range 26 {
		p := newPost(crier.PostScheduled)
		p.Text = fmt.Sprintf("post %d", i+1)
		p.DueAt = start.Add(time.Duration(26-i) * 24 * time.Hour)
		require.NoError(t, db.CreatePost(ctx, p, j))
	}
	require.NoError(t, db.CreatePost(ctx, newPost(crier.PostDraft), j))
	gone := newPost(crier.PostScheduled)
	require.NoError(t, db.CreatePost(ctx, gone, j))
	_, err := db.CancelPost(ctx, gone.ID)
	require.NoError(t, err)

	q, err := db.QueuePage(ctx, crier.QueueFilter{ScheduledLimit: 10, DraftLimit: 5})
	require.NoError(t, err)
	require.Equal(t, 26, q.ScheduledTotal)
	require.Equal(t, 1, q.DraftTotal)
	require.Equal(t, []int64{26, 25, 24, 23, 22, 21, 20, 19, 18, 17}, ids(q.Scheduled), "soonest first")
	require.Equal(t, []int64{27}, ids(q.Drafts), "the draft is on the first page")
	require.Len(t, q.Scheduled[0].Deliveries, 2)

	q, err = db.QueuePage(ctx, crier.QueueFilter{ScheduledOffset: 20, ScheduledLimit: 10, DraftOffset: 10, DraftLimit: 5})
	require.NoError(t, err)
	require.Equal(t, []int64{6, 5, 4, 3, 2, 1}, ids(q.Scheduled))
	require.Empty(t, q.Drafts)
	require.Equal(t, 26, q.ScheduledTotal)

	q, err = db.QueuePage(ctx, crier.QueueFilter{DueBefore: start.Add(7 * 24 * time.Hour), ScheduledLimit: 10, DraftLimit: 5})
	require.NoError(t, err)
	require.Equal(t, 6, q.ScheduledTotal, "due within the next 7 days")
	require.Equal(t, []int64{26, 25, 24, 23, 22, 21}, ids(q.Scheduled))
	require.Equal(t, 1, q.DraftTotal)
}
