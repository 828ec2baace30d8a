package digest

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/crier-bot/crier/internal/crier"
)

// Spec is one digest bot.yaml asks for.
type Spec struct {
	Name     string
	Channel  crier.ChannelRef
	Hour     int // the local time it is posted at
	Minute   int
	Location *time.Location
	Accounts []string // the network accounts it covers; nil: every one crier reads
	Metrics  []string // the metrics it shows; nil: every one
	// Weekly is the weekday a weekly digest (the last 7 days) is posted on
	// as well; nil: none.
	Weekly *time.Weekday
	// NowReplaces makes /digest now take the place of that day's scheduled
	// digest (by default the scheduled one still comes).
	NowReplaces bool
}

// shows says whether the digest shows metric.
func (s Spec) shows(metric string) bool {
	return len(s.Metrics) == 0 || slices.Contains(s.Metrics, metric)
}

// Period is the local days a report covers: [From, To).
type Period struct {
	First, Last string // "2026-12-05"
	From, To    time.Time
	Days        int
	Location    *time.Location
}

// DayPeriod is the local day day ("2026-12-05") in loc.
func DayPeriod(day string, loc *time.Location) (Period, error) {
	return DaysPeriod(day, 1, loc)
}

// DaysPeriod is the n local days ending with last.
func DaysPeriod(last string, n int, loc *time.Location) (Period, error) {
	if loc == nil {
		loc = time.UTC
	}
	end, err := civil(last)
	if err != nil {
		return Period{}, err
	}
	return periodOf(addDays(end, -(n-1)), n, loc), nil
}

// periodOf is the n local days from the calendar date first.
func periodOf(first time.Time, n int, loc *time.Location) Period {
	return Period{
		First: first.Format("2006-01-02"), Last: addDays(first, n-1).Format("2006-01-02"),
		From: dayStart(first, loc), To: dayStart(addDays(first, n), loc), Days: n, Location: loc,
	}
}

// shift is the period of the same length k periods earlier (k < 0) or later.
func (p Period) shift(k int) Period {
	first, err := civil(p.First)
	if err != nil {
		return p
	}
	return periodOf(addDays(first, k*p.Days), p.Days, p.Location)
}

// Number is a value with what it is compared with: the period before, and
// the average of the 7 periods before; OK false where there is no number.
type Number struct {
	Value, Prev, Avg  float64
	OK, PrevOK, AvgOK bool
	AvgOf             int    // how many periods the average is of (7 unless fewer had a number)
	Currency          string // of a money number, when every value had the same
}

// Account is one network account's numbers.
type Account struct {
	Name       string
	Followers  Number // at the end of the period
	Posts      int
	Unread     int    // posts whose counts were not read yet
	Engagement Number // on the posts published in the period
	Missing    string // why its numbers are missing, "" when they are not
}

// CampaignLine is a campaign's numbers to date.
type CampaignLine struct {
	Campaign                   crier.Campaign
	Posts, Engagement          int
	Spend, Revenue             float64
	Conversions                float64
	HasSpend, HasRevenue, Conv bool
}

// Report is a digest's numbers for one period.
type Report struct {
	Spec      Spec
	Period    Period
	Late      bool
	Accounts  []Account
	Best      *crier.PublishedPost
	Activity  crier.Activity
	Posts     Number
	Comments  Number
	Replies   Number
	Response  time.Duration // median first-response time; 0 when none
	Team      map[string]Number
	Campaigns []CampaignLine
	Scheduled []crier.Post // due in the day after the period (today)

	byCurrency map[string]map[string]float64 // fed-in money of the period per metric and currency
}

// Status says what is known about collecting an account's numbers.
type Status struct {
	Account string
	Error   string // the last collection's error in plain words; "" when it worked
	At      time.Time
}

// Compute gathers a report for the period p. accounts are the network
// accounts to cover (spec.Accounts when set); status says why an
// account's numbers may be missing.
func Compute(ctx context.Context, store crier.KPIStore, spec Spec, p Period, accounts []string, status map[string]Status) (*Report, error) {
	r := &Report{Spec: spec, Period: p, Team: map[string]Number{}, byCurrency: map[string]map[string]float64{}}
	if len(spec.Accounts) > 0 {
		accounts = spec.Accounts
	}
	// Followers: the reading before the end of this period, the one
	// before, and the 7 before that.
	ends := []time.Time{p.To, p.shift(-1).To}
	for k := 1; k <= 7; k++ {
		ends = append(ends, p.shift(-k).To)
	}
	week := p.shift(-7)
	published, err := store.Published(ctx, week.From, p.To)
	if err != nil {
		return nil, err
	}
	for _, name := range accounts {
		a := Account{Name: name}
		rs, err := store.Gauge(ctx, "followers", name, ends)
		if err != nil {
			return nil, err
		}
		// A reading counts for a period only when it was taken in it: the
		// last one before an account's token was refused is not today's.
		rs[0], rs[1] = fresh(rs[0], p.From), fresh(rs[1], p.shift(-1).From)
		for k := 1; k <= 7; k++ {
			rs[1+k] = fresh(rs[1+k], p.shift(-k).From)
		}
		a.Followers = number(rs[0], rs[1], rs[2:])
		eng := make([]float64, 8) // this period, then each of the 7 before
		for _, pp := range published {
			if pp.Network != name {
				continue
			}
			k := periodIndex(p, pp.PublishedAt)
			if k < 0 || k > 7 {
				continue
			}
			eng[k] += float64(pp.Engagement())
			if k == 0 {
				a.Posts++
				if !pp.Measured {
					a.Unread++
				}
				if r.Best == nil || pp.Engagement() > r.Best.Engagement() {
					best := pp
					r.Best = &best
				}
			}
		}
		a.Engagement = Number{Value: eng[0], OK: true, Prev: eng[1], PrevOK: true, Avg: mean(eng[1:]), AvgOK: true, AvgOf: 7}
		if st, ok := status[name]; ok && st.Error != "" {
			a.Missing = st.Error
		}
		r.Accounts = append(r.Accounts, a)
	}
	if r.Best != nil && r.Best.Engagement() == 0 {
		r.Best = nil // nothing stood out
	}

	// crier's own counts, this period and the 7 before.
	acts := make([]crier.Activity, 8)
	for k := range acts {
		q := p.shift(-k)
		until := q.To
		if k == 0 {
			until = p.To.AddDate(0, 0, 1) // and what is scheduled the day after
		}
		if acts[k], err = store.Activity(ctx, q.From, q.To, until); err != nil {
			return nil, err
		}
	}
	r.Activity = acts[0]
	r.Scheduled = acts[0].Scheduled
	count := func(f func(crier.Activity) int) Number {
		xs := make([]float64, 7)
		for k := range xs {
			xs[k] = float64(f(acts[k+1]))
		}
		return Number{Value: float64(f(acts[0])), OK: true, Prev: xs[0], PrevOK: true, Avg: mean(xs), AvgOK: true, AvgOf: 7}
	}
	r.Posts = count(func(a crier.Activity) int { return a.Published })
	r.Comments = count(func(a crier.Activity) int { return a.Comments })
	r.Replies = count(func(a crier.Activity) int { return a.RepliesSent })
	r.Response = median(acts[0].FirstResponse)

	// What the team fed in, summed per day over accounts and campaigns.
	vs, err := store.Values(ctx, week.First, p.Last)
	if err != nil {
		return nil, err
	}
	perMetric := map[string][]float64{} // per period index
	seen := map[string][]bool{}
	currency := map[string]string{} // "" none yet, "?" mixed
	for _, v := range vs {
		at, err := time.ParseInLocation("2006-01-02", v.Day, p.Location)
		if err != nil {
			continue
		}
		k := periodIndex(p, at)
		if k < 0 || k > 7 {
			continue
		}
		if perMetric[v.Metric] == nil {
			perMetric[v.Metric], seen[v.Metric] = make([]float64, 8), make([]bool, 8)
		}
		perMetric[v.Metric][k] += v.Value
		seen[v.Metric][k] = true
		if k == 0 {
			if r.byCurrency[v.Metric] == nil {
				r.byCurrency[v.Metric] = map[string]float64{}
			}
			r.byCurrency[v.Metric][v.Currency] += v.Value
		}
		if c, ok := currency[v.Metric]; !ok {
			currency[v.Metric] = v.Currency
		} else if c != v.Currency {
			currency[v.Metric] = "?"
		}
	}
	for m, xs := range perMetric {
		n := Number{Value: xs[0], OK: seen[m][0], Prev: xs[1], PrevOK: seen[m][1], Currency: currency[m]}

		var prior []float64
		for k := 1; k <= 7; k++ {
			if seen[m][k] {
				prior = append(prior, xs[k])
			}
		}
		if len(prior) > 0 {
			n.Avg, n.AvgOK, n.AvgOf = mean(prior), true, len(prior)
		}
		r.Team[m] = n
	}

	if spec.shows("campaigns") || len(spec.Metrics) == 0 {
		if r.Campaigns, err = Campaigns(ctx, store, p.Last, p.To); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Campaigns gives every open campaign's numbers to the end of day last
// (and of those that ended in the week before it).
func Campaigns(ctx context.Context, store crier.KPIStore, last string, end time.Time) ([]CampaignLine, error) {
	cs, err := store.Campaigns(ctx, true)
	if err != nil {
		return nil, err
	}
	var out []CampaignLine
	for _, c := range cs {
		// A campaign closed more than a week before the day is history.
		if c.Closed && (c.ClosedAt.IsZero() || c.ClosedAt.Before(end.Add(-8*24*time.Hour))) {
			continue
		}
		line, err := CampaignNumbers(ctx, store, c, last, end)
		if err != nil {
			return nil, err
		}
		out = append(out, line)
	}
	return out, nil
}

// CampaignNumbers sums campaign c's posts, engagement and fed-in numbers
// up to the end of day last.
func CampaignNumbers(ctx context.Context, store crier.KPIStore, c crier.Campaign, last string, end time.Time) (CampaignLine, error) {
	line := CampaignLine{Campaign: c}
	var err error
	if line.Posts, line.Engagement, err = store.CampaignPosts(ctx, c.Name, end); err != nil {
		return line, err
	}
	vs, err := store.CampaignValues(ctx, c.Name, last)
	if err != nil {
		return line, err
	}
	for _, v := range vs {
		switch v.Metric {
		case "spend":
			line.Spend += v.Value
			line.HasSpend = true
		case "revenue":
			line.Revenue += v.Value
			line.HasRevenue = true
		case "conversions":
			line.Conversions += v.Value
			line.Conv = true
		}
	}
	return line, nil
}

// dayBefore is the day n days before day.
func dayBefore(day string, n int) string {
	t, err := time.Parse("2006-01-02", day)
	if err != nil {
		return day
	}
	return t.AddDate(0, 0, -n).Format("2006-01-02")
}

// periodIndex is 0 for an instant in p, k for one k periods before; -1
// after p or more than 7 periods before.
func periodIndex(p Period, at time.Time) int {
	if !at.Before(p.To) {
		return -1
	}
	for k := 0; k <= 7; k++ {
		if !at.Before(p.shift(-k).From) {
			return k
		}
	}
	return -1
}

// fresh is r when it was read at or after from, else no reading.
func fresh(r crier.Reading, from time.Time) crier.Reading {
	if r.OK && r.At.Before(from) {
		return crier.Reading{}
	}
	return r
}

func number(cur, prev crier.Reading, before []crier.Reading) Number {
	n := Number{Value: cur.Value, OK: cur.OK, Prev: prev.Value, PrevOK: prev.OK}
	var xs []float64
	for _, r := range before {
		if r.OK {
			xs = append(xs, r.Value)
		}
	}
	if len(xs) > 0 {
		n.Avg, n.AvgOK, n.AvgOf = mean(xs), true, len(xs)
	}
	return n
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// change says how v compares with base: "▲ 12%", "▼ 3.5%", "= 0%", or
// "" when there is nothing to compare with.
func change(v, base float64, ok bool) string {
	if !ok {
		return ""
	}
	if base == 0 {
		if v == 0 {
			return "" // nothing then, nothing now: nothing to say
		}
		return "▲ from 0"
	}
	pct := (v - base) / math.Abs(base) * 100
	switch {
	case math.Abs(pct) < 0.05:
		return "= 0%"
	case pct > 0:
		return "▲ " + percent(pct)
	default:
		return "▼ " + percent(-pct)
	}
}

func percent(p float64) string {
	if p >= 10 {
		return fmt.Sprintf("%.0f%%", p)
	}
	return strings.TrimSuffix(fmt.Sprintf("%.1f", p), ".0") + "%"
}

// compare renders "vs day before ▲ 12%, vs 7-day average ▼ 3%".
func compare(n Number, unit string) string {
	var parts []string
	if c := change(n.Value, n.Prev, n.OK && n.PrevOK); c != "" {
		parts = append(parts, c+" vs "+unit+" before")
	}
	if c := change(n.Value, n.Avg, n.OK && n.AvgOK); c != "" {
		switch {
		case n.AvgOf == 1:
			// the period before is the only one: said already
		case n.AvgOf < 7 && n.AvgOf > 1:
			parts = append(parts, fmt.Sprintf("%s vs the average of the %d %ss before", c, n.AvgOf, unit))
		default:
			parts = append(parts, c+" vs 7-"+unit+" average")
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// amount renders a count or money with thousands separators.
func amount(v float64, money bool) string {
	neg := v < 0
	v = math.Abs(v)
	if money {
		v = math.Round(v*100) / 100 // to the cent first: 1.999 is 2.00
	}
	whole := int64(v)
	s := fmt.Sprint(whole)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if money {
		s += fmt.Sprintf(".%02d", int64(math.Round((v-float64(whole))*100))%100)
	} else if frac := v - float64(whole); frac > 0.0001 {
		s += strings.TrimPrefix(strings.TrimRight(fmt.Sprintf("%.2f", frac), "0"), "0")
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Message renders the report as a chat message: a headline and one line per
// number, the same text on every platform (the adapters render lines as
// they render any message).
func (r *Report) Message(now time.Time) crier.Message {
	unit := "day"
	today := now.In(r.Period.Location).Format("2006-01-02")
	var title string
	switch {
	case r.Period.Days == 7:
		unit = "week"
		title = fmt.Sprintf("📊 The week of %s to %s", dayName(r.Period.From), dayName(r.Period.To.AddDate(0, 0, -1)))
	case r.Period.Days == 30:
		unit = "month"
		title = fmt.Sprintf("📊 The 30 days from %s to %s", dayName(r.Period.From), dayName(r.Period.To.AddDate(0, 0, -1)))
	case r.Period.Days > 1:
		unit = "period"
		title = fmt.Sprintf("📊 The %d days from %s to %s", r.Period.Days, dayName(r.Period.From), dayName(r.Period.To.AddDate(0, 0, -1)))
	case r.Period.Last == today:
		title = "📊 Today so far, " + dayName(r.Period.From)
	case r.Period.Last == dayBefore(today, 1):
		title = "📊 Yesterday, " + dayName(r.Period.From)
	default:
		title = "📊 " + dayName(r.Period.From)
	}
	if r.Late {
		title += " (late: crier was not running at the digest's time)"
	}
	m := crier.Message{Text: title}
	add := func(format string, args ...any) { m.Lines = append(m.Lines, fmt.Sprintf(format, args...)) }
	spec := r.Spec
	if spec.shows("followers") || spec.shows("engagement") {
		for _, a := range r.Accounts {
			var parts []string
			if spec.shows("followers") {
				if a.Followers.OK {
					parts = append(parts, fmt.Sprintf("%s followers%s", amount(a.Followers.Value, false), compare(a.Followers, unit)))
				} else {
					parts = append(parts, "followers not read that "+unit)
				}
			}
			if spec.shows("engagement") {
				unread := ""
				if a.Unread > 0 {
					unread = fmt.Sprintf(" (%d not read yet)", a.Unread)
				}
				parts = append(parts, fmt.Sprintf("%d %s%s, %s engagement%s", a.Posts, plural(a.Posts, "post", "posts"), unread,
					amount(a.Engagement.Value, false), compare(a.Engagement, unit)))
			}
			line := a.Name + ": " + strings.Join(parts, "; ")
			if a.Missing != "" {
				line += " — numbers missing: " + a.Missing
			}
			add("%s", line)
		}
	}
	if r.Best != nil && spec.shows("engagement") {
		b := r.Best
		quotes := ""
		if b.Stats.Quotes > 0 {
			quotes = fmt.Sprintf(", %d quotes", b.Stats.Quotes)
		}
		line := fmt.Sprintf("Best post: #%d on %s, %d engagement (%d likes, %d reposts, %d replies%s): %s", b.PostID, b.Network,
			b.Engagement(), b.Stats.Likes, b.Stats.Reposts, b.Stats.Replies, quotes, crier.Quote(b.Text, 60))
		if b.URL != "" {
			line += " " + b.URL
		}
		add("%s", line)
	}
	if spec.shows("posts") {
		add("Posts published: %d%s", int(r.Posts.Value), compare(r.Posts, unit))
	}
	if spec.shows("failed") && r.Activity.Failed > 0 {
		add("Posts that failed: %d (see /queue)", r.Activity.Failed)
	}
	if spec.shows("comments") {
		add("Comments received: %d%s", int(r.Comments.Value), compare(r.Comments, unit))
	}
	if spec.shows("replies") {
		add("Replies sent: %d%s", int(r.Replies.Value), compare(r.Replies, unit))
	}
	if spec.shows("response") {
		if r.Response > 0 {
			add("Median first response: %s", roundDuration(r.Response))
		} else {
			add("Median first response: no conversation was first answered")
		}
	}
	if spec.shows("open") {
		add("Conversations waiting for an answer now: %d", r.Activity.Open)
	}
	for _, mt := range Metrics() {
		if mt.From != FromTeam || !spec.shows(mt.Name) {
			continue
		}
		n, ok := r.Team[mt.Name]
		switch {
		case ok && n.OK && n.Currency == "?":
			// Amounts in several currencies are not added up.
			var sums []string
			for _, c := range slices.Sorted(maps.Keys(r.byCurrency[mt.Name])) {
				sums = append(sums, strings.TrimSpace(amount(r.byCurrency[mt.Name][c], true)+" "+cmp.Or(c, "(no currency)")))
			}
			add("%s: %s (in more than one currency, so not added up or compared)", capital(mt.Name), strings.Join(sums, ", "))
		case ok && n.OK:
			cur := ""
			if mt.Money && n.Currency != "" {
				cur = " " + n.Currency
			}
			add("%s: %s%s%s", capital(mt.Name), amount(n.Value, mt.Money), cur, compare(n, unit))
		case len(spec.Metrics) > 0:
			add("%s: no number for this %s (feed it with /kpi set %s <value>)", capital(mt.Name), unit, mt.Name)
		}
	}
	if spec.shows("campaigns") || len(spec.Metrics) == 0 {
		for _, c := range r.Campaigns {
			add("%s", c.Line())
		}
	}
	if len(spec.Accounts) > 0 {
		add("Posts, comments, replies and the numbers you set are for every account.")
	}
	if r.Period.Days == 1 && r.Period.Last == dayBefore(today, 1) { // "today" is the day after the period
		switch n := len(r.Scheduled); {
		case n == 0:
			add("Scheduled today: nothing yet")
		default:
			var first []string
			for _, p := range r.Scheduled[:min(n, 3)] {
				first = append(first, fmt.Sprintf("#%d at %s", p.ID, p.DueAt.In(r.Period.Location).Format("15:04")))
			}
			more := ""
			if n > 3 {
				more = fmt.Sprintf(" and %d more", n-3)
			}
			add("Scheduled today: %d %s (%s%s)", n, plural(n, "post", "posts"), strings.Join(first, ", "), more)
		}
	}
	return m
}

// Line renders a campaign's numbers, saying plainly which are missing.
func (c CampaignLine) Line() string {
	cur := c.Campaign.Currency
	money := func(v float64) string {
		if cur == "" {
			return amount(v, true)
		}
		return amount(v, true) + " " + cur
	}
	parts := []string{fmt.Sprintf("%d %s, %d engagement", c.Posts, plural(c.Posts, "post", "posts"), c.Engagement)}
	switch {
	case c.HasSpend && c.Campaign.HasBudget:
		parts = append(parts, fmt.Sprintf("spent %s of %s", money(c.Spend), money(c.Campaign.Budget)))
	case c.HasSpend:
		parts = append(parts, "spent "+money(c.Spend))
	default:
		parts = append(parts, "no spend recorded")
	}
	if c.Conv {
		parts = append(parts, fmt.Sprintf("%s conversions", amount(c.Conversions, false)))
		if c.HasSpend && c.Conversions > 0 {
			parts = append(parts, money(c.Spend/c.Conversions)+" per conversion")
		}
	} else {
		parts = append(parts, "no conversions recorded")
	}
	switch {
	case c.HasSpend && c.HasRevenue && c.Spend > 0:
		parts = append(parts, fmt.Sprintf("ROI %s", signedPercent((c.Revenue-c.Spend)/c.Spend*100)))
	case !c.HasRevenue:
		parts = append(parts, "ROI unknown: no revenue recorded")
	case c.HasSpend:
		parts = append(parts, "no ROI: nothing was spent")
	default:
		parts = append(parts, "ROI unknown: no spend recorded")
	}
	state := ""
	if c.Campaign.Closed {
		state = " (closed)"
	} else if c.Campaign.EndsOn != "" {
		state = " (until " + c.Campaign.EndsOn + ")"
	}
	return "Campaign " + c.Campaign.Name + state + " to date: " + strings.Join(parts, ", ")
}

func signedPercent(p float64) string {
	if p < 0 {
		return "-" + percent(-p)
	}
	return "+" + percent(p)
}

func roundDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Round(time.Minute).Minutes()))
	default:
		h := d.Round(time.Minute)
		return fmt.Sprintf("%d h %02d min", int(h.Hours()), int(h.Minutes())%60)
	}
}

func dayName(t time.Time) string { return t.Format("Mon 2 Jan") }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// ChartSeries gives the chart's lines for the 30 days ending with the
// period's last day: followers and engagement per account.
func ChartSeries(ctx context.Context, store crier.KPIStore, p Period, accounts []string) (followers, engagement []Series, err error) {
	month, err := DaysPeriod(p.Last, 30, p.Location)
	if err != nil {
		return nil, nil, err
	}
	days := make([]time.Time, 30) // each day's start
	ends := make([]time.Time, 30)
	for i := range days {
		d := month.shift(0)
		d.Days = 1
		day := d.shift(i)
		days[i], ends[i] = day.From, day.To
	}
	published, err := store.Published(ctx, month.From, month.To)
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(accounts)
	for _, name := range accounts {
		rs, err := store.Gauge(ctx, "followers", name, ends)
		if err != nil {
			return nil, nil, err
		}
		f := Series{Name: name}
		e := Series{Name: name}
		eng := make([]float64, 30)
		for _, pp := range published {
			if pp.Network != name {
				continue
			}
			for j := range days { // by local day: a DST day is not 24 hours
				if !pp.PublishedAt.Before(days[j]) && pp.PublishedAt.Before(ends[j]) {
					eng[j] += float64(pp.Engagement())
				}
			}
		}
		for i := range days {
			f.Points = append(f.Points, Point{Day: days[i], Value: rs[i].Value, Missing: !rs[i].OK})
			e.Points = append(e.Points, Point{Day: days[i], Value: eng[i]})
		}
		followers = append(followers, f)
		engagement = append(engagement, e)
	}
	slices.SortStableFunc(followers, func(a, b Series) int { return cmp.Compare(a.Name, b.Name) })
	return followers, engagement, nil
}
