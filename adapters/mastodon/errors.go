package mastodon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"

	gomastodon "github.com/mattn/go-mastodon"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/netcall"
)

// statusOf returns the HTTP status and Mastodon's error text of a refusal,
// from either go-mastodon's error or ours.
func statusOf(err error) (int, string, bool) {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.Status, ae.Message, true
	}
	var ge *gomastodon.APIError
	if errors.As(err, &ge) {
		return ge.StatusCode, ge.Message, true
	}
	return 0, "", false
}

// wrap joins the person's sentence and the cause: the sentence is what
// crier.ErrorMessage shows, the whole chain goes to the log.
func (n *Network) wrap(what string, user *crier.Error, cause error) error {
	return fmt.Errorf("mastodon %s %s: %w: %w", n.name, what, user, cause)
}

// wrapNoDeadline is wrap for errors after which nothing was published: a
// context deadline in the cause is kept as text only, so the publish job
// does not mistake it for an unclear outcome.
func (n *Network) wrapNoDeadline(what string, user *crier.Error, cause error) error {
	if errors.Is(cause, context.DeadlineExceeded) || errors.Is(cause, context.Canceled) {
		return fmt.Errorf("mastodon %s %s: %w: %v", n.name, what, user, cause)
	}
	return n.wrap(what, user, cause)
}

// authFailed explains a 401 or 403.
func (n *Network) authFailed(what string, status int, msg string, cause error) error {
	if status == http.StatusUnauthorized {
		return crier.AuthFailed(n.wrap(what, crier.Errorf(crier.EPERMANENT,
			"Mastodon refused the access token for %s (it expired or was revoked). Make a new one in Preferences → Development on %s and put it in bot.yaml.",
			n.name, n.host()), cause))
	}
	if status == http.StatusUnprocessableEntity {
		return crier.AuthFailed(n.wrap(what, crier.Errorf(crier.EPERMANENT,
			"The access token for %s belongs to an app, not to an account. Make one while logged in as the account, in Preferences → Development on %s, and put it in bot.yaml.",
			n.name, n.host()), cause))
	}
	if strings.Contains(strings.ToLower(msg), "scope") {
		return crier.AuthFailed(n.wrap(what, crier.Errorf(crier.EPERMANENT,
			"The access token for %s may not do this (it lacks the read or write:statuses scope). Make a new one with read and write in Preferences → Development on %s and put it in bot.yaml.",
			n.name, n.host()), cause))
	}
	if msg == "" {
		msg = "403 Forbidden"
	}
	return crier.AuthFailed(n.wrap(what, crier.Errorf(crier.EPERMANENT,
		"Mastodon (%s) refused the account (%q): it may be suspended, limited or not yet approved; log in on %s to see why.",
		n.name, msg, n.host()), cause))
}

// readFailed classifies the failure of a call that changes nothing on the
// instance: anything but a refusal is temporary.
func (n *Network) readFailed(what string, err error) error {
	if err == nil {
		return nil
	}
	var rl *crier.RateLimitError
	if errors.As(err, &rl) {
		return crier.RateLimited(fmt.Errorf("mastodon %s %s: %w", n.name, what, err), rl.After)
	}
	if status, msg, ok := statusOf(err); ok {
		switch {
		case status == http.StatusUnauthorized || status == http.StatusForbidden || appToken(status, msg):
			return n.authFailed(what, status, msg, err)
		case status >= 500:
			return n.wrap(what, crier.Errorf(crier.EUNAVAIL,
				"Mastodon (%s) is having trouble (%s).", n.name, statusText(status)), err)
		}
		if msg == "" {
			msg = statusText(status)
		}
		return n.wrap(what, crier.Errorf(crier.EUNAVAIL, "Mastodon (%s) refused to %s: %s.", n.name, what, msg), err)
	}
	return n.wrapNoDeadline(what, crier.Errorf(crier.EUNAVAIL,
		"crier could not reach Mastodon (%s) at %s (%s).", n.name, n.host(), reason(err)), err)
}

// createFailed classifies the failure of creating a status. The
// Idempotency-Key makes a retry safe, so a failure after which the status
// may exist is Unclear, not final.
func (n *Network) createFailed(what string, replyTo string, err error) error {
	var rl *crier.RateLimitError
	if errors.As(err, &rl) {
		return crier.RateLimited(fmt.Errorf("mastodon %s %s: %w", n.name, what, err), rl.After)
	}
	if netcall.NotSent(err) {
		return n.wrapNoDeadline(what, crier.Errorf(crier.EUNAVAIL,
			"crier could not reach Mastodon (%s) at %s (%s).", n.name, n.host(), reason(err)), err)
	}
	if status, msg, ok := statusOf(err); ok {
		switch {
		case status == http.StatusUnauthorized || status == http.StatusForbidden || appToken(status, msg):
			return n.authFailed(what, status, msg, err)
		case status == http.StatusNotFound && replyTo != "":
			return crier.Permanent(n.wrap(what, crier.Errorf(crier.EPERMANENT,
				"The comment being answered is no longer on Mastodon (%s; %s): it was deleted or hidden, so there is nothing to reply to. Mark the conversation handled.", n.name, replyTo), err))
		case status == http.StatusRequestEntityTooLarge:
			return crier.Permanent(n.wrap(what, crier.Errorf(crier.EPERMANENT,
				"Mastodon (%s) says the post is too large.", n.name), err))
		case status == http.StatusRequestTimeout || status >= 500:
			return crier.Unclear(n.wrap(what, crier.Errorf(crier.EUNAVAIL,
				"Mastodon (%s) answered %s before saying whether it stored the post.", n.name, statusText(status)), err))
		case status >= 400:
			if msg == "" {
				msg = statusText(status)
			}
			return crier.Permanent(n.wrap(what, crier.Errorf(crier.EPERMANENT,
				"Mastodon (%s) refused the post: %s.", n.name, strings.TrimRight(msg, ".")), err))
		}
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se) || errors.As(err, &te) || errors.Is(err, io.ErrUnexpectedEOF):
		return crier.Unclear(n.wrap(what, crier.Errorf(crier.EUNAVAIL,
			"Mastodon (%s) sent an answer crier could not read, so it is not known whether it stored the post.", n.name), err))
	case isTimeout(err):
		return crier.Unclear(n.wrap(what, crier.Errorf(crier.EUNAVAIL,
			"Mastodon (%s) did not answer in time, so it is not known whether it stored the post.", n.name), err))
	}
	return crier.Unclear(n.wrap(what, crier.Errorf(crier.EUNAVAIL,
		"The connection to Mastodon (%s) broke (%s) before it said whether it stored the post.", n.name, reason(err)), err))
}

// appToken reports whether a refusal says the token is an app's, with no
// account ("This method requires an authenticated user").
func appToken(status int, msg string) bool {
	return status == http.StatusUnprocessableEntity && strings.Contains(msg, "authenticated user")
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// reason is a few words on a transport error, for a person.
func reason(err error) string {
	var ns *netcall.NotSentError
	switch {
	case errors.As(err, &ns) && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)):
		return "time ran out before the request was sent"
	case isTimeout(err):
		return "timed out"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection dropped"
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return "the name " + dns.Name + " does not resolve"
	}
	return "network error"
}

func statusText(status int) string {
	if t := http.StatusText(status); t != "" {
		return fmt.Sprintf("%d %s", status, t)
	}
	return fmt.Sprint(status)
}
