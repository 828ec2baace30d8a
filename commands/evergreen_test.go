package commands_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/internal/crier"
)

// evergreenPosts schedules a post for each text and marks it evergreen in
// the store (the /evergreen command has its own test).
func (b *bundle) evergreenPosts(t *testing.T, texts ...string) {
	t.Helper()
	for _, text := range texts {
		resp := b.say(t, ana, "/schedule tomorrow 9am "+text)
		require.False(t, resp.Error, resp.Text)
	}
	for i := range texts {
		_, err := b.db.MarkEvergreen(context.Background(), int64(i+1), true, ana.ID)
		require.NoError(t, err)
	}
}

func TestEvergreenSeriesRepostsMarkedPostsInTurn(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.evergreenPosts(t, "Our guide", "Our FAQ", "Our story") // #1–#3

	resp := b.say(t, ana, "/schedule every 2 weeks on monday 9am from queue evergreen")
	require.False(t, resp.Error, resp.Text)
	require.Equal(t, "✓ Scheduled every 2 weeks on Monday at 09:00, re-posting evergreen posts in turn, first Mon 30 Nov 09:00 EET (in 7 days).", resp.Text)
	require.Equal(t, []string{
		"#4  Mon 30 Nov 09:00 EET  sandbox  “Our guide”",
		"#5  Mon 14 Dec 09:00 EET  sandbox  “Our FAQ”",
		"#6  Mon 28 Dec 09:00 EET  sandbox  “Our story”",
		"#7  Mon 11 Jan 2027 09:00 EET  sandbox  “Our guide”",
		"each time is a post of its own; the next ones are added as their time nears, each with the next evergreen post.",
	}, resp.Lines)
	require.Equal(t, "/cancel #4 series", resp.Buttons[0].Command)

	orig, err := b.pub.Post(context.Background(), 1)
	require.NoError(t, err)
	repost, err := b.pub.Post(context.Background(), 4)
	require.NoError(t, err)
	require.Equal(t, orig.Text, repost.Text)
	require.NotEqual(t, orig.Deliveries[0].IdempotencyKey, repost.Deliveries[0].IdempotencyKey, "a re-post has keys of its own")

	pt := b.say(t, ana, "/schedule a cada 3 semanas às 9h das publicações evergreen")
	require.False(t, pt.Error, pt.Text)
	require.Contains(t, pt.Lines[0], "“Our FAQ”", "the rotation goes on across series")

	cancel := b.say(t, ana, "/cancel #5 series")
	require.False(t, cancel.Error, cancel.Text)
	require.Equal(t, "✓ Series cancelled (every 2 weeks on Monday at 09:00, re-posting evergreen posts): posts #4, #5, #6 and #7 will not be published, and no more are made. Posts already out stay.", cancel.Text)
	orig, err = b.pub.Post(context.Background(), 1)
	require.NoError(t, err)
	require.Equal(t, crier.PostScheduled, orig.Status, "the evergreen post itself stays")
}

func TestEvergreenSeriesRefusals(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for line, want := range map[string]string{
		"/schedule every 3 weeks from queue evergreen":                           "✗ There are no evergreen posts: mark some with /evergreen #id, then schedule the series again.",
		"/schedule every 3 weeks from queue evergreen\nimage: https://e.x/a.jpg": "✗ An evergreen series re-posts the evergreen posts as they are (networks, pictures, campaign). Type only when, like: /schedule every 3 weeks on monday 9am from queue evergreen",
	} {
		resp := b.say(t, ana, line)
		require.True(t, resp.Error, line)
		require.Equal(t, want, resp.Text, line)
	}
	posts, err := b.pub.Upcoming(context.Background(), 10)
	require.NoError(t, err)
	require.Empty(t, posts)
}

func TestEvergreenCommandMarksListsAndUnmarks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	if !b.router.Has("evergreen") {
		t.Skip("commands.New does not register r.evergreenDef() yet")
	}
	require.Equal(t, "No evergreen posts yet. Mark one with /evergreen #12; /schedule every 3 weeks from queue evergreen then re-posts them in turn.",
		b.say(t, ana, "/evergreen").Text)
	for _, text := range []string{"Our guide", "Our FAQ", "Our story"} {
		require.False(t, b.say(t, ana, "/draft "+text).Error)
	}
	for _, line := range []string{"/evergreen #3", "/evergreen #1", "/evergreen #2"} {
		resp := b.say(t, ana, line)
		require.False(t, resp.Error, resp.Text)
	}
	require.Equal(t, "✓ Post #2 is evergreen: evergreen series re-post it in turn. /evergreen lists them; /evergreen #2 off unmarks it.", b.say(t, ana, "/evergreen #2").Text)
	require.False(t, b.say(t, ana, "/schedule every 2 weeks on monday 9am from queue evergreen").Error) // #4 #1, #5 #2, #6 #3, #7 #1

	list := b.say(t, ana, "/evergreen")
	require.Equal(t, "3 evergreen posts, the next to be re-posted first:", list.Text)
	require.Equal(t, []string{
		"#2  re-posted 1 time, last Mon 14 Dec 09:00 EET (#5)  sandbox  “Our FAQ”",
		"#3  re-posted 1 time, last Mon 28 Dec 09:00 EET (#6)  sandbox  “Our story”",
		"#1  re-posted 2 times, last Mon 11 Jan 2027 09:00 EET (#7)  sandbox  “Our guide”",
	}, list.Lines)

	off := b.say(t, ana, "/evergreen #2 off")
	require.Equal(t, "✓ Post #2 is no longer evergreen; re-posts of it already scheduled stay (/queue lists them).", off.Text)
	require.Len(t, b.say(t, ana, "/evergreen").Lines, 2)

	for line, want := range map[string]string{
		"/evergreen #2 off":   "✗ Post #2 is not evergreen. Type /evergreen to see the evergreen posts.",
		"/evergreen #9":       "✗ There is no post #9. Type /queue to see the upcoming posts and their numbers.",
		"/evergreen #4":       "✗ Post #4 is a re-post of evergreen post #1, which is in the rotation already.",
		"/evergreen #1 maybe": "✗ Type /evergreen #12 to mark post #12, /evergreen #12 off to unmark it, or /evergreen to list them.",
	} {
		resp := b.say(t, ana, line)
		require.True(t, resp.Error, line)
		require.Equal(t, want, resp.Text, line)
	}
}
