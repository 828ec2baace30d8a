package mastodon

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/mastodon/mastodontest"
	"github.com/crier-bot/crier/internal/crier"
)

// TestExactlyOnceUnderFaults publishes 300 posts while 30% of the creates
// fail in every way the fake knows, retrying each (2 s per attempt) until it
// succeeds: every key must end with exactly one status.
func TestExactlyOnceUnderFaults(t *testing.T) {
	t.Parallel()
	b := setup(t)
	require.NoError(t, b.net.Refresh(testContext(t)))
	b.srv.SetFaults(mastodontest.Faults{Rate: 0.3, Seed: 42, Modes: []mastodontest.Fault{
		mastodontest.Fault500BeforeStore, mastodontest.Fault500AfterStore,
		mastodontest.Fault429, mastodontest.Fault429NoHeader,
		mastodontest.FaultHangAfterStore, mastodontest.FaultMalformedJSONAfterStore,
		mastodontest.FaultDropAfterStore,
	}})

	const posts, workers = 300, 30
	keys := make(chan string)
	var mu sync.Mutex
	results := map[string]crier.PublishResult{}
	failures := 0
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for key := range keys {
				for attempt := 1; ; attempt++ {
					ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
					res, err := b.net.Publish(ctx, publishReq(key, "post "+key))
					cancel()
					if err == nil {
						mu.Lock()
						results[key] = res
						mu.Unlock()
						break
					}
					_, limited := crier.RetryAfter(err)
					var rl *crier.RateLimitError
					if !crier.IsUnclear(err) && !limited && !errorsAs(err, &rl) {
						t.Errorf("%s attempt %d: neither unclear nor rate limited: %v", key, attempt, err)
						return
					}
					mu.Lock()
					failures++
					mu.Unlock()
					if attempt == 30 {
						t.Errorf("%s: still failing after %d attempts: %v", key, attempt, err)
						return
					}
				}
			}
		})
	}
	for i := range posts {
		keys <- fmt.Sprintf("post-%d:social:0", i)
	}
	close(keys)
	wg.Wait()

	require.Len(t, results, posts)
	require.Greater(t, failures, 30, "the faults happened")
	creates := b.srv.CreatesByKey()
	require.Len(t, creates, posts)
	for key, n := range creates {
		require.Equal(t, 1, n, "key %s created %d statuses", key, n)
	}
	statuses := b.srv.Statuses()
	require.Len(t, statuses, posts)
	for _, st := range statuses {
		require.Equal(t, st.ID, results[st.IdempotencyKey].RemoteID, "the result names the one status")
	}
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
