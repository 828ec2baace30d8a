package slack_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/slack"
	"github.com/crier-bot/crier/internal/crier"
)

func newChat(t *testing.T, f *fakeSlack) crier.Chat {
	t.Helper()
	a, err := slack.New(slack.Options{BotToken: "xoxb-test", APIURL: f.GetAPIURL(), PerChannel: 100})
	require.NoError(t, err)
	return a
}

func TestChatPostsIntoAThreadAndReturnsTheMessage(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	chat := newChat(t, f)
	ctx := context.Background()
	require.Equal(t, "slack", chat.Platform())

	top, err := chat.Post(ctx, crier.ChannelRef{Platform: "slack", ID: "C0LAUNCH1"}, crier.Message{Text: "✓ Post #1 published <!channel>"})
	require.NoError(t, err)
	require.Equal(t, "slack", top.Platform)
	require.Equal(t, "C0LAUNCH1", top.Channel)
	require.Empty(t, top.Thread)
	reply, err := chat.Post(ctx, crier.ChannelRef{Platform: "slack", ID: "C0LAUNCH1", Thread: top.ID}, crier.Message{
		Text: "A customer asked", Lines: []string{"when does it ship?"},
		Buttons: []crier.Button{{Label: "It is published", Action: "confirm_published", PostID: 1, Target: "mastodon", Command: "/published #1 mastodon"}},
	})
	require.NoError(t, err)
	require.Equal(t, top.ID, reply.Thread)
	require.NotEqual(t, top.ID, reply.ID)

	posts := f.postsCopy()
	require.Len(t, posts, 2)
	require.Equal(t, top.ID, posts[0].Get("_ts"))
	require.Equal(t, "✓ Post #1 published &lt;!channel&gt;", posts[0].Get("text"), "text from people is escaped")
	require.Empty(t, posts[0].Get("blocks"), "text alone is sent as text")
	require.Equal(t, top.ID, posts[1].Get("thread_ts"))
	require.Equal(t, reply.ID, posts[1].Get("_ts"))
	var blocks []map[string]any
	require.NoError(t, json.Unmarshal([]byte(posts[1].Get("blocks")), &blocks))
	require.Len(t, blocks, 3, "text, lines, buttons")
	button := blocks[2]["elements"].([]any)[0].(map[string]any)
	require.Equal(t, "crier_confirm_published", button["action_id"])
}

func TestChatUpdatesAMessageAndDropsItsButtons(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	chat := newChat(t, f)
	ctx := context.Background()
	ch := crier.ChannelRef{Platform: "slack", ID: "C0LAUNCH1"}
	ref, err := chat.Post(ctx, ch, crier.Message{Text: "Publish #1?", Buttons: []crier.Button{{Label: "Publish now", Action: "publish_now", PostID: 1}}})
	require.NoError(t, err)
	require.NoError(t, chat.Update(ctx, ref, crier.Message{Text: "✓ Post #1 published"}))

	f.mu.Lock()
	defer f.mu.Unlock()
	require.Len(t, f.updates, 1)
	require.Equal(t, ref.ID, f.updates[0].Get("ts"))
	require.Equal(t, "✓ Post #1 published", f.updates[0].Get("text"))
	require.NotContains(t, f.updates[0].Get("blocks"), "actions", "the buttons are gone")
	require.Error(t, chat.Update(ctx, crier.MessageRef{Platform: "slack", Channel: "C0LAUNCH1", ID: "1.000009"}, crier.Message{Text: "x"}))
}

func TestChatReactsOnceWithoutComplaining(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	chat := newChat(t, f)
	ctx := context.Background()
	ref, err := chat.Post(ctx, crier.ChannelRef{Platform: "slack", ID: "C0LAUNCH1"}, crier.Message{Text: "a comment"})
	require.NoError(t, err)
	require.NoError(t, chat.React(ctx, ref, "white_check_mark"))
	require.NoError(t, chat.React(ctx, ref, "white_check_mark"), "already reacted is done, not an error")
	f.mu.Lock()
	require.Len(t, f.reactions, 1)
	require.Equal(t, "white_check_mark", f.reactions[0].Get("name"))
	require.Equal(t, ref.ID, f.reactions[0].Get("timestamp"))
	f.mu.Unlock()
	require.Error(t, chat.React(ctx, crier.MessageRef{Platform: "slack", Channel: "C0LAUNCH1", ID: "1.000009"}, "eyes"))
}

func TestChatAttachesAFileInTheSamePlace(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	chat := newChat(t, f)
	png := []byte("\x89PNG\r\n\x1a\nchart")
	ch := crier.ChannelRef{Platform: "slack", ID: "C0LAUNCH1", Thread: "1700000000.000001"}
	ref, err := chat.Post(context.Background(), ch, crier.Message{Text: "This week", File: &crier.File{
		Name: "digest-2026-12-06.png", ContentType: "image/png", Data: png, Alt: "posts per day"}})
	require.NoError(t, err)
	require.NotEmpty(t, ref.ID)
	f.mu.Lock()
	defer f.mu.Unlock()
	require.Len(t, f.shared, 1)
	require.Equal(t, "C0LAUNCH1", f.shared[0].Get("channel_id"))
	require.Equal(t, "1700000000.000001", f.shared[0].Get("thread_ts"))
	require.Len(t, f.uploads, 1)
	for _, u := range f.uploads {
		require.Equal(t, png, u.data)
		require.Equal(t, "digest-2026-12-06.png", u.name)
		require.Equal(t, "posts per day", u.alt)
	}
}

func TestChatNotifiesOnlyThePeopleAMessageMentions(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	chat := newChat(t, f)
	_, err := chat.Post(context.Background(), crier.ChannelRef{Platform: "slack", ID: "C0LAUNCH1"}, crier.Message{
		Mention: []string{"U0ANA", "S0SUPPORT", "ana", "*"}, Text: "🚨 Negative comments <!channel>",
	})
	require.NoError(t, err)
	posts := f.postsCopy()
	require.Len(t, posts, 1)
	require.Equal(t, "<@U0ANA> <!subteam^S0SUPPORT> 🚨 Negative comments &lt;!channel&gt;", posts[0].Get("text"),
		"the mentioned user and group are notified; names and * are not ids; the text notifies nobody")
	var blocks []map[string]any
	require.NoError(t, json.Unmarshal([]byte(posts[0].Get("blocks")), &blocks))
	require.Equal(t, "<@U0ANA> <!subteam^S0SUPPORT>", blocks[0]["text"].(map[string]any)["text"])
}
