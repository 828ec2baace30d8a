package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/sqlite"
	"github.com/crier-bot/crier/internal/crier"
)

func TestTwoDatabasesNeverMintTheSameKeyForTheirFirstPost(t *testing.T) {
	t.Parallel()
	staging, _ := mustOpen(t)
	production, _ := mustOpen(t)
	a, b := newPost(crier.PostScheduled), newPost(crier.PostScheduled)
	require.NoError(t, staging.CreatePost(context.Background(), a, &jobs{}))
	require.NoError(t, production.CreatePost(context.Background(), b, &jobs{}))
	require.Equal(t, a.ID, b.ID, "both are post #1")
	require.NotEqual(t, a.Deliveries[0].IdempotencyKey, b.Deliveries[0].IdempotencyKey)
	require.Regexp(t, `^crier-[0-9a-f]{12}-1-sandbox-0$`, a.Deliveries[0].IdempotencyKey)
}

func TestTheInstallationIdSurvivesARestartAndABackupGetsItsOwn(t *testing.T) {
	t.Parallel()
	db, path := mustOpen(t)
	id := db.Installation()
	require.Len(t, id, 12)
	dst := filepath.Join(t.TempDir(), "backup.db")
	require.NoError(t, sqlite.Backup(context.Background(), path, dst))
	require.NoError(t, db.Close())

	again, err := sqlite.Open(context.Background(), path, crier.NewManualClock(start))
	require.NoError(t, err)
	require.Equal(t, id, again.Installation(), "the same database keeps its id")
	require.NoError(t, again.Close())

	restored, err := sqlite.Open(context.Background(), dst, crier.NewManualClock(start))
	require.NoError(t, err)
	defer restored.Close()
	require.NotEqual(t, id, restored.Installation(), "a restored backup mints keys of its own")
}

func TestTheDatabaseItsWALAndBackupsAreReadableByTheirOwnerOnly(t *testing.T) {
	t.Parallel()
	db, path := mustOpen(t)
	require.NoError(t, db.SaveState(context.Background(), "bsky", "session", "secret-token"))
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), p)
	}
	dst := filepath.Join(t.TempDir(), "backup.db")
	require.NoError(t, sqlite.Backup(context.Background(), path, dst))
	fi, err := os.Stat(dst)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "the backup")
}

func TestADatabaseAnOlderCrierMadeWorldReadableIsMadePrivate(t *testing.T) {
	t.Parallel()
	db, path := mustOpen(t)
	require.NoError(t, db.Close())
	require.NoError(t, os.Chmod(path, 0o644))

	db, err := sqlite.Open(context.Background(), path, crier.NewManualClock(start))
	require.NoError(t, err)
	defer db.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), p)
	}
}

func TestASignedRequestIsSeenOnceUntilItExpires(t *testing.T) {
	t.Parallel()
	clock := crier.NewManualClock(start)
	path := filepath.Join(t.TempDir(), "crier.db")
	db, err := sqlite.Open(context.Background(), path, clock)
	require.NoError(t, err)
	ctx := context.Background()
	expires := start.Add(5 * time.Minute)

	seen, err := db.SeenRequest(ctx, "slack", "v0=abc", expires)
	require.NoError(t, err)
	require.False(t, seen, "first time")
	seen, err = db.SeenRequest(ctx, "discord", "v0=abc", expires)
	require.NoError(t, err)
	require.False(t, seen, "each platform has its own signatures")
	require.NoError(t, db.Close())

	db, err = sqlite.Open(ctx, path, clock)
	require.NoError(t, err)
	defer db.Close()
	seen, err = db.SeenRequest(ctx, "slack", "v0=abc", expires)
	require.NoError(t, err)
	require.True(t, seen, "a replay after a restart is still recognised")

	clock.Add(5*time.Minute + time.Second)
	seen, err = db.SeenRequest(ctx, "slack", "v0=abc", clock.Now().Add(5*time.Minute))
	require.NoError(t, err)
	require.False(t, seen, "an expired record is forgotten (the signature's age check refuses such a request anyway)")
}

func TestABackupOfADatabaseAnOlderCrierMadeWorks(t *testing.T) {
	t.Parallel()
	db, path := mustOpen(t)
	require.NoError(t, db.CreatePost(context.Background(), newPost(crier.PostScheduled), &jobs{}))
	// As the crier before installation ids left it: no migration 4.
	_, err := db.SQL().Exec("DROP TABLE installation; DROP TABLE seen_requests; DELETE FROM crier_migrations WHERE version = 4")
	require.NoError(t, err)
	require.NoError(t, db.Close())

	dst := filepath.Join(t.TempDir(), "backup.db")
	require.NoError(t, sqlite.Backup(context.Background(), path, dst), "backing up before the first run of a new crier")
	copyDB, err := sqlite.Open(context.Background(), dst, crier.NewManualClock(start))
	require.NoError(t, err)
	defer copyDB.Close()
	original, err := sqlite.Open(context.Background(), path, crier.NewManualClock(start))
	require.NoError(t, err)
	defer original.Close()
	require.NotEqual(t, original.Installation(), copyDB.Installation(), "each makes its own id")
	got, err := copyDB.FindPost(context.Background(), 1)
	require.NoError(t, err)
	require.Equal(t, "Launch day is here!", got.Text)
}
