package sqlite_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/internal/crier"
)

func TestAGaugeIsItsLatestReadingBeforeEachDaysEnd(t *testing.T) {
	t.Parallel()
	db, _ := mustOpen(t)
	ctx := context.Background()
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var ss []crier.Sample
	for h := range 48 { // two days of hourly readings, 100 then 100+h
		ss = append(ss, crier.Sample{Metric: "followers", Account: "masto", At: day.Add(time.Duration(h) * time.Hour), Value: float64(100 + h)})
	}
	ss = append(ss, crier.Sample{Metric: "followers", Account: "bsky", At: day, Value: 7})
	require.NoError(t, db.AddSamples(ctx, ss))

	got, err := db.Gauge(ctx, "followers", "masto", []time.Time{day, day.AddDate(0, 0, 1), day.AddDate(0, 0, 2), day.AddDate(0, 0, 30)})
	require.NoError(t, err)
	h := func(n int) time.Time { return day.Add(time.Duration(n) * time.Hour) }
	require.Equal(t, []crier.Reading{{}, {Value: 123, At: h(23), OK: true}, {Value: 147, At: h(47), OK: true}, {Value: 147, At: h(47), OK: true}}, got,
		"nothing before the first reading; then the last reading before each end, and when it was read")
	other, err := db.Gauge(ctx, "followers", "bsky", []time.Time{day.AddDate(0, 0, 1)})
	require.NoError(t, err)
	require.Equal(t, []crier.Reading{{Value: 7, At: day, OK: true}}, other, "each account its own")
}

func TestPublishedPostsCarryTheirLatestCountsAndCampaign(t *testing.T) {
	t.Parallel()
	db, _ := mustOpen(t)
	ctx := context.Background()
	p := newPost(crier.PostScheduled)
	p.Targets, p.Campaign = []string{"masto"}, "launch"
	require.NoError(t, db.CreatePost(ctx, p, &jobs{}))
	cs := claim(t, db, p.DueAt)
	end(t, db, crier.DeliveryEnd{ID: cs[0].Delivery.ID, Status: crier.DeliveryPublished, Result: crier.PublishResult{RemoteID: "s1", URL: "https://m/s1"}}, &jobs{})

	ids, err := db.PostsToMeasure(ctx, "masto", start)
	require.NoError(t, err)
	require.Equal(t, []string{"s1"}, ids)
	none, err := db.PostsToMeasure(ctx, "bsky", start)
	require.NoError(t, err)
	require.Empty(t, none)

	pub, err := db.Published(ctx, start, start.Add(24*time.Hour))
	require.NoError(t, err)
	require.Len(t, pub, 1)
	require.False(t, pub[0].Measured, "not read yet")
	require.NoError(t, db.SetPostStats(ctx, "masto", start.Add(2*time.Hour), []crier.PostStats{{RemoteID: "s1", Likes: 3, Reposts: 1}}))
	require.NoError(t, db.SetPostStats(ctx, "masto", start.Add(3*time.Hour), []crier.PostStats{{RemoteID: "s1", Likes: 5, Reposts: 2, Replies: 1}}))
	pub, err = db.Published(ctx, start, start.Add(24*time.Hour))
	require.NoError(t, err)
	require.True(t, pub[0].Measured)
	require.Equal(t, 8, pub[0].Engagement(), "the latest counts")
	require.Equal(t, "launch", pub[0].Campaign)
	require.Equal(t, "https://m/s1", pub[0].URL)
	later, err := db.Published(ctx, start.Add(24*time.Hour), start.Add(48*time.Hour))
	require.NoError(t, err)
	require.Empty(t, later)
}

func TestAValueSetAgainReplacesTheOneBefore(t *testing.T) {
	t.Parallel()
	db, _ := mustOpen(t)
	ctx := context.Background()
	require.NoError(t, db.SetValues(ctx, []crier.Value{
		{Day: "2026-12-05", Metric: "conversions", Value: 40, Source: crier.SourceChat, SetBy: "ana"},
		{Day: "2026-12-05", Metric: "spend", Campaign: "Launch", Value: 120, Currency: "EUR", Source: crier.SourceImport},
		{Day: "2026-12-06", Metric: "conversions", Value: 3, Source: crier.SourceAPI},
	}))
	require.NoError(t, db.SetValues(ctx, []crier.Value{{Day: "2026-12-05", Metric: "conversions", Value: 42, Source: crier.SourceChat, SetBy: "rui"}}))
	vs, err := db.Values(ctx, "2026-12-05", "2026-12-05")
	require.NoError(t, err)
	require.Len(t, vs, 2)
	require.Equal(t, 42.0, vs[0].Value, "replaced, not added")
	require.Equal(t, "rui", vs[0].SetBy)
	require.Equal(t, "launch", vs[1].Campaign, "campaign names are lower case")
}

func TestCampaignsAreUniqueByNameAndClose(t *testing.T) {
	t.Parallel()
	db, _ := mustOpen(t)
	ctx := context.Background()
	c := &crier.Campaign{Name: "Launch", Budget: 500, HasBudget: true, Currency: "EUR", EndsOn: "2026-12-31", CreatedBy: "ana"}
	require.NoError(t, db.AddCampaign(ctx, c))
	require.Equal(t, "launch", c.Name)
	err := db.AddCampaign(ctx, &crier.Campaign{Name: "launch"})
	require.Equal(t, crier.ECONFLICT, crier.ErrorCode(err))
	require.NoError(t, db.AddCampaign(ctx, &crier.Campaign{Name: "winter"}))
	_, err = db.CloseCampaign(ctx, "winter")
	require.NoError(t, err)
	_, err = db.CloseCampaign(ctx, "winter")
	require.Equal(t, crier.EINVALID, crier.ErrorCode(err))
	open, err := db.Campaigns(ctx, false)
	require.NoError(t, err)
	require.Len(t, open, 1)
	all, err := db.Campaigns(ctx, true)
	require.NoError(t, err)
	require.Equal(t, []string{"launch", "winter"}, []string{all[0].Name, all[1].Name})
	got, err := db.Campaign(ctx, "LAUNCH")
	require.NoError(t, err)
	require.True(t, got.HasBudget)
	require.Equal(t, 500.0, got.Budget)
	_, err = db.Campaign(ctx, "nope")
	require.Equal(t, crier.ENOTFOUND, crier.ErrorCode(err))
}

func TestADigestRunIsClaimedByOneClaimerAndOncePerDay(t *testing.T) {
	t.Parallel()
	db, _ := mustOpen(t)
	ctx := context.Background()
	due := start.Add(time.Hour)
	run := crier.DigestRun{Digest: "morning", Kind: "daily", Day: "2026-11-23", DueAt: due}
	added, err := db.AddDigestRun(ctx, run)
	require.NoError(t, err)
	require.True(t, added)
	added, err = db.AddDigestRun(ctx, run)
	require.NoError(t, err)
	require.False(t, added, "one daily run per digest and day")
	last, err := db.LastDigestRun(ctx, "morning", "daily")
	require.NoError(t, err)
	require.Equal(t, "2026-11-23", last)

	none, err := db.ClaimDigestRuns(ctx, due.Add(-time.Second), 10)
	require.NoError(t, err)
	require.Empty(t, none, "not due yet")

	// Many claimers at once: one gets it.
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		got []crier.DigestRun
	)
	for range 8 {
		wg.Go(func() {
			rs, err := db.ClaimDigestRuns(ctx, due, 10)
			require.NoError(t, err)
			mu.Lock()
			got = append(got, rs...)
			mu.Unlock()
		})
	}
	wg.Wait()
	require.Len(t, got, 1)
	require.True(t, got[0].TriedSince.IsZero())

	// A crash: due again, and the next claim knows an attempt began.
	n, err := db.RecoverDigestRuns(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	again, err := db.ClaimDigestRuns(ctx, due.Add(time.Minute), 10)
	require.NoError(t, err)
	require.Len(t, again, 1)
	require.False(t, again[0].TriedSince.IsZero(), "look for the message the first attempt may have posted")
	require.NoError(t, db.EndDigestRuns(ctx, []crier.DigestEnd{{ID: again[0].ID, Message: crier.MessageRef{Platform: "shell", Channel: "kpis", ID: "3"}}}))
	_, pending, err := db.NextDigestRun(ctx)
	require.NoError(t, err)
	require.False(t, pending)
}

func TestTheLastReadingOfEachAccountIsKept(t *testing.T) {
	t.Parallel()
	db, _ := mustOpen(t)
	ctx := context.Background()
	require.NoError(t, db.SetCollectStatus(ctx, "masto", start, "Mastodon refused crier's token."))
	require.NoError(t, db.SetCollectStatus(ctx, "sky", start, ""))
	require.NoError(t, db.SetCollectStatus(ctx, "masto", start.Add(time.Hour), ""))
	got, err := db.CollectStatuses(ctx)
	require.NoError(t, err)
	require.Equal(t, []crier.CollectStatus{{Account: "masto", At: start.Add(time.Hour)}, {Account: "sky", At: start}}, got)
}

func TestAPlannedRunFollowsBotYamlButNotPastDigestNow(t *testing.T) {
	t.Parallel()
	db, _ := mustOpen(t)
	ctx := context.Background()
	run := crier.DigestRun{Digest: "morning", Kind: "daily", Day: "2026-11-24", DueAt: start.Add(24 * time.Hour)}
	_, err := db.AddDigestRun(ctx, run)
	require.NoError(t, err)
	run.DueAt = start.Add(26 * time.Hour) // bot.yaml now says two hours later
	moved, err := db.AddDigestRun(ctx, run)
	require.NoError(t, err)
	require.True(t, moved)
	next, _, err := db.NextDigestRun(ctx)
	require.NoError(t, err)
	require.True(t, start.Add(26*time.Hour).Equal(next))

	now := crier.DigestRun{Digest: "morning", Kind: "daily", Day: "2026-11-24", DueAt: start.Add(time.Hour), Manual: true}
	moved, err = db.AddDigestRun(ctx, now)
	require.NoError(t, err)
	require.True(t, moved, "/digest now moves it earlier")
	moved, err = db.AddDigestRun(ctx, run)
	require.NoError(t, err)
	require.False(t, moved, "the plan leaves a run /digest now moved alone")
	next, _, err = db.NextDigestRun(ctx)
	require.NoError(t, err)
	require.True(t, start.Add(time.Hour).Equal(next))

	// A late run stands for the older ones still pending.
	old := crier.DigestRun{Digest: "morning", Kind: "daily", Day: "2026-11-23", DueAt: start}
	_, err = db.AddDigestRun(ctx, old)
	require.NoError(t, err)
	require.NoError(t, db.SkipDigestRuns(ctx, "morning", "daily", "2026-11-24"))
	rs, err := db.ClaimDigestRuns(ctx, start.Add(48*time.Hour), 10)
	require.NoError(t, err)
	require.Len(t, rs, 1)
	require.Equal(t, "2026-11-24", rs[0].Day)
	require.True(t, rs[0].Manual)
	require.NoError(t, db.SaveDigestRender(ctx, rs[0].ID, `{"text":"x"}`, true))
	n, err := db.RecoverDigestRuns(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	again, err := db.ClaimDigestRuns(ctx, start.Add(48*time.Hour), 10)
	require.NoError(t, err)
	require.Equal(t, `{"text":"x"}`, again[0].Rendered, "a retry posts what the first attempt rendered")
	require.True(t, again[0].Late)
}

// A post that waits for approval has held deliveries (never claimed, also
// after a reschedule); an approval of an older revision is refused; an
// approved post's deliveries are due at once when their time passed; an
// edit after approval holds them again.
func TestHeldDeliveriesWaitForTheApprovalOfTheTextSeen(t *testing.T) {
	t.Parallel()
	db, _ := mustOpen(t)
	ctx := context.Background()
	p := newPost(crier.PostScheduled)
	p.Approval = crier.ApprovalAwaiting
	p.Variants = map[string]string{"other": "Its own text"}
	require.NoError(t, db.CreatePost(ctx, p, &jobs{}))
	require.Empty(t, claim(t, db, p.DueAt.Add(time.Hour)), "held: never claimed")
	_, err := db.ReschedulePost(ctx, p.ID, p.DueAt.Add(time.Minute))
	require.NoError(t, err)
	require.Empty(t, claim(t, db, p.DueAt.Add(time.Hour)), "still held after a reschedule")
	_, pending, err := db.NextDelivery(ctx)
	require.NoError(t, err)
	require.False(t, pending, "nothing due: the queue does not wake for held deliveries")

	text := "Launch day, edited"
	edited, err := db.EditPost(ctx, p.ID, crier.PostEdit{Text: &text, By: "U9"})
	require.NoError(t, err)
	require.Equal(t, 2, edited.Revision)
	require.Equal(t, "U9", edited.EditedBy)
	require.Equal(t, "Its own text", edited.TextFor("other"))
	require.Equal(t, text, edited.TextFor("sandbox"))

	_, err = db.DecideApproval(ctx, p.ID, 1, true, "cy", "", p.DueAt.Add(2*time.Hour))
	require.Equal(t, crier.RefusedRevision, reason(t, err), "approving the text before the edit")
	approved, err := db.DecideApproval(ctx, p.ID, 2, true, "cy", "", p.DueAt.Add(2*time.Hour))
	require.NoError(t, err)
	require.Equal(t, crier.ApprovalApproved, approved.Approval)
	_, err = db.DecideApproval(ctx, p.ID, 2, true, "cy", "", p.DueAt.Add(2*time.Hour))
	require.Equal(t, crier.RefusedNotAwaiting, reason(t, err), "approving twice")

	// An edit after approval holds the post again.
	again := "Edited after approval"
	held, err := db.EditPost(ctx, p.ID, crier.PostEdit{Text: &again, By: "U1"})
	require.NoError(t, err)
	require.Equal(t, crier.ApprovalAwaiting, held.Approval)
	require.Empty(t, claim(t, db, p.DueAt.Add(3*time.Hour)))
	_, err = db.DecideApproval(ctx, p.ID, 3, true, "cy", "", p.DueAt.Add(3*time.Hour))
	require.NoError(t, err)
	require.Len(t, claim(t, db, p.DueAt.Add(3*time.Hour)), 2, "released: due now, its time having passed")
}

func reason(t *testing.T, err error) string {
	t.Helper()
	var pe *crier.PostError
	require.ErrorAs(t, err, &pe)
	return pe.Reason
}
