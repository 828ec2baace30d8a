package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/internal/crier"
)

// occurrences returns n scheduled posts a day apart, the first an hour
// after start.
func occurrences(n int) []*crier.Post {
	var out []*crier.Post
	for i := range n {
		p := newPost(crier.PostScheduled)
		p.DueAt = start.Add(time.Hour + time.Duration(i)*24*time.Hour)
		out = append(out, p)
	}
	return out
}

func newSeries() *crier.Series {
	return &crier.Series{Rule: "DTSTART=20261123T090000Z;FREQ=DAILY;INTERVAL=1;BYHOUR=9;BYMINUTE=0", Timezone: "Europe/Lisbon",
		Template: *newPost(crier.PostScheduled)}
}

func TestSeriesIsStoredWithItsFirstOccurrencesEachItsOwnPost(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := mustOpen(t)
	s, posts := newSeries(), occurrences(3)
	require.NoError(t, db.AddSeries(ctx, s, posts, &jobs{}))
	require.NotZero(t, s.ID)

	keys := map[string]bool{}
	for i, p := range posts {
		require.NotZero(t, p.ID)
		require.Len(t, p.Deliveries, 2)
		for _, dl := range p.Deliveries {
			require.False(t, keys[dl.IdempotencyKey], "every occurrence has keys of its own")
			keys[dl.IdempotencyKey] = true
		}
		got, no, err := db.SeriesOf(ctx, p.ID)
		require.NoError(t, err)
		require.Equal(t, s.ID, got.ID)
		require.Equal(t, i+1, no)
	}
	got, err := db.FindSeries(ctx, s.ID)
	require.NoError(t, err)
	require.Equal(t, 3, got.Made)
	require.Equal(t, posts[2].DueAt, got.LastAt)
	require.Equal(t, crier.SeriesActive, got.Status)
	require.Equal(t, "Launch day is here!", got.Template.Text)
	require.Equal(t, []string{"sandbox", "other"}, got.Template.Targets)

	single := newPost(crier.PostScheduled)
	require.NoError(t, db.CreatePost(ctx, single, &jobs{}))
	none, _, err := db.SeriesOf(ctx, single.ID)
	require.NoError(t, err)
	require.Nil(t, none, "a post of its own is in no series")

	// Topping up numbers on.
	more := occurrences(2)
	require.NoError(t, db.AddOccurrences(ctx, s.ID, 3, more, true, &jobs{}))
	_, no, err := db.SeriesOf(ctx, more[1].ID)
	require.NoError(t, err)
	require.Equal(t, 5, no)
	got, err = db.FindSeries(ctx, s.ID)
	require.NoError(t, err)
	require.Equal(t, crier.SeriesEnded, got.Status)
	active, err := db.ActiveSeries(ctx)
	require.NoError(t, err)
	require.Empty(t, active)
}

func TestSeriesIsAddedAllOrNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := mustOpen(t)
	posts := occurrences(3)
	posts[2].Text = "" // refused by the posts table: the whole series must go
	require.Error(t, db.AddSeries(ctx, newSeries(), posts, &jobs{}))

	active, err := db.ActiveSeries(ctx)
	require.NoError(t, err)
	require.Empty(t, active)
	all, err := db.ListPosts(ctx, crier.PostFilter{})
	require.NoError(t, err)
	require.Empty(t, all, "no occurrence is left behind")

	// A top-up that fails leaves the series as it was.
	s := newSeries()
	require.NoError(t, db.AddSeries(ctx, s, occurrences(1), &jobs{}))
	bad := occurrences(2)
	bad[1].Text = ""
	require.Error(t, db.AddOccurrences(ctx, s.ID, 1, bad, false, &jobs{}))
	got, err := db.FindSeries(ctx, s.ID)
	require.NoError(t, err)
	require.Equal(t, 1, got.Made)
	all, err = db.ListPosts(ctx, crier.PostFilter{})
	require.NoError(t, err)
	require.Len(t, all, 1)
}

func TestCancelSeriesCancelsOnlyFutureOccurrencesNotStarted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := mustOpen(t)
	s, posts := newSeries(), occurrences(4) // due start+1h, +1d, +2d, +3d
	require.NoError(t, db.AddSeries(ctx, s, posts, &jobs{}))

	// The first is being published; the cancel comes after it, so from is
	// after its time.
	cs := claim(t, db, posts[0].DueAt)
	require.Len(t, cs, 2)
	from := posts[0].DueAt.Add(time.Minute)

	canceled, started, err := db.CancelSeries(ctx, s.ID, from)
	require.NoError(t, err)
	require.Equal(t, []int64{posts[1].ID, posts[2].ID, posts[3].ID}, canceled)
	require.Equal(t, []int64{posts[0].ID}, started, "the answer names the one being published")

	first, err := db.FindPost(ctx, posts[0].ID)
	require.NoError(t, err)
	require.Equal(t, crier.PostScheduled, first.Status, "the past occurrence is left alone")
	for _, p := range posts[1:] {
		got, err := db.FindPost(ctx, p.ID)
		require.NoError(t, err)
		require.Equal(t, crier.PostCanceled, got.Status)
		for _, dl := range got.Deliveries {
			require.Equal(t, crier.DeliveryCanceled, dl.Status)
		}
	}
	got, err := db.FindSeries(ctx, s.ID)
	require.NoError(t, err)
	require.Equal(t, crier.SeriesCanceled, got.Status)
	require.Error(t, db.AddOccurrences(ctx, s.ID, 4, occurrences(1), false, &jobs{}), "a cancelled series gets no more")
}

func TestCancelSeriesLeavesAnOccurrenceBeingPublished(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := mustOpen(t)
	s, posts := newSeries(), occurrences(2)
	require.NoError(t, db.AddSeries(ctx, s, posts, &jobs{}))
	require.Len(t, claim(t, db, posts[0].DueAt), 2)

	canceled, started, err := db.CancelSeries(ctx, s.ID, start) // from before the first
	require.NoError(t, err)
	require.Equal(t, []int64{posts[1].ID}, canceled)
	require.Equal(t, []int64{posts[0].ID}, started)
}

func TestCancelSeriesCancelsOverdueOccurrencesNotSent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := mustOpen(t)
	s, posts := newSeries(), occurrences(4) // due start+1h, +1d, +2d, +3d
	require.NoError(t, db.AddSeries(ctx, s, posts, &jobs{}))

	// Two days on, the first two are overdue and no delivery of theirs
	// had an attempt (the publisher was behind): they must not go out.
	from := posts[2].DueAt.Add(-time.Minute)
	canceled, started, err := db.CancelSeries(ctx, s.ID, from)
	require.NoError(t, err)
	require.Equal(t, []int64{posts[0].ID, posts[1].ID, posts[2].ID, posts[3].ID}, canceled)
	require.Empty(t, started)
	require.Empty(t, claim(t, db, from), "nothing of the series is left to publish")
}

func TestTopUpIsRefusedWhenTheSeriesChangedMeanwhile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := mustOpen(t)
	s := newSeries()
	require.NoError(t, db.AddSeries(ctx, s, occurrences(2), &jobs{}))

	// Two top-ups planned from made = 2: the first wins, the second is
	// refused and adds nothing.
	require.NoError(t, db.AddOccurrences(ctx, s.ID, 2, occurrences(1), false, &jobs{}))
	err := db.AddOccurrences(ctx, s.ID, 2, occurrences(1), false, &jobs{})
	require.Equal(t, crier.ECONFLICT, crier.ErrorCode(err))
	got, err := db.FindSeries(ctx, s.ID)
	require.NoError(t, err)
	require.Equal(t, 3, got.Made)
	all, err := db.ListPosts(ctx, crier.PostFilter{})
	require.NoError(t, err)
	require.Len(t, all, 3)
}

func TestSeriesIsApprovedWithItsFirstOccurrence(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := mustOpen(t)
	s, posts := newSeries(), occurrences(3)
	s.Template.Approval = crier.ApprovalAwaiting
	for _, p := range posts {
		p.Approval = crier.ApprovalAwaiting
	}
	require.NoError(t, db.AddSeries(ctx, s, posts, &jobs{}))

	ok, _, err := db.ApproveSeries(ctx, s.ID)
	require.NoError(t, err)
	require.False(t, ok, "the first occurrence is not approved yet")

	_, err = db.DecideApproval(ctx, posts[0].ID, posts[0].Revision, true, "U9", "", start)
	require.NoError(t, err)
	ok, skipped, err := db.ApproveSeries(ctx, s.ID)
	require.NoError(t, err)
	require.True(t, ok)
	require.Empty(t, skipped, "approved in time: nothing passed")
	for _, p := range posts {
		got, err := db.FindPost(ctx, p.ID)
		require.NoError(t, err)
		require.Equal(t, crier.ApprovalApproved, got.Approval)
		require.Equal(t, "U9", got.ApprovalBy)
		for _, dl := range got.Deliveries {
			require.False(t, dl.NextAt.IsZero(), "released")
		}
	}
	got, err := db.FindSeries(ctx, s.ID)
	require.NoError(t, err)
	require.Equal(t, crier.ApprovalApproved, got.Template.Approval, "later occurrences are made approved")
	ok, _, err = db.ApproveSeries(ctx, s.ID)
	require.NoError(t, err)
	require.False(t, ok, "once")
}

func TestASeriesApprovedLateSkipsTheOccurrencesThatPassedWhileItWaited(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, clock := openWithClock(t)
	s, posts := newSeries(), occurrences(4) // daily, the first an hour after start
	s.Template.Approval = crier.ApprovalAwaiting
	for _, p := range posts {
		p.Approval = crier.ApprovalAwaiting
	}
	require.NoError(t, db.AddSeries(ctx, s, posts, &jobs{}))

	// Approved on the third day, after its time: the first (its approver
	// chose to send it now), the second and the third have passed.
	clock.Set(posts[2].DueAt.Add(time.Minute))
	_, err := db.DecideApproval(ctx, posts[0].ID, posts[0].Revision, true, "U9", "", clock.Now())
	require.NoError(t, err)
	ok, skipped, err := db.ApproveSeries(ctx, s.ID)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, []int64{posts[1].ID, posts[2].ID}, skipped)

	want := []crier.PostStatus{crier.PostScheduled, crier.PostCanceled, crier.PostCanceled, crier.PostScheduled}
	for i, p := range posts {
		got, err := db.FindPost(ctx, p.ID)
		require.NoError(t, err)
		require.Equal(t, want[i], got.Status, "occurrence %d", i+1)
	}
	cs := claim(t, db, clock.Now())
	require.Len(t, cs, 2, "only the first occurrence goes out now, to its two networks")
	for _, c := range cs {
		require.Equal(t, posts[0].ID, c.Delivery.PostID)
	}
	later := claim(t, db, posts[3].DueAt)
	require.Len(t, later, 2, "the fourth goes out at its time")
}
