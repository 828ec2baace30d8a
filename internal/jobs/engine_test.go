package jobs_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/sqlite"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/jobs"
)

type noteArgs struct{ N int }

func (noteArgs) Kind() string { return "note" }

type noteWorker struct {
	river.WorkerDefaults[noteArgs]
	done chan int
}

func (w *noteWorker) Work(_ context.Context, j *river.Job[noteArgs]) error {
	w.done <- j.Args.N
	return nil
}

// A job a crash left "running" runs again at the next start, without
// waiting for River's rescuer and without losing an attempt.
func TestStartRunsJobsACrashLeftRunning(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := crier.NewManualClock(time.Now().UTC())
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "crier.db"), clock)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })

	eng, err := jobs.New(ctx, jobs.Options{DB: db.SQL(), Clock: clock, PollInterval: 20 * time.Millisecond})
	require.NoError(t, err)
	w := &noteWorker{done: make(chan int, 1)}
	require.NoError(t, jobs.AddWorker(eng, w))
	require.NoError(t, eng.AddQueue("notes", 1))

	tx, err := db.SQL().BeginTx(ctx, nil)
	require.NoError(t, err)
	id, err := eng.Insert(ctx, tx, noteArgs{N: 7}, jobs.InsertOpts{Queue: "notes", MaxAttempts: 3})
	require.NoError(t, err)
	require.NoError(t, tx.Commit())
	// What SIGKILL during the job's first attempt leaves behind.
	_, err = db.SQL().Exec("UPDATE river_job SET state = 'running', attempt = 1, attempted_at = ? WHERE id = ?",
		clock.Now().Add(-time.Second).Format("2006-01-02 15:04:05.999"), id)
	require.NoError(t, err)

	require.NoError(t, eng.Start(ctx))
	t.Cleanup(func() { _ = eng.Stop(context.Background()) })
	select {
	case n := <-w.done:
		require.Equal(t, 7, n)
	case <-time.After(10 * time.Second):
		t.Fatal("the interrupted job did not run again at start")
	}
	var attempt int
	require.Eventually(t, func() bool {
		var state string
		require.NoError(t, db.SQL().QueryRow("SELECT state, attempt FROM river_job WHERE id = ?", id).Scan(&state, &attempt))
		return state == "completed"
	}, 10*time.Second, 10*time.Millisecond)
	require.Equal(t, 1, attempt, "the attempt the crash cut short is given back")
}

// A job inserted in a store's transaction that rolls back is gone with it.
func TestInsertBelongsToTheStoresTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := crier.NewManualClock(time.Now().UTC())
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "crier.db"), clock)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	eng, err := jobs.New(ctx, jobs.Options{DB: db.SQL(), Clock: clock})
	require.NoError(t, err)

	tx, err := db.SQL().BeginTx(ctx, nil)
	require.NoError(t, err)
	_, err = eng.Insert(ctx, tx, noteArgs{N: 1}, jobs.InsertOpts{Queue: "notes", At: clock.Now().Add(time.Hour)})
	require.NoError(t, err)
	require.NoError(t, tx.Rollback())
	busy, err := eng.Busy(ctx, clock.Now().Add(2*time.Hour))
	require.NoError(t, err)
	require.False(t, busy)

	_, err = eng.Insert(ctx, (*sql.Tx)(nil), noteArgs{N: 1}, jobs.InsertOpts{Queue: "notes"})
	require.Error(t, err, "no transaction is refused, not a panic")
}

// A store transaction that inserts a job while the engine is starting (a
// command arriving as crier starts) holds the database's one connection,
// which the start waits for: the insert must not wait for the start.
func TestInsertDuringStartDoesNotDeadlock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := crier.NewManualClock(time.Now().UTC())
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "crier.db"), clock)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	eng, err := jobs.New(ctx, jobs.Options{DB: db.SQL(), Clock: clock})
	require.NoError(t, err)
	w := &noteWorker{done: make(chan int, 1)}
	require.NoError(t, jobs.AddWorker(eng, w))
	require.NoError(t, eng.AddQueue("notes", 1))

	tx, err := db.SQL().BeginTx(ctx, nil) // the store's transaction: the one connection
	require.NoError(t, err)
	waits := db.SQL().Stats().WaitCount
	started := make(chan error, 1)
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	go func() { started <- eng.Start(sctx) }()
	t.Cleanup(func() { _ = eng.Stop(context.Background()) })
	require.Eventually(t, func() bool { return db.SQL().Stats().WaitCount > waits }, 10*time.Second, time.Millisecond,
		"the start waits for the connection")

	inserted := make(chan error, 1)
	go func() {
		_, err := eng.Insert(ctx, tx, noteArgs{N: 3}, jobs.InsertOpts{Queue: "notes"})
		if err == nil {
			err = tx.Commit()
		}
		inserted <- err
	}()
	select {
	case err := <-inserted:
		require.NoError(t, err)
	case <-sctx.Done():
		t.Fatal("the insert waited for the start, which waited for the insert's connection")
	}
	require.NoError(t, <-started)
	require.Equal(t, 3, <-w.done)
}

type retiredArgs struct{}

func (retiredArgs) Kind() string { return "publish_delivery" }

// Jobs of a kind nothing runs any more are deleted; others are kept.
func TestRetireDropsTheJobsOfAKindNoWorkerRuns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := crier.NewManualClock(time.Now().UTC())
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "crier.db"), clock)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	eng, err := jobs.New(ctx, jobs.Options{DB: db.SQL(), Clock: clock})
	require.NoError(t, err)
	tx, err := db.SQL().BeginTx(ctx, nil)
	require.NoError(t, err)
	for _, args := range []river.JobArgs{retiredArgs{}, retiredArgs{}, noteArgs{N: 1}} {
		_, err = eng.Insert(ctx, tx, args, jobs.InsertOpts{Queue: "old", MaxAttempts: 3})
		require.NoError(t, err)
	}
	require.NoError(t, tx.Commit())

	n, err := eng.Retire(ctx, "publish_delivery")
	require.NoError(t, err)
	require.Equal(t, int64(2), n)
	var kinds []string
	rows, err := db.SQL().Query("SELECT kind FROM river_job")
	require.NoError(t, err)
	defer rows.Close()
	for rows.Next() {
		var k string
		require.NoError(t, rows.Scan(&k))
		kinds = append(kinds, k)
	}
	require.Equal(t, []string{"note"}, kinds)
}
