package digest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/discord"
	"github.com/crier-bot/crier/adapters/shell"
	"github.com/crier-bot/crier/adapters/slack"
	"github.com/crier-bot/crier/adapters/sqlite"
	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/criertest"
	"github.com/crier-bot/crier/internal/digest"
	"github.com/crier-bot/crier/internal/jobs"
)

var update = flag.Bool("update", false, "rewrite golden files")

// statsNet is a network account whose numbers the test sets.
type statsNet struct {
	name string
	mu   sync.Mutex
	acc  crier.AccountStats
	// followers, when set, gives the followers at each reading.
	followers func() int
	post      map[string]crier.PostStats
	err       error
}

func (n *statsNet) Name() string { return n.name }
func (n *statsNet) Kind() string { return "mastodon" }
func (n *statsNet) Check(text string) crier.Count {
	return crier.Count{Used: len(text), Limit: 500, Unit: "characters"}
}
func (n *statsNet) Publish(context.Context, crier.PublishRequest) (crier.PublishResult, error) {
	return crier.PublishResult{}, errors.New("not here")
}
func (n *statsNet) AccountStats(context.Context) (crier.AccountStats, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	acc := n.acc
	if n.followers != nil {
		acc.Followers = n.followers()
	}
	return acc, n.err
}
func (n *statsNet) PostStats(_ context.Context, ids []string) ([]crier.PostStats, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []crier.PostStats
	for _, id := range ids {
		if s, ok := n.post[id]; ok {
			s.RemoteID = id
			out = append(out, s)
		}
	}
	return out, n.err
}

type world struct {
	manual bool // the test reads the networks itself (CollectOnce), every hour
	clock  *crier.ManualClock
	db     *sqlite.DB
	path   string
	chat   *criertest.Chat
	net    *statsNet
	svc    *digest.Service
	spec   digest.Spec
	stop   func()
}

func lisbon(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Lisbon")
	require.NoError(t, err)
	return loc
}

// newWorld starts crier's digest on a fresh database at now; the digest is
// posted at 09:00 in loc to #kpis.
func newWorld(t *testing.T, now time.Time, loc *time.Location) *world {
	t.Helper()
	w := &world{clock: crier.NewManualClock(now), chat: &criertest.Chat{}, path: filepath.Join(t.TempDir(), "crier.db"),
		net:  &statsNet{name: "masto", acc: crier.AccountStats{Followers: 1000}, post: map[string]crier.PostStats{}},
		spec: digest.Spec{Name: "morning", Channel: crier.ChannelRef{Platform: "shell", ID: "kpis"}, Hour: 9, Location: loc}}
	w.start(t)
	return w
}

func (w *world) start(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	collect := time.Hour
	if w.manual {
		collect = -1
	}
	var err error
	w.db, err = sqlite.Open(ctx, w.path, w.clock)
	require.NoError(t, err)
	engine, err := jobs.New(ctx, jobs.Options{DB: w.db.SQL(), Clock: w.clock})
	require.NoError(t, err)
	w.svc, err = digest.New(digest.Options{Jobs: engine, Store: w.db, Chat: w.chat, Specs: []digest.Spec{w.spec},
		Networks: []crier.Network{w.net}, Installation: w.db.Installation(), Clock: w.clock, Collect: collect})
	require.NoError(t, err)
	require.NoError(t, engine.Start(ctx))
	require.NoError(t, w.svc.Start(ctx))
	stopped := false
	w.stop = func() {
		if stopped {
			return
		}
		stopped = true
		w.svc.Stop()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, engine.Stop(sctx))
		require.NoError(t, w.db.Close())
	}
	t.Cleanup(w.stop)
}

func (w *world) restart(t *testing.T) {
	t.Helper()
	w.stop()
	w.start(t)
}

func (w *world) idle(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(t, w.svc.WaitIdle(ctx))
}

// digests returns the digests posted, in order.
func (w *world) digests() []criertest.Posted {
	var out []criertest.Posted
	for _, m := range w.chat.Messages() {
		if m.Channel.ID == "kpis" {
			out = append(out, m)
		}
	}
	return out
}

// advance moves the clock to at in steps of an hour, letting due digests go
// out (and the hourly collection run) at each step.
func (w *world) advance(t *testing.T, at time.Time) {
	t.Helper()
	w.advanceBy(t, at, time.Hour)
}

func (w *world) advanceBy(t *testing.T, at time.Time, step time.Duration) {
	t.Helper()
	for w.clock.Now().Before(at) {
		next := w.clock.Now().Add(step)
		if next.After(at) {
			next = at
		}
		w.clock.Set(next)
		if w.manual && next.Minute() == 0 {
			w.svc.CollectOnce(context.Background())
		}
		w.idle(t)
	}
}

func TestTheDigestIsPostedOncePerLocalDayAtItsTimeAcrossDST(t *testing.T) {
	t.Parallel()
	loc := lisbon(t)
	// Saturday 24 Oct 2026, 12:00 in Lisbon: the clocks go back on Sunday
	// 25 Oct at 02:00 (WEST → WET).
	w := newWorld(t, time.Date(2026, 10, 24, 12, 0, 0, 0, loc), loc)
	w.idle(t)
	require.Empty(t, w.digests(), "first start after 09:00: nothing late, the first digest is tomorrow's")

	w.advance(t, time.Date(2026, 10, 25, 8, 59, 0, 0, loc))
	require.Empty(t, w.digests())
	w.advance(t, time.Date(2026, 10, 25, 9, 0, 0, 0, loc))
	ds := w.digests()
	require.Len(t, ds, 1, "at 09:00 local, the day the clocks went back")
	require.Equal(t, "📊 Yesterday, Sat 24 Oct", ds[0].Text)
	require.Equal(t, time.Date(2026, 10, 25, 9, 0, 0, 0, time.UTC), w.clock.Now().UTC(), "09:00 WET is 09:00 UTC")

	w.advance(t, time.Date(2026, 10, 26, 12, 0, 0, 0, loc))
	require.Len(t, w.digests(), 2)
	w.restart(t)
	w.idle(t)
	require.Len(t, w.digests(), 2, "a restart posts nothing again")
}

func TestADigestMissedWhileCrierWasDownIsPostedAtStartMarkedLate(t *testing.T) {
	t.Parallel()
	loc := lisbon(t)
	w := newWorld(t, time.Date(2026, 12, 1, 8, 0, 0, 0, loc), loc)
	w.advance(t, time.Date(2026, 12, 1, 9, 30, 0, 0, loc))
	require.Len(t, w.digests(), 1)

	// Down from 2 Dec 08:00 to 2 Dec 11:00: the 09:00 digest is posted at
	// start, late; the next day's at its time.
	w.advance(t, time.Date(2026, 12, 2, 8, 0, 0, 0, loc))
	w.stop()
	w.clock.Set(time.Date(2026, 12, 2, 11, 0, 0, 0, loc))
	w.start(t)
	w.idle(t)
	ds := w.digests()
	require.Len(t, ds, 2)
	require.Equal(t, "📊 Yesterday, Tue 1 Dec (late: crier was not running at the digest's time)", ds[1].Text)
	w.restart(t)
	w.idle(t)
	require.Len(t, w.digests(), 2, "posted late once")
	w.advance(t, time.Date(2026, 12, 3, 9, 0, 0, 0, loc))
	require.Len(t, w.digests(), 3)
	require.Equal(t, "📊 Yesterday, Wed 2 Dec", w.digests()[2].Text)
}

// Two digest services (two job engines) on one database claim each run
// once. Two crier processes cannot share a SQLite database at all (the
// store's file lock refuses the second), so this is as near as SQLite
// gets; a shared store such as PostgreSQL would also need a claim lease.
func TestTwoDigestServicesOnOneDatabasePostTheDigestOnce(t *testing.T) {
	t.Parallel()
	loc := time.UTC
	ctx := context.Background()
	clock := crier.NewManualClock(time.Date(2026, 12, 1, 8, 0, 0, 0, loc))
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "crier.db"), clock)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	chat := &criertest.Chat{}
	spec := digest.Spec{Name: "morning", Channel: crier.ChannelRef{Platform: "shell", ID: "kpis"}, Hour: 9, Location: loc}
	var svcs []*digest.Service
	for range 2 {
		engine, err := jobs.New(ctx, jobs.Options{DB: db.SQL(), Clock: clock})
		require.NoError(t, err)
		svc, err := digest.New(digest.Options{Jobs: engine, Store: db, Chat: chat, Specs: []digest.Spec{spec}, Installation: db.Installation(), Clock: clock})
		require.NoError(t, err)
		require.NoError(t, engine.Start(ctx))
		require.NoError(t, svc.Start(ctx))
		t.Cleanup(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = engine.Stop(sctx)
		})
		svcs = append(svcs, svc)
	}
	for h := 9; h <= 12; h++ {
		clock.Set(time.Date(2026, 12, 1, h, 0, 0, 0, loc))
		for _, s := range svcs {
			require.NoError(t, s.Plan(ctx))
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			require.NoError(t, s.WaitIdle(wctx))
			cancel()
		}
	}
	require.Len(t, chat.Messages(), 1, "%q", chat.Texts())
}

func TestADigestChannelCrierCannotPostInIsTriedAFewTimesThenLeft(t *testing.T) {
	t.Parallel()
	loc := time.UTC
	w := newWorld(t, time.Date(2026, 12, 1, 8, 0, 0, 0, loc), loc)
	w.chat.SetDown(true)
	w.advanceBy(t, time.Date(2026, 12, 1, 12, 0, 0, 0, loc), time.Minute)
	w.chat.SetDown(false)
	w.advance(t, time.Date(2026, 12, 1, 20, 0, 0, 0, loc))
	require.Empty(t, w.digests(), "given up after its attempts: not posted hours late")
	w.advance(t, time.Date(2026, 12, 2, 9, 0, 0, 0, loc))
	require.Len(t, w.digests(), 1, "the next day's comes")
}

func TestTheDigestSaysWhichNumbersAreMissingAndWhy(t *testing.T) {
	t.Parallel()
	loc := time.UTC
	w := &world{manual: true, clock: crier.NewManualClock(time.Date(2026, 12, 1, 8, 0, 0, 0, loc)), chat: &criertest.Chat{}, path: filepath.Join(t.TempDir(), "crier.db"),
		net: &statsNet{name: "masto", acc: crier.AccountStats{Followers: 1000}, post: map[string]crier.PostStats{},
			err: crier.Permanent(crier.Errorf(crier.EPERMANENT, "Mastodon (masto) refused crier's access token; make a new one"))},
		spec: digest.Spec{Name: "morning", Channel: crier.ChannelRef{Platform: "shell", ID: "kpis"}, Hour: 9, Location: loc}}
	w.start(t)
	w.advance(t, time.Date(2026, 12, 1, 9, 0, 0, 0, loc))
	ds := w.digests()
	require.Len(t, ds, 1)
	require.Contains(t, strings.Join(ds[0].Lines, "\n"), "masto: followers not read that day; 0 posts, 0 engagement — numbers missing: Mastodon (masto) refused crier's access token; make a new one.")
}

// seed stores fed-in values, a campaign and two posts published on masto on
// day (one in the campaign), whose counts the network then reports.
func seed(t *testing.T, w *world, day time.Time) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, w.db.AddCampaign(ctx, &crier.Campaign{Name: "launch", Budget: 500, HasBudget: true, Currency: "EUR", EndsOn: "2026-12-31", CreatedBy: "ana"}))
	require.NoError(t, w.db.SetValues(ctx, []crier.Value{
		{Day: day.Format("2006-01-02"), Metric: "conversions", Campaign: "launch", Value: 42, Source: crier.SourceChat},
		{Day: day.AddDate(0, 0, -1).Format("2006-01-02"), Metric: "conversions", Campaign: "launch", Value: 30, Source: crier.SourceChat},
		{Day: day.AddDate(0, 0, -2).Format("2006-01-02"), Metric: "conversions", Campaign: "launch", Value: 20, Source: crier.SourceChat},
		{Day: day.Format("2006-01-02"), Metric: "spend", Campaign: "launch", Value: 120.5, Currency: "EUR", Source: crier.SourceImport},
		{Day: day.Format("2006-01-02"), Metric: "revenue", Campaign: "launch", Value: 900, Currency: "EUR", Source: crier.SourceAPI},
	}))
	for i, p := range []struct {
		text, campaign string
		at             time.Time
		stats          crier.PostStats
	}{
		{"Launch day is here! Our new shop opens at 10.", "launch", day.Add(9 * time.Hour), crier.PostStats{Likes: 40, Reposts: 12, Replies: 5}},
		{"Thank you all for a wonderful first day", "", day.Add(20 * time.Hour), crier.PostStats{Likes: 8, Replies: 1}},
	} {
		res, err := w.db.SQL().ExecContext(ctx, `INSERT INTO posts (text, status, due_at, created_at, updated_at, author_id, author_name,
			origin_platform, origin_channel, targets, campaign) VALUES (?, 'published', ?, ?, ?, 'U1', 'ana', 'shell', 'general', '["masto"]', ?)`,
			p.text, p.at.UnixMilli(), p.at.UnixMilli(), p.at.UnixMilli(), p.campaign)
		require.NoError(t, err)
		id, err := res.LastInsertId()
		require.NoError(t, err)
		remote := fmt.Sprintf("1100%d", i)
		_, err = w.db.SQL().ExecContext(ctx, `INSERT INTO deliveries (post_id, target, idempotency_key, status, due_at, remote_id, url, published_at)
			VALUES (?, 'masto', ?, 'published', ?, ?, ?, ?)`, id, fmt.Sprintf("k%d", i), p.at.UnixMilli(), remote, "https://masto.example/@crier/"+remote, p.at.UnixMilli())
		require.NoError(t, err)
		w.net.mu.Lock()
		w.net.post[remote] = p.stats
		w.net.mu.Unlock()
	}
}

func TestTheDigestTextMatchesItsGoldenFile(t *testing.T) {
	t.Parallel()
	loc := lisbon(t)
	day := time.Date(2026, 12, 5, 0, 0, 0, 0, loc)
	begin := day.AddDate(0, 0, -8)
	w := newWorld(t, begin, loc)
	w.manual = true
	w.restart(t)
	w.net.mu.Lock()
	w.net.followers = func() int { return 1000 + int(w.clock.Now().Sub(begin).Hours()) } // one more every hour
	w.net.mu.Unlock()
	seed(t, w, day)
	w.advance(t, day.AddDate(0, 0, 1).Add(9*time.Hour))
	ds := w.digests()
	require.NotEmpty(t, ds)
	got := ds[len(ds)-1]
	require.NotNil(t, got.File, "the chart is attached")
	require.Equal(t, "image/png", got.File.ContentType)
	text := got.Text + "\n" + strings.Join(got.Lines, "\n") + "\n"
	checkGolden(t, "digest.golden", text)

	// As each chat shows it: Slack's blocks, Discord's content, the shell.
	resp := commands.Response{Text: got.Text, Lines: got.Lines}
	blocks, err := json.MarshalIndent(slack.Blocks(resp), "", "  ")
	require.NoError(t, err)
	checkGolden(t, "digest.slack.json", string(blocks)+"\n")
	checkGolden(t, "digest.discord.txt", discord.Content(resp)+"\n")
	var out bytes.Buffer
	sh := shell.New(strings.NewReader(""), &out, crier.User{ID: "you"}, "general")
	sh.UseFiles(t.TempDir())
	_, err = sh.Post(context.Background(), crier.ChannelRef{Platform: "shell", ID: "kpis"}, got.Message)
	require.NoError(t, err)
	checkGolden(t, "digest.shell.txt", regexp.MustCompile(`: /\S+/digest-`).ReplaceAllString(out.String(), ": <dir>/digest-"))
}

// checkGolden compares got with testdata/name (written with -update).
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	golden := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	require.Equal(t, string(want), got, name)
}

func loc(t *testing.T, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	require.NoError(t, err)
	return l
}

func titles(ps []criertest.Posted) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Text)
	}
	return out
}

// In Chile the clocks go forward at midnight (6 Sep 2026: 00:00 → 01:00): a
// day then starts at 01:00, and each day is still reported once, in order.
func TestEachDayIsReportedOnceWhereClocksChangeAtMidnight(t *testing.T) {
	t.Parallel()
	santiago := loc(t, "America/Santiago")
	w := newWorld(t, time.Date(2026, 9, 4, 8, 0, 0, 0, santiago), santiago)
	w.advance(t, time.Date(2026, 9, 4, 9, 0, 0, 0, santiago)) // the first
	w.advance(t, time.Date(2026, 9, 9, 10, 0, 0, 0, santiago))
	require.Equal(t, []string{"📊 Yesterday, Thu 3 Sep", "📊 Yesterday, Fri 4 Sep", "📊 Yesterday, Sat 5 Sep", "📊 Yesterday, Sun 6 Sep",
		"📊 Yesterday, Mon 7 Sep", "📊 Yesterday, Tue 8 Sep"}, titles(w.digests()))
}

// A digest at 01:30 in Lisbon: on 29 Mar 2026 01:30 does not exist (the
// clocks jump from 01:00 to 02:00), on 25 Oct it happens twice; each day's
// digest is posted once.
func TestADigestAtATimeTheClocksSkipOrRepeatIsPostedOnce(t *testing.T) {
	t.Parallel()
	lisbon := loc(t, "Europe/Lisbon")
	for _, day := range []time.Time{time.Date(2026, 3, 29, 0, 0, 0, 0, lisbon), time.Date(2026, 10, 25, 0, 0, 0, 0, lisbon)} {
		w := &world{clock: crier.NewManualClock(day.Add(-6 * time.Hour)), chat: &criertest.Chat{}, path: filepath.Join(t.TempDir(), "crier.db"),
			net:  &statsNet{name: "masto", acc: crier.AccountStats{Followers: 10}, post: map[string]crier.PostStats{}},
			spec: digest.Spec{Name: "night", Channel: crier.ChannelRef{Platform: "shell", ID: "kpis"}, Hour: 1, Minute: 30, Location: lisbon}}
		w.start(t)
		w.advanceBy(t, day.Add(30*time.Hour), 20*time.Minute)
		want := []string{"📊 Yesterday, " + day.AddDate(0, 0, -1).Format("Mon 2 Jan"), "📊 Yesterday, " + day.Format("Mon 2 Jan")}
		require.Equal(t, want, titles(w.digests()), day.Format("2 Jan"))
	}
}

func TestTheWeeklyDigestSumsTheWeekOnItsDay(t *testing.T) {
	t.Parallel()
	utc := time.UTC
	w := &world{clock: crier.NewManualClock(time.Date(2026, 11, 29, 8, 0, 0, 0, utc)), chat: &criertest.Chat{}, path: filepath.Join(t.TempDir(), "crier.db"),
		net: &statsNet{name: "masto", acc: crier.AccountStats{Followers: 10}, post: map[string]crier.PostStats{}}}
	monday := time.Monday
	w.spec = digest.Spec{Name: "daily", Channel: crier.ChannelRef{Platform: "shell", ID: "kpis"}, Hour: 9, Location: utc, Weekly: &monday}
	w.start(t)
	require.NoError(t, w.db.SetValues(context.Background(), []crier.Value{
		{Day: "2026-11-24", Metric: "clicks", Value: 5, Source: crier.SourceAPI},
		{Day: "2026-11-29", Metric: "clicks", Value: 7, Source: crier.SourceAPI},
		{Day: "2026-11-30", Metric: "clicks", Value: 100, Source: crier.SourceAPI}, // Monday: next week's
	}))
	w.advance(t, time.Date(2026, 12, 1, 12, 0, 0, 0, utc))
	var weekly []criertest.Posted
	for _, d := range w.digests() {
		if strings.HasPrefix(d.Text, "📊 The week") {
			weekly = append(weekly, d)
		}
	}
	require.Len(t, weekly, 1, "%q", titles(w.digests()))
	require.Equal(t, "📊 The week of Mon 23 Nov to Sun 29 Nov", weekly[0].Text)
	require.Contains(t, weekly[0].Lines, "Clicks: 12")
	require.Len(t, w.digests(), 4, "Sunday's, Monday's and Tuesday's daily digests, and the week's")
}

// A digest whose chat answer was lost is looked for with the text its first
// attempt rendered, though the numbers changed since: a finder that
// matches text (Discord's) finds it, and it is posted once.
func TestARetriedDigestPostsWhatItsFirstAttemptRendered(t *testing.T) {
	t.Parallel()
	utc := time.UTC
	w := newWorld(t, time.Date(2026, 12, 1, 8, 0, 0, 0, utc), utc)
	w.chat.MatchByText()
	w.chat.LoseAnswers("kpis", 1)
	w.advance(t, time.Date(2026, 12, 1, 9, 0, 0, 0, utc))
	require.Len(t, w.digests(), 1)
	require.NoError(t, w.db.SetValues(context.Background(), []crier.Value{{Day: "2026-11-30", Metric: "clicks", Value: 9, Source: crier.SourceAPI}}))
	w.restart(t) // and a restart, as after a crash
	w.advanceBy(t, time.Date(2026, 12, 1, 9, 30, 0, 0, utc), time.Minute)
	require.Len(t, w.digests(), 1, "posted once: %q", titles(w.digests()))
}

func TestAfterDaysDownOneLateDigestStandsForTheMissedOnes(t *testing.T) {
	t.Parallel()
	utc := time.UTC
	w := newWorld(t, time.Date(2026, 12, 1, 8, 0, 0, 0, utc), utc)
	w.advance(t, time.Date(2026, 12, 1, 10, 0, 0, 0, utc))
	require.Len(t, w.digests(), 1)
	w.stop()
	w.clock.Set(time.Date(2026, 12, 4, 12, 0, 0, 0, utc)) // down for three days
	w.start(t)
	w.idle(t)
	require.Equal(t, []string{"📊 Yesterday, Mon 30 Nov", "📊 Yesterday, Thu 3 Dec (late: crier was not running at the digest's time)"}, titles(w.digests()))
}

func TestAChannelThatRefusesTheDigestForGoodIsNotTriedAgain(t *testing.T) {
	t.Parallel()
	utc := time.UTC
	w := newWorld(t, time.Date(2026, 12, 1, 8, 0, 0, 0, utc), utc)
	w.chat.RefuseThread("kpis", crier.Permanent(crier.Errorf(crier.EPERMANENT, "crier may not post in #kpis")))
	w.advance(t, time.Date(2026, 12, 1, 9, 0, 0, 0, utc))
	w.chat.RefuseThread("kpis", nil)
	w.advanceBy(t, time.Date(2026, 12, 1, 10, 0, 0, 0, utc), time.Minute)
	require.Empty(t, w.digests(), "ended at the first refusal, not retried")
}

func TestDigestNowPostsAtOnceAndReplacesTheDaysOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	utc := time.UTC
	for _, replaces := range []bool{false, true} {
		w := &world{clock: crier.NewManualClock(time.Date(2026, 12, 1, 7, 0, 0, 0, utc)), chat: &criertest.Chat{}, path: filepath.Join(t.TempDir(), "crier.db"),
			net:  &statsNet{name: "masto", acc: crier.AccountStats{Followers: 10}, post: map[string]crier.PostStats{}},
			spec: digest.Spec{Name: "daily", Channel: crier.ChannelRef{Platform: "shell", ID: "kpis"}, Hour: 9, Location: utc, NowReplaces: replaces}}
		w.start(t)
		w.advance(t, time.Date(2026, 12, 1, 8, 0, 0, 0, utc))
		_, err := w.svc.Now(context.Background(), "")
		require.NoError(t, err)
		w.idle(t)
		require.Len(t, w.digests(), 1, "posted at once")
		w.advance(t, time.Date(2026, 12, 1, 12, 0, 0, 0, utc))
		if replaces {
			require.Len(t, w.digests(), 1, "it was the day's digest")
			_, err := w.svc.Now(context.Background(), "")
			require.Equal(t, "Today's digest has been posted already, or is being posted now; /kpi shows the same numbers.", crier.ErrorMessage(err))
		} else {
			require.Len(t, w.digests(), 2, "the scheduled one still came")
		}
		_, err = w.svc.Now(context.Background(), "evening")
		require.Equal(t, "There is no digest named evening; bot.yaml has daily.", crier.ErrorMessage(err))
	}
}

func TestFollowersNotReadThatDayAreNotShownAsThatDays(t *testing.T) {
	t.Parallel()
	utc := time.UTC
	w := &world{manual: true, clock: crier.NewManualClock(time.Date(2026, 12, 1, 8, 0, 0, 0, utc)), chat: &criertest.Chat{}, path: filepath.Join(t.TempDir(), "crier.db"),
		net:  &statsNet{name: "masto", acc: crier.AccountStats{Followers: 1000}, post: map[string]crier.PostStats{}},
		spec: digest.Spec{Name: "morning", Channel: crier.ChannelRef{Platform: "shell", ID: "kpis"}, Hour: 9, Location: utc}}
	w.start(t)
	w.advance(t, time.Date(2026, 12, 1, 12, 0, 0, 0, utc)) // read with 1,000 followers
	w.net.mu.Lock()
	w.net.err = crier.Permanent(crier.Errorf(crier.EPERMANENT, "Mastodon (masto) refused crier's access token; make a new one"))
	w.net.mu.Unlock()
	w.advance(t, time.Date(2026, 12, 3, 9, 0, 0, 0, utc))
	ds := w.digests()
	require.Contains(t, strings.Join(ds[len(ds)-1].Lines, "\n"), "masto: followers not read that day; 0 posts, 0 engagement — numbers missing: Mastodon (masto) refused crier's access token; make a new one.")
}
