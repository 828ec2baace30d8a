package commands

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/digest"
)

func (r *Router) campaignDef() Definition {
	return Definition{
		Name:    "campaign",
		Usage:   "/campaign new|list|show|close",
		Summary: "Make and follow marketing campaigns: posts, engagement, spend against budget, conversions and ROI.",
		Details: "A name is 2 to 40 lower-case letters, digits, - or _. A post joins a campaign with a line campaign: <name>; " +
			"its links then carry utm_ parameters (a link followed by ! is left alone). Spend, revenue and conversions come from " +
			"/kpi set spend 120 EUR today <name>, crier import or crier's API. /campaign list all shows closed ones too. " +
			"Anyone may list and show; new and close need the scheduler role.",
		Examples: []string{"/campaign new launch budget 500 EUR until 31 dec", "/campaign show launch", "/campaign list", "/campaign close launch"},
		Handler:  r.campaign,
	}
}

const campaignExample = "/campaign new launch budget 500 EUR until 31 dec"

func noCampaigns() error {
	return crier.Errorf(crier.EINVALID, "crier keeps no campaigns here; ask whoever runs crier to add a digests: section to bot.yaml.")
}

func (r *Router) campaign(ctx context.Context, req Request) (Response, error) {
	if r.deps.KPIs == nil {
		return Response{}, noCampaigns()
	}
	words := strings.Fields(req.Text)
	verb := ""
	if len(words) > 0 {
		verb, words = strings.ToLower(words[0]), words[1:]
	}
	switch verb {
	case "new":
		return r.campaignNew(ctx, req, words)
	case "list":
		return r.campaignList(ctx, words)
	case "show":
		return r.campaignShow(ctx, req, words)
	case "close":
		return r.campaignClose(ctx, req, words)
	case "":
		return Response{}, crier.Errorf(crier.EINVALID, "Say what to do: /campaign new <name>, /campaign list, /campaign show <name> or /campaign close <name>.")
	}
	return Response{}, crier.Errorf(crier.EINVALID, "/campaign does new, list, show and close, not %q; like %s.", clip(verb, 20), campaignExample)
}

// canRun refuses a sub-verb that changes campaigns to a person without the
// scheduler role.
func canRun(req Request, verb string) error {
	if !req.User.Can(crier.RoleScheduler) {
		return crier.Errorf(crier.EFORBIDDEN, "You need the %s role to use /campaign %s. Ask whoever runs crier to add you under roles: in bot.yaml.", crier.RoleScheduler, verb)
	}
	return nil
}

// checkCampaignName says what to type when name cannot be a campaign's:
// 2 to 40 letters a-z (any case: names are kept in lower case), digits, -
// and _. how starts the example ("/campaign new ", "campaign: ").
func checkCampaignName(name, how string) error {
	ok := len(name) >= 2 && len(name) <= 40
	for i := 0; ok && i < len(name); i++ {
		c := name[i] | 0x20 // lower case for letters
		ok = (c >= 'a' && c <= 'z') || (name[i] >= '0' && name[i] <= '9') || name[i] == '-' || name[i] == '_'
	}
	if ok {
		return nil
	}
	return crier.Errorf(crier.EINVALID, "%q cannot be a campaign name: use 2 to 40 letters a-z, digits, - or _, like %s%s.", clip(name, 40), how, nameLike(name))
}

// nameLike suggests a campaign name for what a person typed: "Spring
// launch" → "spring-launch"; "spring-launch" when nothing fits.
func nameLike(s string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '_':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(c)
			dash = false
		case c == ' ' || c == '-' || c == '.' || c == '/':
			dash = true
		case c > 127:
			return "spring-launch" // no guessing at letters outside a-z
		}
	}
	if n := b.Len(); n < 2 || n > 40 {
		return "spring-launch"
	}
	return b.String()
}

// campaignKeyword reports whether w starts an option of /campaign new.
func campaignKeyword(w string) bool {
	w = strings.ToLower(w)
	return w == "budget" || w == "until"
}

func (r *Router) campaignNew(ctx context.Context, req Request, words []string) (Response, error) {
	if err := canRun(req, "new"); err != nil {
		return Response{}, err
	}
	if len(words) == 0 || (campaignKeyword(words[0]) && len(words) > 1) {
		return Response{}, crier.Errorf(crier.EINVALID, "Say the campaign's name first, like %s.", campaignExample)
	}
	n := 1
	for n < len(words) && !campaignKeyword(words[n]) {
		n++ // "spring launch": a name of two words, refused below
	}
	typed := strings.Join(words[:n], " ")
	if err := checkCampaignName(typed, "/campaign new "); err != nil {
		return Response{}, err
	}
	c := &crier.Campaign{Name: strings.ToLower(typed), CreatedBy: name(req.User)}
	loc := r.location(req.User)
	now := r.deps.Clock.Now()
	var seenBudget, seenUntil bool
	for rest := words[n:]; len(rest) > 0; {
		k := 1
		for k < len(rest) && !campaignKeyword(rest[k]) {
			k++
		}
		kw, args := strings.ToLower(rest[0]), rest[1:k]
		rest = rest[k:]
		switch {
		case kw == "budget" && seenBudget, kw == "until" && seenUntil:
			return Response{}, crier.Errorf(crier.EINVALID, "Say the %s once, like %s.", kw, campaignExample)
		case kw == "budget":
			v, cur, err := parseBudget(args)
			if err != nil {
				return Response{}, err
			}
			c.Budget, c.Currency, c.HasBudget, seenBudget = v, cur, true, true
		default: // until
			day, err := futureDay(strings.Join(args, " "), now, loc)
			if err != nil {
				return Response{}, err
			}
			c.EndsOn, seenUntil = day, true
		}
	}
	if err := r.deps.KPIs.AddCampaign(ctx, c); err != nil {
		return Response{}, err
	}
	var about []string
	if c.HasBudget {
		about = append(about, "budget "+money(c.Budget, c.Currency))
	}
	if c.EndsOn != "" {
		about = append(about, "until "+showDay(c.EndsOn))
	}
	what := ""
	if len(about) > 0 {
		what = " (" + strings.Join(about, ", ") + ")"
	}
	return Response{Text: fmt.Sprintf("✓ Campaign %s made%s. A post joins it with the line campaign: %s; /campaign show %s gives its numbers.", c.Name, what, c.Name, c.Name)}, nil
}

// parseBudget reads what follows "budget": an amount and a three-letter
// currency code ("500 EUR", "500EUR", "€500", "1,250.50 usd"). The amount
// is read by digest.ParseTypedValue, as /kpi set reads money, so "1.250"
// is asked about rather than guessed and negative amounts are refused.
func parseBudget(args []string) (float64, string, error) {
	if len(args) == 0 {
		return 0, "", crier.Errorf(crier.EINVALID, "Say the budget's amount and currency, like budget 500 EUR.")
	}
	if len(args) > 2 {
		return 0, "", crier.Errorf(crier.EINVALID, "crier read %q as the budget; type it like budget 500 EUR.", clip(strings.Join(args, " "), 40))
	}
	amount, cur := args[0], ""
	for _, sym := range [...][2]string{{"€", "EUR"}, {"£", "GBP"}} {
		a, ok := strings.CutPrefix(amount, sym[0])
		if !ok {
			a, ok = strings.CutSuffix(amount, sym[0])
		}
		if ok && cur != "" {
			return 0, "", crier.Errorf(crier.EINVALID, "The budget says %s and %s; write one currency, like budget 500 %s.", cur, sym[1], cur)
		}
		if ok {
			amount, cur = a, sym[1]
		}
	}
	if strings.Contains(amount, "$") {
		return 0, "", crier.Errorf(crier.EINVALID, "Say which dollars: budget %s USD (or CAD, AUD…).", strings.Trim(amount, "$"))
	}
	if amount == "" || (amount[0] != '-' && (amount[0] < '0' || amount[0] > '9')) {
		return 0, "", crier.Errorf(crier.EINVALID, "%q is not an amount; type the budget like budget 500 EUR.", clip(amount, 20))
	}
	v, inAmount, err := digest.ParseTypedValue(digest.Metric{Name: "budget", Money: true}, amount)
	if err != nil {
		return 0, "", err
	}
	codes := []string{cur, inAmount}
	if len(args) == 2 {
		code := strings.ToUpper(args[1])
		if len(code) != 3 || !isAZ(code) {
			return 0, "", crier.Errorf(crier.EINVALID, "%q is not a currency code; write its three letters, like budget %s EUR or budget %s USD.", clip(args[1], 20), amount, amount)
		}
		codes = append(codes, code)
	}
	for _, code := range codes {
		if code != "" && cur != "" && code != cur {
			return 0, "", crier.Errorf(crier.EINVALID, "The budget says %s and %s; write one currency, like budget %s %s.", cur, code, amount, cur)
		}
		cur = cmp.Or(cur, code)
	}
	if cur == "" {
		return 0, "", crier.Errorf(crier.EINVALID, "Say the currency: budget %s EUR.", amount)
	}
	if v == 0 {
		return 0, "", crier.Errorf(crier.EINVALID, "A budget of 0 is no budget; leave budget out, or type one like budget 500 %s.", cur)
	}
	return v, cur, nil
}

func isAZ(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// futureDay reads a campaign's last day: "2026-12-31", "31 dec", "dec 31",
// "31 december 2026", "today" or "tomorrow", in loc. A day and month
// without a year is the next one to come (this year, or next year once it
// has passed). A day before today is an error. (digest.ParseDay reads the
// same forms for days that have been, and refuses future ones.)
func futureDay(s string, now time.Time, loc *time.Location) (string, error) {
	today := now.In(loc)
	todayDay := today.Format("2006-01-02")
	s = strings.ToLower(strings.Join(strings.Fields(strings.NewReplacer(",", " ").Replace(s)), " "))
	s = strings.TrimSuffix(s, ".")
	if s == "" {
		return "", crier.Errorf(crier.EINVALID, "Say the campaign's last day after until, like until 31 dec.")
	}
	var day string
	switch s {
	case "today":
		day = todayDay
	case "tomorrow":
		day = today.AddDate(0, 0, 1).Format("2006-01-02")
	default:
		if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
			day = t.Format("2006-01-02")
			break
		}
		words := strings.Fields(s)
		for i, w := range words {
			words[i] = strings.ToUpper(w[:1]) + w[1:] // Go reads "Dec", not "dec"
		}
		title := strings.Join(words, " ")
		for _, layout := range []string{"2 Jan", "Jan 2", "2 January", "January 2", "2 Jan 2006", "Jan 2 2006", "2 January 2006", "January 2 2006"} {
			t, err := time.ParseInLocation(layout, title, loc)
			if err != nil {
				continue
			}
			if strings.Contains(layout, "2006") {
				day = t.Format("2006-01-02")
				break
			}
			for _, y := range []int{today.Year(), today.Year() + 1} {
				d := time.Date(y, t.Month(), t.Day(), 0, 0, 0, 0, loc)
				if d.Month() == t.Month() && d.Format("2006-01-02") >= todayDay {
					day = d.Format("2006-01-02")
					break
				}
			}
			break
		}
		if day == "" {
			return "", crier.Errorf(crier.EINVALID, "%q is not a day crier can read; type the last day like until 2026-12-31, until 31 dec or until dec 31.", clip(s, 30))
		}
	}
	if day < todayDay {
		return "", crier.Errorf(crier.EINVALID, "%s is in the past; a campaign's last day is today or later, like until 31 dec.", showDay(day))
	}
	return day, nil
}

// showDay writes "2026-12-31" as "Thu 31 Dec 2026".
func showDay(day string) string {
	t, err := time.Parse("2006-01-02", day)
	if err != nil {
		return day
	}
	return t.Format("Mon 2 Jan 2006")
}

// money writes an amount as the digest does: 1,250.50 EUR.
func money(v float64, currency string) string {
	neg := v < 0
	cents := int64(math.Round(math.Abs(v) * 100))
	s := strconv.FormatInt(cents/100, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	s += fmt.Sprintf(".%02d", cents%100)
	if neg {
		s = "-" + s
	}
	if currency != "" {
		s += " " + currency
	}
	return s
}

// campaignName reads the one name show and close take.
func campaignName(words []string, verb string) (string, error) {
	switch len(words) {
	case 0:
		return "", crier.Errorf(crier.EINVALID, "Say which campaign, like /campaign %s launch; /campaign list shows them.", verb)
	case 1:
		return strings.ToLower(words[0]), nil
	}
	return "", crier.Errorf(crier.EINVALID, "/campaign %s takes one name, like /campaign %s %s; /campaign list shows them.", verb, verb, nameLike(strings.Join(words, " ")))
}

// findCampaign returns the campaign named name, or says there is none.
func (r *Router) findCampaign(ctx context.Context, name string) (*crier.Campaign, error) {
	c, err := r.deps.KPIs.Campaign(ctx, name)
	if crier.ErrorCode(err) == crier.ENOTFOUND {
		return nil, unknownCampaign(name)
	}
	return c, err
}

func unknownCampaign(name string) error {
	return crier.Errorf(crier.ENOTFOUND, "There is no campaign named %s; /campaign list shows them.", clip(name, 40))
}

func (r *Router) campaignList(ctx context.Context, words []string) (Response, error) {
	all := false
	switch {
	case len(words) == 1 && strings.EqualFold(words[0], "all"):
		all = true
	case len(words) > 0:
		return Response{}, crier.Errorf(crier.EINVALID, "/campaign list shows the open campaigns, /campaign list all the closed ones too.")
	}
	cs, err := r.deps.KPIs.Campaigns(ctx, true)
	if err != nil {
		return Response{}, err
	}
	var open, closed int
	var lines []string
	for _, c := range cs {
		if c.Closed {
			closed++
			if !all {
				continue
			}
		} else {
			open++
		}
		lines = append(lines, campaignSummary(c))
	}
	var text string
	switch {
	case len(cs) == 0:
		text = "There are no campaigns yet; make one with " + campaignExample + "."
	case len(lines) == 0:
		text = fmt.Sprintf("No campaign is open; /campaign list all shows the %d closed, and %s makes one.", closed, campaignExample)
	case all:
		text = fmt.Sprintf("Campaigns: %d open, %d closed. /campaign show <name> gives one's numbers.", open, closed)
	default:
		text = fmt.Sprintf("Open campaigns: %d. /campaign show <name> gives one's numbers.", open)
	}
	return Response{Text: text, Lines: lines}, nil
}

// campaignSummary is a campaign's row in /campaign list.
func campaignSummary(c crier.Campaign) string {
	parts := []string{"no budget"}
	if c.HasBudget {
		parts[0] = "budget " + money(c.Budget, c.Currency)
	}
	if c.EndsOn != "" {
		parts = append(parts, "until "+showDay(c.EndsOn))
	}
	if c.Closed {
		parts = append(parts, "closed")
	}
	return c.Name + " — " + strings.Join(parts, ", ")
}

func (r *Router) campaignShow(ctx context.Context, req Request, words []string) (Response, error) {
	name, err := campaignName(words, "show")
	if err != nil {
		return Response{}, err
	}
	c, err := r.findCampaign(ctx, name)
	if err != nil {
		return Response{}, err
	}
	now := r.deps.Clock.Now()
	today := now.In(r.location(req.User)).Format("2006-01-02")
	line, err := digest.CampaignNumbers(ctx, r.deps.KPIs, *c, today, now)
	if err != nil {
		return Response{}, err
	}
	var lines []string
	switch {
	case !c.HasBudget:
		lines = append(lines, "No budget set.")
	case !line.HasSpend:
		lines = append(lines, fmt.Sprintf("Budget left: %s (no spend recorded yet).", money(c.Budget, c.Currency)))
	case line.Spend > c.Budget:
		lines = append(lines, fmt.Sprintf("Over budget by %s (budget %s).", money(line.Spend-c.Budget, c.Currency), money(c.Budget, c.Currency)))
	default:
		lines = append(lines, fmt.Sprintf("Budget left: %s of %s.", money(c.Budget-line.Spend, c.Currency), money(c.Budget, c.Currency)))
	}
	if !c.Closed {
		lines = append(lines, daysLeft(*c, today))
	}
	return Response{Text: line.Line(), Lines: lines}, nil
}

// daysLeft says how long an open campaign still runs, counted in calendar
// days from today.
func daysLeft(c crier.Campaign, today string) string {
	if c.EndsOn == "" {
		return "No last day set."
	}
	end, err1 := time.Parse("2006-01-02", c.EndsOn)
	from, err2 := time.Parse("2006-01-02", today)
	if err1 != nil || err2 != nil {
		return "Last day: " + c.EndsOn + "."
	}
	n := int(end.Sub(from).Hours() / 24)
	switch {
	case n == 0:
		return "Today is its last day."
	case n > 0:
		return fmt.Sprintf("%d %s left; its last day is %s.", n, plural(n, "day", "days"), showDay(c.EndsOn))
	}
	return fmt.Sprintf("Its last day was %s, %d %s ago; /campaign close %s closes it.", showDay(c.EndsOn), -n, plural(-n, "day", "days"), c.Name)
}

func (r *Router) campaignClose(ctx context.Context, req Request, words []string) (Response, error) {
	if err := canRun(req, "close"); err != nil {
		return Response{}, err
	}
	name, err := campaignName(words, "close")
	if err != nil {
		return Response{}, err
	}
	c, err := r.deps.KPIs.CloseCampaign(ctx, name)
	if crier.ErrorCode(err) == crier.ENOTFOUND {
		return Response{}, unknownCampaign(name)
	}
	if err != nil {
		return Response{}, err
	}
	return Response{Text: fmt.Sprintf("✓ Campaign %s closed: posts can no longer join it; /campaign show %s still gives its numbers.", c.Name, c.Name)}, nil
}
