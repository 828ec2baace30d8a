package digest

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/currency"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/csvfile"
)

// The numbers a team feeds in arrive as a CSV file (crier import) or as JSON
// (POST /api/metrics). Both are read into crier.Values with FindTeamMetric,
// ParseValue and ParseDay, then checked against the store with Check, and
// stored all at once or not at all.

// CampaignFinder finds a campaign by name; crier.KPIStore is one.
type CampaignFinder interface {
	// Campaign returns the campaign named name; ENOTFOUND when there is none.
	Campaign(ctx context.Context, name string) (*crier.Campaign, error)
}

// RowError is what is wrong with one fed-in value, in one plain line.
type RowError struct {
	Line    int    // the CSV line, 1-based (the header is line 1); 0 when the value did not come from a file
	Index   int    // the value's position in the list Check was given or the API was sent (0-based); 0 for ReadCSV's errors
	Message string // what is wrong and what to write instead
}

// Error is "line 7: …" for a CSV row, the message alone otherwise.
func (e RowError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Message)
	}
	return e.Message
}

// CSVRow is a value read from a CSV file with the line it is on.
type CSVRow struct {
	Line  int
	Value crier.Value
}

// CheckStore is what Check needs of the KPI store; crier.KPIStore is one.
type CheckStore interface {
	CampaignFinder
	// Values returns the values of the days from first to last.
	Values(ctx context.Context, first, last string) ([]crier.Value, error)
}

// ParseCurrency reads an ISO 4217 currency code in any case ("eur"), and
// returns it in upper case; ok is false for anything else ("XYZ", "euro").
func ParseCurrency(s string) (code string, ok bool) {
	s = strings.TrimSpace(s)
	if len(s) != 3 {
		return "", false
	}
	u, err := currency.ParseISO(s)
	if err != nil {
		return "", false
	}
	return u.String(), true
}

// CampaignCurrency is the currency campaign c counts money in: its own
// (given with its budget), else that of its earliest amount fed in so
// far; "" when it has neither.
//
// The amounts so far are found among every value in the store, which is
// fine for the numbers a team types in or imports; a store method that
// asks for one campaign's would be the next step.
func CampaignCurrency(ctx context.Context, store CheckStore, c *crier.Campaign) (string, error) {
	if c.Currency != "" {
		return c.Currency, nil
	}
	var (
		vs  []crier.Value
		err error
	)
	// The campaign's own values when the store can say (its index), else
	// all of them.
	if cv, ok := store.(interface {
		CampaignValues(ctx context.Context, campaign, last string) ([]crier.Value, error)
	}); ok {
		vs, err = cv.CampaignValues(ctx, c.Name, "9999-12-31")
	} else {
		vs, err = store.Values(ctx, "0000-01-01", "9999-12-31")
	}
	if err != nil {
		return "", fmt.Errorf("campaign %s currency: %w", c.Name, err)
	}
	for _, v := range vs { // by day
		if v.Currency != "" && strings.EqualFold(v.Campaign, c.Name) {
			return strings.ToUpper(v.Currency), nil
		}
	}
	return "", nil
}

// Check checks values against the store before they are stored: a campaign
// named must exist, and a money value's currency must be a currency code
// and its campaign's. A money value without a currency takes its
// campaign's, else def (bot.yaml's metrics.currency; "" for none), in vs.
// A campaign without a currency (no budget) counts money in the currency
// of its first amount: the store's so far, else the first of vs. Counts and
// amounts must not be negative. Each RowError's Index is the value's
// position in vs, in vs order. err is for the store failing (the log's
// business), not for a bad value.
func Check(ctx context.Context, store CheckStore, vs []crier.Value, def string) ([]RowError, error) {
	var bad []RowError
	campaigns := map[string]*crier.Campaign{} // nil: there is none
	counts := map[string]string{}             // a campaign's currency so far, once looked up
	for i := range vs {
		v := &vs[i]
		failed, badCode := false, false
		fail := func(format string, args ...any) {
			failed = true
			bad = append(bad, RowError{Index: i, Message: fmt.Sprintf(format, args...)})
		}
		m, err := FindTeamMetric(v.Metric)
		if err != nil {
			fail("%s", crier.ErrorMessage(err))
			continue
		}
		if v.Value < 0 {
			fail("%s cannot be negative (%v); write 0 or more.", m.Name, v.Value)
		}
		if v.Currency != "" {
			if !m.Money {
				fail("%s is a count, not money: leave its currency empty (not %s).", m.Name, v.Currency)
			} else if code, ok := ParseCurrency(v.Currency); !ok {
				fail("%s", notACurrency(v.Currency))
				badCode = true
			} else {
				v.Currency = code
			}
		}
		if v.Campaign == "" {
			if m.Money && v.Currency == "" {
				v.Currency = def
			}
			continue
		}
		name := strings.ToLower(v.Campaign)
		c, seen := campaigns[name]
		if !seen {
			c, err = store.Campaign(ctx, name)
			switch {
			case crier.ErrorCode(err) == crier.ENOTFOUND:
				c = nil
			case err != nil:
				return nil, fmt.Errorf("check values: %w", err)
			}
			campaigns[name] = c
		}
		if c == nil {
			fail("There is no campaign named %s; create it first with /campaign new %s, or check the spelling (/campaign list shows them).", name, name)
			continue
		}
		if !m.Money || badCode {
			continue
		}
		cur, known := counts[name]
		if !known {
			if cur, err = CampaignCurrency(ctx, store, c); err != nil {
				return nil, fmt.Errorf("check values: %w", err)
			}
			counts[name] = cur
		}
		switch {
		case v.Currency == "" && cur != "":
			v.Currency = cur
		case v.Currency == "":
			v.Currency = def
		case cur == "" || v.Currency == cur:
		case c.Currency != "":
			fail("Campaign %s counts money in %s, not %s; convert the %s to %s first.", c.Name, cur, v.Currency, m.Name, cur)
		default:
			fail("Campaign %s counts money in %s so far, not %s; convert the %s to %s first.", c.Name, cur, v.Currency, m.Name, cur)
		}
		if cur == "" && !failed {
			counts[name] = v.Currency // its first amount decides
		}
	}
	return bad, nil
}

// notACurrency says a three-letter word is no ISO 4217 code.
func notACurrency(s string) string {
	return fmt.Sprintf("%s is not a currency code; write one like EUR or USD.", strings.ToUpper(strings.TrimSpace(s)))
}

// valueKey is what makes two values the same number: a later one would
// replace the earlier.
type valueKey struct{ day, metric, account, campaign string }

func keyOf(v crier.Value) valueKey {
	return valueKey{v.Day, v.Metric, v.Account, strings.ToLower(v.Campaign)}
}

// describeValue names a value for a message: "conversions of 2026-11-05 for
// campaign launch".
func describeValue(v crier.Value) string {
	s := v.Metric + " of " + v.Day
	if v.Account != "" {
		s += " for account " + v.Account
	}
	if v.Campaign != "" {
		s += " for campaign " + strings.ToLower(v.Campaign)
	}
	return s
}

// ReadCSV reads the values of a CSV file; see ReadCSVRows.
func ReadCSV(r io.Reader, now time.Time, loc *time.Location) ([]crier.Value, []RowError, error) {
	rows, bad, err := ReadCSVRows(r, now, loc)
	if err != nil {
		return nil, nil, err
	}
	vs := make([]crier.Value, len(rows))
	for i, row := range rows {
		vs[i] = row.Value
	}
	return vs, bad, nil
}

// csvColumns are the columns a CSV file must have; currency may be added.
var csvColumns = []string{"date", "metric", "value", "account", "campaign"}

// ReadCSVRows reads the values of a CSV file whose first line names its
// columns (date, metric, value, account, campaign and, if wanted, currency;
// in any order and case; others are ignored), separated by commas,
// semicolons (as spreadsheets write in many countries) or tabs. A UTF-8
// byte order mark is skipped. Each bad row is a RowError on its line; the
// good rows are returned (with the lines they are on) either way. Days are
// read in loc, and a day after today (at now) is bad. err is a crier.Error
// when the file as a whole cannot be read: not UTF-8, no header, a
// missing column.
func ReadCSVRows(r io.Reader, now time.Time, loc *time.Location) ([]CSVRow, []RowError, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("read csv: %w", err)
	}
	if data, err = csvfile.Text(data); err != nil {
		return nil, nil, err
	}
	cr := csvfile.NewReader(data)

	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, crier.Errorf(crier.EINVALID, "The file is empty; its first line must name the columns: %s (and currency if you like).", strings.Join(csvColumns, ", "))
	}
	if err != nil {
		return nil, nil, crier.Errorf(crier.EINVALID, "line 1: %s; the first line must name the columns: %s.", csvfile.Problem(err), strings.Join(csvColumns, ", "))
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if _, dup := col[h]; dup && h != "" {
			return nil, nil, crier.Errorf(crier.EINVALID, "line 1: the column %s is there twice; keep one.", h)
		}
		col[h] = i
	}
	var missing []string
	for _, c := range csvColumns {
		if _, ok := col[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		what := missing[0] + " column"
		if len(missing) > 1 {
			what = strings.Join(missing, ", ") + " columns"
		}
		return nil, nil, crier.Errorf(crier.EINVALID, "line 1: the header has no %s; the first line must name the columns: %s (and currency if you like), in any order.",
			what, strings.Join(csvColumns, ", "))
	}
	_, hasCurrency := col["currency"]

	var (
		rows    []CSVRow
		bad     []RowError
		first   = map[valueKey]int{} // each value's index in rows
		dropped = map[int]bool{}     // rows that are one of two same values
	)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, nil, fmt.Errorf("read csv: %w", err)
			}
			bad = append(bad, RowError{Line: pe.StartLine, Message: csvfile.Problem(err) + "."})
			continue
		}
		line, _ := cr.FieldPos(0)
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue // a spreadsheet's empty row: ",,,,"
		}
		if len(rec) != len(header) {
			bad = append(bad, RowError{Line: line, Message: fmt.Sprintf("this row has %d columns and the header has %d; check for a missing or extra %q.",
				len(rec), len(header), string(cr.Comma))})
			continue
		}
		field := func(name string) string { return strings.TrimSpace(rec[col[name]]) }
		currency := ""
		if hasCurrency {
			currency = field("currency")
		}
		v, problems := readCSVValue(field, currency, cr.Comma == ';', now, loc)
		if len(problems) > 0 {
			for _, p := range problems {
				bad = append(bad, RowError{Line: line, Message: p})
			}
			continue
		}
		k := keyOf(v)
		if at, dup := first[k]; dup {
			// Which one is meant? Neither is stored.
			dropped[at] = true
			bad = append(bad, RowError{Line: line, Message: fmt.Sprintf("%s is on line %d too; keep one of the two lines.", describeValue(v), rows[at].Line)})
			continue
		}
		first[k] = len(rows)
		rows = append(rows, CSVRow{Line: line, Value: v})
	}
	if len(dropped) > 0 {
		kept := rows[:0]
		for i, row := range rows {
			if !dropped[i] {
				kept = append(kept, row)
			}
		}
		rows = kept
	}
	sortRowErrors(bad)
	return rows, bad, nil
}

// readCSVValue reads one row's fields; problems says what is wrong with it.
func readCSVValue(field func(string) string, currency string, decimalComma bool, now time.Time, loc *time.Location) (crier.Value, []string) {
	var (
		v        crier.Value
		problems []string
	)
	if d := field("date"); d == "" {
		problems = append(problems, "the date is empty; write the day the number is for, like 2026-12-05.")
	} else if day, err := ParseDay(d, now, loc); err != nil {
		problems = append(problems, crier.ErrorMessage(err))
	} else {
		v.Day = day
	}
	m, err := FindTeamMetric(field("metric"))
	if err != nil {
		problems = append(problems, crier.ErrorMessage(err))
	} else {
		v.Metric = m.Name
		s := field("value")
		if decimalComma && groupedByDots.MatchString(s) {
			// Where a spreadsheet separates with semicolons, the comma is
			// the decimal mark and "1.250" is a thousand two hundred fifty.
			s = strings.ReplaceAll(s, ".", "")
		}
		if s == "" {
			problems = append(problems, "the value is empty; write a number like 42.")
		} else if v.Value, v.Currency, err = ParseValue(m, s); err != nil {
			problems = append(problems, crier.ErrorMessage(err))
		} else if v.Currency != "" {
			if !isCurrency(v.Currency) {
				problems = append(problems, notACurrency(v.Currency))
			}
		}
		if currency != "" {
			c, msg := readCurrency(m, currency, v.Currency)
			if msg != "" {
				problems = append(problems, msg)
			}
			v.Currency = c
		}
	}
	v.Account = field("account")
	v.Campaign = strings.ToLower(field("campaign"))
	v.Source, v.SetBy = crier.SourceImport, "import"
	return v, problems
}

// groupedByDots is a number whose dots group thousands: "1.250", "12.500.000 EUR".
var groupedByDots = regexp.MustCompile(`^[0-9]{1,3}(\.[0-9]{3})+(\s*[A-Za-z]{3})?$`)

// readCurrency reads a currency given apart from the value ("eur"); inValue
// is the one written with the value, if any.
func readCurrency(m Metric, s, inValue string) (string, string) {
	c := strings.ToUpper(strings.TrimSpace(s))
	switch {
	case !m.Money:
		return "", fmt.Sprintf("%s is a count, not money: leave its currency empty (not %s).", m.Name, c)
	case len(c) != 3 || strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "":
		return "", fmt.Sprintf("%q is not a currency; write its three-letter code, like EUR or USD.", s)
	case !isCurrency(c):
		return "", notACurrency(c)
	case inValue != "" && inValue != c:
		return "", fmt.Sprintf("the value says %s and the currency says %s; write one currency.", inValue, c)
	}
	return c, ""
}

func isCurrency(s string) bool {
	_, ok := ParseCurrency(s)
	return ok
}

// dedupe reports values that are the same number twice (same day, metric,
// account and campaign), naming both by name(i).
func dedupe(vs []crier.Value, name func(i int) string) []RowError {
	var bad []RowError
	first := map[valueKey]int{}
	for i, v := range vs {
		if v.Metric == "" || v.Day == "" {
			continue // bad already
		}
		k := keyOf(v)
		if at, dup := first[k]; dup {
			bad = append(bad, RowError{Index: i, Message: fmt.Sprintf("%s is in %s too; send it once.", describeValue(v), name(at))})
			continue
		}
		first[k] = i
	}
	return bad
}

// sortRowErrors orders errors by line, then index (stable for one row).
func sortRowErrors(bad []RowError) {
	slices.SortStableFunc(bad, func(a, b RowError) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Index - b.Index
	})
}
