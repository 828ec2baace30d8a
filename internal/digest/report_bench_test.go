package digest_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/crier-bot/crier/adapters/sqlite"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/digest"
)

// BenchmarkDigestCompute computes a day's digest (and the chart's 30 days
// of series) over a year of hourly readings for 50 accounts (438,000 rows),
// as the issue sets it: the digest ≤ 50 ms.
func BenchmarkDigestCompute(b *testing.B) {
	ctx := context.Background()
	end := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	clock := crier.NewManualClock(end.Add(9 * time.Hour))
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "crier.db"), clock)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	accounts := make([]string, 50)
	for i := range accounts {
		accounts[i] = fmt.Sprintf("account%02d", i)
	}
	start := end.AddDate(-1, 0, 0)
	var ss []crier.Sample
	for h := start; h.Before(end); h = h.Add(time.Hour) {
		for i, a := range accounts {
			ss = append(ss, crier.Sample{Metric: "followers", Account: a, At: h, Value: float64(1000*i) + h.Sub(start).Hours()})
		}
		if len(ss) >= 50_000 {
			if err := db.AddSamples(ctx, ss); err != nil {
				b.Fatal(err)
			}
			ss = ss[:0]
		}
	}
	if err := db.AddSamples(ctx, ss); err != nil {
		b.Fatal(err)
	}
	p, err := digest.DayPeriod("2026-12-05", time.UTC)
	if err != nil {
		b.Fatal(err)
	}
	spec := digest.Spec{Name: "bench", Location: time.UTC}
	b.Run("digest", func(b *testing.B) {
		for b.Loop() {
			if _, err := digest.Compute(ctx, db, spec, p, accounts, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("chart-series", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := digest.ChartSeries(ctx, db, p, accounts); err != nil {
				b.Fatal(err)
			}
		}
	})
}
