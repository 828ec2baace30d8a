// Package digest collects the numbers a team reads every morning, computes the daily digest and renders its text and chart.
package digest

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/go-analyze/charts"
)

// ErrNothingToDraw is returned by Chart when no series has a single number in the charted days: a chart of
// nothing would be a blank picture, so the caller should leave the chart out and say why in the text.
var ErrNothingToDraw = errors.New("digest chart: nothing to draw")

// Point is one day's value of a series.
type Point struct {
	// Day is the local day the value belongs to; only its calendar date (in its own location) is used.
	Day time.Time
	// Value is the day's number.
	Value float64
	// Missing means there is no number for that day: it is drawn as a gap, never as 0.
	Missing bool
}

// Series is one line: "followers · masto".
type Series struct {
	Name   string
	Points []Point
}

// ChartOptions are the optional settings of Chart.
type ChartOptions struct {
	// Title is written above both panels; empty means no title.
	Title string
	// Width and Height are the picture's size in pixels; 0 (or less) means 1200 × 600.
	Width, Height int
}

const (
	chartDays          = 30
	defaultChartWidth  = 1200
	defaultChartHeight = 600
	// maxLegendEntries is how many series a panel's legend names. With 50 accounts a legend naming every line
	// would take most of the panel (eight rows or more at 1200 px) and its colours repeat anyway, so the
	// legend names the first maxLegendEntries series in the order the caller gives (put the accounts that matter
	// most first) and the panel's title says how many lines there are. Every line is still drawn.
	maxLegendEntries = 12
	// symbolSeriesLimit: up to this many lines a panel marks each day's value with a dot; beyond it the dots
	// only clutter, so lines are plain (a day with a gap on both sides is still drawn as a dot by the library).
	symbolSeriesLimit = 12
	chartTitleHeight  = 36
	chartLabelFormat  = "2 Jan"
	chartDayDuration  = 24 * time.Hour
)

// Chart renders the last 30 days of followers per account and engagement per account as a PNG, in two stacked
// panels (followers above, engagement below) that share the days on their x axes. Two panels rather than two
// y axes: followers are counted in thousands and engagement in tens, and with one line per account on both
// axes a reader could not tell which line belongs to which scale.
//
// The 30 days end on the latest day found in any point of either list (Missing points count, so a caller can
// pin the last day with a Missing point); older points are left out. A series' i-th line has the same colour
// in both panels, so give the accounts in the same order in followers and engagement. A day a series has no
// number for (Missing, absent, NaN or infinite) is a gap in its line. When a series has two points for one
// day, the later one in the slice wins. A panel whose series have no number at all says so instead of drawing
// lines; when neither has one, Chart returns ErrNothingToDraw. The output is the same for the same input.
func Chart(followers, engagement []Series, opts ChartOptions) ([]byte, error) {
	width, height := opts.Width, opts.Height
	if width <= 0 {
		width = defaultChartWidth
	}
	if height <= 0 {
		height = defaultChartHeight
	}

	end, ok := lastDay(followers, engagement)
	if !ok {
		return nil, ErrNothingToDraw
	}
	start := end.AddDate(0, 0, -(chartDays - 1))
	labels := make([]string, chartDays)
	for i := range labels {
		labels[i] = start.AddDate(0, 0, i).Format(chartLabelFormat)
	}
	followerLines, followerCount := chartValues(followers, start)
	engagementLines, engagementCount := chartValues(engagement, start)
	if followerCount == 0 && engagementCount == 0 {
		return nil, ErrNothingToDraw
	}

	theme := charts.GetTheme(charts.ThemeLight)
	p := charts.NewPainter(charts.PainterOptions{
		OutputFormat: charts.ChartOutputPNG,
		Width:        width,
		Height:       height,
		Theme:        theme,
	})
	bg := theme.GetBackgroundColor()
	p.FilledRect(0, 0, width, height, bg, bg, 0)

	top := 0
	if opts.Title != "" {
		p.Text(opts.Title, 20, 26, 0, charts.FontStyle{
			FontSize:  16,
			FontColor: theme.GetTitleTextColor(),
			Font:      charts.GetDefaultFont(),
		})
		top = chartTitleHeight
	}
	mid := top + (height-top)/2
	panels := []struct {
		title  string
		series []Series
		lines  [][]float64
		count  int
		box    charts.Box
	}{
		{"Followers", followers, followerLines, followerCount, charts.NewBox(0, top, width, mid)},
		{"Engagement", engagement, engagementLines, engagementCount, charts.NewBox(0, mid, width, height)},
	}
	for _, pl := range panels {
		child := p.Child(charts.PainterBoxOption(pl.box))
		if err := child.LineChart(panelOption(pl.title, pl.series, pl.lines, pl.count, labels, theme)); err != nil {
			return nil, fmt.Errorf("digest chart: %s: %w", pl.title, err)
		}
	}
	png, err := p.Bytes()
	if err != nil {
		return nil, fmt.Errorf("digest chart: encode png: %w", err)
	}
	return png, nil
}

// panelOption builds one panel's line chart. count is how many numbers the panel has; 0 draws an empty panel
// that says there are none.
func panelOption(title string, series []Series, lines [][]float64, count int, labels []string, theme charts.ColorPalette) charts.LineChartOption {
	opt := charts.LineChartOption{
		Theme:   theme,
		Padding: charts.Box{Top: 10, Left: 20, Right: 30, Bottom: 10, IsSet: true},
		Title: charts.TitleOption{
			Text:      title,
			FontStyle: charts.FontStyle{FontSize: 13, FontColor: theme.GetTitleTextColor()},
		},
		XAxis: charts.XAxisOption{
			Labels:      labels,
			BoundaryGap: charts.Ptr(false),
		},
		YAxis: []charts.YAxisOption{{
			ValueFormatter: func(v float64) string { return charts.FormatValueHumanizeShort(v, 1, false) },
		}},
		LineStrokeWidth: 2,
		Symbol:          charts.Symbol{Shape: charts.SymbolNone},
		Legend: charts.LegendOption{
			Offset:    charts.OffsetStr{Left: charts.PositionRight},
			FontStyle: charts.FontStyle{FontSize: 10, FontColor: theme.GetLegendTextColor()},
		},
	}
	if count == 0 {
		// The library draws "∅" for a panel without series; the title says what it means.
		opt.Title.Text = title + ": no numbers in these 30 days"
		opt.Legend.Show = charts.Ptr(false)
		return opt
	}
	if len(series) <= symbolSeriesLimit {
		opt.Symbol = charts.Symbol{Shape: charts.SymbolDot, Size: 2}
	}
	names := make([]string, 0, min(len(series), maxLegendEntries))
	opt.SeriesList = make(charts.LineSeriesList, len(series))
	for i, s := range series {
		// Names go to the legend only: the library reorders series by name when both are set, and names
		// may repeat. A series left out of the legend keeps its index, so its colour does not shift.
		opt.SeriesList[i] = charts.LineSeries{Values: lines[i]}
		if i < maxLegendEntries {
			names = append(names, s.Name)
		}
	}
	opt.Legend.SeriesNames = names
	if hidden := len(series) - len(names); hidden > 0 {
		opt.Title.Text = fmt.Sprintf("%s: %d lines, the legend names the first %d", title, len(series), len(names))
	}
	return opt
}

// lastDay is the latest calendar day of any point, as midnight UTC.
func lastDay(lists ...[]Series) (time.Time, bool) {
	var end time.Time
	found := false
	for _, list := range lists {
		for _, s := range list {
			for _, pt := range s.Points {
				if d := civilDay(pt.Day); !found || d.After(end) {
					end, found = d, true
				}
			}
		}
	}
	return end, found
}

// chartValues lays each series out over the chartDays days from start, with the library's null value where a
// day has no number, and counts the numbers found.
func chartValues(series []Series, start time.Time) ([][]float64, int) {
	lines := make([][]float64, len(series))
	count := 0
	for i, s := range series {
		values := make([]float64, chartDays)
		for d := range values {
			values[d] = charts.GetNullValue()
		}
		for _, pt := range s.Points {
			d := int(civilDay(pt.Day).Sub(start) / chartDayDuration)
			if d < 0 || d >= chartDays {
				continue
			}
			if pt.Missing || math.IsNaN(pt.Value) || math.IsInf(pt.Value, 0) || pt.Value == charts.GetNullValue() {
				values[d] = charts.GetNullValue()
				continue
			}
			values[d] = pt.Value
		}
		for _, v := range values {
			if v != charts.GetNullValue() {
				count++
			}
		}
		lines[i] = values
	}
	return lines, count
}

// civilDay is t's calendar date in t's own location, as midnight UTC, so that days subtract exactly.
func civilDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
