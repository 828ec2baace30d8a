// Package discord connects crier to Discord: application commands, buttons
// and modals over the gateway (or a signed HTTP interactions endpoint), embed
// answers, thread replies, and a network that publishes to a channel.
package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"golang.org/x/time/rate"

	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
)

// Platform is the platform name of Discord requests and channels.
const Platform = "discord"

const (
	ackBudget = 2 * time.Second // Discord wants an answer within 3 s; after this crier defers
	maxBody   = 1 << 20
	maxSkew   = 5 * time.Minute
)

// Intents crier needs: guilds (channels, threads), guild messages (thread
// replies) and the privileged message content intent (their text).
const Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentMessageContent

// Options configure the adapter.
type Options struct {
	Token          string // the bot token, without "Bot "
	ApplicationID  string
	PublicKey      string // hex Ed25519 key, for the HTTP interactions endpoint
	Guilds         []string
	GlobalCommands bool
	APIURL         string // "" means Discord's; else the URL API routes go under ("…/api/v10/"): a proxy, or a fake in tests
	HTTPClient     *http.Client

	Router      *commands.Router
	Roles       map[crier.Role][]string                // role → user ids or Discord role ids, or "*"
	TimezoneFor func(guildID, channelID string) string // Discord gives no user timezone
	Clock       crier.Clock
	Logger      *slog.Logger
	Metrics     crier.Metrics
	PerChannel  rate.Limit // messages per second per channel (default 1, bursts of 3)
}

// Adapter is crier on Discord.
type Adapter struct {
	opts Options
	s    *discordgo.Session
	log  *slog.Logger

	mu        sync.Mutex
	router    *commands.Router
	onThread  crier.ThreadHandler
	threads   map[string]threadInfo         // threads crier started (known without asking)
	roles     map[string]cachedRoles        // guild → its role ids, for role mentions
	channels  map[string]*discordgo.Channel // channels looked up, cached
	limiters  map[string]*rate.Limiter
	seen      map[string]time.Time // HTTP interaction signatures seen → until when (without a replay store)
	replays   crier.ReplayStore    // nil: seen
	nextSweep time.Time
	down      map[string]string // part of the connection (registration, gateway) → why it is down
	me        string            // crier's user id, asked of Discord before the gateway's Ready
}

type threadInfo struct {
	owner, parent string
	isThread      bool
}

var _ crier.Chat = (*Adapter)(nil)

// New builds the adapter; Run connects it.
func New(opts Options) (*Adapter, error) {
	if opts.Clock == nil {
		opts.Clock = crier.SystemClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Metrics == nil {
		opts.Metrics = crier.NopMetrics{}
	}
	if opts.PerChannel == 0 {
		opts.PerChannel = 1
	}
	if opts.TimezoneFor == nil {
		opts.TimezoneFor = func(string, string) string { return "" }
	}
	s, err := discordgo.New("Bot " + opts.Token)
	if err != nil {
		return nil, fmt.Errorf("discord: %w", err)
	}
	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 20 * time.Second}
	}
	if opts.APIURL != "" {
		// discordgo's endpoints are fixed at init: send its requests to
		// another host (a fake in tests) by rewriting them on the way out.
		target, err := url.Parse(opts.APIURL)
		if err != nil {
			return nil, fmt.Errorf("discord api_url: %w", err)
		}
		base := client.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		client = &http.Client{Timeout: client.Timeout, Transport: rewrite{to: target, next: base}}
	}
	s.Client = client
	s.Identify.Intents = Intents
	s.ShouldReconnectOnError = true
	s.StateEnabled = true
	a := &Adapter{opts: opts, s: s, log: opts.Logger, router: opts.Router,
		threads: map[string]threadInfo{}, roles: map[string]cachedRoles{}, channels: map[string]*discordgo.Channel{}, limiters: map[string]*rate.Limiter{}, seen: map[string]time.Time{},
		down: map[string]string{partRegister: "Discord: crier's commands are not registered yet", partGateway: "Discord: the gateway is not connected yet"}}
	s.AddHandler(a.onInteraction)
	s.AddHandler(a.onMessage)
	s.AddHandler(a.onConnect)
	s.AddHandler(a.onDisconnect)
	return a, nil
}

// rewrite sends discordgo's requests for discord.com to api_url instead. The
// route after discordgo's API prefix ("/api/v9/") goes under api_url's own
// path, so "https://proxy.example/discord/api/v10/" gets
// "/discord/api/v10/channels/…/messages"; other discord.com paths keep
// theirs on api_url's host.
type rewrite struct {
	to   *url.URL
	next http.RoundTripper
}

func (r rewrite) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != "discord.com" && !strings.HasSuffix(req.URL.Host, ".discord.com") {
		return r.next.RoundTrip(req)
	}
	req = req.Clone(req.Context())
	u := *req.URL
	u.Scheme, u.Host, u.User = r.to.Scheme, r.to.Host, r.to.User
	if route, ok := apiRoute(req.URL.EscapedPath()); ok {
		escaped := strings.TrimSuffix(r.to.EscapedPath(), "/") + "/" + route
		path, err := url.PathUnescape(escaped)
		if err != nil {
			return nil, fmt.Errorf("discord api_url: %w", err)
		}
		u.Path, u.RawPath = path, escaped
	}
	req.URL = &u
	req.Host = r.to.Host
	return r.next.RoundTrip(req)
}

// apiRoute is what follows "/api/v<digits>/" at the start of path.
func apiRoute(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, "/api/v")
	if !ok {
		return "", false
	}
	digits, route, ok := strings.Cut(rest, "/")
	if !ok || digits == "" || strings.Trim(digits, "0123456789") != "" {
		return "", false
	}
	return route, true
}

// UseRouter sets the command router (built after the networks).
func (a *Adapter) UseRouter(r *commands.Router) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.router = r
}

// OnThreadReply sets the handler of thread replies.
func (a *Adapter) OnThreadReply(h crier.ThreadHandler) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.onThread = h
}

// bot is crier's own user id, from the gateway's READY. It is read from
// discordgo's state, which the gateway reader updates as each event arrives:
// handlers run in goroutines of their own, so a message right after READY
// could be handled before a READY handler had run.
func (a *Adapter) bot() string {
	a.s.State.RLock()
	defer a.s.State.RUnlock()
	if a.s.State.User == nil {
		return ""
	}
	return a.s.State.User.ID
}

// RegisterCommands bulk-overwrites crier's application commands in every
// configured guild (they appear at once) or globally.
func (a *Adapter) RegisterCommands(ctx context.Context) error {
	a.mu.Lock()
	r := a.router
	a.mu.Unlock()
	if r == nil {
		return fmt.Errorf("discord: no command router")
	}
	cmds := applicationCommands(r.Definitions())
	guilds := a.opts.Guilds
	if a.opts.GlobalCommands {
		guilds = []string{""}
	}
	for _, g := range guilds {
		// A 429 comes back as an error with its retry_after: Run waits it
		// out on crier's clock instead of discordgo sleeping inside.
		if _, err := a.s.ApplicationCommandBulkOverwrite(a.opts.ApplicationID, g, cmds,
			discordgo.WithContext(ctx), discordgo.WithRetryOnRatelimit(false)); err != nil {
			where := "globally"
			if g != "" {
				where = "in server " + g
			}
			err = fmt.Errorf("discord: register commands %s: %w", where, err)
			var re *discordgo.RESTError
			if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode == http.StatusForbidden {
				return &commandsForbidden{where: where, err: err}
			}
			return err
		}
	}
	return nil
}

// applicationCommands turns crier's command definitions into Discord slash
// commands with one text option for everything after the command, or, for
// a command that takes a file (/import), one required file option.
func applicationCommands(defs []commands.Definition) []*discordgo.ApplicationCommand {
	out := make([]*discordgo.ApplicationCommand, 0, len(defs))
	for _, d := range defs {
		c := &discordgo.ApplicationCommand{Name: d.Name, Description: clipText(d.Summary, 100)}
		if takesFile(d.Name) {
			c.Options = []*discordgo.ApplicationCommandOption{{
				Type: discordgo.ApplicationCommandOptionAttachment, Name: "file",
				Description: "The calendar CSV (crier export writes one)", Required: true,
			}}
		} else if _, args, _ := strings.Cut(d.Usage, " "); args != "" {
			c.Options = []*discordgo.ApplicationCommandOption{{
				Type: discordgo.ApplicationCommandOptionString, Name: "text",
				Description: clipText(args, 100), Required: strings.HasPrefix(args, "<") || strings.HasPrefix(args, "#"),
			}}
		}
		out = append(out, c)
	}
	return out
}

// InviteURL is the link that adds crier to a server with the scopes and
// permissions it needs.
func InviteURL(applicationID string) string {
	return "https://discord.com/oauth2/authorize?client_id=" + applicationID +
		"&scope=bot%20applications.commands&permissions=" + fmt.Sprint(Permissions)
}

// Permissions crier asks for: view channels, send messages (and in threads),
// create public threads, embed links, read message history, and manage
// messages (to crosspost in announcement channels).
const Permissions int64 = discordgo.PermissionViewChannel | discordgo.PermissionSendMessages |
	discordgo.PermissionSendMessagesInThreads | discordgo.PermissionCreatePublicThreads |
	discordgo.PermissionEmbedLinks | discordgo.PermissionReadMessageHistory | discordgo.PermissionManageMessages

// Application flags that say the message content intent is on.
const (
	flagMessageContent        = 1 << 18
	flagMessageContentLimited = 1 << 19
)

// Check logs in with the bot token (GET /applications/@me) and reports the
// application's name and whether the privileged message content intent is
// turned on (crier needs it to read replies in its threads).
func (a *Adapter) Check(ctx context.Context) (name string, messageContent bool, err error) {
	raw, err := a.s.RequestWithBucketID(http.MethodGet, discordgo.EndpointApplication("@me"), nil,
		discordgo.EndpointApplication("@me"), discordgo.WithContext(ctx))
	if err != nil {
		return "", false, fmt.Errorf("discord: check the bot token: %w", err)
	}
	var app struct {
		ID    string `json:"id"`
		Name  string `json:"name"`
		Flags int64  `json:"flags"`
	}
	if err := json.Unmarshal(raw, &app); err != nil {
		return "", false, fmt.Errorf("discord application: %w", err)
	}
	return app.Name, app.Flags&(flagMessageContent|flagMessageContentLimited) != 0, nil
}
