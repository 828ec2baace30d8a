package discord_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/internal/crier"
)

func TestFindMessageFindsAKeyedMessageInAChannelAndInAThread(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	a := newAdapter(t, f, newWorld(t), "")
	ctx := context.Background()
	since := f.clock.Now()
	f.clock.Add(time.Second)
	chat := crier.ChannelRef{Platform: "discord", ID: inbox}
	header := crier.Message{Text: "💬 Post #1 is out: comments on it appear in this thread", Key: "crier-test-thread-1"}
	top, err := a.Post(ctx, chat, header)
	require.NoError(t, err)
	comment := crier.Message{Text: "Ana on mastodon, 09:00: love it", Lines: []string{"https://example.social/@ana/1"}, Key: "crier-test-comment-1",
		Buttons: []crier.Button{{Label: "Reply", Action: "reply", PostID: 1, Ref: "1", Command: "/reply 1 <your answer>"}}}
	in := crier.ChannelRef{Platform: "discord", ID: inbox, Thread: top.ID}
	posted, err := a.Post(ctx, in, comment)
	require.NoError(t, err)

	got, ok, err := a.FindMessage(ctx, chat, header, since)
	require.NoError(t, err)
	require.True(t, ok, "the header is in the channel")
	require.Equal(t, top, got)

	got, ok, err = a.FindMessage(ctx, in, comment, since)
	require.NoError(t, err)
	require.True(t, ok, "the comment is in the thread")
	require.Equal(t, posted, got)

	_, ok, err = a.FindMessage(ctx, in, crier.Message{Text: "Bo on mastodon, 09:01: meh", Key: "crier-test-comment-2"}, since)
	require.NoError(t, err)
	require.False(t, ok, "a message with another key was never posted")

	f.clock.Add(time.Hour)
	_, ok, err = a.FindMessage(ctx, in, comment, f.clock.Now())
	require.NoError(t, err)
	require.False(t, ok, "the comment is older than since")

	_, ok, err = a.FindMessage(ctx, crier.ChannelRef{Platform: "discord", ID: inbox, Thread: "1300000000000000999"}, comment, since)
	require.NoError(t, err, "a thread that does not exist holds nothing")
	require.False(t, ok)
}

func TestFindMessageReadsPastTheFirstPage(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	a := newAdapter(t, f, newWorld(t), "")
	ctx := context.Background()
	chat := crier.ChannelRef{Platform: "discord", ID: launch}
	m := crier.Message{Text: "Ana on bluesky, 09:00: when is the next one?", Key: "crier-test-comment-9"}
	since := f.clock.Now()
	f.clock.Add(time.Second)
	f.seedMessages(launch, "1999", "chatter", 150)
	f.seedMessages(launch, "1999", "Ana on bluesky, 09:00: when is the next one?", 1) // a person quoting it is not crier's message
	f.clock.Add(time.Second)
	posted, err := a.Post(ctx, chat, m)
	require.NoError(t, err)
	f.seedMessages(launch, "1999", "more chatter", 120)

	got, ok, err := a.FindMessage(ctx, chat, m, since)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, posted, got)
	reads := f.callsTo("GET /channels/" + launch + "/messages")
	require.GreaterOrEqual(t, len(reads), 2, "it read more than one page")
	for _, r := range reads {
		require.Equal(t, "100", r.Query.Get("limit"))
		require.Less(t, r.Query.Get("after"), posted.ID, "ids of the same length compare as text")
	}

	_, ok, err = a.FindMessage(ctx, chat, crier.Message{Text: "never posted", Key: "crier-test-comment-10"}, since)
	require.NoError(t, err)
	require.False(t, ok)
	require.Len(t, f.callsTo("GET /channels/"+launch+"/messages"), len(reads)+3, "it read every page: 272 messages are 3 pages")
}

// Two comments that read alike (no link, same author, same minute, same
// words) are two messages: a Reply button names its comment, and a retry of
// the second does not take the first for its own.
func TestFindMessageTellsAlikeCommentsApartByTheirButtons(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	a := newAdapter(t, f, newWorld(t), "")
	ctx := context.Background()
	since := f.clock.Now()
	f.clock.Add(time.Second)
	in := crier.ChannelRef{Platform: "discord", ID: inbox}
	alike := func(comment string) crier.Message {
		return crier.Message{Text: "Ana on hook, 09:00: +1", Key: "crier-test-comment-" + comment,
			Buttons: []crier.Button{{Label: "Reply", Action: "reply", PostID: 1, Ref: comment, Command: "/reply 1 <your answer>"}}}
	}
	first, err := a.Post(ctx, in, alike("1"))
	require.NoError(t, err)
	_, ok, err := a.FindMessage(ctx, in, alike("2"), since)
	require.NoError(t, err)
	require.False(t, ok, "the second comment was never posted")
	got, ok, err := a.FindMessage(ctx, in, alike("1"), since)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, first, got)
}
