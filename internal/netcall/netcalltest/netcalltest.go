// Package netcalltest makes connections fail the way they fail in the field,
// for the tests of network adapters.
package netcalltest

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
)

// DialFailure is one way of not getting a connection.
type DialFailure struct {
	Name string
	Fail func(ctx context.Context) error
}

// DialFailures are the failures after which no byte of a request can have
// reached the server: the name does not resolve (as a resolver of one's own
// reports it, without net.Dial's *net.OpError), and a deadline that ends
// the request while it is still connecting (a host that drops packets).
func DialFailures() []DialFailure {
	return []DialFailure{
		{"a name that does not resolve", func(context.Context) error {
			return &net.DNSError{Err: "no such host", Name: "unreachable.example", IsNotFound: true}
		}},
		{"a deadline while connecting", func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }},
	}
}

// BreakableClient connects normally until broken is set; then every dial
// fails with fail. Each request dials (no kept-alive connection), so a broken
// dial is the next request's.
func BreakableClient(broken *atomic.Bool, fail func(ctx context.Context) error) *http.Client {
	var d net.Dialer
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if broken.Load() {
				return nil, fail(ctx)
			}
			return d.DialContext(ctx, network, addr)
		}}}
}
