package crier

import (
	"strings"
	"unicode"
)

// Quote shows a post's text as people read it in chat: on one line, in
// quotation marks, cut to max characters (max <= 0: not cut).
func Quote(text string, max int) string {
	text = strings.Join(strings.Fields(text), " ")
	if r := []rune(text); max > 0 && len(r) > max {
		text = string(r[:max-1]) + "…"
	}
	return "\u201c" + text + "\u201d"
}

// Sentence ends a reason with a full stop, so a notice that puts it
// mid-message reads as sentences.
func Sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") {
		return s
	}
	return s + "."
}

// Unwanted names what r is when it has no place in what a person types for
// crier ("" when it is fine): control characters other than new line and
// tab (C0, DEL, C1: invisible, refused by the store or passed on to networks
// as they are), the Unicode line and paragraph separators (line breaks chat
// and networks show differently, or not at all), and the direction
// overrides (U+202D, U+202E), which make text read in another order than it
// is stored ("Trojan Source"). Right-to-left marks, embeddings and isolates
// stay: Arabic and Hebrew text needs them. So do joiners (emoji need them).
func Unwanted(r rune) string {
	switch {
	case r == '\n' || r == '\t':
		return ""
	case unicode.IsControl(r):
		return "a control character"
	case r == '\u2028':
		return "a line separator"
	case r == '\u2029':
		return "a paragraph separator"
	case r == '\u202D' || r == '\u202E':
		return "a direction override"
	}
	return ""
}
