package config

import "github.com/crier-bot/crier/internal/crier"

// closest returns the word of known nearest to word by edit distance, when it
// is near enough to be a typo of it (at most one edit in three letters, and
// at least one); "" otherwise.
func closest(word string, known []string) string {
	best, bestD := "", len(word)+1
	for _, k := range known {
		if d := crier.Distance(word, k); d < bestD {
			best, bestD = k, d
		}
	}
	if bestD == 0 || bestD > max(1, len([]rune(word))/3) {
		return ""
	}
	return best
}

// didYouMean is "; did you mean X?" for the closest of known to word, or ""
// when none is close.
func didYouMean(word string, known []string) string {
	if c := closest(word, known); c != "" {
		return "; did you mean " + c + "?"
	}
	return ""
}
