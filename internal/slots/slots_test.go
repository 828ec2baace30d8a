package slots_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/criertest"
	"github.com/crier-bot/crier/internal/slots"
)

// published stores a post published on network at at, whose counts (when
// likes is not negative) were then read as likes.
func published(t *testing.T, b *criertest.Bundle, network string, at time.Time, likes int) {
	t.Helper()
	ctx := context.Background()
	b.Clock.Set(at)
	p := &crier.Post{Text: "post", DueAt: at, Targets: []string{network}, AuthorID: "u1", AuthorName: "ana"}
	_, err := b.Publish.Schedule(ctx, p)
	require.NoError(t, err)
	claims, err := b.DB.ClaimDeliveries(ctx, at, 10)
	require.NoError(t, err)
	require.Len(t, claims, 1)
	remote := network + "-" + at.Format("0102T1504")
	b.EndDelivery(t, claims[0].Delivery.ID, crier.DeliveryEnd{Status: crier.DeliveryPublished, Result: crier.PublishResult{RemoteID: remote}})
	if likes >= 0 {
		require.NoError(t, b.DB.SetPostStats(ctx, network, at.Add(time.Hour), []crier.PostStats{{RemoteID: remote, Likes: likes}}))
	}
}

func utc(month time.Month, day, hour int) time.Time {
	return time.Date(2026, month, day, hour, 0, 0, 0, time.UTC)
}

func TestSuggestRanksHoursByEngagementPerFollowerAtTheTime(t *testing.T) {
	t.Parallel()
	b := criertest.Setup(t, criertest.WithFileNetwork("mastodon", 500), criertest.WithFileNetwork("bluesky", 500))
	ctx := context.Background()
	now := b.Clock.Now()
	require.NoError(t, b.DB.AddSamples(ctx, []crier.Sample{
		{Metric: "followers", Account: "mastodon", At: utc(8, 1, 0), Value: 1000},
		{Metric: "followers", Account: "mastodon", At: utc(9, 10, 0), Value: 2000},
		{Metric: "followers", Account: "bluesky", At: utc(8, 1, 0), Value: 500},
	}))
	// Lisbon is UTC+1 in September: 08:00 UTC is 09:00 there.
	published(t, b, "mastodon", utc(8, 18, 8), 900) // Tue, before the 90 days
	published(t, b, "mastodon", utc(9, 1, 8), 20)   // Tue 09:00, 20 per 1,000
	published(t, b, "mastodon", utc(9, 8, 8), 20)
	published(t, b, "mastodon", utc(9, 15, 8), 40) // 2,000 followers by then
	published(t, b, "mastodon", utc(9, 22, 8), -1) // never measured
	published(t, b, "mastodon", utc(9, 3, 14), 5)  // Thu 15:00: 5, then 2.5 twice
	published(t, b, "mastodon", utc(9, 10, 14), 5)
	published(t, b, "mastodon", utc(9, 17, 14), 5)
	published(t, b, "mastodon", utc(9, 4, 9), 500) // Fri 10:00: only two posts
	published(t, b, "mastodon", utc(9, 11, 9), 500)
	published(t, b, "bluesky", utc(9, 7, 11), 5) // Mon 12:00: 10 per 1,000
	published(t, b, "bluesky", utc(9, 14, 11), 5)
	published(t, b, "bluesky", utc(9, 21, 11), 5)
	b.Clock.Set(now)

	lisbon, err := time.LoadLocation("Europe/Lisbon")
	require.NoError(t, err)
	got, err := slots.Suggest(ctx, b.DB, now, slots.Options{Location: lisbon})
	require.NoError(t, err)
	require.Equal(t, 11, got.Measured, "the unmeasured post and the one before the 90 days are left out")
	require.Equal(t, 3, got.MinPosts)
	require.Len(t, got.Best, 3, "Friday has too few posts")
	want := []slots.Hour{
		{Network: "mastodon", Weekday: time.Tuesday, Hour: 9, Posts: 3, PerK: 20},
		{Network: "bluesky", Weekday: time.Monday, Hour: 12, Posts: 3, PerK: 10},
		{Network: "mastodon", Weekday: time.Thursday, Hour: 15, Posts: 3, PerK: 10.0 / 3},
	}
	for i, w := range want {
		require.InDelta(t, w.PerK, got.Best[i].PerK, 1e-9, "%d", i)
		got.Best[i].PerK = w.PerK
	}
	require.Equal(t, want, got.Best)

	top, err := slots.Suggest(ctx, b.DB, now, slots.Options{Location: lisbon, Top: 1, MinPosts: 2})
	require.NoError(t, err)
	require.Equal(t, []slots.Hour{{Network: "mastodon", Weekday: time.Friday, Hour: 10, Posts: 2, PerK: (500 + 250) / 2}}, top.Best,
		"with two posts enough, Friday leads")
}

func TestSuggestWithTooFewPostsSuggestsNothing(t *testing.T) {
	t.Parallel()
	b := criertest.Setup(t, criertest.WithFileNetwork("mastodon", 500))
	ctx := context.Background()
	now := b.Clock.Now()
	require.NoError(t, b.DB.AddSamples(ctx, []crier.Sample{{Metric: "followers", Account: "mastodon", At: utc(8, 1, 0), Value: 1000}}))
	published(t, b, "mastodon", utc(9, 1, 8), 20)
	published(t, b, "mastodon", utc(9, 8, 8), 20)
	published(t, b, "mastodon", utc(9, 9, 8), 20)
	b.Clock.Set(now)
	got, err := slots.Suggest(ctx, b.DB, now, slots.Options{})
	require.NoError(t, err)
	require.Empty(t, got.Best)
	require.Equal(t, 3, got.Measured)
}

func TestSuggestLeavesOutPostsWithoutAFollowerNumber(t *testing.T) {
	t.Parallel()
	b := criertest.Setup(t, criertest.WithFileNetwork("mastodon", 500))
	ctx := context.Background()
	now := b.Clock.Now()
	for _, day := range []int{1, 8, 15} {
		published(t, b, "mastodon", utc(9, day, 8), 20)
	}
	b.Clock.Set(now)
	got, err := slots.Suggest(ctx, b.DB, now, slots.Options{})
	require.NoError(t, err)
	require.Empty(t, got.Best)
	require.Zero(t, got.Measured)
}
