package jobs_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/sqlite"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/jobs"
)

// rows is an in-memory DueSource: each row is due at an instant, and is
// claimed (taken) or done.
type rows struct {
	mu        sync.Mutex
	due       map[int]time.Time // waiting rows
	claimed   map[int]bool
	done      []int // recorded results, in order
	released  []int
	claims    []int // size of each claim
	records   []int // size of each record
	failNext  int   // records to refuse before accepting
	recovered int
}

func newRows() *rows { return &rows{due: map[int]time.Time{}, claimed: map[int]bool{}} }

func (r *rows) add(id int, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.due[id] = at
}

func (r *rows) Recover(context.Context) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(r.claimed)
	for id := range r.claimed {
		r.due[id] = time.Time{}
	}
	clear(r.claimed)
	r.recovered += n
	return n, nil
}

func (r *rows) Next(context.Context) (time.Time, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var next time.Time
	for _, at := range r.due {
		if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	return next, len(r.due) > 0, nil
}

func (r *rows) Claim(_ context.Context, now time.Time, n int) ([]int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ids []int
	for id, at := range r.due {
		if !at.After(now) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	ids = ids[:min(n, len(ids))]
	for _, id := range ids {
		delete(r.due, id)
		r.claimed[id] = true
	}
	if len(ids) > 0 {
		r.claims = append(r.claims, len(ids))
	}
	return ids, nil
}

// result is a row's outcome: worked, or released (never started).
type result struct {
	id       int
	released bool
}

func (r *rows) record(_ context.Context, rs []result) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failNext > 0 {
		r.failNext--
		return errors.New("database is locked")
	}
	r.records = append(r.records, len(rs))
	for _, res := range rs {
		delete(r.claimed, res.id)
		if res.released {
			r.released = append(r.released, res.id)
			r.due[res.id] = time.Time{}
			continue
		}
		r.done = append(r.done, res.id)
	}
	return nil
}

func (r *rows) doneIDs() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Sorted(slices.Values(r.done))
}

func newEngine(t *testing.T, clock crier.Clock) *jobs.Engine {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "crier.db"), clock)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	e, err := jobs.New(ctx, jobs.Options{DB: db.SQL(), Clock: clock})
	require.NoError(t, err)
	return e
}

func dueSetup(t *testing.T, clock crier.Clock, src *rows, work func(context.Context, int) result, opts jobs.DueOptions) (*jobs.Engine, *jobs.DueQueue[int, result]) {
	t.Helper()
	e := newEngine(t, clock)
	q, err := jobs.NewDueQueue(e, "test", jobs.DueSource[int](src), jobs.DueWork[int, result]{
		Work:    work,
		Release: func(id int) result { return result{id: id, released: true} },
		Record:  src.record,
	}, opts)
	require.NoError(t, err)
	return e, q
}

func waitIdle(t *testing.T, q *jobs.DueQueue[int, result], until time.Time) {
	t.Helper()
	require.Eventually(t, func() bool {
		idle, err := q.Idle(context.Background(), until)
		require.NoError(t, err)
		return idle
	}, 10*time.Second, time.Millisecond)
}

func TestRowsRunAtTheirInstantNotBefore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	clock := crier.NewManualClock(start)
	src := newRows()
	src.add(1, start.Add(time.Minute))
	src.add(2, start.Add(2*time.Minute))
	worked := func(_ context.Context, id int) result { return result{id: id} }
	e, q := dueSetup(t, clock, src, worked, jobs.DueOptions{Workers: 2})
	require.NoError(t, e.Start(ctx))
	t.Cleanup(func() { _ = e.Stop(ctx) })

	require.Eventually(t, func() bool { return clock.Waiters() == 1 }, 5*time.Second, time.Millisecond, "the queue sleeps on the clock")
	idle, err := q.Idle(ctx, start)
	require.NoError(t, err)
	require.True(t, idle, "nothing is due now")
	idle, err = q.Idle(ctx, start.Add(time.Minute))
	require.NoError(t, err)
	require.False(t, idle, "row 1 is due within a minute")
	require.Empty(t, src.doneIDs())

	clock.Add(time.Minute)
	waitIdle(t, q, clock.Now())
	require.Equal(t, []int{1}, src.doneIDs(), "row 2 is not due yet")

	// A row added sooner than the one the queue sleeps for runs when woken.
	src.add(3, clock.Now())
	q.Wake()
	require.Eventually(t, func() bool { return slices.Equal(src.doneIDs(), []int{1, 3}) }, 5*time.Second, time.Millisecond)

	clock.Add(time.Minute)
	waitIdle(t, q, clock.Now())
	require.Equal(t, []int{1, 2, 3}, src.doneIDs())
}

func TestManyRowsDueAtOnceAreClaimedAndRecordedInBatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	clock := crier.NewManualClock(start)
	src := newRows()
	const n = 2000
	for i := range n {
		src.add(i, start)
	}
	src.failNext = 2 // the database refuses twice: the results are recorded after all
	worked := func(_ context.Context, id int) result { return result{id: id} }
	e, q := dueSetup(t, clock, src, worked, jobs.DueOptions{Workers: 20, Batch: 100})
	require.NoError(t, e.Start(ctx))
	t.Cleanup(func() { _ = e.Stop(ctx) })
	waitIdle(t, q, start)

	got := src.doneIDs()
	require.Len(t, got, n, "every row is worked")
	require.Equal(t, n, len(slices.Compact(got)), "each once")
	src.mu.Lock()
	defer src.mu.Unlock()
	require.Less(t, len(src.claims), n/10, "claims come in batches: %v", src.claims)
	require.LessOrEqual(t, slices.Max(src.claims), 100, "no claim is larger than a batch")
	require.Less(t, len(src.records), n/2, "results are recorded in batches")
}

func TestAStopReleasesClaimedRowsNoWorkerStarted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	clock := crier.NewManualClock(start)
	src := newRows()
	for i := range 10 {
		src.add(i, start)
	}
	started := make(chan int, 10)
	// The one worker holds its row until the stop's grace is over.
	slow := func(ctx context.Context, id int) result {
		started <- id
		<-ctx.Done()
		return result{id: id}
	}
	e, _ := dueSetup(t, clock, src, slow, jobs.DueOptions{Workers: 1, Batch: 10})
	require.NoError(t, e.Start(ctx))
	first := <-started

	sctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	require.NoError(t, e.Stop(sctx))
	src.mu.Lock()
	defer src.mu.Unlock()
	require.Equal(t, []int{first}, src.done, "the started row ends (cancelled) and is recorded")
	require.Len(t, src.released, 9, "the others go back as they were")
	require.Empty(t, src.claimed, "nothing is left claimed")
	require.Len(t, src.due, 9)
}

func TestRowsACrashLeftClaimedRunAtTheNextStart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	clock := crier.NewManualClock(start)
	src := newRows()
	src.claimed[7] = true // claimed by a process that was killed
	worked := func(_ context.Context, id int) result { return result{id: id} }
	e, q := dueSetup(t, clock, src, worked, jobs.DueOptions{})
	require.NoError(t, e.Start(ctx))
	t.Cleanup(func() { _ = e.Stop(ctx) })
	waitIdle(t, q, start)
	require.Equal(t, []int{7}, src.doneIDs())
	require.Equal(t, 1, src.recovered)
}

func TestASlowReportDoesNotHoldRecordingUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	clock := crier.NewManualClock(start)
	src := newRows()
	for i := range 100 {
		src.add(i, start)
	}
	e := newEngine(t, clock)
	hold := make(chan struct{})
	q, err := jobs.NewDueQueue(e, "test", jobs.DueSource[int](src), jobs.DueWork[int, result]{
		Work:    func(_ context.Context, id int) result { return result{id: id} },
		Release: func(id int) result { return result{id: id, released: true} },
		Record:  src.record,
		After:   func(context.Context, result) { <-hold }, // a chat that does not answer
	}, jobs.DueOptions{Workers: 5, Batch: 10})
	require.NoError(t, err)
	require.NoError(t, e.Start(ctx))
	t.Cleanup(func() { _ = e.Stop(ctx) })

	require.Eventually(t, func() bool { return len(src.doneIDs()) >= 20 }, 10*time.Second, time.Millisecond,
		"results are recorded while reports wait (the workers' reports and a queue of them)")
	idle, err := q.Idle(ctx, start)
	require.NoError(t, err)
	require.False(t, idle, "reports still to go")
	close(hold)
	waitIdle(t, q, start)
	require.Len(t, src.doneIDs(), 100)
}
