package commands

import (
	"fmt"
	"strings"

	"github.com/crier-bot/crier/internal/crier"
)

// newLines turns Windows ("\r\n") and old Mac ("\r") line ends into "\n":
// they are line breaks, typed or pasted, not characters of their own.
func newLines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// unwanted says what r is and what to do about it when it has no place in
// a command (crier.Unwanted).
func unwanted(r rune) (what, fix string, bad bool) {
	what = crier.Unwanted(r)
	switch what {
	case "":
		return "", "", false
	case "a line separator", "a paragraph separator":
		return what, "Use an ordinary new line instead and send the command again.", true
	}
	return what, "Remove it and send the command again.", true
}

// refuseUnwanted returns an error naming the first character of text that
// has no place in a command (see unwanted), and where it is: after which
// characters, at which character of which line.
func refuseUnwanted(text string) error {
	line, col := 1, 0
	start := 0 // byte offset of the current line
	for i, r := range text {
		col++
		if r == '\n' {
			line, col, start = line+1, 0, i+1
			continue
		}
		what, fix, bad := unwanted(r)
		if !bad {
			continue
		}
		where := fmt.Sprintf("(character %d)", col)
		if strings.Contains(text, "\n") {
			where = fmt.Sprintf("(character %d of line %d)", col, line)
		}
		before := []rune(text[start:i])
		switch {
		case len(before) == 0 && strings.Contains(text, "\n"):
			where = fmt.Sprintf("at the start of line %d", line)
		case len(before) == 0:
			where = "at the start"
		default:
			if len(before) > 20 {
				before = append([]rune("…"), before[len(before)-15:]...)
			}
			where = fmt.Sprintf("after %q %s", string(before), where)
		}
		return crier.Errorf(crier.EINVALID, "There is %s (U+%04X) %s. %s", what, r, where, fix)
	}
	return nil
}
