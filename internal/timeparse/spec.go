package timeparse

import "time"

// spec is what a phrase says, before it is turned into an instant: which
// day (if any), which time of day (if any), how far from now (if relative)
// and in which zone. Both our own grammar and the olebedev/when fallback
// produce a spec; resolve turns it into a time.Time with one set of rules.
type spec struct {
	now bool // "now", "agora"

	date      dateKind
	year      int // dateAbs; 0 when the year was not typed
	month     int // dateAbs
	day       int // dateAbs, dateDay
	offset    int // dateOffset: days from today ("tomorrow" is 1)
	weekday   time.Weekday
	wdMode    weekdayMode
	wdCheck   bool // a weekday typed next to an absolute date ("Fri 27 Nov"): they must agree
	needsTime bool // "today" alone says nothing

	rel    bool // "in 2 hours", "3 days ago", "next week"
	relNeg bool // "ago", "atrás", "há"
	relY   int
	relM   int
	relD   int           // calendar days: wall-clock time is kept across DST
	relDur time.Duration // hours, minutes, seconds: absolute

	relSeconds float64 // rough size of the relative part, to catch absurd counts

	hasTime  bool
	hour     int  // as typed; meridiem and period are applied by clock
	minute   int  //
	meridiem byte // 0, 'a' or 'p'
	endOfDay bool // "midnight": the 00:00 that ends the day

	period period
	zone   *time.Location
	tooBig bool // a number so large the instant cannot be more than MaxAhead away

	swapped *swappedDate // a numeric date read in the other order, for the error (see readSwapped)

	last string // the grammar rule that read the previous piece of the phrase
}

// swappedDate is a numeric date that is impossible in the configured
// order but a date in the other one: "12/31" under DMY.
type swappedDate struct {
	typed string // as typed: "12/31"
	hint  string // the other way round: "31/12"
	order string // how it is read here: "day/month", "month/day/year"
	month int    // the month it would have: 31
}

type dateKind uint8

const (
	noDate      dateKind = iota
	dateAbs              // 24 dec, 2026-12-24, 24/12
	dateOffset           // today, tomorrow, yesterday
	dateWeekday          // friday, next friday
	dateDay              // the 5th, dia 5
)

type weekdayMode uint8

const (
	wdBare weekdayMode = iota // "friday": today if the time is still ahead, else the next one
	wdNext                    // "next friday", "this friday": the first one after today
	wdLast                    // "last friday": the last one before today
)

type period uint8

const (
	noPeriod period = iota
	morning
	afternoon
	evening
	night
)

// periodHour is the time of day a period alone stands for.
func periodHour(p period) int {
	switch p {
	case morning:
		return 9
	case afternoon:
		return 15
	case evening:
		return 18
	case night:
		return 20
	}
	return 9
}

// defaultHour is the time of day used for a day typed without a time
// ("tomorrow", "friday", "24 dec"): 09:00, like Slack's /remind.
const defaultHour = 9

func (s *spec) setAbs(y, m, d int) bool {
	switch {
	case s.date == dateWeekday && s.wdMode == wdBare && !s.wdCheck:
		s.wdCheck = true
	case s.date != noDate || s.rel:
		return false
	}
	s.date, s.year, s.month, s.day = dateAbs, y, m, d
	return true
}

func (s *spec) setWeekday(wd time.Weekday, mode weekdayMode) bool {
	if s.date == dateAbs && !s.wdCheck && mode == wdBare {
		s.wdCheck, s.weekday = true, wd
		return true
	}
	if s.date != noDate || s.rel {
		return false
	}
	s.date, s.weekday, s.wdMode = dateWeekday, wd, mode
	return true
}

func (s *spec) setOffset(days int) bool {
	if s.date != noDate || s.rel {
		return false
	}
	s.date, s.offset = dateOffset, days
	return true
}

func (s *spec) setDay(d int) bool {
	if s.date != noDate || s.rel {
		return false
	}
	s.date, s.day = dateDay, d
	return true
}

func (s *spec) setRel() bool {
	if s.rel || s.date != noDate {
		return false
	}
	s.rel = true
	return true
}

// setTime records a time of day; meridiem is 0, 'a' or 'p'.
func (s *spec) setTime(h, m int, meridiem byte) bool {
	if s.hasTime || m < 0 || m > 59 {
		return false
	}
	if meridiem != 0 {
		if h < 1 || h > 12 {
			return false
		}
	} else if h < 0 || h > 23 {
		return false
	}
	s.hasTime, s.hour, s.minute, s.meridiem = true, h, m, meridiem
	return true
}

func (s *spec) setPeriod(p period) bool {
	if s.period != noPeriod {
		return false
	}
	s.period = p
	return true
}

func (s *spec) setZone(z *time.Location) bool {
	if s.zone != nil || z == nil {
		return false
	}
	s.zone = z
	return true
}

// valid reports whether the spec names an instant and does not contradict
// itself.
func (s *spec) valid() bool {
	dated := s.date != noDate || s.rel
	timed := s.hasTime || s.period != noPeriod
	switch {
	case s.now:
		return !dated && !timed
	case s.rel && s.relDur != 0 && timed:
		return false // "in 2 hours at 5pm"
	case s.meridiem == 'a' && (s.period == afternoon || s.period == evening):
		return false // "9am in the evening"
	}
	return dated || timed || s.tooBig
}

// clock returns the time of day the spec asks for: the typed time (with
// am/pm and "in the evening" applied), the hour of a period, or the given
// default. endOfDay means 00:00 of the following day.
func (s *spec) clock(defHour, defMinute int) (hour, minute int, endOfDay bool) {
	if !s.hasTime {
		if s.period != noPeriod {
			return periodHour(s.period), 0, false
		}
		return defHour, defMinute, false
	}
	h := s.hour
	switch s.meridiem {
	case 'a':
		if h == 12 {
			h = 0
		}
	case 'p':
		if h < 12 {
			h += 12
		}
	default:
		switch s.period {
		case afternoon, evening:
			if h < 12 {
				h += 12
			}
		case night:
			switch {
			case h >= 5 && h < 12:
				h += 12
			case h == 12:
				return 0, s.minute, true
			}
		case morning:
			if h == 12 {
				h = 0
			}
		}
	}
	return h, s.minute, s.endOfDay
}
