package slack

import (
	"context"
	"time"
)

// SetSleep replaces how the adapter waits between connection attempts, so
// tests move a clock instead of sleeping.
func (a *Adapter) SetSleep(sleep func(ctx context.Context, d time.Duration) error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sleep = sleep
}
