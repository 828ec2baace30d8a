package compose

import (
	"strings"
	"testing"
)

// BenchmarkGraphemes counts a full Bluesky post: Latin text with a link
// and emoji, and Devanagari with conjuncts.
func BenchmarkGraphemes(b *testing.B) {
	texts := map[string]string{
		"latin":      strings.Repeat("Launch day! 🚀 Read more at https://example.com/launch 👍🏽 ", 5),
		"devanagari": strings.Repeat("क्षि हिन्दी ", 25),
	}
	for name, text := range texts {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				Graphemes(text)
			}
		})
	}
}
