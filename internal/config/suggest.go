package config

// closest returns the word of known nearest to word by edit distance, when it
// is near enough to be a typo of it (at most one edit in three letters, and
// at least one); "" otherwise.
func closest(word string, known []string) string {
	best, bestD := "", len(word)+1
	for _, k := range known {
		if d := distance(word, k); d < bestD {
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

// distance is the Levenshtein distance between a and b, in runes.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
