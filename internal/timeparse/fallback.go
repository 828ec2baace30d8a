package timeparse

import (
	"strings"
	"time"

	"github.com/olebedev/when/rules"
	"github.com/olebedev/when/rules/br"
	"github.com/olebedev/when/rules/en"
)

// The fallback asks olebedev/when about phrases our grammar does not know
// ("third of march", "vigésimo dia de dezembro"). when is not trusted
// blindly:
//
//   - it runs only on short phrases whose every word is one when might
//     know (or has a digit), and that have a word our grammar does not know
//     (otherwise when would not know better), which also keeps it off the
//     hot path of ParseLeading;
//   - each rule runs under recover, since when's rules can panic;
//   - the matches must cover the whole phrase, except filler words;
//   - what the rules found (a rules.Context) is turned into a spec and goes
//     through the same resolve as our own grammar, so defaults, DST,
//     past and too-far checks are ours, not when's.

// The fallback looks at phrases of at most this many words and bytes; the
// phrases only when knows are short ("vigésimo dia de dezembro às 10h").
const (
	maxFallbackWords = 8
	maxFallbackBytes = 64
)

// whenOptions are the hours when gives to "morning", "afternoon", … made to
// agree with ours.
func whenOptions() *rules.Options {
	return &rules.Options{
		Morning:      periodHour(morning),
		Afternoon:    periodHour(afternoon),
		Evening:      periodHour(evening),
		Noon:         12,
		Distance:     5,
		MatchByOrder: true,
	}
}

// whenRules returns when's rules for the enabled languages. Its common
// rules are left out: its slash dates are day-first only, and ours follow
// Options.DateOrder.
func whenRules(enOn, ptOn bool) []rules.Rule {
	var out []rules.Rule
	if enOn {
		out = append(out, en.All...)
	}
	if ptOn {
		out = append(out, br.All...)
	}
	return out
}

// whenVocabulary returns the folded words when's rules for the enabled
// languages may match.
func whenVocabulary(enOn, ptOn bool) map[string]bool {
	vocab := map[string]bool{}
	add := func(phrases ...string) {
		for _, ph := range phrases {
			f := foldText(ph)
			for _, w := range words(f) {
				vocab[f[w.start:w.end]] = true
			}
		}
	}
	if enOn {
		add(keys(en.WEEKDAY_OFFSET)...)
		add(keys(en.MONTH_OFFSET)...)
		add(keys(en.INTEGER_WORDS)...)
		add(keys(en.ORDINAL_WORDS)...)
		add("now today tonight last night tomorrow tmr yesterday this morning afternoon evening noon",
			"within in a an few half second seconds min mins minute minutes hour hours day days",
			"week weeks month months year years ago on past next of am pm a m p the at")
	}
	if ptOn {
		add(keys(br.WEEKDAY_OFFSET)...)
		add(keys(br.MONTH_OFFSET)...)
		add(keys(br.INTEGER_WORDS)...)
		add(keys(br.ORDINAL_WORDS)...)
		add("agora hoje de nesta neste esta este essa esse noite última últimas últimos último",
			"amanhã ontem manhã tarde meio-dia ao à a às dentro em pouco pouca poucos poucas",
			"algum alguns alguma algumas meio meia segundo segundos minuto minutos min mins",
			"hora horas dia dias semana semanas mês meses ano anos atrás há na no próxima próximo",
			"passada passado que vem feira am pm")
	}
	return vocab
}

// fallback reads a phrase with when's rules. lower is the phrase in lower
// case with accents, in.text the same phrase folded. ran tells whether
// when's rules were run at all.
func (p *Parser) fallback(lower string, in *input, now time.Time) (s spec, ok, ran bool) {
	if len(p.whenRules) == 0 {
		return s, false, false
	}
	folded := in.text
	// A trailing time zone is ours to read: when knows none.
	if i := strings.LastIndexByte(folded, ' '); i > 0 {
		if z, isZone := p.zoneWord(folded[i+1:], in); isZone {
			s.zone = z
			folded = folded[:i]
			lower = lower[:strings.LastIndexByte(lower, ' ')]
		}
	}
	ws := words(folded)
	if len(ws) > maxFallbackWords || len(folded) > maxFallbackBytes {
		return s, false, false
	}
	needed := false
	for _, w := range ws {
		word := folded[w.start:w.end]
		digits := strings.ContainsAny(word, "0123456789")
		if !p.whenVocab[word] && !p.lex.insig[word] && !digits {
			return s, false, false
		}
		needed = needed || (!digits && !p.ownVocab[word])
	}
	if !needed {
		return s, false, false
	}
	ctx, ok := p.runWhen(lower, now.In(p.zoneOr(s.zone, now.Location())))
	if !ok {
		return s, false, true
	}
	s, ok = fromContext(ctx, s)
	return s, ok, true
}

func (p *Parser) zoneOr(z, def *time.Location) *time.Location {
	if z != nil {
		return z
	}
	return def
}

// zoneWord reports whether word (folded) is a whole time zone.
func (p *Parser) zoneWord(word string, in *input) (*time.Location, bool) {
	for _, r := range p.rules {
		switch r.name {
		case "utc", "offset", "zone abbreviation", "zone name":
		default:
			continue
		}
		loc := r.re.FindStringSubmatchIndex(word)
		if loc == nil || loc[1] != len(word) {
			continue
		}
		m := make([]string, len(loc)/2)
		for j := range m {
			if loc[2*j] >= 0 {
				m[j] = word[loc[2*j]:loc[2*j+1]]
			}
		}
		var s spec
		if r.apply(p, m, &s, in) {
			return s.zone, true
		}
	}
	return nil, false
}

// runWhen runs when's rules over text and applies the matches to a
// context, the way when.Parser.Parse does, but only if the matches cover
// every word of text that is not filler. A panic in a rule is a miss.
func (p *Parser) runWhen(text string, ref time.Time) (ctx *rules.Context, ok bool) {
	defer func() {
		if recover() != nil {
			ctx, ok = nil, false
		}
	}()
	var matches []*rules.Match
	covered := make([]bool, len(text))
	for i, r := range p.whenRules {
		m := r.Find(text)
		if m == nil || m.Left < 0 || m.Right > len(text) || m.Left >= m.Right {
			continue
		}
		m.Order = float64(i)
		matches = append(matches, m)
		for j := m.Left; j < m.Right; j++ {
			covered[j] = true
		}
	}
	if len(matches) == 0 {
		return nil, false
	}
	for _, w := range words(text) {
		for j := w.start; j < w.end; j++ {
			if !covered[j] {
				if !p.lex.insig[foldText(text[w.start:w.end])] {
					return nil, false
				}
				break
			}
		}
	}
	// Each match is applied on its own; two matches that set the same
	// thing ("tomorrow friday": two days) contradict each other, where
	// when would silently keep the last.
	ctx = &rules.Context{Text: text}
	applied := false
	for _, m := range matches {
		one := &rules.Context{Text: text}
		did, err := m.Apply(one, p.whenOpts, ref)
		if err != nil {
			return nil, false
		}
		if !did {
			continue
		}
		if !merge(ctx, one) {
			return nil, false
		}
		applied = true
	}
	return ctx, applied
}

// merge copies what src set into dst, and reports false if they both set
// the same field to different values (the English and the Portuguese rules
// both read "10:00", and agree).
func merge(dst, src *rules.Context) bool {
	ok := true
	if src.Duration != 0 {
		ok = ok && (dst.Duration == 0 || dst.Duration == src.Duration)
		dst.Duration = src.Duration
	}
	for _, f := range []struct{ d, s **int }{
		{&dst.Year, &src.Year}, {&dst.Month, &src.Month}, {&dst.Weekday, &src.Weekday},
		{&dst.Day, &src.Day}, {&dst.Hour, &src.Hour}, {&dst.Minute, &src.Minute},
	} {
		if *f.s != nil {
			ok = ok && (*f.d == nil || **f.d == **f.s)
			*f.d = *f.s
		}
	}
	if src.Location != nil {
		ok = ok && dst.Location == nil
		dst.Location = src.Location
	}
	return ok
}

// fromContext turns what when's rules found into a spec, refusing what
// when is known to get wrong (months computed modulo 12, a month without a
// day, a year alone).
func fromContext(c *rules.Context, s spec) (spec, bool) {
	if c.Weekday != nil || c.Location != nil {
		return s, false
	}
	if c.Year != nil || c.Month != nil || c.Day != nil {
		if c.Month == nil || c.Day == nil {
			return s, false
		}
		y := 0
		if c.Year != nil {
			y = *c.Year
		}
		if !plausibleDate(*c.Month, *c.Day) || !s.setAbs(y, *c.Month, *c.Day) {
			return s, false
		}
	}
	if d := c.Duration; d != 0 {
		const day = 24 * time.Hour
		switch {
		case d%day == 0:
			// when's "tomorrow", weekdays and "in N days" are whole days: a
			// day offset, judged in the calendar.
			if !s.setOffset(int(d / day)) {
				return s, false
			}
		case s.date != noDate:
			return s, false
		default:
			s.rel = true
			if d < 0 {
				s.relNeg, d = true, -d
			}
			s.relDur = d
		}
	}
	if c.Hour != nil {
		mi := 0
		if c.Minute != nil {
			mi = *c.Minute
		}
		if !s.setTime(*c.Hour, mi, 0) {
			return s, false
		}
	}
	return s, s.valid()
}
