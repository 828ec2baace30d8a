package timeparse_test

import (
	"testing"
	"time"

	"github.com/crier-bot/crier/internal/timeparse"
)

// FuzzParseRecurrence: any phrase is read or refused, never a panic, and a
// rule read gives instants after now, in order.
func FuzzParseRecurrence(f *testing.F) {
	for _, s := range []string{"every monday 9am Tips", "every day at 10:00 Hi", "every 2 weeks on friday 3pm x", "every month on the last day",
		"every last friday 5pm x", "toda segunda às 9h Dicas", "every 31st of february", "every 9999 days", "every monday at 1730 Tips", "every"} {
		f.Add(s)
	}
	p := timeparse.New(timeparse.Options{Languages: []string{"en", "pt"}})
	lisbon, err := time.LoadLocation("Europe/Lisbon")
	if err != nil {
		f.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, lisbon)
	f.Fuzz(func(t *testing.T, phrase string) {
		rule, _, err := p.ParseRecurrence(phrase, lisbon, now)
		if err != nil {
			return
		}
		prev := now
		for range 5 {
			next := rule.Next(prev, lisbon)
			if next.IsZero() {
				return
			}
			if !next.After(prev) {
				t.Fatalf("%q: %s after %s", phrase, next, prev)
			}
			prev = next
		}
	})
}
