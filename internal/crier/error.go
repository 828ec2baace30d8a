// Package crier holds the domain of the crier bot: posts, deliveries, users,
// roles and the interfaces the adapters implement. It imports the standard
// library only.
package crier

import (
	"errors"
	"fmt"
	"net/url"
)

// Error codes. They tell an adapter how to present an error; the Message is
// what a person reads.
const (
	EINVALID   = "invalid"     // the person typed something we cannot use
	ENOTFOUND  = "not_found"   // an id that does not exist
	ECONFLICT  = "conflict"    // the thing exists but is in the wrong state
	EFORBIDDEN = "forbidden"   // the person lacks the role
	EINTERNAL  = "internal"    // our fault; details go to the log only
	EUNAVAIL   = "unavailable" // a network or service is temporarily unavailable
	EPERMANENT = "permanent"   // a network refused for good (bad token, content rejected)
)

// Error is an error meant for a person: Code classifies it, Message is one
// line that says what went wrong and what to type instead.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the person-facing message of err: the message of the
// first *Error in its chain, or a generic sentence for internal errors (whose
// details belong in the log, not in chat).
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Something went wrong on our side; the details are in crier's log. Please try again."
}

// WithoutURL returns the cause of a failed HTTP request without the request's
// URL, for logging: some URLs are secrets themselves (a Slack response_url, a
// Discord interaction token in the path).
func WithoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s request failed: %w", ue.Op, ue.Err)
	}
	return err
}
