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
// as the issue sets it (the digest ≤ 50 ms), with a year of posts, counts,
// comments, answers, fed-in numbers and campaigns beside them.
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
	seedActivity(b, db, start, end, accounts)
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

// seedActivity adds a year of what the digest also reads: 3 posts a day per
// account with their counts, 150 comments and 30 answers a day in their
// conversations, a number fed in per account and day, and 5 campaigns.
func seedActivity(b *testing.B, db *sqlite.DB, start, end time.Time, accounts []string) {
	b.Helper()
	ctx := context.Background()
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	exec := func(q string, args ...any) int64 {
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			b.Fatal(err)
		}
		id, _ := res.LastInsertId()
		return id
	}
	n := 0
	for day := start; day.Before(end); day = day.AddDate(0, 0, 1) {
		for i, a := range accounts {
			for k := range 3 {
				at := day.Add(time.Duration(8+k*4) * time.Hour).UnixMilli()
				n++
				campaign := ""
				if n%10 == 0 {
					campaign = fmt.Sprintf("c%d", n%5)
				}
				post := exec(`INSERT INTO posts (text, status, due_at, created_at, updated_at, author_id, author_name, origin_platform, origin_channel, targets, campaign)
					VALUES ('post', 'published', ?, ?, ?, 'U1', 'ana', 'shell', 'general', '[]', ?)`, at, at, at, campaign)
				remote := fmt.Sprintf("r%d", n)
				exec(`INSERT INTO deliveries (post_id, target, idempotency_key, status, due_at, remote_id, url, published_at)
					VALUES (?, ?, ?, 'published', ?, ?, '', ?)`, post, a, fmt.Sprintf("k%d", n), at, remote, at)
				exec(`INSERT INTO post_stats (network, remote_id, likes, reposts, replies, quotes, measured_at) VALUES (?, ?, ?, 1, 1, 0, ?)`, a, remote, i+k, at)
			}
			exec(`INSERT INTO kpi_values (day, metric, account, campaign, value, source, updated_at) VALUES (?, 'clicks', ?, '', 10, 'api', 0)`,
				day.Format("2006-01-02"), a)
		}
		for c := range 150 {
			at := day.Add(time.Duration(c) * 9 * time.Minute).UnixMilli()
			conv := exec(`INSERT INTO conversations (network, root_remote_id, status, opened_at, last_customer_at, first_response_at)
				VALUES (?, ?, 'waiting', ?, ?, ?)`, accounts[c%len(accounts)], fmt.Sprintf("root-%d-%d", day.Unix(), c), at, at, at+600_000)
			comment := exec(`INSERT INTO comments (conversation_id, network, remote_id, text, created_at, stored_at, relay)
				VALUES (?, ?, ?, 'hi', ?, ?, 'relayed')`, conv, accounts[c%len(accounts)], fmt.Sprintf("c-%d-%d", day.Unix(), c), at, at)
			if c%5 == 0 {
				exec(`INSERT INTO replies (conversation_id, comment_id, network, text, author_id, author_name, status, last_attempt_at, created_at)
					VALUES (?, ?, ?, 'thanks', 'U1', 'ana', 'published', ?, ?)`, conv, comment, accounts[c%len(accounts)], at+600_000, at)
			}
		}
	}
	for c := range 5 {
		exec(`INSERT INTO campaigns (name, budget, currency, status, created_at) VALUES (?, 500, 'EUR', 'open', ?)`, fmt.Sprintf("c%d", c), start.UnixMilli())
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}
