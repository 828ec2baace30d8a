package bluesky

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/netcall"
)

// maxResponse bounds the body crier reads from the PDS.
const maxResponse = 8 << 20

// call is one XRPC request.
type call struct {
	post        bool
	nsid        string
	query       url.Values
	body        []byte // JSON, or the blob for uploadBlob
	contentType string // "" = application/json
	appView     bool   // an app.bsky.* read: proxied to the AppView
}

// xrpcError is an error answer from the PDS: {"error": …, "message": …}.
type xrpcError struct {
	NSID    string
	Status  int
	Name    string // "ExpiredToken", "InvalidRequest", …
	Message string
	After   time.Duration // for 429: how long Bluesky asked to wait
}

func (e *xrpcError) Error() string {
	return fmt.Sprintf("%s: HTTP %d %s: %s", e.NSID, e.Status, e.Name, e.Message)
}

// sendError is a request that got no answer (or no readable one).
type sendError struct {
	NSID    string
	Err     error
	Decoded bool // the answer was 2xx but its body could not be read
}

func (e *sendError) Error() string { return e.NSID + ": " + e.Err.Error() }
func (e *sendError) Unwrap() error { return e.Err }

// do sends c with the bearer token (none when token is "") and decodes a
// 2xx answer into out.
func (n *Network) do(ctx context.Context, c call, token string, out any) error {
	if err := n.waitRateLimit(ctx); err != nil {
		return err
	}
	u := n.pds + "/xrpc/" + c.nsid
	if len(c.query) > 0 {
		u += "?" + c.query.Encode()
	}
	method, body := http.MethodGet, io.Reader(nil)
	if c.post {
		method, body = http.MethodPost, bytes.NewReader(c.body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return fmt.Errorf("%s: %w", c.nsid, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", netcall.UserAgent)
	if c.post {
		ct := c.contentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if c.appView && n.appView != "" {
		// Without the header the PDS uses the AppView it is set up with;
		// naming one it cannot resolve fails every read.
		req.Header.Set("atproto-proxy", n.appView)
	}
	resp, err := netcall.Do(n.client, req)
	if err != nil {
		return &sendError{NSID: c.nsid, Err: err}
	}
	defer resp.Body.Close()
	n.noteRateLimit(resp)
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if err != nil {
			return &sendError{NSID: c.nsid, Err: err, Decoded: true}
		}
		if out != nil {
			if err := json.Unmarshal(data, out); err != nil {
				return &sendError{NSID: c.nsid, Err: fmt.Errorf("unreadable answer: %w", err), Decoded: true}
			}
		}
		return nil
	}
	xe := &xrpcError{NSID: c.nsid, Status: resp.StatusCode}
	var body2 struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(data, &body2) == nil {
		xe.Name, xe.Message = body2.Error, body2.Message
	}
	if xe.Name == "" {
		xe.Name = http.StatusText(resp.StatusCode)
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		xe.After = n.retryAfter(resp.Header)
	}
	return xe
}

// retryAfter reads how long a 429 asks to wait: ratelimit-reset (unix
// seconds) or Retry-After (seconds or a date); 0 when neither says.
func (n *Network) retryAfter(h http.Header) time.Duration {
	now := n.clock.Now()
	if reset, err := strconv.ParseInt(h.Get("ratelimit-reset"), 10, 64); err == nil {
		return max(time.Unix(reset, 0).Sub(now), 0)
	}
	d, _ := netcall.RetryAfter(h, now)
	return d
}

// noteRateLimit remembers when Bluesky said the budget is used up
// (ratelimit-remaining: 0), so that later calls wait for ratelimit-reset.
func (n *Network) noteRateLimit(resp *http.Response) {
	if resp.Header.Get("ratelimit-remaining") != "0" {
		return
	}
	reset, err := strconv.ParseInt(resp.Header.Get("ratelimit-reset"), 10, 64)
	if err != nil {
		return
	}
	until := time.Unix(reset, 0)
	n.mu.Lock()
	if until.After(n.blockedUntil) {
		n.blockedUntil = until
	}
	n.mu.Unlock()
	n.log.Info("bluesky rate limit used up", "network", n.name, "until", until.UTC().Format(time.RFC3339))
}

// waitRateLimit waits until the budget Bluesky said was used up is back,
// unless that is beyond ctx's deadline: then it returns a RateLimited error
// at once.
func (n *Network) waitRateLimit(ctx context.Context) error {
	n.mu.Lock()
	until := n.blockedUntil
	n.mu.Unlock()
	d := until.Sub(n.clock.Now())
	if d <= 0 {
		return nil
	}
	return n.sleep(ctx, d, crier.Errorf(crier.EUNAVAIL, "Bluesky's rate limit for %s is used up until %s", n.name, until.UTC().Format("15:04:05 MST")))
}

// waitWrite takes the points of one created record from the account's
// write budget, waiting when it is short (unless ctx ends first).
func (n *Network) waitWrite(ctx context.Context) error {
	now := n.clock.Now()
	r := n.writes.ReserveN(now, createPoints)
	if !r.OK() {
		return crier.RateLimited(crier.Errorf(crier.EUNAVAIL, "crier's write budget for %s is empty", n.name), time.Hour)
	}
	d := r.DelayFrom(now)
	if d <= 0 {
		return nil
	}
	if err := n.sleep(ctx, d, crier.Errorf(crier.EUNAVAIL, "crier has used the hourly write budget Bluesky allows for %s; it will post again in %s", n.name, d.Round(time.Second))); err != nil {
		r.CancelAt(n.clock.Now())
		return err
	}
	return nil
}

// sleep waits d, or returns RateLimited(msg, d) at once when ctx's deadline
// comes first, or ctx's error when ctx ends while waiting.
func (n *Network) sleep(ctx context.Context, d time.Duration, msg error) error {
	if !netcall.Fits(ctx, d) {
		return crier.RateLimited(msg, d)
	}
	return crier.Sleep(ctx, n.clock, d)
}

// isTokenError reports an access or refresh token the PDS no longer takes.
func isTokenError(err error) bool {
	var xe *xrpcError
	return errors.As(err, &xe) && (xe.Status == 400 || xe.Status == 401) &&
		(xe.Name == "ExpiredToken" || xe.Name == "InvalidToken")
}

// isNotFound reports getRecord's RecordNotFound (HTTP 400 on the reference
// PDS; some PDSes answer 404).
func isNotFound(err error) bool {
	var xe *xrpcError
	return errors.As(err, &xe) && (xe.Name == "RecordNotFound" || (xe.Status == 404 && xe.NSID == "com.atproto.repo.getRecord"))
}

// isRepoNotFound reports getRecord of a repo the AppView does not know
// (the account was deleted, deactivated or taken down): the reference
// AppView answers 400 InvalidRequest "Could not find repo: …".
func isRepoNotFound(err error) bool {
	var xe *xrpcError
	return errors.As(err, &xe) && xe.NSID == "com.atproto.repo.getRecord" && xe.Status == http.StatusBadRequest &&
		xe.Name == "InvalidRequest" && strings.HasPrefix(xe.Message, "Could not find repo")
}

// explain turns a failed call into the error crier acts on: auth problems,
// rate limits, permanent refusals, and temporary trouble (retried).
func (n *Network) explain(op string, err error) error {
	if err == nil {
		return nil
	}
	var (
		auth *crier.AuthError
		perm *crier.PermanentError
		rl   *crier.RateLimitError
		un   *crier.UnclearError
	)
	if errors.As(err, &auth) || errors.As(err, &perm) || errors.As(err, &rl) || errors.As(err, &un) {
		return fmt.Errorf("bluesky %s: %w", op, err)
	}
	var se *sendError
	if errors.As(err, &se) && !errors.Is(err, context.Canceled) {
		// Not answered: retried, and said plainly (crier check shows it).
		return fmt.Errorf("bluesky %s: %w: %w", op, n.unreachable(se), err)
	}
	var xe *xrpcError
	if !errors.As(err, &xe) {
		return fmt.Errorf("bluesky %s: %w", op, err) // not answered: retried
	}
	switch {
	case xe.Status == http.StatusTooManyRequests:
		msg := crier.Errorf(crier.EUNAVAIL, "Bluesky asks crier to slow down for %s", n.name)
		return crier.RateLimited(fmt.Errorf("bluesky %s: %w: %w", op, msg, err), xe.After)
	case xe.Name == "AccountTakedown":
		return crier.AuthFailed(fmt.Errorf("bluesky %s: %w", op, crier.Errorf(crier.EPERMANENT,
			"Bluesky has taken down the account %s of %s; crier cannot post there until Bluesky restores it.", n.ident, n.name)))
	case xe.Name == "AccountDeactivated":
		return crier.AuthFailed(fmt.Errorf("bluesky %s: %w", op, crier.Errorf(crier.EPERMANENT,
			"The Bluesky account %s of %s is deactivated; log in at bsky.app to reactivate it.", n.ident, n.name)))
	case isTokenError(err) || xe.Status == http.StatusUnauthorized || xe.Status == http.StatusForbidden:
		return crier.AuthFailed(fmt.Errorf("bluesky %s: %w: %w", op, crier.Errorf(crier.EPERMANENT,
			"Bluesky refused crier's login for %s (%s); make a new app password in Settings → Privacy and security → App passwords and put it in bot.yaml.", n.name, xe.Name), err))
	case xe.Name == "UpstreamFailure" || xe.Status == http.StatusBadGateway:
		return fmt.Errorf("bluesky %s: %w: %w", op, crier.Errorf(crier.EUNAVAIL,
			"Bluesky's app view cannot be reached right now."), err)
	case xe.Status >= 500:
		return fmt.Errorf("bluesky %s: %w: %w", op, crier.Errorf(crier.EUNAVAIL,
			"Bluesky's server %s had a problem (HTTP %d); try again later.", n.pds, xe.Status), err)
	default:
		msg := xe.Message
		if msg == "" {
			msg = xe.Name
		}
		return crier.Permanent(fmt.Errorf("bluesky %s: %w: %w", op, crier.Errorf(crier.EPERMANENT, "Bluesky refused it: %s", msg), err))
	}
}

// unreachable says why the PDS gave no answer, in words a person can act
// on and without the request (whose URL may carry a handle or a cursor).
func (n *Network) unreachable(se *sendError) *crier.Error {
	if se.Decoded {
		return crier.Errorf(crier.EUNAVAIL, "Bluesky's server %s gave an answer crier cannot read; check that pds: in bot.yaml is a Bluesky PDS, or try again later.", n.pds)
	}
	return crier.Errorf(crier.EUNAVAIL, "Bluesky's server %s could not be reached (%s); check pds: in bot.yaml or try again later.", n.pds, reachCause(se.Err))
}

// reachCause names why a connection failed: the name, the refusal, the
// time, the certificate.
func reachCause(err error) string {
	var (
		dns     *net.DNSError
		netErr  net.Error
		unknown x509.UnknownAuthorityError
		host    x509.HostnameError
		invalid x509.CertificateInvalidError
		record  tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &dns) && dns.IsNotFound:
		return "no such host"
	case errors.As(err, &dns):
		return "its name could not be looked up"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) ||
		(errors.As(err, &netErr) && netErr.Timeout()):
		return "no answer in time"
	case errors.As(err, &unknown) || errors.As(err, &host) || errors.As(err, &invalid):
		return "its certificate is not valid"
	case errors.As(err, &record):
		return "it does not answer https"
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return "the connection was cut"
	default:
		return "no answer"
	}
}
