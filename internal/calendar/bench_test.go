package calendar_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/crier-bot/crier/internal/calendar"
	"github.com/crier-bot/crier/internal/crier"
)

// BenchmarkICSYear is the feed a calendar app fetches every few hours: the
// whole window (a month back, a year ahead) of a busy team, 5 posts a day,
// 1,975 events.
func BenchmarkICSYear(b *testing.B) {
	var posts []*crier.Post
	from := now.Add(-calendar.WindowBack)
	for at := from; at.Before(now.Add(calendar.WindowAhead)); at = at.Add(24 * time.Hour / 5) {
		id := int64(len(posts) + 1)
		posts = append(posts, &crier.Post{ID: id, Status: crier.PostScheduled, DueAt: at, Targets: []string{"mastodon", "bluesky"},
			Text:     fmt.Sprintf("Post %d: tips, news and a link to https://example.com/blog/post-%d — with an émoji 🚀 and enough words to fold.", id, id),
			Campaign: "launch", AuthorName: "ana", Revision: 2})
	}
	opts := calendar.ICSOptions{Installation: "0123456789abcdef", Now: now}
	b.ReportAllocs()
	b.ResetTimer()
	var size int
	for b.Loop() {
		size = len(calendar.ICS(posts, opts))
	}
	b.ReportMetric(float64(len(posts)), "events")
	b.ReportMetric(float64(size)/1024, "KiB")
}
