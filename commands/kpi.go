package commands

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/digest"
)

// Digests is the daily digest as the commands see it (digest.Service).
type Digests interface {
	// Now posts a digest's numbers at once (/digest now).
	Now(ctx context.Context, name string) (digest.Spec, error)
	// Spec returns the digest named name ("" for the first).
	Spec(name string) (digest.Spec, bool)
	// Accounts are the network accounts whose numbers crier reads.
	Accounts() []string
	// Statuses says why an account's numbers may be missing.
	Statuses(ctx context.Context) (map[string]digest.Status, error)
}

func (r *Router) kpiDef() Definition {
	return Definition{
		Name:  "kpi",
		Usage: "/kpi [when] [number|account]",
		Summary: "Show the numbers (followers, engagement, comments, conversions…) for a day, the last week or month; " +
			"or set one no network gives.",
		Details: "When is today, yesterday (the default), week, month or a date. /kpi set <number> <value> [currency] [date] [campaign] sets a number; " +
			"numbers you can set: reach, impressions, clicks, conversions, revenue, spend. " +
			"An amount without a currency code (EUR, USD…) is in its campaign's currency, else the one bot.yaml's metrics: sets. " +
			"A date is 2026-12-05, 5 dec, today or yesterday; a campaign is one made with /campaign new. Setting a number again replaces it. " +
			"/kpi help lists every number.",
		Examples: []string{"/kpi", "/kpi week", "/kpi yesterday conversions", "/kpi set conversions 42", "/kpi set spend 120.50 EUR yesterday launch"},
		Handler:  r.kpi,
	}
}

func (r *Router) digestDef() Definition {
	return Definition{
		Name:     "digest",
		Usage:    "/digest now [name]",
		Summary:  "Post today's digest (yesterday's numbers) in its channel now.",
		Details:  "The digest's time, channel and numbers are set under digests: in bot.yaml. The scheduled one still comes, unless the digest says now_replaces: true.",
		Examples: []string{"/digest now"},
		Role:     crier.RoleScheduler,
		Handler:  r.digestNow,
	}
}

func (r *Router) noKPIs() error {
	return crier.Errorf(crier.EINVALID, "crier keeps no numbers here; ask whoever runs crier to add a digests: section to bot.yaml.")
}

func (r *Router) kpi(ctx context.Context, req Request) (Response, error) {
	if r.deps.KPIs == nil {
		return Response{}, r.noKPIs()
	}
	words := strings.Fields(req.Text)
	if len(words) > 0 {
		switch strings.ToLower(words[0]) {
		case "set":
			return r.kpiSet(ctx, req, words[1:])
		case "help":
			return kpiHelp(), nil
		}
	}
	loc := r.location(req.User)
	now := r.deps.Clock.Now()
	today := now.In(loc).Format("2006-01-02")
	yesterday := now.In(loc).AddDate(0, 0, -1).Format("2006-01-02")
	last, days, used := yesterday, 1, 0
	if len(words) > 0 {
		switch lw := strings.ToLower(words[0]); {
		case lw == "today":
			last, used = today, 1
		case lw == "yesterday":
			used = 1
		case lw == "week":
			days, used = 7, 1
		case lw == "month":
			days, used = 30, 1
		case looksLikeDay(lw):
			used = dayWords(words)
			d, err := digest.ParseDay(strings.Join(words[:used], " "), now, loc)
			if err != nil {
				return Response{}, err
			}
			last = d
		}
	}
	var filter string
	switch rest := words[used:]; len(rest) {
	case 0:
	case 1:
		filter = strings.ToLower(rest[0])
	default:
		return Response{}, crier.Errorf(crier.EINVALID, "/kpi takes a day and one number or account, like /kpi yesterday conversions or /kpi week mastodon.")
	}
	spec := digest.Spec{Name: "kpi", Location: loc}
	accounts := r.kpiAccounts()
	if filter != "" {
		switch {
		case slices.Contains(accounts, filter):
			spec.Accounts = []string{filter}
		case filter == "campaigns":
			spec.Metrics = []string{"campaigns"}
		default:
			m, err := digest.FindMetric(filter)
			if err != nil {
				if len(accounts) > 0 {
					return Response{}, crier.Errorf(crier.EINVALID, "%s Accounts: %s.", crier.ErrorMessage(err), strings.Join(accounts, ", "))
				}
				return Response{}, err
			}
			spec.Metrics = []string{m.Name}
		}
	}
	p, err := digest.DaysPeriod(last, days, loc)
	if err != nil {
		return Response{}, err
	}
	var status map[string]digest.Status
	if r.deps.Digests != nil {
		if status, err = r.deps.Digests.Statuses(ctx); err != nil {
			return Response{}, err
		}
	}
	rep, err := digest.Compute(ctx, r.deps.KPIs, spec, p, accounts, status)
	if err != nil {
		return Response{}, err
	}
	m := rep.Message(now)
	return Response{Text: m.Text, Lines: m.Lines}, nil
}

// looksLikeDay says whether a first word starts a date ("2026-12-05",
// "5", "dec").
func looksLikeDay(w string) bool {
	if w == "" {
		return false
	}
	if w[0] >= '0' && w[0] <= '9' {
		return true
	}
	for _, m := range []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"} {
		if strings.HasPrefix(w, m) {
			return true
		}
	}
	return false
}

// dayWords is how many of words make the day: "2026-12-05" is one, "5 dec"
// and "dec 5" two.
func dayWords(words []string) int {
	if strings.Contains(words[0], "-") || len(words) < 2 {
		return 1
	}
	if looksLikeDay(strings.ToLower(words[1])) {
		return 2
	}
	return 1
}

func (r *Router) kpiAccounts() []string {
	if r.deps.Digests == nil {
		return nil
	}
	return r.deps.Digests.Accounts()
}

func kpiHelp() Response {
	resp := Response{Text: "The numbers crier knows (set the last six with /kpi set <number> <value> [date] [campaign]):", Ephemeral: true}
	for _, m := range digest.Metrics() {
		resp.Lines = append(resp.Lines, fmt.Sprintf("%s — %s", m.Name, m.About))
	}
	return resp
}

// kpiSet stores a number the team feeds in: /kpi set <number> <value>
// [currency] [date] [campaign].
func (r *Router) kpiSet(ctx context.Context, req Request, words []string) (Response, error) {
	if !req.User.Can(crier.RoleScheduler) {
		return Response{}, crier.Errorf(crier.EFORBIDDEN, "You need the scheduler role to set numbers. Ask whoever runs crier to add you under roles: in bot.yaml.")
	}
	const usage = "type it like /kpi set conversions 42, or /kpi set spend 120.50 EUR yesterday launch"
	if len(words) < 2 {
		return Response{}, crier.Errorf(crier.EINVALID, "Say which number and its value; %s.", usage)
	}
	m, err := digest.FindTeamMetric(words[0])
	if err != nil {
		return Response{}, err
	}
	rest := words[2:]
	valueText := words[1]
	if len(rest) > 0 && len(rest[0]) == 3 && isLetters(rest[0]) && !looksLikeDay(strings.ToLower(rest[0])) {
		// "120.50 EUR": a currency code after the value, unless it is a
		// campaign's name (a campaign called bbq).
		campaign, err := r.isCampaign(ctx, rest[0])
		if err != nil {
			return Response{}, err
		}
		if !campaign {
			_, ok := digest.ParseCurrency(rest[0])
			switch {
			case m.Money && !ok:
				return Response{}, notACurrency(rest[0])
			case ok: // after a count, ParseTypedValue says to leave it out
				valueText += " " + rest[0]
				rest = rest[1:]
			}
		}
	}
	value, currency, err := digest.ParseTypedValue(m, valueText)
	if err != nil {
		return Response{}, err
	}
	if currency != "" { // "120.50EUR"
		code, ok := digest.ParseCurrency(currency)
		if !ok {
			return Response{}, notACurrency(currency)
		}
		currency = code
	}
	loc := r.location(req.User)
	now := r.deps.Clock.Now()
	day := now.In(loc).Format("2006-01-02")
	if len(rest) > 0 && (looksLikeDay(strings.ToLower(rest[0])) || slices.Contains([]string{"today", "yesterday"}, strings.ToLower(rest[0]))) {
		n := 1
		if !strings.Contains(rest[0], "-") && len(rest) > 1 && looksLikeDay(strings.ToLower(rest[1])) {
			n = 2
		}
		if day, err = digest.ParseDay(strings.Join(rest[:n], " "), now, loc); err != nil {
			return Response{}, err
		}
		rest = rest[n:]
	}
	v := crier.Value{Day: day, Metric: m.Name, Value: value, Currency: currency, Source: crier.SourceChat, SetBy: name(req.User)}
	switch len(rest) {
	case 0:
	case 1:
		c, err := r.deps.KPIs.Campaign(ctx, rest[0])
		if crier.ErrorCode(err) == crier.ENOTFOUND {
			return Response{}, crier.Errorf(crier.EINVALID, "There is no campaign named %s; make it with /campaign new %s, or see them with /campaign list.", rest[0], strings.ToLower(rest[0]))
		}
		if err != nil {
			return Response{}, err
		}
		v.Campaign = c.Name
		if m.Money {
			// A campaign without a currency (no budget) counts money in
			// that of its first amount.
			cur, err := digest.CampaignCurrency(ctx, r.deps.KPIs, c)
			if err != nil {
				return Response{}, err
			}
			switch {
			case v.Currency == "":
				v.Currency = cur
			case cur == "" || v.Currency == cur:
			case c.Currency != "":
				return Response{}, crier.Errorf(crier.EINVALID, "Campaign %s counts money in %s, not %s; type the amount in %s.", c.Name, cur, v.Currency, cur)
			default:
				return Response{}, crier.Errorf(crier.EINVALID, "Campaign %s counts money in %s so far; type the amount in %s.", c.Name, cur, cur)
			}
		}
	default:
		return Response{}, crier.Errorf(crier.EINVALID, "crier read %q as more than one campaign; %s.", strings.Join(rest, " "), usage)
	}
	if m.Money && v.Currency == "" {
		v.Currency = r.deps.Currency // bot.yaml's metrics.currency; "" for none
	}
	if err := r.deps.KPIs.SetValues(ctx, []crier.Value{v}); err != nil {
		return Response{}, err
	}
	what := m.Name + " " + strings.TrimSpace(strings.TrimRight(valueText, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"))
	if v.Currency != "" {
		what += " " + v.Currency
	}
	for_ := "for " + day
	if v.Campaign != "" {
		for_ += ", campaign " + v.Campaign
	}
	return Response{Text: fmt.Sprintf("✓ Set %s %s. It shows in /kpi and the next digest.", what, for_)}, nil
}

// isCampaign says whether a campaign is named w.
func (r *Router) isCampaign(ctx context.Context, w string) (bool, error) {
	_, err := r.deps.KPIs.Campaign(ctx, strings.ToLower(w))
	switch {
	case crier.ErrorCode(err) == crier.ENOTFOUND:
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}

// notACurrency refuses a word typed as a currency that is no ISO 4217 code.
func notACurrency(w string) error {
	return crier.Errorf(crier.EINVALID, "%s is not a currency code; type one like EUR or USD.", strings.ToUpper(w))
}

func isLetters(s string) bool {
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return false
		}
	}
	return true
}

func (r *Router) digestNow(ctx context.Context, req Request) (Response, error) {
	if r.deps.Digests == nil {
		return Response{}, r.noKPIs()
	}
	verb, name, _ := strings.Cut(strings.TrimSpace(req.Text), " ")
	if !strings.EqualFold(verb, "now") {
		return Response{}, crier.Errorf(crier.EINVALID, "Type /digest now to post today's digest early.")
	}
	sp, err := r.deps.Digests.Now(ctx, strings.TrimSpace(name))
	if err != nil {
		return Response{}, err
	}
	// Whether today's scheduled one is still to come depends on the time
	// in the digest's zone.
	loc := sp.Location
	if loc == nil {
		loc = time.UTC
	}
	now := r.deps.Clock.Now().In(loc)
	due := time.Date(now.Year(), now.Month(), now.Day(), sp.Hour, sp.Minute, 0, 0, loc)
	at := fmt.Sprintf("%02d:%02d %s", sp.Hour, sp.Minute, loc)
	var also string
	switch {
	case sp.NowReplaces:
		also = "it takes the place of today's at " + at
	case now.Before(due):
		also = fmt.Sprintf("the one at %s still comes", at)
	default:
		also = "the next scheduled one is tomorrow at " + at
	}
	return Response{Text: fmt.Sprintf("✓ Posting the digest in #%s now; %s.", sp.Channel.ID, also)}, nil
}
