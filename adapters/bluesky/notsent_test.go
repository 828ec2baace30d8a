package bluesky_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/bluesky"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/netcall/netcalltest"
)

// TestAPostThatCouldNotConnectIsRetried: no byte of a request reaches the PDS
// before a connection is made, so a putRecord that failed there is retried
// (EUNAVAIL), never handed to a person as "maybe posted".
func TestAPostThatCouldNotConnectIsRetried(t *testing.T) {
	t.Parallel()
	for _, tc := range netcalltest.DialFailures() {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			var broken atomic.Bool
			b := setup(t, func(o *bluesky.Options) { o.HTTPClient = netcalltest.BreakableClient(&broken, tc.Fail) })
			_, err := b.net.Verify(context.Background()) // log in first, so the failure is the putRecord's
			require.NoError(t, err)
			broken.Store(true)
			_, err = b.net.Publish(ctxTimeout(t, 300*time.Millisecond), request("a", "hello"))
			require.Error(t, err)
			require.False(t, crier.IsUnclear(err), "%v", err)
			require.False(t, crier.IsPermanent(err), "%v", err)
			require.Equal(t, crier.EUNAVAIL, crier.ErrorCode(err), "%v", err)
			require.Empty(t, b.srv.Posts())

			broken.Store(false)
			_, err = b.net.Publish(context.Background(), request("a", "hello"))
			require.NoError(t, err)
			require.Len(t, b.srv.Posts(), 1)
		})
	}
}
