package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/crier-bot/crier/adapters/discord"
	"github.com/crier-bot/crier/adapters/slack"
	"github.com/crier-bot/crier/internal/config"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/timeparse"
)

func (m *Main) runCheck(ctx context.Context, args []string) (err error) {
	fs := m.flags("check")
	cfgPath := fs.String("config", "bot.yaml", "configuration file")
	cfg, err := m.parseConfig(fs, cfgPath, args, "")
	if err != nil {
		return err
	}
	// What the adapters warn about goes to stderr; neither that nor what
	// check prints ever holds a secret of bot.yaml, whatever an error says.
	secrets := configSecrets(cfg)
	log := slog.New(slog.NewTextHandler(redactingWriter{w: m.Stderr, secrets: secrets}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	defer func() {
		if err != nil {
			err = redactError(err, secrets)
		}
	}()
	w := m.Stdout
	fmt.Fprintf(w, "%s is valid.\n", *cfgPath)
	fmt.Fprintf(w, "timezone:  %s (dates like 03/04 read as %s)\n", cfg.Timezone, cfg.DateOrder)
	fmt.Fprintf(w, "languages: %s\n", strings.Join(cfg.Languages, ", "))
	fmt.Fprintf(w, "database:  %s\n", cfg.Database)
	if cfg.Chat.Shell != nil {
		fmt.Fprintf(w, "chat:      shell, as %s in #%s\n", cfg.Chat.Shell.User, cfg.Chat.Shell.Channel)
	}
	if sc := cfg.Chat.Slack; sc != nil {
		who, err := m.slackIdentity(ctx, cfg, log)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "chat:      slack, %s mode, as %s\n", sc.Mode, who)
	}
	if dc := cfg.Chat.Discord; dc != nil {
		if err := m.checkDiscord(ctx, cfg, log); err != nil {
			return err
		}
	}
	if cfg.HTTP.Listen != "" {
		fmt.Fprintf(w, "http:      %s (/healthz, /metrics", cfg.HTTP.Listen)
		if cfg.Chat.Slack != nil && cfg.Chat.Slack.Mode == "http" {
			fmt.Fprint(w, ", /slack/commands, /slack/interactivity, /slack/events")
		}
		if cfg.Chat.Discord != nil && cfg.Chat.Discord.Interactions == "http" {
			fmt.Fprint(w, ", /discord/interactions")
		}
		if cfg.HTTP.APIToken != "" {
			fmt.Fprint(w, ", /api/metrics")
		}
		fmt.Fprintln(w, ")")
	}
	for role, who := range cfg.Roles {
		fmt.Fprintf(w, "role:      %s: %s\n", role, strings.Join(who, ", "))
	}
	var failed []string
	for _, n := range cfg.Networks {
		switch n.Kind {
		case "file":
			fmt.Fprintf(w, "network:   %s (file): posts appended to %s, limit %d characters\n", n.Name, n.Outbox, n.Limit)
		case "slack":
			fmt.Fprintf(w, "network:   %s (slack): posts to channel %s, limit %d characters\n", n.Name, n.Channel, n.Limit)
		case "discord":
			fmt.Fprintf(w, "network:   %s (discord): posts to channel %s, limit %d characters, crosspost %t\n", n.Name, n.Channel, n.Limit, n.Crosspost)
		default:
			if err := m.checkNetwork(ctx, n, log); err != nil {
				fmt.Fprintf(w, "network:   %s (%s): ✗ %s\n", n.Name, n.Kind, checkFailure(err, secrets))
				failed = append(failed, n.Name)
			}
		}
	}
	fmt.Fprintf(w, "publish:   up to %d attempts, %s each\n", cfg.Publish.MaxAttempts, cfg.Publish.AttemptTimeout)
	if in := cfg.Inbox; in.On {
		alarm := "off"
		if c := in.Crisis; !c.Off {
			alarm = fmt.Sprintf("%d negative comments within %s, %g× the usual", c.Negative, timeparse.Duration(c.Window), c.Ratio)
		}
		fmt.Fprintf(w, "inbox:     comments in %s:%s, networks read every %s; crisis alarm: %s\n", in.Channel.Platform, in.Channel.ID, timeparse.Duration(in.Poll), alarm)
	}
	for _, d := range cfg.Digests {
		line := fmt.Sprintf("digest:    %s in %s:%s every day at %02d:%02d %s", d.Name, d.Channel.Platform, d.Channel.ID, d.Hour, d.Minute, d.Location)
		if d.Weekly != nil {
			line += fmt.Sprintf(", the week on %s", *d.Weekly)
		}
		accounts, metrics := "all accounts", "all numbers"
		if d.Accounts != nil {
			accounts = strings.Join(d.Accounts, ", ")
		}
		if d.Metrics != nil {
			metrics = strings.Join(d.Metrics, ", ")
		}
		line += "; " + accounts + "; " + metrics
		if d.NowReplaces {
			line += "; /digest now replaces the day's"
		}
		fmt.Fprintln(w, line)
	}
	collect := "every " + timeparse.Duration(cfg.Metrics.Collect)
	if cfg.Metrics.Collect < 0 {
		collect = "off"
	}
	fmt.Fprintf(w, "metrics:   each account's numbers read %s", collect)
	if cfg.Metrics.Currency != "" {
		fmt.Fprintf(w, "; amounts without a currency are in %s", cfg.Metrics.Currency)
	}
	fmt.Fprintln(w)
	if len(failed) > 0 {
		return crier.Errorf(crier.EINVALID, "crier could not use %s; see above for why", strings.Join(failed, ", "))
	}
	return nil
}

// checkNetwork logs in to a social network and prints the account crier
// posts as, its limits and anything that needs a look. The session is not
// stored: check leaves the database alone (a running crier holds it).
func (m *Main) checkNetwork(ctx context.Context, nc config.Network, log *slog.Logger) error {
	n, closer, err := openNetwork(nc, chats{}, nil, m.Clock, log)
	if err != nil {
		return err
	}
	defer func() { _ = closer() }()
	v, ok := n.(crier.Verifier)
	if !ok {
		fmt.Fprintf(m.Stdout, "network:   %s (%s)\n", nc.Name, nc.Kind)
		return nil
	}
	cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	acct, err := v.Verify(cctx)
	if err != nil {
		return err
	}
	verb := "posts as"
	if nc.Kind == "webhook" {
		verb = "posts to"
	}
	line := fmt.Sprintf("network:   %s (%s): %s %s", nc.Name, nc.Kind, verb, acct.Name)
	if acct.URL != "" && acct.URL != acct.Name {
		line += " (" + acct.URL + ")"
	}
	if acct.Limits != "" {
		line += "; " + acct.Limits
	}
	fmt.Fprintln(m.Stdout, line)
	for _, p := range acct.Problems {
		fmt.Fprintf(m.Stdout, "           ⚠ %s\n", p)
	}
	return nil
}

// slackIdentity logs in to Slack with the bot token (auth.test) and says who
// crier is there.
func (m *Main) slackIdentity(ctx context.Context, cfg *config.Config, log *slog.Logger) (string, error) {
	sl, err := newSlack(cfg, m.Clock, log, crier.NopMetrics{})
	if err != nil {
		return "", err
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sl.Connect(cctx); err != nil {
		if !slack.TokenRefused(err) {
			return "", crier.Errorf(crier.EUNAVAIL, "could not reach Slack at %s (%v); check the network, or chat.slack.api_url", cfg.Chat.Slack.APIURL, err)
		}
		return "", crier.Errorf(crier.EINVALID, "Slack did not accept chat.slack.bot_token (%v); copy the Bot User OAuth Token (xoxb-…) from your Slack app's OAuth & Permissions page", err)
	}
	if cfg.Chat.Slack.Mode == "socket" {
		if err := sl.CheckAppToken(cctx); err != nil {
			if !slack.TokenRefused(err) {
				return "", crier.Errorf(crier.EUNAVAIL, "could not reach Slack at %s (%v); check the network, or chat.slack.api_url", cfg.Chat.Slack.APIURL, err)
			}
			return "", crier.Errorf(crier.EINVALID, "Slack did not accept chat.slack.app_token (%v); generate an app-level token with the connections:write scope under Basic Information → App-Level Tokens", err)
		}
	}
	return sl.Identity(), nil
}

// checkDiscord logs in with the bot token, says whether the message content
// intent is on, and prints the invite link.
func (m *Main) checkDiscord(ctx context.Context, cfg *config.Config, log *slog.Logger) error {
	dc, err := newDiscord(cfg, m.Clock, log, crier.NopMetrics{})
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	name, content, err := dc.Check(cctx)
	if err != nil {
		if discord.TokenRefused(err) {
			return crier.Errorf(crier.EINVALID, "Discord did not accept chat.discord.token; reset the token under Bot in the Developer Portal and set it again")
		}
		return crier.Errorf(crier.EUNAVAIL, "could not reach Discord (%v); check the network", err)
	}
	w := m.Stdout
	where := fmt.Sprintf("commands in %d guild(s)", len(cfg.Chat.Discord.Guilds))
	if cfg.Chat.Discord.GlobalCommands {
		where = "commands global (they can take up to an hour to appear)"
	}
	fmt.Fprintf(w, "chat:      discord, %s interactions, as %s, %s\n", cfg.Chat.Discord.Interactions, name, where)
	if !content {
		fmt.Fprintln(w, "warning:   the Message Content intent is off, so crier cannot read replies in its threads: Developer Portal → Bot → Privileged Gateway Intents → Message Content Intent")
	}
	fmt.Fprintf(w, "invite:    %s\n", discord.InviteURL(cfg.Chat.Discord.ApplicationID))
	return nil
}

// checkFailure is the line check prints for a network it could not use: a
// crier.Error's message, or else the wrapped chain (the cause: a refused
// connection, a name that does not resolve), on one line and without any
// secret of bot.yaml.
func checkFailure(err error, secrets []string) string {
	if crier.ErrorCode(err) != crier.EINTERNAL {
		return redact(crier.ErrorMessage(err), secrets)
	}
	return "crier could not check it: " + redact(strings.Join(strings.Fields(err.Error()), " "), secrets)
}

// redactError is err with every secret of bot.yaml taken out of its message.
// A crier.Error keeps its code; any other error becomes its message only.
func redactError(err error, secrets []string) error {
	if errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp) {
		return err
	}
	if code := crier.ErrorCode(err); code != crier.EINTERNAL {
		return &crier.Error{Code: code, Message: redact(crier.ErrorMessage(err), secrets)}
	}
	return errors.New(redact(err.Error(), secrets))
}

// redactingWriter writes to w with the secrets redacted. slog's handlers
// write each record in one Write, so a secret is never split across two.
type redactingWriter struct {
	w       io.Writer
	secrets []string
}

func (r redactingWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(r.w, redact(string(p), r.secrets)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// minSecret is the length below which a value is not looked for: a shorter
// one is no secret worth the name, and replacing it would garble the text.
const minSecret = 3

// redact replaces each secret in s, as written or escaped for a URL, with
// "[redacted]".
func redact(s string, secrets []string) string {
	var forms []string
	for _, sec := range secrets {
		if len(sec) >= minSecret {
			forms = append(forms, sec, url.QueryEscape(sec), url.PathEscape(sec))
		}
	}
	// Longest first, so a secret inside another is not replaced halfway.
	slices.SortFunc(forms, func(a, b string) int { return len(b) - len(a) })
	for _, f := range forms {
		s = strings.ReplaceAll(s, f, "[redacted]")
	}
	return s
}

// configSecrets are the values of bot.yaml that must never be printed.
func configSecrets(cfg *config.Config) []string { return cfg.Secrets() }
