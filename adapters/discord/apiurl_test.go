package discord_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/discord"
)

// newFakeDiscordAt serves the fake's API under prefix only, as a reverse
// proxy in front of Discord would.
func newFakeDiscordAt(t *testing.T, prefix string) *fakeDiscord {
	t.Helper()
	f := newFakeDiscord(t)
	f.prefix = prefix
	return f
}

func TestAPIURLPathIsKept(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, prefix, apiURL string
	}{
		{"a proxy path with another API version", "/proxy/api/v10/", "/proxy/api/v10/"},
		{"a proxy path without a final slash", "/proxy/api/v10/", "/proxy/api/v10"},
		{"Discord's own v10 path", "/api/v10/", "/api/v10/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeDiscordAt(t, tc.prefix)
			a, err := discord.New(discord.Options{Token: "token-test", ApplicationID: appID, Guilds: []string{guild}, APIURL: f.srv.URL + tc.apiURL})
			require.NoError(t, err)

			res, err := a.Network("community", launch, 2000, true).Publish(context.Background(), publishReq("post-1/community", "Hello"))
			require.NoError(t, err)
			require.NotEmpty(t, res.RemoteID)
			posts := f.callsTo("POST /channels/" + launch + "/messages")
			require.Len(t, posts, 1)
			require.Equal(t, tc.prefix+"channels/"+launch+"/messages", posts[0].URLPath)
		})
	}
}
