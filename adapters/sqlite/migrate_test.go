package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/sqlite"
	"github.com/crier-bot/crier/internal/crier"
)

// A database from before issue 6 (one River job per delivery) keeps every
// waiting delivery: each is due in the new queue at its time, and one an
// attempt was made for not sooner than two minutes after that attempt.
func TestWaitingDeliveriesFromBeforeTheQueueAreDueInIt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "crier.db")
	old, err := sql.Open("sqlite3", path)
	require.NoError(t, err)
	_, err = old.Exec("CREATE TABLE crier_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)")
	require.NoError(t, err)
	for i, name := range []string{"0001_posts.sql", "0002_user_timezones.sql", "0003_networks.sql", "0004_installation.sql"} {
		body, err := os.ReadFile(filepath.Join("migrations", name))
		require.NoError(t, err)
		_, err = old.Exec(string(body))
		require.NoError(t, err, name)
		_, err = old.Exec("INSERT INTO crier_migrations (version, name, applied_at) VALUES (?, ?, 0)", i+1, name)
		require.NoError(t, err)
	}
	due := start.Add(time.Hour)
	attempt := due.Add(30 * time.Second)
	_, err = old.Exec(`INSERT INTO posts (id, text, status, due_at, created_at, updated_at, author_id, author_name, origin_platform, origin_channel, targets)
		VALUES (1, 'Launch', 'scheduled', ?, 0, 0, 'U1', 'ana', 'shell', 'general', '["sandbox","other","done"]')`, due.UnixMilli())
	require.NoError(t, err)
	_, err = old.Exec(`INSERT INTO deliveries (post_id, target, idempotency_key, status, due_at, attempts, job_id, last_attempt_at, unclear_at) VALUES
		(1, 'sandbox', 'k1', 'pending', ?, 0, 11, NULL, NULL),
		(1, 'other', 'k2', 'pending', ?, 1, 12, ?, ?),
		(1, 'done', 'k3', 'published', ?, 1, 13, ?, NULL)`,
		due.UnixMilli(), due.UnixMilli(), attempt.UnixMilli(), attempt.UnixMilli(), due.UnixMilli(), due.UnixMilli())
	require.NoError(t, err)
	require.NoError(t, old.Close())

	db, err := sqlite.Open(ctx, path, crier.NewManualClock(start))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	p, err := db.FindPost(ctx, 1)
	require.NoError(t, err)
	require.True(t, p.Deliveries[0].NextAt.Equal(due))
	require.True(t, p.Deliveries[1].NextAt.Equal(attempt.Add(2*time.Minute)), "the retry waits out the pause after an attempt: %s", p.Deliveries[1].NextAt)
	require.Equal(t, 1, p.Deliveries[1].Failures)
	require.True(t, p.Deliveries[2].NextAt.IsZero(), "a published delivery is not due")

	cs, err := db.ClaimDeliveries(ctx, due, 10)
	require.NoError(t, err)
	require.Len(t, cs, 1)
	require.Equal(t, "sandbox", cs[0].Delivery.Target)
	cs, err = db.ClaimDeliveries(ctx, attempt.Add(2*time.Minute), 10)
	require.NoError(t, err)
	require.Len(t, cs, 1)
	require.Equal(t, "other", cs[0].Delivery.Target)
	require.False(t, cs[0].Delivery.UnclearAt.IsZero(), "still unclear: its key decides")
}
