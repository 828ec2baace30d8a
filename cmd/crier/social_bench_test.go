package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crier-bot/crier/adapters/sqlite"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/jobs"
	"github.com/crier-bot/crier/internal/publish"
)

// shiftedClock is real time shifted by an offset a benchmark can jump, so
// posts scheduled an hour ahead fall due at once while lag is still real time.
type shiftedClock struct{ offset atomic.Int64 }

func (c *shiftedClock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

func (c *shiftedClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// BenchmarkNetworkPublish measures one adapter's Publish against its
// zero-latency fake, from 8 goroutines: the cost of crier's side of a publish
// (JSON, signing, facets, HTTP) without the job engine.
func BenchmarkNetworkPublish(b *testing.B) {
	clock := crier.SystemClock{}
	fakes := newSocialFakes(b, 0, clock)
	for _, n := range fakes.networks(b, clock)[:3] {
		b.Run(n.Kind(), func(b *testing.B) {
			var seq atomic.Int64
			due := time.Now().Truncate(time.Millisecond)
			b.SetParallelism(4) // 4 × GOMAXPROCS goroutines
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := seq.Add(1)
					_, err := n.Publish(context.Background(), crier.PublishRequest{
						IdempotencyKey: fmt.Sprintf("bench-%d-%s", i, n.Name()), PostID: i, DueAt: due,
						Text: fmt.Sprintf("Benchmark post %d with a link https://example.com/launch and #crier", i),
					})
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "publishes/s")
		})
	}
}

// BenchmarkSocialDueMinuteLag schedules 10,000 posts due at the same instant
// and publishes them through the job engine's due queue to the Mastodon, Bluesky and
// webhook fakes: one network per post (10,000 publishes), and every network
// per post (30,000). It reports publishes per second and the lag from each
// post's due time to the start of its publish attempt.
func BenchmarkSocialDueMinuteLag(b *testing.B) {
	b.Run("one-network-each", func(b *testing.B) { benchSocialLag(b, false) })
	b.Run("every-network", func(b *testing.B) { benchSocialLag(b, true) })
}

func benchSocialLag(b *testing.B, every bool) {
	const posts = 10_000
	b.StopTimer()
	for range b.N {
		ctx := context.Background()
		clock := &shiftedClock{}
		fakes := newSocialFakes(b, 0, clock)
		networks := fakes.networks(b, clock)[:3]
		db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "crier.db"), clock)
		if err != nil {
			b.Fatal(err)
		}
		engine, err := jobs.New(ctx, jobs.Options{DB: db.SQL(), Clock: clock})
		if err != nil {
			b.Fatal(err)
		}
		svc, err := publish.New(ctx, publish.Options{Jobs: engine, Store: db, Networks: networks,
			Clock: clock})
		if err != nil {
			b.Fatal(err)
		}
		due := clock.Now().Add(time.Hour).Truncate(time.Minute)
		deliveries := 0
		for i := range posts {
			p := &crier.Post{Text: fmt.Sprintf("Launch post %d https://example.com/launch #crier", i), DueAt: due,
				Origin: crier.ChannelRef{Platform: "shell", ID: "general"}}
			if !every {
				p.Targets = []string{networks[i%len(networks)].Name()}
			}
			if _, err := svc.Schedule(ctx, p); err != nil {
				b.Fatal(err)
			}
			deliveries += max(len(p.Targets), 1)
		}
		// Bring the due instant to 300 ms from now, then start: crier waits
		// for it as for any post, and every post falls due at once.
		clock.offset.Store(int64(due.Sub(time.Now().Add(300 * time.Millisecond))))
		if err := svc.Start(ctx); err != nil {
			b.Fatal(err)
		}
		time.Sleep(time.Until(due.Add(-time.Duration(clock.offset.Load()))))
		b.StartTimer()
		start := time.Now()
		wctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
		if err := svc.WaitIdle(wctx); err != nil {
			b.Fatal(err)
		}
		cancel()
		took := time.Since(start)
		b.StopTimer()

		lags, err := db.Lag(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if len(lags) != deliveries {
			b.Fatalf("%d deliveries started, want %d", len(lags), deliveries)
		}
		published := len(fakes.masto.Statuses()) + len(fakes.sky.Posts()) + len(fakes.hook.Deliveries())
		if published != deliveries {
			b.Fatalf("%d published on the fakes, want %d", published, deliveries)
		}
		slices.Sort(lags)
		pct := func(p float64) float64 { return lags[int(p*float64(len(lags)-1))].Seconds() }
		b.ReportMetric(float64(deliveries)/took.Seconds(), "publishes/s")
		b.ReportMetric(pct(0.50), "lag-p50-s")
		b.ReportMetric(pct(0.99), "lag-p99-s")
		b.ReportMetric(lags[len(lags)-1].Seconds(), "lag-max-s")
		sctx, scancel := context.WithTimeout(ctx, 10*time.Second)
		_ = svc.Stop(sctx)
		scancel()
		_ = db.Close()
	}
}
