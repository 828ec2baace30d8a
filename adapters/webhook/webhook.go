// Package webhook is a Network that publishes posts as signed HTTP POSTs to
// a URL a team chooses (a bridge to a network crier has no adapter for, an
// automation tool, a website), and takes comments back through a signed HTTP
// endpoint.
//
// # Posts
//
// Each post is one POST to the configured URL with a JSON body:
//
//	{"type":"post","id":"<idempotency key>","network":"<name in bot.yaml>",
//	 "post_id":42,"text":"…","due_at":"2026-11-24T09:00:00Z",
//	 "images":[{"url":"https://…","alt":"…"}]}
//
// A reply to a comment has "type":"reply" and "in_reply_to":"<the comment's
// id>". "images" is always an array (empty when none); "post_id" and
// "in_reply_to" are left out when there is none; "due_at" is RFC 3339 in UTC.
// A ping (sent by `crier check`) is {"type":"ping","network":"<name>"}.
//
// The headers are:
//
//	Content-Type: application/json
//	User-Agent: crier
//	Idempotency-Key: <the same id as in the body>   (not on a ping)
//	X-Crier-Event: post | reply | ping
//	X-Crier-Timestamp: <unix seconds when sent>
//	X-Crier-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
//
// # Verifying a request
//
// A receiver recomputes the HMAC-SHA256 of the X-Crier-Timestamp value, a
// full stop and the raw body bytes (before any JSON decoding), keyed with the
// shared secret, and compares its hex form with X-Crier-Signature in constant
// time; it refuses the request when the timestamp is more than 5 minutes from
// its own clock. In Go, call Verify. In a shell:
//
//	printf '%s.%s' "$timestamp" "$body" | openssl dgst -sha256 -hmac "$secret"
//
// Each attempt is signed anew, so a retry carries a new timestamp and
// signature but the same body and Idempotency-Key.
//
// # Answers
//
// Any 2xx means the post is published; a JSON body with "id" and "url" gives
// the post's id and link (otherwise the id is the idempotency key). 401 and
// 403 mean the secret does not match: a refused credential, like a wrong
// Mastodon token, so the post waits and is sent once the secrets match
// (nothing was stored, so that is safe); 404 and 410 that nothing answers at the
// URL; 429 asks crier to wait (Retry-After, in seconds or as a date); other
// 4xx refuse the post for good, and the first line of the body is shown to
// the team. 408, 409 and 5xx, a timeout or a dropped connection leave it
// unclear whether the post was received. Redirects are not followed.
//
// With deduplicates: true in bot.yaml the receiver promises to answer a
// repeated Idempotency-Key (kept at least 24 hours) with the first answer,
// without publishing again: crier then retries unclear failures. Without it
// crier sends each post at most once, and after an unclear failure asks a
// person to check.
//
// # Comments
//
// CommentHandler takes comments back: a POST signed the same way, with the
// same secret, whose body is
//
//	{"id":"…","url":"…","kind":"reply","root_id":"…","parent_id":"…",
//	 "author_id":"…","author_handle":"…","author_name":"…","text":"…",
//	 "created_at":"2026-11-24T09:05:00Z"}
//
// where id and text are required, kind is reply, mention or quote, and
// created_at is RFC 3339. It answers 204 when the comment is taken.
package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/netcall"
)

// Defaults for Options.
const (
	DefaultLimit         = 10000
	DefaultRatePerSecond = 5
)

// maxBody bounds every body read: answers from the receiver and comments
// sent to crier.
const maxBody = 1 << 20

// keyWindow is how long a deduplicating receiver must keep its keys.
const keyWindow = 24 * time.Hour

// Log keys.
const (
	logNetwork = "network"
	logURL     = "url"
	logStatus  = "status"
	logKey     = "idempotency_key"
	logReason  = "reason"
	logError   = "error"
)

// Options configure a webhook Network.
type Options struct {
	Name   string
	URL    string // where posts are POSTed
	Secret string // HMAC-SHA256 signing secret; also verifies inbound comments
	Limit  int    // characters; 0 means DefaultLimit
	// Deduplicates says the receiver honours Idempotency-Key and keeps keys
	// for at least 24 hours. When false crier publishes at most once and
	// asks a person after an unclear failure.
	Deduplicates  bool
	RatePerSecond float64      // 0 means DefaultRatePerSecond; +Inf does not pace
	HTTPClient    *http.Client // nil means a client with a 30 s timeout
	Clock         crier.Clock  // nil means crier.SystemClock{}
	Logger        *slog.Logger // nil discards
}

// Network publishes posts to a webhook. It is safe for concurrent use.
type Network struct {
	name    string
	url     string
	where   string // scheme://host/path: safe to show and log
	host    string // host/path, for "nothing answers at …"
	secret  string
	limit   int
	dedup   bool
	client  *http.Client
	limiter *rate.Limiter
	clock   crier.Clock
	log     *slog.Logger

	mu        sync.Mutex           // guards replays and nextSweep
	replays   map[string]time.Time // accepted comment signatures → when they expire
	nextSweep time.Time
}

var (
	_ crier.Network     = (*Network)(nil)
	_ crier.KeyWindower = (*Network)(nil)
	_ crier.Replier     = (*Network)(nil)
	_ crier.Verifier    = (*Network)(nil)
)

// New returns a webhook network. It checks the options but does not call
// the URL (Verify does).
func New(opts Options) (*Network, error) {
	if opts.Name == "" {
		return nil, crier.Errorf(crier.EINVALID, "a webhook network needs a name")
	}
	u, err := url.Parse(opts.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// url.Parse's error quotes the whole URL, query included: leave it out.
		return nil, crier.Errorf(crier.EINVALID, "webhook %s: url must be an http:// or https:// address", opts.Name)
	}
	if opts.Secret == "" {
		return nil, crier.Errorf(crier.EINVALID, "webhook %s: secret is required (any long random string, shared with the receiver)", opts.Name)
	}
	if opts.Limit < 0 {
		return nil, crier.Errorf(crier.EINVALID, "webhook %s: limit must not be negative", opts.Name)
	}
	if opts.RatePerSecond < 0 {
		return nil, crier.Errorf(crier.EINVALID, "webhook %s: rate must not be negative", opts.Name)
	}
	if opts.Limit == 0 {
		opts.Limit = DefaultLimit
	}
	if opts.RatePerSecond == 0 {
		opts.RatePerSecond = DefaultRatePerSecond
	}
	if opts.Clock == nil {
		opts.Clock = crier.SystemClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	var client http.Client
	if opts.HTTPClient != nil {
		client = *opts.HTTPClient // a copy: the caller's client keeps its redirect policy
	} else {
		client.Timeout = 30 * time.Second
	}
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	limit := rate.Limit(opts.RatePerSecond)
	if math.IsInf(opts.RatePerSecond, 1) {
		limit = rate.Inf // no pacing: rate.Limiter's own infinity, not +Inf arithmetic
	}
	return &Network{
		name:    opts.Name,
		url:     opts.URL,
		where:   redact(u),
		host:    u.Host + u.EscapedPath(),
		secret:  opts.Secret,
		limit:   opts.Limit,
		dedup:   opts.Deduplicates,
		client:  &client,
		limiter: rate.NewLimiter(limit, 1),
		clock:   opts.Clock,
		log:     opts.Logger,
		replays: map[string]time.Time{},
	}, nil
}

// redact returns scheme://host/path of u: no user, password, query or
// fragment, which may hold tokens.
func redact(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}).String()
}

// Name returns the network's name in bot.yaml.
func (n *Network) Name() string { return n.name }

// Kind returns "webhook".
func (n *Network) Kind() string { return "webhook" }

// Check counts characters (Unicode code points) against the limit.
func (n *Network) Check(text string) crier.Count {
	return crier.Count{Used: utf8.RuneCountInString(text), Limit: n.limit, Unit: "characters"}
}

// KeyWindow returns 24 hours when the receiver deduplicates, else 0 (it
// cannot, and an unclear publish goes to a person).
func (n *Network) KeyWindow() time.Duration {
	if n.dedup {
		return keyWindow
	}
	return 0
}

// Payload is the JSON body of a post or reply, for receivers written in Go.
type Payload struct {
	Type      string    `json:"type"` // "post" or "reply"
	ID        string    `json:"id"`   // the idempotency key
	Network   string    `json:"network"`
	PostID    int64     `json:"post_id,omitempty"`
	Text      string    `json:"text"`
	DueAt     time.Time `json:"due_at,omitzero"`
	Images    []Image   `json:"images"`
	InReplyTo string    `json:"in_reply_to,omitempty"`
}

// Image is an image of a Payload.
type Image struct {
	URL string `json:"url"`
	Alt string `json:"alt"`
}

// ping is the body of Verify's request.
type ping struct {
	Type    string `json:"type"`
	Network string `json:"network"`
}

// Publish POSTs the post to the webhook.
func (n *Network) Publish(ctx context.Context, req crier.PublishRequest) (crier.PublishResult, error) {
	return n.deliver(ctx, "post", req)
}

// Reply POSTs the reply to the webhook, with in_reply_to set.
func (n *Network) Reply(ctx context.Context, req crier.PublishRequest) (crier.PublishResult, error) {
	if req.InReplyTo == "" {
		return crier.PublishResult{}, crier.Permanent(fmt.Errorf("webhook %s reply: nothing to reply to (no in_reply_to)", n.name))
	}
	return n.deliver(ctx, "reply", req)
}

func (n *Network) deliver(ctx context.Context, typ string, req crier.PublishRequest) (crier.PublishResult, error) {
	if req.IdempotencyKey == "" {
		return crier.PublishResult{}, crier.Permanent(fmt.Errorf("webhook %s %s: no idempotency key", n.name, typ))
	}
	p := Payload{
		Type: typ, ID: req.IdempotencyKey, Network: n.name, PostID: req.PostID,
		Text: req.Text, Images: make([]Image, 0, len(req.Images)), InReplyTo: req.InReplyTo,
	}
	if !req.DueAt.IsZero() {
		p.DueAt = req.DueAt.UTC().Truncate(time.Second)
	}
	for _, im := range req.Images {
		p.Images = append(p.Images, Image{URL: im.URL, Alt: im.Alt})
	}
	if err := checkUTF8(p); err != nil {
		return crier.PublishResult{}, err
	}
	body, err := json.Marshal(p)
	if err != nil {
		return crier.PublishResult{}, fmt.Errorf("webhook %s %s: %w", n.name, typ, err)
	}
	resp, err := n.post(ctx, typ, req.IdempotencyKey, body)
	if err != nil {
		return crier.PublishResult{}, err
	}
	what := "the post"
	if typ == "reply" {
		what = "the answer"
	}
	if err := n.refusal(resp, what); err != nil {
		n.log.Debug("webhook refused", slog.String(logNetwork, n.name), slog.String(logURL, n.where),
			slog.Int(logStatus, resp.status), slog.String(logKey, req.IdempotencyKey))
		return crier.PublishResult{}, err
	}
	res := crier.PublishResult{RemoteID: req.IdempotencyKey}
	var ans struct {
		ID  json.RawMessage `json:"id"`
		URL string          `json:"url"`
	}
	if json.Unmarshal(resp.body, &ans) == nil {
		if id := rawID(ans.ID); id != "" {
			res.RemoteID = id
		}
		res.URL = ans.URL
	}
	n.log.Debug("webhook delivered", slog.String(logNetwork, n.name), slog.String(logURL, n.where),
		slog.Int(logStatus, resp.status), slog.String(logKey, req.IdempotencyKey))
	return res, nil
}

// rawID reads an "id" that is a JSON string or number.
func rawID(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var num json.Number
	if json.Unmarshal(raw, &num) == nil {
		return num.String()
	}
	return ""
}

// checkUTF8 refuses text that is not valid UTF-8: JSON would silently turn
// it into U+FFFD.
func checkUTF8(p Payload) error {
	bad := ""
	switch {
	case !utf8.ValidString(p.Text):
		bad = "The text"
	case !utf8.ValidString(p.InReplyTo):
		bad = "The id of the comment to answer"
	default:
		for _, im := range p.Images {
			if !utf8.ValidString(im.URL) || !utf8.ValidString(im.Alt) {
				bad = "An image's address or description"
			}
		}
	}
	if bad == "" {
		return nil
	}
	return crier.Permanent(crier.Errorf(crier.EPERMANENT, "%s is not valid UTF-8 text; retype it and schedule the post again.", bad))
}

// Verify POSTs a signed ping and says where crier posts.
func (n *Network) Verify(ctx context.Context) (crier.Account, error) {
	body, err := json.Marshal(ping{Type: "ping", Network: n.name})
	if err != nil {
		return crier.Account{}, fmt.Errorf("webhook %s ping: %w", n.name, err)
	}
	resp, err := n.post(ctx, "ping", "", body)
	if err != nil {
		return crier.Account{}, err
	}
	if err := n.refusal(resp, ""); err != nil {
		return crier.Account{}, err
	}
	acct := crier.Account{Name: n.where, Limits: strconv.Itoa(n.limit) + " characters"}
	if !n.dedup {
		acct.Problems = append(acct.Problems, "the receiver does not deduplicate: after a timeout crier asks a person instead of retrying")
	}
	return acct, nil
}

// response is what the receiver answered.
type response struct {
	status int
	header http.Header
	body   []byte // at most maxBody bytes
}

// post sends one signed POST. key is the idempotency key ("" for a ping). A
// transport error after the request may have been sent is unclear for a post
// or reply; one before (netcall.NotSent), or for a ping, is temporary.
func (n *Network) post(ctx context.Context, event, key string, body []byte) (response, error) {
	if err := n.waitTurn(ctx); err != nil {
		return response{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.url, bytes.NewReader(body))
	if err != nil {
		return response{}, fmt.Errorf("webhook %s %s: new request to %s failed", n.name, event, n.where)
	}
	if !n.dedup {
		// net/http resends a request that carries Idempotency-Key when a
		// kept-alive connection breaks, even after writing it. A receiver
		// that does not deduplicate would publish twice: without GetBody the
		// transport cannot resend.
		req.GetBody = nil
	}
	now := n.clock.Now()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "crier")
	req.Header.Set(HeaderEvent, event)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(HeaderSignature, Sign(n.secret, now, body))

	resp, err := netcall.Do(n.client, req)
	if err != nil {
		return response{}, n.transportError(event, key, err)
	}
	defer resp.Body.Close()
	out := response{status: resp.StatusCode, header: resp.Header}
	// A body cut short still leaves the status, which decides.
	out.body, _ = io.ReadAll(io.LimitReader(resp.Body, maxBody))
	return out, nil
}

// transportError explains a request that got no answer. *url.Error is
// unwrapped: its text quotes the whole URL, query string included.
func (n *Network) transportError(event, key string, err error) error {
	sent := !netcall.NotSent(err)
	why := "the connection failed"
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		why = "it did not answer in time"
	case errors.Is(err, context.Canceled):
		why = "crier stopped waiting"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	n.log.Debug("webhook did not answer", slog.String(logNetwork, n.name), slog.String(logURL, n.where),
		slog.String(logKey, key), slog.String(logReason, why), slog.String(logError, err.Error()))
	if sent && key != "" {
		return crier.Unclear(fmt.Errorf("webhook %s %s: %w: %w", n.name, event, crier.Errorf(crier.EUNAVAIL,
			"The webhook for %s was sent the %s, but %s.", n.name, event, why), err))
	}
	return fmt.Errorf("webhook %s %s: %w: %w", n.name, event, crier.Errorf(crier.EUNAVAIL,
		"The webhook at %s cannot be reached (%s).", n.where, why), err)
}

// refusal returns nil for a 2xx answer and explains any other. what is
// "the post" or "the answer" for a request that creates one (whose 5xx is
// unclear), "" for a ping.
func (n *Network) refusal(r response, what string) error {
	s, create := r.status, what != ""
	switch {
	case s >= 200 && s < 300:
		return nil
	case s >= 300 && s < 400:
		loc, err := url.Parse(r.header.Get("Location"))
		if err != nil || r.header.Get("Location") == "" {
			return crier.Permanent(crier.Errorf(crier.EPERMANENT,
				"The webhook URL for %s answers with a redirect (%s) and no address; put the final URL in bot.yaml.", n.name, statusText(s)))
		}
		base, _ := url.Parse(n.url)
		return crier.Permanent(crier.Errorf(crier.EPERMANENT,
			"The webhook URL for %s redirects to %s; put the final URL in bot.yaml.", n.name, redact(base.ResolveReference(loc))))
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		return crier.AuthFailed(crier.Errorf(crier.EPERMANENT,
			"The webhook for %s refused crier's signature. Check that its secret matches `secret` in bot.yaml.", n.name))
	case s == http.StatusNotFound || s == http.StatusGone:
		return crier.Permanent(crier.Errorf(crier.EPERMANENT,
			"The webhook for %s says nothing answers at %s (%s); check `url` in bot.yaml.", n.name, n.host, statusText(s)))
	case s == http.StatusTooManyRequests:
		return crier.RateLimited(crier.Errorf(crier.EUNAVAIL,
			"The webhook for %s asks crier to slow down.", n.name), retryAfter(r.header, n.clock.Now()))
	case s == http.StatusRequestTimeout || s == http.StatusConflict || s >= 500:
		if create {
			return crier.Unclear(crier.Errorf(crier.EUNAVAIL,
				"The webhook for %s answered %s.", n.name, statusText(s)))
		}
		return crier.Errorf(crier.EUNAVAIL, "The webhook for %s answered %s.", n.name, statusText(s))
	case s >= 400:
		if !create {
			what = "crier's ping"
		}
		if line := firstLine(r.body); line != "" {
			return crier.Permanent(crier.Errorf(crier.EPERMANENT, "The webhook for %s refused %s: %s", n.name, what, line))
		}
		return crier.Permanent(crier.Errorf(crier.EPERMANENT, "The webhook for %s refused %s with %s.", n.name, what, statusText(s)))
	}
	return crier.Errorf(crier.EUNAVAIL, "The webhook for %s answered %s.", n.name, statusText(s))
}

func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return strconv.Itoa(code) + " " + t
	}
	return strconv.Itoa(code)
}

// firstLine returns the first non-blank line of body, clipped to 200 bytes
// of valid UTF-8 with control characters turned into spaces.
func firstLine(body []byte) string {
	s := string(body)
	for line := range strings.Lines(s) {
		if line = strings.TrimSpace(line); line != "" {
			s = line
			break
		}
	}
	s = strings.TrimSpace(s)
	if len(s) > 200 {
		s = s[:200]
	}
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// retryAfter reads a Retry-After header: seconds or an HTTP date. 0 when
// absent, unreadable or past.
func retryAfter(h http.Header, now time.Time) time.Duration {
	d, _ := netcall.RetryAfter(h, now)
	return d
}

// waitTurn waits on crier's clock for the receiver's rate (bot.yaml's
// rate). A wait that would outlast ctx is a rate-limit answer at once, so
// the post waits its turn without spending an attempt (as a 429 would).
func (n *Network) waitTurn(ctx context.Context) error {
	now := n.clock.Now()
	r := n.limiter.ReserveN(now, 1)
	if !r.OK() {
		return fmt.Errorf("webhook %s: the rate limiter refused the request", n.name)
	}
	d := r.DelayFrom(now)
	if d <= 0 {
		return nil
	}
	if !netcall.Fits(ctx, d) {
		r.CancelAt(now)
		return crier.RateLimited(crier.Errorf(crier.EUNAVAIL,
			"crier is pacing posts to %s at %g a second (rate: in bot.yaml).", n.name, float64(n.limiter.Limit())), d)
	}
	if err := crier.Sleep(ctx, n.clock, d); err != nil {
		r.CancelAt(n.clock.Now())
		return fmt.Errorf("webhook %s: wait for rate limit: %w", n.name, err)
	}
	return nil
}
