package sentiment

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// AlarmOptions says when negative comments are a crisis: at least Negative of them within the last
// Window, and at least Ratio times the usual count for a window that long, the usual being the
// negatives of the Baseline before the window, scaled to the window's length (Ratio 0 or Baseline 0:
// no such condition). bot.yaml's "5 in 30 min, and twice the usual rate" is
// {Negative: 5, Window: 30 * time.Minute, Ratio: 2, Baseline: 7 * 24 * time.Hour}.
type AlarmOptions struct {
	Negative int
	Window   time.Duration
	Ratio    float64
	Baseline time.Duration
}

// Alarm counts negative comments and says when a crisis episode starts. It reads no clock: every
// instant is given by the caller (the comment's time). Safe for concurrent use.
//
// It keeps only the negatives of the last Baseline+Window (counted from the latest instant seen).
// After a restart, feed it the stored comments of that span, oldest first, before new ones.
type Alarm struct {
	o AlarmOptions

	mu        sync.Mutex
	negatives []time.Time // sorted
	latest    time.Time
	active    bool // an episode is going on: its alert was given
}

// NewAlarm checks the options.
func NewAlarm(o AlarmOptions) (*Alarm, error) {
	switch {
	case o.Negative < 1:
		return nil, fmt.Errorf("sentiment: alarm: negative comments must be at least 1, got %d", o.Negative)
	case o.Window <= 0:
		return nil, fmt.Errorf("sentiment: alarm: window must be positive, got %v", o.Window)
	case o.Ratio < 0:
		return nil, fmt.Errorf("sentiment: alarm: ratio must not be negative, got %v", o.Ratio)
	case o.Baseline < 0:
		return nil, errors.New("sentiment: alarm: baseline must not be negative")
	}
	return &Alarm{o: o}, nil
}

// Observe records one comment made at at (negative or not) and reports whether a crisis episode starts
// with it: true exactly once per episode. An episode ends when the negatives within the window fall
// below Negative again (seen at the next comment, even when that comment is much later); a new spike
// after that starts a new episode.
func (a *Alarm) Observe(at time.Time, negative bool) (start bool) {
	a.mu.Lock()
	defer a.mu.Unlock()

	if at.After(a.latest) {
		a.latest = at
	}
	a.prune()
	// Between two comments the count in the window can only fall (negatives leave it), so the lowest
	// it went since the last comment is the count just before this one.
	if a.active && a.countLocked(at) < a.o.Negative {
		a.active = false
	}
	if !negative {
		return false
	}
	i, _ := slices.BinarySearchFunc(a.negatives, at, func(t, at time.Time) int {
		if t.After(at) {
			return 1
		}
		return -1 // equal instants go after the ones already there
	})
	a.negatives = slices.Insert(a.negatives, i, at)

	n := a.countLocked(at)
	if a.active || n < a.o.Negative || !a.aboveUsual(at, n) {
		return false
	}
	a.active = true
	return true
}

// Recent is the number of negative comments within the window that ends at at.
func (a *Alarm) Recent(at time.Time) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.countLocked(at)
}

// countLocked counts negatives t with at-Window < t ≤ at.
func (a *Alarm) countLocked(at time.Time) int {
	return a.between(at.Add(-a.o.Window), at)
}

// between counts negatives t with from < t ≤ to.
func (a *Alarm) between(from, to time.Time) int {
	lo := a.firstAfter(from)
	hi := a.firstAfter(to)
	return hi - lo
}

// firstAfter is the index of the first negative later than t.
func (a *Alarm) firstAfter(t time.Time) int {
	i, _ := slices.BinarySearchFunc(a.negatives, t, func(e, t time.Time) int {
		if e.After(t) {
			return 1
		}
		return -1
	})
	return i
}

// aboveUsual: n is at least Ratio times the usual count for a window, the usual being the negatives
// of the Baseline before the window scaled to the window's length. No history: it holds.
func (a *Alarm) aboveUsual(at time.Time, n int) bool {
	if a.o.Ratio == 0 || a.o.Baseline == 0 {
		return true
	}
	windowStart := at.Add(-a.o.Window)
	base := a.between(windowStart.Add(-a.o.Baseline), windowStart)
	usual := float64(base) * float64(a.o.Window) / float64(a.o.Baseline)
	return float64(n) >= a.o.Ratio*usual
}

// prune drops negatives older than Baseline+Window before the latest instant seen.
func (a *Alarm) prune() {
	keep := a.firstAfter(a.latest.Add(-(a.o.Baseline + a.o.Window)))
	if keep > 0 {
		a.negatives = slices.Delete(a.negatives, 0, keep)
	}
}
