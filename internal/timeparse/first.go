package timeparse

import (
	"regexp/syntax"
	"unicode"
	"unicode/utf8"
)

// byteSet is a set of bytes.
type byteSet [256]bool

// firstBytes returns the bytes a match of pattern may start with, so that
// the grammar skips rules that cannot match without running them. It errs
// on the side of "may": a pattern that can match the empty string may start
// with anything.
func firstBytes(pattern string) byteSet {
	var all byteSet
	for i := range all {
		all[i] = true
	}
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return all
	}
	set, nullable := first(re.Simplify())
	if nullable {
		return all
	}
	return set
}

func first(re *syntax.Regexp) (set byteSet, nullable bool) {
	addRune := func(r rune) {
		if r < utf8.RuneSelf {
			set[r] = true
			return
		}
		for b := 0x80; b < 256; b++ {
			set[b] = true
		}
	}
	switch re.Op {
	case syntax.OpNoMatch:
		return set, false
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return set, true
	case syntax.OpLiteral:
		if len(re.Rune) == 0 {
			return set, true
		}
		r := re.Rune[0]
		addRune(r)
		if re.Flags&syntax.FoldCase != 0 {
			for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
				addRune(f)
			}
		}
		return set, false
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			for r := lo; r <= hi && r < utf8.RuneSelf; r++ {
				set[r] = true
			}
			if hi >= utf8.RuneSelf {
				addRune(utf8.RuneSelf)
			}
		}
		return set, false
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		for i := range set {
			set[i] = true
		}
		return set, false
	case syntax.OpCapture, syntax.OpPlus:
		return first(re.Sub[0])
	case syntax.OpStar, syntax.OpQuest:
		set, _ = first(re.Sub[0])
		return set, true
	case syntax.OpRepeat:
		set, nullable = first(re.Sub[0])
		return set, nullable || re.Min == 0
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			s, n := first(sub)
			union(&set, &s)
			if !n {
				return set, false
			}
		}
		return set, true
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			s, n := first(sub)
			union(&set, &s)
			nullable = nullable || n
		}
		return set, nullable
	}
	for i := range set {
		set[i] = true
	}
	return set, true
}

func union(dst, src *byteSet) {
	for i, ok := range src {
		if ok {
			dst[i] = true
		}
	}
}
