package timeparse

import (
	"testing"
	"time"
)

// benchPhrases is a mix of what people type, including a phrase that is
// not a time and one that goes to the olebedev/when fallback.
var benchPhrases = []string{
	"tomorrow 9am",
	"next friday at 3pm",
	"in 2 hours and 30 minutes",
	"24 dec 10:00",
	"jan 5 9am",
	"2026-12-24 10:00",
	"friday 3pm UTC",
	"amanhã às 9h",
	"daqui a 2 horas",
	"third of march",
	"hello world",
}

func BenchmarkParse(b *testing.B) {
	p, loc, now := benchSetup(b)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		_, _ = p.Parse(benchPhrases[i%len(benchPhrases)], loc, now)
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "parses/s")
}

func BenchmarkParseLeading(b *testing.B) {
	p, loc, now := benchSetup(b)
	texts := []string{
		"tomorrow 9am Launch day is here! Come and see what we built",
		"friday 3pm | Sale starts now",
		"in 2 hours and 30 minutes we go live with the new site",
		"Launch day is here, come and see what we built this year",
		"amanhã às 9h Começa a promoção de Natal",
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		_, _, _, _ = p.ParseLeading(texts[i%len(texts)], loc, now)
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "parses/s")
}

func benchSetup(b *testing.B) (*Parser, *time.Location, time.Time) {
	b.Helper()
	loc, err := time.LoadLocation("Europe/Bucharest")
	if err != nil {
		b.Fatal(err)
	}
	return New(Options{}), loc, time.Date(2026, 11, 23, 10, 0, 0, 0, loc)
}
