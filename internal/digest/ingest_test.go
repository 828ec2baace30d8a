package digest_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/sqlite"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/digest"
)

// ingestNow is Sun 2026-12-06 10:00 in Bucharest.
var ingestNow = time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)

func bucharest(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Bucharest")
	require.NoError(t, err)
	return loc
}

// openKPIStore opens a real store in a temp dir with campaign launch
// (budget in EUR) and campaign organic (no budget, so no currency).
func openKPIStore(t testing.TB, clock crier.Clock) *sqlite.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "crier.db"), clock)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	require.NoError(t, db.AddCampaign(ctx, &crier.Campaign{Name: "launch", Budget: 500, HasBudget: true, Currency: "EUR", CreatedBy: "ana"}))
	require.NoError(t, db.AddCampaign(ctx, &crier.Campaign{Name: "organic", CreatedBy: "ana"}))
	return db
}

func readCSV(t *testing.T, text string) ([]digest.CSVRow, []digest.RowError, error) {
	t.Helper()
	return digest.ReadCSVRows(strings.NewReader(text), ingestNow, bucharest(t))
}

func lines(errs []digest.RowError) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = e.Error()
	}
	return out
}

func TestCSVReportsEveryBadRowByItsLine(t *testing.T) {
	t.Parallel()
	rows, bad, err := readCSV(t, strings.Join([]string{
		"date,metric,value,account,campaign",
		"2026-12-01,conversions,42,,launch",
		"2026-12-01,convresions,40,,launch",
		"2026-12-02,clicks,-3,masto,",
		"2026-12-02,clicks,lots,masto,",
		"2026-12-07,reach,100,masto,",
		"2026-12-03,reach,100,masto",
		"2026-12-03,followers,100,masto,",
		",reach,5,,",
		"2026-12-04,spend,1.250.000.00 EUR,,launch",
		"2026-12-04,reach,12,masto,",
		"2026-12-01,CONVERSIONS,41,,Launch",
		"2026-12-05,impressions,4.5,,",
		",,,,",
		"2026-12-05,revenue,120.50 EUR,,launch",
	}, "\n"))
	require.NoError(t, err)
	require.Equal(t, []string{
		`line 3: crier knows no number called "convresions". Did you mean conversions? /kpi help lists them.`,
		"line 4: clicks cannot be negative (-3); type 0 or more.",
		`line 5: "lots" is not a count; type a whole number like 42.`,
		"line 6: 2026-12-07 is in the future; numbers are for today or earlier.",
		`line 7: this row has 4 columns and the header has 5; check for a missing or extra ",".`,
		"line 8: crier counts followers itself; the numbers you can set are reach, impressions, clicks, conversions, revenue, spend.",
		"line 9: the date is empty; write the day the number is for, like 2026-12-05.",
		`line 10: "1.250.000.00 EUR" is not an amount; type it like 120.50 or 120.50 EUR.`,
		"line 12: conversions of 2026-12-01 for campaign launch is on line 2 too; keep one of the two lines.",
		"line 13: impressions is a count of whole things; type 5, not 4.5.",
	}, lines(bad))
	// Line 2 and 12 are the same number: neither is kept. Line 14 is an
	// empty spreadsheet row.
	require.Equal(t, []digest.CSVRow{
		{Line: 11, Value: crier.Value{Day: "2026-12-04", Metric: "reach", Account: "masto", Value: 12, Source: crier.SourceImport, SetBy: "import"}},
		{Line: 15, Value: crier.Value{Day: "2026-12-05", Metric: "revenue", Campaign: "launch", Value: 120.5, Currency: "EUR", Source: crier.SourceImport, SetBy: "import"}},
	}, rows)
}

func TestCSVColumnsAreFoundByName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, text string
	}{
		{"any order and case, with a currency column and an extra one",
			"Campaign,VALUE,Metric,notes,Date,Account,currency\nlaunch,120.50,spend,from the ads team,2026-12-05,,eur\n,7,clicks,,5 dec,masto,\n"},
		{"semicolons and a decimal comma, as spreadsheets write in many countries",
			"date;metric;value;account;campaign;currency\r\n2026-12-05;spend;120,50;;launch;EUR\r\n2026-12-05;clicks;7;masto;;\r\n"},
		{"tabs", "date\tmetric\tvalue\taccount\tcampaign\n2026-12-05\tspend\t120.50 EUR\t\tlaunch\n2026-12-05\tclicks\t7\tmasto\t\n"},
		{"a UTF-8 byte order mark is skipped",
			"\uFEFFdate,metric,value,account,campaign\n2026-12-05,spend,\"120,50 EUR\",,launch\n2026-12-05,clicks,7,masto,\n"},
		{"quoted fields", "\"date\",\"metric\",\"value\",\"account\",\"campaign\"\n\"2026-12-05\",\"spend\",\"120.50\",\"\",\"launch\"\n2026-12-05,clicks,7,masto,\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			vs, bad, err := digest.ReadCSV(strings.NewReader(tc.text), ingestNow, bucharest(t))
			require.NoError(t, err)
			require.Empty(t, bad)
			require.Len(t, vs, 2)
			require.Equal(t, crier.Value{Day: "2026-12-05", Metric: "spend", Campaign: "launch", Value: 120.5, Currency: vs[0].Currency,
				Source: crier.SourceImport, SetBy: "import"}, vs[0])
			require.Contains(t, []string{"", "EUR"}, vs[0].Currency)
			require.Equal(t, crier.Value{Day: "2026-12-05", Metric: "clicks", Account: "masto", Value: 7,
				Source: crier.SourceImport, SetBy: "import"}, vs[1])
		})
	}
}

func TestCSVFileProblemsAreOneLine(t *testing.T) {
	t.Parallel()
	utf16le := []byte{0xFF, 0xFE}
	for _, r := range "date,metric,value,account,campaign\n" {
		utf16le = append(utf16le, byte(r), 0)
	}
	utf16be := []byte{0xFE, 0xFF}
	for _, r := range "date,metric,value,account,campaign\n" {
		utf16be = append(utf16be, 0, byte(r))
	}
	const saveAs = "save it as UTF-8 CSV (in Excel: File → Save As → “CSV UTF-8”; in LibreOffice: character set Unicode (UTF-8)) and import it again."
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"UTF-16 with its byte order mark (little-endian)", utf16le, "The file is in UTF-16, which crier does not read; " + saveAs},
		{"UTF-16 with its byte order mark (big-endian)", utf16be, "The file is in UTF-16, which crier does not read; " + saveAs},
		{"UTF-16 without a byte order mark", utf16le[2:],
			"The file is not text crier can read (line 1 has a NUL byte; is it UTF-16 or a spreadsheet?); " + saveAs},
		// "Café" in Windows-1252: é is the single byte 0xE9.
		{"Windows-1252", []byte("date,metric,value,account,campaign\n2026-12-05,clicks,7,masto,\n2026-12-05,clicks,8,Caf\xe9,\n"),
			"The file is not UTF-8 (line 3 has a character in another encoding, like Windows-1252); " + saveAs},
		{"an empty file", nil, "The file is empty; its first line must name the columns: date, metric, value, account, campaign (and currency if you like)."},
		{"a missing column", []byte("date,metric,value,campaign\n2026-12-05,clicks,7,\n"),
			"line 1: the header has no account column; the first line must name the columns: date, metric, value, account, campaign (and currency if you like), in any order."},
		{"no header at all", []byte("2026-12-05,clicks,7,masto,\n"),
			"line 1: the header has no date, metric, value, account, campaign columns; the first line must name the columns: date, metric, value, account, campaign (and currency if you like), in any order."},
		{"a column twice", []byte("date,metric,value,account,campaign,Date\n"), "line 1: the column date is there twice; keep one."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			vs, bad, err := digest.ReadCSV(strings.NewReader(string(tc.data)), ingestNow, bucharest(t))
			require.Equal(t, crier.EINVALID, crier.ErrorCode(err), "%v", err)
			require.Equal(t, tc.want, crier.ErrorMessage(err))
			require.Nil(t, vs)
			require.Nil(t, bad)
		})
	}
}

func TestCSVCurrencyColumn(t *testing.T) {
	t.Parallel()
	_, bad, err := readCSV(t, "date,metric,value,account,campaign,currency\n"+
		"2026-12-05,clicks,7,,,EUR\n"+
		"2026-12-05,spend,7 USD,,,EUR\n"+
		"2026-12-05,spend,7,,,euro\n"+
		"2026-12-05,spend,7 eur,,,EUR\n")
	require.NoError(t, err)
	require.Equal(t, []string{
		"line 2: clicks is a count, not money: leave its currency empty (not EUR).",
		"line 3: the value says USD and the currency says EUR; write one currency.",
		`line 4: "euro" is not a currency; write its three-letter code, like EUR or USD.`,
	}, lines(bad))
}

func TestCSVQuotesThatDoNotCloseAreReportedByLine(t *testing.T) {
	t.Parallel()
	rows, bad, err := readCSV(t, "date,metric,value,account,campaign\n2026-12-05,clicks,7,masto,\n2026-12-05,reach,7 \"x,masto,\n2026-12-04,clicks,7,masto,\n")
	require.NoError(t, err)
	require.Equal(t, []string{
		`line 3: a " appears inside a field that is not in quotes; put the field in quotes and double the " inside it.`,
	}, lines(bad))
	require.Len(t, rows, 2)
	require.Equal(t, 4, rows[1].Line)
}

// fakeCampaigns is a CheckStore that answers like the SQLite store:
// ENOTFOUND for a name it does not have, and no values.
type fakeCampaigns map[string]crier.Campaign

func (f fakeCampaigns) Values(context.Context, string, string) ([]crier.Value, error) {
	return nil, nil
}

func (f fakeCampaigns) Campaign(_ context.Context, name string) (*crier.Campaign, error) {
	c, ok := f[strings.ToLower(name)]
	if !ok {
		return nil, crier.Errorf(crier.ENOTFOUND, "There is no campaign named %s; /campaign list shows them.", name)
	}
	return &c, nil
}

func TestCheckAgainstTheCampaigns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	stores := map[string]digest.CheckStore{
		"sqlite": openKPIStore(t, crier.NewManualClock(ingestNow)),
		"fake":   fakeCampaigns{"launch": {Name: "launch", Currency: "EUR", HasBudget: true, Budget: 500}, "organic": {Name: "organic"}},
	}
	for name, store := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			vs := []crier.Value{
				{Day: "2026-12-05", Metric: "spend", Campaign: "launch", Value: 120},                    // takes EUR
				{Day: "2026-12-05", Metric: "revenue", Campaign: "Launch", Value: 300, Currency: "USD"}, // not the campaign's
				{Day: "2026-12-05", Metric: "conversions", Campaign: "lanch", Value: 4},                 // no such campaign
				{Day: "2026-12-05", Metric: "conversions", Value: -1},
				{Day: "2026-12-05", Metric: "revenue", Campaign: "organic", Value: 10, Currency: "GBP"}, // no currency to match
				{Day: "2026-12-05", Metric: "clicks", Value: 3, Currency: "EUR"},
				{Day: "2026-12-05", Metric: "conversions", Campaign: "lanch", Value: 5},
			}
			bad, err := digest.Check(ctx, store, vs, "")
			require.NoError(t, err)
			require.Equal(t, []digest.RowError{
				{Index: 1, Message: "Campaign launch counts money in EUR, not USD; convert the revenue to EUR first."},
				{Index: 2, Message: "There is no campaign named lanch; create it first with /campaign new lanch, or check the spelling (/campaign list shows them)."},
				{Index: 3, Message: "conversions cannot be negative (-1); write 0 or more."},
				{Index: 5, Message: "clicks is a count, not money: leave its currency empty (not EUR)."},
				{Index: 6, Message: "There is no campaign named lanch; create it first with /campaign new lanch, or check the spelling (/campaign list shows them)."},
			}, bad)
			require.Equal(t, "EUR", vs[0].Currency, "a money value without a currency takes its campaign's")
			require.Equal(t, "GBP", vs[4].Currency)
		})
	}
}

// failingCampaigns is a store that cannot be read.
type failingCampaigns struct{}

func (failingCampaigns) Campaign(context.Context, string) (*crier.Campaign, error) {
	return nil, context.DeadlineExceeded
}

func (failingCampaigns) Values(context.Context, string, string) ([]crier.Value, error) {
	return nil, context.DeadlineExceeded
}

func TestCheckSaysWhenTheStoreFails(t *testing.T) {
	t.Parallel()
	_, err := digest.Check(context.Background(), failingCampaigns{}, []crier.Value{{Day: "2026-12-05", Metric: "clicks", Campaign: "launch", Value: 1}}, "")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	// A campaign without a currency: its amounts so far are read.
	store := readFails{fakeCampaigns{"organic": {Name: "organic"}}}
	_, err = digest.Check(context.Background(), store, []crier.Value{{Day: "2026-12-05", Metric: "spend", Campaign: "organic", Value: 1}}, "")
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

// readFails finds campaigns but cannot read values.
type readFails struct{ fakeCampaigns }

func (readFails) Values(context.Context, string, string) ([]crier.Value, error) {
	return nil, context.DeadlineExceeded
}

func TestCheckGivesAmountsWithoutACurrencyTheCampaignsElseTheDefault(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openKPIStore(t, crier.NewManualClock(ingestNow))
	vs := []crier.Value{
		{Day: "2026-12-05", Metric: "spend", Value: 10},                        // no campaign: the default
		{Day: "2026-12-05", Metric: "revenue", Campaign: "launch", Value: 20},  // the campaign's
		{Day: "2026-12-05", Metric: "spend", Campaign: "organic", Value: 30},   // a campaign without one: the default
		{Day: "2026-12-05", Metric: "clicks", Value: 40},                       // a count has none
		{Day: "2026-12-05", Metric: "revenue", Value: 50, Currency: "GBP"},     // typed
		{Day: "2026-12-04", Metric: "revenue", Campaign: "organic", Value: 60}, // organic's so far: USD
	}
	bad, err := digest.Check(ctx, db, vs, "USD")
	require.NoError(t, err)
	require.Empty(t, bad)
	var got []string
	for _, v := range vs {
		got = append(got, v.Currency)
	}
	require.Equal(t, []string{"USD", "EUR", "USD", "", "GBP", "USD"}, got)

	// Without a default, an amount without a currency stays without one.
	vs = []crier.Value{{Day: "2026-12-05", Metric: "spend", Value: 10}}
	bad, err = digest.Check(ctx, db, vs, "")
	require.NoError(t, err)
	require.Empty(t, bad)
	require.Empty(t, vs[0].Currency)
}

func TestCheckKeepsOneCurrencyInACampaignWithoutOne(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openKPIStore(t, crier.NewManualClock(ingestNow))
	require.NoError(t, db.AddCampaign(ctx, &crier.Campaign{Name: "fair", CreatedBy: "ana"}))
	require.NoError(t, db.SetValues(ctx, []crier.Value{
		{Day: "2026-12-01", Metric: "conversions", Campaign: "organic", Value: 3, Source: crier.SourceChat},
		{Day: "2026-12-02", Metric: "spend", Campaign: "organic", Value: 5, Currency: "GBP", Source: crier.SourceChat},
		{Day: "2026-12-02", Metric: "spend", Campaign: "launch", Value: 5, Currency: "EUR", Source: crier.SourceChat},
	}))
	vs := []crier.Value{
		{Day: "2026-12-05", Metric: "revenue", Campaign: "organic", Value: 10, Currency: "USD"}, // GBP so far
		{Day: "2026-12-05", Metric: "spend", Campaign: "organic", Value: 10},                    // takes GBP, not the default
		{Day: "2026-12-05", Metric: "spend", Campaign: "fair", Value: 10, Currency: "JPY"},      // fair's first amount
		{Day: "2026-12-05", Metric: "revenue", Campaign: "fair", Value: 10, Currency: "chf"},    // not the first's
		{Day: "2026-12-04", Metric: "revenue", Campaign: "fair", Value: 10},                     // takes JPY
	}
	bad, err := digest.Check(ctx, db, vs, "EUR")
	require.NoError(t, err)
	require.Equal(t, []digest.RowError{
		{Index: 0, Message: "Campaign organic counts money in GBP so far, not USD; convert the revenue to GBP first."},
		{Index: 3, Message: "Campaign fair counts money in JPY so far, not CHF; convert the revenue to JPY first."},
	}, bad)
	require.Equal(t, "GBP", vs[1].Currency)
	require.Equal(t, "JPY", vs[4].Currency)
}

func TestCSVCurrencyCodesMustBeISO(t *testing.T) {
	t.Parallel()
	rows, bad, err := readCSV(t, "date,metric,value,account,campaign,currency\n"+
		"2026-12-05,spend,7,,,XYZ\n"+
		"2026-12-05,revenue,7 ABC,,,\n"+
		"2026-12-04,spend,7,,,chf\n")
	require.NoError(t, err)
	require.Equal(t, []string{
		"line 2: XYZ is not a currency code; write one like EUR or USD.",
		"line 3: ABC is not a currency code; write one like EUR or USD.",
	}, lines(bad))
	require.Len(t, rows, 1)
	require.Equal(t, "CHF", rows[0].Value.Currency)
}

func TestCSVWithSemicolonsReadsDotsAsThousands(t *testing.T) {
	t.Parallel()
	semicolons, bad, err := digest.ReadCSV(strings.NewReader("date;metric;value;account;campaign\n"+
		"2026-12-05;reach;1.250;masto;\n2026-12-05;spend;1.250,5 EUR;;launch\n2026-12-05;revenue;12.500.000;;launch\n2026-12-05;clicks;12.50;masto;\n"),
		ingestNow, bucharest(t))
	require.NoError(t, err)
	require.Equal(t, []float64{1250, 1250.5, 12500000}, []float64{semicolons[0].Value, semicolons[1].Value, semicolons[2].Value})
	require.Equal(t, []string{"line 5: clicks is a count of whole things; type 13, not 12.50."}, lines(bad))

	// With commas, a dot is the decimal mark.
	commas, _, err := digest.ReadCSV(strings.NewReader("date,metric,value,account,campaign\n2026-12-05,spend,1.250,,launch\n"), ingestNow, bucharest(t))
	require.NoError(t, err)
	require.Equal(t, 1.25, commas[0].Value)
}
