package discord

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/crier-bot/crier/internal/crier"
)

// How Run tries again after Discord failed it: from retryFirst, doubling up
// to retryMax, or after a rate limit's retry_after when that is longer. A
// refused token, or commands refused for a missing scope, do not get better
// by asking: retryRefused.
const (
	retryFirst   = time.Second
	retryMax     = 5 * time.Minute
	retryRefused = 30 * time.Minute
	clockTick    = 100 * time.Millisecond // how often a wait looks at crier's clock
)

// The parts of the connection to Discord that Health reports on.
const (
	partRegister = "register"
	partGateway  = "gateway"
)

var _ crier.HealthReporter = (*Adapter)(nil)

// Run registers the commands and holds the gateway session until ctx ends.
// The gateway brings interactions (unless they come to the HTTP endpoint:
// gateway false) and, always, the messages people type in crier's threads.
// Neither a failed registration nor an unreachable gateway stops crier: each
// is tried again with backoff on crier's clock, logged at warn each time
// and reported by Health, while HTTP interactions are served. Once
// connected, discordgo reconnects and resumes the gateway itself. Run returns
// nil when ctx ends, and an error only when the adapter has no command
// router.
func (a *Adapter) Run(ctx context.Context, gateway bool) error {
	a.mu.Lock()
	r := a.router
	a.mu.Unlock()
	if r == nil {
		return errors.New("discord: no command router")
	}
	gatewayWhat := "connecting to the gateway (thread replies wait)"
	if gateway {
		gatewayWhat = "connecting to the gateway (commands and thread replies wait)"
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		a.keepTrying(ctx, partRegister, "registering crier's commands", a.RegisterCommands)
	})
	wg.Go(func() {
		open := func(context.Context) error {
			if err := a.s.Open(); err != nil {
				return fmt.Errorf("discord gateway: %w", err)
			}
			return nil
		}
		if a.keepTrying(ctx, partGateway, gatewayWhat, open) {
			<-ctx.Done()
			_ = a.s.Close()
		}
	})
	wg.Wait()
	return nil
}

// keepTrying runs attempt until it succeeds (true) or ctx ends (false),
// waiting between failures on crier's clock.
func (a *Adapter) keepTrying(ctx context.Context, part, what string, attempt func(context.Context) error) bool {
	backoff := retryFirst
	for {
		err := attempt(ctx)
		if err == nil {
			a.setDown(part, "")
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		refused := refusal(err)
		wait := backoff
		switch {
		case refused != "":
			wait = retryRefused
		default:
			if after, ok := retryAfter(err); ok && after > wait {
				wait = after
			}
			backoff = min(backoff*2, retryMax)
		}
		now := a.opts.Clock.Now()
		next := now.Add(wait)
		reason := describe(err)
		if refused != "" {
			reason = refused
		}
		a.setDown(part, fmt.Sprintf("Discord: %s failed at %s (%s); trying again in %s, at %s",
			what, now.UTC().Format("15:04:05 UTC"), reason, wait, next.UTC().Format("15:04:05 UTC")))
		a.log.Warn("discord "+part+" failed", slog.String("reason", reason), slog.Any("error", crier.WithoutURL(err)),
			slog.Duration("retry_in", wait), slog.Time("next_try", next))
		if !a.waitUntil(ctx, next) {
			return false
		}
	}
}

// waitUntil waits until crier's clock reaches t (false if ctx ends first).
func (a *Adapter) waitUntil(ctx context.Context, t time.Time) bool {
	tick := time.NewTicker(clockTick)
	defer tick.Stop()
	for a.opts.Clock.Now().Before(t) {
		select {
		case <-ctx.Done():
			return false
		case <-tick.C:
		}
	}
	return true
}

// Health is nil while crier's commands are registered and the gateway is
// connected; otherwise one line naming Discord, what failed and when crier
// tries again.
func (a *Adapter) Health() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	var msgs []string
	for _, part := range []string{partRegister, partGateway} {
		if m := a.down[part]; m != "" {
			msgs = append(msgs, m)
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return errors.New(strings.Join(msgs, "; "))
}

func (a *Adapter) setDown(part, why string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.down[part] = why
}

// onConnect and onDisconnect follow the gateway after the first connection,
// while discordgo reconnects it.
func (a *Adapter) onConnect(*discordgo.Session, *discordgo.Connect) {
	defer a.recoverPanic("connect")
	a.setDown(partGateway, "")
}

func (a *Adapter) onDisconnect(*discordgo.Session, *discordgo.Disconnect) {
	defer a.recoverPanic("disconnect")
	a.setDown(partGateway, fmt.Sprintf("Discord: the gateway disconnected at %s; discordgo is reconnecting",
		a.opts.Clock.Now().UTC().Format("15:04:05 UTC")))
}

// refusal says what to fix when Discord refused crier in a way that asking
// again soon will not mend: the bot token, or the commands (a 403: crier was
// invited without the applications.commands scope, or application_id is
// another application's). It is "" for other errors.
func refusal(err error) string {
	if TokenRefused(err) {
		return "Discord refused crier's bot token; set a new chat.discord.token"
	}
	var cf *commandsForbidden
	if errors.As(err, &cf) {
		return "Discord refused crier's commands " + cf.where + "; re-invite crier with the link `crier check` prints, which has the applications.commands scope, and check chat.discord.application_id"
	}
	return ""
}

// commandsForbidden is a command registration Discord answered with 403.
type commandsForbidden struct {
	where string // "in server 1234…" or "globally"
	err   error
}

func (e *commandsForbidden) Error() string { return e.err.Error() }
func (e *commandsForbidden) Unwrap() error { return e.err }

// TokenRefused reports whether Discord refused the bot token: 401 on REST,
// close code 4004 (authentication failed) on the gateway. `crier check`
// asks it of Check's error.
func TokenRefused(err error) bool {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode == http.StatusUnauthorized {
		return true
	}
	var ce *websocket.CloseError
	return errors.Is(err, discordgo.ErrUnauthorized) || errors.As(err, &ce) && ce.Code == 4004
}

// retryAfter is how long a 429 asked crier to wait.
func retryAfter(err error) (time.Duration, bool) {
	var rl *discordgo.RateLimitError
	if errors.As(err, &rl) && rl.RateLimit != nil && rl.TooManyRequests != nil && rl.RetryAfter > 0 {
		return rl.RetryAfter, true
	}
	return 0, false
}

// describe says what went wrong in a few words, without URLs (an
// interaction's holds its token) or response bodies.
func describe(err error) string {
	var re *discordgo.RESTError
	var rl *discordgo.RateLimitError
	switch {
	case errors.As(err, &rl):
		if after, ok := retryAfter(err); ok {
			return "Discord is rate limiting crier for " + after.String()
		}
		return "Discord is rate limiting crier"
	case errors.As(err, &re) && re.Response != nil:
		return "Discord answered " + re.Response.Status
	}
	msg := crier.WithoutURL(err).Error()
	return strings.Join(slices.Collect(strings.FieldsSeq(msg)), " ")
}
