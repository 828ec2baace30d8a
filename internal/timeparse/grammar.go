package timeparse

import (
	"math"
	"regexp"
	"strconv"
	"time"
)

// rule is one piece of a phrase: a regular expression anchored at the start
// of what is left of the (folded) phrase, and what that piece means.
type rule struct {
	name  string
	re    *regexp.Regexp
	first byteSet // bytes a match may start with
	apply func(p *Parser, m []string, s *spec, in *input) bool
}

// input is a phrase being read by the grammar.
type input struct {
	text     string // folded: lower case, no accents, one space between words
	original string // as typed, for the few words whose case matters
	more     bool   // ParseLeading: more text follows the phrase
	swapped  bool   // read numeric dates in the other order (see readSwapped)
}

// maxSteps bounds the backtracking search of one phrase.
const maxSteps = 256

// read reads the whole of in.text as a sequence of rules. It is a small
// depth-first search: at each position every rule that matches is tried
// in order, and the first reading that consumes the whole phrase and makes
// a valid spec wins. Matches must end at a word boundary, so "9amx" or
// "tomorrow9am" are not read as "9am" or "tomorrow".
func (p *Parser) read(in *input) (spec, bool) {
	steps := maxSteps
	return p.walk(in, 0, spec{}, &steps)
}

func (p *Parser) walk(in *input, i int, s spec, steps *int) (spec, bool) {
	for i < len(in.text) && in.text[i] == ' ' {
		i++
	}
	if i == len(in.text) {
		return s, s.valid()
	}
	if *steps--; *steps < 0 {
		return s, false
	}
	rest := in.text[i:]
	for k := range p.rules {
		r := &p.rules[k]
		if !r.first[rest[0]] {
			continue
		}
		loc := r.re.FindStringSubmatchIndex(rest)
		if loc == nil || loc[1] == 0 || splitsWord(rest, loc[1]) {
			continue
		}
		m := make([]string, len(loc)/2)
		for j := range m {
			if loc[2*j] >= 0 {
				m[j] = rest[loc[2*j]:loc[2*j+1]]
			}
		}
		next := s
		if !r.apply(p, m, &next, in) {
			continue
		}
		next.last = r.name
		if out, ok := p.walk(in, i+loc[1], next, steps); ok {
			return out, true
		}
	}
	return s, false
}

// buildRules compiles the grammar for the enabled languages. The order is a
// priority: earlier rules are tried first.
func (p *Parser) buildRules() []rule {
	lx := p.lex
	months := alt(keys(lx.months)...)
	weekdays := alt(keys(lx.weekdays)...)
	periods := alt(keys(lx.periods)...)
	ord := alt(lx.ordSuffixes...)
	ampm := `([ap])\.?\s?m\.?`

	// A duration: "2 hours", "an hour", "1.5h", "2h30", "meia hora".
	// A number word needs a space before its unit ("an hour"), so that
	// "amanha" is not read as "a m(inute)".
	units := alt(keys(lx.units)...)
	numWords := alt(keys(lx.numbers)...)
	term := `(?:\d+\s*h\s*\d{1,2}(?:\s*m(?:in)?)?|\d+(?:\.\d+)?\s*` + units + `\b|` + numWords + `\s+` + units + `\b)`
	list := term + `(?:(?:\s+(?:and|e)\s+|\s*)` + term + `)*`
	p.termRe = regexp.MustCompile(`^(?:(\d+)\s*h\s*(\d{1,2})(?:\s*m(?:in)?)?|(\d+(?:\.\d+)?)\s*(` + units + `)\b|(` +
		numWords + `)\s+(` + units + `)\b)`)
	p.termSepRe = regexp.MustCompile(`^(?:\s+(?:and|e)\s+|\s*)`)

	mk := func(name, pattern string, apply func(p *Parser, m []string, s *spec, in *input) bool) rule {
		full := `^(?:` + pattern + `)`
		return rule{name: name, re: regexp.MustCompile(full), first: firstBytes(full), apply: apply}
	}

	return []rule{
		mk("now", alt(lx.now...), func(_ *Parser, _ []string, s *spec, _ *input) bool {
			if s.now {
				return false
			}
			s.now = true
			return true
		}),

		// 2026-12-24, 2026-12-24t10:00, 2026-12-24t10:00:00+02:00
		mk("iso", `(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:t(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(z|[+-]\d{2}(?::?\d{2})?)?)?`,
			func(_ *Parser, m []string, s *spec, _ *input) bool {
				y, mo, d := atoi(m[1]), atoi(m[2]), atoi(m[3])
				if !plausibleDate(mo, d) || !s.setAbs(y, mo, d) {
					return false
				}
				if m[4] != "" && !s.setTime(atoi(m[4]), atoi(m[5]), 0) {
					return false
				}
				if m[7] != "" {
					z, ok := offsetZone(m[7])
					return ok && s.setZone(z)
				}
				return true
			}),

		// 24/12, 24/12/2026, 24.12.2026, 24-12-2026 (order from Options.DateOrder)
		mk("numeric date", `(\d{1,2})([/.-])(\d{1,2})(?:([/.-])(\d{4}|\d{2}))?`,
			func(p *Parser, m []string, s *spec, in *input) bool {
				if m[4] == "" && m[2] != "/" || m[4] != "" && m[4] != m[2] {
					return false
				}
				d, mo := atoi(m[1]), atoi(m[3])
				order := "day" + m[2] + "month"
				if p.order == MDY {
					d, mo = mo, d
					order = "month" + m[2] + "day"
				}
				y := 0
				switch len(m[5]) {
				case 2:
					y = 2000 + atoi(m[5])
				case 4:
					y = atoi(m[5])
				}
				if in.swapped {
					// Only a date that cannot be one in the configured
					// order, and is one the other way round.
					if plausibleDate(mo, d) || !calendarDate(y, d, mo) {
						return false
					}
					if m[4] != "" {
						order += m[4] + "year"
					}
					s.swapped = &swappedDate{typed: m[0], hint: m[3] + m[2] + m[1] + m[4] + m[5], order: order, month: mo}
					d, mo = mo, d
				}
				return plausibleDate(mo, d) && s.setAbs(y, mo, d)
			}),

		// 24 dec, 24th of december, 24 de dezembro de 2026, dia 24 de dezembro
		mk("day month", `(?:dia\s+)?(\d{1,2})`+ord+`?\s*(?:(?:of|de)\s+)?(`+months+`)\.?(?:\s+(?:de\s+)?(\d{4}))?`,
			func(p *Parser, m []string, s *spec, _ *input) bool {
				d, mo := atoi(m[1]), p.lex.months[m[2]]
				return plausibleDate(mo, d) && s.setAbs(atoi(m[3]), mo, d)
			}),

		// dec 24, december 24th 2026, jan 5
		mk("month day", `(`+months+`)\.?\s*(\d{1,2})`+ord+`?(?:\s+(\d{4}))?`,
			func(p *Parser, m []string, s *spec, _ *input) bool {
				d, mo := atoi(m[2]), p.lex.months[m[1]]
				return plausibleDate(mo, d) && s.setAbs(atoi(m[3]), mo, d)
			}),

		// in 2 hours, within 3 days, em 2 horas, daqui a 2 horas
		mk("in duration", alt(lx.durBefore...)+`\s+(`+list+`)`,
			func(p *Parser, m []string, s *spec, _ *input) bool {
				return p.applyDuration(m[1], false, s)
			}),
		// 2 hours from now
		mk("duration from now", `(`+list+`)\s+`+alt(lx.durAfter...),
			func(p *Parser, m []string, s *spec, _ *input) bool {
				return p.applyDuration(m[1], false, s)
			}),
		// 2 hours ago, 2 horas atrás (understood, so that the answer is "that is in the past")
		mk("duration ago", `(`+list+`)\s+`+alt(lx.durAgo...),
			func(p *Parser, m []string, s *spec, _ *input) bool {
				return p.applyDuration(m[1], true, s)
			}),
		// há 2 horas
		mk("ha duration", alt(lx.durAgoPre...)+`\s+(`+list+`)(?:\s+`+alt(lx.durAgo...)+`)?`,
			func(p *Parser, m []string, s *spec, _ *input) bool {
				return p.applyDuration(m[1], true, s)
			}),

		// today, tomorrow, tonight, amanhã, depois de amanhã
		mk("day word", `(`+alt(keys(lx.days)...)+`)`,
			func(p *Parser, m []string, s *spec, _ *input) bool {
				d := p.lex.days[collapse(m[1])]
				if !s.setOffset(d.offset) {
					return false
				}
				s.needsTime = d.needsTime
				return d.period == noPeriod || s.setPeriod(d.period)
			}),

		// this morning, esta noite: today, in that part of the day
		mk("this period", alt(lx.thisPeriod...)+`\s+(`+periods+`)`,
			func(p *Parser, m []string, s *spec, _ *input) bool {
				return s.setOffset(0) && s.setPeriod(p.lex.periods[m[1]])
			}),

		// next week, semana que vem: a week from now, same time
		mk("next unit", `(`+alt(keys(lx.nextUnit)...)+`)`,
			func(p *Parser, m []string, s *spec, _ *input) bool {
				if !s.setRel() {
					return false
				}
				switch p.lex.nextUnit[collapse(m[1])] {
				case uWeek:
					s.relD = 7
				case uMonth:
					s.relM = 1
				case uYear:
					s.relY = 1
				}
				return true
			}),

		// friday, next friday, this fri, sexta que vem, próxima sexta-feira
		mk("weekday", `(?:(`+alt(keys(lx.wdPrefix)...)+`)\s+)?(`+weekdays+`)\.?(?:\s+(`+alt(keys(lx.wdSuffix)...)+`))?`,
			func(p *Parser, m []string, s *spec, _ *input) bool {
				mode := wdBare
				if m[1] != "" {
					mode = p.lex.wdPrefix[collapse(m[1])]
				}
				if m[3] != "" {
					suf := p.lex.wdSuffix[collapse(m[3])]
					if mode != wdBare && mode != suf {
						return false
					}
					mode = suf
				}
				return s.setWeekday(p.lex.weekdays[collapse(m[2])], mode)
			}),

		// the 5th, dia 5: that day of this month, or of the next
		mk("day of month", `(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)|dia\s+(\d{1,2})`,
			func(p *Parser, m []string, s *spec, _ *input) bool {
				d := atoi(m[1] + m[2])
				if d < 1 || d > 31 || (m[1] != "" && !p.en) || (m[2] != "" && !p.pt) {
					return false
				}
				return s.setDay(d)
			}),

		// 9 in the morning, 3 da tarde, 8 at night
		mk("hour period", `(\d{1,2})\s+`+alt(lx.periodPre...)+`\s+(`+periods+`)`,
			func(p *Parser, m []string, s *spec, _ *input) bool {
				h := atoi(m[1])
				return h >= 1 && h <= 12 && s.setTime(h, 0, 0) && s.setPeriod(p.lex.periods[m[2]])
			}),

		// 9:30, 10:00, 9:30pm, 21:15:00, 10:00h
		mk("hh:mm", `(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(?:\s*`+ampm+`)?(?:\s*h)?`,
			func(_ *Parser, m []string, s *spec, _ *input) bool {
				return s.setTime(atoi(m[1]), atoi(m[2]), meridiem(m[3]))
			}),

		// 9.30, 21.15, 9.30am: a dot for the colon, with two-digit minutes
		// ("3.5" is not a time).
		mk("hh.mm", `(\d{1,2})\.(\d{2})(?:\s*`+ampm+`)?(?:\s*h)?`,
			func(_ *Parser, m []string, s *spec, _ *input) bool {
				return s.setTime(atoi(m[1]), atoi(m[2]), meridiem(m[3]))
			}),

		// 9am, 3 pm, 11 p.m.
		mk("hour am/pm", `(\d{1,2})\s*`+ampm,
			func(_ *Parser, m []string, s *spec, _ *input) bool {
				return s.setTime(atoi(m[1]), 0, meridiem(m[2]))
			}),

		// 9h, 15h, 9h30, 19h35m, 9hs
		mk("hour h", `(\d{1,2})\s?hs?(?:(\d{2})(?:m(?:in)?)?)?`,
			func(_ *Parser, m []string, s *spec, _ *input) bool {
				return s.setTime(atoi(m[1]), atoi(m[2]), 0)
			}),

		// 9 o'clock
		mk("o'clock", `(\d{1,2})\s*o'?clock`,
			func(_ *Parser, m []string, s *spec, _ *input) bool {
				return s.setTime(atoi(m[1]), 0, 0)
			}),

		mk("noon", `(?:12\s*)?`+alt(lx.noon...),
			func(_ *Parser, _ []string, s *spec, _ *input) bool {
				return s.setTime(12, 0, 0)
			}),

		mk("midnight", `(?:12\s*)?`+alt(lx.midnight...),
			func(_ *Parser, _ []string, s *spec, _ *input) bool {
				if !s.setTime(0, 0, 0) {
					return false
				}
				s.endOfDay = true
				return true
			}),

		// at 9, às 9, pelas 9 horas: a bare hour needs a word in front of it,
		// so that "friday 3 things" is not read as 03:00.
		mk("at hour", alt(lx.connectors...)+`\s*(\d{1,2})(?:\s*(?:horas|hora|h))?`,
			func(_ *Parser, m []string, s *spec, _ *input) bool {
				return s.setTime(atoi(m[1]), 0, 0)
			}),

		// tomorrow 9, sexta 15: a bare hour right after a day, at the end
		// of the phrase, on the 24-hour clock like "at 9". Not when more
		// text follows in ParseLeading, so that "friday 3 things to know"
		// is "friday" and "3 things to know".
		mk("day hour", `(\d{1,2})$`,
			func(_ *Parser, m []string, s *spec, in *input) bool {
				if in.more || s.last != "day word" && s.last != "weekday" || s.date != dateOffset && s.date != dateWeekday {
					return false
				}
				return s.setTime(atoi(m[1]), 0, 0)
			}),

		// morning, in the evening, à tarde, de manhã
		mk("period", `(?:`+alt(lx.periodPre...)+`\s+)?(`+periods+`)`,
			func(p *Parser, m []string, s *spec, _ *input) bool {
				return s.setPeriod(p.lex.periods[m[1]])
			}),

		// UTC, GMT, Z, UTC+3, GMT-05:00
		mk("utc", `(?:utc|gmt|z)(?:\s*([+-]\d{1,2}(?::?\d{2})?))?`,
			func(_ *Parser, m []string, s *spec, _ *input) bool {
				if m[1] == "" {
					return s.setZone(time.UTC)
				}
				z, ok := offsetZone(m[1])
				return ok && s.setZone(z)
			}),

		// +03:00, -0500, +3
		mk("offset", `[+-]\d{1,2}(?::?\d{2})?`,
			func(_ *Parser, m []string, s *spec, _ *input) bool {
				z, ok := offsetZone(m[0])
				return ok && s.setZone(z)
			}),

		// ET, PST, CEST, BST, …
		mk("zone abbreviation", alt(zoneAbbreviations()...),
			func(p *Parser, m []string, s *spec, in *input) bool {
				z, ok := p.abbreviationZone(m[0], in.original)
				return ok && s.setZone(z)
			}),

		// America/New_York, europe/bucharest
		mk("zone name", `[a-z][a-z0-9_+-]*(?:/[a-z0-9_+-]+){1,2}`,
			func(p *Parser, m []string, s *spec, _ *input) bool {
				z, ok := p.namedZone(m[0])
				return ok && s.setZone(z)
			}),

		// at, on, the, às, de: words that carry no meaning of their own
		mk("filler", alt(keys(lx.insig)...),
			func(_ *Parser, _ []string, _ *spec, _ *input) bool { return true }),
	}
}

// applyDuration adds the terms of a duration list ("2 hours and 30 minutes")
// to s. Days, weeks, months and years are calendar steps (the wall-clock
// time is kept across DST changes); hours, minutes and seconds are absolute.
func (p *Parser) applyDuration(list string, ago bool, s *spec) bool {
	if !s.setRel() {
		return false
	}
	s.relNeg = ago
	for pos := 0; pos < len(list); {
		if pos > 0 {
			sep := p.termSepRe.FindStringIndex(list[pos:])
			pos += sep[1]
		}
		loc := p.termRe.FindStringSubmatchIndex(list[pos:])
		if loc == nil || loc[1] == 0 {
			return false
		}
		m := make([]string, len(loc)/2)
		for j := range m {
			if loc[2*j] >= 0 {
				m[j] = list[pos+loc[2*j] : pos+loc[2*j+1]]
			}
		}
		pos += loc[1]
		if m[1] != "" { // 2h30
			h, mi := atoi(m[1]), atoi(m[2])
			if mi > 59 || !addTerm(s, float64(h), uHour) {
				return false
			}
			addTerm(s, float64(mi), uMinute)
			continue
		}
		if m[3] == "" { // an hour, duas horas
			n, ok := p.lex.numbers[collapse(m[5])]
			if !ok || !addTerm(s, n, p.lex.units[m[6]]) {
				return false
			}
			continue
		}
		n, err := strconv.ParseFloat(m[3], 64)
		if err != nil || !addTerm(s, n, p.lex.units[m[4]]) {
			return false
		}
	}
	return true
}

// century is how far (in seconds, roughly) a duration may go before we stop
// adding it up: anything longer is understood but certainly too far ahead.
const century = 100 * 366 * 24 * 3600.0

func unitSeconds(u unit) float64 {
	switch u {
	case uSecond:
		return 1
	case uMinute:
		return 60
	case uHour:
		return 3600
	case uDay:
		return 24 * 3600
	case uWeek:
		return 7 * 24 * 3600
	case uMonth:
		return 31 * 24 * 3600
	case uYear:
		return 366 * 24 * 3600
	}
	return 0
}

// addTerm adds n units to the relative part of s.
func addTerm(s *spec, n float64, u unit) bool {
	size := unitSeconds(u)
	if math.IsNaN(n) || math.IsInf(n, 0) || n < 0 || size == 0 {
		return false
	}
	s.relSeconds += n * size
	if s.relSeconds > century {
		s.tooBig = true
		return true
	}
	whole := n == math.Trunc(n)
	switch u {
	case uSecond, uMinute, uHour:
		s.relDur += time.Duration(n * size * float64(time.Second))
	case uDay, uWeek:
		if !whole {
			s.relDur += time.Duration(n * size * float64(time.Second))
			return true
		}
		s.relD += int(n) * int(size) / (24 * 3600)
	case uMonth:
		if !whole {
			return false
		}
		s.relM += int(n)
	case uYear:
		if !whole {
			return false
		}
		s.relY += int(n)
	}
	return true
}

func meridiem(s string) byte {
	if s == "" {
		return 0
	}
	return s[0]
}

// atoi parses a short run of digits; "" and anything else is 0.
func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || len(s) > 9 {
		return 0
	}
	return n
}

// calendarDate reports whether day and month are a date in year y, or
// (y == 0) in some year.
func calendarDate(y, month, day int) bool {
	if y == 0 {
		y = 2028 // a leap year: 29 Feb is a date
	}
	return validDate(y, time.Month(month), day)
}

// plausibleDate rejects numbers that cannot be a month and a day at all,
// so that "50/50" is not a date while "31/02" is one that does not exist.
func plausibleDate(month, day int) bool {
	return month >= 1 && month <= 12 && day >= 1 && day <= 31
}
