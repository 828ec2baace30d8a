package compose

import (
	"strings"
	"testing"
)

func TestTagLinks(t *testing.T) {
	t.Parallel()
	const tags = "utm_source=mastodon&utm_medium=social&utm_campaign=launch"
	tests := []struct {
		name string
		text string
		o    UTM
		want string
	}{
		{"a bare link gets the three parameters", "Read https://example.com/launch today",
			UTM{}, "Read https://example.com/launch?" + tags + " today"},
		{"a host without a path gets them after the host", "https://example.com",
			UTM{}, "https://example.com?" + tags},
		{"existing query parameters are kept, ours follow", "https://shop.example/p?id=7&color=red",
			UTM{}, "https://shop.example/p?id=7&color=red&" + tags},
		{"a fragment stays last, the parameters go before it", "https://example.com/docs#install",
			UTM{}, "https://example.com/docs?" + tags + "#install"},
		{"a query and a fragment together", "see https://example.com/a?b=1#c now",
			UTM{}, "see https://example.com/a?b=1&" + tags + "#c now"},
		{"a question mark inside the fragment is the fragment's", "https://app.example/#/route?x=1",
			UTM{}, "https://app.example/?" + tags + "#/route?x=1"},
		{"an existing utm_source is not overwritten", "https://example.com/?utm_source=newsletter",
			UTM{}, "https://example.com/?utm_source=newsletter&utm_medium=social&utm_campaign=launch"},
		{"existing utm parameters in any case are kept", "https://example.com/?UTM_Medium=email&utm_campaign=spring",
			UTM{}, "https://example.com/?UTM_Medium=email&utm_campaign=spring&utm_source=mastodon"},
		{"a link fully tagged already is left as it is", "https://example.com/?utm_source=a&utm_medium=b&utm_campaign=c",
			UTM{}, "https://example.com/?utm_source=a&utm_medium=b&utm_campaign=c"},
		{"a trailing ! leaves the link alone and is removed", "Our partner: https://partner.example/deal! and more",
			UTM{}, "Our partner: https://partner.example/deal and more"},
		{"a trailing ! after a host alone", "https://partner.example!",
			UTM{}, "https://partner.example"},
		{"only the first ! is the mark", "Wow https://partner.example!!",
			UTM{}, "Wow https://partner.example!"},
		{"a full stop stays outside the link", "see https://x.com/a.",
			UTM{}, "see https://x.com/a?" + tags + "."},
		{"a comma and a closing parenthesis stay outside", "(see https://x.com/a), then",
			UTM{}, "(see https://x.com/a?" + tags + "), then"},
		{"a question mark after a link stays outside", "Seen https://example.com/new?",
			UTM{}, "Seen https://example.com/new?" + tags + "?"},
		{"two links are both tagged", "https://a.example/1 and https://b.example/2?x=y",
			UTM{}, "https://a.example/1?" + tags + " and https://b.example/2?x=y&" + tags},
		{"one of two links opted out", "https://a.example/1! and https://b.example/2",
			UTM{}, "https://a.example/1 and https://b.example/2?" + tags},
		{"text around links may be any script", "Новинка 🎉 https://example.com/ü — café!",
			UTM{}, "Новинка 🎉 https://example.com/ü?" + tags + " — café!"},
		{"a link after non-ASCII letters without a space is not a link", "éhttps://example.com",
			UTM{}, "éhttps://example.com"},
		{"a domain without a scheme is not tagged", "example.com/launch",
			UTM{}, "example.com/launch"},
		{"an upper-case scheme is a link too", "HTTPS://EXAMPLE.COM/A",
			UTM{}, "HTTPS://EXAMPLE.COM/A?" + tags},
		{"a query ending in ? or & needs no extra separator", "https://example.com/a?&b=1",
			UTM{}, "https://example.com/a?&b=1&" + tags},
		{"the medium can be changed", "https://example.com",
			UTM{Medium: "paid-social"}, "https://example.com?utm_source=mastodon&utm_medium=paid-social&utm_campaign=launch"},
		{"the source can be changed", "https://example.com",
			UTM{Source: "fediverse"}, "https://example.com?utm_source=fediverse&utm_medium=social&utm_campaign=launch"},
		{"values are escaped", "https://example.com",
			UTM{Source: "our feed", Medium: "a&b"}, "https://example.com?utm_source=our+feed&utm_medium=a%26b&utm_campaign=launch"},
		{"off leaves the text as it is, ! and all", "https://example.com! https://example.org",
			UTM{Off: true}, "https://example.com! https://example.org"},
		{"a ! inside a path is part of the link", "https://example.com/a!b",
			UTM{}, "https://example.com/a!b?" + tags},
		{"text without links is unchanged", "No links here, only words! And example dot com.",
			UTM{}, "No links here, only words! And example dot com."},
		{"an empty text stays empty", "", UTM{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := TagLinks(tt.text, "mastodon", "launch", tt.o); got != tt.want {
				t.Errorf("TagLinks(%q)\n got  %q\n want %q", tt.text, got, tt.want)
			}
		})
	}
}

// A tagged link is still one link, ending where it ended: Mastodon and
// Bluesky both see the whole tagged address, and the punctuation after it
// stays outside.
func TestTaggedLinksAreStillWholeLinks(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"see https://x.com/a.", "(https://x.com/a?b=1#c)", "https://x.com, https://y.org/p!"} {
		tagged := TagLinks(text, "bluesky", "spring-sale_", UTM{})
		for _, f := range Facets(tagged) {
			if f.Kind != FacetLink {
				continue
			}
			if !strings.Contains(f.Value, "utm_campaign=spring-sale_") && !strings.Contains(f.Value, "y.org") {
				t.Errorf("Bluesky sees the link %q in %q, without the whole tag", f.Value, tagged)
			}
		}
		for from := 0; ; {
			start, end := nextMastodonURL(tagged, from)
			if start < 0 {
				break
			}
			if link := tagged[start:end]; !strings.Contains(link, "utm_campaign=spring-sale_") && !strings.Contains(link, "y.org") {
				t.Errorf("Mastodon sees the link %q in %q, without the whole tag", link, tagged)
			}
			from = end
		}
	}
}

func TestTagLinksWithoutCampaignOrLinksCopiesNothing(t *testing.T) {
	text := strings.Repeat("Plain words, no address at all: café, naïve, 🎉. ", 20)
	if n := testing.AllocsPerRun(100, func() { _ = TagLinks(text, "mastodon", "launch", UTM{}) }); n != 0 {
		t.Errorf("TagLinks allocated %v times for a text without links", n)
	}
	withLink := "Read https://example.com!"
	if got := TagLinks(withLink, "mastodon", "", UTM{}); got != withLink {
		t.Errorf("without a campaign the text changed: %q", got)
	}
}

// BenchmarkTagLinks tags a full post with two links, one with a query and
// a fragment, and one without links.
func BenchmarkTagLinks(b *testing.B) {
	texts := map[string]string{
		"links":    "Launch day! 🚀 Read https://example.com/launch?ref=home#top and https://shop.example/p/42. Opted out: https://partner.example!",
		"no-links": strings.Repeat("Launch day! 🚀 Nothing to click here. ", 8),
	}
	for name, text := range texts {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			for b.Loop() {
				TagLinks(text, "mastodon", "launch", UTM{})
			}
		})
	}
}
