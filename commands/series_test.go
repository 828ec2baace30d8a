package commands_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/criertest"
	"github.com/crier-bot/crier/internal/series"
)

// now is Mon 23 Nov 2026 10:00 in Bucharest (EET).

func TestSeriesIsScheduledWithItsFirstOccurrences(t *testing.T) {
	t.Parallel()
	b := setup(t)
	resp := b.say(t, ana, "/schedule every monday 9am Weekly tips")
	require.False(t, resp.Error, resp.Text)
	require.Equal(t, "✓ Scheduled every Monday at 09:00 to sandbox, first Mon 30 Nov 09:00 EET (in 7 days) (posts #1–#8).", resp.Text)
	require.Contains(t, resp.Lines, "repeats until 29 Nov 2027 (a year at most); schedule it again then.")
	require.Equal(t, "/cancel #1 series", resp.Buttons[0].Command)

	posts, err := b.pub.Posts(context.Background(), crier.PostFilter{Statuses: []crier.PostStatus{crier.PostScheduled}})
	require.NoError(t, err)
	require.Len(t, posts, 8)
	for i, p := range posts {
		require.Equal(t, "Weekly tips", p.Text)
		require.Equal(t, time.Monday, p.DueAt.Weekday())
		require.Equal(t, int64(i+1), p.ID)
	}
}

func TestSeriesForNTimesSaysHowMany(t *testing.T) {
	t.Parallel()
	b := setup(t)
	resp := b.say(t, ana, "/schedule every day at 10:30 for 3 times | Countdown")
	require.False(t, resp.Error, resp.Text)
	require.Contains(t, resp.Lines, "repeats 3 times, the last Wed 25 Nov 10:30 EET.")
}

func TestSeriesRefusalsAreOneLine(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for line, want := range map[string]string{
		"/schedule every 31st of february Hi": `✗ "every 31st of february Hi" never happens: February has no 31st. For the end of every month, say "every month on the last day".`,
		"/schedule every monday 9am":          "✗ There is no text after the repeat. Type it after the time, like: /schedule every monday 9am Weekly tips",
		"/schedule every blue moon Hi":        `✗ I couldn't read how often in "every blue moon Hi". Try "every monday 9am", "every day at 10:00", "every 2 weeks on friday 3pm" or "every month on the 1st".`,
	} {
		resp := b.say(t, ana, line)
		require.True(t, resp.Error, line)
		require.Equal(t, want, resp.Text, line)
	}
}

func TestCancelOfAnOccurrenceAsksThisOneOrTheSeries(t *testing.T) {
	t.Parallel()
	b := setup(t)
	require.False(t, b.say(t, ana, "/schedule every monday 9am Weekly tips").Error)

	ask := b.say(t, ana, "/cancel #2")
	require.False(t, ask.Error, ask.Text)
	require.Equal(t, "Post #2 is one of a series (every Monday at 09:00). Cancel this one only, or the whole series from now on? Type /cancel #2 only or /cancel #2 series.", ask.Text)
	require.Len(t, ask.Buttons, 2)
	require.Equal(t, "/cancel #2 only", ask.Buttons[0].Command)
	require.Equal(t, "/cancel #2 series", ask.Buttons[1].Command)
	p, err := b.pub.Post(context.Background(), 2)
	require.NoError(t, err)
	require.Equal(t, crier.PostScheduled, p.Status, "asking cancels nothing")

	one := b.say(t, ana, "/cancel #2 only")
	require.False(t, one.Error, one.Text)
	require.Contains(t, one.Text, "✓ Post #2 cancelled")
	p, err = b.pub.Post(context.Background(), 3)
	require.NoError(t, err)
	require.Equal(t, crier.PostScheduled, p.Status, "only that one")
}

func TestCancelSeriesCancelsOnlyFutureOnes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	require.False(t, b.say(t, ana, "/schedule every day at 11:00 Daily tip").Error) // #1 today 11:00, … #10
	// #1 went out (its time passed and it was published); now #5 is typed.
	b.clock.Add(2 * time.Hour)
	claims, err := b.db.ClaimDeliveries(context.Background(), b.clock.Now(), 10)
	require.NoError(t, err)
	require.Len(t, claims, 1)
	require.NoError(t, b.db.EndDeliveries(context.Background(), []crier.DeliveryEnd{{ID: claims[0].Delivery.ID, Status: crier.DeliveryPublished,
		Result: crier.PublishResult{RemoteID: "r1"}}}, publishedRules{}))

	resp := b.say(t, ana, "/cancel #5 series")
	require.False(t, resp.Error, resp.Text)
	require.Equal(t, "✓ Series cancelled (every day at 11:00): posts #2, #3, #4, #5, #6, #7, #8, #9 and #10 will not be published, and no more are made. Posts already out stay.", resp.Text)
	first, err := b.pub.Post(context.Background(), 1)
	require.NoError(t, err)
	require.Equal(t, crier.PostPublished, first.Status, "the past one stays")

	again := b.say(t, ana, "/cancel #3 series")
	require.True(t, again.Error)
	require.Equal(t, "✗ The series of post #3 is already cancelled. Type /queue to see what is upcoming.", again.Text)

	single := b.say(t, ana, "/schedule tomorrow 9am Alone")
	require.False(t, single.Error)
	resp = b.say(t, ana, "/cancel #11 series")
	require.Equal(t, "✗ Post #11 is not part of a series. To cancel it, type /cancel #11", resp.Text)
	resp = b.say(t, ana, "/cancel #11")
	require.Contains(t, resp.Text, "✓ Post #11 cancelled", "a post of its own is cancelled without a question")
}

// publishedRules settle a post whose deliveries are all published as
// published.
type publishedRules struct{}

func (publishedRules) Key(string, crier.Delivery) string   { return "" }
func (publishedRules) Rekey(string, crier.Delivery) string { return "" }
func (publishedRules) Settle(p *crier.Post) crier.PostStatus {
	for _, dl := range p.Deliveries {
		if dl.Status != crier.DeliveryPublished {
			return p.Status
		}
	}
	return crier.PostPublished
}

// approvalsWorld is crier publishing to one file network, with approvals on
// (asked in the shell's "approvals" channel, late after an hour), and its
// series service.
func approvalsWorld(t *testing.T) (*criertest.Bundle, *series.Service) {
	t.Helper()
	var svc *series.Service
	b := criertest.Setup(t, criertest.WithFileNetwork("long", 500), criertest.Started(),
		criertest.WithCommands(func(d *commands.Deps) {
			d.Approvals = commands.Approvals{On: true, Channel: crier.ChannelRef{Platform: "shell", ID: "approvals"}, LateAfter: time.Hour}
			svc = d.Series
		}))
	return b, svc
}

// A drafter's series: the approvers are asked once, about the series, and
// approving its first post approves every occurrence, made and to be made.
func TestADraftersSeriesIsApprovedOnceAndAllOfItGoesOut(t *testing.T) {
	t.Parallel()
	b, svc := approvalsWorld(t)
	resp := b.Say(t, "shell", drafter, "/schedule every day at 09:00 for 12 times | Daily tip")
	require.False(t, resp.Error, resp.Text)
	require.Equal(t, "✓ Scheduled every day at 09:00, first Mon 23 Nov 09:00 UTC (in 1 h) (posts #1–#10); the series waits for approval: approving post #1 approves all of it.", resp.Text)
	var asked []criertest.Posted
	for _, m := range b.Chat.Messages() {
		if m.Channel.ID == "approvals" {
			asked = append(asked, m)
		}
	}
	require.Len(t, asked, 1, "asked once, about the series")
	require.Equal(t, "📝 A series by bo waits for approval: every day at 09:00, 12 posts, the first Mon 23 Nov 09:00 UTC (in 1 h) (post #1). Approving post #1 approves the whole series.", asked[0].Text)
	require.Equal(t, "/approve #1 ^1", asked[0].Buttons[0].Command)

	require.Equal(t, "✓ Post #1 approved; it goes out at Mon 23 Nov 09:00 UTC (in 1 h).", b.Say(t, "shell", approver, "/approve #1 ^1").Text)
	// The approve handler calls svc.Approved (commands/compose.go); the
	// daily top-up approves the series too when it has not.
	_, err := svc.TopUp(context.Background(), b.Clock.Now())
	require.NoError(t, err)
	for day := range 12 {
		b.Clock.Add(24 * time.Hour)
		_, err := svc.TopUp(context.Background(), b.Clock.Now())
		require.NoError(t, err)
		b.WaitIdle(t)
		require.Len(t, b.OutboxRecords(t, "long"), day+1, "day %d", day+1)
	}
	for _, p := range b.OutboxRecords(t, "long") {
		require.Equal(t, "Daily tip", p.Text)
	}
}

func TestRejectingTheFirstPostOfASeriesHoldsTheSeriesUntilItIsFixed(t *testing.T) {
	t.Parallel()
	b, svc := approvalsWorld(t)
	require.False(t, b.Say(t, "shell", drafter, "/schedule every day at 09:00 for 3 times | Daily tipp").Error)

	resp := b.Say(t, "shell", approver, "/reject #1 typo in tip")
	require.Equal(t, "✓ Post #1 rejected, and its series waits with it; its author is told why.", resp.Text)
	var told string
	for _, m := range b.Chat.Messages() {
		if strings.Contains(m.Text, "was not approved") {
			told = m.Text
		}
	}
	require.Equal(t, "✗ Post #1, the first of a series, was not approved by cy: typo in tip. The whole series waits: change it with /edit #1 <text> to ask again (approving it approves the series), or /cancel #1 series to stop it.", told)
	_, err := svc.TopUp(context.Background(), b.Clock.Now())
	require.NoError(t, err)
	for _, id := range []int64{2, 3} {
		p, err := b.Publish.Post(context.Background(), id)
		require.NoError(t, err)
		require.Equal(t, crier.ApprovalAwaiting, p.Approval, "post #%d waits with the first", id)
	}

	require.False(t, b.Say(t, "shell", drafter, "/edit #1 Daily tip").Error)
	p, err := b.Publish.Post(context.Background(), 1)
	require.NoError(t, err)
	approve := fmt.Sprintf("/approve #1 ^%d", p.Revision)
	require.False(t, b.Say(t, "shell", approver, approve).Error)
	_, err = svc.TopUp(context.Background(), b.Clock.Now())
	require.NoError(t, err)
	for _, id := range []int64{2, 3} {
		p, err := b.Publish.Post(context.Background(), id)
		require.NoError(t, err)
		require.Equal(t, crier.ApprovalApproved, p.Approval, "post #%d is approved with the first", id)
	}
}

func TestASeriesApprovedLateSaysWhichPostsItSkipped(t *testing.T) {
	t.Parallel()
	b, _ := approvalsWorld(t)
	require.False(t, b.Say(t, "shell", drafter, "/schedule every day at 09:00 for 3 times | Daily tip").Error)
	b.Clock.Add(24*time.Hour + 90*time.Minute) // #1 and #2 have passed; #3 is tomorrow

	resp := b.Say(t, "shell", approver, "/approve #1 ^1 now")
	require.Equal(t, "✓ Post #1 approved; it goes out now. Its series is approved too; post #2 fell due while it waited, so it is skipped, not sent late.", resp.Text)
	b.WaitIdle(t)
	want := map[int64]crier.PostStatus{1: crier.PostPublished, 2: crier.PostCanceled, 3: crier.PostScheduled}
	for id, status := range want {
		p, err := b.Publish.Post(context.Background(), id)
		require.NoError(t, err)
		require.Equal(t, status, p.Status, "post #%d", id)
	}
	require.Len(t, b.OutboxRecords(t, "long"), 1, "only the first went out; the skipped one never does")
}
