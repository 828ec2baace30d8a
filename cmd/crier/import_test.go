package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/sqlite"
	"github.com/crier-bot/crier/internal/config"
	"github.com/crier-bot/crier/internal/crier"
)

// importSetup writes a bot.yaml and a database with campaign launch
// (budget in EUR); it returns the config's path and the database's.
func importSetup(t *testing.T) (cfgPath, dbPath string) {
	t.Helper()
	return importSetupWith(t, testConfig)
}

// importSetupWith is importSetup with the bot.yaml body.
func importSetupWith(t *testing.T, body string) (cfgPath, dbPath string) {
	t.Helper()
	cfgPath = writeConfig(t, body)
	cfg, err := config.Load(cfgPath)
	require.NoError(t, err)
	ctx := context.Background()
	db, err := sqlite.Open(ctx, cfg.Database, crier.NewManualClock(now))
	require.NoError(t, err)
	require.NoError(t, db.AddCampaign(ctx, &crier.Campaign{Name: "launch", Budget: 500, HasBudget: true, Currency: "EUR", CreatedBy: "ana"}))
	require.NoError(t, db.Close())
	return cfgPath, cfg.Database
}

// runImportCmd runs crier import as crier does.
func runImportCmd(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return run(t, crier.NewManualClock(now), stdin, append([]string{"import"}, args...)...)
}

func storedValues(t *testing.T, dbPath string) []crier.Value {
	t.Helper()
	db, err := sqlite.Open(context.Background(), dbPath, crier.NewManualClock(now))
	require.NoError(t, err)
	defer db.Close()
	vs, err := db.Values(context.Background(), "2000-01-01", "2100-01-01")
	require.NoError(t, err)
	return vs
}

func writeCSV(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kpis.csv")
	require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
	return path
}

// kpisWithBadRows has two good rows and bad ones on lines 3, 5 and 6.
const kpisWithBadRows = "date,metric,value,account,campaign\n" +
	"2026-11-01,conversions,42,,launch\n" +
	"2026-11-02,convresions,40,,launch\n" +
	"2026-11-20,spend,120.50,,launch\n" +
	"2026-11-24,clicks,7,masto,\n" +
	"2026-11-21,revenue,300 USD,,launch\n"

func TestImportWithABadRowImportsNothing(t *testing.T) {
	t.Parallel()
	cfg, db := importSetup(t)
	code, out, errOut := runImportCmd(t, "", "-config", cfg, writeCSV(t, kpisWithBadRows))
	require.Equal(t, 1, code)
	require.Empty(t, out)
	require.Equal(t, `line 3: crier knows no number called "convresions". Did you mean conversions? /kpi help lists them.
line 5: 2026-11-24 is in the future; numbers are for today or earlier.
line 6: Campaign launch counts money in EUR, not USD; convert the revenue to EUR first.
crier: Nothing was imported: 3 rows are bad (listed above). Fix them and import the file again, or add -skip-bad-rows to import the 2 good ones.
`, errOut)
	require.Empty(t, storedValues(t, db))
}

func TestImportSkipBadRowsImportsTheGoodOnes(t *testing.T) {
	t.Parallel()
	cfg, db := importSetup(t)
	csv := writeCSV(t, kpisWithBadRows)
	for _, args := range [][]string{
		{"-config", cfg, "--skip-bad-rows", csv},
		{"-config", cfg, csv, "-skip-bad-rows"}, // flags after the file work too
	} {
		code, out, errOut := runImportCmd(t, "", args...)
		require.Equal(t, 0, code, errOut)
		require.Equal(t, "Imported 2 numbers for 2026-11-01 to 2026-11-20; skipped 3 bad rows (listed above).\n", out)
		require.Equal(t, 3, strings.Count(errOut, "\n"), errOut)
		require.True(t, strings.HasPrefix(errOut, "line 3: "), errOut)
	}
	require.Equal(t, []crier.Value{
		{Day: "2026-11-01", Metric: "conversions", Campaign: "launch", Value: 42, Source: crier.SourceImport, SetBy: "import"},
		{Day: "2026-11-20", Metric: "spend", Campaign: "launch", Value: 120.5, Currency: "EUR", Source: crier.SourceImport, SetBy: "import"},
	}, storedValues(t, db))
}

func TestImportAGoodFile(t *testing.T) {
	t.Parallel()
	cfg, db := importSetup(t)
	// Semicolons, a BOM and CRLF, as a spreadsheet in many countries saves it.
	csv := writeCSV(t, "\uFEFFDate;Metric;Value;Account;Campaign\r\n2026-11-23;reach;1.250;masto;\r\n2026-11-01;spend;99,90;;launch\r\n2026-11-22;clicks;8;;\r\n")
	code, out, errOut := runImportCmd(t, "", "-config", cfg, csv)
	require.Equal(t, 0, code, errOut)
	require.Empty(t, errOut)
	require.Equal(t, "Imported 3 numbers for 2026-11-01 to 2026-11-23.\n", out)
	require.Len(t, storedValues(t, db), 3)

	// From standard input; importing again replaces, it does not add.
	code, out, errOut = runImportCmd(t, "date,metric,value,account,campaign\n2026-11-23,reach,1300,masto,\n", "-config", cfg, "-")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "Imported 1 number for 2026-11-23.\n", out)
	vs := storedValues(t, db)
	require.Len(t, vs, 3)
	require.Equal(t, float64(1300), vs[2].Value)
}

func TestImportRefusesAFileInAnotherEncoding(t *testing.T) {
	t.Parallel()
	cfg, db := importSetup(t)
	utf16 := []byte{0xFF, 0xFE}
	for _, r := range "date,metric,value,account,campaign\r\n2026-11-20,clicks,7,masto,\r\n" {
		utf16 = append(utf16, byte(r), 0)
	}
	latin1 := "date,metric,value,account,campaign\n2026-11-20,clicks,7,Caf\xe9,\n"
	for name, body := range map[string]string{"UTF-16": string(utf16), "Windows-1252": latin1} {
		t.Run(name, func(t *testing.T) {
			csv := writeCSV(t, body)
			code, out, errOut := runImportCmd(t, "", "-config", cfg, csv)
			require.Equal(t, 1, code)
			require.Empty(t, out)
			require.Equal(t, 1, strings.Count(errOut, "\n"), "one line: %s", errOut)
			require.Contains(t, errOut, "crier: "+csv+": The file ")
			require.Contains(t, errOut, "save it as UTF-8 CSV")
		})
	}
	require.Empty(t, storedValues(t, db))
}

func TestImportSaysWhatIsMissing(t *testing.T) {
	t.Parallel()
	cfg, _ := importSetup(t)
	code, _, errOut := runImportCmd(t, "", "-config", cfg)
	require.Equal(t, 2, code)
	require.Equal(t, "crier: usage: give one CSV file to import, like: crier import kpis.csv\n", errOut)

	code, _, errOut = runImportCmd(t, "", "-config", cfg, filepath.Join(t.TempDir(), "nope.csv"))
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "There is no file ")

	// A bot.yaml whose database was never made: nothing is created.
	other := writeConfig(t, testConfig)
	code, _, errOut = runImportCmd(t, "", "-config", other, writeCSV(t, "date,metric,value,account,campaign\n2026-11-20,clicks,7,,\n"))
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "There is no database at ")
	_, err := os.Stat(filepath.Join(filepath.Dir(other), "data", "crier.db"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestImportGivesAmountsTheDefaultCurrencyAndKeepsACampaignInOne(t *testing.T) {
	t.Parallel()
	cfg, dbPath := importSetupWith(t, testConfig+"metrics:\n  currency: USD\n")
	db, err := sqlite.Open(context.Background(), dbPath, crier.NewManualClock(now))
	require.NoError(t, err)
	require.NoError(t, db.AddCampaign(context.Background(), &crier.Campaign{Name: "fair", CreatedBy: "ana"})) // no budget: no currency
	require.NoError(t, db.Close())

	csv := writeCSV(t, "date,metric,value,account,campaign,currency\n"+
		"2026-11-20,spend,10,,,\n"+ // the default
		"2026-11-20,revenue,20,,launch,\n"+ // the campaign's
		"2026-11-20,spend,30,,fair,\n"+ // the default, and from now on fair's
		"2026-11-21,revenue,40,,fair,GBP\n"+
		"2026-11-21,spend,50,,,XYZ\n")
	code, out, errOut := runImportCmd(t, "", "-config", cfg, "-skip-bad-rows", csv)
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "line 5: Campaign fair counts money in USD so far, not GBP; convert the revenue to USD first.\n"+
		"line 6: XYZ is not a currency code; write one like EUR or USD.\n", errOut)
	require.Equal(t, "Imported 3 numbers for 2026-11-20; skipped 2 bad rows (listed above).\n", out)
	require.Equal(t, []crier.Value{
		{Day: "2026-11-20", Metric: "revenue", Campaign: "launch", Value: 20, Currency: "EUR", Source: crier.SourceImport, SetBy: "import"},
		{Day: "2026-11-20", Metric: "spend", Value: 10, Currency: "USD", Source: crier.SourceImport, SetBy: "import"},
		{Day: "2026-11-20", Metric: "spend", Campaign: "fair", Value: 30, Currency: "USD", Source: crier.SourceImport, SetBy: "import"},
	}, storedValues(t, dbPath))
}
