package sqlite_test

import (
	"context"
	"database/sql"
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

// jobs are the crier.DeliveryRules the store is handed: publish's keys,
// and settle as the post-status rule (none: the status stays).
type jobs struct {
	settle func(*crier.Post) crier.PostStatus
}

var _ crier.DeliveryRules = (*jobs)(nil)

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

// claim claims the deliveries due at now, failing the test on an error.
func claim(t *testing.T, db *sqlite.DB, now time.Time) []crier.Claim {
	t.Helper()
	cs, err := db.ClaimDeliveries(context.Background(), now, 100)
	require.NoError(t, err)
	return cs
}

// end records one end, failing the test on an error.
func end(t *testing.T, db *sqlite.DB, e crier.DeliveryEnd, r crier.DeliveryRules) {
	t.Helper()
	require.NoError(t, db.EndDeliveries(context.Background(), []crier.DeliveryEnd{e}, r))
}

func mustOpen(t *testing.T) (*sqlite.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "crier.db")
	db, err := sqlite.Open(context.Background(), path, crier.NewManualClock(start))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db, path
}

// openWithClock opens a new database on a manual clock at start that the
// test moves.
func openWithClock(t *testing.T) (*sqlite.DB, *crier.ManualClock) {
	t.Helper()
	clock := crier.NewManualClock(start)
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "crier.db"), clock)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db, clock
}

func newPost(status crier.PostStatus) *crier.Post {
	return &crier.Post{Text: "Launch day is here!", Status: status, DueAt: start.Add(time.Hour),
		AuthorID: "U1", AuthorName: "ana", Origin: crier.ChannelRef{Platform: "shell", ID: "general"},
		Targets: []string{"sandbox", "other"}}
}

func TestScheduledPostIsStoredWithOneDeliveryPerTargetDueAtItsTime(t *testing.T) {
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
		require.True(t, d.NextAt.Equal(p.DueAt))
	}
	next, ok, err := db.NextDelivery(context.Background())
	require.NoError(t, err)
	require.True(t, ok)
	require.True(t, next.Equal(p.DueAt))
}

func TestAPostThatCannotBeStoredLeavesNothing(t *testing.T) {
	t.Parallel()
	db, _ := mustOpen(t)
	p := newPost(crier.PostScheduled)
	p.Targets = []string{"sandbox", "sandbox"} // the second delivery breaks the unique key
	require.Error(t, db.CreatePost(context.Background(), p, &jobs{}))
	posts, err := db.ListPosts(context.Background(), crier.PostFilter{})
	require.NoError(t, err)
	require.Empty(t, posts)
	_, ok, err := db.NextDelivery(context.Background())
	require.NoError(t, err)
	require.False(t, ok, "no delivery is left due")
}

func TestPostsStoredTogetherAreAllStoredOrNone(t *testing.T) {
	t.Parallel()
	db, _ := mustOpen(t)
	ctx := context.Background()
	good, bad := newPost(crier.PostScheduled), newPost(crier.PostScheduled)
	bad.Targets = []string{"sandbox", "sandbox"} // the third post cannot be stored
	posts := []*crier.Post{good, newPost(crier.PostDraft), bad}
	require.Error(t, db.CreatePosts(ctx, posts, &jobs{}))
	for _, p := range posts {
		require.Zero(t, p.ID, "no post says it was stored")
	}
	stored, err := db.ListPosts(ctx, crier.PostFilter{})
	require.NoError(t, err)
	require.Empty(t, stored, "the posts before the bad one were taken back")
	_, ok, err := db.NextDelivery(ctx)
	require.NoError(t, err)
	require.False(t, ok, "no delivery is left due")

	bad.Targets = []string{"sandbox"}
	require.NoError(t, db.CreatePosts(ctx, posts, &jobs{}))
	stored, err = db.ListPosts(ctx, crier.PostFilter{})
	require.NoError(t, err)
	require.Len(t, stored, 3)
	require.Len(t, posts[0].Deliveries, 2)
	require.Empty(t, posts[1].Deliveries, "a draft has none")
	require.NotZero(t, posts[2].ID)
}

func TestDraftHasNoDeliveriesUntilScheduled(t *testing.T) {
	t.Parallel()
	db, _ := mustOpen(t)
	j := &jobs{}
	p := newPost(crier.PostDraft)
	require.NoError(t, db.CreatePost(context.Background(), p, j))
	_, ok, err := db.NextDelivery(context.Background())
	require.NoError(t, err)
	require.False(t, ok, "a draft is not due")

	got, err := db.SchedulePost(context.Background(), p.ID, start.Add(2*time.Hour), false, j)
	require.NoError(t, err)
	require.Equal(t, crier.PostScheduled, got.Status)
	require.Len(t, got.Deliveries, 2)

	_, err = db.SchedulePost(context.Background(), p.ID, start.Add(3*time.Hour), false, j)
	require.Equal(t, crier.ECONFLICT, crier.ErrorCode(err))
	require.Equal(t, &crier.PostError{Code: crier.ECONFLICT, Reason: crier.RefusedNotDraft, PostID: 1, Status: crier.PostScheduled}, refusal(t, err))
}

func TestUnknownPostIsNotFound(t *testing.T) {
	t.Parallel()
	db, _ := mustOpen(t)
	_, err := db.FindPost(context.Background(), 42)
	require.Equal(t, crier.ENOTFOUND, crier.ErrorCode(err))
	require.Equal(t, &crier.PostError{Code: crier.ENOTFOUND, Reason: crier.RefusedNoPost, PostID: 42}, refusal(t, err))
	_, err = db.CancelPost(context.Background(), 42)
	require.Equal(t, crier.ENOTFOUND, crier.ErrorCode(err))
	_, err = db.ReschedulePost(context.Background(), 42, start)
	require.Equal(t, crier.ENOTFOUND, crier.ErrorCode(err))
}

func TestARescheduledPostFallsDueAtItsNewTimeOnly(t *testing.T) {
	t.Parallel()
	db, _ := mustOpen(t)
	p := newPost(crier.PostScheduled)
	require.NoError(t, db.CreatePost(context.Background(), p, &jobs{}))
	due := start.Add(5 * time.Hour)
	got, err := db.ReschedulePost(context.Background(), p.ID, due)
	require.NoError(t, err)
	for _, d := range got.Deliveries {
		require.True(t, d.DueAt.Equal(due))
		require.True(t, d.NextAt.Equal(due))
	}
	require.Empty(t, claim(t, db, p.DueAt), "nothing is due at the old time")
	cs := claim(t, db, due)
	require.Len(t, cs, 2)

	// A post that failed once and is moved starts its attempts afresh.
	end(t, db, crier.DeliveryEnd{ID: cs[0].Delivery.ID, Status: crier.DeliveryPending, Reason: "503", Counted: true, NextAt: due.Add(time.Minute)}, &jobs{})
	end(t, db, crier.DeliveryEnd{ID: cs[1].Delivery.ID, Status: crier.DeliveryPending, Released: true, NextAt: due}, &jobs{})
	got, err = db.ReschedulePost(context.Background(), p.ID, due.Add(time.Hour))
	require.NoError(t, err)
	require.Equal(t, 0, got.Deliveries[0].Failures)
	again, err := db.FindPost(context.Background(), p.ID)
	require.NoError(t, err)
	require.Equal(t, 0, again.Deliveries[0].Failures)
}

func TestACancelledPostNeverFallsDue(t *testing.T) {
	t.Parallel()
	db, _ := mustOpen(t)
	p := newPost(crier.PostScheduled)
	require.NoError(t, db.CreatePost(context.Background(), p, &jobs{}))
	_, err := db.CancelPost(context.Background(), p.ID)
	require.NoError(t, err)
	require.Empty(t, claim(t, db, p.DueAt.Add(time.Hour)))
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

	require.Empty(t, claim(t, db, p.DueAt.Add(-time.Millisecond)), "not due yet")
	cs := claim(t, db, p.DueAt)
	require.Len(t, cs, 2)
	for i, c := range cs {
		require.Equal(t, p.Deliveries[i].ID, c.Delivery.ID, "earliest first, then by id")
		require.Equal(t, crier.DeliveryPublishing, c.Delivery.Status)
		require.Equal(t, 1, c.Delivery.Attempts)
		require.Equal(t, p.Text, c.Post.Text)
		require.True(t, c.Delivery.StartedAt.Equal(p.DueAt))
	}
	require.Same(t, cs[0].Post, cs[1].Post, "claims of one post share it")
	require.Empty(t, claim(t, db, p.DueAt), "a claimed delivery is not claimed again")

	// Started deliveries can no longer be cancelled or moved.
	_, err := db.CancelPost(ctx, p.ID)
	require.Equal(t, crier.ECONFLICT, crier.ErrorCode(err))
	require.Equal(t, &crier.PostError{Code: crier.ECONFLICT, Reason: crier.RefusedPublishing, PostID: 1, Status: crier.PostScheduled,
		Target: "sandbox", Delivery: crier.DeliveryPublishing}, refusal(t, err))

	end(t, db, crier.DeliveryEnd{ID: d0.ID, Status: crier.DeliveryPublished, Result: crier.PublishResult{RemoteID: "7", URL: "https://x/7"}}, j)
	got, err := db.FindPost(ctx, p.ID)
	require.NoError(t, err)
	require.Equal(t, crier.PostScheduled, got.Status, "one delivery is still open")

	end(t, db, crier.DeliveryEnd{ID: d1.ID, Status: crier.DeliveryFailed, Reason: "refused", Counted: true}, j)
	got, err = db.FindPost(ctx, p.ID)
	require.NoError(t, err)
	require.Equal(t, crier.PostPartial, got.Status)
	require.Equal(t, "https://x/7", got.Deliveries[0].URL)
	require.Equal(t, "refused", got.Deliveries[1].LastError)
	require.Equal(t, 1, got.Deliveries[1].Failures)

	// A late end for a finished delivery changes nothing.
	end(t, db, crier.DeliveryEnd{ID: d0.ID, Status: crier.DeliveryFailed, Reason: "late"}, j)
	got, err = db.FindPost(ctx, p.ID)
	require.NoError(t, err)
	require.Equal(t, crier.DeliveryPublished, got.Deliveries[0].Status)
	require.Empty(t, claim(t, db, p.DueAt.Add(time.Hour)), "a finished delivery is never claimed again")

	_, err = db.CancelPost(ctx, p.ID)
	require.Equal(t, &crier.PostError{Code: crier.ECONFLICT, Reason: crier.RefusedNotScheduled, PostID: 1, Status: crier.PostPartial}, refusal(t, err))
}

func TestARetryFallsDueAtItsTimeAndOnlyCountedFailuresCount(t *testing.T) {
	t.Parallel()
	db, _ := mustOpen(t)
	p := newPost(crier.PostScheduled)
	p.Targets = []string{"sandbox"}
	require.NoError(t, db.CreatePost(context.Background(), p, &jobs{}))
	id := p.Deliveries[0].ID

	claim(t, db, p.DueAt)
	retry := p.DueAt.Add(10 * time.Second)
	end(t, db, crier.DeliveryEnd{ID: id, Status: crier.DeliveryPending, Reason: "503", Counted: true, NextAt: retry}, &jobs{})
	next, ok, err := db.NextDelivery(context.Background())
	require.NoError(t, err)
	require.True(t, ok)
	require.True(t, next.Equal(retry))
	require.Empty(t, claim(t, db, retry.Add(-time.Millisecond)))
	cs := claim(t, db, retry)
	require.Len(t, cs, 1)
	require.Equal(t, 2, cs[0].Delivery.Attempts)
	require.Equal(t, 1, cs[0].Delivery.Failures)
	require.Equal(t, "503", cs[0].Delivery.LastError)
	require.True(t, cs[0].Delivery.StartedAt.Equal(p.DueAt), "the first attempt's start is kept")

	// A rate limit does not count toward the limit.
	end(t, db, crier.DeliveryEnd{ID: id, Status: crier.DeliveryPending, Reason: "429", NextAt: retry.Add(time.Minute)}, &jobs{})
	cs = claim(t, db, retry.Add(time.Minute))
	require.Len(t, cs, 1)
	require.Equal(t, 3, cs[0].Delivery.Attempts)
	require.Equal(t, 1, cs[0].Delivery.Failures)
}

func TestAReleasedClaimIsDueAgainAsIfNeverTaken(t *testing.T) {
	t.Parallel()
	db, _ := mustOpen(t)
	p := newPost(crier.PostScheduled)
	p.Targets = []string{"sandbox"}
	require.NoError(t, db.CreatePost(context.Background(), p, &jobs{}))
	id := p.Deliveries[0].ID
	claim(t, db, p.DueAt)
	end(t, db, crier.DeliveryEnd{ID: id, Status: crier.DeliveryPending, Released: true, NextAt: p.DueAt}, &jobs{})
	got, err := db.FindPost(context.Background(), p.ID)
	require.NoError(t, err)
	dl := got.Deliveries[0]
	require.Equal(t, crier.DeliveryPending, dl.Status)
	require.Equal(t, 0, dl.Attempts)
	require.True(t, dl.StartedAt.IsZero(), "no attempt started")
	require.True(t, dl.UnclearAt.IsZero())
	require.Len(t, claim(t, db, p.DueAt), 1)
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
	files, err := filepath.Glob("migrations/*.sql")
	require.NoError(t, err)
	require.Len(t, files, n, "each migration recorded once")
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
	db, clock := openWithClock(t)
	p := newPost(crier.PostScheduled)
	p.Targets = []string{"sandbox"}
	require.NoError(t, db.CreatePost(ctx, p, &jobs{}))
	id := p.Deliveries[0].ID

	clock.Set(p.DueAt)
	cs := claim(t, db, clock.Now())
	require.Len(t, cs, 1)
	require.True(t, cs[0].Delivery.UnclearAt.IsZero(), "a first attempt is clear")
	attempt := clock.Now()

	// crier is killed mid-attempt and starts again 20 minutes later.
	clock.Add(20 * time.Minute)
	n, err := db.RecoverDeliveries(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	cs = claim(t, db, clock.Now())
	require.Len(t, cs, 1, "due again at once")
	dl := cs[0].Delivery
	require.True(t, dl.UnclearAt.Equal(attempt), "unclear since the cut-short attempt started, not since the restart: %s", dl.UnclearAt)
	require.Equal(t, 2, dl.Attempts)

	// A later failure, even an unclear one, does not move it.
	end(t, db, crier.DeliveryEnd{ID: id, Status: crier.DeliveryPending, Reason: "503", Unclear: true, NextAt: clock.Now()}, &jobs{})
	clock.Add(time.Minute)
	cs = claim(t, db, clock.Now())
	require.Len(t, cs, 1)
	require.True(t, cs[0].Delivery.UnclearAt.Equal(attempt))
	n, err = db.RecoverDeliveries(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
}

func TestAPostThatMayBeOutCannotBeMovedButCanBeCancelled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := mustOpen(t)
	p := newPost(crier.PostScheduled)
	require.NoError(t, db.CreatePost(ctx, p, &jobs{}))
	require.Len(t, claim(t, db, p.DueAt), 2)
	end(t, db, crier.DeliveryEnd{ID: p.Deliveries[0].ID, Status: crier.DeliveryPending, Released: true}, &jobs{})
	end(t, db, crier.DeliveryEnd{ID: p.Deliveries[1].ID, Status: crier.DeliveryPending, Reason: "no answer", Unclear: true, NextAt: p.DueAt.Add(2 * time.Minute)}, &jobs{})

	_, err := db.ReschedulePost(ctx, p.ID, start.Add(3*time.Hour))
	require.Equal(t, &crier.PostError{Code: crier.ECONFLICT, Reason: crier.RefusedUnclear, PostID: 1, Status: crier.PostScheduled,
		Target: "other", Delivery: crier.DeliveryPending}, refusal(t, err))
	_, err = db.CancelPost(ctx, p.ID)
	require.NoError(t, err)
}
