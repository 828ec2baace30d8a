package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"strings"

	"github.com/crier-bot/crier/adapters/sqlite"
	"github.com/crier-bot/crier/internal/calendarcsv"
	"github.com/crier-bot/crier/internal/config"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/digest"
)

// runImport stores the numbers of a CSV file (date, metric, value, account,
// campaign, and currency if wanted; an amount without one takes its
// campaign's, else bot.yaml's metrics.currency): all of them, or, when a row is bad,
// none (every bad row is listed on stderr by its line); -skip-bad-rows
// stores the good rows and lists the bad ones. "-" reads standard input.
// A file whose header has the calendar's columns (date, time, networks,
// text, …) is a calendar instead: its posts are scheduled the same way
// (importCalendar).
func (m *Main) runImport(ctx context.Context, args []string) error {
	fset := m.flags("import")
	cfgPath := fset.String("config", "bot.yaml", "configuration file")
	skip := fset.Bool("skip-bad-rows", false, "import the good rows even when some are bad (the bad ones are still listed)")
	// Flags may come after the file too: crier import kpis.csv -skip-bad-rows.
	var files []string
	for {
		if err := fset.Parse(args); err != nil {
			return err
		}
		if fset.NArg() == 0 {
			break
		}
		files, args = append(files, fset.Arg(0)), fset.Args()[1:]
	}
	if len(files) != 1 {
		return fmt.Errorf("%w: give one CSV file to import, like: crier import kpis.csv", errUsage)
	}
	name := files[0]
	cfg, err := config.LoadWith(*cfgPath, m.Getenv)
	if err != nil {
		return err
	}

	var in io.Reader = m.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if errors.Is(err, fs.ErrNotExist) {
			return crier.Errorf(crier.EINVALID, "There is no file %s; give the path of the CSV file to import.", name)
		}
		if err != nil {
			return fmt.Errorf("import %s: %w", name, err)
		}
		defer f.Close()
		in = f
	}
	data, err := io.ReadAll(in)
	if err != nil {
		return fmt.Errorf("import %s: %w", name, err)
	}
	if calendarcsv.IsCalendar(data) {
		return m.importCalendar(ctx, cfg, name, data, *skip)
	}
	rows, bad, err := digest.ReadCSVRows(bytes.NewReader(data), m.Clock.Now(), cfg.Location)
	if err != nil {
		if crier.ErrorCode(err) != crier.EINTERNAL {
			return crier.Errorf(crier.ErrorCode(err), "%s: %s", name, crier.ErrorMessage(err))
		}
		return fmt.Errorf("import %s: %w", name, err)
	}

	// A wrong -config must not create a new, empty database nobody reads.
	if _, err := os.Stat(cfg.Database); errors.Is(err, fs.ErrNotExist) {
		return crier.Errorf(crier.EINVALID, "There is no database at %s yet; run crier migrate first, or point -config at the bot.yaml crier runs with.", cfg.Database)
	}
	db, err := sqlite.Open(ctx, cfg.Database, m.Clock)
	if crier.ErrorCode(err) == crier.ECONFLICT {
		return crier.Errorf(crier.ECONFLICT, "crier is running on %s, so import cannot write to it; stop crier and import again, or send the numbers to POST /api/metrics while it runs.", cfg.Database)
	}
	if err != nil {
		return err
	}
	defer db.Close()

	vs := make([]crier.Value, len(rows))
	for i, r := range rows {
		vs[i] = r.Value
	}
	checked, err := digest.Check(ctx, db, vs, cfg.Metrics.Currency)
	if err != nil {
		return fmt.Errorf("import %s: %w", name, err)
	}
	badLine := map[int]bool{}
	for _, e := range bad {
		badLine[e.Line] = true
	}
	for _, e := range checked {
		e.Line = rows[e.Index].Line
		badLine[e.Line] = true
		bad = append(bad, e)
	}
	slices.SortStableFunc(bad, func(a, b digest.RowError) int { return a.Line - b.Line })
	for _, e := range bad {
		fmt.Fprintln(m.Stderr, e.Error())
	}

	var good []crier.Value
	for i, r := range rows {
		if !badLine[r.Line] {
			good = append(good, vs[i])
		}
	}
	rowsWord := func(n int) string {
		if n == 1 {
			return "1 row is"
		}
		return fmt.Sprintf("%d rows are", n)
	}
	switch {
	case len(badLine) > 0 && !*skip:
		hint := "Fix them and import the file again"
		if len(good) > 0 {
			hint += fmt.Sprintf(", or add -skip-bad-rows to import the %d good ones", len(good))
		}
		return crier.Errorf(crier.EINVALID, "Nothing was imported: %s bad (listed above). %s.", rowsWord(len(badLine)), hint)
	case len(good) == 0 && len(badLine) > 0:
		return crier.Errorf(crier.EINVALID, "Nothing was imported: every row is bad (listed above).")
	case len(good) == 0:
		return crier.Errorf(crier.EINVALID, "%s has no numbers under its header line; nothing was imported.", name)
	}
	if err := db.SetValues(ctx, good); err != nil {
		return fmt.Errorf("import %s: %w", name, err)
	}
	first, last := good[0].Day, good[0].Day
	for _, v := range good {
		first, last = min(first, v.Day), max(last, v.Day)
	}
	days := "for " + first
	if last != first {
		days += " to " + last
	}
	numbers := "numbers"
	if len(good) == 1 {
		numbers = "number"
	}
	skipped := ""
	if len(badLine) > 0 {
		skipped = fmt.Sprintf("; skipped %d bad rows (listed above)", len(badLine))
		if len(badLine) == 1 {
			skipped = "; skipped 1 bad row (listed above)"
		}
	}
	fmt.Fprintf(m.Stdout, "Imported %d %s %s%s.\n", len(good), numbers, days, skipped)
	return nil
}

// importCalendar schedules the posts of a calendar file (see package
// calendarcsv for its columns), each checked as /schedule checks one: the
// networks' limits (as the networks publish them), the campaign, the time.
// Every row is checked before anything is stored; when a row is bad nothing
// is stored (every bad row is listed on stderr by its line), unless skip.
// Imported posts report their results to crier's log, as they came from no
// chat channel.
func (m *Main) importCalendar(ctx context.Context, cfg *config.Config, name string, data []byte, skip bool) error {
	// A wrong -config must not create a new, empty database nobody reads.
	if _, err := os.Stat(cfg.Database); errors.Is(err, fs.ErrNotExist) {
		return crier.Errorf(crier.EINVALID, "There is no database at %s yet; run crier migrate first, or point -config at the bot.yaml crier runs with.", cfg.Database)
	}
	log := slog.New(slog.DiscardHandler)
	ch, err := newChats(cfg, m.Clock, log, crier.NopMetrics{}, logChat{log})
	if err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, ch, m.Clock, log)
	if crier.ErrorCode(err) == crier.ECONFLICT {
		return crier.Errorf(crier.ECONFLICT, "crier is running on %s, so import cannot write to it; stop crier and import again.", cfg.Database)
	}
	if err != nil {
		return err
	}
	defer a.close()
	a.refresh(ctx) // Mastodon's limit is the instance's

	posts, bad, err := calendarcsv.Read(ctx, bytes.NewReader(data), calendarcsv.Options{
		Now: m.Clock.Now(), Location: cfg.Location, Networks: a.pub.Targets(), Campaigns: a.db,
		Check: func(p *crier.Post) error { return a.pub.CheckImported(ctx, p) },
	})
	if err != nil {
		if crier.ErrorCode(err) != crier.EINTERNAL {
			return crier.Errorf(crier.ErrorCode(err), "%s: %s", name, crier.ErrorMessage(err))
		}
		return fmt.Errorf("import %s: %w", name, err)
	}
	badLines := map[int]bool{}
	for _, e := range bad {
		fmt.Fprintln(m.Stderr, e.Error())
		badLines[e.Line] = true
	}
	rowsWord := func(n int) string {
		if n == 1 {
			return "1 row is"
		}
		return fmt.Sprintf("%d rows are", n)
	}
	switch {
	case len(badLines) > 0 && !skip:
		hint := "Fix them and import the file again"
		if len(posts) > 0 {
			hint += fmt.Sprintf(", or add -skip-bad-rows to import the %d good ones", len(posts))
		}
		return crier.Errorf(crier.EINVALID, "Nothing was imported: %s bad (listed above). %s.", rowsWord(len(badLines)), hint)
	case len(posts) == 0 && len(badLines) > 0:
		return crier.Errorf(crier.EINVALID, "Nothing was imported: every row is bad (listed above).")
	case len(posts) == 0:
		return crier.Errorf(crier.EINVALID, "%s has no posts under its header line; nothing was imported.", name)
	}

	for _, p := range posts {
		p.AuthorID, p.AuthorName = "import", "crier import"
	}
	// All or nothing: one transaction.
	if err := a.pub.ScheduleAll(ctx, posts); err != nil {
		if code := crier.ErrorCode(err); code != crier.EINTERNAL {
			return crier.Errorf(code, "%s: nothing was imported: %s", name, crier.ErrorMessage(err))
		}
		return fmt.Errorf("import %s: nothing was imported: %w", name, err)
	}
	scheduled, drafts := 0, 0
	for _, p := range posts {
		if p.Status == crier.PostDraft {
			drafts++
		} else {
			scheduled++
		}
	}
	var what []string
	if scheduled > 0 {
		what = append(what, fmt.Sprintf("%d scheduled", scheduled))
	}
	if drafts > 0 {
		what = append(what, calendarCount(drafts, "draft", "drafts"))
	}
	skipped := ""
	if len(badLines) > 0 {
		skipped = "; skipped " + calendarCount(len(badLines), "bad row", "bad rows") + " (listed above)"
	}
	fmt.Fprintf(m.Stdout, "Imported %s (%s): %s%s. /calendar shows them.\n",
		calendarCount(len(posts), "post", "posts"), strings.Join(what, ", "), idRange(posts), skipped)
	return nil
}

// calendarCount is "1 post" or "3 posts".
func calendarCount(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// idRange names stored posts by number: "#4", or "#4 to #9".
func idRange(posts []*crier.Post) string {
	first, last := posts[0].ID, posts[len(posts)-1].ID
	if first == last {
		return fmt.Sprintf("#%d", first)
	}
	return fmt.Sprintf("#%d to #%d", first, last)
}
