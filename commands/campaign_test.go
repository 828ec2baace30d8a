package commands_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/sqlite"
	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
)

type campaignBundle struct {
	router *commands.Router
	db     *sqlite.DB
	clock  *crier.ManualClock
}

// setupCampaigns builds the router on a real store keeping numbers, at now
// (Mon 23 Nov 2026, 10:00 in Bucharest).
func setupCampaigns(t *testing.T) *campaignBundle {
	t.Helper()
	clock := crier.NewManualClock(now)
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "crier.db"), clock)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	loc, err := time.LoadLocation("Europe/Bucharest")
	require.NoError(t, err)
	r := commands.New(commands.Deps{KPIs: db, Clock: clock, Location: loc})
	return &campaignBundle{router: r, db: db, clock: clock}
}

func (b *campaignBundle) say(t *testing.T, u crier.User, line string) commands.Response {
	t.Helper()
	return sayOn(t, b.router, "test", u, line)
}

// must says line and fails the test unless it succeeds.
func (b *campaignBundle) must(t *testing.T, u crier.User, line string) commands.Response {
	t.Helper()
	resp := b.say(t, u, line)
	require.False(t, resp.Error, "%s: %s", line, resp.Text)
	return resp
}

var (
	guest    = crier.User{ID: "U9", Name: "guest"}
	honolulu = crier.User{ID: "U4", Name: "kai", Timezone: "Pacific/Honolulu", Roles: []crier.Role{crier.RoleScheduler}} // still Sun 22 Nov there
)

func TestCampaignBadInputSaysWhatToType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		user   crier.User
		before []string
		line   string
		text   string
		code   string
	}{
		{name: "a missing name", line: "/campaign new",
			text: "✗ Say the campaign's name first, like /campaign new launch budget 500 EUR until 31 dec."},
		{name: "options without a name", line: "/campaign new budget 500 EUR",
			text: "✗ Say the campaign's name first, like /campaign new launch budget 500 EUR until 31 dec."},
		{name: "a name of one character", line: "/campaign new x",
			text: `✗ "x" cannot be a campaign name: use 2 to 40 letters a-z, digits, - or _, like /campaign new spring-launch.`},
		{name: "a name of two words is suggested joined", line: "/campaign new Spring launch budget 500 EUR",
			text: `✗ "Spring launch" cannot be a campaign name: use 2 to 40 letters a-z, digits, - or _, like /campaign new spring-launch.`},
		{name: "a name with punctuation", line: "/campaign new black.friday!",
			text: `✗ "black.friday!" cannot be a campaign name: use 2 to 40 letters a-z, digits, - or _, like /campaign new black-friday.`},
		{name: "a name with letters outside a-z", line: "/campaign new café",
			text: `✗ "café" cannot be a campaign name: use 2 to 40 letters a-z, digits, - or _, like /campaign new spring-launch.`},
		{name: "a name of 41 characters", line: "/campaign new " + strings.Repeat("a", 41),
			text: `✗ "` + strings.Repeat("a", 39) + `…" cannot be a campaign name: use 2 to 40 letters a-z, digits, - or _, like /campaign new spring-launch.`},
		{name: "a name taken already, in any case", before: []string{"/campaign new launch"}, line: "/campaign new LAUNCH budget 5 EUR",
			text: "✗ There is a campaign named launch already; pick another name, or see it with /campaign show launch.", code: crier.ECONFLICT},
		{name: "a negative budget", line: "/campaign new launch budget -500 EUR",
			text: "✗ budget cannot be negative (-500); type 0 or more."},
		{name: "a budget in words", line: "/campaign new launch budget lots EUR",
			text: `✗ "lots" is not an amount; type the budget like budget 500 EUR.`},
		{name: "a budget that is not a number", line: "/campaign new launch budget 5x0 EUR",
			text: `✗ "5x0" is not an amount; type it like 120.50 or 120.50 EUR.`},
		{name: "a budget whose dot could group thousands is asked about", line: "/campaign new launch budget 1.250 EUR",
			text: `✗ "1.250" could be 1250 or 1.25; type it without the dot, or with two decimals.`},
		{name: "a budget of nothing", line: "/campaign new launch budget 0 EUR",
			text: "✗ A budget of 0 is no budget; leave budget out, or type one like budget 500 EUR."},
		{name: "budget without an amount", line: "/campaign new launch budget until 31 dec",
			text: "✗ Say the budget's amount and currency, like budget 500 EUR."},
		{name: "a budget without a currency", line: "/campaign new launch budget 500",
			text: "✗ Say the currency: budget 500 EUR."},
		{name: "a budget without a currency before until", line: "/campaign new launch budget 500 until 31 dec",
			text: "✗ Say the currency: budget 500 EUR."},
		{name: "a currency written as a word", line: "/campaign new launch budget 500 euro",
			text: `✗ "euro" is not a currency code; write its three letters, like budget 500 EUR or budget 500 USD.`},
		{name: "a currency code with a digit", line: "/campaign new launch budget 500 E1R",
			text: `✗ "E1R" is not a currency code; write its three letters, like budget 500 EUR or budget 500 USD.`},
		{name: "two currencies", line: "/campaign new launch budget €500 USD",
			text: "✗ The budget says EUR and USD; write one currency, like budget 500 EUR."},
		{name: "dollars are asked about", line: "/campaign new launch budget $500",
			text: "✗ Say which dollars: budget 500 USD (or CAD, AUD…)."},
		{name: "too many words after budget", line: "/campaign new launch budget 500 EUR a month",
			text: `✗ crier read "500 EUR a month" as the budget; type it like budget 500 EUR.`},
		{name: "budget said twice", line: "/campaign new launch budget 5 EUR budget 6 EUR",
			text: "✗ Say the budget once, like /campaign new launch budget 500 EUR until 31 dec."},
		{name: "an until date in the past", line: "/campaign new launch until 2026-01-15",
			text: "✗ Thu 15 Jan 2026 is in the past; a campaign's last day is today or later, like until 31 dec."},
		{name: "yesterday in the person's timezone is past", line: "/campaign new launch until 2026-11-22",
			text: "✗ Sun 22 Nov 2026 is in the past; a campaign's last day is today or later, like until 31 dec."},
		{name: "an until date crier cannot read", line: "/campaign new launch until someday",
			text: `✗ "someday" is not a day crier can read; type the last day like until 2026-12-31, until 31 dec or until dec 31.`},
		{name: "a day that no month has", line: "/campaign new launch until 31 feb",
			text: `✗ "31 feb" is not a day crier can read; type the last day like until 2026-12-31, until 31 dec or until dec 31.`},
		{name: "until without a date", line: "/campaign new launch until",
			text: "✗ Say the campaign's last day after until, like until 31 dec."},
		{name: "an unknown sub-verb names the four", line: "/campaign start launch",
			text: `✗ /campaign does new, list, show and close, not "start"; like /campaign new launch budget 500 EUR until 31 dec.`},
		{name: "no sub-verb names the four", line: "/campaign",
			text: "✗ Say what to do: /campaign new <name>, /campaign list, /campaign show <name> or /campaign close <name>."},
		{name: "show of an unknown campaign", line: "/campaign show nope",
			text: "✗ There is no campaign named nope; /campaign list shows them.", code: crier.ENOTFOUND},
		{name: "show without a name", line: "/campaign show",
			text: "✗ Say which campaign, like /campaign show launch; /campaign list shows them."},
		{name: "show of two words", line: "/campaign show spring launch",
			text: "✗ /campaign show takes one name, like /campaign show spring-launch; /campaign list shows them."},
		{name: "close of an unknown campaign", line: "/campaign close nope",
			text: "✗ There is no campaign named nope; /campaign list shows them.", code: crier.ENOTFOUND},
		{name: "close twice", before: []string{"/campaign new launch", "/campaign close launch"}, line: "/campaign close launch",
			text: "✗ Campaign launch is closed already."},
		{name: "list takes only all", line: "/campaign list open",
			text: "✗ /campaign list shows the open campaigns, /campaign list all the closed ones too."},
		{name: "new needs the scheduler role", user: guest, line: "/campaign new launch",
			text: "✗ You need the scheduler role to use /campaign new. Ask whoever runs crier to add you under roles: in bot.yaml.", code: crier.EFORBIDDEN},
		{name: "close needs the scheduler role", user: guest, before: []string{"/campaign new launch"}, line: "/campaign close launch",
			text: "✗ You need the scheduler role to use /campaign close. Ask whoever runs crier to add you under roles: in bot.yaml.", code: crier.EFORBIDDEN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupCampaigns(t)
			for _, line := range tt.before {
				b.must(t, ana, line)
			}
			u := ana
			if tt.user.ID != "" {
				u = tt.user
			}
			resp := b.say(t, u, tt.line)
			require.True(t, resp.Error, resp.Text)
			require.Equal(t, tt.text, resp.Text)
			require.Empty(t, resp.Lines)
			require.True(t, resp.Ephemeral)
			require.Equal(t, cmpOr(tt.code, crier.EINVALID), resp.Code)
			cs, err := b.db.Campaigns(context.Background(), true)
			require.NoError(t, err)
			require.Len(t, cs, len(tt.before[:min(len(tt.before), 1)]), "a refused /campaign new stores nothing")
		})
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func TestCampaignNewStoresWhatWasTyped(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		user     crier.User
		line     string
		text     string
		budget   float64
		currency string
		endsOn   string
	}{
		{name: "a budget and a day and month", line: "/campaign new launch budget 500 EUR until 31 dec",
			text:   "✓ Campaign launch made (budget 500.00 EUR, until Thu 31 Dec 2026). A post joins it with the line campaign: launch; /campaign show launch gives its numbers.",
			budget: 500, currency: "EUR", endsOn: "2026-12-31"},
		{name: "a name without options", line: "/campaign new Spring_2027",
			text: "✓ Campaign spring_2027 made. A post joins it with the line campaign: spring_2027; /campaign show spring_2027 gives its numbers."},
		{name: "a month and day that has passed this year is next year's", line: "/campaign new launch until jan 15",
			text: "✓ Campaign launch made (until Fri 15 Jan 2027). A post joins it with the line campaign: launch; /campaign show launch gives its numbers.", endsOn: "2027-01-15"},
		{name: "a full date with the month's name", line: "/campaign new launch until 31 December 2026 budget 1,250.50 usd",
			text:   "✓ Campaign launch made (budget 1,250.50 USD, until Thu 31 Dec 2026). A post joins it with the line campaign: launch; /campaign show launch gives its numbers.",
			budget: 1250.5, currency: "USD", endsOn: "2026-12-31"},
		{name: "the euro sign", line: "/campaign new launch budget €500",
			text:   "✓ Campaign launch made (budget 500.00 EUR). A post joins it with the line campaign: launch; /campaign show launch gives its numbers.",
			budget: 500, currency: "EUR"},
		{name: "the currency glued to the amount", line: "/campaign new launch budget 75gbp",
			text:   "✓ Campaign launch made (budget 75.00 GBP). A post joins it with the line campaign: launch; /campaign show launch gives its numbers.",
			budget: 75, currency: "GBP"},
		{name: "today is a last day", line: "/campaign new flash until today",
			text: "✓ Campaign flash made (until Mon 23 Nov 2026). A post joins it with the line campaign: flash; /campaign show flash gives its numbers.", endsOn: "2026-11-23"},
		{name: "a day still to come in the person's own timezone", user: honolulu, line: "/campaign new flash until 2026-11-22",
			text: "✓ Campaign flash made (until Sun 22 Nov 2026). A post joins it with the line campaign: flash; /campaign show flash gives its numbers.", endsOn: "2026-11-22"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupCampaigns(t)
			u := ana
			if tt.user.ID != "" {
				u = tt.user
			}
			resp := b.must(t, u, tt.line)
			require.Equal(t, tt.text, resp.Text)
			cs, err := b.db.Campaigns(context.Background(), true)
			require.NoError(t, err)
			require.Len(t, cs, 1)
			c := cs[0]
			require.Equal(t, tt.budget != 0, c.HasBudget)
			require.InDelta(t, tt.budget, c.Budget, 1e-9)
			require.Equal(t, tt.currency, c.Currency)
			require.Equal(t, tt.endsOn, c.EndsOn)
			require.Equal(t, u.Name, c.CreatedBy)
			require.False(t, c.Closed)
		})
	}
}

func TestCampaignListShowsOpenOnesAndAllOnAsk(t *testing.T) {
	t.Parallel()
	b := setupCampaigns(t)
	resp := b.say(t, guest, "/campaign list")
	require.Equal(t, "There are no campaigns yet; make one with /campaign new launch budget 500 EUR until 31 dec.", resp.Text)

	b.must(t, ana, "/campaign new spring")
	b.must(t, ana, "/campaign close spring")
	resp = b.say(t, guest, "/campaign list")
	require.Equal(t, "No campaign is open; /campaign list all shows the 1 closed, and /campaign new launch budget 500 EUR until 31 dec makes one.", resp.Text)

	b.must(t, ana, "/campaign new launch budget 500 EUR until 31 dec")
	resp = b.say(t, guest, "/campaign list")
	require.False(t, resp.Error)
	require.Equal(t, "Open campaigns: 1. /campaign show <name> gives one's numbers.", resp.Text)
	require.Equal(t, []string{"launch — budget 500.00 EUR, until Thu 31 Dec 2026"}, resp.Lines)

	resp = b.say(t, guest, "/campaign list ALL")
	require.Equal(t, "Campaigns: 1 open, 1 closed. /campaign show <name> gives one's numbers.", resp.Text)
	require.Equal(t, []string{"launch — budget 500.00 EUR, until Thu 31 Dec 2026", "spring — no budget, closed"}, resp.Lines)
}

func TestCampaignShowGivesTheNumbersToNowInThePersonsTimezone(t *testing.T) {
	t.Parallel()
	b := setupCampaigns(t)
	b.must(t, ana, "/campaign new launch budget 500 EUR until 31 dec")
	b.must(t, ana, "/campaign new quiet")
	val := func(day, metric string, v float64, cur string) crier.Value {
		return crier.Value{Day: day, Metric: metric, Campaign: "launch", Value: v, Currency: cur, Source: crier.SourceChat, SetBy: "ana"}
	}
	require.NoError(t, b.db.SetValues(context.Background(), []crier.Value{
		val("2026-11-20", "spend", 200, "EUR"),
		val("2026-11-21", "conversions", 4, ""),
		val("2026-11-21", "revenue", 570, "EUR"),
		val("2026-11-23", "spend", 180, "EUR"), // today in Bucharest, tomorrow in Honolulu
	}))

	resp := b.say(t, guest, "/campaign show LAUNCH")
	require.False(t, resp.Error, resp.Text)
	require.Equal(t, "Campaign launch (until 2026-12-31) to date: 0 posts, 0 engagement, spent 380.00 EUR of 500.00 EUR, 4 conversions, 95.00 EUR per conversion, ROI +50%", resp.Text)
	require.Equal(t, []string{"Budget left: 120.00 EUR of 500.00 EUR.", "38 days left; its last day is Thu 31 Dec 2026."}, resp.Lines)

	resp = b.say(t, honolulu, "/campaign show launch")
	require.Equal(t, "Campaign launch (until 2026-12-31) to date: 0 posts, 0 engagement, spent 200.00 EUR of 500.00 EUR, 4 conversions, 50.00 EUR per conversion, ROI +185%", resp.Text)
	require.Equal(t, []string{"Budget left: 300.00 EUR of 500.00 EUR.", "39 days left; its last day is Thu 31 Dec 2026."}, resp.Lines)

	resp = b.say(t, guest, "/campaign show quiet")
	require.Equal(t, "Campaign quiet to date: 0 posts, 0 engagement, no spend recorded, no conversions recorded, ROI unknown: no revenue recorded", resp.Text)
	require.Equal(t, []string{"No budget set.", "No last day set."}, resp.Lines)

	require.NoError(t, b.db.SetValues(context.Background(), []crier.Value{val("2026-11-23", "spend", 400, "EUR")}))
	b.clock.Add(40 * 24 * time.Hour) // Sat 2 Jan 2027
	resp = b.say(t, guest, "/campaign show launch")
	require.Equal(t, []string{"Over budget by 100.00 EUR (budget 500.00 EUR).", "Its last day was Thu 31 Dec 2026, 2 days ago; /campaign close launch closes it."}, resp.Lines)

	b.must(t, ana, "/campaign close launch")
	resp = b.say(t, guest, "/campaign show launch")
	require.True(t, strings.HasPrefix(resp.Text, "Campaign launch (closed) to date: "), resp.Text)
	require.Equal(t, []string{"Over budget by 100.00 EUR (budget 500.00 EUR)."}, resp.Lines)
}

func TestCampaignCloseKeepsTheNumbers(t *testing.T) {
	t.Parallel()
	b := setupCampaigns(t)
	b.must(t, ana, "/campaign new launch")
	resp := b.must(t, ana, "/campaign close Launch")
	require.Equal(t, "✓ Campaign launch closed: posts can no longer join it; /campaign show launch still gives its numbers.", resp.Text)
	c, err := b.db.Campaign(context.Background(), "launch")
	require.NoError(t, err)
	require.True(t, c.Closed)
}

func TestCampaignWithoutANumbersStoreSaysSo(t *testing.T) {
	t.Parallel()
	r := commands.New(commands.Deps{Clock: crier.NewManualClock(now)})
	resp := sayOn(t, r, "test", ana, "/campaign list")
	require.Equal(t, "✗ crier keeps no campaigns here; ask whoever runs crier to add a digests: section to bot.yaml.", resp.Text)
}
