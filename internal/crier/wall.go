package crier

import "time"

// WallTime is the instant a clock in loc shows hour:minute on the calendar
// day y-m-d. A time the clocks skip (a spring-forward gap) moves forward by
// the jump (01:30 in a 01:00→02:00 gap is 02:30); a time they show twice
// (an autumn fall-back) is the first. time.Date promises neither: it may
// even land on the day before (Chile's clocks jump at midnight).
func WallTime(y int, m time.Month, d, hour, minute int, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	naive := time.Date(y, m, d, hour, minute, 0, 0, time.UTC)
	var offsets []int
	for _, h := range []int{-12, 12, 36} { // noon the day before, that day, the day after
		_, off := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Add(time.Duration(h) * time.Hour).In(loc).Zone()
		if len(offsets) == 0 || offsets[len(offsets)-1] != off {
			offsets = append(offsets, off)
		}
	}
	for _, off := range offsets {
		c := naive.Add(-time.Duration(off) * time.Second)
		l := c.In(loc)
		if l.Year() == y && l.Month() == m && l.Day() == d && l.Hour() == hour && l.Minute() == minute {
			return c.In(loc) // the first of the instants that show it
		}
	}
	// Skipped: as the clock before the jump would have shown it.
	return naive.Add(-time.Duration(offsets[0]) * time.Second).In(loc)
}

// DayStart is the first instant of the calendar day y-m-d in loc: its
// midnight, or the end of a jump over it.
func DayStart(y int, m time.Month, d int, loc *time.Location) time.Time {
	return WallTime(y, m, d, 0, 0, loc)
}
