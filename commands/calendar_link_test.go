package commands_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/calendar"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/criertest"
	"github.com/crier-bot/crier/internal/publish"
	"github.com/crier-bot/crier/internal/timeparse"
)

var _ commands.FeedTokens = crier.FeedStore(nil)

// linkBundle is the router with calendar feeds on, and the feed itself
// served as crier serves it, at the public address's path.
type linkBundle struct {
	*criertest.Bundle
	router *commands.Router
	feed   *httptest.Server
}

func setupLink(t *testing.T, base string) *linkBundle {
	t.Helper()
	b := criertest.Setup(t)
	r := commands.New(commands.Deps{Publisher: b.Publish, Times: timeparse.New(timeparse.Options{}), Clock: b.Now,
		Feeds: b.DB, FeedBase: base})
	mux := http.NewServeMux()
	mux.Handle(commands.FeedPath, calendar.FeedHandler(b.DB, func(ctx context.Context, from, to time.Time) ([]*crier.Post, error) {
		return b.Publish.Posts(ctx, publish.PostFilter{From: from, To: to})
	}, calendar.FeedOptions{Installation: b.DB.Installation(), Clock: b.Now}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &linkBundle{Bundle: b, router: r, feed: srv}
}

// address finds the feed address in a /calendar link answer.
func address(t *testing.T, resp commands.Response) *url.URL {
	t.Helper()
	require.NotEmpty(t, resp.Lines, resp.Text)
	require.True(t, strings.HasPrefix(resp.Lines[0], "https://"), "the address is the first line, whole: %q", resp.Lines)
	u, err := url.Parse(resp.Lines[0])
	require.NoError(t, err)
	return u
}

// get fetches the feed at the address's path and query, from the test
// server that stands for crier's public address.
func (lb *linkBundle) get(t *testing.T, u *url.URL) int {
	t.Helper()
	resp, err := lb.feed.Client().Get(lb.feed.URL + u.RequestURI())
	require.NoError(t, err)
	_ = resp.Body.Close()
	return resp.StatusCode
}

func TestCalendarLinkGivesAWorkingAddressOnlyToThePerson(t *testing.T) {
	t.Parallel()
	lb := setupLink(t, "https://crier.example.com/")
	resp := sayOn(t, lb.router, "slack", ana, "/calendar link")
	require.False(t, resp.Error, resp.String())
	require.True(t, resp.Ephemeral, "the address is a secret: only the person sees it")
	u := address(t, resp)
	require.Equal(t, "crier.example.com", u.Host)
	require.Equal(t, "/calendar.ics", u.Path, "no double slash from the base's trailing one")
	token := u.Query().Get("token")
	require.NotEmpty(t, token)
	all := resp.String()
	for _, app := range []string{"Google Calendar", "Outlook", "Apple Calendar", "From URL", "/calendar revoke"} {
		require.Contains(t, all, app)
	}

	platform, user, ok, err := lb.DB.FeedUser(context.Background(), token)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, []string{"slack", "U1"}, []string{platform, user}, "the token is the person's on that platform")
	require.Equal(t, http.StatusOK, lb.get(t, u), "the address serves the feed")

	second := address(t, sayOn(t, lb.router, "slack", ana, "/calendar link"))
	require.NotEqual(t, token, second.Query().Get("token"), "each link is a new address")
	require.Equal(t, http.StatusOK, lb.get(t, u), "and the first keeps working")
}

func TestCalendarLinkRevokeStopsEveryAddressOfThePerson(t *testing.T) {
	t.Parallel()
	lb := setupLink(t, "https://crier.example.com")
	joe := crier.User{ID: "U2", Name: "joe", Roles: []crier.Role{crier.RoleReplier}}
	first := address(t, sayOn(t, lb.router, "slack", ana, "/calendar link"))
	second := address(t, sayOn(t, lb.router, "slack", ana, "/calendar link"))
	joes := address(t, sayOn(t, lb.router, "slack", joe, "/calendar link"))

	resp := sayOn(t, lb.router, "slack", ana, "/calendar revoke")
	require.False(t, resp.Error, resp.String())
	require.True(t, resp.Ephemeral)
	require.Contains(t, resp.Text, "Done")
	require.Contains(t, resp.Text, "stop working")
	require.Equal(t, http.StatusNotFound, lb.get(t, first))
	require.Equal(t, http.StatusNotFound, lb.get(t, second))
	require.Equal(t, http.StatusOK, lb.get(t, joes), "another person's address keeps working")

	again := sayOn(t, lb.router, "slack", ana, "/calendar revoke")
	require.False(t, again.Error)
	require.Contains(t, again.Text, "nothing to stop")

	fresh := address(t, sayOn(t, lb.router, "slack", ana, "/calendar link"))
	require.Equal(t, http.StatusOK, lb.get(t, fresh), "a link after a revoke works")
}

func TestCalendarRevokeEveryoneIsForAdmins(t *testing.T) {
	t.Parallel()
	lb := setupLink(t, "https://crier.example.com")
	joe := crier.User{ID: "U2", Name: "joe", Roles: []crier.Role{crier.RoleReplier}}
	boss := crier.User{ID: "U9", Name: "rita", Roles: []crier.Role{crier.RoleAdmin}}
	anas := address(t, sayOn(t, lb.router, "slack", ana, "/calendar link"))
	joes := address(t, sayOn(t, lb.router, "discord", joe, "/calendar link"))

	resp := sayOn(t, lb.router, "slack", ana, "/calendar revoke everyone")
	require.True(t, resp.Error)
	require.Equal(t, "✗ Only an admin may stop everyone's calendar addresses; type /calendar revoke to stop yours.", resp.Text)
	require.Equal(t, http.StatusOK, lb.get(t, anas), "a refusal stops nothing")
	require.Equal(t, http.StatusOK, lb.get(t, joes))

	resp = sayOn(t, lb.router, "slack", boss, "/calendar revoke Everyone")
	require.False(t, resp.Error, resp.String())
	require.True(t, resp.Ephemeral)
	require.Equal(t, "✓ Done: all 2 of the team's calendar addresses stop working. Each person types /calendar link for a new one.", resp.Text)
	require.Equal(t, http.StatusNotFound, lb.get(t, anas))
	require.Equal(t, http.StatusNotFound, lb.get(t, joes), "on every platform")

	resp = sayOn(t, lb.router, "slack", boss, "/calendar revoke all")
	require.Equal(t, "Nobody had a calendar address; nothing to stop.", resp.Text)

	resp = sayOn(t, lb.router, "slack", boss, "/calendar revoke joe")
	require.True(t, resp.Error)
	require.Contains(t, resp.Text, "/calendar revoke everyone")
}

func TestCalendarLinkRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		base   string
		before int // links made first
		line   string
		want   string
	}{
		{name: "feeds need crier's public address", base: "", line: "/calendar link", want: "http.public_url"},
		{name: "revoking needs it too", base: "", line: "/calendar revoke", want: "http.public_url"},
		{name: "a person holds a few addresses at most", base: "https://crier.example.com", before: crier.MaxFeedTokens,
			line: "/calendar link", want: "/calendar revoke"},
		{name: "words after link are refused", base: "https://crier.example.com", line: "/calendar link please", want: "/calendar link on its own"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			lb := setupLink(t, tt.base)
			for range tt.before {
				require.False(t, sayOn(t, lb.router, "slack", ana, "/calendar link").Error)
			}
			resp := sayOn(t, lb.router, "slack", ana, tt.line)
			require.True(t, resp.Error, resp.String())
			require.True(t, resp.Ephemeral)
			require.Contains(t, resp.Text, tt.want)
			require.NotContains(t, resp.Text, "https://", "no address in a refusal")
			require.NotContains(t, resp.Text, "\n", "one line")
		})
	}
}

func TestCalendarLinkWithoutAStoreIsOff(t *testing.T) {
	t.Parallel()
	b := criertest.Setup(t)
	r := commands.New(commands.Deps{Publisher: b.Publish, Clock: b.Now, FeedBase: "https://crier.example.com"})
	resp := sayOn(t, r, "slack", ana, "/calendar link")
	require.True(t, resp.Error)
	require.Contains(t, resp.Text, "http.public_url")
}

func TestCalendarLinkIsForTheTeam(t *testing.T) {
	t.Parallel()
	lb := setupLink(t, "https://crier.example.com")
	resp := sayOn(t, lb.router, "slack", crier.User{ID: "U7", Name: "guest"}, "/calendar link")
	require.Equal(t, "✗ Calendar addresses are for the team: ask whoever runs crier to give you a role under roles: in bot.yaml.", resp.Text)
}
