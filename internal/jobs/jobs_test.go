package jobs

import (
	"testing"
	"time"
)

func TestRescueAfter(t *testing.T) {
	t.Parallel()
	real := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		clock time.Time
		want  time.Duration
	}{
		{"a clock that agrees with the real one keeps the horizon", real, 35 * time.Minute},
		{"a clock three months behind is rescued no earlier by its own time", real.AddDate(0, -3, 0), 35*time.Minute + real.Sub(real.AddDate(0, -3, 0))},
		{"a clock ahead keeps the horizon (the rescue only comes later)", real.Add(time.Hour), 35 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rescueAfter(35*time.Minute, tt.clock, real); got != tt.want {
				t.Fatalf("rescueAfter = %v, want %v", got, tt.want)
			}
		})
	}
}
