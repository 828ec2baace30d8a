package netcall

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
	"syscall"
)

// NotSentError marks a request that certainly never left crier: no
// connection was had for it, so no byte of it can have reached the server.
// Retrying it cannot do anything twice.
type NotSentError struct{ Err error }

func (e *NotSentError) Error() string { return "not sent: " + e.Err.Error() }
func (e *NotSentError) Unwrap() error { return e.Err }

// net/http reports these two without a type of their own.
const (
	msgWaitingForConn   = "net/http: request canceled while waiting for connection"
	msgHandshakeTimeout = "net/http: TLS handshake timeout"
)

// NotSent reports whether err, from an HTTP request, means the request was
// certainly not sent: it is marked NotSentError (Do, RoundTrip), or making
// the connection failed (the name did not resolve, the dial failed or was
// refused, the proxy could not be reached, the TLS handshake failed), all of
// which net/http does before it writes any byte of the request. Anything
// else — a reset, a timeout or a cancellation while waiting for the
// answer — may come after the server read the request: the outcome is
// unclear, and NotSent is false.
func NotSent(err error) bool {
	if err == nil {
		return false
	}
	var (
		ns      *NotSentError
		dns     *net.DNSError
		op      *net.OpError
		verify  *tls.CertificateVerificationError
		unknown x509.UnknownAuthorityError
		host    x509.HostnameError
		invalid x509.CertificateInvalidError
	)
	switch {
	case errors.As(err, &ns), errors.As(err, &dns):
		return true
	case errors.As(err, &op) && (op.Op == "dial" || op.Op == "proxyconnect"):
		return true
	case errors.Is(err, syscall.ECONNREFUSED): // only connect(2) returns it on TCP
		return true
	case errors.As(err, &verify), errors.As(err, &unknown), errors.As(err, &host), errors.As(err, &invalid):
		return true // the certificate is checked during the handshake
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		if m := e.Error(); m == msgWaitingForConn || m == msgHandshakeTimeout {
			return true
		}
	}
	return false
}

// Do sends req with c. When it fails before net/http had a connection for it
// (net/http's transport reports GotConn before it writes a request, for
// HTTP/1 and HTTP/2), the error is a *NotSentError: that covers a deadline or
// a cancellation that came while dialing, which the error alone cannot tell
// from one that came while waiting for the answer.
func Do(c *http.Client, req *http.Request) (*http.Response, error) {
	req, got := track(req)
	resp, err := c.Do(req)
	if err != nil && !got.Load() {
		return nil, &NotSentError{Err: err}
	}
	return resp, err
}

// RoundTrip is Do for a RoundTripper (a transport that wraps another).
func RoundTrip(rt http.RoundTripper, req *http.Request) (*http.Response, error) {
	req, got := track(req)
	resp, err := rt.RoundTrip(req)
	if err != nil && !got.Load() {
		return nil, &NotSentError{Err: err}
	}
	return resp, err
}

// track adds a trace to req that records whether it got a connection, keeping
// any trace the caller set.
func track(req *http.Request) (*http.Request, *atomic.Bool) {
	got := new(atomic.Bool)
	trace := &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { got.Store(true) }}
	return req.WithContext(httptrace.WithClientTrace(req.Context(), trace)), got
}
