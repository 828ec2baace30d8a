package mastodon

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/mastodon/mastodontest"
	"github.com/crier-bot/crier/internal/crier"
)

func TestVerifySaysWhoCrierPostsAs(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.srv.SetLimit(1000)
	acc, err := b.net.Verify(testContext(t))
	require.NoError(t, err)
	require.Equal(t, crier.Account{
		Name:   "@crier@" + b.host,
		URL:    b.srv.URL + "/@crier",
		Limits: "1000 characters (links count as 23), 4 images",
	}, acc)
	require.Equal(t, 1000, b.net.Check("").Limit, "verify reads the limits too")
}

func TestStats(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := testContext(t)
	b.srv.SetFollowers(120, 33)
	kept, err := b.net.Publish(ctx, publishReq("k1", "kept"))
	require.NoError(t, err)
	gone, err := b.net.Publish(ctx, publishReq("k2", "deleted later"))
	require.NoError(t, err)
	b.srv.SetCounts(kept.RemoteID, 4, 5, 6, 7)
	b.srv.Delete(gone.RemoteID)

	stats, err := b.net.PostStats(ctx, []string{kept.RemoteID, gone.RemoteID})
	require.NoError(t, err)
	require.Equal(t, []crier.PostStats{{RemoteID: kept.RemoteID, Replies: 4, Reposts: 5, Likes: 6, Quotes: 7}}, stats)

	acc, err := b.net.AccountStats(ctx)
	require.NoError(t, err)
	require.Equal(t, crier.AccountStats{Followers: 120, Following: 33, Posts: 1}, acc)
}

func TestStatsWhenMastodonFails(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.srv.SetAccountStatus(http.StatusServiceUnavailable, `{"error":"Remote data could not be fetched"}`)
	_, err := b.net.AccountStats(testContext(t))
	require.Error(t, err)
	require.False(t, crier.IsPermanent(err) || crier.IsAuth(err) || crier.IsUnclear(err), "a failed read is temporary: %v", err)
	require.Equal(t, "Mastodon (social) is having trouble (503 Service Unavailable).", crier.ErrorMessage(err))
	_, err = b.net.PostStats(testContext(t), []string{"1"})
	require.Error(t, err)
}

func TestReply(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		networkVis string
		mention    mastodontest.Mention
		text       string
		wantText   string
		wantVis    string
	}{
		{"the author of a remote comment is mentioned first", "", mastodontest.Mention{From: "ana@example.social", Text: "@crier when?"},
			"Tomorrow at 9!", "@ana@example.social Tomorrow at 9!", "public"},
		{"a text that already mentions the author is kept", "", mastodontest.Mention{From: "ana@example.social", Text: "@crier when?"},
			"Thanks @ana@example.social, tomorrow.", "Thanks @ana@example.social, tomorrow.", "public"},
		{"a local author is mentioned by name", "", mastodontest.Mention{From: "bob", Text: "@crier when?"},
			"Soon.", "@bob Soon.", "public"},
		{"a local author mentioned with the domain is kept", "", mastodontest.Mention{From: "bob", Text: "@crier when?"},
			"@bob@HOST soon.", "@bob@HOST soon.", "public"},
		{"a followers-only comment gets a followers-only answer", "", mastodontest.Mention{From: "ana@example.social", Text: "@crier psst", Visibility: "private"},
			"ok", "@ana@example.social ok", "private"},
		{"the network's narrower visibility wins", "unlisted", mastodontest.Mention{From: "ana@example.social", Text: "@crier hi"},
			"hi", "@ana@example.social hi", "unlisted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, func(o *Options) { o.Visibility = tt.networkVis })
			ctx := testContext(t)
			id := b.srv.AddMention(tt.mention)
			req := publishReq("reply-1", replaceHost(tt.text, b.host))
			req.InReplyTo = id
			res, err := b.net.Reply(ctx, req)
			require.NoError(t, err)
			st, ok := b.srv.Status(res.RemoteID)
			require.True(t, ok)
			require.Equal(t, replaceHost(tt.wantText, b.host), st.Text)
			require.Equal(t, id, st.InReplyToID)
			require.Equal(t, tt.wantVis, st.Visibility)

			again, err := b.net.Reply(ctx, req)
			require.NoError(t, err)
			require.Equal(t, res, again, "the same key does not answer twice")
			require.Equal(t, map[string]int{"reply-1": 1}, b.srv.CreatesByKey())
		})
	}
}

func TestReplyToOwnPostAndToDeletedComments(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := testContext(t)
	post, err := b.net.Publish(ctx, publishReq("p", "part 1"))
	require.NoError(t, err)
	req := publishReq("p2", "part 2")
	req.InReplyTo = post.RemoteID
	res, err := b.net.Reply(ctx, req)
	require.NoError(t, err)
	st, _ := b.srv.Status(res.RemoteID)
	require.Equal(t, "part 2", st.Text, "crier does not mention itself")

	gone := b.srv.AddMention(mastodontest.Mention{From: "ana@example.social", Text: "@crier oops"})
	b.srv.Delete(gone)
	req = publishReq("r", "hello")
	req.InReplyTo = gone
	_, err = b.net.Reply(ctx, req)
	require.True(t, crier.IsPermanent(err), "%v", err)
	require.Contains(t, crier.ErrorMessage(err), "is no longer on Mastodon")
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	h := http.Header{}
	require.Zero(t, retryAfter(h, now))
	h.Set("X-RateLimit-Reset", "2026-11-24T09:02:30.019685Z")
	require.Equal(t, 2*time.Minute+31*time.Second, retryAfter(h, now))
	h.Set("Retry-After", "7")
	require.Equal(t, 7*time.Second, retryAfter(h, now))
	h.Set("Retry-After", "Tue, 24 Nov 2026 09:00:20 GMT")
	require.Equal(t, 20*time.Second, retryAfter(h, now))
}

func replaceHost(s, host string) string { return strings.ReplaceAll(s, "HOST", host) }

func TestVerifyNamesProblems(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.srv.SetLocked(true)
	acc, err := b.net.Verify(testContext(t))
	require.NoError(t, err)
	require.Equal(t, []string{
		`The account is locked, so every new follower needs approval; turn off "Require follow requests" in Preferences on ` + b.host + " if that is not intended.",
	}, acc.Problems)
}

// memState is a crier.StateStore in memory.
type memState struct {
	mu sync.Mutex
	m  map[string]string
}

func (s *memState) LoadState(_ context.Context, network, key string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[network+"/"+key], nil
}

func (s *memState) SaveState(_ context.Context, network, key, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]string{}
	}
	s.m[network+"/"+key] = value
	return nil
}

func TestLimitsAreRememberedAcrossRestarts(t *testing.T) {
	t.Parallel()
	state := &memState{}
	b := setup(t, func(o *Options) { o.State = state })
	b.srv.SetLimit(1000)
	require.NoError(t, b.net.Refresh(testContext(t)))

	// After a restart the instance cannot be read: the remembered limits hold.
	down := docsServer(t, http.StatusBadGateway)
	n, err := New(Options{Name: "social", Server: down.URL, AccessToken: "t", State: state})
	require.NoError(t, err)
	require.Equal(t, 500, n.Check("").Limit)
	err = n.Refresh(testContext(t))
	require.Error(t, err)
	require.False(t, crier.IsPermanent(err))
	require.Equal(t, 1000, n.Check("").Limit)
}
