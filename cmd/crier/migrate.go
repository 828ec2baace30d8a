package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/crier-bot/crier/internal/crier"
)

func (m *Main) runMigrate(ctx context.Context, args []string) error {
	fs := m.flags("migrate")
	cfgPath := fs.String("config", "bot.yaml", "configuration file")
	cfg, err := m.parseConfig(fs, cfgPath, args, "")
	if err != nil {
		return err
	}
	// Opening applies crier's and River's migrations.
	log := slog.New(slog.DiscardHandler)
	ch, err := newChats(cfg, m.Clock, log, crier.NopMetrics{}, logChat{log})
	if err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, ch, m.Clock, log)
	if err != nil {
		return err
	}
	if err := a.close(); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%s is up to date.\n", cfg.Database)
	return nil
}
