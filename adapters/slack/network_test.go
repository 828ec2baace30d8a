package slack_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/internal/crier"
)

func TestChannelNetworkPublishesOncePerKey(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	n := newAdapter(t, f, newWorld(t), "http").Network("announcements", "C0ANNOUNCE", 4000)
	req := crier.PublishRequest{IdempotencyKey: "crier-1-announcements-0", PostID: 1, Text: "Launch day!", DueAt: time.Now()}

	res, err := n.Publish(context.Background(), req)
	require.NoError(t, err)
	require.Contains(t, res.URL, "https://crier-test.slack.com/archives/C0ANNOUNCE/p")
	again, err := n.Publish(context.Background(), req)
	require.NoError(t, err)
	require.Equal(t, res, again, "a repeat finds the first message")
	posts := f.postsCopy()
	require.Len(t, posts, 1)
	require.JSONEq(t, `{"event_type":"crier_post","event_payload":{"idempotency_key":"crier-1-announcements-0","post_id":"1"}}`, posts[0].Get("metadata"))
}

func TestChannelNetworkRetryAfterAnUnclearFailureDoesNotPostTwice(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	f.loseNext = true
	n := newAdapter(t, f, newWorld(t), "http").Network("announcements", "C0ANNOUNCE", 4000)
	req := crier.PublishRequest{IdempotencyKey: "crier-2-announcements-0", PostID: 2, Text: "Sale!", DueAt: time.Now()}

	_, err := n.Publish(context.Background(), req)
	require.Error(t, err)
	require.False(t, crier.IsPermanent(err), "a 500 is worth a retry")
	_, err = n.Publish(context.Background(), req)
	require.NoError(t, err)
	require.Len(t, f.postsCopy(), 1, "Slack had posted it; the retry found it")
}

func TestChannelNetworkRetryAfterARescheduleStillFindsTheFirstMessage(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	f.loseNext = true
	n := newAdapter(t, f, newWorld(t), "http").Network("announcements", "C0ANNOUNCE", 4000)
	first := time.Now()
	req := crier.PublishRequest{IdempotencyKey: "crier-3-announcements-0", PostID: 3, Text: "Moved", DueAt: first, StartedAt: first}

	_, err := n.Publish(context.Background(), req)
	require.Error(t, err)
	req.DueAt = first.Add(time.Hour) // rescheduled after the failed attempt
	_, err = n.Publish(context.Background(), req)
	require.NoError(t, err)
	require.Len(t, f.postsCopy(), 1, "the retry looked back to the first attempt and found its message")
}

func TestChannelNetworkJoinsAPublicChannelAndRefusesAPrivateOne(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	f.private["G0PRIVATE1"] = true
	a := newAdapter(t, f, newWorld(t), "http")
	_, err := a.Network("announcements", "C0ANNOUNCE", 4000).Publish(context.Background(), crier.PublishRequest{IdempotencyKey: "k1", Text: "x", DueAt: time.Now()})
	require.NoError(t, err)
	f.mu.Lock()
	require.True(t, f.members["C0ANNOUNCE"])
	f.mu.Unlock()

	_, err = a.Network("team", "G0PRIVATE1", 4000).Publish(context.Background(), crier.PublishRequest{IdempotencyKey: "k2", Text: "x", DueAt: time.Now()})
	require.True(t, crier.IsPermanent(err))
	require.Equal(t, "channel G0PRIVATE1 is private; type /invite @crier there", crier.ErrorMessage(err))
	require.Len(t, f.postsCopy(), 1)
}

func TestChannelNetworkExplainsPermanentErrors(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	f.missing["C0GONE1234"] = true
	n := newAdapter(t, f, newWorld(t), "http").Network("announcements", "C0GONE1234", 4000)
	_, err := n.Publish(context.Background(), crier.PublishRequest{IdempotencyKey: "k", Text: "x", DueAt: time.Now()})
	require.True(t, crier.IsPermanent(err))
	require.Equal(t, "Slack says channel C0GONE1234 does not exist or crier cannot see it; check channel: in bot.yaml", crier.ErrorMessage(err))
	require.Equal(t, crier.Count{Used: 5, Limit: 4000, Unit: "characters"}, n.Check("héllo"))
}
