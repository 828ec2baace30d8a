package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"

	"github.com/crier-bot/crier/adapters/sqlite"
	"github.com/crier-bot/crier/internal/config"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/digest"
)

// runImport stores the numbers of a CSV file (date, metric, value, account,
// campaign, and currency if wanted; an amount without one takes its
// campaign's, else bot.yaml's metrics.currency): all of them, or, when a row is bad,
// none (every bad row is listed on stderr by its line); -skip-bad-rows
// stores the good rows and lists the bad ones. "-" reads standard input.
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
	rows, bad, err := digest.ReadCSVRows(in, m.Clock.Now(), cfg.Location)
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
