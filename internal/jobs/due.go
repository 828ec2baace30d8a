package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crier-bot/crier/internal/crier"
)

// DueSource is work a service keeps in its own table, each row due at an
// instant (a post's deliveries): the table is the queue and a row is the
// job. A DueQueue claims due rows in batches the moment they fall due, works
// them concurrently and records their results in batches, so thousands due
// at one instant cost a few transactions, not several each. River is for
// jobs that are few and need its features (retries, uniqueness, periodic
// runs); rows that fall due by the thousand at one instant go this way.
type DueSource[T any] interface {
	// Recover makes rows a crash left claimed due again; it runs once,
	// before the first claim, and returns how many.
	Recover(ctx context.Context) (int, error)
	// Next returns when the earliest unclaimed row falls due; ok is false
	// when none is waiting.
	Next(ctx context.Context) (at time.Time, ok bool, err error)
	// Claim takes up to n rows due at or before now, in one transaction.
	Claim(ctx context.Context, now time.Time, n int) ([]T, error)
}

// DueWork is what a DueQueue does with the rows it claims.
type DueWork[T, R any] struct {
	// Work works one claimed row (a publish attempt) and returns its result
	// for Record. ctx ends when the queue is stopped and its grace is over.
	Work func(ctx context.Context, item T) R
	// Release is the result for a claimed row no worker started before
	// the queue stopped: recorded, it gives the row back as it was.
	Release func(item T) R
	// Record writes many results in one transaction. A failed Record is
	// tried again; rows whose results are never recorded stay claimed until
	// Recover at the next start.
	Record func(ctx context.Context, results []R) error
	// After runs once a result is recorded (reports to chat), on a pool of
	// Workers goroutines, each bounded by AfterTimeout; nil does nothing.
	// The queue claims and records on meanwhile: a slow chat does not hold
	// publishing up.
	After func(ctx context.Context, r R)
}

// DueOptions configure a DueQueue.
type DueOptions struct {
	Workers int // rows worked at once (default 50)
	// Batch is the most rows claimed at once (default Workers). Up to
	// Workers+Batch rows are claimed at a time: the next batch is claimed
	// while the last is worked.
	Batch int
	// MaxSleep bounds a wait for the next due row, in case the clock jumps
	// (default 1 min). Between, nothing runs: the queue sleeps until its
	// next row is due or Wake is called.
	MaxSleep time.Duration
	// AfterTimeout bounds one After (default 1 min).
	AfterTimeout time.Duration
}

// recordLinger is how long a result waits for others to be recorded with
// it: a few milliseconds of real time more before a report, against one
// transaction per result under load.
const recordLinger = 2 * time.Millisecond

// runner is what the engine starts and stops.
type runner interface {
	start(ctx context.Context) error
	stop(ctx context.Context) error
}

// DueQueue runs a DueSource's rows as they fall due.
type DueQueue[T, R any] struct {
	name  string
	src   DueSource[T]
	work  DueWork[T, R]
	opts  DueOptions
	clock crier.Clock
	log   *slog.Logger

	wake chan struct{} // Wake: look for due rows now
	free chan struct{} // a claimed row was finished: room to claim

	// claimed counts rows claimed and not yet recorded (the room to claim
	// more), pending those not yet through After too; gen changes whenever
	// either does (Idle reads the store between two reads of it).
	claimed atomic.Int64
	pending atomic.Int64
	gen     atomic.Int64

	mu       sync.Mutex
	cancel   context.CancelFunc // ends the claim loop
	halt     context.CancelFunc // ends the workers' context
	done     chan struct{}      // closed when everything has stopped
	starting bool
}

// NewDueQueue registers a queue of due rows with the engine: it starts and
// stops with it.
func NewDueQueue[T, R any](e *Engine, name string, src DueSource[T], work DueWork[T, R], opts DueOptions) (*DueQueue[T, R], error) {
	if work.Work == nil || work.Record == nil || work.Release == nil {
		return nil, fmt.Errorf("due queue %s: Work, Release and Record are required", name)
	}
	if opts.Workers <= 0 {
		opts.Workers = 50
	}
	if opts.Batch <= 0 {
		opts.Batch = opts.Workers
	}
	if opts.MaxSleep <= 0 {
		opts.MaxSleep = time.Minute
	}
	if opts.AfterTimeout <= 0 {
		opts.AfterTimeout = time.Minute
	}
	q := &DueQueue[T, R]{
		name: name, src: src, work: work, opts: opts, clock: e.clock, log: e.log.With(slog.String("queue", name)),
		wake: make(chan struct{}, 1), free: make(chan struct{}, 1),
	}
	e.startMu.Lock()
	defer e.startMu.Unlock()
	if e.started {
		return nil, fmt.Errorf("due queue %s: the engine has started; register queues before Start", name)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.runners = append(e.runners, q)
	return q, nil
}

// Wake makes the queue look for due rows now: a row was added or moved
// sooner than the one it sleeps for.
func (q *DueQueue[T, R]) Wake() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Idle reports whether no row is claimed and none is due at or before until
// (or now, if later).
func (q *DueQueue[T, R]) Idle(ctx context.Context, until time.Time) (bool, error) {
	for {
		g := q.gen.Load()
		if q.pending.Load() > 0 {
			return false, nil
		}
		next, ok, err := q.src.Next(ctx)
		if err != nil {
			return false, err
		}
		if q.gen.Load() != g {
			continue // a claim or a result moved rows meanwhile: look again
		}
		if now := q.clock.Now(); now.After(until) {
			until = now
		}
		return !ok || next.After(until), nil
	}
}

// add counts n more claimed rows (negative: fewer).
func (q *DueQueue[T, R]) add(n int64) {
	q.claimed.Add(n)
	q.pending.Add(n)
	q.gen.Add(1)
}

func (q *DueQueue[T, R]) start(ctx context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.cancel != nil {
		return nil // running
	}
	if q.done != nil {
		select {
		case <-q.done:
		default:
			return fmt.Errorf("start %s: the last run has not ended yet", q.name)
		}
	}
	n, err := q.src.Recover(ctx)
	if err != nil {
		return fmt.Errorf("recover %s: %w", q.name, err)
	}
	if n > 0 {
		q.log.Warn("work interrupted by the last stop will run again", slog.Int("rows", n))
	}
	loopCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	workCtx, halt := context.WithCancel(context.WithoutCancel(ctx))
	q.cancel, q.halt, q.done = cancel, halt, make(chan struct{})
	go q.run(loopCtx, workCtx, q.done)
	return nil
}

// stop ends claiming, lets the workers finish until ctx ends, then cancels
// them; results are recorded and claimed rows no worker took are released.
// Once cancelled, everything left ends promptly (attempts and reports take
// the cancelled context; a record that fails is left for Recover), so stop
// waits for the end.
func (q *DueQueue[T, R]) stop(ctx context.Context) error {
	q.mu.Lock()
	cancel, halt, done := q.cancel, q.halt, q.done
	q.cancel, q.halt = nil, nil
	q.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	select {
	case <-done:
	case <-ctx.Done():
		halt() // the grace is over: attempts are cancelled
		<-done
	}
	halt()
	return nil
}

// run claims due rows and hands them to the workers until ctx ends.
func (q *DueQueue[T, R]) run(ctx, workCtx context.Context, done chan struct{}) {
	defer close(done)
	items := make(chan T, q.opts.Batch)
	results := make(chan R, q.opts.Workers+q.opts.Batch)
	afters := make(chan R, q.opts.Workers+q.opts.Batch)
	var workers, reporters sync.WaitGroup
	for range q.opts.Workers {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for it := range items {
				if r, ok := q.workOne(workCtx, it); ok {
					results <- r
				}
			}
		}()
		reporters.Add(1)
		go func() {
			defer reporters.Done()
			for r := range afters {
				q.afterOne(workCtx, r)
			}
		}()
	}
	recorded := make(chan struct{})
	go func() {
		defer close(recorded)
		defer close(afters)
		q.record(workCtx, results, afters)
	}()

	q.claimLoop(ctx, items)

	// Stopping: the rows no worker took are given back, then the workers
	// finish what they hold.
	var left []R
	for {
		select {
		case it := <-items:
			left = append(left, q.work.Release(it))
			continue
		default:
		}
		break
	}
	close(items)
	for _, r := range left {
		results <- r
	}
	workers.Wait()
	close(results)
	<-recorded
	reporters.Wait()
}

// workOne works one row; a panic (a bug in a network adapter) is logged and
// leaves the row claimed until Recover at the next start, rather than ending
// crier or trying it again at once.
func (q *DueQueue[T, R]) workOne(ctx context.Context, it T) (r R, ok bool) {
	defer func() {
		if v := recover(); v != nil {
			q.log.Error("work panicked; the row runs again after the next start", slog.Any("panic", v))
			q.finish(1)
			q.done1()
			ok = false
		}
	}()
	return q.work.Work(ctx, it), true
}

// afterOne runs After for one recorded result, bounded in time; a panic is
// logged.
func (q *DueQueue[T, R]) afterOne(ctx context.Context, r R) {
	defer q.done1()
	defer func() {
		if v := recover(); v != nil {
			q.log.Error("report panicked", slog.Any("panic", v))
		}
	}()
	if q.work.After == nil {
		return
	}
	actx, cancel := context.WithTimeout(ctx, q.opts.AfterTimeout)
	defer cancel()
	q.work.After(actx, r)
}

// claimLoop claims due rows while there is room, and otherwise sleeps until
// the next row is due, a row is finished, or Wake.
func (q *DueQueue[T, R]) claimLoop(ctx context.Context, items chan<- T) {
	room := int64(q.opts.Workers + q.opts.Batch)
	least := max(int64(q.opts.Batch)/2, 1)
	for ctx.Err() == nil {
		// A claim costs about the same for 1 row as for 100: wait for room
		// for half a batch, unless nothing is claimed at all.
		claimed := q.claimed.Load()
		n := min(room-claimed, int64(q.opts.Batch))
		if n <= 0 || (n < least && claimed > 0) {
			select {
			case <-q.free:
			case <-ctx.Done():
			}
			continue
		}
		q.add(n) // counted before the claim, so Idle never misses it
		got, err := q.src.Claim(ctx, q.clock.Now(), int(n))
		q.add(int64(len(got)) - n)
		if err != nil {
			if ctx.Err() == nil {
				q.log.Error("claim due work", slog.Any("error", err))
				pause(ctx, time.Second)
			}
			continue
		}
		for i, it := range got {
			select {
			case items <- it: // room was counted: the buffer and the workers hold it
			case <-ctx.Done():
				// Stopping: what no worker took goes back.
				left := make([]R, 0, len(got)-i)
				for _, it := range got[i:] {
					left = append(left, q.work.Release(it))
				}
				q.release(left)
				return
			}
		}
		if len(got) == int(n) {
			continue // a full batch: more may be due
		}
		next, ok, err := q.src.Next(ctx)
		switch {
		case err != nil:
			if ctx.Err() == nil {
				q.log.Error("find due work", slog.Any("error", err))
			}
			pause(ctx, time.Second)
		case !ok:
			q.sleep(ctx, q.clock.Now().Add(q.opts.MaxSleep))
		default:
			now := q.clock.Now()
			switch {
			case next.After(now):
				// Until the instant itself, not for a duration: a clock
				// moved meanwhile (a test's) cannot push the wake-up past it.
				q.sleep(ctx, minTime(next, now.Add(q.opts.MaxSleep)))
			case len(got) == 0:
				// Due, yet the claim found nothing: the clock went back
				// between the two. Look again shortly. (A row that fell due
				// between a claim that found some and Next is claimed on the
				// next turn without a pause.)
				pause(ctx, 10*time.Millisecond)
			}
		}
	}
}

// sleep waits on the clock until it shows until, until Wake, or until ctx
// ends.
func (q *DueQueue[T, R]) sleep(ctx context.Context, until time.Time) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-q.wake:
			if wctx.Err() != nil {
				q.Wake() // the sleep was over: the next one must see it
				return
			}
			cancel()
		case <-wctx.Done():
		}
	}()
	if err := crier.SleepUntil(wctx, q.clock, until); err != nil && !errors.Is(err, context.Canceled) {
		q.log.Warn("wait for due work", slog.Any("error", err))
	}
}

// record writes results as they come, as many as are waiting in one
// transaction (a group commit), then runs After for each.
func (q *DueQueue[T, R]) record(ctx context.Context, results <-chan R, afters chan<- R) {
	batch := make([]R, 0, q.opts.Workers+q.opts.Batch)
	linger := time.NewTimer(0)
	<-linger.C
	for r := range results {
		// The first result waits a moment for others: one transaction for
		// many costs about what one for a single result does.
		batch = append(batch[:0], r)
		linger.Reset(recordLinger)
	more:
		for len(batch) < cap(batch) {
			select {
			case r, ok := <-results:
				if !ok {
					break more
				}
				batch = append(batch, r)
			case <-linger.C:
				break more
			}
		}
		if !linger.Stop() {
			select {
			case <-linger.C:
			default:
			}
		}
		q.recordBatch(ctx, batch, afters)
	}
}

func (q *DueQueue[T, R]) recordBatch(ctx context.Context, batch []R, afters chan<- R) {
	wait := 50 * time.Millisecond
	for {
		// Recording goes on after a stop's grace: the results are facts.
		// The bound is a database that does not answer at all (its own
		// busy timeout is 5 s).
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		err := q.work.Record(rctx, batch)
		cancel()
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			// Stopped, and the store refuses: the rows stay claimed, and
			// the next start recovers them.
			q.log.Error("record results; the next start takes them up again", slog.Int("rows", len(batch)), slog.Any("error", err))
			q.finish(len(batch))
			for range batch {
				q.done1()
			}
			return
		}
		q.log.Error("record results; trying again", slog.Int("rows", len(batch)), slog.Any("error", err))
		pause(context.WithoutCancel(ctx), wait)
		wait = min(2*wait, 5*time.Second)
	}
	q.finish(len(batch)) // recorded: room for more, while the reports go out
	q.Wake()             // results may be due again (a retry): the next one may be sooner
	for _, r := range batch {
		afters <- r
	}
}

// release records results for claimed rows no worker took (crier is
// stopping).
func (q *DueQueue[T, R]) release(left []R) {
	if len(left) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := q.work.Record(ctx, left); err != nil {
		q.log.Error("give back claimed rows; the next start takes them up again", slog.Int("rows", len(left)), slog.Any("error", err))
	}
	q.finish(len(left))
	for range left {
		q.done1()
	}
}

// finish counts n claimed rows as recorded and makes room for more.
func (q *DueQueue[T, R]) finish(n int) {
	q.claimed.Add(-int64(n))
	q.gen.Add(1)
	select {
	case q.free <- struct{}{}:
	default:
	}
}

// done1 counts one claimed row as through (recorded and reported).
func (q *DueQueue[T, R]) done1() {
	q.pending.Add(-1)
	q.gen.Add(1)
}

// pause waits d of real time, or until ctx ends: the pace of retries against
// a database that refused, which crier's clock (moved by hand in tests) does
// not measure.
func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
