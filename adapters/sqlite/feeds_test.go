package sqlite_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/internal/crier"
)

func TestFeedTokenFindsItsPerson(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := mustOpen(t)
	ana, err := db.CreateFeedToken(ctx, "slack", "U1", "ana")
	require.NoError(t, err)
	joe, err := db.CreateFeedToken(ctx, "discord", "U1", "joe")
	require.NoError(t, err)
	require.NotEqual(t, ana, joe)
	require.GreaterOrEqual(t, len(ana), 43, "32 random bytes at least")

	for _, tt := range []struct {
		name, token, platform, user string
		ok                          bool
	}{
		{"a token finds the person who made it", ana, "slack", "U1", true},
		{"each platform's person has their own", joe, "discord", "U1", true},
		{"a wrong token finds nobody", ana[:len(ana)-1] + "x", "", "", false},
		{"an empty token finds nobody", "", "", "", false},
		{"the token's hash is not a token", feedHashOf(ana), "", "", false},
	} {
		platform, user, ok, err := db.FeedUser(ctx, tt.token)
		require.NoError(t, err, tt.name)
		require.Equal(t, tt.ok, ok, tt.name)
		require.Equal(t, tt.platform, platform, tt.name)
		require.Equal(t, tt.user, user, tt.name)
	}
}

func feedHashOf(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func TestFeedStoreKeepsOnlyTheTokensHashes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := mustOpen(t)
	token, err := db.CreateFeedToken(ctx, "slack", "U1", "ana")
	require.NoError(t, err)

	var hash, platform, user, name string
	require.NoError(t, db.SQL().QueryRow("SELECT hash, platform, user_id, user_name FROM feed_tokens").Scan(&hash, &platform, &user, &name))
	require.Equal(t, feedHashOf(token), hash, "the row keeps the token's SHA-256")
	require.Equal(t, []string{"slack", "U1", "ana"}, []string{platform, user, name})

	// No table of the database holds the token: a copy opens no feed.
	trows, err := db.SQL().Query("SELECT name FROM sqlite_master WHERE type = 'table'")
	require.NoError(t, err)
	var tables []string
	for trows.Next() {
		var name string
		require.NoError(t, trows.Scan(&name))
		tables = append(tables, name)
	}
	require.NoError(t, trows.Close())
	require.Contains(t, tables, "feed_tokens")
	for _, table := range tables {
		require.NotContains(t, dumpTable(t, db.SQL(), table), token, "table %s", table)
	}
}

// dumpTable is every value of every row of table, as text.
func dumpTable(t *testing.T, db *sql.DB, table string) string {
	t.Helper()
	rows, err := db.Query(`SELECT * FROM "` + table + `"`)
	require.NoError(t, err)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, rows.Scan(ptrs...))
		for _, v := range vals {
			fmt.Fprintf(&b, "%s|", v)
		}
		b.WriteString("\n")
	}
	require.NoError(t, rows.Err())
	return b.String()
}

func TestRevokedFeedTokensFindNobody(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := mustOpen(t)
	first, err := db.CreateFeedToken(ctx, "slack", "U1", "ana")
	require.NoError(t, err)
	second, err := db.CreateFeedToken(ctx, "slack", "U1", "ana")
	require.NoError(t, err)
	other, err := db.CreateFeedToken(ctx, "slack", "U2", "joe")
	require.NoError(t, err)

	n, err := db.RevokeFeedTokens(ctx, "slack", "U1")
	require.NoError(t, err)
	require.Equal(t, 2, n, "every token of the person")
	for _, tok := range []string{first, second} {
		_, _, ok, err := db.FeedUser(ctx, tok)
		require.NoError(t, err)
		require.False(t, ok, "a revoked token finds nobody")
	}
	_, user, ok, err := db.FeedUser(ctx, other)
	require.NoError(t, err)
	require.True(t, ok, "another person's token still works")
	require.Equal(t, "U2", user)

	n, err = db.RevokeFeedTokens(ctx, "slack", "U1")
	require.NoError(t, err)
	require.Zero(t, n, "revoking again finds none")

	again, err := db.CreateFeedToken(ctx, "slack", "U1", "ana")
	require.NoError(t, err)
	_, _, ok, err = db.FeedUser(ctx, again)
	require.NoError(t, err)
	require.True(t, ok, "a new link after a revoke works")
}

func TestAPersonHoldsAFewFeedTokensAtMost(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := mustOpen(t)
	for range crier.MaxFeedTokens {
		_, err := db.CreateFeedToken(ctx, "slack", "U1", "ana")
		require.NoError(t, err)
	}
	_, err := db.CreateFeedToken(ctx, "slack", "U1", "ana")
	require.Equal(t, crier.ECONFLICT, crier.ErrorCode(err))
	require.Contains(t, crier.ErrorMessage(err), "/calendar revoke")
	_, err = db.CreateFeedToken(ctx, "slack", "U2", "joe")
	require.NoError(t, err, "another person is not limited by the first one's")
}
