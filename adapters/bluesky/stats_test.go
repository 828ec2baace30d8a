package bluesky_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// getPosts takes at most 25 uris a call (maxLength of uris in the
// app.bsky.feed.getPosts lexicon): 25 posts are one call, 26 are two.
func TestPostStatsAsksForTwentyFivePostsACall(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	var ids []string
	for i := range 26 {
		res, err := b.net.Publish(ctx, request(fmt.Sprintf("s%d", i), fmt.Sprintf("post %d", i)))
		require.NoError(t, err)
		ids = append(ids, res.RemoteID)
	}

	stats, err := b.net.PostStats(ctx, ids[:25])
	require.NoError(t, err)
	require.Len(t, stats, 25)
	require.Equal(t, 1, b.srv.Calls("app.bsky.feed.getPosts"))

	stats, err = b.net.PostStats(ctx, ids)
	require.NoError(t, err)
	require.Len(t, stats, 26)
	for i, s := range stats {
		require.Equal(t, ids[i], s.RemoteID, "in the order asked for")
	}
	require.Equal(t, 3, b.srv.Calls("app.bsky.feed.getPosts"))
}
