// Package timeparse turns what people type in chat into one instant:
// "tomorrow 9am", "next friday at 3pm", "in 2 hours and 30 minutes",
// "24 dec 10:00", "2026-12-24 10:00", "friday 3pm UTC", "amanhã às 9h",
// "sexta às 15h", "daqui a 2 horas".
//
// Phrases are read by a small grammar of our own (see grammar.go); phrases
// it does not know are offered to github.com/olebedev/when, behind guard
// rails (see fallback.go). Either way the whole phrase must be understood:
// leftover words are an error, except filler such as "at", "on", "às",
// "de".
//
// The rules, for a phrase read at now in the person's zone loc:
//
//   - The result is in loc with zero seconds. "now"/"agora" is now,
//     truncated to the second.
//   - A day without a time ("tomorrow", "friday", "24 dec", "2026-12-24")
//     means 09:00 on that day, like Slack's /remind. "today" alone is an
//     error that asks for a time. Parts of the day stand for 09:00
//     (morning, manhã), 12:00 (noon), 15:00 (afternoon, tarde), 18:00
//     (evening) and 20:00 (night, tonight, noite).
//   - A bare time ("9am", "noon") already past today means tomorrow.
//     "midnight" is the coming 00:00; with a day ("friday midnight") it is
//     the 00:00 that ends that day. "12am" is 00:00 at the start of the
//     day, "12pm" is noon. A bare hour needs a word in front ("at 9",
//     "às 9") or a day right before it at the end of the phrase
//     ("tomorrow 9", "sexta 15"), and is read on the 24-hour clock.
//     ParseLeading takes "friday 3" only when nothing follows it, or when
//     a "|" ends the phrase. A dot may stand for the colon when the
//     minutes have two digits ("9.30am", "21.15").
//   - A month and day already past this year means next year; "the 5th"
//     already past this month means next month. Dates with a year are
//     taken as typed. 03/04 follows Options.DateOrder; ISO dates always
//     work. A date impossible in that order but fine in the other
//     ("12/31" read day first) gets an error that says so.
//   - "friday" is today if the time is still ahead today, else next
//     Friday. "next friday" and "this friday" are the first Friday after
//     today.
//   - "tomorrow", "in 3 days", "next week", "in 1 month" step through the
//     calendar in the zone, so the wall-clock time is kept across DST
//     changes, and Jan 31 + 1 month is the last day of February. "in 2
//     hours" is absolute time. "in 3 days" and "next week" without a time
//     keep the time of day of now.
//   - A wall-clock time the clocks skip (2:30 on a night that jumps from
//     2:00 to 3:00) moves forward by the jump (3:30); of a time that
//     happens twice, the first is taken.
//   - A zone in the phrase (UTC, Z, +03:00, America/New_York, ET, PST,
//     CEST, …) means the wall-clock time is in that zone, and "today" and
//     "tomorrow" are judged there. ET, CT, MT and PT follow US DST; EST,
//     PDT, CET, BST and the like are fixed offsets. WET and WEST count only
//     in capitals, as they are also English words.
//   - An instant before now's minute is "in the past"; one more than
//     Options.MaxAhead ahead is "too far". Both are errors.
//
// Errors meant for people are *crier.Error with code crier.EINVALID and a
// one-line message that says what to type instead.
package timeparse

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/olebedev/when/rules"

	"github.com/crier-bot/crier/internal/crier"
)

// DateOrder says how a numeric date like 03/04 is read.
type DateOrder string

// Date orders.
const (
	DMY DateOrder = "dmy" // 03/04 is 3 April
	MDY DateOrder = "mdy" // 03/04 is March 4
)

// Options configure a Parser.
type Options struct {
	Languages []string      // "en", "pt"; empty means both en and pt
	DateOrder DateOrder     // how 03/04 is read; "" means DMY
	MaxAhead  time.Duration // 0 means 366*24h
}

// DefaultMaxAhead is how far ahead a time may be when Options.MaxAhead is 0.
const DefaultMaxAhead = 366 * 24 * time.Hour

// maxLeadingWords is how many leading words ParseLeading tries as a phrase,
// and maxLeadingFallbacks how many of those tries may go to the (slower)
// olebedev/when fallback.
const (
	maxLeadingWords     = 10
	maxLeadingFallbacks = 4
)

// Parser reads time phrases. It is safe for concurrent use after New.
type Parser struct {
	en, pt   bool
	order    DateOrder
	maxAhead time.Duration

	lex       *lexicon
	rules     []rule
	termRe    *regexp.Regexp // one term of a duration list
	termSepRe *regexp.Regexp // what may stand between two terms

	whenRules []rules.Rule
	whenOpts  *rules.Options
	whenVocab map[string]bool
	ownVocab  map[string]bool // every word our grammar may read (folded)
	vocab     map[string]bool // every word a phrase may have (folded), ours and when's

	zones      sync.Map // lower-case IANA name → *time.Location (nil: not a zone)
	zoneMisses atomic.Int64
}

// New returns a Parser for opts. Unknown languages are ignored; if none is
// left, both English and Portuguese are read.
func New(opts Options) *Parser {
	p := &Parser{order: opts.DateOrder, maxAhead: opts.MaxAhead}
	for _, l := range opts.Languages {
		switch strings.ToLower(strings.TrimSpace(l)) {
		case "en", "en-us", "en-gb", "en_us", "en_gb", "english":
			p.en = true
		case "pt", "pt-br", "pt_br", "br", "pt-pt", "portuguese":
			p.pt = true
		}
	}
	if !p.en && !p.pt {
		p.en, p.pt = true, true
	}
	if p.order != MDY {
		p.order = DMY
	}
	if p.maxAhead <= 0 {
		p.maxAhead = DefaultMaxAhead
	}
	p.lex = newLexicon(p.en, p.pt)
	p.rules = p.buildRules()
	p.whenRules = whenRules(p.en, p.pt)
	p.whenOpts = whenOptions()
	p.whenVocab = whenVocabulary(p.en, p.pt)
	p.ownVocab = p.lex.vocabulary()
	p.vocab = p.lex.vocabulary()
	for w := range p.whenVocab {
		p.vocab[w] = true
	}
	return p
}

// Parse reads a whole phrase ("tomorrow 9am") in loc at now and returns one
// instant, in loc, with zero seconds. Every word must be understood, except
// filler like "at", "on", "às", "de". A nil loc means UTC.
func (p *Parser) Parse(phrase string, loc *time.Location, now time.Time) (time.Time, error) {
	t, _, err := p.parse(phrase, loc, now, nil, false)
	return t, err
}

// parse is Parse, also telling whether the phrase was understood as a time
// at all (true for a time that is in the past or too far ahead). If
// fallbacks is not nil, it is how many more times the olebedev/when
// fallback may run, and is decremented when it does. more says that more
// text follows the phrase (ParseLeading), which a bare trailing hour
// ("friday 3") may not be read before.
func (p *Parser) parse(phrase string, loc *time.Location, now time.Time, fallbacks *int, more bool) (t time.Time, understood bool, err error) {
	if loc == nil {
		loc = time.UTC
	}
	phrase = strings.TrimSpace(phrase)
	if phrase == "" {
		return time.Time{}, false, p.errEmpty()
	}
	if len(phrase) > maxPhraseBytes || len(fields(phrase)) > maxPhraseWords {
		return time.Time{}, false, p.errNoTime(phrase, loc, now)
	}
	in := &input{text: foldText(phrase), original: phrase, more: more}
	if in.text == "" {
		return time.Time{}, false, p.errNoTime(phrase, loc, now)
	}
	s, ok := p.read(in)
	if !ok && (fallbacks == nil || *fallbacks > 0) {
		var ran bool
		s, ok, ran = p.fallback(lowerText(phrase), in, now)
		if ran && fallbacks != nil {
			*fallbacks--
		}
	}
	if !ok {
		if sw := p.readSwapped(in); sw != nil {
			return time.Time{}, true, p.errSwapped(sw)
		}
		return time.Time{}, false, p.errNoTime(phrase, loc, now)
	}
	t, prob := p.resolve(s, loc, now)
	if prob != fine {
		return time.Time{}, true, p.errProblem(prob, phrase, t, loc, now)
	}
	return t.In(loc), true, nil
}

// ParseLeading finds the longest run of leading words of text (up to ten)
// that Parse fully understands, and returns the instant, that phrase as
// typed, and the rest of the text, trimmed. If text contains a "|", the
// part before the first "|" is the phrase and must parse fully; the part
// after it is the rest.
//
// A leading phrase never ends in a filler word ("tomorrow 9am at the
// office" gives "tomorrow 9am" and "at the office"), and a separator
// between the phrase and the rest ("tomorrow 9am - Launch", "friday 3pm:
// Sale") is dropped. A bare hour after a day ("friday 3 things to know")
// is left to the rest unless nothing follows it or a "|" ends the phrase.
func (p *Parser) ParseLeading(text string, loc *time.Location, now time.Time) (when time.Time, phrase, rest string, err error) {
	if loc == nil {
		loc = time.UTC
	}
	text = strings.TrimSpace(text)
	if i := strings.IndexByte(text, '|'); i >= 0 {
		phrase, rest = strings.TrimSpace(text[:i]), strings.TrimSpace(text[i+1:])
		if phrase == "" {
			return time.Time{}, "", rest, p.errEmptyBeforePipe()
		}
		when, _, err = p.parse(phrase, loc, now, nil, false)
		return when, phrase, rest, err
	}
	if text == "" {
		return time.Time{}, "", "", p.errEmpty()
	}
	ws := fields(text)
	// Only words that some phrase may contain can be part of the time: stop
	// looking at the first word that cannot.
	limit := 0
	for limit < len(ws) && limit < maxLeadingWords && p.mayBeTime(text[ws[limit].start:ws[limit].end]) {
		limit++
	}
	fallbacks := maxLeadingFallbacks
	for k := limit; k > 0; k-- {
		end := ws[k-1].end
		candidate := strings.TrimRight(text[:end], ",;:!?")
		last := strings.TrimRight(text[ws[k-1].start:end], ",;:!?")
		if k > 1 && p.lex.insig[foldText(last)] {
			continue
		}
		after := trimSeparator(text[end:])
		t, understood, perr := p.parse(candidate, loc, now, &fallbacks, after != "")
		if understood {
			return t, candidate, after, perr
		}
	}
	first := text
	if len(ws) > 4 {
		first = text[:ws[3].end]
	}
	return time.Time{}, "", text, p.errNoTimeAtStart(first, loc, now)
}

// swapRe finds what may be a numeric date: two numbers of one or two
// digits with a separator between them.
var swapRe = regexp.MustCompile(`(\d{1,2})[/.-](\d{1,2})`)

// readSwapped reads a phrase our grammar could not read again, with its
// numeric date in the other order. It returns that date if the phrase
// then reads: "12/31 9am" under DMY is "31/12 9am" typed the US way.
func (p *Parser) readSwapped(in *input) *swappedDate {
	maybe := false
	for _, m := range swapRe.FindAllStringSubmatch(in.text, -1) {
		a, b := atoi(m[1]), atoi(m[2])
		if p.order == MDY {
			a, b = b, a
		}
		if b > 12 && a >= 1 && a <= 12 { // no such month, but a month the other way round
			maybe = true
			break
		}
	}
	if !maybe {
		return nil
	}
	sw := *in
	sw.swapped = true
	s, ok := p.read(&sw)
	if !ok {
		return nil
	}
	return s.swapped
}

// mayBeTime reports whether a white-space separated word could be part of
// a time phrase: it has a "/" (a zone name or a date), or each of its runs
// of letters and digits has a digit or is a word of the vocabulary.
func (p *Parser) mayBeTime(field string) bool {
	if strings.IndexByte(field, '/') >= 0 {
		return true
	}
	f := foldText(field)
	for _, w := range words(f) {
		word := f[w.start:w.end]
		if !p.vocab[word] && !strings.ContainsAny(word, "0123456789") {
			return false
		}
	}
	return true
}

// trimSeparator trims s and drops a lone separator at its start
// ("- Launch", ": Sale", "— Today only").
func trimSeparator(s string) string {
	s = strings.TrimSpace(s)
	for _, sep := range []string{"-", "–", "—", ":", "|"} {
		if rest, ok := strings.CutPrefix(s, sep); ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\n') {
			return strings.TrimSpace(rest)
		}
	}
	return s
}

// Errors for people.

func (p *Parser) examples(loc *time.Location, now time.Time) string {
	n := now.In(loc)
	y := n.Year()
	if !n.Before(time.Date(y, time.December, 24, 10, 0, 0, 0, loc)) {
		y++
	}
	iso := fmt.Sprintf(`"%d-12-24 10:00"`, y)
	if p.en {
		return `"tomorrow 9am", "friday 3pm", "in 2 hours" or ` + iso
	}
	return `"amanhã 9h", "sexta 15h", "em 2 horas" or ` + iso
}

func invalid(format string, args ...any) error {
	return crier.Errorf(crier.EINVALID, format, args...)
}

func (p *Parser) errEmpty() error {
	if p.en {
		return invalid(`Please start with a time, like "tomorrow 9am", "friday 3pm" or "in 2 hours".`)
	}
	return invalid(`Please start with a time, like "amanhã 9h", "sexta 15h" or "em 2 horas".`)
}

func (p *Parser) errEmptyBeforePipe() error {
	return invalid(`Put a time before the "|", like "friday 3pm | Sale starts now".`)
}

func (p *Parser) errNoTime(phrase string, loc *time.Location, now time.Time) error {
	return invalid("I couldn't find a time in %s. Try %s.", quote(phrase), p.examples(loc, now))
}

func (p *Parser) errNoTimeAtStart(text string, loc *time.Location, now time.Time) error {
	return invalid("I couldn't find a time at the start of %s. Start with a time, like %s.", quote(text), p.examples(loc, now))
}

func (p *Parser) errSwapped(sw *swappedDate) error {
	return invalid("%s is read as %s here, and there is no month %d. Did you mean %s?", quote(sw.typed), sw.order, sw.month, sw.hint)
}

func (p *Parser) errProblem(prob problem, phrase string, t time.Time, loc *time.Location, now time.Time) error {
	q := quote(phrase)
	switch prob {
	case inPast:
		return invalid("%s is in the past (%s). Try a time from now on, like %s.", q, stamp(t, loc, now), p.tomorrowExample())
	case tooFar:
		ahead := "more than a year ahead"
		if p.maxAhead < 365*24*time.Hour {
			ahead = "too far ahead"
		}
		if t.IsZero() {
			return invalid("%s is %s. Schedule something within %s.", q, ahead, spell(p.maxAhead))
		}
		return invalid("%s is %s (%s). Schedule something within %s.", q, ahead, stamp(t, loc, now), spell(p.maxAhead))
	case needsTime:
		return invalid("%s needs a time of day. Try %s or %s.", q, p.todayExample(), p.inExample())
	case badDate:
		return invalid("%s is not a date on the calendar. Check the day and the month, like %s.", q, p.dateExample())
	case wrongDay:
		return invalid("%s doesn't add up: %s is a %s. Check the day and the date.", q, t.Format("2 Jan 2006"), t.Weekday())
	}
	return p.errNoTime(phrase, loc, now)
}

func (p *Parser) tomorrowExample() string {
	if p.en {
		return `"tomorrow 9am"`
	}
	return `"amanhã 9h"`
}

func (p *Parser) todayExample() string {
	if p.en {
		return `"today 5pm"`
	}
	return `"hoje 17h"`
}

func (p *Parser) inExample() string {
	if p.en {
		return `"in 2 hours"`
	}
	return `"em 2 horas"`
}

func (p *Parser) dateExample() string {
	if p.order == MDY {
		return `"12/24 10:00" (month/day)`
	}
	return `"24/12 10:00" (day/month)`
}

// spell writes a limit like MaxAhead for people: "366 days", "12 h".
func spell(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		if d == 24*time.Hour {
			return "1 day"
		}
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%d h", d/time.Hour)
	}
	return fmt.Sprintf("%d min", d/time.Minute)
}
