package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/internal/crier"
)

func runExportCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return run(t, crier.NewManualClock(now), "", append([]string{"export"}, args...)...)
}

// calendarOf is what a calendar file keeps of posts.
func calendarOf(posts []*crier.Post) []crier.Post {
	var out []crier.Post
	for _, p := range posts {
		out = append(out, crier.Post{Status: p.Status, DueAt: p.DueAt.UTC(), Targets: p.Targets, Text: p.Text,
			Variants: p.Variants, Images: p.Images, Campaign: p.Campaign})
	}
	return out
}

func TestExportWritesWhatImportReadsBack(t *testing.T) {
	t.Parallel()
	cfg, db := calendarSetup(t)
	code, _, errOut := runImportCmd(t, "", "-config", cfg, writeCSV(t, goodCalendar))
	require.Equal(t, 0, code, errOut)

	file := filepath.Join(t.TempDir(), "calendar.csv")
	code, out, errOut := runExportCmd(t, "-config", cfg, file)
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "Wrote 3 posts (2 scheduled, 1 draft) to "+file+".\n", out)
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	require.Equal(t, "\uFEFFdate,time,timezone,networks,text,images,campaign,text:short\n"+
		"2026-12-24,09:00,Europe/Bucharest,sandbox short,\"Merry Christmas from all of us, and see you in January!\",https://example.com/tree.jpg|A tree with lights,launch,Merry Christmas!\n"+
		"2027-01-01,01:00,Europe/Bucharest,sandbox,Happy new year,,,\n"+
		",,,short,A draft for later,,,\n", string(data))

	// Into another database: the same posts.
	cfg2, db2 := calendarSetup(t)
	code, _, errOut = runImportCmd(t, "", "-config", cfg2, file)
	require.Equal(t, 0, code, errOut)
	require.Equal(t, calendarOf(storedPosts(t, db)), calendarOf(storedPosts(t, db2)))
}

func TestExportToStandardOutput(t *testing.T) {
	t.Parallel()
	cfg, _ := calendarSetup(t)
	code, _, errOut := runImportCmd(t, "", "-config", cfg, writeCSV(t, goodCalendar))
	require.Equal(t, 0, code, errOut)
	code, out, errOut := runExportCmd(t, "-config", cfg, "-")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "\n,,,short,A draft for later,,,\n")
}

func TestExportDoesNotReplaceAFileUnlessForced(t *testing.T) {
	t.Parallel()
	cfg, _ := calendarSetup(t)
	file := filepath.Join(t.TempDir(), "calendar.csv")
	require.NoError(t, os.WriteFile(file, []byte("my edits\n"), 0o600))
	code, out, errOut := runExportCmd(t, "-config", cfg, file)
	require.Equal(t, 1, code)
	require.Empty(t, out)
	require.Equal(t, "crier: "+file+" already exists; give another file name, or add -force to replace it.\n", errOut)
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	require.Equal(t, "my edits\n", string(data))

	code, out, errOut = runExportCmd(t, "-config", cfg, file, "-force")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "Wrote 0 posts (0 scheduled, 0 drafts) to "+file+".\n", out)
	data, err = os.ReadFile(file)
	require.NoError(t, err)
	require.Equal(t, "\uFEFFdate,time,timezone,networks,text,images,campaign\n", string(data))
}

func TestExportWithoutADatabaseCreatesNone(t *testing.T) {
	t.Parallel()
	cfg := writeConfig(t, calendarConfig)
	code, _, errOut := runExportCmd(t, "-config", cfg, filepath.Join(t.TempDir(), "calendar.csv"))
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "There is no database at ")
	_, err := os.Stat(filepath.Join(filepath.Dir(cfg), "data", "crier.db"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestExportNeedsOneFile(t *testing.T) {
	t.Parallel()
	code, _, errOut := runExportCmd(t)
	require.Equal(t, 2, code)
	require.Equal(t, "crier: usage: give the CSV file to write the calendar to, like: crier export calendar.csv\n", errOut)
}
