package calendarpng

import (
	"bytes"
	"errors"
	"flag"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var pngOut = flag.String("png-out", "", "write the calendars drawn by the tests into this directory, to look at them")

// november is November 2026 seen on Mon 23 Nov: the 1st is a Sunday, so
// the grid has six weeks.
func november() Month {
	return Month{
		Year: 2026, Month: time.November, Today: 23, PlanFrom: 23,
		Days: []Day{
			{Day: 2, Posts: []Post{{Time: "09:00", ID: 1, State: Published}}},
			{Day: 10, Posts: []Post{{Time: "12:00", ID: 2, State: Failed}, {Time: "18:00", ID: 3, State: Partial}}},
			{Day: 23, Posts: []Post{{Time: "15:00", ID: 4, State: Maybe}}, Free: 1},
			{Day: 24, Posts: []Post{
				{Time: "08:00", ID: 5, State: Scheduled}, {Time: "09:00", ID: 6, State: Awaiting}, {Time: "10:00", ID: 7, State: Rejected},
				{Time: "11:00", ID: 8, State: Scheduled}, {Time: "12:00", ID: 9, State: Scheduled}, {Time: "13:00", ID: 10, State: Scheduled},
				{Time: "14:00", ID: 11, State: Scheduled},
			}, Free: 2},
			{Day: 27, Free: 3},
		},
	}
}

func decode(t *testing.T, name string, data []byte) image.Image {
	t.Helper()
	if *pngOut != "" {
		if err := os.MkdirAll(*pngOut, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(*pngOut, name+".png"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the calendar is not a PNG: %v", err)
	}
	return img
}

func draw(t *testing.T, name string, m Month, opts Options) image.Image {
	t.Helper()
	data, err := CalendarPNG(m, opts)
	if err != nil {
		t.Fatalf("CalendarPNG: %v", err)
	}
	return decode(t, name, data)
}

// inked counts the pixels that differ from the top-left one (the
// background), and the distinct colours.
func inked(img image.Image) (n, colours int) {
	b := img.Bounds()
	bg := img.At(b.Min.X, b.Min.Y)
	seen := map[color.Color]bool{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := img.At(x, y)
			seen[c] = true
			if c != bg {
				n++
			}
		}
	}
	return n, len(seen)
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

func TestCalendarPNGIsAPictureOfTheMonthsWeeks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		month         Month
		opts          Options
		width, height int
	}{
		// 1 Nov 2026 is a Sunday: 6 weeks.
		{"a month over six weeks", november(), Options{}, 1190, 14 + 44 + 26 + 6*128 + 38 + 14},
		// 1 Feb 2027 is a Monday and February has 28 days: 4 weeks.
		{"February starting on a Monday takes four", Month{Year: 2027, Month: time.February, PlanFrom: 1}, Options{}, 1190, 14 + 44 + 26 + 4*128 + 38 + 14},
		{"a width of its own", november(), Options{Width: 900}, 900, 14 + 44 + 26 + 6*128 + 38 + 14},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			img := draw(t, tt.name, tt.month, tt.opts)
			if got := img.Bounds().Size(); got.X != tt.width || got.Y != tt.height {
				t.Errorf("size = %dx%d, want %dx%d", got.X, got.Y, tt.width, tt.height)
			}
			n, colours := inked(img)
			total := tt.width * tt.height
			// A grid with text and tints has many drawn pixels and colours
			// (anti-aliased text); a blank picture has one colour.
			if n < total/20 || colours < 10 {
				t.Errorf("the calendar looks blank: %d of %d pixels drawn, %d colours", n, total, colours)
			}
		})
	}
}

func TestCalendarPNGDiffersWithItsInput(t *testing.T) {
	t.Parallel()
	base := draw(t, "base", november(), Options{})
	if !samePixels(base, draw(t, "again", november(), Options{})) {
		t.Fatal("the same month drew two different pictures")
	}
	changes := map[string]func(*Month){
		"a post more": func(m *Month) {
			m.Days = append(m.Days, Day{Day: 26, Posts: []Post{{Time: "10:00", ID: 12, State: Scheduled}}})
		},
		"a post's state": func(m *Month) { m.Days[0].Posts[0].State = Failed },
		"a post's time":  func(m *Month) { m.Days[0].Posts[0].Time = "10:00" },
		"a free slot":    func(m *Month) { m.Days[4].Free = 4 },
		"another today":  func(m *Month) { m.Today = 24 },
		"the title":      func(m *Month) { m.Title = "November 2026 · mastodon" },
	}
	for name, change := range changes {
		m := november()
		m.Days = append([]Day(nil), m.Days...)
		m.Days[0].Posts = append([]Post(nil), m.Days[0].Posts...)
		change(&m)
		if samePixels(base, draw(t, name, m, Options{})) {
			t.Errorf("%s did not change the picture", name)
		}
	}
}

// cellAt is a pixel inside day's cell, below its text, in November 2026.
func cellAt(img image.Image, day int) color.Color {
	const lead = 6 // 1 Nov 2026 is a Sunday
	cell := lead + day - 1
	cellWidth := (1190 - 2*margin) / 7
	x := margin + (cell%7)*cellWidth + cellWidth - 6
	y := margin + titleHeight + weekdayRow + (cell/7)*cellHeight + cellHeight - 6
	return img.At(x, y)
}

func TestCalendarPNGTintsTheDaysStillToPlanThatHaveNothing(t *testing.T) {
	t.Parallel()
	img := draw(t, "gaps", november(), Options{})
	want := color.RGBAModel.Convert(gap)
	tests := []struct {
		day  int
		tint bool
	}{
		{25, true},  // ahead, nothing on it
		{30, true},  // ahead, nothing on it
		{27, true},  // ahead, only free slots: nothing planned
		{24, false}, // ahead, posts on it
		{20, false}, // gone by, nothing on it: not a gap any more
		{2, false},  // gone by, published
	}
	for _, tt := range tests {
		got := color.RGBAModel.Convert(cellAt(img, tt.day))
		if (got == want) != tt.tint {
			t.Errorf("day %d: colour %v, tinted as a gap = %v, want %v", tt.day, got, got == want, tt.tint)
		}
	}
}

func TestCalendarPNGRefusesWhatIsNotAMonth(t *testing.T) {
	t.Parallel()
	for name, m := range map[string]Month{
		"month 13":            {Year: 2026, Month: 13},
		"month 0":             {Year: 2026},
		"year 0":              {Month: time.May},
		"31 November":         {Year: 2026, Month: time.November, Days: []Day{{Day: 31}}},
		"day 0":               {Year: 2026, Month: time.November, Days: []Day{{Day: 0}}},
		"29 February in 2027": {Year: 2027, Month: time.February, Days: []Day{{Day: 29}}},
	} {
		data, err := CalendarPNG(m, Options{})
		if !errors.Is(err, ErrBadMonth) {
			t.Errorf("%s: CalendarPNG = %d bytes, %v; want %v", name, len(data), err, ErrBadMonth)
		}
	}
}
