package mastodon

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/internal/crier"
)

// An answer is counted as Reply sends it: with the author's @handle first,
// unless the text mentions that very account already ("@anabel" is not
// "@ana"). Mastodon counts a mention by its username.
func TestCheckReplyCountsTheHandleReplyPutsFirst(t *testing.T) {
	t.Parallel()
	b := setup(t)
	to := crier.Comment{AuthorHandle: "@ana@example.social"}
	plain := b.net.Check("thanks").Used
	require.Equal(t, plain+len("@ana "), b.net.CheckReply("thanks", to).Used)
	require.Equal(t, b.net.Check("@ana@example.social thanks").Used, b.net.CheckReply("@ana@example.social thanks", to).Used, "mentioned already")
	require.Equal(t, b.net.Check("@anabel@example.social thanks").Used+len("@ana "),
		b.net.CheckReply("@anabel@example.social thanks", to).Used, "another account is not the author")
	require.Equal(t, plain, b.net.CheckReply("thanks", crier.Comment{}).Used, "no author: nothing first")
}
