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
// at one instant cost a few transactions, not several each. River runs the
// other jobs (few, each with its own retries); rows that fall due by the
// thousand at one instant go this way.
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
	// After runs once a result is recorded (reports to chat), in the order
	// results were recorded, one at a time; nil does nothing.
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

	// claimed counts rows claimed and not yet through After; gen changes
	// whenever it does (Idle reads the store between two reads of it).
	claimed atomic.Int64
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
	q := &DueQueue[T, R]{
		name: name, src: src, work: work, opts: opts, clock: e.clock, log: e.log.With(slog.String("queue", name)),
		wake: make(chan struct{}, 1), free: make(chan struct{}, 1),
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
		if q.claimed.Load() > 0 {
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

func (q *DueQueue[T, R]) add(n int64) {
	q.claimed.Add(n)
	q.gen.Add(1)
}

func (q *DueQueue[T, R]) start(ctx context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.done != nil {
		return nil
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
func (q *DueQueue[T, R]) stop(ctx context.Context) error {
	q.mu.Lock()
	cancel, halt, done := q.cancel, q.halt, q.done
	q.cancel, q.halt, q.done = nil, nil, nil
	q.mu.Unlock()
	if done == nil {
		return nil
	}
	cancel()
	select {
	case <-done:
		halt()
		return nil
	case <-ctx.Done():
	}
	halt() // the grace is over: attempts are cancelled
	select {
	case <-done:
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("stop %s: workers did not end", q.name)
	}
}

// run claims due rows and hands them to the workers until ctx ends.
func (q *DueQueue[T, R]) run(ctx, workCtx context.Context, done chan struct{}) {
	defer close(done)
	items := make(chan T, q.opts.Batch)
	results := make(chan R, q.opts.Workers+q.opts.Batch)
	var workers sync.WaitGroup
	for range q.opts.Workers {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for it := range items {
				results <- q.work.Work(workCtx, it)
			}
		}()
	}
	recorded := make(chan struct{})
	go func() {
		defer close(recorded)
		q.record(workCtx, results)
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
		for _, it := range got {
			items <- it // room was counted: the buffer and the workers hold it
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
			q.sleep(ctx, q.opts.MaxSleep)
		default:
			wait := next.Sub(q.clock.Now())
			switch {
			case wait > 0:
				q.sleep(ctx, min(wait, q.opts.MaxSleep))
			case len(got) == 0:
				// Due, yet the claim found nothing (the clock went back
				// between the two): look again shortly.
				pause(ctx, 10*time.Millisecond)
			}
		}
	}
}

// sleep waits d on the clock, until Wake or a finished row, or until ctx
// ends.
func (q *DueQueue[T, R]) sleep(ctx context.Context, d time.Duration) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-q.wake:
			cancel()
		case <-wctx.Done():
		}
	}()
	if err := crier.Sleep(wctx, q.clock, d); err != nil && !errors.Is(err, context.Canceled) {
		q.log.Warn("wait for due work", slog.Any("error", err))
	}
}

// record writes results as they come, as many as are waiting in one
// transaction (a group commit), then runs After for each.
func (q *DueQueue[T, R]) record(ctx context.Context, results <-chan R) {
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
		q.recordBatch(ctx, batch)
	}
}

func (q *DueQueue[T, R]) recordBatch(ctx context.Context, batch []R) {
	wait := 50 * time.Millisecond
	for {
		// Recording goes on after a stop's grace: the results are facts.
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
			return
		}
		q.log.Error("record results; trying again", slog.Int("rows", len(batch)), slog.Any("error", err))
		pause(context.WithoutCancel(ctx), wait)
		wait = min(2*wait, 5*time.Second)
	}
	for _, r := range batch {
		if q.work.After != nil {
			q.work.After(ctx, r)
		}
		q.finish(1)
	}
	q.Wake() // results may be due again (a retry): the next one may be sooner
}

// finish counts n claimed rows as done and makes room for more.
func (q *DueQueue[T, R]) finish(n int) {
	q.add(-int64(n))
	select {
	case q.free <- struct{}{}:
	default:
	}
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
