package digest

import (
	"fmt"
	"time"
)

// Local days are counted on the calendar, not by adding hours: a day is
// 23 or 25 hours long when the clocks change, and in some places (Chile,
// Cuba) the clocks change at midnight, so a day need not start at 00:00.

// civil reads a calendar date "2006-01-02".
func civil(day string) (time.Time, error) {
	t, err := time.Parse("2006-01-02", day)
	if err != nil {
		return time.Time{}, fmt.Errorf("digest day %q: %w", day, err)
	}
	return t, nil
}

// addDays is the calendar date n days after day (n < 0: before).
func addDays(day time.Time, n int) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day()+n, 0, 0, 0, 0, time.UTC)
}

// dateOf is the calendar date of the instant t in loc.
func dateOf(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
}

// dayStart is the first instant of the calendar date day in loc: its
// midnight, or, where the clocks jump forward at midnight, the end of the
// jump.
func dayStart(day time.Time, loc *time.Location) time.Time {
	t := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
	if l := t.In(loc); l.Day() == day.Day() && l.Month() == day.Month() {
		return t
	}
	// Midnight does not exist that day: the day starts when the zone
	// period containing its noon does.
	start, _ := time.Date(day.Year(), day.Month(), day.Day(), 12, 0, 0, 0, loc).ZoneBounds()
	return start
}

// at is the instant of hour:minute on the calendar date day in loc (a time
// the clocks skip is moved past the jump, as time.Date does).
func at(day time.Time, hour, minute int, loc *time.Location) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), hour, minute, 0, 0, loc)
}
