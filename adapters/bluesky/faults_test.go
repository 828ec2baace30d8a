package bluesky_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/bluesky/blueskytest"
	"github.com/crier-bot/crier/internal/crier"
)

// onlyFault makes every putRecord fail with mode.
func onlyFault(mode blueskytest.FaultMode) blueskytest.Faults {
	return blueskytest.Faults{Rate: 1, Modes: []blueskytest.FaultMode{mode}}
}

func TestUnclearAnswers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("a 500 after the post was stored is found with getRecord", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.srv.SetFaults(onlyFault(blueskytest.Fault500AfterStore))
		res, err := b.net.Publish(ctx, request("a", "hello"))
		require.NoError(t, err)
		require.Len(t, b.srv.Posts(), 1)
		require.Equal(t, b.srv.Posts()[0].URI, res.RemoteID)
		require.Equal(t, 1, b.srv.Calls("com.atproto.repo.getRecord"))
	})
	t.Run("a 500 before the post was stored is retried, not unclear", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.srv.SetFaults(onlyFault(blueskytest.Fault500BeforeStore))
		_, err := b.net.Publish(ctx, request("a", "hello"))
		require.Error(t, err)
		require.False(t, crier.IsUnclear(err), "%v", err)
		require.False(t, crier.IsPermanent(err), "%v", err)
		require.Equal(t, crier.EUNAVAIL, crier.ErrorCode(err))
		b.srv.SetFaults(blueskytest.Faults{})
		_, err = b.net.Publish(ctx, request("a", "hello"))
		require.NoError(t, err)
		require.Len(t, b.srv.Posts(), 1)
	})
	t.Run("a cut-short answer after the post was stored is found with getRecord", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.srv.SetFaults(onlyFault(blueskytest.FaultMalformedJSONAfterStore))
		res, err := b.net.Publish(ctx, request("a", "hello"))
		require.NoError(t, err)
		require.Equal(t, b.srv.Posts()[0].URI, res.RemoteID)
	})
	t.Run("a PDS that hangs after storing is unclear, and the retry finds the same post", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.net.Verify(ctx) // log in first, so the hang is the putRecord's
		require.NoError(t, err)
		b.srv.SetFaults(onlyFault(blueskytest.FaultHangAfterStore))
		_, err = b.net.Publish(ctxTimeout(t, 300*time.Millisecond), request("a", "hello"))
		require.True(t, crier.IsUnclear(err), "%v", err)
		b.srv.SetFaults(blueskytest.Faults{})
		res, err := b.net.Publish(ctx, request("a", "hello"))
		require.NoError(t, err)
		require.Len(t, b.srv.Posts(), 1)
		require.Equal(t, b.srv.Posts()[0].URI, res.RemoteID)
		require.Zero(t, b.srv.Updates())
	})
	t.Run("when getRecord fails too the outcome is unclear", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.srv.SetFaults(onlyFault(blueskytest.Fault500AfterStore))
		b.srv.SetGetRecordDown(true)
		_, err := b.net.Publish(ctx, request("a", "hello"))
		require.True(t, crier.IsUnclear(err), "%v", err)
		require.Equal(t, "Bluesky gave no clear answer for bsky.", crier.ErrorMessage(err))
	})
	t.Run("a PDS that cannot be reached is retried, not unclear", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.srv.Close()
		_, err := b.net.Publish(ctx, request("a", "hello"))
		require.Error(t, err)
		require.False(t, crier.IsUnclear(err), "%v", err)
		require.False(t, crier.IsPermanent(err), "%v", err)
	})
}

// TestFaultsNeverDuplicate publishes 300 posts while 30% of putRecord calls
// fail in every way the fake knows, retrying each until it succeeds: every
// post must exist exactly once.
func TestFaultsNeverDuplicate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.srv.SetFaults(blueskytest.Faults{Rate: 0.3, Seed: 42})
	const posts, workers = 300, 8
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	results := map[string]string{}
	unclear := 0
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				req := request(fmt.Sprintf("%d:bsky:0", i), fmt.Sprintf("post number %d", i))
				for attempt := 0; ; attempt++ {
					ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
					res, err := b.net.Publish(ctx, req)
					cancel()
					if err == nil {
						mu.Lock()
						results[req.Text] = res.RemoteID
						mu.Unlock()
						break
					}
					if crier.IsPermanent(err) || crier.IsAuth(err) || attempt == 50 {
						t.Errorf("post %d: %v", i, err)
						break
					}
					if crier.IsUnclear(err) {
						mu.Lock()
						unclear++
						mu.Unlock()
					}
				}
			}
		}()
	}
	for i := range posts {
		jobs <- i
	}
	close(jobs)
	wg.Wait()

	require.Len(t, results, posts)
	stored := b.srv.Posts()
	require.Len(t, stored, posts)
	texts := map[string]int{}
	for _, p := range stored {
		texts[p.Text]++
		require.Equal(t, results[p.Text], p.URI)
	}
	for text, n := range texts {
		require.Equal(t, 1, n, "%q", text)
	}
	creates := b.srv.CreatesByKey()
	require.Len(t, creates, posts)
	for key, n := range creates {
		require.Equal(t, 1, n, "record key %s", key)
	}
	require.Zero(t, b.srv.Updates())
	require.Positive(t, b.srv.Calls("com.atproto.repo.getRecord"), "unclear answers were checked")
	t.Logf("%d putRecord calls, %d getRecord checks, %d unclear", b.srv.Calls("com.atproto.repo.putRecord"), b.srv.Calls("com.atproto.repo.getRecord"), unclear)
}
