package crier

import "strings"

// Closest returns the name in names nearest to name (by edit distance,
// ignoring case) when it is near enough to be a typo of it, else "".
func Closest(name string, names []string) string {
	name = strings.ToLower(name)
	best, bestD := "", max(2, len([]rune(name))/3)+1
	for _, n := range names {
		if d := Distance(name, strings.ToLower(n)); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// Distance is the edit distance (Levenshtein) between a and b, in runes.
func Distance(a, b string) int {
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
