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
