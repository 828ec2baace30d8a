package slack

import (
	"context"
	"time"
)

// SetSleep replaces how the adapter waits between connection attempts
// (crier.Sleep on its clock), so a test can record each wait and what
// Health said during it.
func (a *Adapter) SetSleep(sleep func(ctx context.Context, d time.Duration) error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sleep = sleep
}

// HandleEvent handles one Events API payload as a delivery does, and returns
// when it is handled (a delivery acks first and handles it after), so a test
// can tell that an ignored event did nothing.
func (a *Adapter) HandleEvent(ctx context.Context, payload []byte) { a.event(ctx, payload) }
