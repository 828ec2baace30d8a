package bluesky_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/bluesky"
	"github.com/crier-bot/crier/adapters/bluesky/blueskytest"
	"github.com/crier-bot/crier/internal/crier"
)

// publishAll publishes n posts in parallel and fails the test on an error.
func publishAll(t *testing.T, net *bluesky.Network, prefix string, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := net.Publish(context.Background(), request(fmt.Sprintf("%s-%d", prefix, i), fmt.Sprintf("%s post %d", prefix, i)))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

func TestSession(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("a second network sharing the state reuses the stored session", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.net.Publish(ctx, request("a", "first"))
		require.NoError(t, err)
		_, err = b.another(t).Publish(ctx, request("b", "second"))
		require.NoError(t, err)
		require.Equal(t, 1, b.srv.Logins())
		stored, _ := b.state.LoadState(ctx, "bsky", "session")
		require.Contains(t, stored, b.srv.DID)
	})
	t.Run("parallel publishes log in once", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		publishAll(t, b.net, "p", 20)
		require.Equal(t, 1, b.srv.Logins())
	})
	t.Run("an expired access token is refreshed without a new login", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.net.Publish(ctx, request("a", "first"))
		require.NoError(t, err)
		b.srv.ExpireAccessTokens()
		_, err = b.net.Publish(ctx, request("b", "second"))
		require.NoError(t, err)
		require.Equal(t, 1, b.srv.Logins())
		require.Equal(t, 1, b.srv.Refreshes())
		require.Len(t, b.srv.Posts(), 2)
	})
	t.Run("parallel calls with an expired token refresh it once", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.net.Publish(ctx, request("a", "first"))
		require.NoError(t, err)
		b.srv.ExpireAccessTokens()
		publishAll(t, b.net, "p", 20)
		require.Equal(t, 1, b.srv.Logins())
		require.Equal(t, 1, b.srv.Refreshes())
	})
	t.Run("an expired refresh token means one new login", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.net.Publish(ctx, request("a", "first"))
		require.NoError(t, err)
		b.srv.ExpireAccessTokens()
		b.srv.ExpireRefreshTokens()
		_, err = b.net.Publish(ctx, request("b", "second"))
		require.NoError(t, err)
		require.Equal(t, 2, b.srv.Logins())
	})
	t.Run("a session another network refreshed is taken from the state", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		other := b.another(t)
		_, err := b.net.Publish(ctx, request("a", "first"))
		require.NoError(t, err)
		_, err = other.Publish(ctx, request("b", "second"))
		require.NoError(t, err)
		b.srv.ExpireAccessTokens()
		_, err = b.net.Publish(ctx, request("c", "third"))
		require.NoError(t, err)
		// other's refresh token was used up by b.net's refresh: it must
		// take the new session from the state instead of logging in.
		_, err = other.Publish(ctx, request("d", "fourth"))
		require.NoError(t, err)
		require.Equal(t, 1, b.srv.Logins())
		require.Equal(t, 1, b.srv.Refreshes())
	})
	t.Run("a stored session of another account is not used", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		require.NoError(t, b.state.SaveState(ctx, "bsky", "session",
			`{"identifier":"someone.else.test","accessJwt":"x","refreshJwt":"y","did":"did:plc:else","handle":"someone.else.test"}`))
		_, err := b.net.Publish(ctx, request("a", "first"))
		require.NoError(t, err)
		require.Equal(t, 1, b.srv.Logins())
	})
	t.Run("without a state store the session lives in memory", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(o *bluesky.Options) { o.State = nil })
		publishAll(t, b.net, "p", 5)
		require.Equal(t, 1, b.srv.Logins())
	})
}

func TestLoginProblems(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("a wrong app password says how to make one, and never shows it", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(o *bluesky.Options) { o.AppPassword = "wrong-pass-word-1234" })
		_, err := b.net.Publish(ctx, request("a", "hello"))
		require.True(t, crier.IsAuth(err), "%v", err)
		require.Equal(t, "Bluesky refused the handle or app password for bsky. Make an app password in Settings → Privacy and security → App passwords and put it in bot.yaml.", crier.ErrorMessage(err))
		require.NotContains(t, err.Error(), "wrong-pass-word-1234")
		_, err = b.net.Verify(ctx)
		require.True(t, crier.IsAuth(err), "%v", err)
		for i := range 5 {
			_, err = b.net.Publish(ctx, request(fmt.Sprintf("again-%d", i), "hello"))
			require.True(t, crier.IsAuth(err), "%v", err)
		}
		require.Equal(t, 1, b.srv.Calls("com.atproto.server.createSession"), "a refused password is not tried again: each try spends one of the day's logins")
	})
	t.Run("a refused password is not tried again after a restart, until bot.yaml changes it", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(o *bluesky.Options) { o.AppPassword = "wrong-pass-word-1234" })
		_, err := b.net.Publish(ctx, request("a", "hello"))
		require.True(t, crier.IsAuth(err), "%v", err)
		require.Equal(t, 1, b.srv.Calls("com.atproto.server.createSession"))
		for k, v := range b.state.m {
			require.NotContains(t, v, "wrong-pass-word-1234", "state %s keeps the password", k)
		}
		var stored struct{ Salt, Login string }
		for k, v := range b.state.m {
			if strings.Contains(k, "login_refused") {
				require.NoError(t, json.Unmarshal([]byte(v), &stored))
			}
		}
		require.Len(t, stored.Salt, 32, "the fingerprint has a random salt of its own")
		require.Len(t, stored.Login, 64)

		restarted := b.another(t) // the same database
		_, err = restarted.Publish(ctx, request("a", "hello"))
		require.True(t, crier.IsAuth(err), "%v", err)
		require.Equal(t, "Bluesky refused the handle or app password for bsky. Make an app password in Settings → Privacy and security → App passwords and put it in bot.yaml.", crier.ErrorMessage(err))
		_, err = restarted.Verify(ctx)
		require.True(t, crier.IsAuth(err), "%v", err)
		require.Equal(t, 1, b.srv.Calls("com.atproto.server.createSession"), "no login at the next start: each spends one of the day's few")

		fixed := b.opts
		fixed.AppPassword = b.srv.Password
		n, err := bluesky.New(fixed)
		require.NoError(t, err)
		_, err = n.Publish(ctx, request("a", "hello"))
		require.NoError(t, err, "a new password in bot.yaml is tried")
		require.Equal(t, 2, b.srv.Calls("com.atproto.server.createSession"))
	})
	t.Run("a taken-down account cannot log in", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.srv.SetAccountState(blueskytest.StateTakendown)
		_, err := b.net.Publish(ctx, request("a", "hello"))
		require.True(t, crier.IsAuth(err), "%v", err)
		require.Contains(t, crier.ErrorMessage(err), "taken down")
	})
	t.Run("an account taken down after login is named", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.net.Publish(ctx, request("a", "hello"))
		require.NoError(t, err)
		b.srv.SetAccountState(blueskytest.StateTakendown)
		_, err = b.net.Publish(ctx, request("b", "again"))
		require.True(t, crier.IsAuth(err), "%v", err)
		require.Contains(t, crier.ErrorMessage(err), "taken down")
	})
	t.Run("a deactivated account is named", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.srv.SetAccountState(blueskytest.StateDeactivated)
		_, err := b.net.Publish(ctx, request("a", "hello"))
		require.True(t, crier.IsAuth(err), "%v", err)
		require.Contains(t, crier.ErrorMessage(err), "deactivated")
	})
	t.Run("a deactivated account is logged in to once, not at every publish", func(t *testing.T) {
		t.Parallel()
		clock := crier.NewManualClock(time.Now())
		b := setup(t, func(o *bluesky.Options) { o.Clock = clock })
		b.srv.SetAccountState(blueskytest.StateDeactivated)
		for i := range 3 {
			_, err := b.net.Publish(ctx, request(fmt.Sprintf("a-%d", i), "hello"))
			require.True(t, crier.IsAuth(err), "%v", err)
			require.Contains(t, crier.ErrorMessage(err), "deactivated")
		}
		require.Equal(t, 1, b.srv.Calls("com.atproto.server.createSession"), "each login spends one of the day's few")

		b.srv.SetAccountState(blueskytest.StateActive)
		clock.Add(16 * time.Minute)
		_, err := b.net.Publish(ctx, request("b", "hello again"))
		require.NoError(t, err, "a reactivated account is tried again after a while")
		require.Equal(t, 2, b.srv.Calls("com.atproto.server.createSession"))
		require.Len(t, b.srv.Posts(), 1)
	})
	t.Run("a taken-down account is tried again after a while", func(t *testing.T) {
		t.Parallel()
		clock := crier.NewManualClock(time.Now())
		b := setup(t, func(o *bluesky.Options) { o.Clock = clock })
		b.srv.SetAccountState(blueskytest.StateTakendown)
		_, err := b.net.Publish(ctx, request("a", "hello"))
		require.True(t, crier.IsAuth(err), "%v", err)
		require.Contains(t, crier.ErrorMessage(err), "taken down")

		b.srv.SetAccountState(blueskytest.StateActive)
		clock.Add(5 * time.Minute)
		_, err = b.net.Publish(ctx, request("a", "hello"))
		require.True(t, crier.IsAuth(err), "%v", err)
		require.Equal(t, 1, b.srv.Calls("com.atproto.server.createSession"), "not asked again so soon")

		clock.Add(11 * time.Minute)
		_, err = b.net.Publish(ctx, request("a", "hello"))
		require.NoError(t, err, "a restored account is tried again after 15 minutes")
		require.Equal(t, 2, b.srv.Calls("com.atproto.server.createSession"))
		require.Equal(t, 1, b.srv.Logins())
		require.Len(t, b.srv.Posts(), 1)
	})
	t.Run("too many logins are a rate limit", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.srv.SetLoginLimit(0)
		_, err := b.net.Publish(ctx, request("a", "hello"))
		require.True(t, isRateLimited(err), "%v", err)
		after, ok := crier.RetryAfter(err)
		require.True(t, ok)
		require.Greater(t, after, time.Minute)
		require.Contains(t, crier.ErrorMessage(err), "logins")
	})
	t.Run("no error carries a token", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.net.Publish(ctx, request("a", "hello"))
		require.NoError(t, err)
		b.srv.SetAccountState(blueskytest.StateDeactivated)
		_, err = b.net.Publish(ctx, request("b", "hello"))
		require.Error(t, err)
		stored, _ := b.state.LoadState(ctx, "bsky", "session")
		for _, part := range strings.Split(stored, `"`) {
			if strings.HasPrefix(part, "eyJ") {
				require.NotContains(t, err.Error(), part)
			}
		}
	})
}

func TestRateLimits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("a 429 with ratelimit-reset says when to retry", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.srv.SetRateLimit(0, time.Now().Add(time.Hour))
		_, err := b.net.Publish(ctxTimeout(t, 5*time.Second), request("a", "hello"))
		require.True(t, isRateLimited(err), "%v", err)
		after, ok := crier.RetryAfter(err)
		require.True(t, ok)
		require.InDelta(t, time.Hour.Seconds(), after.Seconds(), 5)
	})
	t.Run("a 429 without headers is still a rate limit", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.srv.SetFaults(blueskytest.Faults{Rate: 1, Modes: []blueskytest.FaultMode{blueskytest.Fault429NoHeader}})
		_, err := b.net.Publish(ctx, request("a", "hello"))
		require.True(t, isRateLimited(err), "%v", err)
		_, ok := crier.RetryAfter(err)
		require.False(t, ok)
		require.Empty(t, b.srv.Posts())
	})
	t.Run("ratelimit-remaining 0 holds later calls until the reset", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.net.Publish(ctx, request("a", "first"))
		require.NoError(t, err)
		b.srv.SetRateLimit(1, time.Now().Add(time.Hour))
		_, err = b.net.Publish(ctx, request("b", "second"))
		require.NoError(t, err, "the last call of the budget goes through")
		calls := b.srv.Calls("com.atproto.repo.putRecord")
		_, err = b.net.Publish(ctxTimeout(t, 2*time.Second), request("c", "third"))
		require.True(t, isRateLimited(err), "%v", err)
		after, _ := crier.RetryAfter(err)
		require.Greater(t, after, 50*time.Minute)
		require.Equal(t, calls, b.srv.Calls("com.atproto.repo.putRecord"), "nothing was sent")
	})
	t.Run("a reset that comes before the deadline is waited for", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.net.Publish(ctx, request("a", "first"))
		require.NoError(t, err)
		b.srv.SetRateLimit(1, time.Now().Truncate(time.Second).Add(2*time.Second))
		_, err = b.net.Publish(ctx, request("b", "second"))
		require.NoError(t, err)
		_, err = b.net.Publish(ctxTimeout(t, 10*time.Second), request("c", "third"))
		require.NoError(t, err)
		require.Len(t, b.srv.Posts(), 3)
	})
	t.Run("the hourly write budget is kept per account", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(o *bluesky.Options) { o.WritePoints = 3 })
		_, err := b.net.Publish(ctx, request("a", "first"))
		require.NoError(t, err)
		_, err = b.net.Publish(ctxTimeout(t, 2*time.Second), request("b", "second"))
		require.True(t, isRateLimited(err), "%v", err)
		after, _ := crier.RetryAfter(err)
		require.Greater(t, after, 50*time.Minute)
		require.Len(t, b.srv.Posts(), 1)
	})
	t.Run("an empty write budget is known before the record is built", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(o *bluesky.Options) { o.WritePoints = 3 })
		b.srv.AddUser("ana.test")
		_, err := b.net.Publish(ctx, request("a", "first"))
		require.NoError(t, err)
		for range 3 {
			_, err = b.net.Publish(ctxTimeout(t, 2*time.Second), request("b", "Thanks @ana.test!"))
			require.True(t, isRateLimited(err), "%v", err)
		}
		require.Zero(t, b.srv.Calls("com.atproto.identity.resolveHandle"), "no mention resolved for a post that cannot be written")
		require.Len(t, b.srv.Posts(), 1)
	})
}

func TestVerify(t *testing.T) {
	t.Parallel()
	b := setup(t)
	acc, err := b.net.Verify(context.Background())
	require.NoError(t, err)
	require.Equal(t, crier.Account{
		Name:   "crier.test",
		URL:    "https://bsky.app/profile/crier.test",
		Limits: "300 graphemes and 3000 bytes, 4 images up to 1 MB each",
	}, acc)
	require.Equal(t, 1, b.srv.Logins())
	require.Equal(t, []string{""}, proxyHeaders(b.srv), "the PDS picks the AppView")
}

func TestTheAppViewIsThePDSChoice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("without appview crier sends no atproto-proxy header", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.net.Verify(ctx)
		require.NoError(t, err)
		_, err = b.net.PostStats(ctx, []string{"at://" + b.srv.DID + "/app.bsky.feed.post/3jzfcijpj2z2a"})
		require.NoError(t, err)
		require.Equal(t, []string{""}, proxyHeaders(b.srv))
	})
	t.Run("appview names the service the PDS proxies reads to", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(o *bluesky.Options) { o.AppView = blueskytest.AppViewService })
		_, err := b.net.Verify(ctx)
		require.NoError(t, err)
		require.Equal(t, []string{blueskytest.AppViewService}, proxyHeaders(b.srv))
	})
	t.Run("an appview the PDS cannot reach makes check fail, not crash", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(o *bluesky.Options) { o.AppView = "did:web:api.bsky.app#bsky_appview" })
		_, err := b.net.Verify(ctx)
		require.Error(t, err)
		require.Equal(t, crier.EUNAVAIL, crier.ErrorCode(err))
	})
	t.Run("an appview that is not a service is refused", func(t *testing.T) {
		t.Parallel()
		_, err := bluesky.New(bluesky.Options{Name: "bsky", Handle: "crier.test", AppPassword: "abcd-efgh-ijkl-mnop", AppView: "https://api.bsky.app"})
		require.Equal(t, crier.EINVALID, crier.ErrorCode(err), "%v", err)
		require.Contains(t, crier.ErrorMessage(err), "did:web:api.bsky.app#bsky_appview")
	})
}

// proxyHeaders lists the atproto-proxy values the fake saw on reads ("" for
// none).
func proxyHeaders(srv *blueskytest.Server) []string {
	var out []string
	for h := range srv.ProxyHeaders() {
		out = append(out, h)
	}
	slices.Sort(out)
	return out
}

func TestVerifySaysWhyThePDSCannotBeReached(t *testing.T) {
	t.Parallel()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("<html>down for maintenance</html>"))
	}))
	t.Cleanup(broken.Close)
	dnsFails := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: "pds.example", IsNotFound: true}}
	}}}
	timesOut := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: network, Err: os.ErrDeadlineExceeded}
	}}}
	tests := []struct {
		name   string
		pds    string
		client *http.Client
		want   string
	}{
		{"a refused connection", closedURL, nil,
			"Bluesky's server " + closedURL + " could not be reached (connection refused); check pds: in bot.yaml or try again later."},
		{"a name that does not resolve", "https://pds.example", dnsFails,
			"Bluesky's server https://pds.example could not be reached (no such host); check pds: in bot.yaml or try again later."},
		{"a connection that times out", "https://pds.example", timesOut,
			"Bluesky's server https://pds.example could not be reached (no answer in time); check pds: in bot.yaml or try again later."},
		{"a server error", broken.URL, nil,
			"Bluesky's server " + broken.URL + " had a problem (HTTP 503); try again later."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n, err := bluesky.New(bluesky.Options{Name: "bsky", PDS: tt.pds, Handle: "crier.test",
				AppPassword: "abcd-efgh-ijkl-mnop", HTTPClient: tt.client, State: &memState{}})
			require.NoError(t, err)
			_, err = n.Verify(context.Background())
			require.Error(t, err)
			require.Equal(t, crier.EUNAVAIL, crier.ErrorCode(err), "%v", err)
			require.Equal(t, tt.want, crier.ErrorMessage(err))
			require.NotContains(t, err.Error(), "abcd-efgh-ijkl-mnop")
		})
	}
}
