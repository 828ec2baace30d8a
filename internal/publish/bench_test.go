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

// BenchmarkDueMinuteLag schedules posts due in the same minute and reports
// the distribution of the lag from each post's due time to the start of its
// publish attempt, against the file network: 10,000 all at the same instant
// (the worst case) and spread evenly over the minute; 200 at one instant (a
// busy agency's 9:00); and a single post. Targets (issue 6): p99 ≤ 1 s,
// ≤ 150 ms and ≤ 50 ms.
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
			o.PollInterval, o.Logger, o.Chat = 250*time.Millisecond, slog.New(slog.DiscardHandler), nil
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
		if err := svc.Start(ctx); err != nil {
			b.Fatal(err)
		}
		// Jump to the due instant: every post is due now.
		clock.offset.Store(int64(due.Sub(time.Now())))
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

		lags, err := db.Lag(ctx)
		if err != nil {
			b.Fatal(err)
		}
		recs, err := file.ReadOutbox(core.Outbox("sandbox"))
		if err != nil || len(recs) != posts || len(lags) != posts {
			b.Fatalf("published %d, lag for %d, want %d (%v)", len(recs), len(lags), posts, err)
		}
		slices.Sort(lags)
		pct := func(p float64) float64 { return lags[int(p*float64(len(lags)-1))].Seconds() }
		b.ReportMetric(float64(posts)/insertTook.Seconds(), "schedules/s")
		b.ReportMetric(float64(posts)/publishTook.Seconds(), "publishes/s")
		b.ReportMetric(pct(0.50), "lag-p50-s")
		b.ReportMetric(pct(0.99), "lag-p99-s")
		b.ReportMetric(lags[len(lags)-1].Seconds(), "lag-max-s")
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_ = svc.Stop(sctx)
		cancel()
		core.Close(b)
		b.Logf("scheduled %d in %s, published in %s", posts, insertTook, publishTook)
	}
}
