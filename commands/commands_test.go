package commands_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/sqlite"
	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/criertest"
	"github.com/crier-bot/crier/internal/publish"
	"github.com/crier-bot/crier/internal/timeparse"
)

// now is Mon 2026-11-23 10:00 in Bucharest.
var now = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

var _ commands.TimezoneStore = (*sqlite.DB)(nil)

type bundle struct {
	router *commands.Router
	pub    *publish.Service
	db     *sqlite.DB
	clock  *crier.ManualClock
}

// setup builds the router on a real store and job engine (not started: these
// tests look at what is stored, not at publishing), with the sandbox network
// limited to 40 characters.
func setup(t *testing.T) *bundle {
	t.Helper()
	return setupWith(t, criertest.WithFileNetwork("sandbox", 40))
}

// setupWith is setup with other networks.
func setupWith(t *testing.T, networks ...criertest.Option) *bundle {
	t.Helper()
	b := criertest.Setup(t, append([]criertest.Option{criertest.WithTimezone("Europe/Bucharest"), criertest.WithUserTimezones()}, networks...)...)
	require.Equal(t, now, b.Clock.Now())
	return &bundle{router: b.Router, pub: b.Publish, db: b.DB, clock: b.Clock}
}

var ana = crier.User{ID: "U1", Name: "ana", Roles: []crier.Role{crier.RoleScheduler}}

func (b *bundle) say(t *testing.T, u crier.User, line string) commands.Response {
	t.Helper()
	return sayOn(t, b.router, "test", u, line)
}

// sayOn says line to r as u on the given platform.
func sayOn(t *testing.T, r *commands.Router, platform string, u crier.User, line string) commands.Response {
	t.Helper()
	name, args, ok := commands.Parse(line)
	require.True(t, ok, line)
	return r.Handle(context.Background(), commands.Request{
		Platform: platform, User: u, Channel: crier.ChannelRef{Platform: platform, ID: "C1"}, Command: name, Text: args,
	})
}

func TestCommands(t *testing.T) {
	t.Parallel()
	newYork := crier.User{ID: "U2", Name: "joe", Timezone: "America/New_York", Roles: []crier.Role{crier.RoleAdmin}}
	tests := []struct {
		name   string
		user   crier.User
		before []string // lines said first; each must succeed
		line   string
		text   string // the response's headline
		lines  []string
		err    bool
		stored int // posts in /queue afterwards
	}{
		{name: "a pipe separates the time from the text", user: ana, line: "/schedule friday 3pm | 9am standup moved",
			text: "✓ Post #1 scheduled for Fri 27 Nov 15:00 EET (in 4 days) to sandbox.", lines: []string{"sandbox  17/40  “9am standup moved”"}, stored: 1},
		{name: "the time is echoed in the person's own timezone", user: newYork, line: "/schedule tomorrow 9am Hello",
			text: "✓ Post #1 scheduled for Tue 24 Nov 09:00 EST (in 30 h) to sandbox.", stored: 1},
		{name: "text over the limit is refused, naming the network and the excess", user: ana,
			line: "/schedule tomorrow 9am " + strings.Repeat("a", 45),
			text: "✗ The text is 5 characters too long for sandbox (45/40). Shorten it and try again.", err: true},
		{name: "a draft over the limit is refused too", user: ana, line: "/draft " + strings.Repeat("b", 41),
			text: "✗ The text is 1 character too long for sandbox (41/40). Shorten it and try again.", err: true},
		{name: "an empty schedule says what to type", user: ana, line: "/schedule",
			text: "✗ Tell me when and what, like: /schedule tomorrow 9am Launch day is here!", err: true},
		{name: "an empty draft says what to type", user: ana, line: "/draft   ",
			text: "✗ There is no text to save. Type it after the command, like: /draft Our spring collection drops Friday", err: true},
		{name: "a time without text is refused", user: ana, line: "/schedule in 2 hours |",
			text: "✗ There is no text after the time. Type it after the time, like: /schedule in 2 hours Launch day is here!", err: true},
		{name: "a past time is refused and shown", user: ana, line: "/schedule yesterday 9am Oops",
			text: "✗ \"yesterday 9am\" is in the past (Sun 22 Nov 09:00 EET). Try a time from now on, like \"tomorrow 9am\".", err: true},
		{name: "a time more than a year ahead is refused", user: ana, line: "/schedule 2028-01-01 10:00 Far", err: true},
		{name: "a post number that is not a number is explained", user: ana, line: "/reschedule #abc tomorrow",
			text: "✗ Put the post's number first, like: /reschedule #1 tomorrow 10am. /queue lists the numbers.", err: true},
		{name: "reschedule without a time asks for one", user: ana, before: []string{"/schedule tomorrow 9am Hi"}, line: "/reschedule #1",
			text: "✗ Say when, like: /reschedule #1 tomorrow 10am", err: true, stored: 1},
		{name: "reschedule of an unknown post", user: ana, line: "/reschedule #7 tomorrow 10am",
			text: "✗ There is no post #7. Type /queue to see the upcoming posts and their numbers.", err: true},
		{name: "reschedule of a draft points to /schedule", user: ana, before: []string{"/draft Later"}, line: "/reschedule #1 tomorrow 10am",
			text: "✗ Post #1 is a draft. To schedule it, type /schedule #1 <when>.", err: true, stored: 1},
		{name: "scheduling a post that is not a draft points to /reschedule", user: ana, before: []string{"/schedule tomorrow 9am Hi"},
			line: "/schedule #1 friday 3pm", text: "✗ Post #1 is not a draft (it is scheduled). To move it, type /reschedule #1 <when>.", err: true, stored: 1},
		{name: "a draft is scheduled by its number", user: ana, before: []string{"/draft Spring drop"}, line: "/schedule #1 friday 3pm",
			text: "✓ Post #1 scheduled for Fri 27 Nov 15:00 EET (in 4 days) to sandbox.", stored: 1},
		{name: "reschedule now publishes at once", user: ana, before: []string{"/schedule tomorrow 9am Hi"}, line: "/reschedule #1 now",
			text: "✓ Post #1 goes out now.", stored: 1},
		{name: "cancel takes only a number", user: ana, before: []string{"/draft Hi"}, line: "/cancel #1 please",
			text: "✗ /cancel takes only the post's number, like: /cancel #1", err: true, stored: 1},
		{name: "cancel removes the post from the queue", user: ana, before: []string{"/schedule tomorrow 9am Hi"}, line: "/cancel #1",
			text: "✓ Post #1 cancelled; it will not be published. To schedule it again, type /schedule <when> and its text:"},
		{name: "a person without the role is refused by name of the role", user: crier.User{ID: "U3", Name: "guest"}, line: "/schedule tomorrow 9am Hi",
			text: "✗ You need the scheduler role to use /schedule. Ask whoever runs crier to add you under roles: in bot.yaml.", err: true},
		{name: "an image line becomes a picture, not text", user: ana, line: "/schedule tomorrow 9am Mural\nimage: https://example.com/m.jpg | A blue wall",
			text:  "✓ Post #1 scheduled for Tue 24 Nov 09:00 EET (in 23 h) to sandbox.",
			lines: []string{"sandbox  5/40  “Mural”", "picture: https://example.com/m.jpg"}, stored: 1},
		{name: "an image in Slack's link markup is understood", user: ana, line: "/draft Mural\nimage: <https://example.com/m.jpg|m.jpg>",
			text: "✓ Draft #1 saved. /schedule #1 <when> to schedule it.", stored: 1},
		{name: "an image that is not a web address is refused", user: ana, line: "/schedule tomorrow 9am Mural\nimage: photo.jpg",
			text: "✗ \"photo.jpg\" is not a web address of a picture. Write the image line like: image: https://example.com/photo.jpg | A red bicycle", err: true},
		{name: "more than four images are refused", user: ana, line: "/schedule tomorrow 9am Mural" + strings.Repeat("\nimage: https://example.com/m.jpg", 5),
			text: "✗ A post can carry at most 4 pictures; this one has 5. Remove 1 image lines.", err: true},
		{name: "a picture alone is not a post", user: ana, line: "/draft image: https://example.com/m.jpg",
			text: "✗ There is no text to save besides the picture. Type it too, like: /draft Our spring collection drops Friday", err: true},
		{name: "published needs a network", user: ana, before: []string{"/schedule tomorrow 9am Hi"}, line: "/published #1",
			text: "✗ Name one network after the number, like: /published #1 sandbox", err: true, stored: 1},
		{name: "published on a post crier was sure about is refused", user: ana, before: []string{"/schedule tomorrow 9am Hi"}, line: "/published #1 sandbox",
			text: "✗ Post #1 on sandbox is still scheduled, not waiting for a decision, so there is nothing to do.", err: true, stored: 1},
		{name: "republish of a network the post was not going to", user: ana, before: []string{"/schedule tomorrow 9am Hi"}, line: "/republish #1 mastodon",
			text: "✗ Post #1 was not going to \"mastodon\". Type /queue to see your posts.", err: true, stored: 1},
		{name: "republish of an unknown post", user: ana, line: "/republish #9 sandbox",
			text: "✗ There is no post #9. Type /queue to see the upcoming posts and their numbers.", err: true},
		{name: "an unknown command points to help", user: ana, line: "/publish #1",
			text: "✗ I don't know /publish. Type /help to see what I can do.", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			for _, l := range tt.before {
				resp := b.say(t, tt.user, l)
				require.False(t, resp.Error, "%s: %s", l, resp.Text)
			}
			resp := b.say(t, tt.user, tt.line)
			require.Equal(t, tt.err, resp.Error, resp.String())
			if tt.text != "" {
				require.Equal(t, tt.text, resp.Text)
			}
			if tt.err {
				require.True(t, resp.Ephemeral, "errors are shown only to the person who typed")
				require.NotContains(t, resp.Text, "\n", "errors are one line")
			}
			if tt.lines != nil {
				require.Equal(t, tt.lines, resp.Lines)
			}
			posts, err := b.pub.Upcoming(context.Background(), 100)
			require.NoError(t, err)
			require.Len(t, posts, tt.stored, "posts stored")
		})
	}
}

func TestScheduledReplyOffersButtons(t *testing.T) {
	t.Parallel()
	b := setup(t)
	resp := b.say(t, ana, "/schedule tomorrow 9am Hi")
	require.Equal(t, []commands.Button{
		{Label: "Publish now", Action: "publish_now", PostID: 1, Command: "/reschedule #1 now"},
		{Label: "Reschedule", Action: "reschedule", PostID: 1, Command: "/reschedule #1 <when>"},
		{Label: "Cancel", Action: "cancel", PostID: 1, Command: "/cancel #1"},
	}, resp.Buttons)
	require.False(t, resp.Ephemeral, "confirmations are visible to the channel")
}

func TestQueueListsScheduledPostsByTimeThenDrafts(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.say(t, ana, "/draft Idea")
	b.say(t, ana, "/schedule friday 3pm Later")
	b.say(t, ana, "/schedule tomorrow 9am Sooner")
	resp := b.say(t, ana, "/queue")
	require.Equal(t, "2 scheduled, 1 draft:", resp.Text)
	require.Equal(t, []string{
		"#3  Tue 24 Nov 09:00 EET (in 23 h)  sandbox  “Sooner”",
		"#2  Fri 27 Nov 15:00 EET (in 4 days)  sandbox  “Later”",
		"#1  draft  “Idea”",
	}, resp.Lines)
}

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		line, name, args string
		ok               bool
	}{
		{"/schedule tomorrow 9am Hi", "schedule", "tomorrow 9am Hi", true},
		{"  /QUEUE  ", "queue", "", true},
		{"hello", "", "", false},
		{"/", "", "", false},
	} {
		name, args, ok := commands.Parse(tt.line)
		require.Equal(t, tt.ok, ok, tt.line)
		require.Equal(t, tt.name, name)
		require.Equal(t, tt.args, args)
	}
}

// countedMetrics records CommandHandled calls.
type countedMetrics struct {
	crier.NopMetrics
	got []string
}

func (m *countedMetrics) CommandHandled(platform, command, outcome string) {
	m.got = append(m.got, platform+" "+command+" "+outcome)
}

func TestEveryCommandIsCountedWithoutTyposBecomingSeries(t *testing.T) {
	t.Parallel()
	b := setup(t)
	m := &countedMetrics{}
	r := commands.New(commands.Deps{Publisher: b.pub, Times: timeparse.New(timeparse.Options{}), Location: time.UTC, Metrics: m})
	for _, l := range []struct {
		user crier.User
		line string
	}{{ana, "/draft Hi"}, {ana, "/schedule yesterday 9am Hi"}, {crier.User{ID: "U9"}, "/draft Hi"}, {ana, "/drfat Hi"}} {
		name, args, _ := commands.Parse(l.line)
		r.Handle(context.Background(), commands.Request{Platform: "slack", User: l.user, Command: name, Text: args})
	}
	require.Equal(t, []string{"slack draft ok", "slack schedule error", "slack draft forbidden", "slack unknown error"}, m.got)
}

func TestAPostWaitingForADecisionSaysSoInTheQueueAndIsSettledByCommand(t *testing.T) {
	t.Parallel()
	b := setup(t)
	require.False(t, b.say(t, ana, "/schedule tomorrow 9am Maybe out").Error)
	p, err := b.pub.Post(context.Background(), 1)
	require.NoError(t, err)
	claims, err := b.db.ClaimDeliveries(context.Background(), p.DueAt, 10)
	require.NoError(t, err)
	require.Len(t, claims, 1)
	err = b.db.EndDeliveries(context.Background(), []crier.DeliveryEnd{{ID: claims[0].Delivery.ID, Status: crier.DeliveryMaybe, Reason: "no answer", Unclear: true}}, criertest.KeepStatus{})
	require.NoError(t, err)

	resp := b.say(t, ana, "/queue")
	require.Contains(t, resp.Lines, "    ❓ waiting for you: was it published? /published #1 sandbox or /republish #1 sandbox")
	require.Equal(t, "✗ Post #1 may already be on sandbox; first say whether it is: type /published #1 sandbox or /republish #1 sandbox.",
		b.say(t, ana, "/reschedule #1 friday 3pm").Text)

	resp = b.say(t, ana, "/published #1 sandbox")
	require.Equal(t, "✓ Noted: post #1 is on sandbox (marked by ana).", resp.Text)
	got, err := b.pub.Post(context.Background(), 1)
	require.NoError(t, err)
	require.Equal(t, crier.PostPublished, got.Status)
	require.Equal(t, "✗ Post #1 on sandbox is published, not waiting for a decision, so there is nothing to do.", b.say(t, ana, "/republish #1 sandbox").Text)

	guest := crier.User{ID: "U9", Name: "guest"}
	require.Equal(t, crier.EFORBIDDEN, b.say(t, guest, "/published #1 sandbox").Code)
}
