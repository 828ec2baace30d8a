package crier_test

import (
	"context"
	"testing"
	"time"

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
