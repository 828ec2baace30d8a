package compose

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Facet kinds.
const (
	FacetLink    = "link"
	FacetMention = "mention"
	FacetTag     = "tag"
)

// Facet is a span of a text that Bluesky shows as a link, a mention or a
// hashtag ("rich text facet").
type Facet struct {
	Start, End int    // UTF-8 byte offsets into the text: [Start, End)
	Kind       string // FacetLink, FacetMention or FacetTag
	// Value is the URL (a bare domain gets https://), the handle without
	// "@" (in lower case), or the tag without "#".
	Value string
}

// Facets finds links, @mentions and #hashtags in text the way the Bluesky
// app does (@atproto/api detectFacets):
//
//   - a link starts at the beginning, after a space or after "(": an
//     http(s):// URL, or a bare domain with a known top-level domain
//     (example.com/page → https://example.com/page); a final . , ; : ! ? or
//     quote is left out, and so is a ")" without its "(";
//   - a mention is "@" and a handle (a domain name such as
//     ana.bsky.social), at the beginning, after a space or after "(";
//   - a hashtag is "#" (or "＃") at the beginning or after a space, followed
//     by anything up to the next space that is not only digits and
//     punctuation; final punctuation is left out; at most 64 graphemes.
//
// The facets are sorted by Start and never overlap (where two would, the
// one that starts first wins). Offsets are bytes, as Bluesky counts them.
func Facets(text string) []Facet {
	var all []Facet
	all = append(all, facetLinks(text)...)
	all = append(all, facetMentions(text)...)
	all = append(all, facetTags(text)...)
	if len(all) == 0 {
		return nil
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].Start != all[j].Start {
			return all[i].Start < all[j].Start
		}
		return all[i].End > all[j].End
	})
	out := make([]Facet, 0, len(all))
	end := 0
	for _, f := range all {
		if f.Start < end {
			continue
		}
		out = append(out, f)
		end = f.End
	}
	return out
}

// facetSpace reports whether r is white space as JavaScript's \s sees it.
func facetSpace(r rune) bool {
	return unicode.IsSpace(r) || r == '\ufeff'
}

// facetBoundary reports whether a facet may start at byte i of text: at the
// beginning, after white space, or (when paren is set) after "(".
func facetBoundary(text string, i int, paren bool) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return facetSpace(r) || (paren && r == '(')
}

// facetWordEnd returns the index of the first white space at or after i,
// or len(text).
func facetWordEnd(text string, i int) int {
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if facetSpace(r) {
			return i
		}
		i += size
	}
	return len(text)
}

func facetLinks(text string) []Facet {
	var out []Facet
	for i := 0; i < len(text); {
		c := text[i]
		if !facetASCIILetter(c) || !facetBoundary(text, i, true) {
			_, size := utf8.DecodeRuneInString(text[i:])
			i += size
			continue
		}
		end := facetWordEnd(text, i)
		word := text[i:end]
		uri, n := "", 0
		if scheme := facetScheme(word); scheme > 0 {
			trimmed := facetTrimURL(word)
			host := trimmed[min(scheme, len(trimmed)):]
			if k := strings.IndexAny(host, "/?#"); k >= 0 {
				host = host[:k]
			}
			if len(trimmed) > scheme && host != "" {
				uri, n = trimmed, len(trimmed)
			}
		} else if facetDomain(word) {
			trimmed := facetTrimURL(word)
			uri, n = "https://"+trimmed, len(trimmed)
		}
		if uri == "" {
			i++ // an ASCII letter: one byte
			continue
		}
		out = append(out, Facet{Start: i, End: i + n, Kind: FacetLink, Value: uri})
		i = end
	}
	return out
}

// facetScheme returns the length of a leading "http://" or "https://" (in
// any case), or 0.
func facetScheme(word string) int {
	for _, p := range []string{"https://", "http://"} {
		if len(word) >= len(p) && strings.EqualFold(word[:len(p)], p) {
			return len(p)
		}
	}
	return 0
}

// facetTrimURL drops the punctuation that ends a sentence rather than a URL.
func facetTrimURL(s string) string {
	for s != "" {
		r, size := utf8.DecodeLastRuneInString(s)
		switch {
		case strings.ContainsRune(".,;:!?\"'…”’»。、！？", r):
		case r == ')' && strings.Count(s, "(") < strings.Count(s, ")"):
		case r == ']' && strings.Count(s, "[") < strings.Count(s, "]"):
		default:
			return s
		}
		s = s[:len(s)-size]
	}
	return s
}

// facetDomain reports whether word starts with a domain name (a letter,
// then labels of letters, digits and hyphens joined by dots) whose last
// label is a known top-level domain, followed by the end of the word or by
// a character that cannot continue a domain.
func facetDomain(word string) bool {
	i, labels, last := 0, 0, ""
	for {
		j := i
		for j < len(word) && (facetASCIIAlnum(word[j]) || word[j] == '-') {
			j++
		}
		label := word[i:j]
		if label == "" || label[0] == '-' || label[len(label)-1] == '-' {
			break
		}
		if labels == 0 && !facetASCIILetter(label[0]) {
			return false
		}
		labels++
		last = label
		if j+1 < len(word) && word[j] == '.' && facetASCIIAlnum(word[j+1]) {
			i = j + 1
			continue
		}
		if j < len(word) && word[j] == '_' {
			return false // not a host name
		}
		break
	}
	return labels >= 2 && facetKnownTLD(strings.ToLower(last))
}

func facetMentions(text string) []Facet {
	var out []Facet
	for i := 0; i < len(text); i++ {
		if text[i] != '@' || !facetBoundary(text, i, true) {
			continue
		}
		j := i + 1
		for j < len(text) && (facetASCIIAlnum(text[j]) || text[j] == '.' || text[j] == '-') {
			j++
		}
		// Like the app's /@([a-zA-Z0-9.-]+)\b/: the handle ends where a
		// word ends.
		for j > i+1 && facetWordByte(text[j-1]) == (j < len(text) && facetWordByte(text[j])) {
			j--
		}
		if j == i+1 {
			continue
		}
		handle := text[i+1 : j]
		if !ValidHandle(handle) {
			continue
		}
		out = append(out, Facet{Start: i, End: j, Kind: FacetMention, Value: strings.ToLower(handle)})
		i = j - 1
	}
	return out
}

// ValidHandle reports whether h has the syntax of an atproto handle: a
// domain name of at least two labels whose top-level label starts with a
// letter and is not one of the reserved ones (.local, .arpa, …).
func ValidHandle(h string) bool {
	if len(h) == 0 || len(h) > 253 {
		return false
	}
	labels := strings.Split(h, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for k := 0; k < len(l); k++ {
			if !facetASCIIAlnum(l[k]) && l[k] != '-' {
				return false
			}
		}
	}
	tld := strings.ToLower(labels[len(labels)-1])
	if !facetASCIILetter(tld[0]) {
		return false
	}
	switch tld {
	case "alt", "arpa", "example", "internal", "invalid", "local", "localhost", "onion":
		return false
	}
	return true
}

// facetTagStop reports the invisible characters that end a hashtag.
func facetTagStop(r rune) bool {
	switch r {
	case '\u00ad', '\u2060', '\u200a', '\u200b', '\u200c', '\u200d', '\u20e2':
		return true
	}
	return facetSpace(r)
}

func facetTags(text string) []Facet {
	var out []Facet
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if (r != '#' && r != '＃') || !facetBoundary(text, i, false) {
			i += size
			continue
		}
		j := i + size
		k := j
		for k < len(text) {
			r2, s2 := utf8.DecodeRuneInString(text[k:])
			if facetTagStop(r2) {
				break
			}
			k += s2
		}
		run := text[j:k]
		if run == "" || strings.HasPrefix(run, "\ufe0f") || !facetTagWord(run) {
			i = j
			continue
		}
		tag := strings.TrimRightFunc(run, unicode.IsPunct)
		if tag != "" && len(tag) <= 640 && Graphemes(tag) <= 64 {
			out = append(out, Facet{Start: i, End: j + len(tag), Kind: FacetTag, Value: tag})
		}
		i = k
	}
	return out
}

// facetTagWord reports whether run has a character that is neither an ASCII
// digit nor punctuation: "#2024" and "#!!" are not hashtags.
func facetTagWord(run string) bool {
	for _, r := range run {
		if (r < '0' || r > '9') && !unicode.IsPunct(r) {
			return true
		}
	}
	return false
}

func facetASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func facetASCIIAlnum(c byte) bool { return facetASCIILetter(c) || (c >= '0' && c <= '9') }

// facetWordByte is JavaScript's \w without the u flag.
func facetWordByte(c byte) bool { return facetASCIIAlnum(c) || c == '_' }
