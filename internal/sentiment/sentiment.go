// Package sentiment labels a comment positive, neutral or negative, offline, and raises a crisis
// alarm when negative comments spike.
//
// English is scored by VADER (Hutto & Gilbert, 2014) through github.com/jonreiter/govader, a Go port of
// the reference implementation cjhutto/vaderSentiment with its lexicon and emoji descriptions (MIT).
// Portuguese is scored with the same VADER rules (vader.go) over the LeIA lexicon (rafjaa/LeIA, a
// Portuguese fork of VADER's lexicon, MIT; files data/leia_*, licence in data/LICENCE), plus a short
// hand-written list of Brazilian customer words (data/pt_extra.txt, public domain). Nothing is fetched
// at run time: every lexicon is compiled into the binary.
//
// The language is guessed from common words and lexicon hits; text in any other language (Romanian,
// Japanese, …) is Neutral with Language "", never an error.
package sentiment

import (
	"embed"
	"fmt"
	"strings"
	"unicode"

	"github.com/jonreiter/govader"
)

// Label is what a person sees next to a comment.
type Label string

// The three labels; VADER's convention: compound ≥ 0.05 positive, ≤ −0.05 negative.
const (
	Positive Label = "positive"
	Neutral  Label = "neutral"
	Negative Label = "negative"
)

// Thresholds on the compound score (VADER's published convention).
const (
	PositiveThreshold = 0.05
	NegativeThreshold = -0.05
)

// Languages Score can tell apart (ISO 639-1).
const (
	English    = "en"
	Portuguese = "pt"
)

// Result is the score of one text.
type Result struct {
	Label    Label
	Compound float64 // VADER compound score, −1 (most negative) … +1 (most positive); 0 when Language is ""
	Language string  // "en", "pt", or "" when the text is in no language the lexicons know (or empty)
}

//go:embed data/leia_vader_lexicon_ptbr.txt data/leia_booster.txt data/leia_negate.txt data/leia_emoji_utf8_lexicon_ptbr.txt data/pt_extra.txt
var lexiconFiles embed.FS

// Scorer scores texts. It is safe for concurrent use; build one with New and share it.
type Scorer struct {
	en     *govader.SentimentIntensityAnalyzer
	enLex  map[string]float64
	enStop map[string]bool
	pt     *lexiconRules
	ptStop map[string]bool
}

// New loads the embedded lexicons (a few milliseconds; do it once).
func New() (*Scorer, error) {
	pt, err := loadPortuguese()
	if err != nil {
		return nil, err
	}
	en := govader.NewSentimentIntensityAnalyzer()
	return &Scorer{
		en:     en,
		enLex:  en.Lexicon,
		enStop: wordSet(englishStopwords),
		pt:     pt,
		ptStop: wordSet(portugueseStopwords),
	}, nil
}

// Score labels one text. Empty text, or text in no language the lexicons know, is Neutral with
// Language "".
func (s *Scorer) Score(text string) Result {
	lang := s.language(text)
	var c float64
	switch lang {
	case English:
		// govader splits on single spaces only: give it VADER's whitespace split.
		c = s.en.PolarityScores(strings.Join(strings.Fields(text), " ")).Compound
	case Portuguese:
		c = s.pt.polarity(text)
	default:
		return Result{Label: Neutral}
	}
	return Result{Label: labelOf(c), Compound: c, Language: lang}
}

func labelOf(compound float64) Label {
	switch {
	case compound >= PositiveThreshold:
		return Positive
	case compound <= NegativeThreshold:
		return Negative
	}
	return Neutral
}

// language guesses English or Portuguese from the words of the text: each word that is a common
// word (stopword) or a lexicon word of a language is a vote for it. A language wins with the most votes
// when its votes are at least a quarter of the words; otherwise the text is in neither ("").
// A text of emoji only counts as English (VADER's emoji descriptions are English).
// Words written in another alphabet (Japanese, Cyrillic, Romanian "ș", …) are words no language here
// knows, so a Japanese comment has no votes at all.
func (s *Scorer) language(text string) string {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && r != '\''
	})
	if len(words) == 0 {
		// No words at all: a comment of emoji only ("😡😡") is read with VADER's English emoji
		// descriptions; anything else (digits, punctuation, nothing) is in no language.
		for _, r := range text {
			if _, ok := s.en.EmojiDict[string(r)]; ok {
				return English
			}
		}
		return ""
	}
	var en, pt, enStop, ptStop, emoticons int
	for _, f := range strings.Fields(text) {
		// Emoticons (":(", ":-D") are lexicon entries of their own.
		if strings.IndexFunc(f, unicode.IsLetter) >= 0 {
			continue
		}
		_, inEN := s.enLex[f]
		_, inPT := s.pt.valence[f]
		if inEN || inPT {
			emoticons++
		}
		if inEN {
			en++
		}
		if inPT {
			pt++
		}
	}
	for _, w := range words {
		w = strings.Trim(w, "'")
		if w == "" {
			continue
		}
		if s.enStop[w] {
			en++
			enStop++
		} else if _, ok := s.enLex[w]; ok && len(w) > 2 {
			en++
		}
		f := foldDiacritics(w)
		if s.ptStop[f] {
			pt++
			ptStop++
		} else if s.pt.isLexWord(f) && len(f) > 2 {
			pt++
		}
	}
	best, votes := English, en
	switch {
	case pt > en, pt == en && ptStop > enStop:
		best, votes = Portuguese, pt
	}
	if votes == 0 || 4*votes < len(words)+emoticons {
		return ""
	}
	return best
}

func wordSet(words string) map[string]bool {
	m := make(map[string]bool)
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// Common words, chosen so that no word is common in both languages ("a", "as", "do", "no", "me" are
// left out) nor in Romanian or Spanish more than in the language it votes for. Portuguese words are
// written without accents: they are compared after folding.
const englishStopwords = `the and is are was were be been being it its it's this that these those i i'm i've
you you're your yours my mine we our they their them he she his her with for from of to in on at by
have has had having will would should could can can't cannot don't doesn't didn't isn't wasn't aren't
won't not just very so what why how when where who which there here about after before again still
an or if than then because been also only really please thanks thank any some every all`

const portugueseStopwords = `o os um uma uns umas e que nao sim para pra pro com em na nas nos da das dos ao aos pelo pela
pelos pelas meu minha meus minhas seu sua seus suas voce voces vc vcs eu ele ela eles elas isso isto
esse essa esses essas aquele aquela muito muita muitos muitas mas porem mais foi ser estar esta estou
estao ta tem tenho tinha ja ainda nem nunca sem quando porque por onde como aqui agora tambem tb
nada ninguem ate depois antes entao vou vai sao era fiz fez pedi pedido dia dias hoje ontem obrigado`

// loadPortuguese builds the Portuguese rules from the embedded LeIA files and crier's own list.
func loadPortuguese() (*lexiconRules, error) {
	r := &lexiconRules{
		valence:  make(map[string]float64, 8000),
		boosters: make(map[string]float64),
		negators: make(map[string]bool),
		emoji:    make(map[rune]string),
		fold:     true,
		buts:     []string{"mas", "porem", "entretanto", "todavia", "contudo"},
		never:    "nunca",
		without:  "sem",
		doubt:    "duvida",
		so:       map[string]bool{"tao": true, "esse": true, "essa": true, "este": true},
	}
	for _, f := range []string{"data/leia_vader_lexicon_ptbr.txt", "data/pt_extra.txt"} {
		b, err := lexiconFiles.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("sentiment: read %s: %w", f, err)
		}
		if err := parseValences(f, b, true, r.valence); err != nil {
			return nil, err
		}
	}

	b, err := lexiconFiles.ReadFile("data/leia_booster.txt")
	if err != nil {
		return nil, fmt.Errorf("sentiment: read boosters: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		parts := strings.Fields(line)
		if len(parts) != 2 { // multi-word boosters never match one token; VADER skips them the same way
			continue
		}
		w := foldDiacritics(strings.ToLower(parts[0]))
		switch parts[1] {
		case "INCR":
			r.boosters[w] = boostIncr
		case "DECR":
			r.boosters[w] = boostDecr
		}
	}
	// Boosters customers use that LeIA lacks (crier's own, public domain).
	for _, w := range strings.Fields("muito muita muitos muitas mto mt super mega bastante totalmente tao") {
		r.boosters[w] = boostIncr
	}
	for _, w := range strings.Fields("meio pouquinho") {
		r.boosters[w] = boostDecr
	}

	b, err = lexiconFiles.ReadFile("data/leia_negate.txt")
	if err != nil {
		return nil, fmt.Errorf("sentiment: read negations: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		// Lines such as "nao consegue" are two words and never match one token (as in LeIA):
		// "nao" alone already negates.
		if w := strings.Fields(line); len(w) == 1 {
			r.negators[foldDiacritics(strings.ToLower(w[0]))] = true
		}
	}
	for _, w := range strings.Fields("nao nunca nem jamais nenhum nenhuma ninguem sem") {
		r.negators[w] = true
	}

	b, err = lexiconFiles.ReadFile("data/leia_emoji_utf8_lexicon_ptbr.txt")
	if err != nil {
		return nil, fmt.Errorf("sentiment: read emoji: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		e, desc, ok := strings.Cut(line, "\t")
		rs := []rune(e)
		if !ok || len(rs) != 1 { // sequences (skin tones, flags) are left out
			continue
		}
		r.emoji[rs[0]] = strings.TrimSpace(desc)
	}
	return r, nil
}
