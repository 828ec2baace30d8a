package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/crier-bot/crier/adapters/shell"
	"github.com/crier-bot/crier/internal/crier"
)

// drainLimit bounds how long the shell waits, at the end of its input, for
// posts already due to be published, and drainAhead is how far ahead it
// looks for retries and rate-limit waits that end soon.
const (
	drainLimit = 2 * time.Minute
	drainAhead = 30 * time.Second
)

func (m *Main) runShell(ctx context.Context, args []string) error {
	fs := m.flags("shell")
	opts := m.botFlags(fs, "warn")
	user := fs.String("user", "", "your name in the shell chat (default: chat.shell.user in bot.yaml)")
	channel := fs.String("channel", "", "the channel you type in (default: chat.shell.channel in bot.yaml)")
	cfg, log, err := m.parseBot(fs, opts, args, "; pipe commands in or type them")
	if err != nil {
		return err
	}
	u, ch := "you", "general"
	if cfg.Chat.Shell != nil {
		u, ch = cfg.Chat.Shell.User, cfg.Chat.Shell.Channel
	}
	if *user != "" {
		u = *user
	}
	if *channel != "" {
		ch = *channel
	}
	sh := shell.New(m.Stdin, m.Stdout, crier.User{ID: u, Name: u, Timezone: cfg.Timezone, Roles: cfg.RolesFor(u, u)}, ch)

	// Slack networks publish through the Slack adapter even from the shell.
	chs, err := newChats(cfg, m.Clock, log, crier.NopMetrics{}, sh)
	if err != nil {
		return err
	}
	chs.notifier = sh // the shell shows every notice
	a, err := openApp(ctx, cfg, chs, m.Clock, log)
	if err != nil {
		return err
	}
	if err := a.start(ctx); err != nil {
		_ = a.stop(time.Second)
		return err
	}
	runErr := sh.Run(ctx, a.router)
	if ctx.Err() == nil {
		// End of input: publish what is due, or soon due, before leaving.
		dctx, cancel := context.WithTimeout(ctx, drainLimit)
		if err := a.pub.WaitIdleWithin(dctx, drainAhead); err != nil {
			log.Warn("stopped waiting for due posts; they go out at the next start", slog.Any("error", err))
		}
		cancel()
		sayWhatIsLeft(ctx, a, sh)
	}
	if err := a.stop(10 * time.Second); err != nil && runErr == nil {
		runErr = err
	}
	return runErr
}

// sayWhatIsLeft tells the person, as the shell ends, about posts that will go
// out only when crier runs again.
func sayWhatIsLeft(ctx context.Context, a *app, sh *shell.Shell) {
	posts, err := a.pub.Upcoming(ctx, 1000)
	if err != nil {
		return
	}
	n := 0
	for _, p := range posts {
		if p.Status == crier.PostScheduled {
			n++
		}
	}
	switch n {
	case 0:
	case 1:
		sh.Say("1 post is still scheduled; crier publishes it when it runs again (make run, or crier run).")
	default:
		sh.Say(fmt.Sprintf("%d posts are still scheduled; crier publishes them when it runs again (make run, or crier run).", n))
	}
}
