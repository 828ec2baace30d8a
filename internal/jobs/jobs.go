// Package jobs is crier's job engine: the one River client (over
// riversqlite today; riverpgxv5 is the same change in this package only),
// River's migrations, the bridge from crier's clock to River's, River's quiet
// logger, the recovery after a crash, and every statement that touches
// River's tables. Services register their workers, queues and periodic jobs
// with an Engine and insert jobs through it, inside the store's transaction
// when they must; none of them sees a database handle or a River driver.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/crier-bot/crier/internal/crier"
)

// Options configure an Engine.
type Options struct {
	// DB is the store's database; River's tables live there too, so a
	// store's transaction can hold a post and its jobs.
	DB     *sql.DB
	Clock  crier.Clock  // nil means the system clock
	Logger *slog.Logger // nil discards; River's own logs pass at warning and above
	// PollInterval is how often idle workers look for due jobs (default 1 s).
	PollInterval time.Duration
	// RescueAfter is how long a job may run before River takes it for stuck
	// (hung in this process) and runs it again (default 1 h). Tests that
	// hold a job running while they move the clock set it longer.
	RescueAfter time.Duration
	// CompletedRetention is how long finished jobs are kept (default 24 h).
	CompletedRetention time.Duration
}

// Engine runs crier's durable jobs.
type Engine struct {
	db      *sql.DB
	driver  *riversqlite.Driver
	clock   crier.Clock
	log     *slog.Logger
	opts    Options
	workers *river.Workers
	queues  map[string]river.QueueConfig

	mu       sync.Mutex             // guards registrations and the client
	client   *river.Client[*sql.Tx] // built on first use; no registration after
	periodic []*river.PeriodicJob
	runners  []runner // due queues, started after River and stopped before it

	// startMu serialises Start and Stop. It is never held while mu is
	// wanted by an insert: a store transaction inserting a job holds the
	// database's one connection, which River's start needs too.
	startMu sync.Mutex
	started bool
	working bool // River runs (some queue is registered)
}

// New migrates River's tables and returns an engine to register workers
// with. Nothing runs until Start.
func New(ctx context.Context, opts Options) (*Engine, error) {
	if opts.DB == nil {
		return nil, errors.New("job engine: no database")
	}
	if opts.Clock == nil {
		opts.Clock = crier.SystemClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	if opts.RescueAfter <= 0 {
		opts.RescueAfter = time.Hour
	}
	if opts.CompletedRetention <= 0 {
		opts.CompletedRetention = 24 * time.Hour
	}
	e := &Engine{
		db: opts.DB, driver: riversqlite.New(opts.DB), clock: opts.Clock, log: opts.Logger, opts: opts,
		workers: river.NewWorkers(), queues: map[string]river.QueueConfig{},
	}
	migrator, err := rivermigrate.New(e.driver, &rivermigrate.Config{Logger: quiet(opts.Logger)})
	if err != nil {
		return nil, fmt.Errorf("job tables: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return nil, fmt.Errorf("job tables: %w", err)
	}
	return e, nil
}

// AddWorker registers w for the jobs of its kind.
func AddWorker[T river.JobArgs](e *Engine, w river.Worker[T]) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.client != nil {
		return errors.New("job workers: the engine is already in use; register workers before inserting or starting")
	}
	if err := river.AddWorkerSafely(e.workers, w); err != nil {
		return fmt.Errorf("job workers: %w", err)
	}
	return nil
}

// AddQueue registers a queue whose jobs run at most maxWorkers at a time.
func (e *Engine) AddQueue(name string, maxWorkers int) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.client != nil {
		return fmt.Errorf("job queue %s: the engine is already in use", name)
	}
	e.queues[name] = river.QueueConfig{MaxWorkers: maxWorkers}
	return nil
}

// AddPeriodic registers a job inserted on a schedule (a digest, a poll).
func (e *Engine) AddPeriodic(p *river.PeriodicJob) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.client != nil {
		return errors.New("periodic job: the engine is already in use")
	}
	e.periodic = append(e.periodic, p)
	return nil
}

// riverClient builds the River client once; registrations end here.
func (e *Engine) riverClient() (*river.Client[*sql.Tx], error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.client != nil {
		return e.client, nil
	}
	cfg := &river.Config{
		Queues:                      e.queues,
		Workers:                     e.workers,
		PeriodicJobs:                e.periodic,
		Logger:                      quiet(e.log),
		FetchPollInterval:           e.opts.PollInterval,
		FetchCooldown:               min(e.opts.PollInterval, 10*time.Millisecond),
		RescueStuckJobsAfter:        rescueAfter(e.opts.RescueAfter, e.clock.Now(), time.Now()),
		CompletedJobRetentionPeriod: e.opts.CompletedRetention,
	}
	if len(cfg.Queues) == 0 {
		cfg.Queues, cfg.Workers = nil, nil // insert-only
	}
	cfg.Test.Time = riverTime{e.clock}
	client, err := river.NewClient(e.driver, cfg)
	if err != nil {
		return nil, fmt.Errorf("job engine: %w", err)
	}
	e.client = client
	return client, nil
}

// rescueAfter is River's stuck-job horizon for a rescue after horizon on
// crier's clock. River's rescuer (job_rescuer.go) measures "stuck" with
// time.Now against the attempt time it recorded from crier's clock: when
// crier's clock is behind the real one by some offset, a job would look
// stuck that much early (a running attempt retried under its worker), so the
// offset is added. A clock ahead only makes the rescue later.
func rescueAfter(horizon time.Duration, clockNow, realNow time.Time) time.Duration {
	if behind := realNow.Sub(clockNow); behind > 0 {
		return horizon + behind
	}
	return horizon
}

// Start repairs what a crash left in River's tables, then runs the workers.
// It may be called by each service that uses the engine; the first call
// starts it.
func (e *Engine) Start(ctx context.Context) error {
	client, err := e.riverClient()
	if err != nil {
		return err
	}
	e.startMu.Lock()
	defer e.startMu.Unlock()
	if e.started {
		return nil
	}
	n, err := e.recover(ctx)
	if err != nil {
		return fmt.Errorf("start jobs: %w", err)
	}
	if n > 0 {
		e.log.Warn("jobs interrupted by the last stop will run again", slog.Int64("jobs", n))
	}
	e.mu.Lock()
	working, runners := len(e.queues) > 0, e.runners
	e.mu.Unlock()
	// River stops abruptly when its start context ends; Stop ends it
	// gracefully instead, so the signal context does not reach it. With no
	// queue River only inserts, and does not run at all.
	if working {
		if err := client.Start(context.WithoutCancel(ctx)); err != nil {
			return fmt.Errorf("start jobs: %w", err)
		}
	}
	e.started, e.working = true, working
	for i, r := range runners {
		if err := r.start(ctx); err != nil {
			for _, r := range runners[:i] {
				_ = r.stop(ctx)
			}
			e.started = false
			if working {
				_ = client.Stop(ctx)
			}
			return fmt.Errorf("start jobs: %w", err)
		}
	}
	return nil
}

// recover repairs what a crash (SIGKILL, power loss) leaves in River's
// tables, before the engine starts:
//   - jobs left "running" become available at once (River would rescue them
//     only after RescueAfter), without counting the lost attempt;
//   - the dead process's leadership is dropped (River would wait for it to
//     expire, and until then nobody moves scheduled jobs that fell due).
//
// This is safe because crier holds the database's exclusive lock: no other
// process can be running those jobs or be the leader. (On PostgreSQL, with
// several replicas, River's own rescuer and leader election do this.)
func (e *Engine) recover(ctx context.Context) (int64, error) {
	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("reset interrupted jobs: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	// River counted an attempt when it fetched the job; the crash was not
	// the network's failure, so that attempt is given back.
	res, err := tx.ExecContext(ctx, "UPDATE river_job SET state = 'available', attempt = max(attempt - 1, 0) WHERE state = 'running'")
	if err != nil {
		return 0, fmt.Errorf("reset interrupted jobs: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("reset interrupted jobs: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM river_leader"); err != nil {
		return 0, fmt.Errorf("reset interrupted jobs: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("reset interrupted jobs: %w", err)
	}
	return n, nil
}

// Retire deletes the unfinished jobs of a kind no worker runs any more (a
// service that moved its work elsewhere), and returns how many.
func (e *Engine) Retire(ctx context.Context, kind string) (int64, error) {
	res, err := e.db.ExecContext(ctx, "DELETE FROM river_job WHERE kind = ? AND state NOT IN ('completed', 'cancelled', 'discarded')", kind)
	if err != nil {
		return 0, fmt.Errorf("retire %s jobs: %w", kind, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("retire %s jobs: %w", kind, err)
	}
	return n, nil
}

// Stop lets running jobs finish until ctx ends, then cancels them; a
// cancelled job runs again at the next start.
func (e *Engine) Stop(ctx context.Context) error {
	e.startMu.Lock()
	defer e.startMu.Unlock()
	if !e.started {
		return nil
	}
	e.started = false
	e.mu.Lock()
	runners := e.runners
	e.mu.Unlock()
	var errs []error
	for _, r := range runners {
		errs = append(errs, r.stop(ctx))
	}
	if !e.working {
		return errors.Join(errs...)
	}
	client := e.client
	err := client.Stop(ctx)
	if err == nil {
		return errors.Join(errs...)
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := client.StopAndCancel(cctx); err != nil {
		return fmt.Errorf("stop jobs: %w", err)
	}
	return nil
}

// InsertOpts are the options of one job.
type InsertOpts struct {
	Queue       string
	MaxAttempts int
	// At is when the job is due; zero or past means now. A job due later is
	// fetched by the workers' poll once its time comes, not on River's
	// scheduler tick (every 5 s).
	At time.Time
}

// Insert inserts a job inside the store's transaction tx (crier.Tx: the
// handle the store hands over, a *sql.Tx with SQLite) and returns its id.
func (e *Engine) Insert(ctx context.Context, tx crier.Tx, args river.JobArgs, opts InsertOpts) (int64, error) {
	client, err := e.riverClient()
	if err != nil {
		return 0, err
	}
	stx, err := sqlTx(tx)
	if err != nil {
		return 0, err
	}
	ro := &river.InsertOpts{Queue: opts.Queue, MaxAttempts: opts.MaxAttempts}
	if opts.At.After(e.clock.Now()) {
		ro.ScheduledAt = opts.At
	}
	res, err := client.InsertTx(ctx, stx, args, ro)
	if err != nil {
		return 0, fmt.Errorf("insert %s job: %w", args.Kind(), err)
	}
	if res.Job.State == rivertype.JobStateScheduled {
		// River parks a job with a future time in "scheduled", and only
		// its leader's scheduler, every 5 s, makes it "available": a post
		// due at 09:00:00 could wait until 09:00:05. An available job is
		// fetched once its time has come (River does the same for short
		// snoozes), so the workers' poll picks it up on time. Measured
		// with 10,000 posts due at once: p99 lag 6.7 s before, 3.5 s after.
		if _, err := stx.ExecContext(ctx, "UPDATE river_job SET state = 'available' WHERE id = ? AND state = 'scheduled'", res.Job.ID); err != nil {
			return 0, fmt.Errorf("make job %d available at its time: %w", res.Job.ID, err)
		}
	}
	return res.Job.ID, nil
}

// Cancel cancels the job inside tx; a job that is gone is no error.
func (e *Engine) Cancel(ctx context.Context, tx crier.Tx, id int64) error {
	client, err := e.riverClient()
	if err != nil {
		return err
	}
	stx, err := sqlTx(tx)
	if err != nil {
		return err
	}
	if _, err := client.JobCancelTx(ctx, stx, id); err != nil && !errors.Is(err, rivertype.ErrNotFound) {
		return fmt.Errorf("cancel job %d: %w", id, err)
	}
	return nil
}

func sqlTx(tx crier.Tx) (*sql.Tx, error) {
	stx, ok := tx.(*sql.Tx)
	if !ok || stx == nil {
		return nil, fmt.Errorf("job engine: the store handed over a %T, not the SQLite transaction it shares with River", tx)
	}
	return stx, nil
}

// Busy reports whether a job of one of the queues is running, or due at or
// before until (or now, if later).
func (e *Engine) Busy(ctx context.Context, until time.Time, queues ...string) (bool, error) {
	client, err := e.riverClient()
	if err != nil {
		return false, err
	}
	// One query over every unfinished state, so a job moving between
	// states (running to retryable) cannot slip between two queries. A
	// running job was due when fetched, so it sorts at or before now; a
	// snoozed job can be "available" with a time still ahead.
	params := river.NewJobListParams().
		States(rivertype.JobStateAvailable, rivertype.JobStateRunning, rivertype.JobStateScheduled, rivertype.JobStateRetryable).
		OrderBy(river.JobListOrderByScheduledAt, river.SortOrderAsc).First(1)
	if len(queues) > 0 {
		params = params.Queues(queues...)
	}
	res, err := client.JobList(ctx, params)
	if err != nil {
		return false, fmt.Errorf("list jobs: %w", err)
	}
	if now := e.clock.Now(); now.After(until) {
		until = now
	}
	return len(res.Jobs) > 0 && !res.Jobs[0].ScheduledAt.After(until), nil
}

// riverTime hands crier's clock to River, so tests that move the clock move
// River's notion of "due" too.
type riverTime struct{ clock crier.Clock }

func (t riverTime) Now() time.Time { return t.clock.Now() }
func (t riverTime) NowOrNil() *time.Time {
	now := t.clock.Now().UTC()
	return &now
}

// quiet returns a logger that passes only warnings and errors: River logs
// every fetch and election at info level.
func quiet(l *slog.Logger) *slog.Logger {
	return slog.New(levelHandler{min: slog.LevelWarn, Handler: l.Handler()})
}

type levelHandler struct {
	min slog.Level
	slog.Handler
}

func (h levelHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}
func (h levelHandler) WithAttrs(a []slog.Attr) slog.Handler {
	return levelHandler{h.min, h.Handler.WithAttrs(a)}
}
func (h levelHandler) WithGroup(n string) slog.Handler {
	return levelHandler{h.min, h.Handler.WithGroup(n)}
}
