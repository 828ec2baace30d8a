package slack

import (
	"errors"
	"strings"

	slackapi "github.com/slack-go/slack"
)

// refusedCodes are Slack's error codes for a token it does not accept.
func refusedCodes() []string {
	return []string{"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive", "not_allowed_token_type"}
}

// TokenRefused reports whether err is Slack answering that a token is not
// accepted, as opposed to Slack not answering at all.
func TokenRefused(err error) bool {
	if err == nil {
		return false
	}
	var se slackapi.SlackErrorResponse
	if errors.As(err, &se) {
		return refusedCode(se.Err)
	}
	// Socket mode and some calls report the code only in the text.
	msg := err.Error()
	for _, code := range refusedCodes() {
		if strings.Contains(msg, code) {
			return true
		}
	}
	return false
}

func refusedCode(code string) bool {
	for _, c := range refusedCodes() {
		if c == code {
			return true
		}
	}
	return false
}
