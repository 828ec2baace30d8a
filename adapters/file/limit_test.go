package file_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/file"
	"github.com/crier-bot/crier/internal/crier"
)

func TestPublishRefusesTextOverTheLimitForGood(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	n := open(t, path)
	_, err := n.Publish(context.Background(), crier.PublishRequest{IdempotencyKey: "k", PostID: 1, Text: strings.Repeat("ă", 501)})
	require.True(t, crier.IsPermanent(err), "got %v", err)
	require.Equal(t, "The text is 501 characters; sandbox takes 500. Shorten it by 1.", crier.ErrorMessage(err))
	recs, err := file.ReadOutbox(path)
	require.NoError(t, err)
	require.Empty(t, recs)
}
