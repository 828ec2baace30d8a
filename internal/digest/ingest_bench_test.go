package digest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/digest"
)

// BenchmarkAPIIngest measures values stored per second through POST
// /api/metrics into a real SQLite store, in requests of 500 values (the
// issue's target: 20,000 a second). Each request stores new rows: its own
// account, days back from today, the four counts and two amounts.
func BenchmarkAPIIngest(b *testing.B) {
	const batch = 500
	clock := crier.NewManualClock(ingestNow)
	db := openKPIStore(b, clock)
	h := digest.APIHandler(db, apiToken, bucharest(b), "", clock, slog.New(slog.DiscardHandler))
	metrics := []string{"reach", "impressions", "clicks", "conversions", "revenue", "spend"}

	type item struct {
		Date     string `json:"date"`
		Metric   string `json:"metric"`
		Value    int    `json:"value"`
		Account  string `json:"account"`
		Campaign string `json:"campaign"`
	}
	body := func(n int) []byte {
		items := make([]item, batch)
		for i := range items {
			day := ingestNow.AddDate(0, 0, -i/len(metrics)).Format("2006-01-02")
			items[i] = item{Date: day, Metric: metrics[i%len(metrics)], Value: i, Account: fmt.Sprintf("account-%d", n), Campaign: "launch"}
		}
		raw, err := json.Marshal(map[string]any{"values": items})
		if err != nil {
			b.Fatal(err)
		}
		return raw
	}
	n := 0
	for b.Loop() {
		b.StopTimer()
		raw := body(n)
		n++
		b.StartTimer()
		r := httptest.NewRequest(http.MethodPost, "/api/metrics", bytes.NewReader(raw))
		r.Header.Set("Authorization", "Bearer "+apiToken)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body.String())
		}
	}
	b.ReportMetric(float64(n*batch)/b.Elapsed().Seconds(), "values/s")
}
