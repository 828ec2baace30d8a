package commands_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/timeparse"
)

const tzHelp = "Use the Area/City form, like Europe/Lisbon or America/New_York (list: https://en.wikipedia.org/wiki/List_of_tz_database_time_zones)."

func TestTimezone(t *testing.T) {
	t.Parallel()
	// rada's chat (Slack's profile, say) puts her in Bucharest.
	rada := crier.User{ID: "U4", Name: "rada", Timezone: "Europe/Bucharest", Roles: []crier.Role{crier.RoleScheduler}}
	guest := crier.User{ID: "U5", Name: "guest", Timezone: "Europe/Bucharest"}
	tests := []struct {
		name   string
		user   crier.User
		before []string // lines said first; each must succeed
		line   string
		text   string // the response's headline
		lines  []string
		err    bool
	}{
		{name: "with none set, it is the chat's", user: rada, line: "/timezone",
			text: "Your timezone is Europe/Bucharest (from your chat). Type /timezone <Area/City> to change it."},
		{name: "with none from the chat either, it is bot.yaml's, and says so", user: ana, line: "/timezone",
			text: "Your timezone is Europe/Bucharest (bot.yaml's timezone). Type /timezone <Area/City> to change it."},
		{name: "with an own one and none from the chat, reset goes back to bot.yaml's", user: ana, before: []string{"/timezone Asia/Tokyo"}, line: "/timezone",
			text: "Your timezone is Asia/Tokyo (set with /timezone). Type /timezone <Area/City> to change it, or /timezone reset to use bot.yaml's."},
		{name: "reset without one from the chat says it is bot.yaml's again", user: ana, before: []string{"/timezone Asia/Tokyo"}, line: "/timezone reset",
			text: "✓ Your timezone is bot.yaml's again, Europe/Bucharest: it is Mon 23 Nov 10:00 EET there."},
		{name: "a timezone the chat adapter took from bot.yaml says so", user: crier.User{ID: "U7", Timezone: "Asia/Tokyo", TimezoneFrom: "bot.yaml, for this channel"}, line: "/timezone",
			text: "Your timezone is Asia/Tokyo (bot.yaml, for this channel). Type /timezone <Area/City> to change it."},
		{name: "an own timezone is shown with how to go back", user: rada, before: []string{"/timezone Europe/Lisbon"}, line: "/timezone",
			text: "Your timezone is Europe/Lisbon (set with /timezone). Type /timezone <Area/City> to change it, or /timezone reset to use your chat's."},
		{name: "setting one answers with the time there", user: rada, line: "/timezone Europe/Lisbon",
			text: "✓ Your timezone is now Europe/Lisbon: it is Mon 23 Nov 08:00 WET there."},
		{name: "setting again replaces it", user: rada, before: []string{"/timezone Europe/Lisbon"}, line: "/timezone Asia/Tokyo",
			text: "✓ Your timezone is now Asia/Tokyo: it is Mon 23 Nov 17:00 JST there."},
		{name: "UTC is accepted in any case", user: rada, line: "/timezone utc",
			text: "✓ Your timezone is now UTC: it is Mon 23 Nov 08:00 UTC there."},
		{name: "anyone may set their own, without a role", user: guest, line: "/timezone America/New_York",
			text: "✓ Your timezone is now America/New_York: it is Mon 23 Nov 03:00 EST there."},
		{name: "a city alone is taken as its zone", user: rada, line: "/timezone Lisbon",
			text: "✓ Your timezone is now Europe/Lisbon: it is Mon 23 Nov 08:00 WET there."},
		{name: "a city ignores case and reads spaces as underscores", user: rada, line: "/timezone new  york",
			text: "✓ Your timezone is now America/New_York: it is Mon 23 Nov 03:00 EST there."},
		{name: "a city may be typed with its underscore", user: rada, line: "/timezone new_york",
			text: "✓ Your timezone is now America/New_York: it is Mon 23 Nov 03:00 EST there."},
		{name: "a city with accents is found", user: rada, line: "/timezone São Paulo",
			text: "✓ Your timezone is now America/Sao_Paulo: it is Mon 23 Nov 05:00 -03 there."},
		{name: "a city without its accents is found", user: rada, line: "/timezone sao paulo",
			text: "✓ Your timezone is now America/Sao_Paulo: it is Mon 23 Nov 05:00 -03 there."},
		{name: "a miscased zone name is taken in the right case", user: rada, line: "/timezone europe/lisbon",
			text: "✓ Your timezone is now Europe/Lisbon: it is Mon 23 Nov 08:00 WET there."},
		{name: "a zone name the tz database keeps for old spellings is taken as typed", user: rada, line: "/timezone America/Buenos_Aires",
			text: "✓ Your timezone is now America/Buenos_Aires: it is Mon 23 Nov 05:00 -03 there."},
		{name: "an unknown name is refused without a suggestion", user: rada, line: "/timezone Atlantis/Poseidonis",
			text: `✗ "Atlantis/Poseidonis" is not a timezone name. ` + tzHelp, err: true},
		{name: "a misspelt city is refused without a guess", user: rada, line: "/timezone Lisbonne",
			text: `✗ "Lisbonne" is not a timezone name. ` + tzHelp, err: true},
		{name: "an abbreviation that names one place's clock is taken as its zone", user: rada, line: "/timezone BRT",
			text: "✓ Your timezone is now America/Sao_Paulo: it is Mon 23 Nov 05:00 -03 there."},
		{name: "an abbreviation shared by places whose clocks change differently is refused with its zones", user: rada, line: "/timezone EST",
			text: `✗ "EST" is an offset several places share, whose clocks change on different days or not at all. Type your city or its zone instead, like /timezone America/New_York or /timezone America/Panama.`, err: true},
		{name: "a summer abbreviation is refused with its zone", user: rada, line: "/timezone cest",
			text: `✗ "cest" is an offset several places share, whose clocks change on different days or not at all. Type your city or its zone instead, like /timezone Europe/Berlin or /timezone Europe/Paris or /timezone Europe/Madrid.`, err: true},
		{name: "the server's Local is refused", user: rada, line: "/timezone Local",
			text: `✗ "Local" is not a timezone name. ` + tzHelp, err: true},
		{name: "a path is refused", user: rada, line: "/timezone ../../etc/passwd",
			text: `✗ "../../etc/passwd" is not a timezone name. ` + tzHelp, err: true},
		{name: "reset goes back to the chat's", user: rada, before: []string{"/timezone Europe/Lisbon"}, line: "/timezone reset",
			text: "✓ Your timezone is your chat's again, Europe/Bucharest: it is Mon 23 Nov 10:00 EET there."},
		{name: "after a reset the chat's is shown", user: rada, before: []string{"/timezone Europe/Lisbon", "/timezone RESET"}, line: "/timezone",
			text: "Your timezone is Europe/Bucharest (from your chat). Type /timezone <Area/City> to change it."},
		{name: "schedule echoes the time in the own timezone, not the chat's", user: rada, before: []string{"/timezone America/New_York"},
			line: "/schedule tomorrow 9am Hi", text: "✓ Post #1 scheduled for Tue 24 Nov 09:00 EST (in 30 h) to sandbox."},
		{name: "queue lists in the own timezone", user: rada, before: []string{"/schedule tomorrow 9am Hi", "/timezone America/New_York"},
			line: "/queue", text: "1 scheduled, 0 drafts:", lines: []string{"#1  Tue 24 Nov 02:00 EST (in 23 h)  sandbox  “Hi”"}},
		{name: "reschedule reads and echoes in the own timezone", user: rada, before: []string{"/schedule tomorrow 9am Hi", "/timezone Asia/Tokyo"},
			line: "/reschedule #1 friday 3pm", text: "✓ Post #1 moved to Fri 27 Nov 15:00 JST (in 4 days).", lines: []string{"“Hi”"}},
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
				require.Equal(t, crier.EINVALID, resp.Code)
				require.NotContains(t, resp.Text, "\n", "errors are one line")
			}
			if tt.lines != nil {
				require.Equal(t, tt.lines, resp.Lines)
			}
			if strings.HasPrefix(tt.line, "/timezone") {
				require.True(t, resp.Ephemeral, "a person's timezone is shown to them only")
			}
		})
	}
}

func TestARefusedTimezoneKeepsTheOneSetBefore(t *testing.T) {
	t.Parallel()
	b := setup(t)
	require.False(t, b.say(t, ana, "/timezone Asia/Tokyo").Error)
	require.True(t, b.say(t, ana, "/timezone Tokio").Error)
	tz, err := b.db.UserTimezone(context.Background(), "test", ana.ID)
	require.NoError(t, err)
	require.Equal(t, "Asia/Tokyo", tz)
}

func TestOwnTimezoneIsPerPlatformAndPerson(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rada := crier.User{ID: "U4", Name: "rada", Timezone: "Europe/Bucharest", Roles: []crier.Role{crier.RoleScheduler}}
	other := crier.User{ID: "U6", Name: "ion", Timezone: "Europe/Bucharest"}
	require.False(t, sayOn(t, b.router, "slack", rada, "/timezone America/New_York").Error)

	require.Equal(t, "Your timezone is America/New_York (set with /timezone). Type /timezone <Area/City> to change it, or /timezone reset to use your chat's.",
		sayOn(t, b.router, "slack", rada, "/timezone").Text)
	require.Equal(t, "Your timezone is Europe/Bucharest (from your chat). Type /timezone <Area/City> to change it.",
		sayOn(t, b.router, "shell", rada, "/timezone").Text, "the same user id on another platform is another person")
	require.Equal(t, "Your timezone is Europe/Bucharest (from your chat). Type /timezone <Area/City> to change it.",
		sayOn(t, b.router, "slack", other, "/timezone").Text, "another person on the same platform keeps theirs")
	require.Equal(t, "✓ Post #1 scheduled for Tue 24 Nov 09:00 EET (in 23 h) to sandbox.",
		sayOn(t, b.router, "shell", rada, "/schedule tomorrow 9am Hi").Text)
	require.Equal(t, "✓ Post #2 scheduled for Tue 24 Nov 09:00 EST (in 30 h) to sandbox.",
		sayOn(t, b.router, "slack", rada, "/schedule tomorrow 9am Hi").Text)
}

// brokenTimezones is a store that cannot be read or written.
type brokenTimezones struct{}

func (brokenTimezones) SetUserTimezone(context.Context, string, string, string) error {
	return errors.New("disk I/O error")
}

func (brokenTimezones) UserTimezone(context.Context, string, string) (string, error) {
	return "", errors.New("disk I/O error")
}

func TestAFailedTimezoneLookupIsLoggedAndThePlatformsIsUsed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var logs bytes.Buffer
	r := commands.New(commands.Deps{
		Publisher: b.pub, Times: timeparse.New(timeparse.Options{}), Clock: crier.NewManualClock(now),
		Timezones: brokenTimezones{}, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	newYork := crier.User{ID: "U2", Name: "joe", Timezone: "America/New_York", Roles: []crier.Role{crier.RoleScheduler}}
	resp := sayOn(t, r, "slack", newYork, "/schedule tomorrow 9am Hi")
	require.Equal(t, "✓ Post #1 scheduled for Tue 24 Nov 09:00 EST (in 30 h) to sandbox.", resp.Text)
	require.Contains(t, logs.String(), "look up own timezone")
	require.Contains(t, logs.String(), "disk I/O error")

	resp = sayOn(t, r, "slack", newYork, "/timezone Europe/Lisbon")
	require.True(t, resp.Error)
	require.Equal(t, "✗ Something went wrong on our side; the details are in crier's log. Please try again.", resp.Text)
	require.Contains(t, logs.String(), "set timezone: disk I/O error")
}

func TestWithoutAStoreTimezonesComeFromTheChat(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := commands.New(commands.Deps{Publisher: b.pub, Times: timeparse.New(timeparse.Options{}), Clock: crier.NewManualClock(now)})
	newYork := crier.User{ID: "U2", Name: "joe", Timezone: "America/New_York"}
	require.Equal(t, "Your timezone is America/New_York (from your chat).", sayOn(t, r, "slack", newYork, "/timezone").Text)
	resp := sayOn(t, r, "slack", newYork, "/timezone Europe/Lisbon")
	require.True(t, resp.Error)
	require.Equal(t, "✗ This crier keeps no timezones of its own; yours comes from your chat. Change it there.", resp.Text)
}

func TestHelpListsTimezone(t *testing.T) {
	t.Parallel()
	b := setup(t)
	resp := b.say(t, ana, "/help")
	require.Contains(t, resp.Lines, "/timezone [Area/City | reset]  Show or set your own timezone, used for every time crier reads or shows you.")
	resp = b.say(t, ana, "/help timezone")
	require.Equal(t, "/timezone [Area/City | reset]", resp.Text)
	require.Contains(t, resp.Lines, "  /timezone Europe/Lisbon")
	require.NotContains(t, resp.Lines, "Needs the", "anyone may set their own timezone")
}
