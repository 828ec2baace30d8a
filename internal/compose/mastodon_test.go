package compose

import (
	"strings"
	"testing"
)

func TestMastodonLength(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		text      string
		urlLength int
		want      int
	}{
		{"empty text counts nothing", "", 23, 0},
		{"plain ASCII counts each letter", "hello", 23, 5},
		{"a family emoji counts as one character", "👨‍👩‍👧", 23, 1},
		{"a flag counts as one character", "🇵🇹", 23, 1},
		{"e with a combining accent counts as one character", "e\u0301", 23, 1},
		{"accented words count per letter", "olá, café", 23, 9},
		{"a long link counts as 23", "see https://example.com/a/very/long/path?with=query&and=more", 23, 4 + 23},
		{"a short link also counts as 23", "http://x.co", 23, 23},
		{"two links count 23 each", "https://a.example/1 and https://b.example/2", 23, 23 + 5 + 23},
		{"a full stop after a link is not part of it", "Read https://example.com/page.", 23, 5 + 23 + 1},
		{"a question mark after a link is not part of it", "Seen https://example.com?", 23, 5 + 23 + 1},
		{"a link in parentheses leaves the parentheses", "(https://example.com)", 23, 1 + 23 + 1},
		{"balanced parentheses inside a link belong to it", "(see https://en.wikipedia.org/wiki/Go_(language))", 23, 5 + 23 + 1},
		{"a trailing slash belongs to the link", "https://example.com/ ok", 23, 23 + 3},
		{"an upper-case scheme is a link", "HTTPS://EXAMPLE.COM", 23, 23},
		{"a domain without a scheme is plain text", "example.com/page", 23, 16},
		{"other schemes are plain text", "ftp://example.com", 23, 17},
		{"a scheme glued to a word is plain text", "xhttps://example.com", 23, 20},
		{"a host without a dot is plain text", "https://localhost/x", 23, 19},
		{"a link with a port counts as 23", "https://example.com:8443/x", 23, 23},
		{"the instance's own link length is used", "https://example.com/abc", 10, 10},
		{"a remote mention counts only the user", "hi @ana@example.social", 23, 7},
		{"a local mention counts in full", "hi @ana", 23, 7},
		{"a mention with dots in the name keeps them", "@ana.b@example.social!", 23, 7},
		{"an email address is not a mention", "mail ana@example.social", 23, 23},
		{"a mention after a slash is not a mention", "x/@ana@example.social", 23, 21},
		{"a lone at sign is plain text", "meet @ 5", 23, 8},
		{"a mention inside a link stays part of the link", "https://mastodon.social/@ana@example.social", 23, 23},
		{"mentions, links and emoji together", "@ana@example.social see https://example.com 🎉", 23, 9 + 23 + 2},
		{"newlines count as characters", "a\nb", 23, 3},
		{"a negative link length falls back to 23", "https://example.com", -1, 23},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := MastodonLength(tt.text, tt.urlLength); got != tt.want {
				t.Errorf("MastodonLength(%q, %d) = %d, want %d", tt.text, tt.urlLength, got, tt.want)
			}
		})
	}
}

func TestMastodonLengthOf500Characters(t *testing.T) {
	t.Parallel()
	text := strings.Repeat("a", 477) + " https://example.com/" + strings.Repeat("b", 200)
	if got := MastodonLength(text, 23); got != 477+1+23 {
		t.Errorf("MastodonLength = %d, want %d", got, 477+1+23)
	}
}

func FuzzMastodonLength(f *testing.F) {
	for _, s := range []string{"", "hello https://example.com.", "@a@b.c", "(https://x.y/(z))", "👨‍👩‍👧 @@", "http://", "https://.."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := MastodonLength(s, 23)
		if n < 0 {
			t.Fatalf("negative length %d for %q", n, s)
		}
	})
}
