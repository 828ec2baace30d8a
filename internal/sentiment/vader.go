package sentiment

import (
	"bufio"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The rules below are VADER's (Hutto & Gilbert, 2014), as written in the reference implementation
// cjhutto/vaderSentiment (vaderSentiment.py, MIT) and in its Portuguese fork rafjaa/LeIA (leia.py, MIT),
// re-implemented here for a lexicon of any language: the same constants, the same order of rules.
const (
	boostIncr       = 0.293 // B_INCR: a booster word ("muito") adds this much
	boostDecr       = -0.293
	capsIncr        = 0.733 // C_INCR: a sentiment word in ALL CAPS among lower-case ones
	negScalar       = -0.74 // N_SCALAR: a negated word flips and shrinks
	alpha           = 15.0  // compound normalisation: x / sqrt(x² + alpha)
	boostDamp1      = 0.95  // a booster two words before counts a little less
	boostDamp2      = 0.9   // and three words before less again
	butBefore       = 0.5   // before "but"/"mas" a sentiment counts half
	butAfter        = 1.5   // after it, half as much again
	excl            = 0.292 // each "!" (at most 4)
	maxExcl         = 4
	question        = 0.18 // each "?" when there are 2 or 3
	maxQuestion     = 0.96 // 4 or more "?"
	vaderPunctChars = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
)

// lexiconRules is one language's lexicon plus the words VADER's rules look for.
type lexiconRules struct {
	valence  map[string]float64 // word (lower case, folded if fold is set) → mean valence −4…+4
	boosters map[string]float64 // "muito" → +0.293, "pouco" → −0.293
	negators map[string]bool    // "nao", "nunca", "nem", …
	buts     []string           // contrastive conjunctions, the first one found counts
	emoji    map[rune]string    // emoji → its description in this language
	fold     bool               // strip diacritics before lookup (LeIA's lexicon is unaccented)

	never, without, doubt string          // VADER's "never so …" and "without doubt" idioms
	so                    map[string]bool // words after "never" that intensify instead of negating
}

// polarity returns VADER's compound score, −1 (most negative) … +1 (most positive).
func (r *lexiconRules) polarity(text string) float64 {
	var b strings.Builder
	b.Grow(len(text) + 16)
	for _, c := range text {
		if d, ok := r.emoji[c]; ok {
			b.WriteByte(' ')
			b.WriteString(d)
			b.WriteByte(' ')
			continue
		}
		b.WriteRune(c)
	}
	prepared := b.String()
	if r.fold {
		prepared = foldDiacritics(prepared)
	}
	words := r.tokens(prepared)
	if len(words) == 0 {
		return 0
	}
	lower := make([]string, len(words))
	for i, w := range words {
		lower[i] = strings.ToLower(w)
	}
	capDiff := allCapDifferential(words)

	sentiments := make([]float64, len(words))
	for i := range words {
		if _, ok := r.boosters[lower[i]]; ok {
			continue
		}
		sentiments[i] = r.valenceAt(words, lower, i, capDiff)
	}
	r.butCheck(lower, sentiments)

	sum := 0.0
	for _, s := range sentiments {
		sum += s
	}
	emph := punctuationEmphasis(prepared)
	if sum > 0 {
		sum += emph
	} else if sum < 0 {
		sum -= emph
	}
	return normalize(sum)
}

// tokens splits on white space and trims punctuation around each word; a token that is itself in the
// lexicon (an emoticon such as ":)" or ":-(") is kept whole.
func (r *lexiconRules) tokens(text string) []string {
	fields := strings.Fields(text)
	out := fields[:0]
	for _, f := range fields {
		if _, ok := r.valence[strings.ToLower(f)]; ok {
			out = append(out, f)
			continue
		}
		s := strings.Trim(f, vaderPunctChars)
		if s == "" {
			continue
		}
		out = append(out, s)
	}
	return out
}

// isLexWord is VADER's "the preceding word is not itself in the lexicon" test; negators never block
// the rules, so "não gostei" is a negated "gostei" even though LeIA gives "nao" a valence of its own.
func (r *lexiconRules) isLexWord(w string) bool {
	if r.negators[w] {
		return false
	}
	_, ok := r.valence[w]
	return ok
}

func (r *lexiconRules) valenceAt(words, lower []string, i int, capDiff bool) float64 {
	w := lower[i]
	v, ok := r.valence[w]
	if !ok {
		return 0
	}
	// VADER's rule for "no": a negator that has a valence of its own ("nao" −1.2 in LeIA) counts only
	// when it does not negate the next word ("não funciona" is negative; in "não gostei" it is "gostei"
	// that carries the sentiment, flipped).
	if r.negators[w] {
		if i+1 < len(lower) {
			if _, next := r.valence[lower[i+1]]; next && !r.negators[lower[i+1]] {
				return 0
			}
		}
	}
	if capDiff && isUpper(words[i]) {
		if v > 0 {
			v += capsIncr
		} else {
			v -= capsIncr
		}
	}
	for start := 0; start < 3; start++ {
		j := i - (start + 1)
		if j < 0 || r.isLexWord(lower[j]) {
			continue
		}
		s := r.scalarIncDec(words[j], lower[j], v, capDiff)
		switch start {
		case 1:
			s *= boostDamp1
		case 2:
			s *= boostDamp2
		}
		v += s
		v = r.negationCheck(v, lower, start, i)
	}
	return v
}

// negationCheck is VADER's _negation_check: a negator one to three words before flips the valence,
// except "never so/this good" (stronger: ×1.25) and "without doubt" (unchanged), here in the
// language's own words ("nunca tão bem", "sem dúvida").
func (r *lexiconRules) negationCheck(v float64, lower []string, start, i int) float64 {
	j := i - (start + 1)
	if start > 0 {
		for k := j + 1; k < i; k++ {
			if lower[j] == r.never && r.so[lower[k]] {
				return v * 1.25
			}
			if lower[j] == r.without && lower[k] == r.doubt {
				return v
			}
		}
	}
	if r.negators[lower[j]] {
		return v * negScalar
	}
	return v
}

func (r *lexiconRules) scalarIncDec(word, lower string, v float64, capDiff bool) float64 {
	s, ok := r.boosters[lower]
	if !ok {
		return 0
	}
	if v < 0 {
		s = -s
	}
	if capDiff && isUpper(word) {
		if v > 0 {
			s += capsIncr
		} else {
			s -= capsIncr
		}
	}
	return s
}

func (r *lexiconRules) butCheck(lower []string, sentiments []float64) {
	for _, but := range r.buts {
		for bi, w := range lower {
			if w != but {
				continue
			}
			for i := range sentiments {
				if i < bi {
					sentiments[i] *= butBefore
				} else if i > bi {
					sentiments[i] *= butAfter
				}
			}
			return
		}
	}
}

func punctuationEmphasis(text string) float64 {
	ep := strings.Count(text, "!")
	if ep > maxExcl {
		ep = maxExcl
	}
	amp := float64(ep) * excl
	switch qm := strings.Count(text, "?"); {
	case qm > 3:
		amp += maxQuestion
	case qm > 1:
		amp += float64(qm) * question
	}
	return amp
}

func normalize(score float64) float64 {
	n := score / math.Sqrt(score*score+alpha)
	return math.Max(-1, math.Min(1, n))
}

// isUpper is Python's str.isupper: at least one cased letter and no lower-case one.
func isUpper(s string) bool {
	cased := false
	for _, c := range s {
		if unicode.IsLower(c) {
			return false
		}
		if unicode.IsUpper(c) {
			cased = true
		}
	}
	return cased
}

// allCapDifferential: some, but not all, words are in ALL CAPS.
func allCapDifferential(words []string) bool {
	caps := 0
	for _, w := range words {
		if isUpper(w) {
			caps++
		}
	}
	return caps > 0 && caps < len(words)
}

// foldDiacritics maps the accented letters of Portuguese (and its neighbours) to plain ASCII, as LeIA
// does with NFKD before lookup: "péssimo" → "pessimo", "não" → "nao".
func foldDiacritics(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, c := range s {
		b.WriteRune(foldRune(c))
	}
	return b.String()
}

func foldRune(c rune) rune {
	switch c {
	case 'á', 'à', 'â', 'ã', 'ä':
		return 'a'
	case 'Á', 'À', 'Â', 'Ã', 'Ä':
		return 'A'
	case 'é', 'è', 'ê', 'ë':
		return 'e'
	case 'É', 'È', 'Ê', 'Ë':
		return 'E'
	case 'í', 'ì', 'î', 'ï':
		return 'i'
	case 'Í', 'Ì', 'Î', 'Ï':
		return 'I'
	case 'ó', 'ò', 'ô', 'õ', 'ö':
		return 'o'
	case 'Ó', 'Ò', 'Ô', 'Õ', 'Ö':
		return 'O'
	case 'ú', 'ù', 'û', 'ü':
		return 'u'
	case 'Ú', 'Ù', 'Û', 'Ü':
		return 'U'
	case 'ç':
		return 'c'
	case 'Ç':
		return 'C'
	}
	return c
}

// parseValences reads "word<TAB>valence[<TAB>…]" lines; a later line for the same word wins, as in
// VADER's make_lex_dict.
func parseValences(name string, data []byte, fold bool, into map[string]float64) error {
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, "\t")
		if len(parts) < 2 {
			return fmt.Errorf("sentiment: %s line %d: want word<TAB>valence", name, n)
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(parts[1]), 64)
		if err != nil {
			return fmt.Errorf("sentiment: %s line %d: %w", name, n, err)
		}
		w := strings.ToLower(strings.TrimSpace(parts[0]))
		if fold {
			w = foldDiacritics(w)
		}
		into[w] = v
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("sentiment: %s: %w", name, err)
	}
	return nil
}
