package timeparse

import "time"

// problem is why a spec that was understood still cannot be scheduled.
type problem uint8

const (
	fine      problem = iota
	inPast            // the instant is before now's minute
	tooFar            // more than MaxAhead ahead
	needsTime         // "today" alone
	badDate           // 31/02
	wrongDay          // "thu 27 nov" when 27 Nov is a Friday
)

// resolve turns a spec into an instant, in the spec's zone if it has one
// (so "tomorrow" is judged there) and else in loc. The instant has zero
// seconds, except for "now", which is now truncated to the second.
func (p *Parser) resolve(s spec, loc *time.Location, now time.Time) (time.Time, problem) {
	if s.tooBig {
		return time.Time{}, tooFar
	}
	if s.now {
		return now.Truncate(time.Second), fine
	}
	z := loc
	if s.zone != nil {
		z = s.zone
	}
	n := now.In(z)
	y, mo, d := n.Date()
	nowMinute := now.Truncate(time.Minute)
	at := func(y int, mo time.Month, d, h, mi int, endOfDay bool) time.Time {
		if endOfDay {
			d++
		}
		return wallTime(y, mo, d, h, mi, z)
	}

	var t time.Time
	switch s.date {
	case noDate:
		if s.rel {
			t = relative(s, n)
			break
		}
		// A bare time: today if it is still ahead, else tomorrow.
		h, mi, eod := s.clock(defaultHour, 0)
		t = at(y, mo, d, h, mi, eod)
		if t.Before(nowMinute) {
			t = at(y, mo, d+1, h, mi, eod)
		}

	case dateOffset:
		if s.needsTime && !s.hasTime && s.period == noPeriod {
			return time.Time{}, needsTime
		}
		h, mi, eod := s.clock(defaultHour, 0)
		t = at(y, mo, d+s.offset, h, mi, eod)

	case dateWeekday:
		h, mi, eod := s.clock(defaultHour, 0)
		delta := (int(s.weekday) - int(n.Weekday()) + 7) % 7
		switch s.wdMode {
		case wdNext:
			if delta == 0 {
				delta = 7
			}
		case wdLast:
			delta -= 7
		default:
			if delta == 0 && at(y, mo, d, h, mi, eod).Before(nowMinute) {
				delta = 7
			}
		}
		t = at(y, mo, d+delta, h, mi, eod)

	case dateAbs:
		year, month := s.year, time.Month(s.month)
		if year == 0 {
			// No year: this year, or the next one if the day has gone by
			// (or does not exist this year, like 29 Feb).
			year = y
			for !validDate(year, month, s.day) || dateBefore(year, month, s.day, y, mo, d) {
				if year++; year > y+8 {
					return time.Time{}, badDate
				}
			}
		} else if !validDate(year, month, s.day) {
			return time.Time{}, badDate
		}
		if s.wdCheck && time.Date(year, month, s.day, 12, 0, 0, 0, z).Weekday() != s.weekday {
			return time.Date(year, month, s.day, 12, 0, 0, 0, z), wrongDay
		}
		h, mi, eod := s.clock(defaultHour, 0)
		t = at(year, month, s.day, h, mi, eod)

	case dateDay:
		// "the 5th": this month, or the first month after it where that
		// day is still ahead.
		h, mi, eod := s.clock(defaultHour, 0)
		year, month := y, mo
		for range 14 {
			if validDate(year, month, s.day) {
				if c := at(year, month, s.day, h, mi, eod); !c.Before(nowMinute) {
					t = c
					break
				}
			}
			if month++; month > time.December {
				year, month = year+1, time.January
			}
		}
		if t.IsZero() {
			return time.Time{}, badDate
		}
	}

	switch {
	case t.Before(nowMinute):
		return t, inPast
	case t.Sub(now) > p.maxAhead:
		return t, tooFar
	}
	return t, fine
}

// relative applies "in 1 month and 2 hours" to n: calendar months and days
// first, in n's zone (so the wall-clock time is kept across DST changes and
// Jan 31 + 1 month is Feb 28 or 29), then hours and minutes as absolute
// time. Without a typed time the wall-clock time of n is kept.
func relative(s spec, n time.Time) time.Time {
	sign := 1
	if s.relNeg {
		sign = -1
	}
	t := n
	months := s.relY*12 + s.relM
	timed := s.hasTime || s.period != noPeriod
	if months != 0 || s.relD != 0 || timed {
		y, mo, d := n.Date()
		h, mi, _ := n.Clock()
		if months != 0 {
			y, mo, d = addMonths(y, mo, d, sign*months)
		}
		d += sign * s.relD
		if timed {
			var eod bool
			h, mi, eod = s.clock(defaultHour, 0)
			if eod {
				d++
			}
		}
		t = wallTime(y, mo, d, h, mi, n.Location())
	}
	return t.Add(time.Duration(sign) * s.relDur).Truncate(time.Minute)
}

// wallTime is time.Date for a wall-clock time in z, made definite for the
// one hour a year that does not exist: a time the clocks jump over ("2:30"
// on a night that goes from 2:00 to 3:00) is moved forward by the jump
// (3:30), the way calendars do it. Of a time that happens twice, the first
// is taken.
func wallTime(y int, mo time.Month, d, h, mi int, z *time.Location) time.Time {
	t := time.Date(y, mo, d, h, mi, 0, 0, z)
	if hh, mm, _ := t.Clock(); hh == h && mm == mi {
		return t
	}
	_, before := t.Add(-6 * time.Hour).Zone()
	return time.Date(y, mo, d, h, mi, 0, 0, time.UTC).Add(-time.Duration(before) * time.Second).In(z)
}

// addMonths moves a date by k calendar months, clamping the day to the
// length of the month it lands in (Jan 31 + 1 month = Feb 28, or 29 in a
// leap year).
func addMonths(y int, mo time.Month, d, k int) (int, time.Month, int) {
	total := y*12 + int(mo) - 1 + k
	ny := floorDiv(total, 12)
	nm := time.Month(total - ny*12 + 1)
	if last := daysIn(ny, nm); d > last {
		d = last
	}
	return ny, nm, d
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func validDate(y int, m time.Month, d int) bool {
	return m >= time.January && m <= time.December && d >= 1 && d <= daysIn(y, m)
}

func dateBefore(y1 int, m1 time.Month, d1, y2 int, m2 time.Month, d2 int) bool {
	if y1 != y2 {
		return y1 < y2
	}
	if m1 != m2 {
		return m1 < m2
	}
	return d1 < d2
}
