package calendarpng_test

import (
	"testing"
	"time"

	"github.com/crier-bot/crier/internal/calendarpng"
)

// BenchmarkCalendarPNG draws a busy month, as /calendar month posts it in
// Slack and Discord: 5 posts and 2 free slots a day.
func BenchmarkCalendarPNG(b *testing.B) {
	m := calendarpng.Month{Year: 2026, Month: time.December, Today: 6, PlanFrom: 6}
	states := []calendarpng.State{calendarpng.Published, calendarpng.Scheduled, calendarpng.Awaiting, calendarpng.Failed, calendarpng.Maybe}
	for d := 1; d <= 31; d++ {
		day := calendarpng.Day{Day: d, Free: 2}
		for i, s := range states {
			day.Posts = append(day.Posts, calendarpng.Post{Time: []string{"09:00", "11:30", "13:00", "17:30", "20:00"}[i], ID: int64(d*10 + i), State: s})
		}
		m.Days = append(m.Days, day)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := calendarpng.CalendarPNG(m, calendarpng.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
