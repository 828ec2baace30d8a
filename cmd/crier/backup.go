package main

import (
	"context"
	"fmt"

	"github.com/crier-bot/crier/adapters/sqlite"
	"github.com/crier-bot/crier/internal/config"
)

func (m *Main) runBackup(ctx context.Context, args []string) error {
	fs := m.flags("backup")
	cfgPath := fs.String("config", "bot.yaml", "configuration file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: give the backup's file name, like: crier backup backups/crier-2026-11-23.db", errUsage)
	}
	cfg, err := config.LoadWith(*cfgPath, m.Getenv)
	if err != nil {
		return err
	}
	if err := sqlite.Backup(ctx, cfg.Database, fs.Arg(0)); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "Copied %s to %s.\n", cfg.Database, fs.Arg(0))
	return nil
}
