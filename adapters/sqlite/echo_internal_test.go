package sqlite

import "testing"

func TestAnEchoIsTheAnswerAloneOrAfterHandles(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		text string
		echo bool
	}{
		{"Thanks!", true},
		{"  Thanks!\n", true},
		{"@bo@example.social Thanks!", true},
		{"@bo @cy Thanks!", true},
		{"Great, Thanks!", false}, // a customer's words that end like the answer
		{"@bo great Thanks!", false},
		{"Thanks! Really", false},
		{"@ Thanks!", false},
	} {
		if got := isEcho(tc.text, "Thanks!"); got != tc.echo {
			t.Errorf("isEcho(%q) = %v, want %v", tc.text, got, tc.echo)
		}
	}
}
