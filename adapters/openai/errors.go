package openai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"syscall"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/netcall"
)

// errTimedOut is the cause of a call's context when Timeout passed.
var errTimedOut = errors.New("the AI writer did not answer in time")

// exchange is what the HTTP layer saw of one call: go-openai's errors keep
// the status but not the headers (Retry-After).
type exchange struct {
	status int
	header http.Header
}

type exchangeKey struct{}

func withExchange(ctx context.Context, ex *exchange) context.Context {
	return context.WithValue(ctx, exchangeKey{}, ex)
}

// recorder is the HTTPDoer go-openai calls: it notes the status and headers
// of each answer in the call's exchange.
type recorder struct{ c *http.Client }

func (r recorder) Do(req *http.Request) (*http.Response, error) {
	req.Header.Set("User-Agent", netcall.UserAgent)
	resp, err := r.c.Do(req)
	if ex, ok := req.Context().Value(exchangeKey{}).(*exchange); ok && resp != nil {
		ex.status, ex.header = resp.StatusCode, resp.Header
	}
	return resp, err
}

// answerError is an error for a person (person) with its cause for the log.
// Error() is the log line; errors.As finds the *crier.Error.
type answerError struct {
	person    *crier.Error
	cause     error
	auth      bool          // the key was refused
	permanent bool          // retrying cannot help
	rate      bool          // rate limited
	after     time.Duration // the wait the server asked for, when rate
	format    bool          // a 400 naming response_format
}

func (e *answerError) Error() string   { return e.person.Message + " (" + e.cause.Error() + ")" }
func (e *answerError) Unwrap() []error { return []error{e.person, e.cause} }

// fail returns err for the caller: the API key removed from every text in
// it, and marked for crier's retry rules.
func (w *Writer) fail(err error) error {
	var ae *answerError
	if !errors.As(err, &ae) {
		ae = &answerError{
			person: crier.Errorf(crier.EUNAVAIL, "The AI writer at %s could not be used; try again.", w.host),
			cause:  err,
		}
	}
	clean := &answerError{
		person: &crier.Error{Code: ae.person.Code, Message: w.redact(ae.person.Message)},
		cause:  errors.New(w.redact(ae.cause.Error())),
		auth:   ae.auth, permanent: ae.permanent, rate: ae.rate, after: ae.after, format: ae.format,
	}
	var out error = clean
	switch {
	case ae.rate:
		out = crier.RateLimited(out, ae.after)
	case ae.auth:
		out = crier.AuthFailed(out)
	case ae.permanent:
		out = crier.Permanent(out)
	}
	return out
}

// redactErr returns err's text without the key, for the log; nil for nil.
func (w *Writer) redactErr(err error) any {
	if err == nil {
		return nil
	}
	return w.redact(crier.WithoutURL(err).Error())
}

// secretLike matches OpenAI-style keys (sk-…, sk-proj-…), whole or masked.
var secretLike = regexp.MustCompile(`sk-[A-Za-z0-9_\-*]{6,}`)

// redact removes the API key (as written, URL-escaped, and any sk-… key
// shown by a server, masked or not) from s.
func (w *Writer) redact(s string) string {
	if k := w.key; len(k) >= 4 {
		s = strings.ReplaceAll(s, k, "[redacted]")
		s = strings.ReplaceAll(s, url.QueryEscape(k), "[redacted]")
		s = strings.ReplaceAll(s, url.PathEscape(k), "[redacted]")
	}
	return secretLike.ReplaceAllString(s, "[redacted]")
}

// explain turns a failed call into an error for a person.
func (w *Writer) explain(ctx context.Context, err error, ex *exchange) error {
	host := w.host
	if errors.Is(context.Cause(ctx), errTimedOut) {
		return &answerError{
			person: crier.Errorf(crier.EUNAVAIL, "The AI writer at %s did not answer within %s; try again, or check writer.base_url.", host, seconds(w.timeout)),
			cause:  fmt.Errorf("timeout after %s: %w", w.timeout, crier.WithoutURL(err)),
		}
	}
	if ctx.Err() != nil { // the caller gave up: not the endpoint's fault
		return &answerError{
			person: crier.Errorf(crier.EUNAVAIL, "The AI writer's answer was not awaited (crier is stopping or the request was cancelled); try again."),
			cause:  fmt.Errorf("call cancelled: %w", context.Cause(ctx)),
		}
	}
	status, apiMsg, apiCode, apiParam := 0, "", "", ""
	var apiErr *goopenai.APIError
	var reqErr *goopenai.RequestError
	switch {
	case errors.As(err, &apiErr):
		status, apiMsg, apiCode = apiErr.HTTPStatusCode, apiErr.Message, fmt.Sprint(apiErr.Code)
		if apiErr.Param != nil {
			apiParam = *apiErr.Param
		}
	case errors.As(err, &reqErr):
		status, apiMsg = reqErr.HTTPStatusCode, string(reqErr.Body)
	}
	if status == 0 && ex.status >= 200 && ex.status < 300 && isJSONError(err) {
		return &answerError{
			person: crier.Errorf(crier.EUNAVAIL, "The AI writer at %s answered something that is not the JSON of Chat Completions; try again, or check writer.base_url.", host),
			cause:  fmt.Errorf("decode the answer: %w", err),
		}
	}
	if status == 0 {
		what := "cannot be reached"
		if errors.Is(err, syscall.ECONNREFUSED) {
			what = "cannot be reached (connection refused)"
		} else if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) {
			what = "closed the connection without answering"
		} else if dnsErr := (*net.DNSError)(nil); errors.As(err, &dnsErr) {
			what = "cannot be found (no such host)"
		}
		return &answerError{
			person: crier.Errorf(crier.EUNAVAIL, "The AI writer at %s %s; check that it is running and that writer.base_url is right, then try again.", host, what),
			cause:  fmt.Errorf("call: %w", crier.WithoutURL(err)),
		}
	}
	cause := fmt.Errorf("HTTP %d: %s", status, oneLine(apiMsg))
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		if status == http.StatusForbidden && apiCode == "model_not_found" {
			return &answerError{
				person: crier.Errorf(crier.EPERMANENT, "The AI writer at %s does not let this key use the model %q; choose another writer.model in bot.yaml, or give the key access to it.", host, w.model),
				cause:  cause, permanent: true,
			}
		}
		return &answerError{
			person: crier.Errorf(crier.EPERMANENT, "The AI writer at %s refused the API key; set a new key in the environment variable named in bot.yaml (writer.api_key) and restart crier.", host),
			cause:  cause, auth: true,
		}
	case status == http.StatusNotFound:
		if strings.Contains(strings.ToLower(apiMsg), "model") {
			hint := ""
			if strings.Contains(apiMsg, "try pulling it first") {
				hint = fmt.Sprintf(" (on the Ollama machine: ollama pull %s)", w.model)
			}
			return &answerError{
				person: crier.Errorf(crier.EPERMANENT, "The AI writer at %s has no model %q%s; check writer.model in bot.yaml.", host, w.model, hint),
				cause:  cause, permanent: true,
			}
		}
		return &answerError{
			person: crier.Errorf(crier.EPERMANENT, "The AI writer at %s has no Chat Completions endpoint at that address; check writer.base_url in bot.yaml (it usually ends in /v1).", host),
			cause:  cause, permanent: true,
		}
	case status == http.StatusTooManyRequests:
		if apiCode == "insufficient_quota" {
			return &answerError{
				person: crier.Errorf(crier.EPERMANENT, "The AI writer's account at %s has run out of credit; add credit or raise its limit, then try again.", host),
				cause:  cause, permanent: true,
			}
		}
		after, ok := netcall.RetryAfter(ex.header, w.clock.Now())
		when := "in a minute"
		if ok && after > 0 {
			when = "in " + seconds(after)
		}
		return &answerError{
			person: crier.Errorf(crier.EUNAVAIL, "The AI writer at %s is busy (too many requests); try again %s.", host, when),
			cause:  cause, rate: true, after: after,
		}
	case status >= 500:
		return &answerError{
			person: crier.Errorf(crier.EUNAVAIL, "The AI writer at %s had a problem of its own (HTTP %d); try again in a few minutes.", host, status),
			cause:  cause,
		}
	case apiCode == "content_filter": // Azure OpenAI filtered the prompt
		return &answerError{
			person: crier.Errorf(crier.EPERMANENT, "The AI writer refused: %s", clip(oneLine(apiMsg), 300)),
			cause:  cause, permanent: true,
		}
	}
	e := &answerError{
		person: crier.Errorf(crier.EPERMANENT, "The AI writer at %s refused the request (HTTP %d: %s); check writer.model and writer.base_url in bot.yaml.", host, status, clip(oneLine(apiMsg), 200)),
		cause:  cause, permanent: true,
	}
	e.format = status == http.StatusBadRequest &&
		(apiParam == "response_format" || strings.Contains(strings.ToLower(apiMsg), "response_format"))
	return e
}

// refusesJSONSchema reports whether err is the endpoint refusing
// response_format: a 400 that names it.
func refusesJSONSchema(err error) bool {
	var ae *answerError
	return errors.As(err, &ae) && ae.format
}

func isJSONError(err error) bool {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	return errors.As(err, &se) || errors.As(err, &te) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// seconds shows a duration to a person: "60 s", "2 min".
func seconds(d time.Duration) string {
	if d >= 2*time.Minute && d%time.Minute == 0 {
		return fmt.Sprintf("%d min", int(d/time.Minute))
	}
	s := int((d + time.Second - 1) / time.Second)
	if s >= 120 {
		return fmt.Sprintf("%d min", (s+59)/60)
	}
	return fmt.Sprintf("%d s", s)
}

// oneLine collapses whitespace, so a server's words fit in one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// clip shortens s to at most n runes, with an ellipsis.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
