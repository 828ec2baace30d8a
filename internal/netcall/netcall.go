// Package netcall holds the HTTP rules every network adapter shares: whether
// a failed request was sent at all, how long a Retry-After asks to wait,
// waiting on the injected clock, and fetching an image to attach. Like
// miniflux's internal/reader/fetcher, it states facts (typed errors, plain
// durations); each adapter writes the sentence a person reads.
package netcall

import (
	"context"
	"time"
)

// Fits reports whether waiting d leaves ctx's deadline unreached. A context
// deadline is a real-time instant, so it is measured on the system clock;
// the wait itself goes through the injected clock (crier.Sleep).
func Fits(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return !ok || time.Until(deadline) >= d
}
