package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/crier-bot/crier/adapters/sqlite"
	"github.com/crier-bot/crier/internal/calendarcsv"
	"github.com/crier-bot/crier/internal/config"
	"github.com/crier-bot/crier/internal/crier"
)

// runExport writes the calendar, the scheduled posts (by time) and the
// drafts (oldest first), to a CSV file in the format crier import reads
// (package calendarcsv), with times in bot.yaml's timezone. "-" writes to
// standard output. An existing file is replaced only with -force.
func (m *Main) runExport(ctx context.Context, args []string) error {
	fset := m.flags("export")
	cfgPath := fset.String("config", "bot.yaml", "configuration file")
	force := fset.Bool("force", false, "replace the file when it exists")
	// Flags may come after the file too: crier export calendar.csv -force.
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
		return fmt.Errorf("%w: give the CSV file to write the calendar to, like: crier export calendar.csv", errUsage)
	}
	name := files[0]
	cfg, err := config.LoadWith(*cfgPath, m.Getenv)
	if err != nil {
		return err
	}
	if name != "-" && !*force {
		if _, err := os.Stat(name); err == nil {
			return crier.Errorf(crier.ECONFLICT, "%s already exists; give another file name, or add -force to replace it.", name)
		}
	}

	posts, err := m.calendarPosts(ctx, cfg)
	if err != nil {
		return err
	}
	if name == "-" {
		if err := calendarcsv.Write(m.Stdout, posts, cfg.Location); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		return nil
	}
	if err := writeFileAtomically(name, func(w io.Writer) error { return calendarcsv.Write(w, posts, cfg.Location) }); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return crier.Errorf(crier.EINVALID, "There is no folder %s to write %s in; create it first, or give another path.", filepath.Dir(name), filepath.Base(name))
		}
		return fmt.Errorf("export %s: %w", name, err)
	}
	drafts := 0
	for _, p := range posts {
		if p.Status == crier.PostDraft {
			drafts++
		}
	}
	fmt.Fprintf(m.Stdout, "Wrote %s (%d scheduled, %s) to %s.\n",
		calendarCount(len(posts), "post", "posts"), len(posts)-drafts, calendarCount(drafts, "draft", "drafts"), name)
	return nil
}

// calendarPosts reads the scheduled posts by time, then the drafts oldest
// first (so that importing the file makes them in the same order).
func (m *Main) calendarPosts(ctx context.Context, cfg *config.Config) ([]*crier.Post, error) {
	// A wrong -config must not create a new, empty database nobody reads.
	if _, err := os.Stat(cfg.Database); errors.Is(err, fs.ErrNotExist) {
		return nil, crier.Errorf(crier.EINVALID, "There is no database at %s yet; run crier migrate first, or point -config at the bot.yaml crier runs with.", cfg.Database)
	}
	db, err := sqlite.Open(ctx, cfg.Database, m.Clock)
	if crier.ErrorCode(err) == crier.ECONFLICT {
		return nil, crier.Errorf(crier.ECONFLICT, "crier is running on %s, so export cannot read it; stop crier and export again, or see the plan with /calendar in chat.", cfg.Database)
	}
	if err != nil {
		return nil, err
	}
	defer db.Close()
	posts, err := db.ListPosts(ctx, crier.PostFilter{Statuses: []crier.PostStatus{crier.PostScheduled, crier.PostDraft}})
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	// A post that waits for approval (or was not approved) is left out: a
	// spreadsheet has no approvals, and importing it back would schedule it.
	posts = slices.DeleteFunc(posts, func(p *crier.Post) bool { return p.Held() })
	slices.SortStableFunc(posts, func(a, b *crier.Post) int {
		ad, bd := a.Status == crier.PostDraft, b.Status == crier.PostDraft
		switch {
		case ad != bd && ad:
			return 1
		case ad != bd:
			return -1
		case ad:
			return cmp.Compare(a.ID, b.ID)
		}
		return cmp.Or(a.DueAt.Compare(b.DueAt), cmp.Compare(a.ID, b.ID))
	})
	return posts, nil
}

// writeFileAtomically writes name through write: to a temporary file next
// to it, renamed over it once complete, so a failed export leaves no half
// file.
func writeFileAtomically(name string, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if err := write(f); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), name)
}
