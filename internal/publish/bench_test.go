package publish_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crier-bot/crier/adapters/file"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/criertest"
	"github.com/crier-bot/crier/internal/publish"
)

// offsetClock is real time shifted by an offset that a benchmark can jump:
// posts scheduled an hour ahead become due at once, and lag is still
// measured in real time.
type offsetClock struct{ offset atomic.Int64 }

func (c *offsetClock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

func (c *offsetClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// real returns the real instant at which the clock shows t.
func (c *offsetClock) real(t time.Time) time.Time { return t.Add(-time.Duration(c.offset.Load())) }

// BenchmarkDueMinuteLag schedules posts due in the same minute and reports
// the distribution of the lag from each post's due time to its arrival on the
// network (the file network's record of it), and to the start of its
// attempt: 10,000 all at the same instant (the worst case) and spread evenly
// over the minute; 200 at one instant (a busy agency's 9:00); and a single
// post. Targets (issue 6): p99 ≤ 1 s, ≤ 150 ms and ≤ 50 ms.
func BenchmarkDueMinuteLag(b *testing.B) {
	b.Run("same-instant", func(b *testing.B) { benchLag(b, 10_000, 0) })
	b.Run("spread-over-minute", func(b *testing.B) { benchLag(b, 10_000, time.Minute) })
	b.Run("200-same-instant", func(b *testing.B) { benchLag(b, 200, 0) })
	b.Run("single-post", func(b *testing.B) { benchLag(b, 1, 0) })
}

func benchLag(b *testing.B, posts int, spread time.Duration) {
	b.StopTimer()
	for range b.N {
		ctx := context.Background()
		clock := &offsetClock{}
		core := criertest.Setup(b, criertest.WithClock(clock), criertest.WithPublish(func(o *publish.Options) {
			// As crier runs with no chat: nothing but publishing is measured.
			o.Logger, o.Chat = slog.New(slog.DiscardHandler), nil
		}))
		svc, db := core.Publish, core.DB
		due := clock.Now().Add(time.Hour).Truncate(time.Minute)
		insertStart := time.Now()
		for i := range posts {
			at := due.Add(spread * time.Duration(i) / time.Duration(posts))
			p := &crier.Post{Text: fmt.Sprintf("post %d", i), DueAt: at, Origin: crier.ChannelRef{Platform: "shell", ID: "general"}}
			if _, err := svc.Schedule(ctx, p); err != nil {
				b.Fatal(err)
			}
		}
		insertTook := time.Since(insertStart)
		// Bring the due instant to 300 ms from now, then start: crier
		// waits for it as it would for any post, and every post falls due
		// at once.
		lead := 300 * time.Millisecond
		clock.offset.Store(int64(due.Sub(time.Now().Add(lead))))
		if err := svc.Start(ctx); err != nil {
			b.Fatal(err)
		}
		time.Sleep(time.Until(clock.real(due)))
		b.StartTimer()
		publishStart := time.Now()
		wctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
		// Posts spread over the minute fall due one by one: wait for the
		// last one's time, then for the work to end.
		time.Sleep(time.Until(publishStart.Add(spread)))
		if err := svc.WaitIdle(wctx); err != nil {
			b.Fatal(err)
		}
		cancel()
		publishTook := time.Since(publishStart)
		b.StopTimer()

		starts, err := db.Lag(ctx)
		if err != nil {
			b.Fatal(err)
		}
		recs, err := file.ReadOutbox(core.Outbox("sandbox"))
		if err != nil || len(recs) != posts || len(starts) != posts {
			b.Fatalf("published %d, lag for %d, want %d (%v)", len(recs), len(starts), posts, err)
		}
		arrivals := make([]time.Duration, 0, len(recs))
		for _, r := range recs {
			arrivals = append(arrivals, r.PublishedAt.Sub(r.DueAt))
		}
		pct := func(lags []time.Duration, p float64) float64 {
			slices.Sort(lags)
			return lags[int(p*float64(len(lags)-1))].Seconds()
		}
		b.ReportMetric(float64(posts)/insertTook.Seconds(), "schedules/s")
		b.ReportMetric(float64(posts)/publishTook.Seconds(), "publishes/s")
		b.ReportMetric(pct(arrivals, 0.50), "lag-p50-s")
		b.ReportMetric(pct(arrivals, 0.99), "lag-p99-s")
		b.ReportMetric(arrivals[len(arrivals)-1].Seconds(), "lag-max-s")
		b.ReportMetric(pct(starts, 0.99), "start-lag-p99-s")
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_ = svc.Stop(sctx)
		cancel()
		core.Close(b)
		b.Logf("scheduled %d in %s, published in %s", posts, insertTook, publishTook)
	}
}
