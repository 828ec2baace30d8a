package timeparse_test

import (
	"testing"
	"time"

	"github.com/crier-bot/crier/internal/timeparse"
)

func TestClock(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC) // 09:00 in Berlin
	tests := []struct {
		name    string
		at      time.Time
		loc     *time.Location
		seconds bool
		want    string
	}{
		{"today shows the time alone", now.Add(5*time.Minute + 10*time.Second), berlin, false, "09:05 CET"},
		{"with seconds for a retry soon", now.Add(5*time.Minute + 10*time.Second), berlin, true, "09:05:10 CET"},
		{"another day shows the date", now.Add(24 * time.Hour), berlin, false, "Wed 25 Nov 09:00 CET"},
		{"the day is the zone's day, not UTC's", time.Date(2026, 11, 24, 23, 30, 0, 0, time.UTC), berlin, false, "Wed 25 Nov 00:30 CET"},
		{"no zone is UTC", now, nil, false, "08:00 UTC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := timeparse.Clock(tt.at, tt.loc, now, tt.seconds); got != tt.want {
				t.Fatalf("Clock = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d    time.Duration
		want string
	}{
		{10 * time.Second, "10 s"},
		{59*time.Second + 600*time.Millisecond, "60 s"},
		{5 * time.Minute, "5 min"},
		{2 * time.Hour, "2 h"},
		{2*time.Hour + 5*time.Minute, "2 h 5 min"},
		{72 * time.Hour, "3 days"},
	}
	for _, tt := range tests {
		if got := timeparse.Duration(tt.d); got != tt.want {
			t.Errorf("Duration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
