package compose

import (
	"cmp"
	"net/url"
	"strings"
)

// UTM says how the links in a campaign's posts are tagged for web
// analytics (bot.yaml).
type UTM struct {
	Off    bool   // tag nothing
	Source string // utm_source; "" is the network's name
	Medium string // utm_medium; "" is "social"
}

// TagLinks adds utm_source, utm_medium and utm_campaign to every http(s)
// link in text, so web analytics can tell which network and campaign a
// visit came from. Links are found as Mastodon finds them (nextMastodonURL:
// punctuation that ends a sentence stays outside the link), and:
//
//   - parameters go at the end of the query, before a #fragment; the
//     link's own parameters stay as they are, and a utm_ parameter it has
//     already (in any case) is kept instead of crier's;
//   - a link followed directly by "!" is left alone, and that "!" is taken
//     out of the text ("off per link with a trailing !");
//   - with no campaign, or o.Off, the text is returned as it is (a "!"
//     after a link then stays: it means nothing outside a campaign).
//
// A text without links is returned without being copied.
func TagLinks(text, network, campaign string, o UTM) string {
	if o.Off || campaign == "" {
		return text
	}
	params := [3][2]string{
		{"utm_source", url.QueryEscape(cmp.Or(o.Source, network))},
		{"utm_medium", url.QueryEscape(cmp.Or(o.Medium, "social"))},
		{"utm_campaign", url.QueryEscape(campaign)},
	}
	var (
		b     strings.Builder
		found bool
		done  int // text[:done] is in b
	)
	for from := 0; ; {
		start, end := nextMastodonURL(text, from)
		if start < 0 {
			break
		}
		if !found {
			found = true
			b.Grow(len(text) + 80)
		}
		b.WriteString(text[done:start])
		link := text[start:end]
		if end < len(text) && text[end] == '!' {
			b.WriteString(link)
			done = end + 1 // the mark is dropped
		} else {
			tagLink(&b, link, &params)
			done = end
		}
		from = end
	}
	if !found {
		return text
	}
	b.WriteString(text[done:])
	return b.String()
}

// tagLink writes link with the parameters it does not have already added
// at the end of its query, before its fragment.
func tagLink(b *strings.Builder, link string, params *[3][2]string) {
	base, fragment := link, ""
	if i := strings.IndexByte(link, '#'); i >= 0 {
		base, fragment = link[:i], link[i:]
	}
	query := ""
	if i := strings.IndexByte(base, '?'); i >= 0 {
		query = base[i+1:]
	}
	b.WriteString(base)
	sep := "?"
	switch {
	case strings.IndexByte(base, '?') < 0:
	case query == "" || strings.HasSuffix(query, "&"):
		sep = ""
	default:
		sep = "&"
	}
	for _, p := range params {
		if hasParam(query, p[0]) {
			continue
		}
		b.WriteString(sep)
		b.WriteString(p[0])
		b.WriteByte('=')
		b.WriteString(p[1])
		sep = "&"
	}
	b.WriteString(fragment)
}

// hasParam reports whether query has the parameter key, in any case.
func hasParam(query, key string) bool {
	for query != "" {
		var pair string
		pair, query, _ = strings.Cut(query, "&")
		name, _, _ := strings.Cut(pair, "=")
		if strings.EqualFold(name, key) {
			return true
		}
	}
	return false
}
