package netcall_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/internal/netcall"
)

// asClient wraps err as http.Client.Do does.
func asClient(err error) error {
	return &url.Error{Op: "Post", URL: "https://pds.example/xrpc", Err: err}
}

func TestNotSent(t *testing.T) {
	t.Parallel()
	dnsErr := &net.DNSError{Err: "no such host", Name: "pds.example", IsNotFound: true}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"no error is not a failure to send", nil, false},
		{"a marked error was not sent", &netcall.NotSentError{Err: context.DeadlineExceeded}, true},
		{"a name that does not resolve, as net.Dial reports it, was not sent", asClient(&net.OpError{Op: "dial", Net: "tcp", Err: dnsErr}), true},
		{"a name that does not resolve, from a custom dialer, was not sent", asClient(dnsErr), true},
		{"a refused connection was not sent", asClient(&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}), true},
		{"a refusal without the dial op was not sent", asClient(fmt.Errorf("connect: %w", syscall.ECONNREFUSED)), true},
		{"a dial timeout was not sent", asClient(&net.OpError{Op: "dial", Net: "tcp", Err: os.ErrDeadlineExceeded}), true},
		{"a proxy that cannot be reached was not sent", asClient(&net.OpError{Op: "proxyconnect", Net: "tcp", Err: syscall.ECONNREFUSED}), true},
		{"an untrusted certificate was not sent", asClient(&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}), true},
		{"a certificate for another name was not sent", asClient(x509.HostnameError{Host: "pds.example", Certificate: &x509.Certificate{}}), true},
		{"an expired certificate was not sent", asClient(x509.CertificateInvalidError{Reason: x509.Expired, Cert: &x509.Certificate{}}), true},
		{"a TLS handshake timeout was not sent", asClient(errors.New("net/http: TLS handshake timeout")), true},
		{"a cancel while waiting for a connection was not sent", asClient(errors.New("net/http: request canceled while waiting for connection")), true},
		{"a reset after the request may have been read is unclear", asClient(&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}), false},
		{"a write that failed may have reached the server", asClient(&net.OpError{Op: "write", Net: "tcp", Err: syscall.EPIPE}), false},
		{"a deadline while waiting for the answer is unclear", asClient(context.DeadlineExceeded), false},
		{"a cancel while waiting for the answer is unclear", asClient(context.Canceled), false},
		{"a connection closed before the answer is unclear", asClient(io.EOF), false},
		{"an answer cut short is unclear", asClient(io.ErrUnexpectedEOF), false},
		{"a message that only contains the text is unclear", errors.New("read: net/http: TLS handshake timeout, then more"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, netcall.NotSent(tc.err))
		})
	}
}

// TestDoMarksWhatNeverLeft sends real requests: what fails before a
// connection is marked, what fails after is not.
func TestDoMarksWhatNeverLeft(t *testing.T) {
	t.Parallel()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	cut := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	}))
	t.Cleanup(cut.Close)

	untrusted := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(untrusted.Close)

	stuck := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}}}

	for _, tc := range []struct {
		name   string
		client *http.Client
		url    string
		cancel bool
		want   bool
	}{
		{"a refused connection was not sent", http.DefaultClient, closedURL, false, true},
		{"a certificate crier does not trust was not sent", &http.Client{}, untrusted.URL, false, true},
		{"a cancel while dialing was not sent", stuck, "http://pds.example/", true, true},
		{"a connection cut after the request was read is unclear", cut.Client(), cut.URL, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(t.Context())
			if tc.cancel {
				cancel()
			}
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, tc.url, nil)
			require.NoError(t, err)
			resp, err := netcall.Do(tc.client, req)
			if resp != nil {
				resp.Body.Close()
			}
			require.Error(t, err)
			require.Equal(t, tc.want, netcall.NotSent(err), "%v", err)
		})
	}
}
