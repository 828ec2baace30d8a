package commands_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/discord"
	"github.com/crier-bot/crier/adapters/slack"
	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/criertest"
)

var updateCalendar = flag.Bool("update-calendar", false, "rewrite the calendar's golden files in testdata/calendar")

// calendarWorld is a team's plan seen on Mon 23 Nov 2026 10:00 in
// Bucharest, with mastodon and bluesky, and posting slots at 09:00 on
// weekdays for mastodon and at 17:00 on Wednesdays for any network.
func calendarWorld(t *testing.T) *criertest.Bundle {
	t.Helper()
	buc, err := time.LoadLocation("Europe/Bucharest")
	require.NoError(t, err)
	var slots []crier.Slot
	for wd := time.Monday; wd <= time.Friday; wd++ {
		slots = append(slots, crier.Slot{Weekday: wd, Hour: 9, Location: buc, Network: "mastodon"})
	}
	slots = append(slots, crier.Slot{Weekday: time.Wednesday, Hour: 17, Location: buc})
	b := criertest.Setup(t, criertest.WithTimezone("Europe/Bucharest"), criertest.WithUserTimezones(),
		criertest.WithFileNetwork("mastodon", 500), criertest.WithFileNetwork("bluesky", 300),
		criertest.WithCommands(func(d *commands.Deps) { d.Slots = slots }))
	require.Equal(t, now, b.Clock.Now())
	return b
}

// plan stores a post due at the local time given ("2026-11-24 09:00") and
// returns it.
func plan(t *testing.T, b *criertest.Bundle, at string, p crier.Post) *crier.Post {
	t.Helper()
	buc, err := time.LoadLocation("Europe/Bucharest")
	require.NoError(t, err)
	if at != "" {
		p.DueAt, err = time.ParseInLocation("2006-01-02 15:04", at, buc)
		require.NoError(t, err)
	}
	if p.AuthorName == "" {
		p.AuthorID, p.AuthorName = "U1", "ana"
	}
	_, err = b.Publish.Schedule(context.Background(), &p)
	require.NoError(t, err)
	return &p
}

// went ends every delivery of p as status, and sets the post's status.
func went(t *testing.T, b *criertest.Bundle, p *crier.Post, post crier.PostStatus, status map[string]crier.DeliveryStatus) {
	t.Helper()
	for _, dl := range b.Post(t, p.ID).Deliveries {
		b.EndDelivery(t, dl.ID, crier.DeliveryEnd{Status: status[dl.Target], Reason: "refused", Result: crier.PublishResult{RemoteID: "r" + dl.Target}})
	}
	_, err := b.DB.SQL().ExecContext(context.Background(), `UPDATE posts SET status = ? WHERE id = ?`, post, p.ID)
	require.NoError(t, err)
}

// seedCalendar stores a month of every kind of post.
func seedCalendar(t *testing.T, b *criertest.Bundle) {
	t.Helper()
	both := []string{"mastodon", "bluesky"}
	p1 := plan(t, b, "2026-11-02 09:00", crier.Post{Text: "Our autumn newsletter is out", Targets: both, Campaign: "launch"})
	went(t, b, p1, crier.PostPublished, map[string]crier.DeliveryStatus{"mastodon": crier.DeliveryPublished, "bluesky": crier.DeliveryPublished})
	p2 := plan(t, b, "2026-11-10 12:00", crier.Post{Text: "Webinar at noon", Targets: []string{"bluesky"}})
	went(t, b, p2, crier.PostFailed, map[string]crier.DeliveryStatus{"bluesky": crier.DeliveryFailed})
	p3 := plan(t, b, "2026-11-23 09:00", crier.Post{Text: "Good morning, makers", Targets: []string{"mastodon"}})
	b.Maybe(t, p3.ID, "timeout")
	plan(t, b, "2026-11-24 09:00", crier.Post{Text: "Launch day is here! Everything you asked for, and more.", Targets: both,
		Campaign: "launch", Variants: map[string]string{"bluesky": "Launch day! 🚀"}})
	plan(t, b, "2026-11-24 15:00", crier.Post{Text: "Behind the scenes of the launch", Targets: []string{"mastodon"},
		AuthorID: "U4", AuthorName: "bea", Approval: crier.ApprovalAwaiting, Campaign: "launch"})
	gone := plan(t, b, "2026-11-26 11:00", crier.Post{Text: "This one was cancelled", Targets: both})
	_, err := b.Publish.Cancel(context.Background(), gone.ID)
	require.NoError(t, err)
	plan(t, b, "2026-11-28 10:00", crier.Post{Text: "Weekend sale, 20% off", Targets: []string{"bluesky"},
		Approval: crier.ApprovalRejected, ApprovalNote: "price is wrong"})
	plan(t, b, "2026-12-02 10:00", crier.Post{Text: "December plans", Targets: []string{"mastodon"}})
	plan(t, b, "", crier.Post{Text: "An idea for later", Targets: both, Status: crier.PostDraft})
}

// checkCalendarGolden compares got with testdata/calendar/name (written
// with -update-calendar).
func checkCalendarGolden(t *testing.T, name, got string) {
	t.Helper()
	golden := filepath.Join("testdata", "calendar", name)
	if *updateCalendar {
		require.NoError(t, os.MkdirAll(filepath.Dir(golden), 0o755))
		require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	require.Equal(t, string(want), got, name)
}

func TestCalendarMatchesItsGoldenFilesOnEveryPlatform(t *testing.T) {
	t.Parallel()
	b := calendarWorld(t)
	seedCalendar(t, b)
	for _, tt := range []struct{ name, line string }{
		{"week", "/calendar"},
		{"month", "/calendar month"},
		{"december", "/calendar dezembro"},
		{"november-launch", "/calendar november launch"},
		{"week-mastodon", "/calendar mastodon week"},
		{"day", "/calendar 24 nov"},
	} {
		resp := b.Say(t, "test", criertest.Ana, tt.line)
		require.False(t, resp.Error, "%s: %s", tt.line, resp.Text)
		// As each chat shows it: the shell's text, Slack's blocks, Discord's content.
		checkCalendarGolden(t, tt.name+".shell.txt", resp.String()+"\n")
		blocks, err := json.MarshalIndent(slack.Blocks(resp), "", "  ")
		require.NoError(t, err)
		checkCalendarGolden(t, tt.name+".slack.json", string(blocks)+"\n")
		checkCalendarGolden(t, tt.name+".discord.txt", discord.Content(resp)+"\n")
	}
}

func TestCalendarShowsEachPostsStateAndTheGaps(t *testing.T) {
	t.Parallel()
	b := calendarWorld(t)
	seedCalendar(t, b)
	got := b.Say(t, "test", criertest.Ana, "/calendar month").String()
	for _, want := range []string{
		"09:00  #3  mastodon  maybe, waiting for you  by ana",
		"09:00  #4  mastodon, bluesky  scheduled  by ana  campaign launch  “Launch day is here!",
		"15:00  #5  mastodon  awaiting approval  by bea  campaign launch",
		"10:00  #7  bluesky  not approved",
		"Wed 25 Nov — nothing planned",
		"free slots  09:00 (mastodon), 17:00 (any network)", // a month's free slots: one line a day
		"Not on the calendar: 1 draft without a time (#9)",
	} {
		require.Contains(t, got, want)
	}
	require.NotContains(t, got, "cancelled", "a cancelled post is not on the calendar")
	require.NotContains(t, got, "December plans", "the rest of the month ends with November")
	// Tue 24 at 09:00 mastodon is taken by #4, and Mon 23 at 09:00 is gone by.
	require.NotContains(t, got, "Tue 24 Nov\n    free")
	require.Equal(t, 4, strings.Count(got, "09:00 (mastodon)"), "Wed 25, Thu 26, Fri 27 and Mon 30 at 09:00")
	week := b.Say(t, "test", criertest.Ana, "/calendar").String()
	require.Contains(t, week, "Wed 25 Nov — nothing planned\n    09:00  free slot (mastodon)\n    17:00  free slot (any network)\n")
	require.Equal(t, 3, strings.Count(week, "free slot (mastodon)"), "Wed 25, Thu 26 and Fri 27 at 09:00")

	past := b.Say(t, "test", criertest.Ana, "/calendar november").String()
	require.Contains(t, past, "09:00  #1  mastodon, bluesky  published  by ana  campaign launch")
	require.Contains(t, past, "12:00  #2  bluesky  failed")
	require.Contains(t, past, "nothing went out")
}

func TestCalendarReadsItsSpans(t *testing.T) {
	t.Parallel()
	b := calendarWorld(t)
	for _, tt := range []struct{ line, head string }{
		{"/calendar", "The next 7 days (Mon 23 Nov – Sun 29 Nov), Europe/Bucharest: 0 posts"},
		{"/calendar semana", "The next 7 days (Mon 23 Nov – Sun 29 Nov)"},
		{"/calendar month", "The rest of November (Mon 23 Nov – Mon 30 Nov)"},
		{"/calendar december", "December 2026, Europe/Bucharest"},
		{"/calendar dez 2026", "December 2026, Europe/Bucharest"},
		{"/calendar january", "January 2027, Europe/Bucharest"}, // ahead, not ten months back
		{"/calendar june", "June 2026, Europe/Bucharest"},       // five months back
		{"/calendar 24 de novembro", "Tue 24 Nov, Europe/Bucharest"},
		{"/calendar nov 24", "Tue 24 Nov, Europe/Bucharest"},
		{"/calendar 2026-12-24", "Thu 24 Dec, Europe/Bucharest"},
		{"/calendar 20261124", "Tue 24 Nov, Europe/Bucharest"},
		{"/calendar tomorrow", "Tue 24 Nov, Europe/Bucharest"},
		{"/calendar 5 jan", "Tue 5 Jan 2027, Europe/Bucharest"},
	} {
		resp := b.Say(t, "test", criertest.Ana, tt.line)
		require.False(t, resp.Error, "%s: %s", tt.line, resp.Text)
		require.True(t, strings.HasPrefix(resp.Text, tt.head), "%s: %q", tt.line, resp.Text)
	}
	// A person elsewhere sees their own days.
	ny := crier.User{ID: "U7", Name: "joe", Timezone: "America/New_York"}
	require.True(t, strings.HasPrefix(b.Say(t, "test", ny, "/calendar").Text, "The next 7 days (Mon 23 Nov – Sun 29 Nov), America/New_York"))
}

func TestCalendarBadInputSaysWhatToType(t *testing.T) {
	t.Parallel()
	b := calendarWorld(t)
	seedCalendar(t, b)
	for _, tt := range []struct{ line, want string }{
		{"/calendar mastodn", "✗ There is no network or campaign named mastodn; did you mean mastodon? Type /calendar week mastodon."},
		{"/calendar month lanch", "✗ There is no network or campaign named lanch; did you mean launch? Type /calendar week launch."},
		{"/calendar zzzzzz", "✗ There is no network or campaign named zzzzzz. The networks are mastodon, bluesky; /campaign list shows the campaigns."},
		{"/calendar week mastodon launch", "✗ /calendar takes one network or one campaign, not \"mastodon launch\"."},
		{"/calendar 31 nov", "✗ November has no day 31. Type a day it has, like /calendar 1 nov."},
		{"/calendar 24", "✗ I can't read \"24\" as a time span."},
		{"/calendar 2026-13-01", "✗ I can't read \"2026-13-01\" as a time span."},
	} {
		resp := b.Say(t, "test", criertest.Ana, tt.line)
		require.True(t, resp.Error, tt.line)
		require.True(t, strings.HasPrefix(resp.Text, tt.want), "%s: %q", tt.line, resp.Text)
	}
}

func TestACalendarMonthFitsOneChatMessage(t *testing.T) {
	t.Parallel()
	b := calendarWorld(t)
	for day := 24; day <= 30; day++ {
		for h := 10; h < 18; h++ {
			plan(t, b, fmt.Sprintf("2026-11-%d %d:00", day, h), crier.Post{Text: strings.Repeat("A long line about _our_ *launch* ", 4),
				Targets: []string{"mastodon", "bluesky"}, Campaign: "launch"})
		}
	}
	resp := b.Say(t, "test", criertest.Ana, "/calendar month")
	require.False(t, resp.Error, resp.Text)
	require.Contains(t, resp.Text, ": 56 posts")
	var last string
	for _, l := range resp.Lines {
		if strings.HasPrefix(l, "…and") {
			last = l
		}
	}
	require.Regexp(t, `^…and \d+ more posts up to Mon 30 Nov; /calendar week shows the next 7 days, /calendar \d+ nov one day\.$`, last)
	content := discord.Content(resp)
	require.LessOrEqual(t, len([]rune(content)), 2000)
	require.NotRegexp(t, `…and \d+ more\.`, content, "crier cut the list itself, not the adapter")
	blocks, err := json.Marshal(slack.Blocks(resp))
	require.NoError(t, err)
	require.NotRegexp(t, `…and \d+ more\.`, string(blocks))
}

// Each day with posts opens with a button where the router knows the
// calendar_day button, and with a line saying what to type elsewhere.
func TestCalendarDaysOpen(t *testing.T) {
	t.Parallel()
	b := calendarWorld(t)
	seedCalendar(t, b)
	resp := b.Say(t, "test", criertest.Ana, "/calendar")
	if len(resp.Buttons) == 0 {
		require.Equal(t, "To open a day in full, type /calendar 23 nov.", resp.Lines[len(resp.Lines)-1])
		return
	}
	for _, btn := range resp.Buttons {
		value, ok := commands.EncodeButton(btn)
		require.True(t, ok, btn)
		press, err := b.Router.Press(value)
		require.NoError(t, err)
		require.Equal(t, "calendar", press.Command)
		day := b.Say(t, "test", criertest.Ana, "/calendar "+press.Text)
		require.False(t, day.Error, day.Text)
		require.True(t, strings.HasPrefix(day.Text, btn.Label), "%s opens %q", btn.Label, day.Text)
	}
}

func TestASlotIsTakenOnlyByALivePostOnItsNetworkAtItsTime(t *testing.T) {
	t.Parallel()
	b := calendarWorld(t)
	plan(t, b, "2026-11-24 09:00", crier.Post{Text: "Takes Tuesday's", Targets: []string{"mastodon"}})
	plan(t, b, "2026-11-26 09:00", crier.Post{Text: "Another network", Targets: []string{"bluesky"}})
	failed := plan(t, b, "2026-11-27 09:00", crier.Post{Text: "Failed", Targets: []string{"mastodon"}})
	went(t, b, failed, crier.PostFailed, map[string]crier.DeliveryStatus{"mastodon": crier.DeliveryFailed})
	cancelled := plan(t, b, "2026-11-25 17:00", crier.Post{Text: "Cancelled", Targets: []string{"mastodon", "bluesky"}})
	_, err := b.Publish.Cancel(context.Background(), cancelled.ID)
	require.NoError(t, err)
	plan(t, b, "2026-11-25 09:01", crier.Post{Text: "A minute late", Targets: []string{"mastodon"}})

	week := b.Say(t, "test", criertest.Ana, "/calendar").String()
	require.NotContains(t, week, "Tue 24 Nov\n    09:00  free slot", "taken by a scheduled mastodon post")
	for _, free := range []string{
		"Wed 25 Nov\n    09:00  free slot (mastodon)\n    09:01  #5", // a post a minute after its slot takes another time
		"17:00  free slot (any network)",                             // its post was cancelled
		"Thu 26 Nov\n    09:00  #2  bluesky",                         // a bluesky post leaves mastodon's slot…
		"09:00  free slot (mastodon)\n  Fri 27 Nov",                  // …free
		"Fri 27 Nov\n    09:00  #3  mastodon  failed",                // a failed post leaves its slot…
	} {
		require.Contains(t, week, free)
	}
	require.Contains(t, week[strings.Index(week, "Fri 27 Nov"):], "09:00  free slot (mastodon)", "…free to fill again")

	// /schedule next agrees: the first free slot is Wednesday's.
	resp := b.Say(t, "test", criertest.Ana, "/schedule next mastodon | Next one")
	require.False(t, resp.Error, resp.String())
	require.Contains(t, resp.Text, "Wed 25 Nov 09:00")
}
