package digest

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/crier-bot/crier/internal/crier"
)

// Where a metric's numbers come from.
const (
	FromNetwork = "network" // read from each account on a schedule
	FromCrier   = "crier"   // counted from crier's own tables
	FromTeam    = "team"    // fed in: /kpi set, crier import, POST /api/metrics
)

// Metric is a number the digest knows.
type Metric struct {
	Name  string
	About string // what it is, for /kpi help and suggestions
	From  string // FromNetwork, FromCrier, FromTeam
	Money bool   // has a currency (spend, revenue)
}

// Metrics returns every metric crier knows, in the order the digest shows
// them.
func Metrics() []Metric {
	return []Metric{
		{Name: "followers", About: "followers of each account", From: FromNetwork},
		{Name: "engagement", About: "likes, reposts, replies and quotes on the day's posts", From: FromNetwork},
		{Name: "posts", About: "posts published", From: FromCrier},
		{Name: "failed", About: "posts that could not be published", From: FromCrier},
		{Name: "comments", About: "comments received", From: FromCrier},
		{Name: "replies", About: "answers sent to customers", From: FromCrier},
		{Name: "response", About: "median time to the first answer", From: FromCrier},
		{Name: "open", About: "conversations waiting for an answer", From: FromCrier},
		{Name: "reach", About: "people who saw the posts", From: FromTeam},
		{Name: "impressions", About: "times the posts were seen", From: FromTeam},
		{Name: "clicks", About: "link clicks", From: FromTeam},
		{Name: "conversions", About: "sign-ups, sales or other goals reached", From: FromTeam},
		{Name: "revenue", About: "money the campaigns brought in", From: FromTeam, Money: true},
		{Name: "spend", About: "money spent on the campaigns", From: FromTeam, Money: true},
	}
}

// FindMetric returns the metric named name (any case). An unknown name is
// an error that suggests the closest one.
func FindMetric(name string) (Metric, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	best, bestD := "", math.MaxInt
	for _, m := range Metrics() {
		if m.Name == name {
			return m, nil
		}
		if d := crier.Distance(name, m.Name); d < bestD {
			best, bestD = m.Name, d
		}
	}
	if name == "" {
		return Metric{}, crier.Errorf(crier.EINVALID, "Say which number, for example conversions; /kpi help lists them.")
	}
	if bestD <= max(2, len(name)/3) {
		return Metric{}, crier.Errorf(crier.EINVALID, "crier knows no number called %q. Did you mean %s? /kpi help lists them.", name, best)
	}
	return Metric{}, crier.Errorf(crier.EINVALID, "crier knows no number called %q; /kpi help lists them.", name)
}

// FindTeamMetric is FindMetric for what the team may feed in.
func FindTeamMetric(name string) (Metric, error) {
	m, err := FindMetric(name)
	if err != nil {
		return m, err
	}
	if m.From != FromTeam {
		var team []string
		for _, t := range Metrics() {
			if t.From == FromTeam {
				team = append(team, t.Name)
			}
		}
		return m, crier.Errorf(crier.EINVALID, "crier counts %s itself; the numbers you can set are %s.", m.Name, strings.Join(team, ", "))
	}
	return m, nil
}

var amountPattern = regexp.MustCompile(`^([0-9][0-9_ ,.]*)\s*([A-Za-z]{3})?$`)

// ParseTypedValue is ParseValue for what a person types in chat, where
// "1.250" is 1250 in much of Europe and 1.25 elsewhere: asked, not guessed.
// (A CSV file's delimiter tells which it is.)
func ParseTypedValue(m Metric, s string) (float64, string, error) {
	s = strings.TrimSpace(s)
	if g := amountPattern.FindStringSubmatch(s); g != nil {
		num := strings.NewReplacer("_", "", " ", "").Replace(g[1])
		if i := strings.IndexByte(num, '.'); i > 0 && strings.Count(num, ".") == 1 && !strings.Contains(num, ",") && len(num)-i-1 == 3 {
			return 0, "", crier.Errorf(crier.EINVALID, "%q could be %s or %s; type it without the dot, or with two decimals.", s,
				strings.TrimLeft(num[:i]+num[i+1:], "0"), strings.TrimRight(num, "0"))
		}
	}
	return ParseValue(m, s)
}

// ParseValue reads a count or an amount ("42", "1,250", "120.50 EUR") for
// metric m; currency is "" when none was written. Negative or non-numeric
// input is an error that says what to type.
func ParseValue(m Metric, s string) (value float64, currency string, err error) {
	s = strings.TrimSpace(s)
	bad := func() (float64, string, error) {
		if m.Money {
			return 0, "", crier.Errorf(crier.EINVALID, "%q is not an amount; type it like 120.50 or 120.50 EUR.", s)
		}
		return 0, "", crier.Errorf(crier.EINVALID, "%q is not a count; type a whole number like 42.", s)
	}
	if strings.HasPrefix(s, "-") {
		return 0, "", crier.Errorf(crier.EINVALID, "%s cannot be negative (%s); type 0 or more.", m.Name, s)
	}
	g := amountPattern.FindStringSubmatch(s)
	if g == nil {
		return bad()
	}
	num := strings.NewReplacer("_", "", " ", "").Replace(g[1])
	// "1,250" and "1.250,5" are grouping; a single comma followed by one or
	// two digits is a decimal comma.
	if i := strings.LastIndexByte(num, ','); i >= 0 && len(num)-i-1 <= 2 && !strings.Contains(num[i:], ".") && strings.Count(num, ",") == 1 {
		num = strings.ReplaceAll(num[:i], ".", "") + "." + num[i+1:]
	} else {
		num = strings.ReplaceAll(num, ",", "")
	}
	v, perr := strconv.ParseFloat(num, 64)
	if perr != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return bad()
	}
	if g[2] != "" {
		if !m.Money {
			return 0, "", crier.Errorf(crier.EINVALID, "%s is a count, not money: type %s without %s.", m.Name, strconv.FormatFloat(v, 'f', -1, 64), g[2])
		}
		currency = strings.ToUpper(g[2])
	}
	if !m.Money && v != math.Trunc(v) {
		return 0, "", crier.Errorf(crier.EINVALID, "%s is a count of whole things; type %s, not %s.", m.Name, strconv.FormatFloat(math.Round(v), 'f', -1, 64), s)
	}
	return v, currency, nil
}

// ParseDay reads the day a value is for: "2026-12-05", "5 dec", "today",
// "yesterday" (in loc, relative to now). A day after today is an error.
func ParseDay(s string, now time.Time, loc *time.Location) (string, error) {
	if loc == nil {
		loc = time.UTC
	}
	today := now.In(loc)
	s = strings.ToLower(strings.TrimSpace(s))
	var d time.Time
	switch s {
	case "", "today":
		d = today
	case "yesterday":
		d = today.AddDate(0, 0, -1)
	default:
		var err error
		d, err = time.ParseInLocation("2006-01-02", s, loc)
		if err != nil {
			d, err = parseDayMonth(s, today, loc)
		}
		if err != nil {
			return "", crier.Errorf(crier.EINVALID, "%q is not a day crier can read; type it like 2026-12-05, 5 dec or yesterday.", s)
		}
	}
	day := d.Format("2006-01-02")
	if day > today.Format("2006-01-02") {
		return "", crier.Errorf(crier.EINVALID, "%s is in the future; numbers are for today or earlier.", day)
	}
	return day, nil
}

// parseDayMonth reads "5 dec" or "dec 5" in the current year, or the year
// before when that day is still to come.
func parseDayMonth(s string, today time.Time, loc *time.Location) (time.Time, error) {
	words := strings.Fields(s)
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:] // Go reads "Dec", not "dec"
	}
	s = strings.Join(words, " ")
	for _, layout := range []string{"2 Jan", "Jan 2", "2 January", "January 2", "2 Jan 2006", "Jan 2 2006"} {
		t, err := time.ParseInLocation(layout, s, loc)
		if err != nil {
			continue
		}
		if !strings.Contains(layout, "2006") {
			t = time.Date(today.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
			if t.After(today) { // on 2 Jan, "31 dec" is last year's
				t = t.AddDate(-1, 0, 0)
			}
		}
		return t, nil
	}
	return time.Time{}, fmt.Errorf("not a day: %q", s)
}
