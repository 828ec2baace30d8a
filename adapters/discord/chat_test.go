package discord_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/discord"
	"github.com/crier-bot/crier/internal/crier"
)

func TestChatPostsButtonsAndAFileInOneMessage(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	a := newAdapter(t, f, newWorld(t), "")
	require.Equal(t, "discord", a.Platform())
	png := []byte("\x89PNG\r\n\x1a\nchart")
	ref, err := a.Post(context.Background(), crier.ChannelRef{Platform: "discord", ID: launch}, crier.Message{
		Text: "This week @everyone", Lines: []string{"3 posts"},
		Buttons: []crier.Button{{Label: "Publish again", Action: "publish_again", PostID: 1, Target: "sandbox", Command: "/republish #1 sandbox"}},
		File:    &crier.File{Name: "digest.png", ContentType: "image/png", Data: png, Alt: "posts per day"},
	})
	require.NoError(t, err)
	require.Equal(t, crier.MessageRef{Platform: "discord", Channel: launch, ID: ref.ID}, ref)
	posts := f.callsTo("POST /channels/" + launch + "/messages")
	require.Len(t, posts, 1)
	require.Equal(t, png, posts[0].Files["digest.png"])
	require.Contains(t, posts[0].Body["content"], "3 posts")
	require.Equal(t, []any{}, posts[0].Body["allowed_mentions"].(map[string]any)["parse"])
	row := posts[0].Body["components"].([]any)[0].(map[string]any)
	require.Equal(t, "crier:publish_again:1:sandbox", row["components"].([]any)[0].(map[string]any)["custom_id"])
}

func TestChatPostsIntoAThreadSomeoneElseStarted(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	a := newAdapter(t, f, newWorld(t), "")
	ref, err := a.Post(context.Background(), crier.ChannelRef{Platform: "discord", ID: launch, Thread: other}, crier.Message{Text: "hello"})
	require.NoError(t, err)
	require.Equal(t, other, ref.Thread)
	require.Empty(t, f.callsTo("POST /channels/"+launch+"/messages/"+other+"/threads"), "the thread exists: none is started")
	require.Len(t, f.callsTo("POST /channels/"+other+"/messages"), 1)
}

func TestChatUpdatesAMessageInItsThread(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	a := newAdapter(t, f, newWorld(t), "")
	ctx := context.Background()
	top, err := a.Post(ctx, crier.ChannelRef{Platform: "discord", ID: launch}, crier.Message{Text: "✓ Post #1 published"})
	require.NoError(t, err)
	ref, err := a.Post(ctx, crier.ChannelRef{Platform: "discord", ID: launch, Thread: top.ID},
		crier.Message{Text: "Publish #1?", Buttons: []crier.Button{{Label: "Publish now", Action: "publish_now", PostID: 1}}})
	require.NoError(t, err)
	require.NoError(t, a.Update(ctx, ref, crier.Message{Text: "✓ Published"}))
	edits := f.callsTo("PATCH /channels/" + top.ID + "/messages/" + ref.ID)
	require.Len(t, edits, 1)
	require.Equal(t, "✓ Published", edits[0].Body["content"])
	require.Equal(t, []any{}, edits[0].Body["components"], "the old buttons are removed")
	require.Error(t, a.Update(ctx, crier.MessageRef{Platform: "discord", Channel: launch, ID: "1400000000000000999"}, crier.Message{Text: "x"}))
}

func TestChatReactsWithTheUnicodeEmoji(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	a := newAdapter(t, f, newWorld(t), "")
	ctx := context.Background()
	ref, err := a.Post(ctx, crier.ChannelRef{Platform: "discord", ID: launch}, crier.Message{Text: "a comment"})
	require.NoError(t, err)
	require.NoError(t, a.React(ctx, ref, "white_check_mark"))
	require.Len(t, f.callsTo("PUT /channels/"+launch+"/messages/"+ref.ID+"/reactions/✅/@me"), 1)
	require.Error(t, a.React(ctx, ref, "no_such_emoji_name"))
}

func TestEmoji(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, in, want string
		ok             bool
	}{
		{"a name crier uses is its unicode emoji", "white_check_mark", "✅", true},
		{"colons around a name are fine", ":eyes:", "👀", true},
		{"a unicode emoji stays as it is", "🚀", "🚀", true},
		{"a server's emoji stays as it is", "crier:1234567890", "crier:1234567890", true},
		{"an unknown name is refused", "sparkly_unicorn", "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := discord.Emoji(tt.in)
			require.Equal(t, tt.ok, ok)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestChatNotifiesOnlyThePeopleAMessageMentions(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	a := newAdapter(t, f, newWorld(t), "")
	_, err := a.Post(context.Background(), crier.ChannelRef{Platform: "discord", ID: launch}, crier.Message{
		Mention: []string{"190000000000000001", supportRole, "ana"}, Text: "🚨 Negative comments @everyone",
	})
	require.NoError(t, err)
	posts := f.callsTo("POST /channels/" + launch + "/messages")
	require.Len(t, posts, 1)
	require.True(t, strings.HasPrefix(posts[0].Body["content"].(string), "<@190000000000000001> <@&"+supportRole+"> "), posts[0].Body["content"])
	allowed := posts[0].Body["allowed_mentions"].(map[string]any)
	require.Equal(t, []any{}, allowed["parse"], "@everyone in the text pings nobody")
	require.Equal(t, []any{"190000000000000001"}, allowed["users"], "only the mentioned user")
	require.Equal(t, []any{supportRole}, allowed["roles"], "and the mentioned role, as a role")
}

func TestChatKeyedPostRetriedIsPostedOnce(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	a := newAdapter(t, f, newWorld(t), "")
	ctx := context.Background()
	m := crier.Message{Text: "Ana (@ana) on mastodon, 09:00: love it", Lines: []string{"https://example.social/@ana/1"},
		Buttons: []crier.Button{{Label: "Reply", Action: "reply", PostID: 7, Ref: "1", Command: "/reply 7 <your answer>"}},
		Key:     "crier-test-comment-1"}
	first, err := a.Post(ctx, crier.ChannelRef{Platform: "discord", ID: launch}, m)
	require.NoError(t, err)
	// The answer was lost (a timeout, a crash): the relay posts again.
	again, err := a.Post(ctx, crier.ChannelRef{Platform: "discord", ID: launch}, m)
	require.NoError(t, err)
	require.Equal(t, first, again, "the same message")
	require.Len(t, f.messagesIn(launch), 1, "the channel shows it once")
	posts := f.callsTo("POST /channels/" + launch + "/messages")
	require.Len(t, posts, 2)
	body := posts[1].Body
	require.Equal(t, discord.Nonce(m.Key), body["nonce"])
	require.Equal(t, true, body["enforce_nonce"])
	require.Equal(t, []any{}, body["allowed_mentions"].(map[string]any)["parse"])
	require.NotEmpty(t, body["components"], "the buttons go with it")

	// Another key is another message.
	_, err = a.Post(ctx, crier.ChannelRef{Platform: "discord", ID: launch}, crier.Message{Text: "another", Key: "crier-test-comment-2"})
	require.NoError(t, err)
	require.Len(t, f.messagesIn(launch), 2)
}

func TestChatRelayedTextInAThreadPingsNobody(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	a := newAdapter(t, f, newWorld(t), "")
	ctx := context.Background()
	header, err := a.Post(ctx, crier.ChannelRef{Platform: "discord", ID: inbox}, crier.Message{Text: "💬 Post #1 is out", Key: "crier-test-thread-1"})
	require.NoError(t, err)
	text := "Mallory on mastodon, 09:00: @everyone <@&123456789012345678> <!channel> look here"
	_, err = a.Post(ctx, crier.ChannelRef{Platform: "discord", ID: inbox, Thread: header.ID}, crier.Message{Text: text, Key: "crier-test-comment-1"})
	require.NoError(t, err)
	posts := f.callsTo("POST /channels/" + header.ID + "/messages")
	require.Len(t, posts, 1)
	body := posts[0].Body
	require.Equal(t, discord.Nonce("crier-test-comment-1"), body["nonce"], "a relayed message is keyed")
	allowed := body["allowed_mentions"].(map[string]any)
	require.Equal(t, []any{}, allowed["parse"], "@everyone, @here and roles in the text ping nobody")
	require.Empty(t, allowed["users"])
	require.Empty(t, allowed["roles"])
	content := body["content"].(string)
	require.Contains(t, content, `\<@&123456789012345678>`, "the role mention is escaped: it shows as text")
	require.Contains(t, content, `\<!channel>`)
	require.NotContains(t, content, "@everyone", "nor is @everyone a mention")
}
