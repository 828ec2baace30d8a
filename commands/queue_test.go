package commands_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/criertest"
)

// queueSetup is setup with the clock at hand and networks named as in bot.yaml.
func queueSetup(t *testing.T, networks ...string) (*bundle, *crier.ManualClock) {
	t.Helper()
	var opts []criertest.Option
	for _, name := range networks {
		opts = append(opts, criertest.WithFileNetwork(name, 500))
	}
	b := setupWith(t, opts...)
	return b, b.clock
}

// scheduleDays schedules n posts, one a day from tomorrow at 9.
func scheduleDays(t *testing.T, b *bundle, n int) {
	t.Helper()
	for i := range n {
		due := now.Add(time.Duration(i+1) * 24 * time.Hour).Format("2006-01-02")
		resp := b.say(t, ana, fmt.Sprintf("/schedule %s 09:00 | Post %d", due, i+1))
		require.False(t, resp.Error, resp.Text)
	}
}

func TestQueueCountsEveryPostAndNeverHidesDrafts(t *testing.T) {
	t.Parallel()
	b, _ := queueSetup(t, "sandbox")
	scheduleDays(t, b, 26)
	require.False(t, b.say(t, ana, "/draft Idea").Error)

	resp := b.say(t, ana, "/queue")
	require.Equal(t, "26 scheduled, 1 draft:", resp.Text)
	require.Contains(t, resp.Lines, "#27  draft  “Idea”", "the draft is on the first page")
	require.Equal(t, "page 1 of 4 — /queue 2 for more", resp.Lines[len(resp.Lines)-1])
	require.Len(t, resp.Lines, 8+1+1)

	resp = b.say(t, ana, "/queue 4")
	require.Equal(t, "26 scheduled, 1 draft:", resp.Text)
	require.Equal(t, []string{
		"#25  Fri 18 Dec 09:00 EET (in 25 days)  sandbox  “Post 25”",
		"#26  Sat 19 Dec 09:00 EET (in 26 days)  sandbox  “Post 26”",
		"page 4 of 4 — /queue for the first",
	}, resp.Lines)
}

func TestQueueWeekListsTheNextSevenDays(t *testing.T) {
	t.Parallel()
	b, _ := queueSetup(t, "sandbox")
	scheduleDays(t, b, 9)
	require.False(t, b.say(t, ana, "/draft Idea").Error)

	resp := b.say(t, ana, "/queue week")
	require.Equal(t, "7 scheduled in the next 7 days (9 in all), 1 draft:", resp.Text)
	require.Len(t, resp.Lines, 7+1)
	require.Equal(t, "#7  Mon 30 Nov 09:00 EET (in 7 days)  sandbox  “Post 7”", resp.Lines[6])
	require.Equal(t, "#10  draft  “Idea”", resp.Lines[7])
}

func TestQueueArguments(t *testing.T) {
	t.Parallel()
	const usage = "Type /queue, /queue 2 for the second page, or /queue week for the next 7 days."
	tests := []struct {
		name, line, text string
	}{
		{"a word that is not a page is refused with what to type", "/queue banana", `✗ "banana" is not a page. ` + usage},
		{"page zero is refused", "/queue 0", `✗ "0" is not a page. ` + usage},
		{"a negative page is refused", "/queue -1", `✗ "-1" is not a page. ` + usage},
		{"too many words are refused", "/queue week 2 3", `✗ "week 2 3" is not a page. ` + usage},
		{"a page past the last says how many there are", "/queue 4", "✗ There is no page 4; the queue has 1. Type /queue to see it."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, _ := queueSetup(t, "sandbox")
			scheduleDays(t, b, 1)
			resp := b.say(t, ana, tt.line)
			require.True(t, resp.Error)
			require.Equal(t, tt.text, resp.Text)
		})
	}
}

func TestQueuePageNumbersAreAccepted(t *testing.T) {
	t.Parallel()
	b, _ := queueSetup(t, "sandbox")
	scheduleDays(t, b, 12)
	for _, line := range []string{"/queue 2", "/queue page 2", "/queue #2"} {
		resp := b.say(t, ana, line)
		require.False(t, resp.Error, "%s: %s", line, resp.Text)
		require.Contains(t, resp.Lines[len(resp.Lines)-1], "page 2 of ", line)
	}
	require.Equal(t, "7 scheduled in the next 7 days (12 in all), 0 drafts:", b.say(t, ana, "/queue week").Text)
	require.Equal(t, "✗ There is no page 2; the queue has 1. Type /queue week to see it.", b.say(t, ana, "/queue week 2").Text)
}

func TestAnOverduePostWaitingForAPersonSaysSo(t *testing.T) {
	t.Parallel()
	b, clock := queueSetup(t, "sandbox")
	ctx := context.Background()
	require.False(t, b.say(t, ana, "/schedule now | Maybe out").Error)
	p, err := b.pub.Post(ctx, 1)
	require.NoError(t, err)
	claims, err := b.db.ClaimDeliveries(ctx, p.DueAt, 10)
	require.NoError(t, err)
	require.Len(t, claims, 1)
	err = b.db.EndDeliveries(ctx, []crier.DeliveryEnd{{ID: claims[0].Delivery.ID, Status: crier.DeliveryMaybe, Reason: "no answer", Unclear: true}}, criertest.KeepStatus{})
	require.NoError(t, err)

	resp := b.say(t, ana, "/queue")
	require.Equal(t, []string{
		"#1  Mon 23 Nov 10:00 EET (waiting for you)  sandbox  “Maybe out”",
		"    ❓ waiting for you: was it published? /published #1 sandbox or /republish #1 sandbox",
	}, resp.Lines)
	require.NotContains(t, resp.String(), "less than a minute")

	clock.Add(3 * time.Hour)
	resp = b.say(t, ana, "/queue")
	require.Equal(t, "#1  Mon 23 Nov 10:00 EET (waiting for you)  sandbox  “Maybe out”", resp.Lines[0])
}

func TestAnOverduePostStillGoingOutSaysSo(t *testing.T) {
	t.Parallel()
	b, clock := queueSetup(t, "sandbox")
	require.False(t, b.say(t, ana, "/schedule tomorrow 9am | Soon").Error)
	clock.Add(23*time.Hour + 5*time.Minute) // tomorrow 9am EET is 23 h away
	resp := b.say(t, ana, "/queue")
	require.Equal(t, []string{"#1  Tue 24 Nov 09:00 EET (due 5 min ago, going out)  sandbox  “Soon”"}, resp.Lines)
}

// One page must fit the smallest message a chat allows: Discord's 2,000
// characters (UTF-16 code units) of content, with room for its list marks.
func TestAFullQueuePageFitsOneChatMessage(t *testing.T) {
	t.Parallel()
	b, _ := queueSetup(t, "mastodon-main", "bluesky-main", "webhook-main")
	long := strings.Repeat("Our spring collection drops Friday at noon, ", 3)
	for i := range 30 {
		resp := b.say(t, ana, fmt.Sprintf("/schedule in %d hours | %d %s", 30+i*7, i, long))
		require.False(t, resp.Error, resp.Text)
		require.False(t, b.say(t, ana, "/draft "+long).Error)
	}
	resp := b.say(t, ana, "/queue")
	require.Equal(t, "30 scheduled, 30 drafts:", resp.Text)
	width := len(utf16.Encode([]rune(resp.String())))
	require.LessOrEqual(t, width, 1600, "the page is %d characters:\n%s", width, resp.String())
}

func TestAFullPageOfPostsWaitingForAPersonFitsOneChatMessage(t *testing.T) {
	t.Parallel()
	b, _ := queueSetup(t, "mastodon-main", "bluesky-main", "webhook-main")
	ctx := context.Background()
	long := strings.Repeat("Our spring collection drops Friday at noon, ", 3)
	for i := range 8 {
		require.False(t, b.say(t, ana, fmt.Sprintf("/schedule now | %d %s", i, long)).Error)
		p, err := b.pub.Post(ctx, int64(i+1))
		require.NoError(t, err)
		for _, d := range p.Deliveries {
			err := b.db.EndDeliveries(ctx, []crier.DeliveryEnd{{ID: d.ID, Status: crier.DeliveryMaybe, Reason: "no answer", Unclear: true}}, criertest.KeepStatus{})
			require.NoError(t, err)
		}
	}
	for range 4 {
		require.False(t, b.say(t, ana, "/draft "+long).Error)
	}
	resp := b.say(t, ana, "/queue")
	require.Contains(t, resp.String(), "❓ waiting for you: was it published on mastodon-main, bluesky-main, webhook-main? For each, /published #1 mastodon-main or /republish #1 mastodon-main, and so on")
	width := len(utf16.Encode([]rune(resp.String())))
	require.LessOrEqual(t, width, 3000, "Slack's section takes 3,000 characters; the page is %d:\n%s", width, resp.String())
}
