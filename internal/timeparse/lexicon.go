package timeparse

import (
	"regexp"
	"sort"
	"strings"
	"time"
)

// lexicon holds the words of the enabled languages, folded (no accents,
// lower case). It is built once in New and only read afterwards.
type lexicon struct {
	weekdays    map[string]time.Weekday
	months      map[string]int
	numbers     map[string]float64 // "a", "two", "meia" (0.5)
	units       map[string]unit
	days        map[string]casualDay // today, tomorrow, amanha
	periods     map[string]period
	wdPrefix    map[string]weekdayMode // next, this, last, proxima, ultima
	wdSuffix    map[string]weekdayMode // que vem, passada
	nextUnit    map[string]unit        // next week, proximo mes
	now         []string
	durBefore   []string // in, within, em, daqui a
	durAfter    []string // from now, later
	durAgo      []string // ago, atras
	durAgoPre   []string // ha
	connectors  []string // at, around, as, pelas: may stand before a bare hour ("at 9")
	insig       map[string]bool
	noon        []string
	midnight    []string
	periodPre   []string // in the, de, da: before a period word
	thisPeriod  []string // this, esta: "this morning" is today
	ordSuffixes []string // st, nd, rd, th, º, ª
}

type unit uint8

const (
	uSecond unit = iota + 1
	uMinute
	uHour
	uDay
	uWeek
	uMonth
	uYear
)

type casualDay struct {
	offset    int
	period    period
	needsTime bool
}

func newLexicon(en, pt bool) *lexicon {
	lx := &lexicon{
		weekdays: map[string]time.Weekday{},
		months:   map[string]int{},
		numbers:  map[string]float64{},
		units:    map[string]unit{},
		days:     map[string]casualDay{},
		periods:  map[string]period{},
		wdPrefix: map[string]weekdayMode{},
		wdSuffix: map[string]weekdayMode{},
		nextUnit: map[string]unit{},
		insig:    map[string]bool{"@": true, "-": true},
	}
	if en {
		lx.addEnglish()
	}
	if pt {
		lx.addPortuguese()
	}
	return lx
}

func (lx *lexicon) addEnglish() {
	for w, d := range map[string]time.Weekday{
		"monday": time.Monday, "mon": time.Monday,
		"tuesday": time.Tuesday, "tue": time.Tuesday, "tues": time.Tuesday,
		"wednesday": time.Wednesday, "wed": time.Wednesday, "weds": time.Wednesday,
		"thursday": time.Thursday, "thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday,
		"friday": time.Friday, "fri": time.Friday,
		"saturday": time.Saturday, "sat": time.Saturday,
		"sunday": time.Sunday, "sun": time.Sunday,
	} {
		lx.weekdays[w] = d
	}
	for w, m := range map[string]int{
		"january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3,
		"april": 4, "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7,
		"august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
		"october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
	} {
		lx.months[w] = m
	}
	for w, n := range map[string]float64{
		"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
		"six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
		"twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty five": 45,
		"half an": 0.5, "half a": 0.5,
	} {
		lx.numbers[w] = n
	}
	for w, u := range map[string]unit{
		"seconds": uSecond, "second": uSecond, "secs": uSecond, "sec": uSecond, "s": uSecond,
		"minutes": uMinute, "minute": uMinute, "mins": uMinute, "min": uMinute, "m": uMinute,
		"hours": uHour, "hour": uHour, "hrs": uHour, "hr": uHour, "h": uHour,
		"days": uDay, "day": uDay, "d": uDay,
		"weeks": uWeek, "week": uWeek, "wks": uWeek, "wk": uWeek, "w": uWeek,
		"months": uMonth, "month": uMonth, "mos": uMonth, "mo": uMonth,
		"years": uYear, "year": uYear, "yrs": uYear, "yr": uYear, "y": uYear,
	} {
		lx.units[w] = u
	}
	for w, d := range map[string]casualDay{
		"today":    {needsTime: true},
		"tonight":  {period: night},
		"tomorrow": {offset: 1}, "tmrw": {offset: 1}, "tmr": {offset: 1}, "tmw": {offset: 1},
		"tomorow": {offset: 1}, "tommorow": {offset: 1}, "tommorrow": {offset: 1},
		"day after tomorrow": {offset: 2}, "the day after tomorrow": {offset: 2},
		"yesterday": {offset: -1},
	} {
		lx.days[w] = d
	}
	for w, p := range map[string]period{
		"morning": morning, "afternoon": afternoon, "evening": evening, "night": night,
	} {
		lx.periods[w] = p
	}
	for w, m := range map[string]weekdayMode{
		"next": wdNext, "this": wdNext, "coming": wdNext, "this coming": wdNext,
		"last": wdLast, "past": wdLast, "previous": wdLast,
	} {
		lx.wdPrefix[w] = m
	}
	for w, u := range map[string]unit{
		"next week": uWeek, "next month": uMonth, "next year": uYear,
		"this coming week": uWeek,
	} {
		lx.nextUnit[w] = u
	}
	lx.now = append(lx.now, "now", "right now")
	lx.durBefore = append(lx.durBefore, "in", "within", "after")
	lx.durAfter = append(lx.durAfter, "from now", "later")
	lx.durAgo = append(lx.durAgo, "ago")
	lx.connectors = append(lx.connectors, "at", "around", "at around", "by", "@")
	for _, w := range []string{"at", "on", "the", "by", "for", "around", "at around"} {
		lx.insig[w] = true
	}
	lx.noon = append(lx.noon, "noon", "midday")
	lx.midnight = append(lx.midnight, "midnight")
	lx.periodPre = append(lx.periodPre, "in the", "at", "of the")
	lx.thisPeriod = append(lx.thisPeriod, "this")
	lx.ordSuffixes = append(lx.ordSuffixes, "st", "nd", "rd", "th")
}

func (lx *lexicon) addPortuguese() {
	for w, d := range map[string]time.Weekday{
		"segunda-feira": time.Monday, "segunda feira": time.Monday, "segunda": time.Monday, "seg": time.Monday,
		"terca-feira": time.Tuesday, "terca feira": time.Tuesday, "terca": time.Tuesday, "ter": time.Tuesday,
		"quarta-feira": time.Wednesday, "quarta feira": time.Wednesday, "quarta": time.Wednesday, "qua": time.Wednesday,
		"quinta-feira": time.Thursday, "quinta feira": time.Thursday, "quinta": time.Thursday, "qui": time.Thursday,
		"sexta-feira": time.Friday, "sexta feira": time.Friday, "sexta": time.Friday, "sex": time.Friday,
		"sabado": time.Saturday, "sab": time.Saturday,
		"domingo": time.Sunday, "dom": time.Sunday,
	} {
		lx.weekdays[w] = d
	}
	for w, m := range map[string]int{
		"janeiro": 1, "jan": 1, "fevereiro": 2, "fev": 2, "marco": 3, "mar": 3,
		"abril": 4, "abr": 4, "maio": 5, "mai": 5, "junho": 6, "jun": 6,
		"julho": 7, "jul": 7, "agosto": 8, "ago": 8, "setembro": 9, "set": 9,
		"outubro": 10, "out": 10, "novembro": 11, "nov": 11, "dezembro": 12, "dez": 12,
	} {
		lx.months[w] = m
	}
	for w, n := range map[string]float64{
		"um": 1, "uma": 1, "dois": 2, "duas": 2, "tres": 3, "quatro": 4, "cinco": 5,
		"seis": 6, "sete": 7, "oito": 8, "nove": 9, "dez": 10, "onze": 11, "doze": 12,
		"quinze": 15, "vinte": 20, "trinta": 30, "meia": 0.5, "meio": 0.5,
	} {
		lx.numbers[w] = n
	}
	for w, u := range map[string]unit{
		"segundos": uSecond, "segundo": uSecond, "s": uSecond,
		"minutos": uMinute, "minuto": uMinute, "min": uMinute, "m": uMinute,
		"horas": uHour, "hora": uHour, "h": uHour,
		"dias": uDay, "dia": uDay, "d": uDay,
		"semanas": uWeek, "semana": uWeek,
		"meses": uMonth, "mes": uMonth,
		"anos": uYear, "ano": uYear,
	} {
		lx.units[w] = u
	}
	for w, d := range map[string]casualDay{
		"hoje":             {needsTime: true},
		"amanha":           {offset: 1},
		"depois de amanha": {offset: 2},
		"ontem":            {offset: -1},
	} {
		lx.days[w] = d
	}
	for w, p := range map[string]period{
		"manha": morning, "tarde": afternoon, "noite": night,
	} {
		lx.periods[w] = p
	}
	for w, m := range map[string]weekdayMode{
		"proxima": wdNext, "proximo": wdNext, "nesta": wdNext, "neste": wdNext,
		"esta": wdNext, "este": wdNext, "essa": wdNext, "esse": wdNext,
		"ultima": wdLast, "ultimo": wdLast,
	} {
		lx.wdPrefix[w] = m
	}
	for w, m := range map[string]weekdayMode{
		"que vem": wdNext, "passada": wdLast, "passado": wdLast,
	} {
		lx.wdSuffix[w] = m
	}
	for w, u := range map[string]unit{
		"proxima semana": uWeek, "semana que vem": uWeek,
		"proximo mes": uMonth, "mes que vem": uMonth,
		"proximo ano": uYear, "ano que vem": uYear,
	} {
		lx.nextUnit[w] = u
	}
	lx.now = append(lx.now, "agora", "agora mesmo")
	lx.durBefore = append(lx.durBefore, "em", "daqui a", "daqui", "dentro de", "apos", "depois de")
	lx.durAfter = append(lx.durAfter, "a partir de agora")
	lx.durAgo = append(lx.durAgo, "atras")
	lx.durAgoPre = append(lx.durAgoPre, "ha")
	lx.connectors = append(lx.connectors, "as", "pelas", "por volta das", "a partir das")
	for _, w := range []string{"as", "a", "de", "do", "da", "no", "na", "em", "para", "pra", "pelas", "por volta das"} {
		lx.insig[w] = true
	}
	lx.noon = append(lx.noon, "meio-dia", "meio dia")
	lx.midnight = append(lx.midnight, "meia-noite", "meia noite")
	lx.periodPre = append(lx.periodPre, "de", "da", "a", "na", "pela")
	lx.thisPeriod = append(lx.thisPeriod, "esta", "nesta", "essa")
	lx.ordSuffixes = append(lx.ordSuffixes, "º", "ª", "o")
}

// alt returns a regular-expression alternation of the words, longest first
// so that "september" wins over "sep", with spaces matching any white space.
// An empty list yields a pattern that matches nothing.
func alt(words ...string) string {
	seen := map[string]bool{}
	var list []string
	for _, w := range words {
		if w != "" && !seen[w] {
			seen[w] = true
			list = append(list, w)
		}
	}
	if len(list) == 0 {
		return `[^\x00-\x{10FFFF}]` // matches nothing
	}
	sort.Slice(list, func(i, j int) bool {
		if len(list[i]) != len(list[j]) {
			return len(list[i]) > len(list[j])
		}
		return list[i] < list[j]
	})
	for i, w := range list {
		list[i] = strings.ReplaceAll(regexp.QuoteMeta(w), " ", `\s+`)
	}
	return "(?:" + strings.Join(list, "|") + ")"
}

// keys returns the keys of m.
func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// collapse returns s with runs of white space replaced by one space, for
// looking matched words up in the lexicon.
func collapse(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// vocabulary returns every word (folded) our grammar may read.
func (lx *lexicon) vocabulary() map[string]bool {
	vocab := map[string]bool{}
	add := func(phrases ...string) {
		for _, ph := range phrases {
			f := foldText(ph)
			for _, w := range words(f) {
				vocab[f[w.start:w.end]] = true
			}
		}
	}
	add(keys(lx.weekdays)...)
	add(keys(lx.months)...)
	add(keys(lx.numbers)...)
	add(keys(lx.units)...)
	add(keys(lx.days)...)
	add(keys(lx.periods)...)
	add(keys(lx.wdPrefix)...)
	add(keys(lx.wdSuffix)...)
	add(keys(lx.nextUnit)...)
	add(keys(lx.insig)...)
	for _, list := range [][]string{
		lx.now, lx.durBefore, lx.durAfter, lx.durAgo, lx.durAgoPre, lx.connectors,
		lx.noon, lx.midnight, lx.periodPre, lx.thisPeriod, lx.ordSuffixes, zoneAbbreviations(),
	} {
		add(list...)
	}
	// Words written into the patterns of grammar.go.
	add("dia of de the and e a p m am pm h hs min o clock oclock utc gmt z t horas hora st nd rd th")
	return vocab
}
