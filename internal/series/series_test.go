package series_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/sqlite"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/publish"
	"github.com/crier-bot/crier/internal/series"
	"github.com/crier-bot/crier/internal/timeparse"
)

// now is Mon 23 Nov 2026 10:00 in Lisbon.
var now = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

type networks struct{}

func (networks) CheckPost(*crier.Post) ([]publish.Preview, error) { return nil, nil }
func (networks) Targets() []string                                { return []string{"sandbox"} }

type testBundle struct {
	svc   *series.Service
	db    *sqlite.DB
	clock *crier.ManualClock
	loc   *time.Location
	times *timeparse.Parser
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	clock := crier.NewManualClock(now)
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "crier.db"), clock)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	loc, err := time.LoadLocation("Europe/Lisbon")
	require.NoError(t, err)
	return &testBundle{svc: series.New(series.Options{Store: db, Publisher: networks{}, Clock: clock}), db: db, clock: clock, loc: loc,
		times: timeparse.New(timeparse.Options{})}
}

func (b *testBundle) create(t *testing.T, phrase string) *series.Created {
	t.Helper()
	rule, text, err := b.times.ParseRecurrence(phrase, b.loc, b.clock.Now())
	require.NoError(t, err)
	c, err := b.svc.Create(context.Background(), &crier.Post{Text: text, AuthorID: "U1", AuthorName: "ana"}, rule, b.loc)
	require.NoError(t, err)
	return c
}

func (b *testBundle) scheduled(t *testing.T) []*crier.Post {
	t.Helper()
	ps, err := b.db.ListPosts(context.Background(), crier.PostFilter{Statuses: []crier.PostStatus{crier.PostScheduled}})
	require.NoError(t, err)
	return ps
}

func TestDailySeriesIsMadeTenAheadAndToppedUp(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.create(t, "every day at 09:00 Good morning")
	require.Len(t, c.Posts, series.DefaultAhead, "ten ahead, not eight weeks of posts")
	require.Equal(t, "2026-11-24 09:00", c.Posts[0].DueAt.In(b.loc).Format("2006-01-02 15:04"))
	keys := map[string]bool{}
	for _, p := range c.Posts {
		require.Equal(t, "Good morning", p.Text)
		require.Equal(t, []string{"sandbox"}, p.Targets)
		for _, dl := range p.Deliveries {
			require.False(t, keys[dl.IdempotencyKey])
			keys[dl.IdempotencyKey] = true
		}
	}

	b.clock.Add(3 * 24 * time.Hour)
	n, err := b.svc.TopUp(context.Background(), b.clock.Now())
	require.NoError(t, err)
	require.Equal(t, 3, n, "three went by: three more")
	n, err = b.svc.TopUp(context.Background(), b.clock.Now())
	require.NoError(t, err)
	require.Zero(t, n, "a second top-up the same day makes none")
}

func TestWeeklySeriesIsMadeEightWeeksAhead(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.create(t, "every monday 9am Tips")
	require.Len(t, c.Posts, 8)
	require.Equal(t, "2027-01-18 09:00", c.Posts[7].DueAt.In(b.loc).Format("2006-01-02 15:04"))
}

func TestSeriesForNTimesEnds(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.create(t, "every monday 9am for 3 times Tips")
	require.Len(t, c.Posts, 3)
	require.Equal(t, crier.SeriesEnded, c.Series.Status)
	active, err := b.db.ActiveSeries(context.Background())
	require.NoError(t, err)
	require.Empty(t, active)
}

// A series with no end, topped up every day for over a year with the
// injected clock (across both of 2027's DST changes), makes at most a
// year of posts and then ends.
func TestSeriesWithoutEndIsCappedAtAYear(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.create(t, "every day at 01:30 Night shift")
	require.True(t, c.Count <= timeparse.MaxOccurrences)
	first := c.Posts[0].DueAt
	for range 400 {
		b.clock.Add(24 * time.Hour)
		_, err := b.svc.TopUp(context.Background(), b.clock.Now())
		require.NoError(t, err)
	}
	all := b.scheduled(t)
	require.Len(t, all, c.Count)
	require.Equal(t, 365, len(all))
	last := all[len(all)-1].DueAt
	require.Less(t, last.Sub(first), 366*24*time.Hour)
	require.True(t, c.Last.Equal(last))
	for _, p := range all {
		want := "01:30"
		if p.DueAt.In(b.loc).Format("2006-01-02") == "2027-03-28" {
			want = "02:30" // 01:30 does not exist that night: moved forward by the jump
		}
		require.Equal(t, want, p.DueAt.In(b.loc).Format("15:04"))
	}
	active, err := b.db.ActiveSeries(context.Background())
	require.NoError(t, err)
	require.Empty(t, active, "the series ended at its cap")
}

// After a downtime, the times that passed are skipped, not made late: they
// would all go out at once.
func TestTopUpAfterADowntimeSkipsTimesThatPassed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.create(t, "every day at 09:00 Good morning")
	last := c.Posts[len(c.Posts)-1].DueAt
	b.clock.Set(last.Add(15 * 24 * time.Hour))

	n, err := b.svc.TopUp(context.Background(), b.clock.Now())
	require.NoError(t, err)
	require.Equal(t, series.DefaultAhead, n, "ten upcoming again")
	for _, p := range b.scheduled(t) {
		if p.ID > c.Posts[len(c.Posts)-1].ID {
			require.True(t, p.DueAt.After(b.clock.Now()), "post #%d made due %s, before now", p.ID, p.DueAt)
		}
	}
}

// A series awaiting approval is approved with its first occurrence; the
// occurrences a later top-up makes are approved too.
func TestTopUpMakesOccurrencesApprovedOnceTheSeriesIs(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rule, text, err := b.times.ParseRecurrence("every day at 09:00 Good morning", b.loc, b.clock.Now())
	require.NoError(t, err)
	c, err := b.svc.Create(context.Background(), &crier.Post{Text: text, AuthorID: "U1", Approval: crier.ApprovalAwaiting}, rule, b.loc)
	require.NoError(t, err)
	skipped, err := b.svc.Approved(context.Background(), c.Posts[0].ID)
	require.NoError(t, err, "not approved yet: nothing happens")
	require.Empty(t, skipped)

	b.clock.Add(2 * 24 * time.Hour)
	n, err := b.svc.TopUp(context.Background(), b.clock.Now())
	require.NoError(t, err)
	require.Equal(t, 2, n)
	ps := b.scheduled(t)
	require.Equal(t, crier.ApprovalAwaiting, ps[len(ps)-1].Approval, "the series is not approved: the new ones wait too")

	first := c.Posts[0]
	_, err = b.db.DecideApproval(context.Background(), first.ID, first.Revision, true, "U9", "", b.clock.Now())
	require.NoError(t, err)
	skipped, err = b.svc.Approved(context.Background(), first.ID)
	require.NoError(t, err)
	for _, id := range skipped {
		p, err := b.db.FindPost(context.Background(), id)
		require.NoError(t, err)
		require.Equal(t, crier.PostCanceled, p.Status, "post #%d passed while the series waited: skipped", id)
		require.True(t, p.DueAt.Before(b.clock.Now()))
	}
	require.NotEmpty(t, skipped, "two days went by")
	for _, p := range b.scheduled(t) {
		require.Equal(t, crier.ApprovalApproved, p.Approval, "post #%d", p.ID)
	}
	b.clock.Add(24 * time.Hour)
	n, err = b.svc.TopUp(context.Background(), b.clock.Now())
	require.NoError(t, err)
	require.Equal(t, 1, n)
	ps = b.scheduled(t)
	require.Equal(t, crier.ApprovalApproved, ps[len(ps)-1].Approval, "made approved")
}
