package config

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/crier-bot/crier/internal/crier"
	"go.yaml.in/yaml/v3"
)

// The voice section: the brand voice the writer writes in (tone, words to
// use and to avoid, hashtags, language). Every key may be left out.

const (
	voiceExample = `{tone: "friendly, plain, no hype", use: [community], avoid: [synergy], hashtags: ["#crier"], language: en}`
	maxTone      = 500 // characters
	maxVoiceWord = 100 // characters, for a word or phrase of use and avoid
	maxHashtag   = 100 // characters, # included
)

// voiceLanguage matches an ISO 639-1 code, two lower-case letters, with an
// optional region in capitals: en, pt, ro, pt-BR.
var voiceLanguage = regexp.MustCompile(`^[a-z]{2}(-[A-Z]{2})?$`)

// languageNames are languages people write by name, with their codes, for
// "write pt" when the file says portuguese.
var languageNames = map[string]string{
	"english": "en", "portuguese": "pt", "português": "pt", "portugues": "pt", "romanian": "ro", "română": "ro", "romana": "ro",
	"spanish": "es", "español": "es", "french": "fr", "français": "fr", "german": "de", "deutsch": "de", "italian": "it",
}

func voiceFields() []field[*crier.Voice] {
	return []field[*crier.Voice]{
		{key: "tone", decode: func(d *decoder, e entry, v *crier.Voice) error {
			s, err := d.text(e.v, e.path, `a few words like "friendly, plain, no hype"`)
			if err != nil {
				return err
			}
			s = strings.TrimSpace(s)
			if n := utf8.RuneCountInString(s); n > maxTone {
				return d.errorf(e.v, e.path, "%d characters; keep the tone to %d or fewer, like \"friendly, plain, no hype\"", n, maxTone)
			}
			v.Tone = s
			return nil
		}},
		{key: "use", decode: func(d *decoder, e entry, v *crier.Voice) (err error) {
			v.Use, err = d.voiceWords(e, "words to use, like [community, open source]")
			return err
		}},
		{key: "avoid", decode: func(d *decoder, e entry, v *crier.Voice) (err error) {
			v.Avoid, err = d.voiceWords(e, "words never to use, like [synergy, disrupt]")
			return err
		}},
		// hashtags: #crier unquoted is a comment, so the value is null and
		// must be read to say so.
		{key: "hashtags", null: true, decode: func(d *decoder, e entry, v *crier.Voice) (err error) {
			v.Hashtags, err = d.hashtags(e)
			return err
		}},
		{key: "language", decode: func(d *decoder, e entry, v *crier.Voice) (err error) {
			v.Language, err = d.voiceLanguage(e.v, e.path)
			return err
		}},
	}
}

func (d *decoder) voice(e entry, c *Config) error {
	if _, err := section(d, e.v, e.path, "a mapping like "+voiceExample, voiceFields(), &c.Voice); err != nil {
		return err
	}
	for _, w := range c.Voice.Use {
		if i := slices.IndexFunc(c.Voice.Avoid, func(a string) bool { return strings.EqualFold(a, w) }); i >= 0 {
			return d.errorf(d.voiceAvoid[i], index(join(e.path, "avoid"), i), "%q is also in use; keep it in one of the two lists", w)
		}
	}
	return nil
}

// voiceWords reads use or avoid: a list of words or short phrases, none
// repeated in any case.
func (d *decoder) voiceWords(e entry, like string) ([]string, error) {
	items, err := d.list(e.v, e.path, "a list of "+like)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, d.errorf(e.v, e.path, "empty list; write %s, or leave %s out", like, e.key)
	}
	words := make([]string, 0, len(items))
	for i, item := range items {
		p := index(e.path, i)
		w, err := d.text(item, p, "a word or a short phrase")
		if err != nil {
			return nil, err
		}
		w = strings.TrimSpace(w)
		switch {
		case w == "":
			return nil, d.errorf(item, p, "blank; write a word or a short phrase")
		case strings.ContainsAny(w, "\r\n"):
			return nil, d.errorf(item, p, "has a line break; write one word or short phrase per item")
		case utf8.RuneCountInString(w) > maxVoiceWord:
			return nil, d.errorf(item, p, "longer than %d characters; write a word or a short phrase", maxVoiceWord)
		case slices.ContainsFunc(words, func(x string) bool { return strings.EqualFold(x, w) }):
			return nil, d.errorf(item, p, "%s is listed twice", written(item))
		}
		words = append(words, w)
	}
	if e.key == "avoid" {
		d.voiceAvoid = items
	}
	return words, nil
}

// hashtags reads voice.hashtags: a list of hashtags, each # and one word of
// letters, digits and _, none repeated in any case. In YAML an unquoted #
// after a space starts a comment, so a null list or item most likely held
// unquoted hashtags, and the message says to quote them.
func (d *decoder) hashtags(e entry) ([]string, error) {
	const quote = `quote each hashtag, since YAML reads # as the start of a comment: hashtags: ["#crier", "#opensource"]`
	if isNull(e.v) {
		return nil, d.errorf(e.v, e.path, "empty; %s, or leave hashtags out", quote)
	}
	items, err := d.list(e.v, e.path, `a list like ["#crier", "#opensource"]`)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, d.errorf(e.v, e.path, `empty list; write the team's hashtags, like ["#crier"], or leave hashtags out`)
	}
	tags := make([]string, 0, len(items))
	for i, item := range items {
		p := index(e.path, i)
		if isNull(item) {
			return nil, d.errorf(item, p, "empty; %s", quote)
		}
		tag, err := d.text(item, p, `a hashtag like "#crier"`)
		if err != nil {
			return nil, err
		}
		tag = strings.TrimSpace(tag)
		word := strings.TrimPrefix(tag, "#")
		switch {
		case !strings.HasPrefix(tag, "#"):
			if strings.ContainsFunc(tag, isSpace) {
				return nil, d.errorf(item, p, "%s does not start with # and has a space; a hashtag is # and one word, like %q", written(item), "#"+strings.Join(strings.Fields(tag), ""))
			}
			return nil, d.errorf(item, p, "%s does not start with #; write %q", written(item), "#"+tag)
		case word == "":
			return nil, d.errorf(item, p, `%s has no word after #; write one like "#crier"`, written(item))
		case strings.ContainsFunc(word, isSpace):
			return nil, d.errorf(item, p, "%s has a space; a hashtag is one word, like %q", written(item), "#"+strings.Join(strings.Fields(word), ""))
		case strings.ContainsFunc(word, notHashtagRune):
			return nil, d.errorf(item, p, `%s has a character a hashtag cannot hold; use letters, digits and _ after one #, like "#crier_bot"`, written(item))
		case utf8.RuneCountInString(tag) > maxHashtag:
			return nil, d.errorf(item, p, "longer than %d characters; write a shorter hashtag", maxHashtag)
		case slices.ContainsFunc(tags, func(x string) bool { return strings.EqualFold(x, tag) }):
			return nil, d.errorf(item, p, "%s is listed twice", written(item))
		}
		tags = append(tags, tag)
	}
	return tags, nil
}

// notHashtagRune reports whether r cannot be part of a hashtag's word, which
// is letters (any script, with their accents), digits and _.
func notHashtagRune(r rune) bool {
	return !(r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r))
}

// voiceLanguage reads voice.language: an ISO 639-1 code, two lower-case
// letters, with a region if the team writes one variety (pt-BR, pt-PT).
// The code's shape is checked, not that the language exists.
func (d *decoder) voiceLanguage(n *yaml.Node, path string) (string, error) {
	const example = "its two-letter code, like en, pt or ro (or pt-BR with a region)"
	v, err := d.text(n, path, example)
	if err != nil {
		return "", err
	}
	v = strings.TrimSpace(v)
	if voiceLanguage.MatchString(v) {
		return v, nil
	}
	lang, region, _ := strings.Cut(v, "-")
	if code, ok := languageNames[strings.ToLower(v)]; ok {
		return "", d.errorf(n, path, "%s is a language's name; write its code, %s", written(n), code)
	}
	fixed := strings.ToLower(lang)
	if region != "" {
		fixed += "-" + strings.ToUpper(region)
	}
	if voiceLanguage.MatchString(fixed) {
		return "", d.errorf(n, path, "%s is not written as a language code is; write %s", written(n), fixed)
	}
	return "", d.errorf(n, path, "%s is not a language code; write %s", written(n), example)
}
