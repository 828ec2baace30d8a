package compose

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestGraphemes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		want int
	}{
		{"plain ASCII counts one per letter", "hello", 5},
		{"an emoji with a skin tone counts once", "👍🏽", 1},
		{"a family emoji counts once", "👨‍👩‍👧‍👦", 1},
		{"an accent written as a combining mark counts once", "e\u0301", 1},
		{"a flag counts once", "🇵🇹", 1},
		{"the empty text counts nothing", "", 0},
		// Unicode 17 (GB9c) joins Indic conjuncts, as the PDS counts them.
		{"a Devanagari conjunct with a vowel sign counts once", "क्षि", 1},
		{"a Devanagari conjunct counts once", "क्ष", 1},
		{"a Hindi word counts by its conjuncts", "हिन्दी", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, Graphemes(tt.text))
		})
	}
}

func TestFacets(t *testing.T) {
	t.Parallel()
	// f builds the expected facet for the first occurrence of span in text.
	f := func(text, span, kind, value string) Facet {
		i := strings.Index(text, span)
		if i < 0 {
			panic(span + " not in " + text)
		}
		return Facet{Start: i, End: i + len(span), Kind: kind, Value: value}
	}
	tests := []struct {
		name string
		text string
		want func(text string) []Facet
	}{
		{"a text without facets has none", "Good morning, everyone.", nil},
		{"a link after an emoji is counted in bytes", "🎉 see https://example.com", func(s string) []Facet {
			return []Facet{{Start: 9, End: 28, Kind: FacetLink, Value: "https://example.com"}}
		}},
		{"a hashtag after accented text is counted in bytes", "Café ☕ #café", func(s string) []Facet {
			return []Facet{{Start: 10, End: 16, Kind: FacetTag, Value: "café"}}
		}},
		{"a link leaves out the full stop that ends the sentence", "Read https://example.com/a.", func(s string) []Facet {
			return []Facet{f(s, "https://example.com/a", FacetLink, "https://example.com/a")}
		}},
		{"a link keeps its query and fragment", "See https://example.com/a?b=1&c=2#top!", func(s string) []Facet {
			return []Facet{f(s, "https://example.com/a?b=1&c=2#top", FacetLink, "https://example.com/a?b=1&c=2#top")}
		}},
		{"a link in parentheses leaves out the closing one", "(see https://example.com/a)", func(s string) []Facet {
			return []Facet{f(s, "https://example.com/a", FacetLink, "https://example.com/a")}
		}},
		{"a link keeps balanced parentheses", "(https://en.wikipedia.org/wiki/Go_(language))", func(s string) []Facet {
			u := "https://en.wikipedia.org/wiki/Go_(language)"
			return []Facet{f(s, u, FacetLink, u)}
		}},
		{"a link may start right after an opening parenthesis", "(https://example.com)", func(s string) []Facet {
			return []Facet{f(s, "https://example.com", FacetLink, "https://example.com")}
		}},
		{"an upper-case scheme is a link", "HTTPS://EXAMPLE.COM", func(s string) []Facet {
			return []Facet{f(s, "HTTPS://EXAMPLE.COM", FacetLink, "HTTPS://EXAMPLE.COM")}
		}},
		{"a scheme alone is not a link", "https:// and http://.", nil},
		{"a bare domain becomes an https link", "visit example.com/shop today", func(s string) []Facet {
			return []Facet{f(s, "example.com/shop", FacetLink, "https://example.com/shop")}
		}},
		{"a bare domain with a hyphen and subdomain is a link", "docs.my-site.org.", func(s string) []Facet {
			return []Facet{f(s, "docs.my-site.org", FacetLink, "https://docs.my-site.org")}
		}},
		{"file names and abbreviations are not links", "node.js, e.g. v1.2 and 3.14 or foo.baz", nil},
		{"an e-mail address is neither a link nor a mention", "write to ana@example.com", nil},
		{"a mention is a handle after @", "thanks @ana.bsky.social!", func(s string) []Facet {
			return []Facet{f(s, "@ana.bsky.social", FacetMention, "ana.bsky.social")}
		}},
		{"a mention is lower-cased", "hi @Ana.Example.COM", func(s string) []Facet {
			return []Facet{f(s, "@Ana.Example.COM", FacetMention, "ana.example.com")}
		}},
		{"a mention in parentheses counts", "(@bob.test)", func(s string) []Facet {
			return []Facet{f(s, "@bob.test", FacetMention, "bob.test")}
		}},
		{"a mention after emoji and accents is counted in bytes", "😀 olá @zé.pt? no: @ze.pt", func(s string) []Facet {
			return []Facet{f(s, "@ze.pt", FacetMention, "ze.pt")}
		}},
		{"a single-label name is not a mention", "hi @ana and @ana.", nil},
		{"a handle with a numeric top-level label is not a mention", "@host.123", nil},
		{"a reserved top-level domain is not a mention", "@printer.local", nil},
		{"a hashtag ends at a space", "#crier rocks", func(s string) []Facet {
			return []Facet{f(s, "#crier", FacetTag, "crier")}
		}},
		{"a hashtag leaves out final punctuation", "Go #golang!", func(s string) []Facet {
			return []Facet{f(s, "#golang", FacetTag, "golang")}
		}},
		{"digits alone are not a hashtag", "We are #1 in #2024", nil},
		{"digits with a letter are a hashtag", "#2024年", func(s string) []Facet {
			return []Facet{f(s, "#2024年", FacetTag, "2024年")}
		}},
		{"a hashtag must follow a space", "a#b", nil},
		{"a fullwidth hash starts a hashtag", "今日は＃タグ", nil},
		{"a fullwidth hash after a space starts a hashtag", "今日は ＃タグ", func(s string) []Facet {
			return []Facet{f(s, "＃タグ", FacetTag, "タグ")}
		}},
		{"the keycap emoji is not a hashtag", "#️⃣ done", nil},
		{"a hashtag of 64 graphemes counts", "#" + strings.Repeat("a", 64), func(s string) []Facet {
			return []Facet{{Start: 0, End: 65, Kind: FacetTag, Value: strings.Repeat("a", 64)}}
		}},
		{"a hashtag of 65 graphemes does not", "#" + strings.Repeat("a", 65), nil},
		{"a hashtag of 64 emoji counts", "#" + strings.Repeat("👍🏽", 64), func(s string) []Facet {
			return []Facet{{Start: 0, End: len(s), Kind: FacetTag, Value: strings.Repeat("👍🏽", 64)}}
		}},
		{"a fragment inside a URL is not a hashtag", "https://example.com/#section", func(s string) []Facet {
			return []Facet{f(s, "https://example.com/#section", FacetLink, "https://example.com/#section")}
		}},
		{"a mention inside a URL is not a mention", "https://example.com/(@bob.com)", func(s string) []Facet {
			return []Facet{f(s, "https://example.com/(@bob.com)", FacetLink, "https://example.com/(@bob.com)")}
		}},
		{"a zero-width joiner ends a hashtag", "#a\u200bb", func(s string) []Facet {
			return []Facet{{Start: 0, End: 2, Kind: FacetTag, Value: "a"}}
		}},
		{"facets of every kind come sorted", "🚀 #launch day! @crier.test posted https://crier.example.com/p/1 #go.", func(s string) []Facet {
			return []Facet{
				f(s, "#launch", FacetTag, "launch"),
				f(s, "@crier.test", FacetMention, "crier.test"),
				f(s, "https://crier.example.com/p/1", FacetLink, "https://crier.example.com/p/1"),
				f(s, "#go", FacetTag, "go"),
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var want []Facet
			if tt.want != nil {
				want = tt.want(tt.text)
			}
			got := Facets(tt.text)
			require.Equal(t, want, got)
			checkFacets(t, tt.text, got)
		})
	}
}

func TestValidHandle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		handle string
		want   bool
	}{
		{"a bsky.social handle is valid", "ana.bsky.social", true},
		{"a custom domain is valid", "crier.example.com", true},
		{"a .test handle is valid", "bob.test", true},
		{"one label is not", "ana", false},
		{"a label starting with a hyphen is not", "-ana.com", false},
		{"an empty label is not", "ana..com", false},
		{"a numeric top-level label is not", "ana.123", false},
		{"an underscore is not", "an_a.com", false},
		{"a .onion name is not", "ana.onion", false},
		{"a name over 253 characters is not", strings.Repeat("a.", 127) + "com", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, ValidHandle(tt.handle))
		})
	}
}

// checkFacets asserts what must hold for any text: offsets inside the text
// and on rune boundaries, sorted, not overlapping, and each facet's text
// agreeing with its value.
func checkFacets(t *testing.T, text string, facets []Facet) {
	t.Helper()
	end := 0
	for _, f := range facets {
		if f.Start < end || f.Start >= f.End || f.End > len(text) {
			t.Fatalf("facet %+v out of order or out of bounds (previous end %d, len %d) in %q", f, end, len(text), text)
		}
		end = f.End
		if utf8.ValidString(text) {
			if !utf8.RuneStart(text[f.Start]) || (f.End < len(text) && !utf8.RuneStart(text[f.End])) {
				t.Fatalf("facet %+v splits a character in %q", f, text)
			}
		}
		span := text[f.Start:f.End]
		switch f.Kind {
		case FacetLink:
			if !strings.HasSuffix(f.Value, span) || !strings.HasPrefix(strings.ToLower(f.Value), "http") {
				t.Fatalf("link %+v does not match its text %q", f, span)
			}
		case FacetMention:
			if span[0] != '@' || !strings.EqualFold(span[1:], f.Value) || !ValidHandle(f.Value) {
				t.Fatalf("mention %+v does not match its text %q", f, span)
			}
		case FacetTag:
			if !(strings.HasPrefix(span, "#") || strings.HasPrefix(span, "＃")) || !strings.HasSuffix(span, f.Value) || f.Value == "" {
				t.Fatalf("tag %+v does not match its text %q", f, span)
			}
			if Graphemes(f.Value) > 64 {
				t.Fatalf("tag %+v is longer than 64 graphemes", f)
			}
		default:
			t.Fatalf("facet %+v has an unknown kind", f)
		}
	}
}

func FuzzFacets(f *testing.F) {
	for _, s := range []string{
		"",
		"plain text",
		"🎉 see https://example.com/a?b=1.",
		"Café ☕ #café @ana.bsky.social",
		"(https://en.wikipedia.org/wiki/Go_(language))",
		"https://example.com/(@bob.com) #x(https://a.com",
		"#foo(@bar.com and #️⃣ and ＃タグ and #1 and ##double",
		"visit example.com/shop, docs.my-site.org. node.js e.g.",
		"@a.com._x @-bad.com @ok.test.",
		"#a\u200bb #\ufe0fx \u00a0#nbsp\u3000@ideo.jp",
		"\xff#bad\x80utf8 @x.com\xfe https://\xc3",
		"#" + strings.Repeat("👍🏽", 70),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		checkFacets(t, text, Facets(text))
	})
}
