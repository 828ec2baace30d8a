package discord_test

import (
	"context"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/discord"
	"github.com/crier-bot/crier/internal/crier"
)

func publishReq(key, text string) crier.PublishRequest {
	return crier.PublishRequest{IdempotencyKey: key, PostID: 1, Text: text}
}

// messages are the messages the fake created (nonces it saw).
func (f *fakeDiscord) messageCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.messages)
}

func TestNetworkPublishSendsANonceAndNoMentions(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	a := newAdapter(t, f, newWorld(t), "")
	n := a.Network("community", launch, 2000, true)
	require.Equal(t, "community", n.Name())
	require.Equal(t, "discord", n.Kind())
	var _ crier.Network = n

	res, err := n.Publish(context.Background(), publishReq("post-1/community", "Launch day! @everyone"))
	require.NoError(t, err)
	posts := f.callsTo("POST /channels/" + launch + "/messages")
	require.Len(t, posts, 1)
	body := posts[0].Body
	require.Equal(t, "Launch day! @everyone", body["content"])
	require.Equal(t, discord.Nonce("post-1/community"), body["nonce"])
	require.Equal(t, true, body["enforce_nonce"])
	require.Equal(t, []any{}, body["allowed_mentions"].(map[string]any)["parse"], "allowed_mentions.parse is an empty list: nobody is pinged")
	require.NotEmpty(t, res.RemoteID)
	require.Equal(t, "https://discord.com/channels/"+guild+"/"+launch+"/"+res.RemoteID, res.URL)
	require.Empty(t, f.callsTo("POST /channels/"+launch+"/messages/"), "a text channel is not crossposted")

	// The same key again: Discord (the fake) returns the first message.
	again, err := n.Publish(context.Background(), publishReq("post-1/community", "Launch day! @everyone"))
	require.NoError(t, err)
	require.Equal(t, res, again)
	require.Len(t, f.callsTo("POST /channels/"+launch+"/messages"), 2, "sent twice")
	require.Equal(t, 1, f.messageCount(), "posted once")

	// Another key is another message.
	other, err := n.Publish(context.Background(), publishReq("post-2/community", "Day two"))
	require.NoError(t, err)
	require.NotEqual(t, res.RemoteID, other.RemoteID)
	require.Equal(t, 2, f.messageCount())
}

func TestNetworkCrosspostsInAnAnnouncementChannel(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	a := newAdapter(t, f, newWorld(t), "")

	res, err := a.Network("news", news, 2000, true).Publish(context.Background(), publishReq("post-1/news", "Big news"))
	require.NoError(t, err)
	require.Len(t, f.callsTo("POST /channels/"+news+"/messages/"+res.RemoteID+"/crosspost"), 1)
	require.Equal(t, "https://discord.com/channels/"+guild+"/"+news+"/"+res.RemoteID, res.URL)

	// crosspost: false leaves it in the announcement channel.
	res, err = a.Network("news-only", news, 2000, false).Publish(context.Background(), publishReq("post-2/news", "Quiet news"))
	require.NoError(t, err)
	require.Empty(t, f.callsTo("POST /channels/"+news+"/messages/"+res.RemoteID+"/crosspost"))

	_, err = a.Network("community", launch, 2000, true).Publish(context.Background(), publishReq("post-1/community", "Not news"))
	require.NoError(t, err)
	require.Empty(t, f.callsTo("POST /channels/"+launch+"/messages/"), "a text channel is not crossposted")
}

func TestNetworkUnknownChannelIsPermanent(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	a := newAdapter(t, f, newWorld(t), "")
	const missing = "1300000000000000099"

	_, err := a.Network("gone", missing, 2000, true).Publish(context.Background(), publishReq("post-1/gone", "Hello?"))
	require.Error(t, err)
	require.True(t, crier.IsPermanent(err), "%v", err)
	require.Equal(t, crier.EPERMANENT, crier.ErrorCode(err))
	require.Contains(t, err.Error(), "channel "+missing+" does not exist")
	require.Equal(t, 0, f.messageCount())
}

func TestNetworkRetriesARateLimit(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	a := newAdapter(t, f, newWorld(t), "")
	f.mu.Lock()
	f.limitNxt = 1
	f.mu.Unlock()

	res, err := a.Network("community", launch, 2000, true).Publish(context.Background(), publishReq("post-1/community", "Slowly"))
	require.NoError(t, err)
	require.NotEmpty(t, res.RemoteID)
	require.Len(t, f.callsTo("POST /channels/"+launch+"/messages"), 2, "429, then the retry")
	require.Equal(t, 1, f.messageCount())
}

func TestNetworkWrongTokenIsPermanent(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	a, err := discord.New(discord.Options{Token: "bad", ApplicationID: appID, Guilds: []string{guild}, APIURL: f.url()})
	require.NoError(t, err)

	_, err = a.Network("community", launch, 2000, true).Publish(context.Background(), publishReq("post-1/community", "Hi"))
	require.Error(t, err)
	require.True(t, crier.IsPermanent(err), "%v", err)
	require.Contains(t, err.Error(), "Discord refused crier's bot token")
	require.Equal(t, 0, f.messageCount())
}

func TestNonceIsShortAndStable(t *testing.T) {
	t.Parallel()
	keys := []string{"", "post-1/community", "post-2/community", "a very long idempotency key " + string(make([]byte, 500))}
	seen := map[string]bool{}
	for _, k := range keys {
		nonce := discord.Nonce(k)
		require.LessOrEqual(t, len(nonce), 25, "Discord's nonce limit")
		require.NotEmpty(t, nonce)
		require.Regexp(t, regexp.MustCompile(`^[a-z2-7]+$`), nonce)
		require.Equal(t, nonce, discord.Nonce(k), "stable")
		require.False(t, seen[nonce], "distinct keys, distinct nonces")
		seen[nonce] = true
	}
}

func TestNetworkCheckCountsCharacters(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	n := newAdapter(t, f, newWorld(t), "").Network("community", launch, 2000, true)
	require.Equal(t, crier.Count{Used: 5, Limit: 2000, Unit: "characters"}, n.Check("héllo"))
	require.Equal(t, 0, n.Check("héllo").Over())
}

func TestPostGoesToTheChannelOrThread(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	a := newAdapter(t, f, newWorld(t), "")
	ctx := context.Background()

	_, err := a.Post(ctx, crier.ChannelRef{Platform: discord.Platform, ID: launch}, crier.Message{Text: "✓ Post #1 published @here"})
	require.NoError(t, err)
	got := f.callsTo("POST /channels/" + launch + "/messages")
	require.Len(t, got, 1)
	require.Equal(t, "✓ Post #1 published @\u200bhere", got[0].Body["content"], "a mention in a message is neutralised, like every answer's")
	require.Equal(t, []any{}, got[0].Body["allowed_mentions"].(map[string]any)["parse"], "notices ping nobody")

	_, err = a.Post(ctx, crier.ChannelRef{Platform: discord.Platform, ID: launch, Thread: thread}, crier.Message{Text: "✗ Post #2 failed"})
	require.NoError(t, err)
	got = f.callsTo("POST /channels/" + thread + "/messages")
	require.Len(t, got, 1)
	require.Equal(t, "✗ Post #2 failed", got[0].Body["content"])
	require.Len(t, f.callsTo("POST /channels/"+launch+"/messages"), 1, "not in the channel itself")
}
