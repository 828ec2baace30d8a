package timeparse

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxPhraseBytes and maxPhraseWords bound what Parse will look at. No time
// phrase a person types is longer ("vigésimo dia de dezembro de 2026 às
// 10h" has 8 words); anything longer is answered with the no-time error
// without running a single regular expression.
const (
	maxPhraseBytes = 200
	maxPhraseWords = 12
)

// lowerText returns s in lower case with every run of white space, control
// characters and commas collapsed into one space and trailing sentence
// punctuation removed. Accents are kept: olebedev/when's Portuguese rules
// need them.
func lowerText(s string) string {
	return clean(s, false)
}

// foldText is lowerText with accents removed ("amanhã às" → "amanha as"), so
// that our own rules can be plain ASCII and people who type without accents
// are understood too.
func foldText(s string) string {
	return clean(s, true)
}

func clean(s string, fold bool) string {
	s = strings.ToValidUTF8(s, " ")
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case r == ',' || unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError:
			space = true
			continue
		case r == '’' || r == '‘' || r == '`' || r == '´':
			r = '\''
		case r == '：':
			r = ':'
		default:
			r = unicode.ToLower(r)
			if fold {
				r = foldRune(r)
			}
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return strings.TrimRight(b.String(), ".!?;: ")
}

// foldRune maps the accented letters of Portuguese (and a few neighbours)
// to their plain ASCII letter.
func foldRune(r rune) rune {
	switch r {
	case 'à', 'á', 'â', 'ã', 'ä', 'å':
		return 'a'
	case 'è', 'é', 'ê', 'ë':
		return 'e'
	case 'ì', 'í', 'î', 'ï':
		return 'i'
	case 'ò', 'ó', 'ô', 'õ', 'ö':
		return 'o'
	case 'ù', 'ú', 'û', 'ü':
		return 'u'
	case 'ç':
		return 'c'
	case 'ñ':
		return 'n'
	}
	return r
}

// isWordRune reports whether r is part of a word: a letter or a digit.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// splitsWord reports whether cutting text at byte offset i would cut a word
// in two ("9am|x", "tomorrow|9am").
func splitsWord(text string, i int) bool {
	if i <= 0 || i >= len(text) {
		return false
	}
	before, _ := utf8.DecodeLastRuneInString(text[:i])
	after, _ := utf8.DecodeRuneInString(text[i:])
	return isWordRune(before) && isWordRune(after)
}

// span is a word's byte range in a text.
type span struct{ start, end int }

// fields returns the byte ranges of the white-space separated words of s.
func fields(s string) []span {
	var out []span
	start := -1
	for i, r := range s {
		if unicode.IsSpace(r) {
			if start >= 0 {
				out = append(out, span{start, i})
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, span{start, len(s)})
	}
	return out
}

// words returns the runs of letters and digits of s with their byte ranges.
func words(s string) []span {
	var out []span
	start := -1
	for i, r := range s {
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, span{start, i})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, span{start, len(s)})
	}
	return out
}

// quote renders what a person typed for an error message: on one line,
// shortened to a readable length, in double quotes.
func quote(s string) string {
	const max = 50
	s = strings.Join(strings.FieldsFunc(strings.ToValidUTF8(s, "?"), func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
	if utf8.RuneCountInString(s) > max {
		r := []rune(s)
		s = strings.TrimSpace(string(r[:max])) + "…"
	}
	return `"` + s + `"`
}
