package mastodon

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/netcall/netcalltest"
)

// TestAStatusThatCouldNotConnectIsRetried: no byte of a request reaches the
// instance before a connection is made, so a status that failed there is
// retried (EUNAVAIL), never handed to a person as "maybe posted".
func TestAStatusThatCouldNotConnectIsRetried(t *testing.T) {
	t.Parallel()
	for _, tc := range netcalltest.DialFailures() {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			var broken atomic.Bool
			b := setup(t, func(o *Options) { o.HTTPClient = netcalltest.BreakableClient(&broken, tc.Fail) })
			_, err := b.net.Verify(testContext(t)) // read the instance first, so the failure is the status's
			require.NoError(t, err)
			broken.Store(true)
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			_, err = b.net.Publish(ctx, publishReq("k1", "hello"))
			require.Error(t, err)
			require.False(t, crier.IsUnclear(err), "%v", err)
			require.False(t, crier.IsPermanent(err), "%v", err)
			require.Equal(t, crier.EUNAVAIL, crier.ErrorCode(err), "%v", err)
			require.Empty(t, requestsTo(b.srv, http.MethodPost, "/api/v1/statuses"))

			broken.Store(false)
			_, err = b.net.Publish(testContext(t), publishReq("k1", "hello"))
			require.NoError(t, err)
			require.Len(t, requestsTo(b.srv, http.MethodPost, "/api/v1/statuses"), 1)
		})
	}
}

// TestProcessingPollsWaitOnCriersClock: between two polls of an image that
// Mastodon is still processing, crier waits on its clock, not a real timer.
func TestProcessingPollsWaitOnCriersClock(t *testing.T) {
	t.Parallel()
	clock := crier.NewManualClock(time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC))
	b := setup(t, func(o *Options) { o.Clock = clock })
	imgs := imageServer(t)
	req := publishReq("img", "A pet")
	req.Images = []crier.Image{{URL: imgs.URL + "/cat.png", Alt: "A cat asleep"}}

	done := make(chan error, 1)
	go func() {
		_, err := b.net.Publish(testContext(t), req)
		done <- err
	}()
	require.Eventually(t, func() bool { return clock.Waiters() == 1 }, 5*time.Second, time.Millisecond,
		"the poll after a 206 waits on crier's clock")
	require.Len(t, requestsTo(b.srv, http.MethodGet, "/api/v1/media/"), 1)
	require.Empty(t, b.srv.Statuses())
	clock.Add(b.net.pollEvery)
	require.NoError(t, <-done)
	require.Len(t, requestsTo(b.srv, http.MethodGet, "/api/v1/media/"), 2)
	require.Len(t, b.srv.Statuses(), 1)
}
