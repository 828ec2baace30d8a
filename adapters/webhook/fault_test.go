package webhook_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/webhook"
	"github.com/crier-bot/crier/adapters/webhook/webhooktest"
	"github.com/crier-bot/crier/internal/crier"
)

const (
	faultPosts   = 300
	faultWorkers = 16
)

// publishAll publishes faultPosts posts from faultWorkers goroutines. Each
// attempt has a short deadline (the hang fault waits for it). retry decides,
// from an attempt's error, whether to try that post again. It returns the
// last error per key.
func publishAll(t *testing.T, n *webhook.Network, retry func(error) bool) map[string]error {
	t.Helper()
	keys := make(chan string)
	var mu sync.Mutex
	last := map[string]error{}
	var wg sync.WaitGroup
	for range faultWorkers {
		wg.Go(func() {
			for key := range keys {
				var err error
				for attempt := 0; attempt < 100; attempt++ {
					ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
					_, err = n.Publish(ctx, crier.PublishRequest{IdempotencyKey: key, Text: "post " + key})
					cancel()
					if err == nil || !retry(err) {
						break
					}
				}
				mu.Lock()
				last[key] = err
				mu.Unlock()
			}
		})
	}
	for i := range faultPosts {
		keys <- fmt.Sprintf("p%d-hooks-0", i)
	}
	close(keys)
	wg.Wait()
	return last
}

func TestFaultsWithDeduplicationPublishEachPostOnce(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *webhook.Options) { o.Clock = nil; o.RatePerSecond = 1e6 })
	b.srv.SetClock(crier.SystemClock{})
	b.srv.SetFaults(webhooktest.Faults{Rate: 0.3, Seed: 7})

	// Inside the key window every failure is retried, unclear ones too.
	last := publishAll(t, b.net, func(error) bool { return true })

	creates := b.srv.CreatesByKey()
	require.Len(t, creates, faultPosts)
	for key, err := range last {
		require.NoError(t, err, key)
		require.Equal(t, 1, creates[key], key)
	}
	faulted := b.srv.Faulted()
	require.Len(t, faulted, len(webhooktest.AllFaults()), "every fault was injected: %v", faulted)
}

func TestFaultsWithoutDeduplicationPublishEachPostAtMostOnce(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *webhook.Options) { o.Clock = nil; o.RatePerSecond = 1e6; o.Deduplicates = false })
	b.srv.SetClock(crier.SystemClock{})
	b.srv.SetDedupe(false)
	b.srv.SetFaults(webhooktest.Faults{Rate: 0.3, Seed: 11})
	require.Zero(t, b.net.KeyWindow())

	// Outside a key window an unclear failure goes to a person: only the
	// clear refusals (429) are retried.
	last := publishAll(t, b.net, func(err error) bool { return !crier.IsUnclear(err) })

	creates := b.srv.CreatesByKey()
	unclear := 0
	for key, err := range last {
		require.LessOrEqual(t, creates[key], 1, key)
		if err == nil {
			require.Equal(t, 1, creates[key], key)
			continue
		}
		require.True(t, crier.IsUnclear(err), "%s: %v", key, err)
		unclear++
	}
	require.NotZero(t, unclear)
	for key, c := range creates {
		require.LessOrEqual(t, c, 1, key)
	}
}
