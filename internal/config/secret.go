package config

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Tokens, passwords and secrets, which no message ever shows. Each section
// declares its own secrets beside its keys (botToken in slack.go, …).

// secret describes a token or secret for messages.
type secret struct {
	key    string // its key under chat.slack or chat.discord
	envVar string // the variable the messages suggest
	what   string // "a bot token"
	prefix string // what it starts with; "" when anything goes
	where  string // where the app's settings show it
	scheme string // an authorization scheme crier adds itself, which must not be written ("Bot "); "" for none
}

// describe says what to set the secret to: "a bot token starting with
// "xoxb-" (Slack app → …)".
func (s secret) describe() string {
	if s.prefix == "" {
		return s.what + " (" + s.where + ")"
	}
	return fmt.Sprintf("%s starting with %q (%s)", s.what, s.prefix, s.where)
}

// tokenKinds tell apart the Slack tokens people mix up, by the prefix Slack
// gives each kind; a prefix is not a secret.
var tokenKinds = []struct{ prefix, is string }{
	{"xoxb-", "the bot token, which goes in bot_token"},
	{"xapp-", "the app-level token, which goes in app_token"},
	{"xoxp-", "a user token; crier needs the bot's"},
}

// secretValue reads a token or secret. No message holds its value, or even
// its value as written: it names the key, the variable to use and where the
// app's settings show the value.
func (d *decoder) secretValue(n *yaml.Node, path string, s secret) (string, error) {
	v, err := d.scalar(n, path, "a string")
	if err != nil {
		return "", err
	}
	switch {
	case v == "" && n.Value != "":
		// n.Value is only ${VAR}s here, so quoting it shows no secret.
		return "", d.errorf(n, path, "%s is empty; set the variable to %s", written(n), s.describe())
	case v == "":
		return "", d.errorf(n, path, "empty; write ${%s} and set that variable to %s", s.envVar, s.describe())
	case s.scheme != "" && len(v) >= len(s.scheme) && strings.EqualFold(v[:len(s.scheme)], s.scheme):
		return "", d.errorf(n, path, "starts with %q; put only the token, crier adds %q itself", s.scheme, s.scheme)
	case strings.ContainsAny(v, " \t\r\n"):
		return "", d.errorf(n, path, "contains a space or line break, which %s never has; check the variable for stray spaces or a trailing newline", s.what)
	}
	if s.prefix != "" && (!strings.HasPrefix(v, s.prefix) || len(v) == len(s.prefix)) {
		msg := fmt.Sprintf("must be %s", s.describe())
		for _, k := range tokenKinds {
			if k.prefix != s.prefix && strings.HasPrefix(v, k.prefix) {
				msg += "; this one is " + k.is
			}
		}
		return "", d.errorf(n, path, "%s", msg)
	}
	return v, nil
}
