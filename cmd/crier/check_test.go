package main

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/internal/crier"
)

// closedPort returns a local address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

func TestCheckSaysWhyItCannotReachANetwork(t *testing.T) {
	t.Parallel()
	const password = "s3cr-et12-app4-pass"
	addr := closedPort(t)
	cfg := writeConfig(t, fmt.Sprintf(`timezone: UTC
database: data/crier.db
networks:
  - {name: sky, kind: bluesky, pds: "http://%s", handle: crier.test, app_password: %q}
`, addr, password))
	code, out, errOut := run(t, nil, "", "check", "-config", cfg)
	require.Equal(t, 1, code)
	require.NotContains(t, out, "Something went wrong on our side")
	line := regexp.MustCompile(`(?m)^network:   sky \(bluesky\): ✗ .*$`).FindString(out)
	require.NotEmpty(t, line, out)
	require.Contains(t, line, addr, "the line says where crier tried to connect")
	require.Contains(t, line, "connection refused", "the line says why")
	require.Contains(t, errOut, "crier could not use sky; see above for why")
	require.NotContains(t, out+errOut, password)
}

func TestRedactRemovesSecretsFromBotYAML(t *testing.T) {
	t.Parallel()
	secrets := []string{"xoxb-1234-abcd", "pass/word+1", ""}
	tests := []struct{ name, in, want string }{
		{"a secret is replaced", "login failed for xoxb-1234-abcd: 401", "login failed for [redacted]: 401"},
		{"a URL-encoded secret is replaced", "GET http://h/x?p=pass%2Fword%2B1: refused", "GET http://h/x?p=[redacted]: refused"},
		{"a path-escaped secret is replaced", "GET http://h/pass%2Fword+1/x", "GET http://h/[redacted]/x"},
		{"an empty secret changes nothing", "nothing secret here", "nothing secret here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, redact(tt.in, secrets))
		})
	}
}

func TestCheckErrorsNeverShowASecret(t *testing.T) {
	t.Parallel()
	secret := "hunter2/app+pw"
	err := fmt.Errorf("bluesky login: %w", &url.Error{Op: "Post", URL: "http://pds/login?pw=" + url.QueryEscape(secret),
		Err: errors.New("dial tcp 127.0.0.1:1: connect: connection refused\n(second line)")})
	got := checkFailure(err, []string{secret})
	require.NotContains(t, got, url.QueryEscape(secret))
	require.NotContains(t, got, "\n", "one line")
	require.Equal(t, `crier could not check it: bluesky login: Post "http://pds/login?pw=[redacted]": dial tcp 127.0.0.1:1: connect: connection refused (second line)`, got)

	// A crier.Error's message is what the person reads, as before.
	require.Equal(t, "Mastodon refused the token", checkFailure(crier.Errorf(crier.EPERMANENT, "Mastodon refused the token"), nil))
}

func TestCheckWarningsNeverShowASecret(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	log := slog.New(slog.NewTextHandler(redactingWriter{w: &out, secrets: []string{"xoxb-1234-abcd"}}, nil))
	log.Warn("slack refused the token", slog.String("error", "invalid_auth for xoxb-1234-abcd"))
	require.Contains(t, out.String(), "invalid_auth for [redacted]")
	require.NotContains(t, out.String(), "xoxb-1234-abcd")
}
