package commands

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/crier-bot/crier/internal/calendarpng"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/publish"
)

// The content calendar (issue 10).

func (r *Router) calendarDef() Definition {
	return Definition{
		Name:    "calendar",
		Usage:   "/calendar [when] [filter]",
		Summary: "The plan day by day in your timezone; /calendar link gives a feed for your calendar app.",
		Details: "Each day lists its posts (time, number, networks, state, author, campaign) and its free posting slots; " +
			"a day with nothing planned says so. /calendar is the next 7 days, /calendar month the rest of this month, " +
			"/calendar december (or dezembro) a whole month, a month gone by showing what went out; /calendar 24 nov one day " +
			"in full. Add a network or a campaign to see only its posts. /calendar link gives your calendar app a private address; " +
			"/calendar revoke stops yours, and an admin's /calendar revoke everyone stops the whole team's.",
		Examples: []string{"/calendar", "/calendar month", "/calendar december mastodon", "/calendar week launch", "/calendar 24 nov", "/calendar link", "/calendar revoke"},
		Handler:  r.calendar,
	}
}

func (r *Router) calendar(ctx context.Context, req Request) (Response, error) {
	verb, rest, _ := strings.Cut(strings.TrimSpace(req.Text), " ")
	switch strings.ToLower(verb) {
	case "link", "revoke":
		return r.calendarLink(ctx, req, strings.ToLower(verb), strings.TrimSpace(rest))
	}
	return r.calendarView(ctx, req)
}

// Sizes of the calendar's answer. Lines are kept within calendarBudget
// characters, so that a month fits Discord's 2,000 characters of content
// (Slack's section takes 3,000) with room for the headline and escaping;
// the days that do not fit give way to one line saying how many posts are
// left out and what to type to see them.
const (
	calendarBudget    = 1500
	calendarQuote     = 40  // characters of a post's text on a day's line
	calendarQuoteDay  = 200 // on one day's own view
	calendarButtons   = 25  // Slack's elements in an actions block; Discord's 5 rows of 5
	calendarDayAction = "calendar_day"
)

// calendarSpan is what a /calendar shows: the days [from, to) in the
// person's timezone.
type calendarSpan struct {
	kind     string // "week", "month" (the rest of this one), "named" (a whole month), "day"
	from, to time.Time
	title    string // "The next 7 days", "The rest of November", "December 2026", "Tue 24 Nov"
}

// calendarFilter keeps the posts of one network or one campaign.
type calendarFilter struct {
	network, campaign string
}

func (f calendarFilter) keeps(p *crier.Post) bool {
	switch {
	case f.network != "":
		return slices.Contains(p.Targets, f.network)
	case f.campaign != "":
		return p.Campaign == f.campaign
	}
	return true
}

func (f calendarFilter) String() string {
	switch {
	case f.network != "":
		return " on " + f.network
	case f.campaign != "":
		return " in campaign " + f.campaign
	}
	return ""
}

// calendarEntry is one row of a day: a post, or a free posting slot.
type calendarEntry struct {
	at   time.Time
	post *crier.Post
	slot crier.Slot // for a free slot
}

// calendarDay is one day of the calendar.
type calendarDay struct {
	date    time.Time // local midnight
	entries []calendarEntry
	posts   int
}

// calendarView shows the plan (issue 10).
func (r *Router) calendarView(ctx context.Context, req Request) (Response, error) {
	loc, now := r.location(req.User), r.deps.Clock.Now()
	span, filterWord, err := calendarArgs(req.Text, loc, now)
	if err != nil {
		return Response{}, err
	}
	posts, err := r.deps.Publisher.Posts(ctx, publish.PostFilter{From: span.from, To: span.to})
	if err != nil {
		return Response{}, err
	}
	filter, err := r.calendarFilterOf(ctx, filterWord, posts)
	if err != nil {
		return Response{}, err
	}
	days := r.calendarDays(span, posts, filter, loc, now)

	var drafts []*crier.Post
	if span.to.After(now) {
		all, err := r.deps.Publisher.Posts(ctx, publish.PostFilter{Statuses: []crier.PostStatus{crier.PostDraft}})
		if err != nil {
			return Response{}, err
		}
		for _, p := range all {
			if filter.keeps(p) {
				drafts = append(drafts, p)
			}
		}
	}

	resp := Response{Ephemeral: true}
	total, free, gaps, t0 := 0, 0, 0, today(now, loc)
	for _, d := range days {
		total += d.posts
		free += len(d.entries) - d.posts
		if d.posts == 0 && !d.date.Before(t0) {
			gaps++
		}
	}
	resp.Text = calendarHeadline(span, filter, loc, total, free, gaps)
	if span.kind == "day" {
		resp.Lines = calendarDayLines(days[0], filter, loc, now)
	} else {
		resp.Lines = calendarLines(days, filter, span, loc, now)
	}
	if len(drafts) > 0 && span.kind != "day" {
		resp.Lines = append(resp.Lines, calendarDraftsLine(drafts))
	}
	if span.kind != "day" {
		resp.Buttons, resp.Lines = calendarDayButtons(days, resp.Lines)
		if req.Platform == "shell" && len(resp.Buttons) > 0 { // the shell shows no buttons with an answer
			resp.Lines = append(resp.Lines, "To open a day in full, type "+resp.Buttons[0].Command+".")
		}
	}
	// In Slack and Discord a month also comes as a picture, posted after
	// the answer as any message with a file is.
	if f, err := calendarFile(req, span, days, filter, loc, now); err != nil {
		r.deps.Logger.Warn("draw the calendar", slog.Any("error", err))
	} else if f != nil && r.deps.Chat != nil {
		if _, err := r.deps.Chat.Post(ctx, req.Channel, crier.Message{Text: "📅 " + f.Alt, File: f}); err != nil {
			r.deps.Logger.Warn("post the calendar picture", slog.Any("error", err))
		} else {
			resp.Ephemeral = false // the picture is in the channel: so is the list
		}
	}
	return resp, nil
}

func today(now time.Time, loc *time.Location) time.Time {
	n := now.In(loc)
	return crier.DayStart(n.Year(), n.Month(), n.Day(), loc)
}

// calendarArgs reads the span and the one word naming a network or a
// campaign: "", "week", "month", "december [2026]", "dezembro de 2026",
// "24 nov", "nov 24", "24 de novembro", "2026-11-24", "20261124" (a day
// button's), "today", "tomorrow", each with a network or campaign before
// or after.
func calendarArgs(text string, loc *time.Location, now time.Time) (calendarSpan, string, error) {
	var (
		kind   string
		month  time.Month
		day    int
		year   int
		date   time.Time
		filter []string
	)
	const usage = "/calendar, /calendar month, /calendar december, /calendar 24 nov, with a network or a campaign after it if you like"
	bad := func(word string) (calendarSpan, string, error) {
		return calendarSpan{}, "", crier.Errorf(crier.EINVALID, "I can't read %q as a time span. Type %s.", clip(word, 30), usage)
	}
	t0 := today(now, loc)
	for _, w := range strings.Fields(strings.ToLower(text)) {
		switch {
		case w == "week" || w == "semana":
			kind = "week"
		case w == "month" || w == "mês" || w == "mes":
			kind = "month"
		case w == "today" || w == "hoje":
			date = t0
		case w == "tomorrow" || w == "amanhã" || w == "amanha":
			date = t0.AddDate(0, 0, 1)
		case w == "de" || w == "of" || w == "campaign" || w == "campanha" || w == "network" || w == "rede":
		case calendarMonths[strings.TrimSuffix(w, ".")] != 0:
			month = calendarMonths[strings.TrimSuffix(w, ".")]
		case len(w) == 10 && w[4] == '-' && w[7] == '-':
			d, err := time.ParseInLocation("2006-01-02", w, loc)
			if err != nil {
				return bad(w)
			}
			date = d
		case len(w) == 8 && strings.Trim(w, "0123456789") == "":
			d, err := time.ParseInLocation("20060102", w, loc)
			if err != nil {
				return bad(w)
			}
			date = d
		case len(w) == 4 && strings.Trim(w, "0123456789") == "":
			year, _ = strconv.Atoi(w)
		case len(w) <= 4 && strings.Trim(strings.TrimRight(w, "thsrdnº"), "0123456789") == "" && strings.TrimRight(w, "thsrdnº") != "":
			day, _ = strconv.Atoi(strings.TrimRight(w, "thsrdnº"))
		default:
			filter = append(filter, w)
		}
	}
	if len(filter) > 1 {
		return calendarSpan{}, "", crier.Errorf(crier.EINVALID, "/calendar takes one network or one campaign, not %q. Type %s.", clip(strings.Join(filter, " "), 40), usage)
	}
	filterWord := strings.Join(filter, "")
	switch {
	case day != 0 && month == 0:
		return bad(strconv.Itoa(day))
	case day != 0:
		y := year
		if y == 0 {
			y = nearestYear(month, t0)
		}
		date = crier.DayStart(y, month, day, loc)
		if date.Day() != day {
			return calendarSpan{}, "", crier.Errorf(crier.EINVALID, "%s has no day %d. Type a day it has, like /calendar 1 %s.",
				month, day, strings.ToLower(month.String()[:3]))
		}
	case month != 0:
		y := year
		if y == 0 {
			y = nearestYear(month, t0)
		}
		from := crier.DayStart(y, month, 1, loc)
		return calendarSpan{kind: "named", from: from, to: from.AddDate(0, 1, 0), title: from.Format("January 2006")}, filterWord, nil
	case year != 0:
		return bad(strconv.Itoa(year))
	}
	if !date.IsZero() {
		title := date.Format("Mon 2 Jan")
		if date.Year() != t0.Year() {
			title = date.Format("Mon 2 Jan 2006")
		}
		return calendarSpan{kind: "day", from: date, to: date.AddDate(0, 0, 1), title: title}, filterWord, nil
	}
	if kind == "month" {
		next := crier.DayStart(t0.Year(), t0.Month()+1, 1, loc)
		return calendarSpan{kind: "month", from: t0, to: next, title: "The rest of " + t0.Month().String()}, filterWord, nil
	}
	return calendarSpan{kind: "week", from: t0, to: t0.AddDate(0, 0, 7), title: "The next 7 days"}, filterWord, nil
}

// nearestYear is the year that puts month nearest to today: up to five
// months back (what went out), else ahead.
func nearestYear(month time.Month, t0 time.Time) int {
	switch diff := int(month) - int(t0.Month()); {
	case diff < -5:
		return t0.Year() + 1
	case diff > 6:
		return t0.Year() - 1
	}
	return t0.Year()
}

// calendarMonths are the months' names and abbreviations, in English and
// Portuguese, like the other time phrases.
var calendarMonths = func() map[string]time.Month {
	m := map[string]time.Month{}
	for i, names := range [][]string{
		{"january", "jan", "janeiro"}, {"february", "feb", "fevereiro", "fev"}, {"march", "mar", "março", "marco"},
		{"april", "apr", "abril", "abr"}, {"may", "maio", "mai"}, {"june", "jun", "junho"}, {"july", "jul", "julho"},
		{"august", "aug", "agosto", "ago"}, {"september", "sep", "sept", "setembro", "set"}, {"october", "oct", "outubro", "out"},
		{"november", "nov", "novembro"}, {"december", "dec", "dezembro", "dez"},
	} {
		for _, n := range names {
			m[n] = time.Month(i + 1)
		}
	}
	return m
}()

// calendarFilterOf reads word as a network or a campaign; one that is
// neither is refused with the nearest name.
func (r *Router) calendarFilterOf(ctx context.Context, word string, posts []*crier.Post) (calendarFilter, error) {
	if word == "" {
		return calendarFilter{}, nil
	}
	networks := r.deps.Publisher.Targets()
	for _, n := range networks {
		if strings.EqualFold(n, word) {
			return calendarFilter{network: n}, nil
		}
	}
	var campaigns []string
	if r.deps.KPIs != nil {
		cs, err := r.deps.KPIs.Campaigns(ctx, true)
		if err != nil {
			return calendarFilter{}, err
		}
		for _, c := range cs {
			campaigns = append(campaigns, c.Name)
		}
	}
	for _, p := range posts {
		if p.Campaign != "" && !slices.Contains(campaigns, p.Campaign) {
			campaigns = append(campaigns, p.Campaign)
		}
	}
	for _, c := range campaigns {
		if strings.EqualFold(c, word) {
			return calendarFilter{campaign: c}, nil
		}
	}
	if near := crier.Closest(word, append(slices.Clone(networks), campaigns...)); near != "" {
		return calendarFilter{}, crier.Errorf(crier.EINVALID, "There is no network or campaign named %s; did you mean %s? Type /calendar week %s.", clip(word, 40), near, near)
	}
	return calendarFilter{}, crier.Errorf(crier.EINVALID, "There is no network or campaign named %s. The networks are %s; /campaign list shows the campaigns.",
		clip(word, 40), strings.Join(networks, ", "))
}

// calendarDays puts the posts the filter keeps, and the free posting slots
// still ahead, on the days of span. Cancelled posts are left out.
func (r *Router) calendarDays(span calendarSpan, posts []*crier.Post, f calendarFilter, loc *time.Location, now time.Time) []calendarDay {
	var days []calendarDay
	index := map[string]int{}
	// Day by day on the calendar: a day is 23 or 25 hours when the clocks
	// change, and in Chile it starts at 01:00 when they jump at midnight.
	first := span.from.In(loc)
	for i := 0; ; i++ {
		d := crier.DayStart(first.Year(), first.Month(), first.Day()+i, loc)
		if !d.Before(span.to) {
			break
		}
		index[d.In(loc).Format(time.DateOnly)] = len(days)
		days = append(days, calendarDay{date: d})
	}
	add := func(e calendarEntry) {
		if i, ok := index[e.at.In(loc).Format(time.DateOnly)]; ok {
			days[i].entries = append(days[i].entries, e)
			if e.post != nil {
				days[i].posts++
			}
		}
	}
	var live []*crier.Post
	for _, p := range posts {
		if p.Status == crier.PostCanceled || p.DueAt.IsZero() {
			continue
		}
		live = append(live, p)
		if f.keeps(p) {
			add(calendarEntry{at: p.DueAt, post: p})
		}
	}
	var slots []crier.Slot
	for _, s := range r.deps.Slots {
		if f.network == "" || s.Network == "" || s.Network == f.network {
			slots = append(slots, s)
		}
	}
	if len(slots) > 0 && span.to.After(now) {
		for _, st := range crier.SlotTimes(slots, maxTime(span.from, now), span.to) {
			if slotTaker(st, live) == nil {
				add(calendarEntry{at: st.At, slot: st.Slot})
			}
		}
	}
	for i := range days {
		// Posts by time, a free slot after a post at the same time.
		slices.SortStableFunc(days[i].entries, func(a, b calendarEntry) int {
			if c := a.at.Compare(b.at); c != 0 {
				return c
			}
			switch {
			case a.post != nil && b.post == nil:
				return -1
			case a.post == nil && b.post != nil:
				return 1
			}
			return 0
		})
	}
	return days
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// calendarState is the word for where a post stands, and its colour in
// the picture.
func calendarState(p *crier.Post, now time.Time) (string, calendarpng.State) {
	for _, dl := range p.Deliveries {
		if dl.Status == crier.DeliveryMaybe {
			return "maybe, waiting for you", calendarpng.Maybe
		}
	}
	switch {
	case p.Approval == crier.ApprovalAwaiting:
		return "awaiting approval", calendarpng.Awaiting
	case p.Approval == crier.ApprovalRejected:
		return "not approved", calendarpng.Rejected
	}
	switch p.Status {
	case crier.PostPublished:
		return "published", calendarpng.Published
	case crier.PostPartial:
		return "partly published", calendarpng.Partial
	case crier.PostFailed:
		return "failed", calendarpng.Failed
	}
	if !p.DueAt.After(now) {
		return "going out", calendarpng.Scheduled
	}
	return "scheduled", calendarpng.Scheduled
}

// calendarPostLine is a post's row on a day:
// "09:00  #12  mastodon, bluesky  scheduled  by ana  campaign launch  “Launch day…”".
func calendarPostLine(p *crier.Post, f calendarFilter, loc *time.Location, now time.Time, quote int) string {
	state, _ := calendarState(p, now)
	cols := []string{p.DueAt.In(loc).Format("15:04"), "#" + strconv.FormatInt(p.ID, 10), strings.Join(p.Targets, ", "), state}
	if p.AuthorName != "" {
		cols = append(cols, "by "+p.AuthorName)
	}
	if p.Campaign != "" {
		cols = append(cols, "campaign "+p.Campaign)
	}
	text := p.Text
	if f.network != "" {
		text = p.TextFor(f.network)
	}
	return strings.Join(append(cols, crier.Quote(text, quote)), "  ")
}

func calendarSlotLine(e calendarEntry, loc *time.Location) string {
	on := "any network"
	if e.slot.Network != "" {
		on = e.slot.Network
	}
	return e.at.In(loc).Format("15:04") + "  free slot (" + on + ")"
}

// calendarLines are the days of a week or a month: a header per day, its
// rows indented under it; runs of days with nothing planned on one line.
// Days that do not fit the budget give way to one line.
func calendarLines(days []calendarDay, f calendarFilter, span calendarSpan, loc *time.Location, now time.Time) []string {
	t0 := today(now, loc)
	var lines []string
	used := 0
	for i := 0; i < len(days); i++ {
		d := days[i]
		var block []string
		if len(d.entries) == 0 {
			// The run of empty days from here.
			j := i
			for j+1 < len(days) && len(days[j+1].entries) == 0 && days[j+1].date.Before(t0) == d.date.Before(t0) {
				j++
			}
			head := d.date.Format("Mon 2 Jan")
			if j > i {
				head += " – " + days[j].date.Format("Mon 2 Jan")
			}
			what := "nothing planned"
			if d.date.Before(t0) {
				what = "nothing went out"
			}
			block = []string{head + " — " + what}
			if used+calendarWidth(block) > calendarBudget {
				lines = append(lines, calendarMore(days[i:], span))
				return lines
			}
			i = j
		} else {
			head := d.date.Format("Mon 2 Jan")
			if d.posts == 0 {
				head += " — nothing planned"
			}
			block = []string{head}
			var free []string // a month's free slots: one line a day
			for _, e := range d.entries {
				switch {
				case e.post != nil:
					block = append(block, "  "+calendarPostLine(e.post, f, loc, now, calendarQuote))
				case span.kind == "week":
					block = append(block, "  "+calendarSlotLine(e, loc))
				default:
					on := "any network"
					if e.slot.Network != "" {
						on = e.slot.Network
					}
					free = append(free, e.at.In(loc).Format("15:04")+" ("+on+")")
				}
			}
			if len(free) > 0 {
				block = append(block, "  "+plural(len(free), "free slot", "free slots")+"  "+strings.Join(free, ", "))
			}
			if used+calendarWidth(block) > calendarBudget {
				lines = append(lines, calendarMore(days[i:], span))
				return lines
			}
		}
		used += calendarWidth(block)
		lines = append(lines, block...)
	}
	return lines
}

// calendarWidth is how many characters lines take in a chat message, with
// a list's bullet and line break each.
func calendarWidth(lines []string) int {
	n := 0
	for _, l := range lines {
		n += utf8.RuneCountInString(l) + 4
	}
	return n
}

// calendarMore says how many posts the days left out hold, and what to
// type to see them.
func calendarMore(left []calendarDay, span calendarSpan) string {
	posts := 0
	first := time.Time{}
	for _, d := range left {
		posts += d.posts
		if first.IsZero() && d.posts > 0 {
			first = d.date
		}
	}
	if first.IsZero() {
		first = left[0].date
	}
	last := left[len(left)-1].date
	if posts == 0 {
		free := 0
		for _, d := range left {
			free += len(d.entries)
		}
		if free > 0 {
			return fmt.Sprintf("…%s – %s: nothing planned, %d free %s.", left[0].date.Format("Mon 2 Jan"), last.Format("Mon 2 Jan"), free, plural(free, "slot", "slots"))
		}
		return fmt.Sprintf("…%s – %s: nothing planned.", left[0].date.Format("Mon 2 Jan"), last.Format("Mon 2 Jan"))
	}
	day := strings.ToLower(first.Format("2 Jan"))
	if span.kind != "week" {
		return fmt.Sprintf("…and %d more %s up to %s; /calendar week shows the next 7 days, /calendar %s one day.",
			posts, plural(posts, "post", "posts"), last.Format("Mon 2 Jan"), day)
	}
	return fmt.Sprintf("…and %d more %s up to %s; /calendar %s shows one day.", posts, plural(posts, "post", "posts"), last.Format("Mon 2 Jan"), day)
}

// calendarDayLines is one day in full: each post with its longer text,
// its networks' own texts, and how each network's delivery went.
func calendarDayLines(d calendarDay, f calendarFilter, loc *time.Location, now time.Time) []string {
	if len(d.entries) == 0 {
		if d.date.Before(today(now, loc)) {
			return []string{d.date.Format("Mon 2 Jan") + " — nothing went out"}
		}
		return []string{d.date.Format("Mon 2 Jan") + " — nothing planned; /schedule " + strings.ToLower(d.date.Format("2 Jan")) + " 9am <text> plans something"}
	}
	var lines []string
	for _, e := range d.entries {
		if e.post == nil {
			lines = append(lines, calendarSlotLine(e, loc))
			continue
		}
		p := e.post
		lines = append(lines, calendarPostLine(p, f, loc, now, calendarQuoteDay))
		for _, n := range p.Targets {
			if v, ok := p.Variants[n]; ok && v != "" && (f.network == "" || f.network == n) {
				lines = append(lines, "  "+n+": "+crier.Quote(v, calendarQuoteDay))
			}
		}
		var went []string
		for _, dl := range p.Deliveries {
			switch dl.Status {
			case crier.DeliveryPublished, crier.DeliveryFailed:
				went = append(went, dl.Target+" "+string(dl.Status))
			case crier.DeliveryMaybe:
				went = append(went, fmt.Sprintf("%s maybe: /published #%d %s or /republish #%d %s", dl.Target, p.ID, dl.Target, p.ID, dl.Target))
			}
		}
		if len(went) > 0 {
			lines = append(lines, "  "+strings.Join(went, "; "))
		}
	}
	return lines
}

func calendarHeadline(span calendarSpan, f calendarFilter, loc *time.Location, posts, free, gaps int) string {
	title := span.title
	if span.kind == "week" || span.kind == "month" {
		title += fmt.Sprintf(" (%s – %s)", span.from.Format("Mon 2 Jan"), span.to.AddDate(0, 0, -1).Format("Mon 2 Jan"))
	}
	parts := []string{fmt.Sprintf("%d %s", posts, plural(posts, "post", "posts"))}
	if free > 0 {
		parts = append(parts, fmt.Sprintf("%d free %s", free, plural(free, "slot", "slots")))
	}
	if gaps > 0 && span.kind != "day" {
		parts = append(parts, fmt.Sprintf("%d %s with nothing planned", gaps, plural(gaps, "day", "days")))
	}
	return fmt.Sprintf("%s%s, %s: %s.", title, f, loc.String(), strings.Join(parts, ", "))
}

// calendarDraftsLine names the drafts, which have no day yet.
func calendarDraftsLine(drafts []*crier.Post) string {
	ids := make([]string, 0, 5)
	for _, p := range drafts[:min(len(drafts), 5)] {
		ids = append(ids, "#"+strconv.FormatInt(p.ID, 10))
	}
	if len(drafts) > 5 {
		ids = append(ids, "…")
	}
	return fmt.Sprintf("Not on the calendar: %d %s without a time (%s); /schedule #%d <when> puts one on it.",
		len(drafts), plural(len(drafts), "draft", "drafts"), strings.Join(ids, ", "), drafts[0].ID)
}

// calendarDayButtons offers a button per day with posts that opens it
// (its value carries the day as yyyymmdd where a post's number goes), when
// the router knows the calendar_day button; else one line says what to
// type to open a day.
func calendarDayButtons(days []calendarDay, lines []string) ([]Button, []string) {
	var with []calendarDay
	for _, d := range days {
		if d.posts > 0 {
			with = append(with, d)
		}
	}
	if len(with) == 0 {
		return nil, lines
	}
	if _, ok := buttonActions[calendarDayAction]; !ok {
		return nil, append(lines, "To open a day in full, type /calendar "+strings.ToLower(with[0].date.Format("2 Jan"))+".")
	}
	var buttons []Button
	for _, d := range with[:min(len(with), calendarButtons)] {
		id, _ := strconv.ParseInt(d.date.Format("20060102"), 10, 64)
		buttons = append(buttons, Button{Label: d.date.Format("Mon 2 Jan"), Action: calendarDayAction, PostID: id,
			Command: "/calendar " + strings.ToLower(d.date.Format("2 Jan 2006"))})
	}
	return buttons, lines
}

// calendarFile is the month as a PNG calendar, for Slack and Discord, or
// nil for a span that is not a month and for other platforms. (Response
// has no file yet: the router's owner attaches it.)
func calendarFile(req Request, span calendarSpan, days []calendarDay, f calendarFilter, loc *time.Location, now time.Time) (*crier.File, error) {
	if span.kind != "month" && span.kind != "named" || req.Platform != "slack" && req.Platform != "discord" {
		return nil, nil
	}
	first := time.Date(span.to.AddDate(0, 0, -1).Year(), span.to.AddDate(0, 0, -1).Month(), 1, 0, 0, 0, 0, loc)
	m := calendarpng.Month{Year: first.Year(), Month: first.Month(), Title: first.Format("January 2006") + f.String() + " · " + loc.String()}
	t0 := today(now, loc)
	switch {
	case t0.Before(first):
		m.PlanFrom = 1
	case !t0.Before(first.AddDate(0, 1, 0)):
		m.PlanFrom = 32
	default:
		m.PlanFrom, m.Today = t0.Day(), t0.Day()
	}
	for _, d := range days {
		pd := calendarpng.Day{Day: d.date.Day()}
		for _, e := range d.entries {
			if e.post == nil {
				pd.Free++
				continue
			}
			_, state := calendarState(e.post, now)
			pd.Posts = append(pd.Posts, calendarpng.Post{Time: e.at.In(loc).Format("15:04"), ID: e.post.ID, State: state})
		}
		m.Days = append(m.Days, pd)
	}
	data, err := calendarpng.CalendarPNG(m, calendarpng.Options{})
	if err != nil {
		return nil, fmt.Errorf("calendar png: %w", err)
	}
	return &crier.File{Name: "calendar-" + first.Format("2006-01") + ".png", ContentType: "image/png", Data: data,
		Alt: fmt.Sprintf("The calendar of %s: each day's posts by time and state, free slots, and the days with nothing planned.", first.Format("January 2006"))}, nil
}
