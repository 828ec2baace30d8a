// Package calendarpng draws a month of crier's content calendar as a PNG: a
// grid of weeks (Monday first), each day with its posts' times, numbers and
// states, its free posting slots, and the days still to plan that have
// nothing planned tinted, so gaps show at a glance. It draws with the same
// chart library as the digest's chart.
package calendarpng

import (
	"errors"
	"fmt"
	"time"

	"github.com/go-analyze/charts"
)

// State is where a post stands, which gives its colour.
type State string

// The states a post on the calendar can be in.
const (
	Scheduled State = "scheduled"
	Awaiting  State = "awaiting approval"
	Rejected  State = "not approved"
	Published State = "published"
	Partial   State = "partly published"
	Failed    State = "failed"
	Maybe     State = "maybe"
)

// Post is one post on a day.
type Post struct {
	Time  string // the local time, "09:00"
	ID    int64
	State State
}

// Day is one day of the month: its posts in order, and how many posting
// slots are free.
type Day struct {
	Day   int // 1 to 31
	Posts []Post
	Free  int
}

// Month is what CalendarPNG draws.
type Month struct {
	Year  int
	Month time.Month
	// Title is written above the grid; "" means "November 2026".
	Title string
	// Today is the day of the month ringed as today; 0 for none.
	Today int
	// PlanFrom is the first day still to plan: from it on, a day with no
	// post is tinted as a gap. 1 for a month ahead; a day past the month's
	// end (32) for a month gone by.
	PlanFrom int
	// Days are the days with something on them, in any order; a day given
	// twice adds up.
	Days []Day
}

// Options are the optional settings of CalendarPNG.
type Options struct {
	// Width is the picture's width in pixels; 0 (or less) means 1190. The
	// height follows from the number of weeks.
	Width int
}

// ErrBadMonth is returned for a month that is not one of the calendar's.
var ErrBadMonth = errors.New("calendar png: not a month")

const (
	defaultWidth = 1190
	margin       = 14
	titleHeight  = 44
	weekdayRow   = 26
	cellHeight   = 128
	legendHeight = 38
	lineHeight   = 17
	cellPad      = 7
)

// colours of the states, the gaps and the grid.
var (
	background = charts.ColorFromHex("ffffff")
	gridLine   = charts.ColorFromHex("d0d4da")
	outside    = charts.ColorFromHex("f1f2f4") // days of the next or the last month
	gap        = charts.ColorFromHex("fff4d6") // nothing planned
	past       = charts.ColorFromHex("fafafa")
	ink        = charts.ColorFromHex("24292f")
	faint      = charts.ColorFromHex("6e7781")
	todayRing  = charts.ColorFromHex("0969da")

	stateColours = map[State]charts.Color{
		Scheduled: charts.ColorFromHex("0969da"),
		Awaiting:  charts.ColorFromHex("bf8700"),
		Rejected:  charts.ColorFromHex("8250df"),
		Published: charts.ColorFromHex("1a7f37"),
		Partial:   charts.ColorFromHex("bc4c00"),
		Failed:    charts.ColorFromHex("cf222e"),
		Maybe:     charts.ColorFromHex("d4a72c"),
	}
	legendOrder = []State{Scheduled, Awaiting, Rejected, Published, Partial, Failed, Maybe}
)

// CalendarPNG draws m as a PNG. The output is the same for the same input.
func CalendarPNG(m Month, opts Options) ([]byte, error) {
	if m.Month < time.January || m.Month > time.December || m.Year < 1 || m.Year > 9999 {
		return nil, fmt.Errorf("%w: %d-%d", ErrBadMonth, m.Year, m.Month)
	}
	width := opts.Width
	if width <= 0 {
		width = defaultWidth
	}
	first := time.Date(m.Year, m.Month, 1, 0, 0, 0, 0, time.UTC)
	days := first.AddDate(0, 1, -1).Day()
	lead := (int(first.Weekday()) + 6) % 7 // Monday first
	weeks := (lead + days + 6) / 7
	cellWidth := (width - 2*margin) / 7
	height := margin + titleHeight + weekdayRow + weeks*cellHeight + legendHeight + margin

	byDay := make([]Day, days+1)
	for _, d := range m.Days {
		if d.Day < 1 || d.Day > days {
			return nil, fmt.Errorf("%w: day %d of %d-%02d", ErrBadMonth, d.Day, m.Year, m.Month)
		}
		byDay[d.Day].Posts = append(byDay[d.Day].Posts, d.Posts...)
		byDay[d.Day].Free += d.Free
	}

	p := charts.NewPainter(charts.PainterOptions{OutputFormat: charts.ChartOutputPNG, Width: width, Height: height,
		Theme: charts.GetTheme(charts.ThemeLight)})
	p.FilledRect(0, 0, width, height, background, background, 0)
	font := charts.GetDefaultFont()
	style := func(size float64, c charts.Color) charts.FontStyle {
		return charts.FontStyle{FontSize: size, FontColor: c, Font: font}
	}

	title := m.Title
	if title == "" {
		title = first.Format("January 2006")
	}
	p.Text(title, margin, margin+26, 0, style(17, ink))

	top := margin + titleHeight
	for i, name := range []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"} {
		p.Text(name, margin+i*cellWidth+cellPad, top+18, 0, style(11, faint))
	}
	top += weekdayRow

	for cell := range weeks * 7 {
		x := margin + (cell%7)*cellWidth
		y := top + (cell/7)*cellHeight
		day := cell - lead + 1
		fill := background
		switch {
		case day < 1 || day > days:
			fill = outside
		case len(byDay[day].Posts) == 0 && day >= m.PlanFrom:
			fill = gap
		case day < m.PlanFrom:
			fill = past
		}
		p.FilledRect(x, y, x+cellWidth, y+cellHeight, fill, gridLine, 1)
		if day < 1 || day > days {
			continue
		}
		if day == m.Today {
			p.FilledRect(x+2, y+2, x+cellWidth-2, y+cellHeight-2, fill, todayRing, 2)
		}
		p.Text(fmt.Sprint(day), x+cellPad, y+cellPad+12, 0, style(12, ink))
		drawDay(p, byDay[day], day >= m.PlanFrom, x, y, style)
	}

	// The legend: a swatch and a name per state.
	lx, ly := margin, top+weeks*cellHeight+24
	for _, s := range legendOrder {
		p.FilledRect(lx, ly-9, lx+10, ly+1, stateColours[s], stateColours[s], 0)
		p.Text(string(s), lx+15, ly, 0, style(11, ink))
		lx += 15 + p.MeasureText(string(s), 0, style(11, ink)).Width() + 20
	}
	p.FilledRect(lx, ly-9, lx+10, ly+1, gap, gridLine, 1)
	p.Text("nothing planned", lx+15, ly, 0, style(11, ink))

	data, err := p.Bytes()
	if err != nil {
		return nil, fmt.Errorf("calendar png: %w", err)
	}
	return data, nil
}

// drawDay writes a day's posts (as many as fit, then "+N more"), its free
// slots, or "nothing planned".
func drawDay(p *charts.Painter, d Day, open bool, x, y int, style func(float64, charts.Color) charts.FontStyle) {
	rows := (cellHeight - cellPad - 22) / lineHeight // below the day's number
	lines := len(d.Posts)
	if d.Free > 0 {
		lines++
	}
	shown := len(d.Posts)
	if lines > rows {
		shown = rows - 1 // the last row says how many more
		if d.Free > 0 {
			shown--
		}
	}
	ly := y + cellPad + 12 + lineHeight + 4
	for _, post := range d.Posts[:shown] {
		c, ok := stateColours[post.State]
		if !ok {
			c = faint
		}
		p.FilledRect(x+cellPad, ly-9, x+cellPad+8, ly-1, c, c, 0)
		p.Text(fmt.Sprintf("%s  #%d", post.Time, post.ID), x+cellPad+13, ly, 0, style(11, ink))
		ly += lineHeight
	}
	if more := len(d.Posts) - shown; more > 0 {
		p.Text(fmt.Sprintf("+%d more", more), x+cellPad+13, ly, 0, style(11, faint))
		ly += lineHeight
	}
	switch {
	case d.Free > 0:
		p.Text(fmt.Sprintf("%d free %s", d.Free, plural(d.Free, "slot", "slots")), x+cellPad, ly, 0, style(11, faint))
	case len(d.Posts) == 0 && open:
		p.Text("nothing planned", x+cellPad, ly, 0, style(11, faint))
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
