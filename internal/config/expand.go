package config

import (
	"errors"
	"fmt"
	"strings"
)

// expand replaces ${NAME} in s with the environment variable NAME, looked up
// with getenv. $$ is a literal $, and a $ followed by anything but { or $ is
// kept as it is. An unset variable, an unterminated ${ and a malformed name
// are errors; their messages never hold the value of a variable.
func expand(s string, getenv func(string) (string, bool)) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return "", errors.New(`unterminated "${"; close it with "}" or write "$${" for a literal "${"`)
			}
			name := s[i+2 : i+2+end]
			if name == "" {
				return "", errors.New(`empty variable name in "${}"; write "${NAME}" or "$${}" for a literal "${}"`)
			}
			if !validVarName(name) {
				return "", fmt.Errorf(`invalid variable name %q; use letters, digits and "_", not starting with a digit`, name)
			}
			v, ok := getenv(name)
			if !ok {
				return "", fmt.Errorf("environment variable %s is not set", name)
			}
			b.WriteString(v)
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String(), nil
}

// validVarName reports whether name looks like an environment variable:
// letters, digits and underscores, not starting with a digit.
func validVarName(name string) bool {
	for i, c := range []byte(name) {
		switch {
		case c == '_', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return name != ""
}
