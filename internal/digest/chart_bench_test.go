package digest

import "testing"

// BenchmarkChart renders the digest chart for 50 accounts × 30 days × 2 metrics; the target is
// ≤ 200 ms per chart.
func BenchmarkChart(b *testing.B) {
	followers := testSeries("followers", 50, 30, followersOf)
	engagement := testSeries("engagement", 50, 30, engagementOf)
	var size int
	for b.Loop() {
		data, err := Chart(followers, engagement, ChartOptions{Title: "Last 30 days"})
		if err != nil {
			b.Fatal(err)
		}
		size = len(data)
	}
	b.ReportMetric(float64(size), "png-bytes")
}
