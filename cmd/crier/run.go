package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/crier-bot/crier/internal/crier"
)

func (m *Main) runBot(ctx context.Context, args []string) error {
	fs := m.flags("run")
	opts := m.botFlags(fs, "info")
	cfg, log, err := m.parseBot(fs, opts, args, "")
	if err != nil {
		return err
	}
	// Chat platforms (Slack, Discord) plug in here; until one is configured,
	// results are reported to the log.
	a, err := openApp(ctx, cfg, logNotifier{log}, m.Clock, log)
	if err != nil {
		return err
	}
	if err := a.start(ctx); err != nil {
		_ = a.stop(time.Second)
		return err
	}
	log.Info("crier is running", slog.String("database", cfg.Database), slog.Int("networks", len(cfg.Networks)))
	<-ctx.Done()
	log.Info("stopping")
	return a.stop(30 * time.Second)
}

// logNotifier reports notices to the log when no chat platform is connected.
type logNotifier struct{ log *slog.Logger }

func (n logNotifier) Notify(_ context.Context, notice crier.Notice) error {
	n.log.Info(notice.Text, slog.String("channel", notice.Channel.ID))
	return nil
}
