package crier_test

import (
	"testing"
	"time"

	"github.com/crier-bot/crier/internal/crier"
)

func TestWallTimeAcrossClockChanges(t *testing.T) {
	t.Parallel()
	lisbon, _ := time.LoadLocation("Europe/Lisbon")
	santiago, _ := time.LoadLocation("America/Santiago")
	for _, tc := range []struct {
		name    string
		got     time.Time
		wantUTC string
	}{
		{"an ordinary morning", crier.WallTime(2026, 12, 1, 9, 0, lisbon), "2026-12-01T09:00:00Z"},
		{"skipped: 01:30 moves to 02:30 WEST", crier.WallTime(2026, 3, 29, 1, 30, lisbon), "2026-03-29T01:30:00Z"},
		{"after the jump that day", crier.WallTime(2026, 3, 29, 9, 0, lisbon), "2026-03-29T08:00:00Z"},
		{"shown twice: the first, 01:30 WEST", crier.WallTime(2026, 10, 25, 1, 30, lisbon), "2026-10-25T00:30:00Z"},
		{"after the fall-back that day", crier.WallTime(2026, 10, 25, 9, 0, lisbon), "2026-10-25T09:00:00Z"},
		{"Chile's midnight jump: the day starts at 01:00", crier.DayStart(2026, 9, 6, santiago), "2026-09-06T04:00:00Z"},
		{"Chile, the day before", crier.DayStart(2026, 9, 5, santiago), "2026-09-05T04:00:00Z"},
	} {
		if got := tc.got.UTC().Format(time.RFC3339); got != tc.wantUTC {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.wantUTC)
		}
	}
	if d := crier.DayStart(2026, 9, 6, santiago).In(santiago); d.Day() != 6 || d.Hour() != 1 {
		t.Errorf("Chile 6 Sep starts at %s", d)
	}
}
