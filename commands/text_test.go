package commands_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestControlCharactersAreRefusedBeforeAnythingIsStored(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		line string
		text string
	}{
		{"a NUL in a draft", "/draft ab\x00cd",
			`✗ There is a control character (U+0000) after "ab" (character 3). Remove it and send the command again.`},
		{"a NUL in a scheduled post", "/schedule now | ab\x00cd",
			`✗ There is a control character (U+0000) after "now | ab" (character 9). Remove it and send the command again.`},
		{"an escape in a draft", "/draft \x1b[31mred",
			`✗ There is a control character (U+001B) at the start. Remove it and send the command again.`},
		{"an escape in a scheduled post", "/schedule tomorrow 9am Launch\x1b[0m",
			`✗ There is a control character (U+001B) after "tomorrow 9am Launch" (character 20). Remove it and send the command again.`},
		{"DEL", "/draft a\x7fb",
			`✗ There is a control character (U+007F) after "a" (character 2). Remove it and send the command again.`},
		{"a C1 control (next line)", "/draft a\u0085b",
			`✗ There is a control character (U+0085) after "a" (character 2). Remove it and send the command again.`},
		{"a NUL in a picture's description, on its line", "/draft Mural\nimage: https://example.com/a.jpg | A\x00b",
			`✗ There is a control character (U+0000) after "…e.com/a.jpg | A" (character 37 of line 2). Remove it and send the command again.`},
		{"a Unicode line separator", "/draft one\u2028two",
			`✗ There is a line separator (U+2028) after "one" (character 4). Use an ordinary new line instead and send the command again.`},
		{"a Unicode paragraph separator", "/draft one\u2029two",
			`✗ There is a paragraph separator (U+2029) after "one" (character 4). Use an ordinary new line instead and send the command again.`},
		{"a right-to-left override", "/draft photo\u202egpj.exe",
			`✗ There is a direction override (U+202E) after "photo" (character 6). Remove it and send the command again.`},
		{"a left-to-right override", "/draft a\u202db",
			`✗ There is a direction override (U+202D) after "a" (character 2). Remove it and send the command again.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			resp := b.say(t, ana, tt.line)
			require.True(t, resp.Error, resp.Text)
			require.Equal(t, tt.text, resp.Text)
			require.Equal(t, "invalid", resp.Code)
			posts, err := b.pub.Upcoming(context.Background(), 10)
			require.NoError(t, err)
			require.Empty(t, posts, "nothing is stored")
		})
	}
}

func TestNewLinesTabsAndDirectionMarksAreKept(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, line, stored string
	}{
		{"a new line and a tab in a draft", "/draft one\n\ttwo", "one\n\ttwo"},
		{"a new line and a tab in a scheduled post", "/schedule tomorrow 9am one\n\ttwo", "one\n\ttwo"},
		{"Windows line ends become new lines", "/draft one\r\ntwo\rthree", "one\ntwo\nthree"},
		{"right-to-left marks and isolates stay (Arabic and Hebrew need them)", "/draft \u05e9\u05dc\u05d5\u05dd \u200fhi\u2067x\u2069", "\u05e9\u05dc\u05d5\u05dd \u200fhi\u2067x\u2069"},
		{"a zero-width joiner stays (emoji need it)", "/draft \U0001F469\u200d\U0001F4BB", "\U0001F469\u200d\U0001F4BB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			resp := b.say(t, ana, tt.line)
			require.False(t, resp.Error, resp.Text)
			p, err := b.pub.Post(context.Background(), 1)
			require.NoError(t, err)
			require.Equal(t, tt.stored, p.Text)
		})
	}
}
