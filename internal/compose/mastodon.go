package compose

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// MastodonURLLength is what Mastodon counts for every link unless the
// instance says otherwise (configuration.statuses.characters_reserved_per_url).
const MastodonURLLength = 23

// MastodonLength counts text the way Mastodon's StatusLengthValidator does:
// grapheme clusters (Ruby's each_grapheme_cluster), where every http:// or
// https:// link counts as urlLength characters whatever its length, and a
// mention of a remote account, @user@domain, counts only as @user.
func MastodonLength(text string, urlLength int) int {
	if urlLength < 0 {
		urlLength = MastodonURLLength
	}
	var b strings.Builder
	b.Grow(len(text))
	placeholder := strings.Repeat("x", urlLength)
	rest := text
	for {
		start, end := nextMastodonURL(text, len(text)-len(rest))
		if start < 0 {
			mastodonMentions(&b, rest)
			break
		}
		off := len(text) - len(rest)
		mastodonMentions(&b, text[off:start])
		b.WriteString(placeholder)
		rest = text[end:]
	}
	return uniseg.GraphemeClusterCount(b.String())
}

// nextMastodonURL finds the next link that Mastodon would turn into a link
// (and count as a fixed length) at or after byte offset from: a scheme of
// http:// or https://, a host with a dot in it, and a path that does not end
// in punctuation (a closing parenthesis counts only when one opened inside
// the link). It returns the link's byte offsets, or -1, -1.
func nextMastodonURL(text string, from int) (int, int) {
	for i := from; i < len(text); {
		j := mastodonIndexFold(text[i:], "http")
		if j < 0 {
			return -1, -1
		}
		start := i + j
		i = start + 4
		p := start + 4
		if p < len(text) && (text[p] == 's' || text[p] == 'S') {
			p++
		}
		if !strings.HasPrefix(text[p:], "://") {
			continue
		}
		if start > 0 {
			prev, _ := utf8.DecodeLastRuneInString(text[:start])
			if mastodonWordRune(prev) || prev == '@' || prev == '$' || prev == '#' || prev == '＠' || prev == '＃' {
				continue
			}
		}
		hostStart := p + 3
		end := mastodonHostEnd(text, hostStart)
		host := strings.TrimRight(text[hostStart:end], ".-")
		if !mastodonValidHost(host) {
			continue
		}
		end = hostStart + len(host)
		if end < len(text) && (text[end] == ':' || text[end] == '/' || text[end] == '?' || text[end] == '#') {
			end = mastodonPathEnd(text, end)
		}
		return start, end
	}
	return -1, -1
}

// mastodonHostEnd returns the end of the host (and port) starting at i.
func mastodonHostEnd(text string, i int) int {
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '.' || r == '_') {
			break
		}
		i += size
	}
	return i
}

// mastodonValidHost accepts a host with at least two labels, the last of them
// (the top-level domain) at least two letters long.
func mastodonValidHost(host string) bool {
	dot := strings.LastIndexByte(host, '.')
	if dot <= 0 || strings.Contains(host, "..") {
		return false
	}
	tld := host[dot+1:]
	if utf8.RuneCountInString(tld) < 2 {
		return false
	}
	for _, r := range tld {
		if !unicode.IsLetter(r) && r != '-' && !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// mastodonPathEnd returns the end of a link's port, path, query and fragment
// starting at i: up to the next space, minus trailing punctuation.
func mastodonPathEnd(text string, i int) int {
	end := i
	for end < len(text) {
		r, size := utf8.DecodeRuneInString(text[end:])
		if unicode.IsSpace(r) || r == '<' || r == '>' || r == '"' {
			break
		}
		end += size
	}
	// Trim what cannot end a link: punctuation, except / = _ # + - and a
	// closing parenthesis that closes one opened inside the link.
	for end > i {
		r, size := utf8.DecodeLastRuneInString(text[:end])
		switch {
		case r == '/' || r == '=' || r == '_' || r == '#' || r == '+' || r == '-':
			return end
		case r == ')':
			if strings.Count(text[i:end], "(") >= strings.Count(text[i:end], ")") {
				return end
			}
		case !unicode.IsPunct(r) && !unicode.IsSymbol(r):
			return end
		}
		end -= size
	}
	return end
}

// mastodonMentions writes s with every @user@domain mention shortened to
// @user, as Mastodon's Account::MENTION_RE replacement does.
func mastodonMentions(b *strings.Builder, s string) {
	for i := 0; i < len(s); {
		at := strings.IndexByte(s[i:], '@')
		if at < 0 {
			b.WriteString(s[i:])
			return
		}
		at += i
		b.WriteString(s[i:at])
		user, domain := mastodonMatchMention(s, at)
		if user == 0 {
			b.WriteByte('@')
			i = at + 1
			continue
		}
		b.WriteString(s[at : at+1+user])
		i = at + 1 + user + domain
	}
}

// mastodonMatchMention matches Mastodon's MENTION_RE at s[at] (an '@'): it returns
// the byte lengths of the username and of the "@domain" part that follows
// it (0 when there is none). A username of 0 means no mention.
func mastodonMatchMention(s string, at int) (user, domain int) {
	if at > 0 {
		prev, _ := utf8.DecodeLastRuneInString(s[:at])
		if prev == '=' || prev == '/' || mastodonWordRune(prev) {
			return 0, 0
		}
	}
	// USERNAME_RE: [a-z0-9_]+([a-z0-9_.-]+[a-z0-9_]+)? — the longest run of
	// [a-z0-9_.-] that starts and ends with [a-z0-9_].
	i := at + 1
	run := i
	for run < len(s) && (mastodonUsernameByte(s[run]) || s[run] == '.' || s[run] == '-') {
		run++
	}
	end := run
	for end > i && !mastodonUsernameByte(s[end-1]) {
		end--
	}
	if end == i {
		return 0, 0
	}
	user = end - i
	// (?:@[[:word:].-]+[[:word:]]+)? — at least two characters, ending in a
	// word character.
	if end < len(s) && s[end] == '@' {
		j := end + 1
		last := j
		for j < len(s) {
			r, size := utf8.DecodeRuneInString(s[j:])
			if !mastodonWordRune(r) && r != '.' && r != '-' {
				break
			}
			j += size
			if mastodonWordRune(r) {
				last = j
			}
		}
		if last-(end+1) >= 2 {
			domain = last - end
		}
	}
	return user, domain
}

func mastodonUsernameByte(c byte) bool {
	return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

// mastodonWordRune is Ruby's [[:word:]] in a Unicode regexp: letters, marks,
// numbers and connector punctuation.
func mastodonWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsNumber(r) || unicode.Is(unicode.Pc, r)
}

// mastodonIndexFold is strings.Index for an ASCII lowercase needle, ignoring case.
func mastodonIndexFold(s, needle string) int {
	for i := 0; i+len(needle) <= len(s); i++ {
		match := true
		for k := 0; k < len(needle); k++ {
			c := s[i+k]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != needle[k] {
				match = false
				break
			}
		}
		if match {
			return i
		}
	}
	return -1
}
