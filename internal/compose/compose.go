// Package compose holds per-network text rules: counting, limits, facets.
package compose

import "github.com/clipperhouse/uax29/v2/graphemes"

// Graphemes returns the number of user-perceived characters (extended
// grapheme clusters) in s: how Bluesky counts a post's length. An emoji with
// skin tone or a family emoji counts as one, as does "é" written as "e" and a
// combining accent. It segments by Unicode 17, as the reference PDS does, so
// an Indic conjunct (क्षि) counts once (rule GB9c; Unicode 15 made it two).
func Graphemes(s string) int {
	n := 0
	for g := graphemes.FromString(s); g.Next(); {
		n++
	}
	return n
}
