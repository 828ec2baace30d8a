package crier_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/internal/crier"
)

func TestAManualClockWakesWaitersWhenItMoves(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	c := crier.NewManualClock(start)
	done := make(chan error, 1)
	go func() { done <- crier.Sleep(context.Background(), c, time.Minute) }()
	for c.Waiters() == 0 {
		time.Sleep(time.Millisecond)
	}
	c.Add(59 * time.Second)
	select {
	case <-done:
		t.Fatal("woke before its minute")
	default:
	}
	c.Add(time.Second)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if c.Waiters() != 0 {
		t.Fatalf("%d waiters left", c.Waiters())
	}
	if got := <-c.After(0); !got.Equal(start.Add(time.Minute)) {
		t.Fatalf("After(0) gave %v", got)
	}
}

func TestSleepEndsWithItsContext(t *testing.T) {
	t.Parallel()
	c := crier.NewManualClock(time.Now())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := crier.Sleep(ctx, c, time.Hour); err != context.Canceled {
		t.Fatalf("got %v", err)
	}
}

func TestASleepEndedByItsContextNoLongerWaits(t *testing.T) {
	t.Parallel()
	c := crier.NewManualClock(time.Now())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- crier.Sleep(ctx, c, time.Hour) }()
	for c.Waiters() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	if n := c.Waiters(); n != 0 {
		t.Fatalf("Waiters() = %d after the sleep ended", n)
	}
}

// A wait until an instant ends at that instant however the clock moved
// between reading it and starting to wait: Sleep(t - now) would overshoot
// by as much as the clock moved (the due queue missed a retry that way).
func TestSleepUntilEndsAtItsInstantWhateverTheClockDidMeanwhile(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	c := crier.NewManualClock(start)
	due := start.Add(10 * time.Second)
	c.Add(15 * time.Second) // the test moved the clock past it already
	require.NoError(t, crier.SleepUntil(context.Background(), c, due), "returns at once")

	c2 := crier.NewManualClock(start)
	done := make(chan error, 1)
	c2.Add(4 * time.Second) // moved after the caller read the time…
	go func() { done <- crier.SleepUntil(context.Background(), c2, due) }()
	require.Eventually(t, func() bool { return c2.Waiters() == 1 }, 5*time.Second, time.Millisecond)
	c2.Add(6 * time.Second) // …so 6 more seconds reach the instant
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("the wait overshot its instant")
	}
}
