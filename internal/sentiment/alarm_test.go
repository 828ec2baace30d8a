package sentiment

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)

func newAlarm(t *testing.T, o AlarmOptions) *Alarm {
	t.Helper()
	a, err := NewAlarm(o)
	if err != nil {
		t.Fatalf("NewAlarm(%+v): %v", o, err)
	}
	return a
}

var fiveIn30 = AlarmOptions{Negative: 5, Window: 30 * time.Minute, Ratio: 2, Baseline: 7 * 24 * time.Hour}

func TestAlarmStartsOnceWhenThresholdIsReached(t *testing.T) {
	a := newAlarm(t, fiveIn30)
	var starts []int
	for i := 0; i < 12; i++ {
		if a.Observe(t0.Add(time.Duration(i)*time.Minute), true) {
			starts = append(starts, i)
		}
	}
	if len(starts) != 1 || starts[0] != 4 {
		t.Fatalf("alarm started at negatives %v, want only at the 5th (index 4)", starts)
	}
	if got := a.Recent(t0.Add(11 * time.Minute)); got != 12 {
		t.Fatalf("Recent = %d, want 12", got)
	}
}

func TestAlarmIgnoresNegativesSpreadOverMoreThanTheWindow(t *testing.T) {
	a := newAlarm(t, fiveIn30)
	// One negative every 8 minutes: never 5 within 30 minutes.
	for i := 0; i < 20; i++ {
		if a.Observe(t0.Add(time.Duration(i)*8*time.Minute), true) {
			t.Fatalf("alarm started at negative %d; at most 4 fall in any 30 minutes", i)
		}
	}
}

func TestAlarmNonNegativeCommentsNeverStartAnEpisode(t *testing.T) {
	a := newAlarm(t, fiveIn30)
	for i := 0; i < 4; i++ {
		a.Observe(t0.Add(time.Duration(i)*time.Minute), true)
	}
	for i := 4; i < 10; i++ {
		if a.Observe(t0.Add(time.Duration(i)*time.Minute), false) {
			t.Fatalf("a positive/neutral comment started the alarm")
		}
	}
	if !a.Observe(t0.Add(10*time.Minute), true) {
		t.Fatalf("the 5th negative within 30 minutes did not start the alarm")
	}
}

func TestAlarmNewEpisodeAfterTheCountFallsBelowTheThreshold(t *testing.T) {
	a := newAlarm(t, AlarmOptions{Negative: 5, Window: 30 * time.Minute}) // no ratio condition
	burst := func(at time.Time) (starts int) {
		for i := 0; i < 6; i++ {
			if a.Observe(at.Add(time.Duration(i)*time.Minute), true) {
				starts++
			}
		}
		return starts
	}
	if n := burst(t0); n != 1 {
		t.Fatalf("first burst started %d episodes, want 1", n)
	}
	// Still within the window: the same episode goes on.
	if n := burst(t0.Add(20 * time.Minute)); n != 0 {
		t.Fatalf("a burst inside the same episode started %d, want 0", n)
	}
	// Two hours later, with no comment in between: the first episode ended when its negatives left
	// the window, so a new spike is a new episode.
	if n := burst(t0.Add(2 * time.Hour)); n != 1 {
		t.Fatalf("a new burst after a quiet gap started %d episodes, want 1", n)
	}
}

func TestAlarmEpisodeEndsWhenNegativesLeaveTheWindow(t *testing.T) {
	a := newAlarm(t, AlarmOptions{Negative: 3, Window: 10 * time.Minute})
	var starts []time.Duration
	obs := func(d time.Duration, negative bool) {
		if a.Observe(t0.Add(d), negative) {
			starts = append(starts, d)
		}
	}
	// A steady flow of negatives (one a minute for an hour) is one episode.
	for m := 0; m < 60; m++ {
		obs(time.Duration(m)*time.Minute, true)
	}
	// Then only neutral comments for 20 minutes: the negatives leave the window, the episode ends.
	for m := 60; m < 80; m++ {
		obs(time.Duration(m)*time.Minute, false)
	}
	if got := a.Recent(t0.Add(79 * time.Minute)); got != 0 {
		t.Fatalf("Recent after 20 quiet minutes = %d, want 0", got)
	}
	// A new spike is a new episode.
	for m := 80; m < 83; m++ {
		obs(time.Duration(m)*time.Minute, true)
	}
	want := []time.Duration{2 * time.Minute, 82 * time.Minute}
	if len(starts) != len(want) || starts[0] != want[0] || starts[1] != want[1] {
		t.Fatalf("episodes started at %v, want %v", starts, want)
	}
}

func TestAlarmNeedsRatioOverTheUsualRate(t *testing.T) {
	a := newAlarm(t, fiveIn30)
	// A week of 4 negatives every 30 minutes: the usual count for a 30-minute window is 4.
	start := t0.Add(-fiveIn30.Baseline)
	for at := start; at.Before(t0); at = at.Add(30 * time.Minute) {
		for i := 0; i < 4; i++ {
			if a.Observe(at.Add(time.Duration(i)*7*time.Minute), true) {
				t.Fatalf("alarm started during the usual traffic at %v", at)
			}
		}
	}
	// A burst of one negative a minute: the alarm waits for twice the usual count, not just 5.
	startedAt := -1
	for i := 0; i < 12; i++ {
		at := t0.Add(time.Duration(i) * time.Minute)
		if a.Observe(at, true) {
			if startedAt >= 0 {
				t.Fatalf("alarm started twice (at %d and %d)", startedAt, i)
			}
			startedAt = i
			if n := a.Recent(at); float64(n) < fiveIn30.Ratio*4*0.99 {
				t.Fatalf("alarm started with %d negatives in the window, want at least twice the usual 4", n)
			}
		}
	}
	if startedAt < 0 {
		t.Fatalf("a burst of 12 negatives in 12 minutes (3× the usual) did not start the alarm")
	}
	if startedAt < 4 {
		t.Fatalf("alarm started at burst negative %d: 5 negatives are not twice the usual 4", startedAt)
	}
}

func TestAlarmWithoutHistoryTheRatioHolds(t *testing.T) {
	a := newAlarm(t, AlarmOptions{Negative: 2, Window: time.Minute, Ratio: 100, Baseline: time.Hour})
	a.Observe(t0, true)
	if !a.Observe(t0.Add(time.Second), true) {
		t.Fatalf("no history: 2 negatives in a minute should start the alarm whatever the ratio")
	}
}

func TestAlarmAcceptsCommentsOutOfOrder(t *testing.T) {
	a := newAlarm(t, AlarmOptions{Negative: 3, Window: 10 * time.Minute})
	a.Observe(t0.Add(5*time.Minute), true)
	a.Observe(t0.Add(1*time.Minute), true) // an older comment read late (another network)
	if !a.Observe(t0.Add(6*time.Minute), true) {
		t.Fatalf("3 negatives within 10 minutes, one read late, did not start the alarm")
	}
	if got := a.Recent(t0.Add(6 * time.Minute)); got != 3 {
		t.Fatalf("Recent = %d, want 3", got)
	}
}

func TestAlarmMemoryIsBounded(t *testing.T) {
	o := AlarmOptions{Negative: 5, Window: 30 * time.Minute, Ratio: 2, Baseline: 24 * time.Hour}
	a := newAlarm(t, o)
	// 30 days of one negative a minute.
	for i := 0; i < 30*24*60; i++ {
		a.Observe(t0.Add(time.Duration(i)*time.Minute), true)
	}
	kept := len(a.negatives)
	limit := int((o.Baseline+o.Window)/time.Minute) + 1
	if kept > limit {
		t.Fatalf("alarm keeps %d negatives, want at most %d (Baseline+Window of them)", kept, limit)
	}
}

func TestNewAlarmRejectsNonsense(t *testing.T) {
	for _, o := range []AlarmOptions{
		{Negative: 0, Window: time.Minute},
		{Negative: 5, Window: 0},
		{Negative: 5, Window: time.Minute, Ratio: -1},
		{Negative: 5, Window: time.Minute, Baseline: -time.Hour},
	} {
		if _, err := NewAlarm(o); err == nil {
			t.Errorf("NewAlarm(%+v) accepted", o)
		}
	}
}
