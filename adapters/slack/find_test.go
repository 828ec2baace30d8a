package slack_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	slackapi "github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/slack"
	"github.com/crier-bot/crier/internal/crier"
)

// newFinder is an adapter on the fake, a member of channel (crier reads
// only channels it is in), with the fake's clock at t0.
func newFinder(t *testing.T, f *fakeSlack, channel string, t0 time.Time) *slack.Adapter {
	t.Helper()
	a, err := slack.New(slack.Options{BotToken: "xoxb-test", APIURL: f.GetAPIURL(), PerChannel: 1000})
	require.NoError(t, err)
	f.mu.Lock()
	f.members[channel] = true
	f.at = t0
	f.mu.Unlock()
	return a
}

func (f *fakeSlack) setNow(t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.at = t
}

func (f *fakeSlack) readsCopy() []map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []map[string]string
	for _, r := range f.reads {
		m := map[string]string{}
		for k := range r {
			m[k] = r.Get(k)
		}
		out = append(out, m)
	}
	return out
}

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func TestFindMessageFindsAKeyedReplyInItsThread(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	a := newFinder(t, f, "C0ALERTS1", t0)
	ctx := context.Background()
	ch := crier.ChannelRef{Platform: "slack", ID: "C0ALERTS1"}
	head, err := a.Post(ctx, ch, crier.Message{Text: "Comments on post #1", Key: "thread-1"})
	require.NoError(t, err)
	thread := crier.ChannelRef{Platform: "slack", ID: "C0ALERTS1", Thread: head.ID}
	_, err = a.Post(ctx, thread, crier.Message{Text: "@ana: when?", Key: "comment-1"})
	require.NoError(t, err)
	want, err := a.Post(ctx, thread, crier.Message{Text: "@bob: where?", Key: "comment-2"})
	require.NoError(t, err)

	posts := f.postsCopy()
	require.JSONEq(t, `{"event_type":"crier_message","event_payload":{"key":"comment-2"}}`, posts[2].Get("metadata"))

	got, ok, err := a.FindMessage(ctx, thread, crier.Message{Text: "@bob: where?", Key: "comment-2"}, t0)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, want, got)
	require.Equal(t, crier.MessageRef{Platform: "slack", Channel: "C0ALERTS1", ID: posts[2].Get("_ts"), Thread: head.ID}, got)
	reads := f.readsCopy()
	require.NotEmpty(t, reads)
	require.Equal(t, head.ID, reads[0]["ts"], "a thread is read with conversations.replies")
}

func TestFindMessageFindsAKeyedMessageInTheChannel(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	a := newFinder(t, f, "C0ALERTS1", t0)
	ctx := context.Background()
	ch := crier.ChannelRef{Platform: "slack", ID: "C0ALERTS1"}
	want, err := a.Post(ctx, ch, crier.Message{Text: "Comments on post #1", Key: "thread-1"})
	require.NoError(t, err)
	_, err = a.Post(ctx, ch, crier.Message{Text: "Comments on post #2", Key: "thread-2"})
	require.NoError(t, err)
	_, err = a.Post(ctx, crier.ChannelRef{Platform: "slack", ID: "C0ALERTS1", Thread: want.ID}, crier.Message{Text: "a reply", Key: "comment-9"})
	require.NoError(t, err)

	got, ok, err := a.FindMessage(ctx, ch, crier.Message{Key: "thread-1"}, t0)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, crier.MessageRef{Platform: "slack", Channel: "C0ALERTS1", ID: want.ID}, got)
	_, ok, err = a.FindMessage(ctx, ch, crier.Message{Key: "comment-9"}, t0)
	require.NoError(t, err)
	require.False(t, ok, "a thread reply is not in the channel's history, as on Slack")
}

func TestFindMessageDoesNotFindUnkeyedMessagesOrOtherKeys(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	a := newFinder(t, f, "C0ALERTS1", t0)
	ctx := context.Background()
	ch := crier.ChannelRef{Platform: "slack", ID: "C0ALERTS1"}
	head, err := a.Post(ctx, ch, crier.Message{Text: "Comments on post #1", Key: "thread-1"})
	require.NoError(t, err)
	thread := crier.ChannelRef{Platform: "slack", ID: "C0ALERTS1", Thread: head.ID}
	_, err = a.Post(ctx, thread, crier.Message{Text: "@ana: when?"})
	require.NoError(t, err)
	_, err = a.Post(ctx, thread, crier.Message{Text: "@ana: when?", Key: "comment-other"})
	require.NoError(t, err)
	_, err = a.Post(ctx, ch, crier.Message{Text: "✓ Post #1 published"})
	require.NoError(t, err)

	posts := f.postsCopy()
	require.Empty(t, posts[1].Get("metadata"), "a message without a key is posted as before")
	require.NotContains(t, posts[1], "metadata")
	require.NotContains(t, posts[3], "metadata")
	for _, c := range []struct {
		ch  crier.ChannelRef
		key string
	}{{thread, "comment-1"}, {thread, ""}, {ch, "comment-1"}, {ch, ""}} {
		ref, ok, err := a.FindMessage(ctx, c.ch, crier.Message{Text: "@ana: when?", Key: c.key}, t0)
		require.NoError(t, err)
		require.False(t, ok, "key %q in %+v", c.key, c.ch)
		require.Zero(t, ref)
	}
	_, ok, err := a.FindMessage(ctx, thread, crier.Message{Key: "comment-other"}, t0)
	require.NoError(t, err)
	require.True(t, ok, "the other key is there to be found")
}

func TestFindMessageLooksOnlySinceSinceWithAFewSecondsForClocks(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	a := newFinder(t, f, "C0ALERTS1", t0)
	ctx := context.Background()
	ch := crier.ChannelRef{Platform: "slack", ID: "C0ALERTS1"}
	head, err := a.Post(ctx, ch, crier.Message{Text: "Comments on post #1", Key: "thread-1"})
	require.NoError(t, err)
	thread := crier.ChannelRef{Platform: "slack", ID: "C0ALERTS1", Thread: head.ID}
	_, err = a.Post(ctx, thread, crier.Message{Text: "old", Key: "comment-1"})
	require.NoError(t, err)
	f.setNow(t0.Add(time.Hour))
	_, err = a.Post(ctx, thread, crier.Message{Text: "new", Key: "comment-2"})
	require.NoError(t, err)

	for _, c := range []struct {
		ch  crier.ChannelRef
		key string
	}{{thread, "comment-1"}, {ch, "thread-1"}} {
		_, ok, err := a.FindMessage(ctx, c.ch, crier.Message{Key: c.key}, t0.Add(30*time.Minute))
		require.NoError(t, err)
		require.False(t, ok, "%s was posted before since", c.key)
		_, ok, err = a.FindMessage(ctx, c.ch, crier.Message{Key: c.key}, t0.Add(2*time.Second))
		require.NoError(t, err)
		require.True(t, ok, "%s: a clock a little ahead of Slack's still finds it", c.key)
	}
	_, ok, err := a.FindMessage(ctx, thread, crier.Message{Key: "comment-2"}, t0.Add(30*time.Minute))
	require.NoError(t, err)
	require.True(t, ok)
	for _, r := range f.readsCopy() {
		require.NotEmpty(t, r["oldest"], "every read is bounded by since")
	}
}

func TestFindMessagePagesThroughALongThreadAndChannel(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	f.pageSize = 2
	a := newFinder(t, f, "C0ALERTS1", t0)
	ctx := context.Background()
	ch := crier.ChannelRef{Platform: "slack", ID: "C0ALERTS1"}
	first, err := a.Post(ctx, ch, crier.Message{Text: "Comments on post #1", Key: "thread-1"})
	require.NoError(t, err)
	thread := crier.ChannelRef{Platform: "slack", ID: "C0ALERTS1", Thread: first.ID}
	var last crier.MessageRef
	for i := range 7 {
		last, err = a.Post(ctx, thread, crier.Message{Text: fmt.Sprint("comment ", i), Key: fmt.Sprint("comment-", i)})
		require.NoError(t, err)
	}
	for i := 2; i <= 6; i++ {
		_, err = a.Post(ctx, ch, crier.Message{Text: fmt.Sprint("Comments on post #", i), Key: fmt.Sprint("thread-", i)})
		require.NoError(t, err)
	}

	got, ok, err := a.FindMessage(ctx, thread, crier.Message{Key: "comment-6"}, t0)
	require.NoError(t, err)
	require.True(t, ok, "the newest reply is on the thread's last page")
	require.Equal(t, last, got)
	reads := f.readsCopy()
	require.Len(t, reads, 4, "8 messages in pages of 2")
	for i, r := range reads[1:] {
		require.NotEmpty(t, r["cursor"], "page %d follows next_cursor", i+2)
	}

	got, ok, err = a.FindMessage(ctx, ch, crier.Message{Key: "thread-1"}, t0)
	require.NoError(t, err)
	require.True(t, ok, "the oldest header is on the channel's last page")
	require.Equal(t, first, got)
	require.Len(t, f.readsCopy(), 4+3, "6 headers in pages of 2")
}

func TestFindMessageNeedsIncludeAllMetadata(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	a := newFinder(t, f, "C0ALERTS1", t0)
	ctx := context.Background()
	ch := crier.ChannelRef{Platform: "slack", ID: "C0ALERTS1"}
	head, err := a.Post(ctx, ch, crier.Message{Text: "Comments on post #1", Key: "thread-1"})
	require.NoError(t, err)
	thread := crier.ChannelRef{Platform: "slack", ID: "C0ALERTS1", Thread: head.ID}
	_, err = a.Post(ctx, thread, crier.Message{Text: "@ana: when?", Key: "comment-1"})
	require.NoError(t, err)

	// Slack leaves metadata out unless asked: read without the argument,
	// the messages are there and their metadata is not.
	client := slackapi.New("xoxb-test", slackapi.OptionAPIURL(f.GetAPIURL()))
	msgs, _, _, err := client.GetConversationRepliesContext(ctx, &slackapi.GetConversationRepliesParameters{ChannelID: "C0ALERTS1", Timestamp: head.ID})
	require.NoError(t, err)
	require.Len(t, msgs, 2)
	require.Empty(t, msgs[1].Metadata.EventType)
	hist, err := client.GetConversationHistoryContext(ctx, &slackapi.GetConversationHistoryParameters{ChannelID: "C0ALERTS1"})
	require.NoError(t, err)
	require.Len(t, hist.Messages, 1)
	require.Empty(t, hist.Messages[0].Metadata.EventType)

	// The adapter sends it: its reads carry it, and without it nothing is found.
	_, ok, err := a.FindMessage(ctx, thread, crier.Message{Key: "comment-1"}, t0)
	require.NoError(t, err)
	require.True(t, ok)
	reads := f.readsCopy()
	require.Equal(t, "1", reads[len(reads)-1]["include_all_metadata"])
	f.mu.Lock()
	f.stripMeta = true
	f.mu.Unlock()
	for _, c := range []struct {
		ch  crier.ChannelRef
		key string
	}{{thread, "comment-1"}, {ch, "thread-1"}} {
		_, ok, err := a.FindMessage(ctx, c.ch, crier.Message{Key: c.key}, t0)
		require.NoError(t, err)
		require.False(t, ok, "%s without include_all_metadata", c.key)
	}
}

func TestFindMessageTurnsA429IntoARateLimitError(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	a := newFinder(t, f, "C0ALERTS1", t0)
	ctx := context.Background()
	ch := crier.ChannelRef{Platform: "slack", ID: "C0ALERTS1"}
	_, err := a.Post(ctx, ch, crier.Message{Text: "Comments on post #1", Key: "thread-1"})
	require.NoError(t, err)
	f.mu.Lock()
	f.limitReads = 1
	f.mu.Unlock()

	_, ok, err := a.FindMessage(ctx, ch, crier.Message{Key: "thread-1"}, t0)
	require.Error(t, err)
	require.False(t, ok)
	after, limited := crier.RetryAfter(err)
	require.True(t, limited, "a 429 asks the caller to wait and retry: %v", err)
	require.Equal(t, time.Second, after)
	var slackLimited *slackapi.RateLimitedError
	require.True(t, errors.As(err, &slackLimited), "Slack's error is kept for the log")

	_, ok, err = a.FindMessage(ctx, ch, crier.Message{Key: "thread-1"}, t0)
	require.NoError(t, err)
	require.True(t, ok, "the retry finds it")
}

func TestFindMessageJoinsAPublicChannelItPostedInWithoutJoining(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	a := newFinder(t, f, "C0ALERTS1", t0)
	_, ok, err := a.FindMessage(context.Background(), crier.ChannelRef{Platform: "slack", ID: "C0NOTIN01"}, crier.Message{Key: "thread-1"}, t0)
	require.NoError(t, err, "crier joins the public channel and reads it")
	require.False(t, ok)
	f.mu.Lock()
	member := f.members["C0NOTIN01"]
	f.mu.Unlock()
	require.True(t, member, "joined")

	f.mu.Lock()
	f.private["C0SECRET1"] = true
	f.mu.Unlock()
	_, ok, err = a.FindMessage(context.Background(), crier.ChannelRef{Platform: "slack", ID: "C0SECRET1"}, crier.Message{Key: "thread-1"}, t0)
	require.False(t, ok)
	var se slackapi.SlackErrorResponse
	require.True(t, errors.As(err, &se), "a private channel crier is not in is an error, not 'not found': %v", err)
	require.Contains(t, err.Error(), "C0SECRET1")
}
