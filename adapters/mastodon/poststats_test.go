package mastodon

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/mastodon/mastodontest"
	"github.com/crier-bot/crier/internal/crier"
)

// postsWithCounts publishes n statuses with distinct counts, deletes the
// second, and returns all their ids (in publishing order) and the counts
// PostStats must return for them (the deleted one left out).
func postsWithCounts(t *testing.T, b *testBundle, n int) ([]string, []crier.PostStats) {
	t.Helper()
	ctx := testContext(t)
	var ids []string
	var want []crier.PostStats
	for i := range n {
		res, err := b.net.Publish(ctx, publishReq("k"+strconv.Itoa(i), "post "+strconv.Itoa(i)))
		require.NoError(t, err)
		ids = append(ids, res.RemoteID)
		b.srv.SetCounts(res.RemoteID, i, 2*i, 3*i, i%4)
		if i == 1 {
			b.srv.Delete(res.RemoteID)
			continue
		}
		want = append(want, crier.PostStats{RemoteID: res.RemoteID, Replies: i, Reposts: 2 * i, Likes: 3 * i, Quotes: i % 4})
	}
	return ids, want
}

// statusReads returns the fake's GET /api/v1/statuses (index) requests and
// how many GET /api/v1/statuses/:id requests it had.
func statusReads(srv *mastodontest.Server) (index []mastodontest.Request, single int) {
	for _, r := range requestsTo(srv, http.MethodGet, "/api/v1/statuses") {
		if r.Path == "/api/v1/statuses" {
			index = append(index, r)
		} else {
			single++
		}
	}
	return index, single
}

func TestPostStatsReadsTwentyStatusesARequest(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ids, want := postsWithCounts(t, b, 45)

	stats, err := b.net.PostStats(testContext(t), ids)
	require.NoError(t, err)
	require.Equal(t, want, stats, "in the order asked for; the deleted status is left out")

	index, single := statusReads(b.srv)
	require.Len(t, index, 3, "45 statuses, 20 a request")
	require.Zero(t, single)
	var asked []string
	for _, r := range index {
		require.LessOrEqual(t, len(r.Query["id[]"]), 20)
		asked = append(asked, r.Query["id[]"]...)
	}
	require.Equal(t, ids, asked, "each status asked for once")
}

func TestPostStatsOnAnInstanceBefore43(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.srv.SetStatusIndex(false)
	ids, want := postsWithCounts(t, b, 45)

	stats, err := b.net.PostStats(testContext(t), ids)
	require.NoError(t, err)
	require.Equal(t, want, stats)
	index, single := statusReads(b.srv)
	require.Len(t, index, 1, "one try at the index, then one status at a time")
	require.Equal(t, 45, single)

	stats, err = b.net.PostStats(testContext(t), ids)
	require.NoError(t, err)
	require.Equal(t, want, stats)
	index, single = statusReads(b.srv)
	require.Len(t, index, 1, "the instance's age is remembered")
	require.Equal(t, 90, single)
}

func TestPostStatsLeavesOutWhatIsGoneAndRepeats(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ids, want := postsWithCounts(t, b, 3)
	asked := []string{"", ids[2], "999", ids[0], ids[1], ids[2], "not-an-id"}

	stats, err := b.net.PostStats(testContext(t), asked)
	require.NoError(t, err)
	require.Equal(t, []crier.PostStats{want[1], want[0]}, stats)

	empty, err := b.net.PostStats(testContext(t), []string{"999"})
	require.NoError(t, err)
	require.Empty(t, empty)
}

func TestPostStatsRateLimitedMidway(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ids, _ := postsWithCounts(t, b, 45)
	b.srv.ThrottleAfter(1) // the first batch is read, the second gets a 429

	stats, err := b.net.PostStats(testContext(t), ids)
	require.Error(t, err)
	require.Nil(t, stats, "a partial read is not returned: the collector keeps nothing of a failed read")
	after, ok := crier.RetryAfter(err)
	require.True(t, ok, "%v", err)
	require.Positive(t, after, "from X-RateLimit-Reset")
	require.False(t, crier.IsPermanent(err) || crier.IsAuth(err), "%v", err)
	require.Equal(t, "Mastodon (social) asked crier to slow down (rate limit).", crier.ErrorMessage(err))
	index, single := statusReads(b.srv)
	require.Len(t, index, 2, "nothing more is asked after the 429")
	require.Zero(t, single, "a 429 is not taken for an old instance")
}
