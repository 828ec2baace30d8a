package timeparse

import (
	"fmt"
	"time"
)

// Human renders an instant for a person, in loc, relative to now:
// "Tue 24 Nov 09:00 EET (in 23 h)". The year is shown when it is not
// now's year in loc: "Tue 5 Jan 2027 09:00 EET (in 43 days)". The zone is
// the abbreviation Go knows for loc at t.
func Human(t time.Time, loc *time.Location, now time.Time) string {
	return stamp(t, loc, now) + " (" + Relative(t, now) + ")"
}

// Stamp is Human without the relative part: "Tue 24 Nov 09:00 EET".
func Stamp(t time.Time, loc *time.Location, now time.Time) string { return stamp(t, loc, now) }

func stamp(t time.Time, loc *time.Location, now time.Time) string {
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	if t.Year() != now.In(loc).Year() {
		return t.Format("Mon 2 Jan 2006 15:04 MST")
	}
	return t.Format("Mon 2 Jan 15:04 MST")
}

// Clock renders an instant in loc for a notice: "09:05 CET" ("09:05:10 CET"
// with seconds) when it falls on now's day there, else with the date, "Tue
// 24 Nov 09:05 CET". A nil loc is UTC.
func Clock(t time.Time, loc *time.Location, now time.Time, seconds bool) string {
	if loc == nil {
		loc = time.UTC
	}
	t, now = t.In(loc), now.In(loc)
	layout := "15:04"
	if seconds {
		layout = "15:04:05"
	}
	if t.YearDay() == now.YearDay() && t.Year() == now.Year() {
		return t.Format(layout + " MST")
	}
	return t.Format("Mon 2 Jan " + layout + " MST")
}

// Duration renders a length of time for people: "30 s", "5 min", "2 h",
// "2 h 5 min" (up to 48 hours), "3 days".
func Duration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Round(time.Second)/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	case d < 48*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return fmt.Sprintf("%d h", h)
		}
		return fmt.Sprintf("%d h %d min", h, m)
	default:
		return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
	}
}

// Relative says how far t is from now, rounded to the minute: "in less
// than a minute", "in 5 min", "in 23 h", "in 2 h 5 min" (up to 48 hours),
// "in 43 days" (rounded to the nearest day), and for past instants
// "5 min ago", "2 h 5 min ago", "3 days ago".
func Relative(t, now time.Time) string {
	// Instants people type have zero seconds: measure from the start of the
	// current minute, so "in 2 hours" typed at 10:00:40 reads "in 2 h".
	d := t.Sub(now.Truncate(time.Minute))
	past := d < 0
	if past {
		d = -d
	}
	var s string
	switch mins := int64(d.Round(time.Minute) / time.Minute); {
	case d < time.Minute:
		s = "less than a minute"
	case mins < 60:
		s = fmt.Sprintf("%d min", mins)
	case mins < 48*60:
		if mins%60 == 0 {
			s = fmt.Sprintf("%d h", mins/60)
		} else {
			s = fmt.Sprintf("%d h %d min", mins/60, mins%60)
		}
	default:
		s = fmt.Sprintf("%d days", (mins+12*60)/(24*60))
	}
	if past {
		return s + " ago"
	}
	return "in " + s
}
