package timeparse

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Recurring posts (issue 10): "every monday 9am", "every 2 weeks on friday
// at 15:00", "every month on the 1st", "every last friday", "every weekday
// at 8:30 until 20 dec", "every day at 10:00 for 5 times"; in Portuguese
// "toda segunda às 9h", "todos os dias às 10h", "a cada 2 semanas na sexta",
// "todo dia 15", "toda última sexta do mês", "todo dia útil às 8h até 20/12",
// "toda segunda por 4 vezes".
//
// The rules:
//
//   - Occurrences are computed on the calendar of the person's zone: the
//     wall-clock time is kept across DST changes. A time the clocks skip
//     (01:30 on a night that jumps from 01:00 to 02:00) moves forward by
//     the jump (02:30), as a single time phrase does; a time that happens
//     twice is taken the first time.
//   - A day of the month that a month does not have ("every month on the
//     31st" in April) is skipped, as Google Calendar and RFC 5545 do; "the
//     last day" is every month's last day. A yearly date that never exists
//     ("every 30th of february") is refused.
//   - A day without a time means 09:00, like a single time phrase.
//   - Nothing repeats for more than a year: a series with no end, or one
//     whose "until" or "for N times" reaches past a year after its first
//     occurrence, ends at the last occurrence within that year (and at most
//     MaxOccurrences), and Rule.Capped says so.

// Freq is how a rule repeats.
type Freq uint8

// Frequencies.
const (
	Daily      Freq = iota + 1 // every day, every 3 days
	Weekdays                   // Monday to Friday
	Weekly                     // on Weekday, every Interval weeks
	MonthlyDay                 // on MonthDay, every Interval months
	MonthlyNth                 // on the Nth Weekday of the month, every Interval months
)

// MaxOccurrences is the most occurrences one series may have.
const MaxOccurrences = 365

// Rule is a recurrence: which days, at which time of day, from Start, until
// Until and at most Count times.
type Rule struct {
	Freq     Freq
	Interval int          // 1: every; 2: every other
	Weekday  time.Weekday // Weekly, MonthlyNth
	MonthDay int          // MonthlyDay: 1–31, or -1 for the last day
	Nth      int          // MonthlyNth: 1–4, or -1 for the last
	Hour     int
	Minute   int
	// Start is the first occurrence; intervals count from its day.
	Start time.Time
	// Until: no occurrence after it (zero: none; a parsed rule always has one).
	Until time.Time
	// Count: at most this many occurrences (0: no limit).
	Count int
	// Capped says the series was cut to a year: nothing typed ended it
	// within a year of its first occurrence.
	Capped bool
}

// Next returns the first occurrence after after, in loc (the zone the rule
// was typed in), or the zero time when the rule has no more.
func (r Rule) Next(after time.Time, loc *time.Location) time.Time {
	var next time.Time
	r.each(loc, func(_ int, t time.Time) bool {
		if t.After(after) {
			next = t
			return false
		}
		return true
	})
	return next
}

// Occurrences returns up to n occurrences after after, each with its
// number (1 for Start).
func (r Rule) Occurrences(after time.Time, loc *time.Location, n int) (nos []int, times []time.Time) {
	if n <= 0 {
		return nil, nil
	}
	r.each(loc, func(i int, t time.Time) bool {
		if t.After(after) {
			nos, times = append(nos, i), append(times, t)
		}
		return len(times) < n
	})
	return nos, times
}

// Last returns the rule's last occurrence and how many there are.
func (r Rule) Last(loc *time.Location) (time.Time, int) {
	var last time.Time
	count := 0
	r.each(loc, func(i int, t time.Time) bool {
		last, count = t, i
		return true
	})
	return last, count
}

// maxSteps bounds the calendar walk of each: more than a year of days.
const maxRecurSteps = 800

// each calls fn with every occurrence in order, numbered from 1, until fn
// returns false or the rule ends.
func (r Rule) each(loc *time.Location, fn func(i int, t time.Time) bool) {
	if loc == nil {
		loc = time.UTC
	}
	if r.Start.IsZero() {
		return
	}
	iv := max(r.Interval, 1)
	s := r.Start.In(loc)
	y, m, d := s.Date()
	i := 0
	emit := func(t time.Time) bool {
		if t.IsZero() || t.Before(r.Start) {
			return true
		}
		if !r.Until.IsZero() && t.After(r.Until) {
			return false
		}
		i++
		if r.Count > 0 && i > r.Count {
			return false
		}
		return fn(i, t)
	}
	for k := 0; k < maxRecurSteps; k++ {
		var t time.Time
		switch r.Freq {
		case Daily:
			t = onWall(y, m, d+k*iv, r.Hour, r.Minute, loc)
		case Weekdays:
			day := time.Date(y, m, d+k, 12, 0, 0, 0, time.UTC)
			if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
				continue
			}
			t = onWall(y, m, d+k, r.Hour, r.Minute, loc)
		case Weekly:
			shift := (int(r.Weekday) - int(s.Weekday()) + 7) % 7
			t = onWall(y, m, d+shift+7*iv*k, r.Hour, r.Minute, loc)
		case MonthlyDay, MonthlyNth:
			total := int(m) - 1 + k*iv
			yy, mm := y+total/12, time.Month(total%12+1)
			day := r.dayIn(yy, mm)
			if day == 0 {
				continue // the month has no such day: skipped
			}
			t = onWall(yy, mm, day, r.Hour, r.Minute, loc)
		default:
			return
		}
		if !emit(t) {
			return
		}
	}
}

// dayIn returns the day of month yy-mm a monthly rule falls on, or 0 when
// that month has none.
func (r Rule) dayIn(y int, m time.Month) int {
	last := daysIn(y, m)
	if r.Freq == MonthlyDay {
		switch {
		case r.MonthDay == -1:
			return last
		case r.MonthDay >= 1 && r.MonthDay <= last:
			return r.MonthDay
		}
		return 0
	}
	first := time.Date(y, m, 1, 12, 0, 0, 0, time.UTC).Weekday()
	day := 1 + (int(r.Weekday)-int(first)+7)%7
	if r.Nth == -1 {
		for day+7 <= last {
			day += 7
		}
		return day
	}
	day += 7 * (r.Nth - 1)
	if r.Nth < 1 || day > last {
		return 0
	}
	return day
}

// onWall returns the instant the clocks in loc show h:mi on that day. A
// time the clocks skip moves forward by the jump (as wallTime does); of a
// time that happens twice, the first is taken.
func onWall(y int, mo time.Month, d, h, mi int, loc *time.Location) time.Time {
	t := wallTime(y, mo, d, h, mi, loc)
	yy, mm, dd := time.Date(y, mo, d, 0, 0, 0, 0, time.UTC).Date()
	naive := time.Date(yy, mm, dd, h, mi, 0, 0, time.UTC)
	best := t
	for _, probe := range []time.Time{t.Add(-6 * time.Hour), t.Add(6 * time.Hour)} {
		_, off := probe.In(loc).Zone()
		c := naive.Add(-time.Duration(off) * time.Second).In(loc)
		cy, cm, cd := c.Date()
		if c.Before(best) && cy == yy && cm == mm && cd == dd && c.Hour() == h && c.Minute() == mi {
			best = c
		}
	}
	return best
}

// String writes the rule as an RFC 5545 RRULE with its DTSTART, for the
// store; ParseRule reads it back.
func (r Rule) String() string {
	var b strings.Builder
	freq := map[Freq]string{Daily: "DAILY", Weekdays: "WEEKLY", Weekly: "WEEKLY", MonthlyDay: "MONTHLY", MonthlyNth: "MONTHLY"}[r.Freq]
	fmt.Fprintf(&b, "DTSTART=%s;FREQ=%s;INTERVAL=%d", r.Start.UTC().Format(icsUTC), freq, max(r.Interval, 1))
	switch r.Freq {
	case Weekdays:
		b.WriteString(";BYDAY=MO,TU,WE,TH,FR")
	case Weekly:
		b.WriteString(";BYDAY=" + icsDays[r.Weekday])
	case MonthlyDay:
		fmt.Fprintf(&b, ";BYMONTHDAY=%d", r.MonthDay)
	case MonthlyNth:
		fmt.Fprintf(&b, ";BYDAY=%d%s", r.Nth, icsDays[r.Weekday])
	}
	fmt.Fprintf(&b, ";BYHOUR=%d;BYMINUTE=%d", r.Hour, r.Minute)
	if !r.Until.IsZero() {
		b.WriteString(";UNTIL=" + r.Until.UTC().Format(icsUTC))
	}
	if r.Count > 0 {
		fmt.Fprintf(&b, ";COUNT=%d", r.Count)
	}
	if r.Capped {
		b.WriteString(";X-CRIER-CAPPED=1")
	}
	return b.String()
}

const icsUTC = "20060102T150405Z"

var icsDays = [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}

// ParseRule reads what Rule.String wrote.
func ParseRule(s string) (Rule, error) {
	var r Rule
	kv := map[string]string{}
	for part := range strings.SplitSeq(s, ";") {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return Rule{}, fmt.Errorf("parse rule %q: %q has no value", s, part)
		}
		kv[k] = v
	}
	var err error
	if r.Start, err = time.Parse(icsUTC, kv["DTSTART"]); err != nil {
		return Rule{}, fmt.Errorf("parse rule %q: %w", s, err)
	}
	if u := kv["UNTIL"]; u != "" {
		if r.Until, err = time.Parse(icsUTC, u); err != nil {
			return Rule{}, fmt.Errorf("parse rule %q: %w", s, err)
		}
	}
	num := func(k string) int { n, _ := strconv.Atoi(kv[k]); return n }
	r.Interval, r.Hour, r.Minute, r.Count, r.Capped = num("INTERVAL"), num("BYHOUR"), num("BYMINUTE"), num("COUNT"), kv["X-CRIER-CAPPED"] == "1"
	day := func(code string) (time.Weekday, bool) {
		for i, c := range icsDays {
			if c == code {
				return time.Weekday(i), true
			}
		}
		return 0, false
	}
	byday := kv["BYDAY"]
	switch kv["FREQ"] {
	case "DAILY":
		r.Freq = Daily
	case "WEEKLY":
		if byday == "MO,TU,WE,TH,FR" {
			r.Freq = Weekdays
			break
		}
		wd, ok := day(byday)
		if !ok {
			return Rule{}, fmt.Errorf("parse rule %q: BYDAY %q", s, byday)
		}
		r.Freq, r.Weekday = Weekly, wd
	case "MONTHLY":
		if md := kv["BYMONTHDAY"]; md != "" {
			r.Freq, r.MonthDay = MonthlyDay, num("BYMONTHDAY")
			break
		}
		if len(byday) < 3 {
			return Rule{}, fmt.Errorf("parse rule %q: BYDAY %q", s, byday)
		}
		wd, ok := day(byday[len(byday)-2:])
		n, err := strconv.Atoi(byday[:len(byday)-2])
		if !ok || err != nil {
			return Rule{}, fmt.Errorf("parse rule %q: BYDAY %q", s, byday)
		}
		r.Freq, r.Weekday, r.Nth = MonthlyNth, wd, n
	default:
		return Rule{}, fmt.Errorf("parse rule %q: FREQ %q", s, kv["FREQ"])
	}
	return r, nil
}

// Describe says the rule in English for an answer: "every Monday at
// 09:00", "every 2 weeks on Friday at 15:00", "every month on the 31st
// at 09:00 (months without one are skipped)".
func (r Rule) Describe() string {
	at := fmt.Sprintf(" at %02d:%02d", r.Hour, r.Minute)
	iv := max(r.Interval, 1)
	every := func(unit string) string {
		if iv == 1 {
			return "every " + unit
		}
		return fmt.Sprintf("every %d %ss", iv, unit)
	}
	switch r.Freq {
	case Daily:
		return every("day") + at
	case Weekdays:
		return "every weekday" + at
	case Weekly:
		if iv == 1 {
			return "every " + r.Weekday.String() + at
		}
		return every("week") + " on " + r.Weekday.String() + at
	case MonthlyDay:
		if r.MonthDay == -1 {
			return every("month") + " on the last day" + at
		}
		s := every("month") + " on the " + ordinal(r.MonthDay) + at
		if r.MonthDay > 28 {
			s += fmt.Sprintf(" (months without a %s are skipped)", ordinal(r.MonthDay))
		}
		return s
	case MonthlyNth:
		nth := map[int]string{1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}[r.Nth]
		return fmt.Sprintf("%s on the %s %s", every("month"), nth, r.Weekday) + at
	}
	return "never"
}

func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(n) + suffix
}

// IsRecurrence reports whether text starts like a recurrence: "every …",
// "toda …", "todo …", "todos os …", "todas as …", "a cada …", "cada …".
func (p *Parser) IsRecurrence(text string) bool {
	_, _, ok := p.recurLead(text)
	return ok
}

// recurLead cuts the word that opens a recurrence. interval is 2 for
// "every other".
func (p *Parser) recurLead(text string) (rest string, interval int, ok bool) {
	_, f, after := head(text)
	switch {
	case p.en && f == "every":
		if w2, f2, after2 := head(after); f2 == "other" && w2 != "" {
			return after2, 2, true
		}
		return after, 1, true
	case p.pt && (f == "toda" || f == "todo" || f == "cada"):
		return after, 1, true
	case p.pt && (f == "todos" || f == "todas"):
		if _, f2, after2 := head(after); f2 == "os" || f2 == "as" {
			return after2, 1, true
		}
		return after, 1, true
	case p.pt && f == "a":
		if _, f2, after2 := head(after); f2 == "cada" {
			return after2, 1, true
		}
	}
	return text, 0, false
}

// head cuts the first white-space separated word of s: as typed, folded
// (lower case, no accents, without trailing punctuation) and what follows,
// trimmed.
func head(s string) (word, folded, rest string) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' })
	if i < 0 {
		word = s
	} else {
		word, rest = s[:i], strings.TrimSpace(s[i:])
	}
	return word, strings.TrimRight(foldText(word), ",;:!?."), rest
}

var ordinalRe = regexp.MustCompile(`^(\d{1,3})(?:st|nd|rd|th|º|ª|o)?$`)

// ParseRecurrence reads a recurrence at the start of args ("every monday
// 9am Weekly tips") in loc at now, and returns the rule (its Start, the
// first occurrence after now; its Until, at most a year after Start) and
// the text that follows. A "|" ends the recurrence explicitly: everything
// before it must be understood.
func (p *Parser) ParseRecurrence(args string, loc *time.Location, now time.Time) (Rule, string, error) {
	if loc == nil {
		loc = time.UTC
	}
	args = strings.TrimSpace(args)
	phrase, text, piped := args, "", false
	if i := strings.IndexByte(args, '|'); i >= 0 {
		phrase, text, piped = strings.TrimSpace(args[:i]), strings.TrimSpace(args[i+1:]), true
	}
	rest, interval, ok := p.recurLead(phrase)
	if !ok {
		return Rule{}, args, p.errRecur(args)
	}
	r := Rule{Interval: interval, Hour: defaultHour}
	rest, err := p.readFreq(&r, rest, args)
	if err != nil {
		return Rule{}, args, err
	}
	var (
		until   time.Time
		forN    int // "for 3 weeks": an end counted from the first time
		forUnit unit
	)
	timed := false
	// clause reads one "until …", "for N times" or time of day at the
	// start of s.
	clause := func(s string) (string, bool, error) {
		_, f, after := head(s)
		switch f {
		case "until", "till", "through", "thru", "ate":
			if !until.IsZero() {
				return s, false, p.errRecur(args)
			}
			due, _, left, err := p.ParseLeading(after, loc, now)
			if err != nil {
				return s, false, err
			}
			y, m, d := due.In(loc).Date()
			until = time.Date(y, m, d+1, 0, 0, 0, 0, loc).Add(-time.Second)
			return left, true, nil
		}
		if n, u, left, ok := p.readFor(s); ok {
			if forN != 0 || !until.IsZero() {
				return s, false, p.errRecur(args)
			}
			if n < 1 {
				return s, false, invalid("%s: the number of %ss must be 1 or more, like \"for 3 weeks\".", quote(args), unitName(u))
			}
			forN, forUnit = n, u
			return left, true, nil
		}
		if n, left, ok := p.readTimes(s); ok {
			if r.Count != 0 {
				return s, false, p.errRecur(args)
			}
			if n < 1 {
				return s, false, invalid("%s: the number of times must be 1 or more, like \"for 4 times\".", quote(args))
			}
			r.Count = n
			return left, true, nil
		}
		if !timed {
			if h, m, left, ok := p.readClock(s); ok {
				r.Hour, r.Minute, timed = h, m, true
				return left, true, nil
			}
		}
		return s, false, nil
	}
	for rest != "" {
		left, ok, err := clause(rest)
		if err != nil {
			return Rule{}, args, err
		}
		if !ok {
			// Filler ("at", "on", "às", "the") counts only before a clause:
			// "every monday at the park" keeps "at the park" as text.
			after := rest
			for {
				_, f, a := head(after)
				if f == "" || !(p.lex.insig[f] || f == "of" || f == "every") {
					break
				}
				after = a
			}
			if after == rest {
				break
			}
			if left, ok, err = clause(after); err != nil {
				return Rule{}, args, err
			}
			if !ok {
				break
			}
		}
		rest = left
	}
	if r.Freq == Weekly && r.Weekday < 0 {
		r.Weekday = now.In(loc).Weekday() // "every 2 weeks": on today's weekday
	}
	if piped {
		if rest != "" {
			if err := p.misread(r, rest, args); err != nil {
				return Rule{}, args, err
			}
			return Rule{}, args, p.errRecur(args)
		}
	} else {
		if err := p.misread(r, rest, args); err != nil {
			return Rule{}, args, err
		}
		text = trimSeparator(rest)
	}
	if r.Freq == MonthlyDay && r.MonthDay > 31 {
		return Rule{}, args, invalid("%s: no month has a %s. Try \"every month on the last day\".", quote(args), ordinal(r.MonthDay))
	}
	if err := refuseLongInterval(r, args); err != nil {
		return Rule{}, args, err
	}

	// The first occurrence: the first matching time after now, walking
	// from today's midnight one day (week, month) at a time; the interval
	// counts from it, so "every other monday" typed on a Monday after its
	// time first runs next Monday, not in two weeks.
	y, m, d := now.In(loc).Date()
	first := r
	first.Interval, first.Count = 1, 0
	first.Start = time.Date(y, m, d, 0, 0, 0, 0, loc)
	r.Start = first.Next(now, loc)
	if r.Start.IsZero() {
		return Rule{}, args, p.errRecur(args)
	}
	if forN > 0 {
		sy, sm, sd := r.Start.In(loc).Date()
		switch forUnit {
		case uDay:
			sd += forN
		case uWeek:
			sd += 7 * forN
		case uMonth:
			sm += time.Month(forN)
		}
		until = time.Date(sy, sm, sd, 0, 0, 0, 0, loc).Add(-time.Second)
	}
	limit := r.Start.AddDate(1, 0, 0).Add(-time.Minute)
	switch {
	case !until.IsZero() && until.Before(r.Start):
		return Rule{}, args, invalid("%s ends before its first time (%s). Pick a later end date.", quote(args), stamp(r.Start, loc, now))
	case !until.IsZero() && !until.After(limit):
		r.Until = until
	default:
		r.Until = limit
		r.Capped = true
	}
	if r.Count > MaxOccurrences {
		r.Count, r.Capped = MaxOccurrences, true
	}
	if r.Capped {
		// Capped only when the cap, not the count, ends it.
		withoutCap := r
		withoutCap.Until = time.Time{}
		if last, n := withoutCap.Last(loc); r.Count > 0 && n == r.Count && !last.After(limit) {
			r.Capped = false
		}
	}
	return r, text, nil
}

// readFreq reads how often: "day", "weekday", "monday", "2 weeks on
// friday", "month on the 1st", "last friday", "15th", and the Portuguese
// words.
func (p *Parser) readFreq(r *Rule, rest, args string) (string, error) {
	_, f, after := head(rest)
	if n, ok := p.count(f); ok && f != "a" && f != "um" && f != "uma" {
		_, f2, _ := head(after)
		if err := p.refuseUnit(f2, args); err != nil {
			return "", err
		}
		if n < 1 {
			return "", p.errInterval(args)
		}
		if p.unit(f2) != 0 || fortnight(f2) {
			r.Interval = n
			rest = after
			_, f, after = head(rest)
		}
	}
	if err := p.refuseUnit(f, args); err != nil {
		return "", err
	}
	if fortnight(f) { // every 2 weeks
		r.Interval *= 2
		f = "week"
	}
	switch u := p.unit(f); {
	case u == uDay:
		// "todo dia 15" is monthly; "dia útil" a weekday.
		if _, f2, after2 := head(after); f2 == "util" || f2 == "uteis" {
			r.Freq = Weekdays
			return after2, nil
		}
		if md, left, ok := p.readMonthDay(after); ok && r.Interval == 1 && !strings.HasPrefix(foldText(args), "every") {
			r.Freq, r.MonthDay = MonthlyDay, md
			return p.refuseYearly(r, left, args)
		}
		r.Freq = Daily
		return after, nil
	case u == uWeek:
		r.Freq = Weekly
		r.Weekday = -1
		left := after
		for {
			_, f2, a2 := head(left)
			if p.lex.insig[f2] {
				left = a2
				continue
			}
			if wd, a3, ok := p.readWeekday(left); ok {
				r.Weekday = wd
				return a3, nil
			}
			break
		}
		return after, nil
	case u == uMonth:
		r.Freq = MonthlyDay
		left := after
		for {
			_, f2, a2 := head(left)
			if p.lex.insig[f2] || f2 == "day" {
				left = a2
				continue
			}
			break
		}
		if md, a3, ok := p.readMonthDay(left); ok {
			r.MonthDay = md
			return a3, nil
		}
		if ok, a3 := p.readNth(r, left); ok {
			return a3, nil
		}
		return "", p.errMonthDay(args)
	case f == "weekday" || f == "weekdays":
		r.Freq = Weekdays
		return after, nil
	}
	if r.Interval > 1 && !strings.HasPrefix(foldText(args), "every other") {
		return "", p.errRecur(args)
	}
	if ok, a3 := p.readNth(r, rest); ok {
		return p.skipOfMonth(a3), nil
	}
	if wd, a3, ok := p.readWeekday(rest); ok {
		r.Freq, r.Weekday = Weekly, wd
		return a3, nil
	}
	if md, a3, ok := p.readMonthDay(rest); ok {
		r.Freq, r.MonthDay = MonthlyDay, md
		return p.refuseYearly(r, p.skipOfMonth(a3), args)
	}
	return "", p.errRecur(args)
}

// refuseYearly refuses a month name after a day ("every 31st of
// february"): yearly repeats are not made, and a date that never exists
// gets its own answer.
func (p *Parser) refuseYearly(r *Rule, rest, args string) (string, error) {
	left := rest
	for {
		_, f, after := head(left)
		if p.lex.insig[f] || f == "of" {
			left = after
			continue
		}
		m, ok := p.lex.months[f]
		if !ok {
			return rest, nil
		}
		if r.MonthDay > daysIn(2028, time.Month(m)) { // 2028: a leap year
			return "", invalid("%s never happens: %s has no %s. For the end of every month, say \"every month on the last day\".",
				quote(args), time.Month(m), ordinal(r.MonthDay))
		}
		return "", invalid("%s repeats once a year, and crier repeats posts for up to a year; schedule it with its date instead, like \"/schedule %d %s 9am …\".",
			quote(args), r.MonthDay, strings.ToLower(time.Month(m).String()[:3]))
	}
}

// skipOfMonth drops "of the month" / "do mês" after a monthly day.
func (p *Parser) skipOfMonth(s string) string {
	for _, words := range [][]string{{"of", "the", "month"}, {"of", "every", "month"}, {"do", "mes"}, {"de", "cada", "mes"}, {"of", "month"}} {
		left, all := s, true
		for _, w := range words {
			_, f, after := head(left)
			if f != w {
				all = false
				break
			}
			left = after
		}
		if all {
			return left
		}
	}
	return s
}

// readNth reads "last friday", "first monday", "última sexta", "primeira
// segunda"; "the last day" is MonthlyDay -1.
func (p *Parser) readNth(r *Rule, s string) (bool, string) {
	_, f, after := head(s)
	if f == "the" || f == "na" || f == "no" {
		_, f, after = head(after)
	}
	nth, ok := map[string]int{
		"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1,
		"primeira": 1, "primeiro": 1, "segunda": 2, "segundo": 2, "terceira": 3, "terceiro": 3, "quarta": 4, "quarto": 4,
		"ultima": -1, "ultimo": -1,
	}[f]
	if !ok {
		return false, s
	}
	if _, f2, after2 := head(after); nth == -1 && (f2 == "day" || f2 == "dia") {
		r.Freq, r.MonthDay = MonthlyDay, -1
		return true, p.skipOfMonth(after2)
	}
	wd, left, ok := p.readWeekday(after)
	if !ok {
		return false, s
	}
	r.Freq, r.Nth, r.Weekday = MonthlyNth, nth, wd
	return true, p.skipOfMonth(left)
}

// readWeekday reads a weekday, singular or plural ("monday", "mondays",
// "segunda", "segundas-feiras", "segunda feira").
func (p *Parser) readWeekday(s string) (time.Weekday, string, bool) {
	_, f, after := head(s)
	f = strings.TrimSuffix(strings.TrimSuffix(f, "-feiras"), "-feira")
	if _, f2, after2 := head(after); f2 == "feira" || f2 == "feiras" {
		after = after2
	}
	if wd, ok := p.lex.weekdays[f]; ok {
		return wd, after, true
	}
	if wd, ok := p.lex.weekdays[strings.TrimSuffix(f, "s")]; ok && strings.HasSuffix(f, "s") {
		return wd, after, true
	}
	return 0, s, false
}

// readMonthDay reads "1st", "15th", "15", "the last day", "day 3", "dia 3",
// "último dia".
func (p *Parser) readMonthDay(s string) (int, string, bool) {
	_, f, after := head(s)
	if f == "the" || f == "dia" || f == "day" || f == "no" {
		_, f, after = head(after)
		if f == "dia" || f == "day" {
			_, f, after = head(after)
		}
	}
	if f == "last" || f == "ultimo" {
		if _, f2, after2 := head(after); f2 == "day" || f2 == "dia" {
			return -1, p.skipOfMonth(after2), true
		}
		return 0, s, false
	}
	m := ordinalRe.FindStringSubmatch(f)
	if m == nil {
		return 0, s, false
	}
	n, _ := strconv.Atoi(m[1])
	if n < 1 || n > 31 {
		return n, after, n > 0 // refused by the caller's check below
	}
	return n, after, true
}

// readFor reads "for 3 weeks", "for 10 days", "for 2 months", "por 3
// semanas": an end counted from the first time.
func (p *Parser) readFor(s string) (int, unit, string, bool) {
	_, f, after := head(s)
	if f != "for" && f != "por" && f != "durante" {
		return 0, 0, s, false
	}
	_, f, after = head(after)
	n, ok := p.count(f)
	if !ok {
		return 0, 0, s, false
	}
	_, f2, after2 := head(after)
	if u := p.unit(f2); u != 0 {
		return n, u, after2, true
	}
	return 0, 0, s, false
}

func unitName(u unit) string {
	switch u {
	case uDay:
		return "day"
	case uWeek:
		return "week"
	}
	return "month"
}

// refuseLongInterval refuses an interval of a year or more ("every 400
// days", "every 52 weeks", "every 13 months"): its second time would come
// after the year crier repeats posts for.
func refuseLongInterval(r Rule, args string) error {
	iv := max(r.Interval, 1)
	var over bool
	switch r.Freq {
	case Daily:
		over = iv > 364
	case Weekly:
		over = iv > 51
	case MonthlyDay, MonthlyNth:
		over = iv > 11
	}
	if !over {
		return nil
	}
	return invalid("%s repeats a year or more apart, and crier repeats posts for up to a year: the most is every 364 days, 51 weeks or 11 months. For a single post, schedule it with its date, like \"/schedule 1 dec 9am …\".", quote(args))
}

// misread refuses text after the recurrence that looks like more of it
// (a time, a number, another weekday, "for 3 years"): rather than post
// "at 1730 Tips", say what was read and what to type instead.
func (p *Parser) misread(r Rule, rest, args string) error {
	rest = strings.TrimSpace(rest)
	if rest == "" {
		return nil
	}
	w, f, after := head(rest)
	w2, f2, after2 := head(after)
	var bad, hint string
	startsDigit := func(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }
	_, _, isDay := p.readWeekday(rest)
	_, _, isDay2 := p.readWeekday(after)
	switch {
	case (f == "at" || f == "as") && startsDigit(w2):
		bad, hint = w+" "+w2, `say the time like "at 17:30", "at 9:30" or "5:30pm"`
	case (f == "for" || f == "por" || f == "durante") && startsDigit(f2) && w2 != "":
		bad, hint = strings.TrimSpace(w+" "+w2+" "+firstWord(after2)), `say "for 3 times", "for 3 weeks" or "until 14 dec"`
	case isDay || ((f == "and" || f == "e" || f == "&") && isDay2) || strings.HasPrefix(rest, ","):
		bad = w
		if !isDay {
			bad = w + " " + w2
		}
		if r.Freq == Weekly {
			hint = `one series repeats on one weekday; for two days make two series, like "every monday 9am …" and "every thursday 9am …"`
		} else {
			hint = `for a weekday say "every monday", "every 2 weeks on monday" or "every second monday" (of the month)`
		}
	case startsDigit(w):
		bad, hint = w, `say the time like "at 17:30", the end like "for 3 times" or "until 14 dec"`
	default:
		return nil
	}
	return invalid("I read %s but not %s; %s, or put | before the text.", quote(r.Describe()), quote(bad), hint)
}

func firstWord(s string) string {
	w, _, _ := head(s)
	return w
}

// readTimes reads "for 4 times", "4 times", "por 4 vezes", "4 vezes".
func (p *Parser) readTimes(s string) (int, string, bool) {
	_, f, after := head(s)
	if f == "for" || f == "por" {
		_, f, after = head(after)
	}
	n, ok := p.count(f)
	if !ok {
		return 0, s, false
	}
	_, f2, after2 := head(after)
	switch f2 {
	case "times", "time", "vezes", "vez", "occurrences", "posts":
		return n, after2, true
	}
	return 0, s, false
}

// count reads a number typed as digits or as a word ("two", "duas").
func (p *Parser) count(f string) (int, bool) {
	if f == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(f); err == nil && len(f) <= 4 {
		return n, true
	}
	if v, ok := p.lex.numbers[f]; ok && v == float64(int(v)) {
		return int(v), true
	}
	return 0, false
}

// unit returns the unit a word names when it is day, week or month.
func (p *Parser) unit(f string) unit {
	switch u := p.lex.units[f]; u {
	case uDay, uWeek, uMonth:
		if f == "d" || f == "w" || f == "mo" || f == "mos" {
			return 0
		}
		return u
	}
	return 0
}

// readClock reads a time of day at the start of s ("9am", "at 15:30",
// "às 9h", "in the morning") with our grammar, up to four words, and
// returns the hour and minute.
func (p *Parser) readClock(s string) (h, m int, rest string, ok bool) {
	ws := fields(s)
	for k := min(len(ws), 4); k > 0; k-- {
		phrase := strings.TrimRight(s[:ws[k-1].end], ",;:!?")
		if _, last, _ := head(phrase[ws[k-1].start:]); k > 1 && (p.lex.insig[last] || last == "for" || last == "por") {
			continue // "9am for": the filler is the next clause's
		}
		in := &input{text: foldText(phrase), original: phrase, more: k < len(ws)}
		sp, read := p.read(in)
		if !read || sp.now || sp.rel || sp.date != noDate || sp.zone != nil || (!sp.hasTime && sp.period == noPeriod) {
			continue
		}
		hh, mm, eod := sp.clock(defaultHour, 0)
		if eod {
			hh = 0
		}
		return hh, mm, trimSeparator(s[ws[k-1].end:]), true
	}
	return 0, 0, s, false
}

func (p *Parser) errRecur(args string) error {
	if p.en {
		return invalid(`I couldn't read how often in %s. Try "every monday 9am", "every day at 10:00", "every 2 weeks on friday 3pm" or "every month on the 1st".`, quote(args))
	}
	return invalid(`I couldn't read how often in %s. Try "toda segunda às 9h", "todos os dias às 10h", "a cada 2 semanas na sexta" or "todo dia 1".`, quote(args))
}

// refuseUnit refuses a repeat more often than daily ("every hour") or
// yearly ("every year"), saying what crier does instead; nil for any other
// word.
func (p *Parser) refuseUnit(f, args string) error {
	if len(f) < 2 {
		return nil // "h", "m", "s": too short to be sure
	}
	switch u := p.lex.units[f]; {
	case u == uMinute || u == uHour || f == "hourly": // not seconds: "every second monday"
		if p.en {
			return invalid(`%s is more often than crier repeats a post: once a day at most. For several times a day, schedule one series per time, like "every day at 9am" and "every day at 5pm".`, quote(args))
		}
		return invalid(`%s é mais frequente do que o crier repete um post: uma vez por dia no máximo. Para várias vezes ao dia, agende uma série por horário, como "todos os dias às 9h" e "todos os dias às 17h".`, quote(args))
	case u == uYear || f == "yearly" || f == "annually" || f == "ano" || f == "anos":
		if p.en {
			return invalid(`%s repeats once a year, and crier repeats posts for up to a year; schedule it with its date instead, like "/schedule 1 jan 9am …".`, quote(args))
		}
		return invalid(`%s se repete uma vez por ano, e o crier repete posts por até um ano; agende-o com a data, como "/schedule 1 jan 9h …".`, quote(args))
	}
	return nil
}

// fortnight reports whether f names two weeks.
func fortnight(f string) bool {
	switch f {
	case "fortnight", "fortnights", "quinzena", "quinzenas":
		return true
	}
	return false
}

// errInterval refuses "every 0 days".
func (p *Parser) errInterval(args string) error {
	if p.en {
		return invalid(`%s: the number must be 1 or more, like "every 2 weeks on friday 3pm".`, quote(args))
	}
	return invalid(`%s: o número deve ser 1 ou mais, como "a cada 2 semanas na sexta às 15h".`, quote(args))
}

func (p *Parser) errMonthDay(args string) error {
	return invalid(`%s needs the day of the month, like "every month on the 1st", "every month on the last day" or "every month on the first monday".`, quote(args))
}
