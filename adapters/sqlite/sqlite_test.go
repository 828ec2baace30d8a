package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/sqlite"
	"github.com/crier-bot/crier/internal/crier"
)

var start = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// jobs is the crier.Scheduler the store is handed: it records what the
// store asks of the job engine; failEnqueue makes the enqueue fail, as a full
// disk or a broken job table would; settle is the post-status rule (none:
// the status stays).
type jobs struct {
	next        int64
	enqueued    []crier.Delivery
	cancelled   []int64
	failEnqueue bool
	settle      func(*crier.Post) crier.PostStatus
}

var _ crier.Scheduler = (*jobs)(nil)

func (j *jobs) Key(installation string, dl crier.Delivery) string {
	return crier.IdempotencyKey(installation, dl.PostID, dl.Target, dl.Occurrence)
}

func (j *jobs) Rekey(installation string, dl crier.Delivery) string {
	return j.Key(installation, dl) + "-rekeyed"
}

func (j *jobs) Settle(p *crier.Post) crier.PostStatus {
	if j.settle == nil {
		return p.Status
	}
	return j.settle(p)
}

// refusal returns err's *crier.PostError, failing the test if there is none.
func refusal(t *testing.T, err error) *crier.PostError {
	t.Helper()
	var pe *crier.PostError
	require.ErrorAs(t, err, &pe)
	return pe
}

func (j *jobs) Enqueue(_ context.Context, _ crier.Tx, ds []crier.Delivery) ([]int64, error) {
	if j.failEnqueue {
		return nil, errors.New("disk full")
	}
	var ids []int64
	for _, d := range ds {
		j.next++
		ids = append(ids, j.next)
		j.enqueued = append(j.enqueued, d)
	}
	return ids, nil
}

func (j *jobs) Cancel(_ context.Context, _ crier.Tx, ids []int64) error {
	j.cancelled = append(j.cancelled, ids...)
	return nil
}

func mustOpen(t *testing.T) (*sqlite.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "crier.db")
	db, err := sqlite.Open(context.Background(), path, crier.NewManualClock(start))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db, path
}

func newPost(status crier.PostStatus) *crier.Post {
	return &crier.Post{Text: "Launch day is here!", Status: status, DueAt: start.Add(time.Hour),
		AuthorID: "U1", AuthorName: "ana", Origin: crier.ChannelRef{Platform: "shell", ID: "general"},
		Targets: []string{"sandbox", "other"}}
}

func TestScheduledPostIsStoredWithOneDeliveryAndJobPerTarget(t *testing.T) {
	t.Parallel()
	db, _ := mustOpen(t)
	j := &jobs{}
	p := newPost(crier.PostScheduled)
	require.NoError(t, db.CreatePost(context.Background(), p, j))

	got, err := db.FindPost(context.Background(), p.ID)
	require.NoError(t, err)
	require.Equal(t, p.Text, got.Text)
	require.True(t, got.DueAt.Equal(p.DueAt))
	require.Equal(t, []string{"sandbox", "other"}, got.Targets)
	require.Len(t, got.Deliveries, 2)
	for i, d := range got.Deliveries {
		require.Equal(t, crier.IdempotencyKey(db.Installation(), p.ID, p.Targets[i], 0), d.IdempotencyKey)
		require.Equal(t, crier.DeliveryPending, d.Status)
		require.Equal(t, int64(i+1), d.JobID)
	}
	require.Len(t, j.enqueued, 2)
}

func TestFailedEnqueueStoresNothing(t *testing.T) {
	t.Parallel()
	db, _ := mustOpen(t)
	err := db.CreatePost(context.Background(), newPost(crier.PostScheduled), &jobs{failEnqueue: true})
	require.ErrorContains(t, err, "disk full")
	posts, err := db.ListPosts(context.Background(), crier.PostFilter{})
	require.NoError(t, err)
	require.Empty(t, posts)
}

func TestDraftHasNoDeliveriesUntilScheduled(t *testing.T) {
	t.Parallel()
	db, _ := mustOpen(t)
	j := &jobs{}
	p := newPost(crier.PostDraft)
	require.NoError(t, db.CreatePost(context.Background(), p, j))
	require.Empty(t, j.enqueued)

	got, err := db.SchedulePost(context.Background(), p.ID, start.Add(2*time.Hour), j)
	require.NoError(t, err)
	require.Equal(t, crier.PostScheduled, got.Status)
	require.Len(t, got.Deliveries, 2)

	_, err = db.SchedulePost(context.Background(), p.ID, start.Add(3*time.Hour), j)
	require.Equal(t, crier.ECONFLICT, crier.ErrorCode(err))
	require.Equal(t, &crier.PostError{Code: crier.ECONFLICT, Reason: crier.RefusedNotDraft, PostID: 1, Status: crier.PostScheduled}, refusal(t, err))
}

func TestUnknownPostIsNotFound(t *testing.T) {
	t.Parallel()
	db, _ := mustOpen(t)
	_, err := db.FindPost(context.Background(), 42)
	require.Equal(t, crier.ENOTFOUND, crier.ErrorCode(err))
	require.Equal(t, &crier.PostError{Code: crier.ENOTFOUND, Reason: crier.RefusedNoPost, PostID: 42}, refusal(t, err))
	_, err = db.CancelPost(context.Background(), 42, &jobs{})
	require.Equal(t, crier.ENOTFOUND, crier.ErrorCode(err))
	_, err = db.ReschedulePost(context.Background(), 42, start, &jobs{})
	require.Equal(t, crier.ENOTFOUND, crier.ErrorCode(err))
}

func TestRescheduleCancelsOldJobsAndEnqueuesNewOnes(t *testing.T) {
	t.Parallel()
	db, _ := mustOpen(t)
	j := &jobs{}
	p := newPost(crier.PostScheduled)
	require.NoError(t, db.CreatePost(context.Background(), p, j))
	due := start.Add(5 * time.Hour)
	got, err := db.ReschedulePost(context.Background(), p.ID, due, j)
	require.NoError(t, err)
	require.Equal(t, []int64{1, 2}, j.cancelled)
	require.Len(t, j.enqueued, 4)
	for _, d := range got.Deliveries {
		require.True(t, d.DueAt.Equal(due))
	}
	again, err := db.FindPost(context.Background(), p.ID)
	require.NoError(t, err)
	require.Equal(t, int64(3), again.Deliveries[0].JobID)
}

func TestDeliveryLifecycleSettlesThePostStatus(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := mustOpen(t)
	p := newPost(crier.PostScheduled)
	// The rule is publish's; the store applies what it says, in the
	// transaction that ends a delivery.
	j := &jobs{settle: func(p *crier.Post) crier.PostStatus {
		for _, dl := range p.Deliveries {
			if !dl.Status.Terminal() {
				return p.Status
			}
		}
		return crier.PostPartial
	}}
	require.NoError(t, db.CreatePost(ctx, p, j))
	d0, d1 := p.Deliveries[0], p.Deliveries[1]

	_, _, err := db.StartDelivery(ctx, d0.ID, start) // the job of an older schedule
	require.ErrorIs(t, err, crier.ErrSkip)

	_, dl, err := db.StartDelivery(ctx, d0.ID, p.DueAt)
	require.NoError(t, err)
	require.Equal(t, crier.DeliveryPublishing, dl.Status)
	require.Equal(t, 1, dl.Attempts)

	// Started deliveries can no longer be cancelled or moved.
	_, err = db.CancelPost(ctx, p.ID, &jobs{})
	require.Equal(t, crier.ECONFLICT, crier.ErrorCode(err))
	require.Equal(t, &crier.PostError{Code: crier.ECONFLICT, Reason: crier.RefusedPublishing, PostID: 1, Status: crier.PostScheduled,
		Target: "sandbox", Delivery: crier.DeliveryPublishing}, refusal(t, err))

	got, err := db.EndDelivery(ctx, d0.ID, crier.DeliveryEnd{Status: crier.DeliveryPublished, Result: crier.PublishResult{RemoteID: "7", URL: "https://x/7"}}, j)
	require.NoError(t, err)
	require.Equal(t, crier.PostScheduled, got.Status, "one delivery is still open")

	_, _, err = db.StartDelivery(ctx, d1.ID, p.DueAt)
	require.NoError(t, err)
	got, err = db.EndDelivery(ctx, d1.ID, crier.DeliveryEnd{Status: crier.DeliveryFailed, Reason: "refused"}, j)
	require.NoError(t, err)
	require.Equal(t, crier.PostPartial, got.Status)
	got, err = db.FindPost(ctx, p.ID)
	require.NoError(t, err)
	require.Equal(t, "https://x/7", got.Deliveries[0].URL)
	require.Equal(t, "refused", got.Deliveries[1].LastError)

	_, _, err = db.StartDelivery(ctx, d0.ID, p.DueAt)
	require.ErrorIs(t, err, crier.ErrSkip, "a published delivery is never started again")

	_, err = db.CancelPost(ctx, p.ID, &jobs{})
	require.Equal(t, &crier.PostError{Code: crier.ECONFLICT, Reason: crier.RefusedNotScheduled, PostID: 1, Status: crier.PostPartial}, refusal(t, err))
}

func TestAFileThatIsNotSQLiteIsRefusedClearly(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "notes.db")
	require.NoError(t, os.WriteFile(path, []byte("these are my notes, not a database, and they are long enough to have a header"), 0o600))
	_, err := sqlite.Open(context.Background(), path, crier.NewManualClock(start))
	require.Equal(t, crier.EINVALID, crier.ErrorCode(err))
	require.Contains(t, crier.ErrorMessage(err), path+" is not a crier database")
	data, _ := os.ReadFile(path)
	require.Contains(t, string(data), "these are my notes", "the file is left as it was")
}

func TestASecondCrierOnTheSameDatabaseIsRefused(t *testing.T) {
	t.Parallel()
	_, path := mustOpen(t)
	_, err := sqlite.Open(context.Background(), path, crier.NewManualClock(start))
	require.Equal(t, crier.ECONFLICT, crier.ErrorCode(err))
	require.Contains(t, crier.ErrorMessage(err), "another crier (pid ")
	require.Contains(t, crier.ErrorMessage(err), "is already using "+path)
}

func TestMigrationsAreAppliedOnce(t *testing.T) {
	t.Parallel()
	db, path := mustOpen(t)
	require.NoError(t, db.CreatePost(context.Background(), newPost(crier.PostDraft), &jobs{}))
	require.NoError(t, db.Close())

	db2, err := sqlite.Open(context.Background(), path, crier.NewManualClock(start))
	require.NoError(t, err)
	defer db2.Close()
	var n int
	require.NoError(t, db2.SQL().QueryRow("SELECT count(*) FROM crier_migrations").Scan(&n))
	require.Equal(t, 4, n)
	_, err = db2.FindPost(context.Background(), 1)
	require.NoError(t, err, "data survives a reopen")
	var mode string
	require.NoError(t, db2.SQL().QueryRow("PRAGMA journal_mode").Scan(&mode))
	require.Equal(t, "wal", mode)
}

func TestBackupCopiesTheLiveDatabase(t *testing.T) {
	t.Parallel()
	db, path := mustOpen(t)
	require.NoError(t, db.CreatePost(context.Background(), newPost(crier.PostScheduled), &jobs{}))
	dst := filepath.Join(t.TempDir(), "backup.db")
	require.NoError(t, sqlite.Backup(context.Background(), path, dst), "crier keeps the database open meanwhile")

	copyDB, err := sqlite.Open(context.Background(), dst, crier.NewManualClock(start))
	require.NoError(t, err)
	defer copyDB.Close()
	got, err := copyDB.FindPost(context.Background(), 1)
	require.NoError(t, err)
	require.Equal(t, "Launch day is here!", got.Text)

	err = sqlite.Backup(context.Background(), path, dst)
	require.Equal(t, crier.ECONFLICT, crier.ErrorCode(err), "an existing file is never overwritten")
}

func TestAnotherProgramsSQLiteDatabaseIsLeftAlone(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "contacts.db")
	other, err := sql.Open("sqlite3", path)
	require.NoError(t, err)
	_, err = other.Exec("CREATE TABLE contacts (name TEXT)")
	require.NoError(t, err)
	require.NoError(t, other.Close())

	_, err = sqlite.Open(context.Background(), path, crier.NewManualClock(start))
	require.Equal(t, crier.EINVALID, crier.ErrorCode(err))
	require.Equal(t, path+" is another program's SQLite database, not crier's; point database: in bot.yaml at a new file", crier.ErrorMessage(err))

	check, err := sql.Open("sqlite3", path)
	require.NoError(t, err)
	defer check.Close()
	var n int
	require.NoError(t, check.QueryRow("SELECT count(*) FROM sqlite_master WHERE type = 'table'").Scan(&n))
	require.Equal(t, 1, n, "no table was added")
}

func TestAnAttemptCutShortByACrashIsUnclearSinceItStarted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := crier.NewManualClock(start)
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "crier.db"), clock)
	require.NoError(t, err)
	defer db.Close()
	p := newPost(crier.PostScheduled)
	require.NoError(t, db.CreatePost(ctx, p, &jobs{}))
	id := p.Deliveries[0].ID

	_, dl, err := db.StartDelivery(ctx, id, p.DueAt)
	require.NoError(t, err)
	require.True(t, dl.UnclearAt.IsZero(), "a first attempt is clear")
	attempt := clock.Now()

	// crier is killed mid-attempt and starts again 20 minutes later.
	clock.Add(20 * time.Minute)
	_, dl, err = db.StartDelivery(ctx, id, p.DueAt)
	require.NoError(t, err)
	require.True(t, dl.UnclearAt.Equal(attempt), "unclear since the cut-short attempt started, not since the restart: %s", dl.UnclearAt)
	require.Equal(t, 2, dl.Attempts)

	// A later failure, even an unclear one, does not move it.
	_, err = db.EndDelivery(ctx, id, crier.DeliveryEnd{Status: crier.DeliveryPending, Reason: "503", Unclear: true}, &jobs{})
	require.NoError(t, err)
	clock.Add(time.Minute)
	_, dl, err = db.StartDelivery(ctx, id, p.DueAt)
	require.NoError(t, err)
	require.True(t, dl.UnclearAt.Equal(attempt))
}

func TestAPostThatMayBeOutCannotBeMovedButCanBeCancelled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := mustOpen(t)
	p := newPost(crier.PostScheduled)
	require.NoError(t, db.CreatePost(ctx, p, &jobs{}))
	_, _, err := db.StartDelivery(ctx, p.Deliveries[1].ID, p.DueAt)
	require.NoError(t, err)
	_, err = db.EndDelivery(ctx, p.Deliveries[1].ID, crier.DeliveryEnd{Status: crier.DeliveryPending, Reason: "no answer", Unclear: true}, &jobs{})
	require.NoError(t, err)

	_, err = db.ReschedulePost(ctx, p.ID, start.Add(3*time.Hour), &jobs{})
	require.Equal(t, &crier.PostError{Code: crier.ECONFLICT, Reason: crier.RefusedUnclear, PostID: 1, Status: crier.PostScheduled,
		Target: "other", Delivery: crier.DeliveryPending}, refusal(t, err))
	_, err = db.CancelPost(ctx, p.ID, &jobs{})
	require.NoError(t, err)
}
