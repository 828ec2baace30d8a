package commands_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/sqlite"
	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/digest"
)

// fakeDigests is the digest service as /kpi and /digest see it.
type fakeDigests struct {
	now  []string
	spec digest.Spec // what Now answers; the zero Spec means the default daily one
}

func (f *fakeDigests) Now(_ context.Context, name string) (digest.Spec, error) {
	f.now = append(f.now, name)
	if f.spec.Name != "" {
		return f.spec, nil
	}
	return digest.Spec{Name: "daily", Channel: crier.ChannelRef{Platform: "shell", ID: "kpis"}, Hour: 9}, nil
}
func (f *fakeDigests) Spec(string) (digest.Spec, bool) { return digest.Spec{}, false }
func (f *fakeDigests) Accounts() []string              { return []string{"masto"} }
func (f *fakeDigests) Statuses(context.Context) (map[string]digest.Status, error) {
	return map[string]digest.Status{"masto": {Account: "masto"}}, nil
}

func kpiRouter(t *testing.T) (*commands.Router, *sqlite.DB, *fakeDigests) {
	t.Helper()
	b := kpiSetup(t, "")
	return b.router, b.db, b.digests
}

type kpiBundle struct {
	router  *commands.Router
	db      *sqlite.DB
	digests *fakeDigests
	clock   *crier.ManualClock
}

// kpiSetup is kpiRouter with bot.yaml's metrics.currency set to currency,
// at Sun 2026-12-06 10:00 UTC.
func kpiSetup(t *testing.T, currency string) kpiBundle {
	t.Helper()
	clock := crier.NewManualClock(time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC))
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "crier.db"), clock)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	d := &fakeDigests{}
	r := commands.New(commands.Deps{KPIs: db, Digests: d, Clock: clock, Currency: currency})
	return kpiBundle{router: r, db: db, digests: d, clock: clock}
}

func (b kpiBundle) say(text string) string {
	ana := crier.User{ID: "U1", Name: "ana", Roles: []crier.Role{crier.RoleScheduler}}
	return b.router.Handle(context.Background(), commands.Request{Platform: "shell", User: ana, Channel: crier.ChannelRef{Platform: "shell", ID: "general"}, Command: "kpi", Text: text}).Text
}

func TestKPISetStoresANumberAndKPIShowsIt(t *testing.T) {
	t.Parallel()
	r, db, _ := kpiRouter(t)
	ana := crier.User{ID: "U1", Name: "ana", Roles: []crier.Role{crier.RoleScheduler}}
	rui := crier.User{ID: "U2", Name: "rui"}
	say := func(u crier.User, cmd, text string) commands.Response {
		return r.Handle(context.Background(), commands.Request{Platform: "shell", User: u, Channel: crier.ChannelRef{Platform: "shell", ID: "general"}, Command: cmd, Text: text})
	}
	require.NoError(t, db.AddCampaign(context.Background(), &crier.Campaign{Name: "launch", Budget: 500, HasBudget: true, Currency: "EUR"}))

	require.Equal(t, "✓ Set conversions 42 for 2026-12-05. It shows in /kpi and the next digest.", say(ana, "kpi", "set conversions 42 yesterday").Text)
	require.Equal(t, "✓ Set spend 120.50 EUR for 2026-12-05, campaign launch. It shows in /kpi and the next digest.", say(ana, "kpi", "set spend 120.50 EUR 5 dec launch").Text)
	require.Equal(t, "✓ Set revenue 900 EUR for 2026-12-06, campaign launch. It shows in /kpi and the next digest.", say(ana, "kpi", "set revenue 900 launch").Text,
		"a campaign's currency when none is typed")

	resp := say(rui, "kpi", "yesterday conversions")
	require.Equal(t, "📊 Yesterday, Sat 5 Dec", resp.Text)
	require.Contains(t, resp.Lines, "Conversions: 42")
	resp = say(rui, "kpi", "")
	require.Contains(t, resp.Lines, "Spend: 120.50 EUR")
	require.Contains(t, resp.Lines, "Campaign launch to date: 0 posts, 0 engagement, spent 120.50 EUR of 500.00 EUR, no conversions recorded, ROI unknown: no revenue recorded")

	for _, tc := range []struct {
		who             crier.User
		cmd, text, want string
	}{
		{rui, "kpi", "set conversions 42", "✗ You need the scheduler role to set numbers. Ask whoever runs crier to add you under roles: in bot.yaml."},
		{ana, "kpi", "set convresions 42", `✗ crier knows no number called "convresions". Did you mean conversions? /kpi help lists them.`},
		{ana, "kpi", "set followers 42", "✗ crier counts followers itself; the numbers you can set are reach, impressions, clicks, conversions, revenue, spend."},
		{ana, "kpi", "set conversions -3", "✗ conversions cannot be negative (-3); type 0 or more."},
		{ana, "kpi", "set conversions lots", `✗ "lots" is not a count; type a whole number like 42.`},
		{ana, "kpi", "set conversions 4 2026-12-07", "✗ 2026-12-07 is in the future; numbers are for today or earlier."},
		{ana, "kpi", "set spend 10 USD launch", "✗ Campaign launch counts money in EUR, not USD; type the amount in EUR."},
		{ana, "kpi", "set spend 10 EUR winter", "✗ There is no campaign named winter; make it with /campaign new winter, or see them with /campaign list."},
		{ana, "kpi", "set conversions", "✗ Say which number and its value; type it like /kpi set conversions 42, or /kpi set spend 120.50 EUR yesterday launch."},
		{rui, "kpi", "yesterday banana", `✗ crier knows no number called "banana"; /kpi help lists them. Accounts: masto.`},
		{rui, "kpi", "2026-12-09", "✗ 2026-12-09 is in the future; numbers are for today or earlier."},
		{rui, "kpi", "week masto extra", "✗ /kpi takes a day and one number or account, like /kpi yesterday conversions or /kpi week mastodon."},
	} {
		require.Equal(t, tc.want, say(tc.who, tc.cmd, tc.text).Text, tc.text)
	}
	vs, err := db.Values(context.Background(), "2026-12-01", "2026-12-06")
	require.NoError(t, err)
	require.Len(t, vs, 3, "nothing stored by a refused /kpi set")
}

func TestKPIWeekAndMonthCompareWithThePeriodsBefore(t *testing.T) {
	t.Parallel()
	r, db, _ := kpiRouter(t)
	ctx := context.Background()
	var vs []crier.Value
	for d := 1; d <= 60; d++ {
		day := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -d).Format("2006-01-02")
		vs = append(vs, crier.Value{Day: day, Metric: "clicks", Value: 10, Source: crier.SourceAPI})
	}
	require.NoError(t, db.SetValues(ctx, vs))
	say := func(text string) commands.Response {
		return r.Handle(ctx, commands.Request{Platform: "shell", User: crier.User{ID: "U2"}, Command: "kpi", Text: text})
	}
	resp := say("week clicks")
	require.Equal(t, "📊 The week of Sun 29 Nov to Sat 5 Dec", resp.Text)
	require.Contains(t, resp.Lines, "Clicks: 70 (= 0% vs week before, = 0% vs 7-week average)")
	resp = say("month clicks")
	require.Equal(t, "📊 The 30 days from Fri 6 Nov to Sat 5 Dec", resp.Text)
	require.Contains(t, resp.Lines, "Clicks: 300 (= 0% vs month before)", "the month before is the only one with numbers")
}

func TestDigestNowPostsEarly(t *testing.T) {
	t.Parallel()
	r, _, d := kpiRouter(t)
	ana := crier.User{ID: "U1", Name: "ana", Roles: []crier.Role{crier.RoleScheduler}}
	resp := r.Handle(context.Background(), commands.Request{Platform: "shell", User: ana, Command: "digest", Text: "now"})
	require.Equal(t, "✓ Posting the digest in #kpis now; the next scheduled one is tomorrow at 09:00 UTC.", resp.Text,
		"at 10:00 today's 09:00 is past")
	require.Equal(t, []string{""}, d.now)
	resp = r.Handle(context.Background(), commands.Request{Platform: "shell", User: ana, Command: "digest", Text: "later"})
	require.Equal(t, "✗ Type /digest now to post today's digest early.", resp.Text)
}

func TestDigestNowSaysWhenTheScheduledOneComesInTheDigestsZone(t *testing.T) {
	t.Parallel()
	lisbon, err := time.LoadLocation("Europe/Lisbon")
	require.NoError(t, err)
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	require.NoError(t, err)
	ana := crier.User{ID: "U1", Name: "ana", Roles: []crier.Role{crier.RoleScheduler}}
	ch := crier.ChannelRef{Platform: "shell", ID: "kpis"}
	for _, tc := range []struct {
		name string
		now  time.Time // UTC
		spec digest.Spec
		want string
	}{
		{"before today's time it still comes", time.Date(2026, 12, 6, 8, 30, 0, 0, time.UTC),
			digest.Spec{Name: "daily", Channel: ch, Hour: 9, Location: lisbon},
			"✓ Posting the digest in #kpis now; the one at 09:00 Europe/Lisbon still comes."},
		{"after today's time the next is tomorrow", time.Date(2026, 12, 6, 9, 15, 0, 0, time.UTC),
			digest.Spec{Name: "daily", Channel: ch, Hour: 9, Location: lisbon},
			"✓ Posting the digest in #kpis now; the next scheduled one is tomorrow at 09:00 Europe/Lisbon."},
		{"the digest's zone decides, not UTC", time.Date(2026, 12, 6, 8, 30, 0, 0, time.UTC), // 17:30 in Tokyo
			digest.Spec{Name: "daily", Channel: ch, Hour: 9, Minute: 5, Location: tokyo},
			"✓ Posting the digest in #kpis now; the next scheduled one is tomorrow at 09:05 Asia/Tokyo."},
		{"now_replaces takes today's place", time.Date(2026, 12, 6, 8, 30, 0, 0, time.UTC),
			digest.Spec{Name: "daily", Channel: ch, Hour: 9, Location: lisbon, NowReplaces: true},
			"✓ Posting the digest in #kpis now; it takes the place of today's at 09:00 Europe/Lisbon."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := kpiSetup(t, "")
			b.clock.Set(tc.now)
			b.digests.spec = tc.spec
			resp := b.router.Handle(context.Background(), commands.Request{Platform: "shell", User: ana, Command: "digest", Text: "now"})
			require.Equal(t, tc.want, resp.Text)
		})
	}
}

func TestKPISetMoneyTakesTheCampaignsCurrencyElseTheDefault(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := kpiSetup(t, "USD")
	require.NoError(t, b.db.AddCampaign(ctx, &crier.Campaign{Name: "launch", Budget: 500, HasBudget: true, Currency: "EUR"}))
	require.NoError(t, b.db.AddCampaign(ctx, &crier.Campaign{Name: "bbq"})) // no budget: no currency

	require.Equal(t, "✓ Set spend 10 USD for 2026-12-06. It shows in /kpi and the next digest.", b.say("set spend 10"), "the default currency")
	require.Equal(t, "✓ Set revenue 20 EUR for 2026-12-06, campaign launch. It shows in /kpi and the next digest.", b.say("set revenue 20 launch"), "the campaign's before the default")
	require.Equal(t, "✓ Set spend 100 USD for 2026-12-06, campaign bbq. It shows in /kpi and the next digest.", b.say("set spend 100 bbq"),
		"a three-letter campaign name is the campaign, not a currency")
	require.Equal(t, "✓ Set conversions 42 for 2026-12-06, campaign bbq. It shows in /kpi and the next digest.", b.say("set conversions 42 bbq"),
		"after a count a three-letter word is never a currency")
	require.Equal(t, "✗ XYZ is not a currency code; type one like EUR or USD.", b.say("set spend 100 XYZ"))
	require.Equal(t, "✗ XYZ is not a currency code; type one like EUR or USD.", b.say("set spend 100XYZ"))
	require.Equal(t, "✗ Campaign bbq counts money in USD so far; type the amount in USD.", b.say("set revenue 5 GBP yesterday bbq"),
		"a campaign without a currency keeps the one of its first amount")
	require.Equal(t, "✓ Set revenue 5 USD for 2026-12-05, campaign bbq. It shows in /kpi and the next digest.", b.say("set revenue 5 usd yesterday bbq"))

	vs, err := b.db.Values(ctx, "2026-12-01", "2026-12-06")
	require.NoError(t, err)
	got := map[string]string{}
	for _, v := range vs {
		got[v.Day+" "+v.Metric+" "+v.Campaign] = v.Currency
	}
	require.Equal(t, map[string]string{
		"2026-12-06 spend ": "USD", "2026-12-06 revenue launch": "EUR", "2026-12-06 spend bbq": "USD",
		"2026-12-06 conversions bbq": "", "2026-12-05 revenue bbq": "USD",
	}, got)
}

func TestKPISetFirstAmountOfACampaignWithoutACurrencySetsIt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := kpiSetup(t, "") // no default currency
	require.NoError(t, b.db.AddCampaign(ctx, &crier.Campaign{Name: "fair"}))
	require.Equal(t, "✓ Set spend 30 GBP for 2026-12-06, campaign fair. It shows in /kpi and the next digest.", b.say("set spend 30 GBP fair"))
	require.Equal(t, "✗ Campaign fair counts money in GBP so far; type the amount in GBP.", b.say("set revenue 50 EUR fair"))
	require.Equal(t, "✓ Set revenue 50 GBP for 2026-12-06, campaign fair. It shows in /kpi and the next digest.", b.say("set revenue 50 fair"),
		"an amount without a currency takes the campaign's so far")
}
