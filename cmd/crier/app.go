package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/crier-bot/crier/adapters/bluesky"
	"github.com/crier-bot/crier/adapters/discord"
	"github.com/crier-bot/crier/adapters/file"
	"github.com/crier-bot/crier/adapters/mastodon"
	"github.com/crier-bot/crier/adapters/openai"
	"github.com/crier-bot/crier/adapters/slack"
	"github.com/crier-bot/crier/adapters/sqlite"
	"github.com/crier-bot/crier/adapters/webhook"
	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/compose"
	"github.com/crier-bot/crier/internal/config"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/digest"
	"github.com/crier-bot/crier/internal/jobs"
	"github.com/crier-bot/crier/internal/publish"
	"github.com/crier-bot/crier/internal/relay"
	"github.com/crier-bot/crier/internal/sentiment"
	"github.com/crier-bot/crier/internal/series"
	"github.com/crier-bot/crier/internal/timeparse"
)

// chats are the chat platforms crier is connected to; a network of kind
// slack publishes through the Slack adapter.
type chats struct {
	chat    crier.Chat       // every connected platform, by the channel's platform
	metrics crier.Metrics    // nil counts nothing
	slack   *slack.Adapter   // nil without chat.slack
	discord *discord.Adapter // nil without chat.discord
}

// app is crier wired together: store, networks, publishing and commands.
type app struct {
	cfg      *config.Config
	db       *sqlite.DB
	networks []crier.Network
	closers  []func() error
	pub      *publish.Service
	relay    *relay.Service  // nil when bot.yaml has no inbox
	digest   *digest.Service // nil when bot.yaml has no digests and no network has numbers
	series   *series.Service
	clock    crier.Clock
	cancel   context.CancelFunc // stops the series' daily top-up
	topUps   sync.WaitGroup
	router   *commands.Router
	log      *slog.Logger
}

// openApp opens everything cfg names. Nothing runs until start.
func openApp(ctx context.Context, cfg *config.Config, ch chats, clock crier.Clock, log *slog.Logger) (_ *app, err error) {
	a := &app{cfg: cfg, log: log, clock: clock}
	defer func() {
		if err != nil {
			_ = a.close()
		}
	}()
	if a.db, err = sqlite.Open(ctx, cfg.Database, clock); err != nil {
		return nil, err
	}
	for _, nc := range cfg.Networks {
		n, closer, err := openNetwork(nc, ch, a.db, clock, log)
		if err != nil {
			return nil, err
		}
		a.networks = append(a.networks, n)
		a.closers = append(a.closers, closer)
	}
	engine, err := jobs.New(ctx, jobs.Options{
		DB: a.db.SQL(), Clock: clock, Logger: log,
	})
	if err != nil {
		return nil, err
	}
	a.pub, err = publish.New(ctx, publish.Options{
		Jobs: engine, Store: a.db, Networks: a.networks, Chat: ch.chat, Clock: clock, Logger: log,
		MaxAttempts: cfg.Publish.MaxAttempts, AttemptTimeout: cfg.Publish.AttemptTimeout,
		UTM: compose.UTM{Off: cfg.UTM.Off, Source: cfg.UTM.Source, Medium: cfg.UTM.Medium},
		// A post's channel does not record its Discord guild, so the
		// guild and channel zones of chat.discord.guilds cannot apply:
		// notices use the top-level timezone (loaded once, not per notice).
		Location: func(crier.ChannelRef) *time.Location { return cfg.Location },
		// The relay (made below, before anything runs) opens each
		// published post's comment thread.
		OnPublished: func(ctx context.Context, p *crier.Post, target string, res crier.PublishResult) {
			if a.relay != nil {
				a.relay.OpenThread(ctx, p, target, res)
			}
		},
	})
	if err != nil {
		return nil, err
	}
	var inbox commands.Inbox
	if cfg.Inbox.On {
		if a.relay, err = openRelay(cfg, engine, a.db, a.networks, ch.chat, clock, log); err != nil {
			return nil, err
		}
		// Before the webhook endpoint or the reading can bring a comment in.
		if err := a.relay.Prime(ctx); err != nil {
			return nil, err
		}
		inbox = a.relay
	}
	a.series = series.New(series.Options{Store: a.db, Publisher: a.pub, Rules: a.pub.Rules(), Wake: a.pub.Wake, Clock: clock,
		Logger: log.With(slog.String("part", "series"))})
	writer, err := openWriter(cfg, clock, log)
	if err != nil {
		return nil, err
	}
	var digests commands.Digests
	if a.digest, err = openDigest(cfg, engine, a.db, a.networks, ch.chat, clock, log); err != nil {
		return nil, err
	}
	if a.digest != nil {
		digests = a.digest
	}
	a.router = commands.New(commands.Deps{
		Publisher: a.pub, Inbox: inbox, KPIs: a.db, Digests: digests, Currency: cfg.Metrics.Currency,
		Chat: ch.chat, Voice: cfg.Voice, Writer: writer,
		Approvals: commands.Approvals{On: cfg.Approvals.On, Channel: cfg.Approvals.Channel, SelfApprove: cfg.Approvals.SelfApprove,
			LateAfter: cfg.Approvals.LateAfter},
		DefaultNetworks: func(ch crier.ChannelRef) []string {
			return cfg.Channels[ch.Platform+":"+ch.ID].Networks
		},
		Slots: cfg.Slots, SlotsShared: cfg.SlotsShared, Series: a.series,
		Feeds: a.db, FeedBase: cfg.HTTP.PublicURL,
		Times: timeparse.New(timeparse.Options{
			Languages: cfg.Languages, DateOrder: timeparse.DateOrder(cfg.DateOrder),
		}),
		Clock: clock, Location: cfg.Location, Timezones: a.db, Logger: log, Metrics: ch.metrics,
	})
	if ch.slack != nil {
		ch.slack.UseRouter(a.router)
		ch.slack.UseReplayStore(a.db)
	}
	if ch.discord != nil {
		ch.discord.UseRouter(a.router)
		ch.discord.UseReplayStore(a.db)
	}
	return a, nil
}

// openNetwork opens the adapter for one network of bot.yaml. state keeps
// what a network must remember across restarts (Bluesky's session); nil
// keeps it in memory only.
func openNetwork(nc config.Network, ch chats, state crier.StateStore, clock crier.Clock, log *slog.Logger) (crier.Network, func() error, error) {
	noClose := func() error { return nil }
	log = log.With(slog.String("network", nc.Name))
	switch nc.Kind {
	case "slack":
		if ch.slack == nil {
			return nil, nil, crier.Errorf(crier.EINVALID, "network %s publishes to Slack, but chat.slack is not set up in bot.yaml", nc.Name)
		}
		return ch.slack.Network(nc.Name, nc.Channel, nc.Limit), noClose, nil
	case "discord":
		if ch.discord == nil {
			return nil, nil, crier.Errorf(crier.EINVALID, "network %s publishes to Discord, but chat.discord is not set up in bot.yaml", nc.Name)
		}
		return ch.discord.Network(nc.Name, nc.Channel, nc.Limit, nc.Crosspost), noClose, nil
	case "file":
		n, err := file.New(file.Options{Name: nc.Name, Outbox: nc.Outbox, Inbox: nc.Inbox, Limit: nc.Limit, Clock: clock, Logger: log})
		if err != nil {
			return nil, nil, err
		}
		return n, n.Close, nil
	case "mastodon":
		n, err := mastodon.New(mastodon.Options{
			Name: nc.Name, Server: nc.Server, AccessToken: nc.AccessToken, Visibility: nc.Visibility,
			Language: nc.Language, Limit: nc.Limit, State: state, Clock: clock, Logger: log,
		})
		return n, noClose, err
	case "bluesky":
		n, err := bluesky.New(bluesky.Options{
			Name: nc.Name, PDS: nc.PDS, Handle: nc.Handle, AppPassword: nc.AppPassword, AppView: nc.AppView,
			Language: nc.Language, State: state, Clock: clock, Logger: log,
		})
		return n, noClose, err
	case "webhook":
		n, err := webhook.New(webhook.Options{
			Name: nc.Name, URL: nc.URL, Secret: nc.Secret, Limit: nc.Limit, Deduplicates: nc.Deduplicates,
			RatePerSecond: float64(nc.Rate), Clock: clock, Logger: log,
		})
		return n, noClose, err
	}
	return nil, nil, crier.Errorf(crier.EINVALID, "network %s: kind %q is not supported by this build of crier", nc.Name, nc.Kind)
}

// refresh reads what networks publish about themselves (Mastodon's
// character limit) before the first post is checked. A network that cannot
// be reached keeps its defaults; the publish attempts report the problem.
// The networks are asked at the same time, so start waits at most 10 s
// however many of them do not answer.
func (a *app) refresh(ctx context.Context) {
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for _, n := range a.networks {
		r, ok := n.(interface{ Refresh(context.Context) error })
		if !ok {
			continue
		}
		wg.Go(func() {
			if err := r.Refresh(rctx); err != nil {
				a.log.Warn("could not read the network's limits; using defaults until it answers", slog.String("network", n.Name()), slog.Any("error", err))
			}
		})
	}
	wg.Wait()
}

// start reads the networks' limits and starts publishing (late posts go out
// at once).
func (a *app) start(ctx context.Context) error {
	a.refresh(ctx)
	if err := a.pub.Start(ctx); err != nil {
		return err
	}
	if a.relay != nil {
		if err := a.relay.Start(ctx); err != nil {
			return err
		}
	}
	// Recurring posts: their next occurrences are made at start and once a
	// day (a schedule: the series rows are what is kept).
	tctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a.cancel = cancel
	a.topUps.Go(func() {
		for {
			_, _ = a.series.TopUp(tctx, a.clock.Now()) // it logs each series it could not top up
			if crier.Sleep(tctx, a.clock, 24*time.Hour) != nil {
				return
			}
		}
	})
	if a.digest != nil {
		return a.digest.Start(ctx)
	}
	return nil
}

// stop finishes or cancels running publish attempts within grace, then
// closes everything in reverse order of opening.
func (a *app) stop(grace time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	var errs []error
	if a.relay != nil {
		a.relay.Stop()
	}
	if a.digest != nil {
		a.digest.Stop()
	}
	if a.cancel != nil {
		a.cancel()
		a.topUps.Wait()
	}
	if a.pub != nil {
		errs = append(errs, a.pub.Stop(ctx))
	}
	errs = append(errs, a.close())
	return errors.Join(errs...)
}

func (a *app) close() error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	if a.db != nil {
		errs = append(errs, a.db.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	return nil
}

// newLogger writes text logs to the Main's stderr at the given level.
func (m *Main) newLogger(level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("%w: -log-level %q: use debug, info, warn or error", errUsage, level)
	}
	return slog.New(slog.NewTextHandler(m.Stderr, &slog.HandlerOptions{Level: l})), nil
}

// parseConfig parses args for a subcommand that takes no arguments besides
// its flags, then loads the configuration named by configPath.
func (m *Main) parseConfig(fs *flag.FlagSet, configPath *string, args []string, hint string) (*config.Config, error) {
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("%w: %s takes no arguments (got %q)%s", errUsage, fs.Name(), fs.Arg(0), hint)
	}
	return config.LoadWith(*configPath, m.Getenv)
}

// botOptions are the flags of the subcommands that run the bot.
type botOptions struct{ config, logLevel *string }

func (m *Main) botFlags(fs *flag.FlagSet, level string) botOptions {
	return botOptions{
		config:   fs.String("config", "bot.yaml", "configuration file"),
		logLevel: fs.String("log-level", level, "log level on stderr: debug, info, warn or error"),
	}
}

// parseBot parses args for a subcommand that takes no arguments, then builds
// its logger and loads its configuration.
func (m *Main) parseBot(fs *flag.FlagSet, opts botOptions, args []string, hint string) (*config.Config, *slog.Logger, error) {
	cfg, err := m.parseConfig(fs, opts.config, args, hint)
	if err != nil {
		return nil, nil, err
	}
	log, err := m.newLogger(*opts.logLevel)
	if err != nil {
		return nil, nil, err
	}
	return cfg, log, nil
}

// newChats builds the chat adapters bot.yaml sets up; fallback is where
// messages for other platforms go.
func newChats(cfg *config.Config, clock crier.Clock, log *slog.Logger, metrics crier.Metrics, fallback crier.Chat) (chats, error) {
	sl, err := newSlack(cfg, clock, log, metrics)
	if err != nil {
		return chats{}, err
	}
	dc, err := newDiscord(cfg, clock, log, metrics)
	if err != nil {
		return chats{}, err
	}
	platforms := map[string]crier.Chat{}
	if sl != nil {
		platforms[slack.Platform] = sl
	}
	if dc != nil {
		platforms[discord.Platform] = dc
	}
	return chats{chat: platformChat{platforms: platforms, fallback: fallback}, metrics: metrics, slack: sl, discord: dc}, nil
}

// newDiscord builds the Discord adapter when bot.yaml sets chat.discord (nil otherwise).
func newDiscord(cfg *config.Config, clock crier.Clock, log *slog.Logger, metrics crier.Metrics) (*discord.Adapter, error) {
	dc := cfg.Chat.Discord
	if dc == nil {
		return nil, nil
	}
	guilds := make([]string, 0, len(dc.Guilds))
	for _, g := range dc.Guilds {
		guilds = append(guilds, g.ID)
	}
	return discord.New(discord.Options{
		Token: dc.Token, ApplicationID: dc.ApplicationID, PublicKey: dc.PublicKey, Guilds: guilds,
		GlobalCommands: dc.GlobalCommands, APIURL: dc.APIURL, Roles: cfg.Roles,
		TimezoneFor: func(guild, channel string) string { return cfg.TimezoneFor(discord.Platform, guild, channel) },
		Clock:       clock, Logger: log, Metrics: metrics,
	})
}

// newSlack builds the Slack adapter when bot.yaml sets chat.slack (nil otherwise).
func newSlack(cfg *config.Config, clock crier.Clock, log *slog.Logger, metrics crier.Metrics) (*slack.Adapter, error) {
	sc := cfg.Chat.Slack
	if sc == nil {
		return nil, nil
	}
	return slack.New(slack.Options{
		Mode: sc.Mode, BotToken: sc.BotToken, AppToken: sc.AppToken, SigningSecret: sc.SigningSecret, APIURL: sc.APIURL,
		Roles: cfg.Roles, Timezone: cfg.Timezone, Clock: clock, Logger: log, Metrics: metrics,
	})
}

// platformChat is every chat crier is connected to as one crier.Chat: a
// message goes to the platform its channel is on, or to fallback when that
// platform is not connected.
type platformChat struct {
	platforms map[string]crier.Chat
	fallback  crier.Chat
}

var (
	_ crier.Chat          = platformChat{}
	_ crier.MessageFinder = platformChat{}
)

func (p platformChat) to(platform string) crier.Chat {
	if c, ok := p.platforms[platform]; ok && c != nil {
		return c
	}
	return p.fallback
}

// Platform is "": the channels of every platform.
func (p platformChat) Platform() string { return "" }

func (p platformChat) Post(ctx context.Context, ch crier.ChannelRef, m crier.Message) (crier.MessageRef, error) {
	return p.to(ch.Platform).Post(ctx, ch, m)
}

func (p platformChat) Update(ctx context.Context, ref crier.MessageRef, m crier.Message) error {
	return p.to(ref.Platform).Update(ctx, ref, m)
}

func (p platformChat) React(ctx context.Context, ref crier.MessageRef, emoji string) error {
	return p.to(ref.Platform).React(ctx, ref, emoji)
}

// FindMessage asks the channel's platform, when it can look; otherwise
// nothing is found.
func (p platformChat) FindMessage(ctx context.Context, ch crier.ChannelRef, m crier.Message, since time.Time) (crier.MessageRef, bool, error) {
	if f, ok := p.to(ch.Platform).(crier.MessageFinder); ok {
		return f.FindMessage(ctx, ch, m, since)
	}
	return crier.MessageRef{}, false, nil
}

// OnThreadReply hands h to every platform (and the fallback).
func (p platformChat) OnThreadReply(h crier.ThreadHandler) {
	for _, c := range p.platforms {
		if c != nil {
			c.OnThreadReply(h)
		}
	}
	if p.fallback != nil {
		p.fallback.OnThreadReply(h)
	}
}

// openDigest builds the daily digests bot.yaml asks for and the reading of
// the networks' numbers: its queue joins the job engine, so it must come
// before publishing starts it. Without digests and with no network whose
// numbers crier can read, there is none.
func openDigest(cfg *config.Config, engine *jobs.Engine, db *sqlite.DB, networks []crier.Network, chat crier.Chat, clock crier.Clock, log *slog.Logger) (*digest.Service, error) {
	readable := false
	for _, n := range networks {
		if _, ok := n.(crier.StatsReader); ok {
			readable = true
		}
	}
	if len(cfg.Digests) == 0 && !readable {
		return nil, nil
	}
	specs := make([]digest.Spec, 0, len(cfg.Digests))
	for _, d := range cfg.Digests {
		specs = append(specs, digest.Spec{
			Name: d.Name, Channel: d.Channel, Hour: d.Hour, Minute: d.Minute, Location: cmp.Or(d.Location, cfg.Location, time.UTC),
			Accounts: d.Accounts, Metrics: d.Metrics, Weekly: d.Weekly, NowReplaces: d.NowReplaces,
		})
	}
	return digest.New(digest.Options{
		Jobs: engine, Store: db, Chat: chat, Specs: specs, Networks: networks, Collect: cfg.Metrics.Collect,
		Installation: db.Installation(), Clock: clock, Logger: log.With(slog.String("part", "digest")),
	})
}

// openRelay builds the comment relay bot.yaml's inbox section asks for: its
// queues join the job engine, so it must come before publishing starts it.
func openRelay(cfg *config.Config, engine *jobs.Engine, db *sqlite.DB, networks []crier.Network, chat crier.Chat, clock crier.Clock, log *slog.Logger) (*relay.Service, error) {
	may := func(r crier.ThreadReply) bool {
		u := crier.User{ID: r.UserID, Roles: cfg.RolesFor(r.UserID, r.UserID)}
		return u.Can(crier.RoleReplier)
	}
	scorer, err := sentiment.New()
	if err != nil {
		return nil, err
	}
	opts := relay.Options{
		Jobs: engine, Store: db, Networks: networks, Chat: chat,
		Channel: cfg.Inbox.ChannelFor, MayReply: may, Installation: db.Installation(),
		Poll: cfg.Inbox.Poll, Alert: cfg.RoleMembers(crier.RoleAlert), Suggest: cfg.Writer.On,
		Score:    func(text string) string { return string(scorer.Score(text).Label) },
		Location: func(crier.ChannelRef) *time.Location { return cfg.Location },
		Clock:    clock, Logger: log.With(slog.String("part", "relay")),
	}
	if c := cfg.Inbox.Crisis; !c.Off {
		alarm, err := sentiment.NewAlarm(sentiment.AlarmOptions{Negative: c.Negative, Window: c.Window, Ratio: c.Ratio, Baseline: c.Baseline})
		if err != nil {
			return nil, err
		}
		opts.Crisis, opts.CrisisHistory = alarm.Observe, c.Baseline+c.Window
	}
	return relay.New(opts)
}

// openWriter builds the AI writer bot.yaml's writer: section asks for; nil
// without one.
func openWriter(cfg *config.Config, clock crier.Clock, log *slog.Logger) (crier.Writer, error) {
	if !cfg.Writer.On {
		return nil, nil
	}
	w, err := openai.New(openai.Options{
		BaseURL: cfg.Writer.BaseURL, Model: cfg.Writer.Model, APIKey: cfg.Writer.APIKey, Azure: cfg.Writer.Azure,
		Timeout: cfg.Writer.Timeout, Clock: clock, Logger: log.With(slog.String("part", "writer")),
	})
	if err != nil {
		return nil, err
	}
	return w, nil
}
