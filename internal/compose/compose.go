// Package compose holds per-network text rules: counting, limits, facets.
package compose

import "github.com/rivo/uniseg"

// Graphemes returns the number of user-perceived characters (extended
// grapheme clusters) in s: how Bluesky counts a post's length. An emoji with
// skin tone or a family emoji counts as one, as does "é" written as "e" and a
// combining accent.
func Graphemes(s string) int {
	return uniseg.GraphemeClusterCount(s)
}
