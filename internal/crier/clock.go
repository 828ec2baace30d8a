package crier

import (
	"context"
	"sync"
	"time"
)

// Clock tells the time and waits. It is injected everywhere so tests move
// time instead of sleeping.
type Clock interface {
	Now() time.Time
	// After returns a channel that receives the clock's time once d has
	// passed on this clock (at once when d <= 0).
	After(d time.Duration) <-chan time.Time
}

// Sleep waits d on clock c, or until ctx ends (then it returns ctx.Err()).
func Sleep(ctx context.Context, c Clock, d time.Duration) error {
	ch := c.After(d)
	select {
	case <-ctx.Done():
		if f, ok := c.(interface{ forget(<-chan time.Time) }); ok {
			f.forget(ch) // a ManualClock counts only those still waiting
		}
		return ctx.Err()
	case <-ch:
		return nil
	}
}

// SleepUntil waits on clock c until it shows t, or until ctx ends (then it
// returns ctx.Err()). Unlike Sleep(t.Sub(c.Now())), a clock moved by a
// test between reading the time and starting to wait cannot make the wait
// overshoot t.
func SleepUntil(ctx context.Context, c Clock, t time.Time) error {
	ac, ok := c.(interface {
		AfterAt(time.Time) <-chan time.Time
	})
	if !ok {
		return Sleep(ctx, c, t.Sub(c.Now()))
	}
	ch := ac.AfterAt(t)
	select {
	case <-ctx.Done():
		if f, ok := c.(interface{ forget(<-chan time.Time) }); ok {
			f.forget(ch)
		}
		return ctx.Err()
	case <-ch:
		return nil
	}
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// After is time.After.
func (SystemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// ManualClock is a Clock that moves only when told to: tests use it to move
// time instead of sleeping. Safe for concurrent use.
type ManualClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
}

// waiter is an After waiting for the clock to reach at.
type waiter struct {
	at time.Time
	ch chan time.Time
}

// After returns a channel that receives the clock's time once Add or Set
// moves it d or more ahead.
func (c *ManualClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, waiter{at: c.now.Add(d), ch: ch})
	return ch
}

// AfterAt returns a channel that receives the clock's time once Add or Set
// moves it to t or beyond (at once when it is there already).
func (c *ManualClock) AfterAt(t time.Time) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if !t.After(c.now) {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, waiter{at: t, ch: ch})
	return ch
}

// Waiters returns how many After calls wait for the clock to move: a test
// moves the clock once the code under test is waiting.
func (c *ManualClock) Waiters() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiters)
}

// forget drops the waiter of ch: its Sleep ended with its context.
func (c *ManualClock) forget(ch <-chan time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, w := range c.waiters {
		if w.ch == ch {
			c.waiters = append(c.waiters[:i], c.waiters[i+1:]...)
			return
		}
	}
}

// fire wakes the waiters whose time has come. c.mu is held.
func (c *ManualClock) fire() {
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(c.now) {
			kept = append(kept, w)
			continue
		}
		w.ch <- c.now
	}
	c.waiters = kept
}

// NewManualClock returns a clock stopped at t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{now: t} }

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Add moves the clock forward by d.
func (c *ManualClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.fire()
}

// Set moves the clock to t.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	c.fire()
}
