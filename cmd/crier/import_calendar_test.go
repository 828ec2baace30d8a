package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/sqlite"
	"github.com/crier-bot/crier/internal/crier"
)

// calendarConfig has two networks: sandbox (500 characters) and short (40).
var calendarConfig = strings.Replace(testConfig, "    limit: 500\n", `    limit: 500
  - name: short
    kind: file
    outbox: data/short/outbox.jsonl
    limit: 40
`, 1)

// calendarSetup is importSetup with calendarConfig, and a closed campaign
// spring beside the open launch.
func calendarSetup(t *testing.T) (cfgPath, dbPath string) {
	t.Helper()
	cfgPath, dbPath = importSetupWith(t, calendarConfig)
	db, err := sqlite.Open(context.Background(), dbPath, crier.NewManualClock(now))
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, db.AddCampaign(context.Background(), &crier.Campaign{Name: "spring", CreatedBy: "ana"}))
	_, err = db.CloseCampaign(context.Background(), "spring")
	require.NoError(t, err)
	return cfgPath, dbPath
}

func storedPosts(t *testing.T, dbPath string) []*crier.Post {
	t.Helper()
	db, err := sqlite.Open(context.Background(), dbPath, crier.NewManualClock(now))
	require.NoError(t, err)
	defer db.Close()
	posts, err := db.ListPosts(context.Background(), crier.PostFilter{})
	require.NoError(t, err)
	return posts
}

// goodCalendar has two scheduled posts and a draft (times in bot.yaml's
// Europe/Bucharest unless a row says otherwise).
const goodCalendar = "date,time,timezone,networks,text,images,campaign,text:short\n" +
	"2026-12-24,09:00,,sandbox short,\"Merry Christmas from all of us, and see you in January!\",https://example.com/tree.jpg|A tree with lights,launch,Merry Christmas!\n" +
	"2026-12-31,23:00,Europe/Lisbon,sandbox,Happy new year,,,\n" +
	",,,short,A draft for later,,,\n"

func TestImportCalendarSchedulesEveryRow(t *testing.T) {
	t.Parallel()
	cfg, db := calendarSetup(t)
	code, out, errOut := runImportCmd(t, "", "-config", cfg, writeCSV(t, goodCalendar))
	require.Equal(t, 0, code, errOut)
	require.Empty(t, errOut)
	require.Equal(t, "Imported 3 posts (2 scheduled, 1 draft): #1 to #3. /calendar shows them.\n", out)

	posts := storedPosts(t, db)
	require.Len(t, posts, 3)
	bucharest, _ := time.LoadLocation("Europe/Bucharest")
	lisbon, _ := time.LoadLocation("Europe/Lisbon")
	first, second, draft := posts[0], posts[1], posts[2]
	require.Equal(t, crier.PostScheduled, first.Status)
	require.True(t, first.DueAt.Equal(time.Date(2026, 12, 24, 9, 0, 0, 0, bucharest)), first.DueAt.String())
	require.Equal(t, []string{"sandbox", "short"}, first.Targets)
	require.Equal(t, map[string]string{"short": "Merry Christmas!"}, first.Variants)
	require.Equal(t, []crier.Image{{URL: "https://example.com/tree.jpg", Alt: "A tree with lights"}}, first.Images)
	require.Equal(t, "launch", first.Campaign)
	require.Len(t, first.Deliveries, 2)
	require.True(t, second.DueAt.Equal(time.Date(2026, 12, 31, 23, 0, 0, 0, lisbon)), second.DueAt.String())
	require.Equal(t, crier.PostDraft, draft.Status)
	require.Equal(t, "A draft for later", draft.Text)
	require.Equal(t, []string{"short"}, draft.Targets)

	// The same file again: the scheduled rows are there already.
	code, _, errOut = runImportCmd(t, "", "-config", cfg, writeCSV(t, goodCalendar))
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "the same post is scheduled already, as #1")
	require.Len(t, storedPosts(t, db), 3, "nothing imported twice")
}

// badCalendar has one good row and bad ones on lines 3 to 8.
const badCalendar = "date,time,timezone,networks,text,images,campaign\n" +
	"2026-12-24,09:00,,sandbox,Good,,\n" +
	"2026-12-32,09:00,,sandbox,Bad date,,\n" +
	"2026-12-24,09:00,,sandbx,Unknown network,,\n" +
	"2026-12-24,09:00,,short,This text is longer than forty characters for sure,,\n" +
	"2027-03-28,03:30,,sandbox,In the gap,,\n" +
	"2026-12-24,09:00,,sandbox,Closed campaign,,spring\n" +
	"2026-11-20,09:00,,sandbox,Passed,,\n"

func TestImportCalendarWithABadRowImportsNothing(t *testing.T) {
	t.Parallel()
	cfg, db := calendarSetup(t)
	code, out, errOut := runImportCmd(t, "", "-config", cfg, writeCSV(t, badCalendar))
	require.Equal(t, 1, code)
	require.Empty(t, out)
	require.Equal(t, `line 3: "2026-12-32" is not a date crier reads; write it as year-month-day, like 2026-12-24.
line 4: there is no network called "sandbx"; did you mean sandbox? Known: sandbox, short.
line 5: the text is 10 characters too long for short (50/40). Shorten it and try again.
line 6: 03:30 does not exist on 2027-03-28 in Europe/Bucharest (the clocks jump forward then); pick another time, like 04:30.
line 7: campaign spring is closed; empty the campaign cell, or make a new campaign with /campaign new <name>.
line 8: 2026-11-20 09:00 in Europe/Bucharest has passed; pick a later time, or leave the date and time empty for a draft.
crier: Nothing was imported: 6 rows are bad (listed above). Fix them and import the file again, or add -skip-bad-rows to import the 1 good ones.
`, errOut)
	require.Empty(t, storedPosts(t, db))

	code, out, errOut = runImportCmd(t, "", "-config", cfg, writeCSV(t, badCalendar), "-skip-bad-rows")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "Imported 1 post (1 scheduled): #1; skipped 6 bad rows (listed above). /calendar shows them.\n", out)
	posts := storedPosts(t, db)
	require.Len(t, posts, 1)
	require.Equal(t, "Good", posts[0].Text)
}

func TestImportCalendarRefusesAWrongSeparatorOrEncoding(t *testing.T) {
	t.Parallel()
	const saveAs = "save it as UTF-8 CSV (in Excel: File → Save As → “CSV UTF-8”; in LibreOffice: character set Unicode (UTF-8)) and import it again."
	tests := []struct{ name, file, want string }{
		{"columns separated by |", "date|time|timezone|networks|text\n2026-12-24|09:00||sandbox|Hi\n",
			`line 1: the columns are separated by "|", which crier does not read; save the file with commas (or semicolons) between the columns: date,time,timezone,networks,text,images,campaign.`},
		{"a file in Windows-1252", "date,time,timezone,networks,text\n2026-12-24,09:00,,sandbox,Caf\xe9 opens\n",
			"The file is not UTF-8 (line 2 has a character in another encoding, like Windows-1252); " + saveAs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, db := calendarSetup(t)
			path := writeCSV(t, tt.file)
			code, out, errOut := runImportCmd(t, "", "-config", cfg, path)
			require.Equal(t, 1, code)
			require.Empty(t, out)
			require.Equal(t, "crier: "+path+": "+tt.want+"\n", errOut)
			require.Empty(t, storedPosts(t, db))
		})
	}
}

func TestImportCalendarTakesSemicolonsFromStandardInput(t *testing.T) {
	t.Parallel()
	cfg, db := calendarSetup(t)
	code, out, errOut := runImportCmd(t, "date;time;networks;text\n2026-12-24;9am;sandbox;\"Hello; world\"\n", "-config", cfg, "-")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "Imported 1 post (1 scheduled): #1. /calendar shows them.\n", out)
	require.Equal(t, "Hello; world", storedPosts(t, db)[0].Text)
}

func TestImportCalendarWithoutADatabaseCreatesNone(t *testing.T) {
	t.Parallel()
	cfg := writeConfig(t, calendarConfig)
	code, _, errOut := runImportCmd(t, "", "-config", cfg, writeCSV(t, goodCalendar))
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "There is no database at ")
	_, err := os.Stat(filepath.Join(filepath.Dir(cfg), "data", "crier.db"))
	require.ErrorIs(t, err, os.ErrNotExist)
}
