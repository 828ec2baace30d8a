package file_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/file"
	"github.com/crier-bot/crier/internal/crier"
)

var now = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

func open(t *testing.T, path string) *file.Network {
	t.Helper()
	n, err := file.Open("sandbox", path, 500, crier.NewManualClock(now))
	require.NoError(t, err)
	t.Cleanup(func() { _ = n.Close() })
	return n
}

func TestPublishAppendsOneRecordPerIdempotencyKey(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "out", "outbox.jsonl")
	n := open(t, path)
	req := crier.PublishRequest{IdempotencyKey: "crier-1-sandbox-0", PostID: 1, Text: "Hello ✨", DueAt: now}
	r1, err := n.Publish(context.Background(), req)
	require.NoError(t, err)
	r2, err := n.Publish(context.Background(), req)
	require.NoError(t, err)
	require.Equal(t, r1, r2, "a repeat returns the first result")

	recs, err := file.ReadOutbox(path)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	require.Equal(t, "Hello ✨", recs[0].Text)
	require.Equal(t, int64(1), recs[0].PostID)
}

func TestKeysSurviveAReopen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	n := open(t, path)
	req := crier.PublishRequest{IdempotencyKey: "k1", PostID: 1, Text: "a"}
	_, err := n.Publish(context.Background(), req)
	require.NoError(t, err)
	require.NoError(t, n.Close())

	n2 := open(t, path)
	_, err = n2.Publish(context.Background(), req)
	require.NoError(t, err)
	_, err = n2.Publish(context.Background(), crier.PublishRequest{IdempotencyKey: "k2", PostID: 2, Text: "b"})
	require.NoError(t, err)
	recs, err := file.ReadOutbox(path)
	require.NoError(t, err)
	require.Len(t, recs, 2)
	require.Equal(t, "2", recs[1].ID)
}

func TestATornLastLineIsDroppedAtOpen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	good := `{"idempotency_key":"k1","post_id":1,"id":"1","text":"a"}` + "\n"
	require.NoError(t, os.WriteFile(path, []byte(good+`{"idempotency_key":"k2","po`), 0o644))
	n := open(t, path)
	_, err := n.Publish(context.Background(), crier.PublishRequest{IdempotencyKey: "k2", PostID: 2, Text: "b"})
	require.NoError(t, err)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, 2, strings.Count(string(data), "\n"))
	recs, err := file.ReadOutbox(path)
	require.NoError(t, err)
	require.Len(t, recs, 2)
}

func TestACorruptOutboxIsReportedWithItsLine(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	require.NoError(t, os.WriteFile(path, []byte("{}\nnot json\n"), 0o644))
	_, err := file.Open("sandbox", path, 500, crier.NewManualClock(now))
	require.ErrorContains(t, err, "line 2 is not a JSON record")
}

func TestCheckCountsCharactersNotBytes(t *testing.T) {
	t.Parallel()
	n := open(t, filepath.Join(t.TempDir(), "outbox.jsonl"))
	c := n.Check(strings.Repeat("ă", 501))
	require.Equal(t, crier.Count{Used: 501, Limit: 500, Unit: "characters"}, c)
	require.Equal(t, 1, c.Over())
}

func TestInvalidUTF8IsRefusedForGood(t *testing.T) {
	t.Parallel()
	n := open(t, filepath.Join(t.TempDir(), "outbox.jsonl"))
	_, err := n.Publish(context.Background(), crier.PublishRequest{IdempotencyKey: "k", Text: "bad \xff"})
	require.True(t, crier.IsPermanent(err))
}
