package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/crier-bot/crier/adapters/shell"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/timeparse"
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
	// The shell gives no timezone of its own (a chat profile would): people
	// in it get bot.yaml's timezone, or the one they set with /timezone.
	sh := shell.New(m.Stdin, m.Stdout, crier.User{ID: u, Name: u, Roles: cfg.RolesFor(u, u)}, ch)
	// Message ids unique to this run: the comment relay keeps threads
	// across runs, and every run numbers its messages from 1.
	sh.UseSession(strconv.FormatInt(m.Clock.Now().UnixNano(), 36))
	// A digest's chart is written next to the database, and its path shown.
	sh.UseFiles(filepath.Join(filepath.Dir(cfg.Database), "files"))

	// Slack networks publish through the Slack adapter even from the shell.
	chs, err := newChats(cfg, m.Clock, log, crier.NopMetrics{}, sh)
	if err != nil {
		return err
	}
	chs.chat = sh // the shell shows every notice
	a, err := openApp(ctx, cfg, chs, m.Clock, log)
	if err != nil {
		return err
	}
	// A stop asked for while crier starts (SIGTERM right after launch)
	// waits for the start to finish (a minute at most), then stops as
	// usual: a start cut short would report a failure that is none.
	sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	err = a.start(sctx)
	scancel()
	if err != nil {
		_ = a.stop(time.Second)
		return err
	}
	if a.relay != nil {
		// Comments already waiting show before the first prompt.
		rctx, cancel := context.WithTimeout(ctx, drainLimit)
		if err := a.relay.ReadAll(rctx); err != nil {
			log.Warn("read comments", slog.Any("error", err))
		}
		cancel()
	}
	runErr := sh.Run(ctx, a.router)
	if ctx.Err() == nil {
		// End of input: publish what is due, or soon due, before leaving,
		// and relay what came in and send the answers typed.
		dctx, cancel := context.WithTimeout(ctx, drainLimit)
		if err := a.pub.WaitIdleWithin(dctx, drainAhead); err != nil {
			log.Warn("stopped waiting for due posts; they go out at the next start", slog.Any("error", err))
		}
		if a.relay != nil {
			if err := a.relay.ReadAll(dctx); err != nil {
				log.Warn("stopped waiting for comments and replies; they go on at the next start", slog.Any("error", err))
			}
		}
		cancel()
	}
	// Ctrl-C (or SIGTERM) cancels ctx: the goodbye is said all the same,
	// with a context of its own.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	sayWhatIsLeft(sctx, a, sh, u, m.Clock.Now())
	cancel()
	if err := a.stop(10 * time.Second); err != nil && runErr == nil {
		runErr = err
	}
	return runErr
}

// sayWhatIsLeft tells the person, as the shell ends, about posts that will go
// out only when crier runs again, and about posts that wait for them to say
// whether they went out.
func sayWhatIsLeft(ctx context.Context, a *app, sh *shell.Shell, user string, now time.Time) {
	// Every scheduled post, a page at a time (the queue's own totals say
	// when all are read), so the count is never cut at a page.
	var posts []*crier.Post
	for {
		q, err := a.pub.Queue(ctx, crier.QueueFilter{ScheduledOffset: len(posts), ScheduledLimit: 500})
		if err != nil {
			a.log.Warn("list what is left to publish", slog.Any("error", err))
			return
		}
		posts = append(posts, q.Scheduled...)
		if len(q.Scheduled) == 0 || len(posts) >= q.ScheduledTotal {
			break
		}
	}
	for _, line := range whatIsLeft(posts, a.shellLocation(ctx, user), now) {
		sh.Say(line)
	}
}

// shellLocation is the shell person's timezone: their own (/timezone), else
// bot.yaml's.
func (a *app) shellLocation(ctx context.Context, user string) *time.Location {
	if tz, err := a.db.UserTimezone(ctx, shell.Platform, user); err == nil && tz != "" {
		if loc, err := time.LoadLocation(tz); err == nil {
			return loc
		}
	}
	return a.cfg.Location
}

// whatIsLeft says what is still scheduled, and when the next one goes out,
// leaving out posts a person must look at first (a delivery that may or may
// not have gone out); those it names with what to type.
func whatIsLeft(posts []*crier.Post, loc *time.Location, now time.Time) []string {
	var (
		scheduled int
		next      time.Time
		waiting   []*crier.Post
		maybe     *crier.Delivery // the one delivery waiting, when there is one
	)
	for _, p := range posts {
		if p.Status != crier.PostScheduled {
			continue
		}
		var asks []*crier.Delivery
		for i := range p.Deliveries {
			if p.Deliveries[i].Status == crier.DeliveryMaybe {
				asks = append(asks, &p.Deliveries[i])
			}
		}
		if len(asks) > 0 {
			waiting = append(waiting, p)
			if len(asks) == 1 {
				maybe = asks[0]
			} else {
				maybe = nil
			}
			continue
		}
		scheduled++
		if next.IsZero() || p.DueAt.Before(next) {
			next = p.DueAt
		}
	}
	var lines []string
	const again = "crier publishes %s when it runs again (make run, or crier run)."
	switch when := timeparse.Human(next, loc, now); scheduled {
	case 0:
	case 1:
		lines = append(lines, "1 post is still scheduled, for "+when+"; "+fmt.Sprintf(again, "it"))
	default:
		lines = append(lines, fmt.Sprintf("%d posts are still scheduled, the next for %s; ", scheduled, when)+fmt.Sprintf(again, "them"))
	}
	switch {
	case len(waiting) == 0:
	case len(waiting) == 1 && maybe != nil:
		lines = append(lines, fmt.Sprintf("1 post waits for you to say whether it went out: type /published #%d %s if it is on %s, or /republish #%d %s to send it again.",
			maybe.PostID, maybe.Target, maybe.Target, maybe.PostID, maybe.Target))
	case len(waiting) == 1:
		lines = append(lines, fmt.Sprintf("1 post waits for you to say whether it went out (#%d): /queue shows it.", waiting[0].ID))
	default:
		ids := make([]string, len(waiting))
		for i, p := range waiting {
			ids[i] = fmt.Sprintf("#%d", p.ID)
		}
		lines = append(lines, fmt.Sprintf("%d posts wait for you to say whether they went out (%s): /queue shows them.", len(waiting), strings.Join(ids, ", ")))
	}
	return lines
}
