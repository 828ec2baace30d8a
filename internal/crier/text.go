package crier

import "strings"

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
