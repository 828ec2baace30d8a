package crier_test

import (
	"testing"

	"github.com/crier-bot/crier/internal/crier"
)

func TestQuote(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text string
		max        int
		want       string
	}{
		{"a short text is quoted as it is", "Launch day!", 80, "“Launch day!”"},
		{"lines and runs of spaces become one space", "Launch\n\nday  is here", 0, "“Launch day is here”"},
		{"a long text is cut to max characters with an ellipsis", "abcdefghij", 5, "“abcd…”"},
		{"characters, not bytes, are counted", "ççççççç", 4, "“ççç…”"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := crier.Quote(tt.text, tt.max); got != tt.want {
				t.Fatalf("Quote(%q, %d) = %q, want %q", tt.text, tt.max, got, tt.want)
			}
		})
	}
}
