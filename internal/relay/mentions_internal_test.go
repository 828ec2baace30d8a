package relay

import "testing"

func TestMentionsIsAWholeHandle(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		text, handle string
		want         bool
	}{
		{"@ana@example.social thanks", "@ana@example.social", true},
		{"Thanks @Ana@Example.Social!", "@ana@example.social", true},
		{"@anabel@example.social hi", "@ana@example.social", false},
		{"@ana@example.social.org hi", "@ana@example.social", false},
		{"hi @anabel and @ana@example.social", "@ana@example.social", true},
		{"no mention", "@ana@example.social", false},
	} {
		if got := mentions(c.text, c.handle); got != c.want {
			t.Errorf("mentions(%q, %q) = %v, want %v", c.text, c.handle, got, c.want)
		}
	}
}
