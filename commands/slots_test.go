package commands_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/criertest"
)

// slotSetup is crier with the mastodon and bluesky file networks, people
// in zone, the clock at at and the given posting slots.
func slotSetup(t *testing.T, zone string, at time.Time, shared bool, slots ...crier.Slot) *criertest.Bundle {
	t.Helper()
	return criertest.Setup(t, criertest.WithTimezone(zone), criertest.WithClock(crier.NewManualClock(at)),
		criertest.WithFileNetwork("mastodon", 500), criertest.WithFileNetwork("bluesky", 500),
		criertest.WithCommands(func(d *commands.Deps) { d.Slots, d.SlotsShared = slots, shared }))
}

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

func TestScheduleNextTakesTheNextFreeSlot(t *testing.T) {
	t.Parallel()
	buc := zone(t, "Europe/Bucharest")
	b := slotSetup(t, "Europe/Bucharest", now, false,
		crier.Slot{Weekday: time.Tuesday, Hour: 9, Location: buc},
		crier.Slot{Weekday: time.Wednesday, Hour: 9, Location: buc, Network: "mastodon"},
		crier.Slot{Weekday: time.Monday, Hour: 10, Location: buc}, // now: passed
	)
	say := func(line string) commands.Response { return b.Say(t, "test", ana, line) }

	require.Equal(t, "✓ Post #1 scheduled for the next free slot, Tue 24 Nov 09:00 EET, to mastodon, bluesky.", say("/schedule next Launch day!").Text)
	require.Equal(t, "✓ Post #2 scheduled for the next free slot, Wed 25 Nov 09:00 EET, to mastodon.", say("/schedule next Second").Text,
		"Tuesday's slot is taken")
	require.Equal(t, time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC), b.Post(t, 2).DueAt)
	require.False(t, say("/schedule 30 nov 10:00 to bluesky | Typed by hand").Error)
	require.Equal(t, "✓ Post #4 scheduled for the next free slot, Tue 1 Dec 09:00 EET, to mastodon, bluesky.", say("/schedule next Third").Text,
		"a post typed for a slot's time takes it")
	require.False(t, say("/cancel #2").Error)
	require.Equal(t, "✓ Post #5 scheduled for the next free slot, Wed 25 Nov 09:00 EET, to mastodon.", say("/schedule next Fourth").Text,
		"a cancelled post frees its slot")
	require.Equal(t, "✓ Post #6 scheduled for the next free slot, Mon 7 Dec 10:00 EET, to bluesky.", say("/schedule next to bluesky | Fifth").Text,
		"Wednesday's slot is mastodon's alone, so not for a post to bluesky")
	require.Equal(t, "Fifth", b.Post(t, 6).Text)
}

func TestScheduleNextSharesASlotWhenBotYAMLAllows(t *testing.T) {
	t.Parallel()
	b := slotSetup(t, "Europe/Bucharest", now, true, crier.Slot{Weekday: time.Tuesday, Hour: 9, Location: zone(t, "Europe/Bucharest"), Network: "mastodon"})
	require.Equal(t, "✓ Post #1 scheduled for the next free slot, Tue 24 Nov 09:00 EET, to mastodon.", b.Say(t, "test", ana, "/schedule next One").Text)
	require.Equal(t, "✓ Post #2 scheduled for the next free slot, Tue 24 Nov 09:00 EET, to mastodon.", b.Say(t, "test", ana, "/schedule next Two").Text)
}

func TestScheduleNextKeepsALisbonSlotAtNineAcrossTheClockChange(t *testing.T) {
	t.Parallel()
	lisbon := zone(t, "Europe/Lisbon")
	// Monday 23 March 2026, 10:00 in Lisbon (WET, UTC+0); clocks go
	// forward on Sunday 29 March.
	b := slotSetup(t, "Europe/Lisbon", time.Date(2026, 3, 23, 10, 0, 0, 0, time.UTC), false,
		crier.Slot{Weekday: time.Monday, Hour: 9, Location: lisbon, Network: "mastodon"})
	require.Equal(t, "✓ Post #1 scheduled for the next free slot, Mon 30 Mar 09:00 WEST, to mastodon.", b.Say(t, "test", ana, "/schedule next Spring").Text)
	require.Equal(t, time.Date(2026, 3, 30, 8, 0, 0, 0, time.UTC), b.Post(t, 1).DueAt, "09:00 in Lisbon is 08:00 UTC in summer")
}

func TestScheduleNextRefusals(t *testing.T) {
	t.Parallel()
	b := slotSetup(t, "Europe/Bucharest", now, false)
	require.Equal(t, `✗ There are no posting slots yet; add them under slots: in bot.yaml, like slots: {all: {mon: ["09:00"], thu: ["17:30"]}}, or say when: /schedule tomorrow 9am <text>`,
		b.Say(t, "test", ana, "/schedule next Hello").Text)

	full := slotSetup(t, "Europe/Bucharest", now, false, crier.Slot{Weekday: time.Tuesday, Hour: 9, Location: zone(t, "Europe/Bucharest"), Network: "mastodon"})
	for range 4 { // the Tuesdays of the next 4 weeks
		require.False(t, full.Say(t, "test", ana, "/schedule next Post").Error)
	}
	require.Equal(t, "✗ Every posting slot in the next 4 weeks is taken. Say when instead, like: /schedule tomorrow 9am <text>, or add slots under slots: in bot.yaml.",
		full.Say(t, "test", ana, "/schedule next One too many").Text)
	require.Equal(t, "✗ There is no text. Type it after next, like: /schedule next Launch day is here!", full.Say(t, "test", ana, "/schedule next to mastodon |").Text)
}

func TestSlotsShowsTheWeekTakenAndFree(t *testing.T) {
	t.Parallel()
	lisbon := zone(t, "Europe/Lisbon")
	b := slotSetup(t, "Europe/Bucharest", now, false,
		crier.Slot{Weekday: time.Tuesday, Hour: 9, Location: lisbon},
		crier.Slot{Weekday: time.Friday, Hour: 17, Minute: 30, Location: lisbon, Network: "mastodon"},
	)
	require.False(t, b.Say(t, "test", ana, "/schedule next Launch").Error)
	resp := b.Say(t, "test", ana, "/slots")
	require.Equal(t, "2 posting slots in the next 7 days, 1 free:", resp.Text)
	require.Equal(t, []string{
		"Tue 24 Nov 11:00 EET  all networks  #1 “Launch”",
		"Fri 27 Nov 19:30 EET  mastodon  free",
		"/schedule next <text> puts a post in the next free slot; slots are set under slots: in bot.yaml (in Europe/Lisbon).",
	}, resp.Lines, "in the person's timezone")

	none := slotSetup(t, "Europe/Bucharest", now, false)
	require.Equal(t, `No posting slots are set; add them under slots: in bot.yaml, like slots: {all: {mon: ["09:00"], thu: ["17:30"]}}. Then /schedule next <text> takes the next free one.`,
		none.Say(t, "test", ana, "/slots").Text)
	require.Equal(t, `✗ "banana" is not something /slots does. Type /slots to see this week's slots, or /slots suggest for the best hours from your numbers.`,
		none.Say(t, "test", ana, "/slots banana").Text)
}

// publishedAt stores a post published on network at at whose counts were
// then read as likes.
func publishedAt(t *testing.T, b *criertest.Bundle, network string, at time.Time, likes int) {
	t.Helper()
	ctx := context.Background()
	b.Clock.Set(at)
	p := &crier.Post{Text: "post", DueAt: at, Targets: []string{network}, AuthorID: "u1", AuthorName: "ana"}
	_, err := b.Publish.Schedule(ctx, p)
	require.NoError(t, err)
	claims, err := b.DB.ClaimDeliveries(ctx, at, 10)
	require.NoError(t, err)
	require.Len(t, claims, 1)
	remote := network + at.Format("0102T1504")
	b.EndDelivery(t, claims[0].Delivery.ID, crier.DeliveryEnd{Status: crier.DeliveryPublished, Result: crier.PublishResult{RemoteID: remote}})
	require.NoError(t, b.DB.SetPostStats(ctx, network, at.Add(time.Hour), []crier.PostStats{{RemoteID: remote, Likes: likes}}))
}

func TestSlotsSuggestFromSeededNumbers(t *testing.T) {
	t.Parallel()
	b := slotSetup(t, "Europe/Lisbon", now, false, crier.Slot{Weekday: time.Monday, Hour: 9, Location: zone(t, "Europe/Lisbon")})
	ctx := context.Background()
	require.Equal(t, "Not enough posts yet to suggest slots (0 measured in the last 90 days; need at least 3 at one weekday hour on one network). Ask again after a few more weeks of posts.",
		b.Say(t, "test", ana, "/slots suggest").Text)

	require.NoError(t, b.DB.AddSamples(ctx, []crier.Sample{
		{Metric: "followers", Account: "mastodon", At: time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC), Value: 2000},
		{Metric: "followers", Account: "bluesky", At: time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC), Value: 400},
	}))
	for _, day := range []int{27, 34} { // Tuesdays, 09:00 in Lisbon (UTC+0 in winter)
		publishedAt(t, b, "mastodon", time.Date(2026, 10, day, 9, 0, 0, 0, time.UTC), 30)
	}
	for _, day := range []int{2, 9} { // Thursdays at 18:00: two posts only
		publishedAt(t, b, "bluesky", time.Date(2026, 10, day+27, 18, 0, 0, 0, time.UTC), 100)
	}
	b.Clock.Set(now)
	require.Equal(t, "Not enough posts yet to suggest slots (4 measured in the last 90 days; need at least 3 at one weekday hour on one network). Ask again after a few more weeks of posts.",
		b.Say(t, "test", ana, "/slots suggest").Text)

	publishedAt(t, b, "bluesky", time.Date(2026, 11, 19, 18, 0, 0, 0, time.UTC), 40)
	publishedAt(t, b, "mastodon", time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC), 30)
	b.Clock.Set(now)
	resp := b.Say(t, "test", ana, "/slots suggest")
	require.Equal(t, "Best hours to post, from 6 measured posts of the last 90 days (times in Europe/Lisbon; hours with fewer than 3 posts left out):", resp.Text)
	require.Equal(t, []string{
		"bluesky  Thu 18:00  200.0 engagement per 1,000 followers  (3 posts)",
		"mastodon  Tue 09:00  15.0 engagement per 1,000 followers  (3 posts)",
		`To post then, add it under slots: in bot.yaml, like bluesky: {thu: ["18:00"]}.`,
	}, resp.Lines)
}

func TestQueueShowsFreeSlotsAmongThePosts(t *testing.T) {
	t.Parallel()
	buc := zone(t, "Europe/Bucharest")
	b := slotSetup(t, "Europe/Bucharest", now, false,
		crier.Slot{Weekday: time.Tuesday, Hour: 9, Location: buc, Network: "mastodon"},
		crier.Slot{Weekday: time.Thursday, Hour: 9, Location: buc},
		crier.Slot{Weekday: time.Saturday, Hour: 12, Location: buc, Network: "mastodon"},
	)
	require.False(t, b.Say(t, "test", ana, "/schedule wed 25 nov 10:00 | Midweek").Error)
	require.False(t, b.Say(t, "test", ana, "/schedule 28 nov 12:00 to mastodon | In the Saturday slot").Error)
	require.False(t, b.Say(t, "test", ana, "/schedule 10 dec 12:00 | Later").Error)
	resp := b.Say(t, "test", ana, "/queue")
	require.Equal(t, []string{
		"· free slot Tue 24 Nov 09:00 (mastodon)",
		"#1  Wed 25 Nov 10:00 EET (in 2 days)  mastodon, bluesky  “Midweek”",
		"· free slot Thu 26 Nov 09:00 (all networks)",
		"#2  Sat 28 Nov 12:00 EET (in 5 days)  mastodon  “In the Saturday slot”",
		"#3  Thu 10 Dec 12:00 EET (in 17 days)  mastodon, bluesky  “Later”",
	}, resp.Lines, "only the next 7 days' free slots, the taken one left out")
	require.Equal(t, resp.Lines[:4], b.Say(t, "test", ana, "/queue week").Lines)
}
