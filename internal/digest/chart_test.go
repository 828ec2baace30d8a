package digest

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// chartOut writes the charts the tests render into a directory, for a person to look at:
//
//	go test -run TestChart ./internal/digest/ -args -chart.out=/tmp/charts
var chartOut = flag.String("chart.out", "", "write the rendered test charts as PNG files into this directory")

// chartEnd is the last charted day of the test data: fixed, never time.Now.
var chartEnd = time.Date(2026, time.December, 14, 0, 0, 0, 0, time.UTC)

// testSeries builds one series per account with days values ending on chartEnd; value(account, day) gives
// each number, and a NaN from it becomes a Missing point.
func testSeries(metric string, accounts, days int, value func(account, day int) float64) []Series {
	list := make([]Series, accounts)
	for a := range list {
		s := Series{Name: fmt.Sprintf("%s · account%02d", metric, a)}
		for d := range days {
			v := value(a, d)
			s.Points = append(s.Points, Point{
				Day:     chartEnd.AddDate(0, 0, d-days+1),
				Value:   v,
				Missing: math.IsNaN(v),
			})
		}
		list[a] = s
	}
	return list
}

func followersOf(account, day int) float64 {
	return float64(1000*(account+1) + 7*day + (day*day*(account+3))%50)
}

func engagementOf(account, day int) float64 {
	return float64(10 + (day*(account+5))%40 + 3*account)
}

func decodeChart(t *testing.T, name string, data []byte) image.Image {
	t.Helper()
	if *chartOut != "" {
		if err := os.MkdirAll(*chartOut, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(*chartOut, name+".png"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the chart is not a PNG: %v", err)
	}
	return img
}

// inkedPixels counts the pixels that differ from the top-left pixel (the background) and the distinct colours.
func inkedPixels(img image.Image) (inked, colours int) {
	b := img.Bounds()
	bg := img.At(b.Min.X, b.Min.Y)
	br, bgG, bb, ba := bg.RGBA()
	seen := map[[4]uint32]bool{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
			if r != br || g != bgG || bl != bb || a != ba {
				inked++
			}
		}
	}
	return inked, len(seen)
}

func TestChart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                  string
		followers, engagement []Series
		opts                  ChartOptions
		wantWidth, wantHeight int
	}{
		{
			name:       "three accounts fill the default 1200 by 600 picture",
			followers:  testSeries("followers", 3, 30, followersOf),
			engagement: testSeries("engagement", 3, 30, engagementOf),
			opts:       ChartOptions{Title: "Last 30 days"},
			wantWidth:  1200, wantHeight: 600,
		},
		{
			name:       "the size asked for is the size drawn",
			followers:  testSeries("followers", 2, 30, followersOf),
			engagement: testSeries("engagement", 2, 30, engagementOf),
			opts:       ChartOptions{Width: 800, Height: 500},
			wantWidth:  800, wantHeight: 500,
		},
		{
			name:       "fifty accounts still render",
			followers:  testSeries("followers", 50, 30, followersOf),
			engagement: testSeries("engagement", 50, 30, engagementOf),
			opts:       ChartOptions{Title: "50 accounts"},
			wantWidth:  1200, wantHeight: 600,
		},
		{
			name: "missing days and a metric with no numbers at all still render the other panel",
			followers: testSeries("followers", 3, 30, func(a, d int) float64 {
				if d%7 == 3 || (a == 1 && d > 20) {
					return math.NaN()
				}
				return followersOf(a, d)
			}),
			engagement: testSeries("engagement", 2, 30, func(int, int) float64 { return math.NaN() }),
			wantWidth:  1200, wantHeight: 600,
		},
		{
			name:      "fewer than 30 days of data",
			followers: testSeries("followers", 1, 4, followersOf),
			wantWidth: 1200, wantHeight: 600,
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data, err := Chart(tt.followers, tt.engagement, tt.opts)
			if err != nil {
				t.Fatalf("Chart: %v", err)
			}
			img := decodeChart(t, fmt.Sprintf("chart-%d", i), data)
			if got := img.Bounds().Size(); got.X != tt.wantWidth || got.Y != tt.wantHeight {
				t.Errorf("size = %dx%d, want %dx%d", got.X, got.Y, tt.wantWidth, tt.wantHeight)
			}
			inked, colours := inkedPixels(img)
			total := tt.wantWidth * tt.wantHeight
			// Axes, labels and at least one line: well above 1% of the picture, and more than a few colours
			// (anti-aliased text and coloured lines), where a blank picture has one.
			if inked < total/100 || colours < 10 {
				t.Errorf("the chart looks blank: %d of %d pixels drawn, %d colours", inked, total, colours)
			}
		})
	}
}

func TestChartDiffersWithItsInput(t *testing.T) {
	t.Parallel()
	a, err := Chart(testSeries("followers", 3, 30, followersOf), testSeries("engagement", 3, 30, engagementOf), ChartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Chart(testSeries("followers", 3, 30, func(a, d int) float64 { return followersOf(a, 29-d) }),
		testSeries("engagement", 3, 30, engagementOf), ChartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	imgA, imgB := decodeChart(t, "differs-a", a), decodeChart(t, "differs-b", b)
	if samePixels(imgA, imgB) {
		t.Error("two different follower histories gave the same picture")
	}
}

func TestChartDrawsMissingDaysAsGaps(t *testing.T) {
	t.Parallel()
	// One account whose day 15 is missing, against the same account whose day 15 is 0: a gap is not a 0,
	// so the two pictures differ (the 0 pulls the line down to the axis).
	withGap := testSeries("followers", 1, 30, func(_, d int) float64 {
		if d == 15 {
			return math.NaN()
		}
		return 5000
	})
	withZero := testSeries("followers", 1, 30, func(_, d int) float64 {
		if d == 15 {
			return 0
		}
		return 5000
	})
	flat := testSeries("followers", 1, 30, func(int, int) float64 { return 5000 })
	gap, err := Chart(withGap, nil, ChartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	zero, err := Chart(withZero, nil, ChartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	full, err := Chart(flat, nil, ChartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	imgGap, imgZero, imgFull := decodeChart(t, "gap", gap), decodeChart(t, "zero", zero), decodeChart(t, "flat", full)
	if samePixels(imgGap, imgZero) {
		t.Error("a missing day was drawn like a 0")
	}
	if samePixels(imgGap, imgFull) {
		t.Error("a missing day was drawn like a day with a number (no gap)")
	}
}

func TestChartIsDeterministic(t *testing.T) {
	t.Parallel()
	f, e := testSeries("followers", 5, 30, followersOf), testSeries("engagement", 5, 30, engagementOf)
	a, err := Chart(f, e, ChartOptions{Title: "same"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Chart(f, e, ChartOptions{Title: "same"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("the same input gave two different PNGs")
	}
}

func TestChartNothingToDraw(t *testing.T) {
	t.Parallel()
	allMissing := func(int, int) float64 { return math.NaN() }
	tests := []struct {
		name                  string
		followers, engagement []Series
	}{
		{"no series at all", nil, nil},
		{"series without points", []Series{{Name: "followers · masto"}}, []Series{{Name: "engagement · masto"}}},
		{"every point missing", testSeries("followers", 2, 30, allMissing), testSeries("engagement", 2, 30, allMissing)},
		{"only numbers older than the 30 days", []Series{{Name: "followers · masto", Points: []Point{
			{Day: chartEnd.AddDate(0, 0, -40), Value: 10},
			{Day: chartEnd, Missing: true},
		}}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data, err := Chart(tt.followers, tt.engagement, ChartOptions{})
			if !errors.Is(err, ErrNothingToDraw) {
				t.Fatalf("Chart = %d bytes, %v; want %v", len(data), err, ErrNothingToDraw)
			}
			if err.Error() != "digest chart: nothing to draw" {
				t.Errorf("error = %q", err)
			}
		})
	}
}

func samePixels(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				return false
			}
		}
	}
	return true
}
