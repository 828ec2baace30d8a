// Package slack connects crier to Slack: slash commands, buttons, thread
// replies and calendar CSVs uploaded with "crier import", over Socket Mode or
// signed HTTP, Block Kit answers, and notices posted to channels and threads.
package slack

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"
	"golang.org/x/time/rate"

	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
)

// Platform is the platform name of Slack requests and channels.
const Platform = "slack"

// Slack's limits and windows.
const (
	ackBudget     = 2 * time.Second // how long a command may run before we ack "working on it" (Slack's deadline is 3 s)
	maxBody       = 1 << 20         // 1 MiB: larger requests are refused
	maxClockSkew  = 5 * time.Minute // older (or future) request timestamps are refused
	userCacheTTL  = time.Hour       // users.info and user group lookups
	eventCacheTTL = 10 * time.Minute
)

// Options configure the adapter.
type Options struct {
	Mode          string // "socket" or "http"
	BotToken      string
	AppToken      string // socket mode
	SigningSecret string // http mode
	APIURL        string // "" means Slack's
	HTTPClient    *http.Client

	Router   *commands.Router        // may be set later with UseRouter, before Run or serving
	Roles    map[crier.Role][]string // role → user ids, user group ids (S…) or "*"
	Timezone string                  // for users whose Slack profile has none
	Clock    crier.Clock
	Logger   *slog.Logger
	Metrics  crier.Metrics
	// PerChannel is the sustained message rate per channel (default 1/s, bursts of 3).
	PerChannel rate.Limit
}

// slackAPI is the part of slack-go's client the adapter uses.
type slackAPI interface {
	AuthTestContext(ctx context.Context) (*slackapi.AuthTestResponse, error)
	GetUserInfoContext(ctx context.Context, user string, options ...slackapi.GetUserInfoOption) (*slackapi.User, error)
	GetUserGroupMembersContext(ctx context.Context, group string, options ...slackapi.GetUserGroupMembersOption) ([]string, error)
	PostMessageContext(ctx context.Context, channel string, options ...slackapi.MsgOption) (string, string, error)
	PostEphemeralContext(ctx context.Context, channel, user string, options ...slackapi.MsgOption) (string, error)
	UpdateMessageContext(ctx context.Context, channel, ts string, options ...slackapi.MsgOption) (string, string, string, error)
	AddReactionContext(ctx context.Context, name string, item slackapi.ItemRef) error
	UploadFileContext(ctx context.Context, params slackapi.UploadFileParameters) (*slackapi.FileSummary, error)
	GetConversationRepliesContext(ctx context.Context, params *slackapi.GetConversationRepliesParameters) ([]slackapi.Message, bool, string, error)
	GetConversationHistoryContext(ctx context.Context, params *slackapi.GetConversationHistoryParameters) (*slackapi.GetConversationHistoryResponse, error)
	GetFileContext(ctx context.Context, downloadURL string, writer io.Writer) error
}

// Adapter is crier on one Slack workspace.
type Adapter struct {
	opts   Options
	api    slackAPI
	client *slackapi.Client
	http   *http.Client
	log    *slog.Logger
	botID  string // the bot's user id, to ignore its own messages
	whoami string // "@crier in Team", from auth.test

	mu     sync.Mutex
	users  map[string]cachedUser
	groups map[string]cachedGroup
	// events are the event ids seen (Slack retries a delivery it thinks
	// failed) → until when. They stay in memory, unlike request signatures:
	// an event is acknowledged before it is handled, so a retry Slack sends
	// after a restart is one the previous crier never acknowledged.
	events    map[string]time.Time
	replays   map[string]time.Time // request signatures seen → until when
	nextSweep time.Time
	limiters  map[string]*rate.Limiter
	notBefore map[string]time.Time // channel → when Slack's last Retry-After ends
	onThread  crier.ThreadHandler
	store     crier.ReplayStore                                // nil: replays in memory
	sleep     func(ctx context.Context, d time.Duration) error // a test's hook between connection attempts; nil: crier.Sleep on the clock
	outage    *outage                                          // nil while connected
}

type cachedUser struct {
	tz      string
	name    string
	fetched time.Time
}

type cachedGroup struct {
	members []string
	fetched time.Time
}

var (
	_ crier.Chat           = (*Adapter)(nil)
	_ crier.HealthReporter = (*Adapter)(nil)
)

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
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.PerChannel == 0 {
		// Slack's "1 per second", with a margin: Slack measures the gaps
		// as they arrive, a few milliseconds apart from how they left.
		opts.PerChannel = rate.Every(1050 * time.Millisecond)
	}
	apiOpts := []slackapi.Option{slackapi.OptionHTTPClient(opts.HTTPClient)}
	if opts.APIURL != "" {
		apiOpts = append(apiOpts, slackapi.OptionAPIURL(opts.APIURL))
	}
	if opts.AppToken != "" {
		apiOpts = append(apiOpts, slackapi.OptionAppLevelToken(opts.AppToken))
	}
	client := slackapi.New(opts.BotToken, apiOpts...)
	return &Adapter{
		opts: opts, api: client, client: client, http: opts.HTTPClient, log: opts.Logger,
		users: map[string]cachedUser{}, groups: map[string]cachedGroup{},
		events: map[string]time.Time{}, replays: map[string]time.Time{}, limiters: map[string]*rate.Limiter{}, notBefore: map[string]time.Time{},
		outage: &outage{reason: "Slack is not connected yet"},
	}, nil
}

// UseRouter sets the command router (crier builds it after the networks,
// one of which may be this adapter's channel network).
func (a *Adapter) UseRouter(r *commands.Router) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.opts.Router = r
}

func (a *Adapter) router() *commands.Router {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.opts.Router
}

// Connect checks the bot token once (auth.test) and learns the bot's user
// id; `crier check` uses it. Run does not need it: Run connects by itself,
// and keeps trying while Slack is down.
func (a *Adapter) Connect(ctx context.Context) error {
	if err := a.authTest(ctx); err != nil {
		return fmt.Errorf("slack: check the bot token: %w", err)
	}
	return nil
}

func (a *Adapter) authTest(ctx context.Context) error {
	res, err := a.api.AuthTestContext(ctx)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.botID = res.UserID
	a.whoami = fmt.Sprintf("@%s (%s) in %s", res.User, res.UserID, res.Team)
	return nil
}

// CheckAppToken asks Slack for a Socket Mode connection address
// (apps.connections.open), which proves the app-level token works, without
// connecting.
func (a *Adapter) CheckAppToken(ctx context.Context) error {
	if _, _, err := a.client.StartSocketModeContext(ctx); err != nil {
		return fmt.Errorf("slack apps.connections.open: %w", err)
	}
	return nil
}

// Identity says who crier is on Slack, after Connect.
func (a *Adapter) Identity() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.whoami
}

func (a *Adapter) bot() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.botID
}

// OnThreadReply sets the handler of thread replies.
func (a *Adapter) OnThreadReply(h crier.ThreadHandler) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.onThread = h
}

// user builds the crier user behind a Slack user id: timezone from
// users.info (cached), roles from bot.yaml (user ids, user group ids, "*";
// never names, which people can change).
func (a *Adapter) user(ctx context.Context, id, name string) crier.User {
	u := crier.User{ID: id, Name: name, Timezone: a.opts.Timezone, TimezoneFrom: "bot.yaml's timezone"}
	if info, ok := a.userInfo(ctx, id); ok {
		if info.tz != "" {
			u.Timezone, u.TimezoneFrom = info.tz, "" // the Slack profile's
		}
		if info.name != "" {
			u.Name = info.name
		}
	}
	for _, role := range crier.Roles() {
		if a.hasRole(ctx, role, id) {
			u.Roles = append(u.Roles, role)
		}
	}
	return u
}

func (a *Adapter) userInfo(ctx context.Context, id string) (cachedUser, bool) {
	now := a.opts.Clock.Now()
	a.mu.Lock()
	c, ok := a.users[id]
	a.mu.Unlock()
	if ok && now.Sub(c.fetched) < userCacheTTL {
		return c, true
	}
	info, err := a.api.GetUserInfoContext(ctx, id)
	if err != nil {
		a.log.Warn("slack users.info failed; using the default timezone", slog.String("user_id", id), slog.Any("error", err))
		return c, ok
	}
	c = cachedUser{tz: info.TZ, name: info.Name, fetched: now}
	a.mu.Lock()
	a.users[id] = c
	a.mu.Unlock()
	return c, true
}

func (a *Adapter) hasRole(ctx context.Context, role crier.Role, id string) bool {
	for _, m := range a.opts.Roles[role] {
		switch {
		case m == "*" || m == id:
			return true
		case strings.HasPrefix(m, "S") && a.inGroup(ctx, m, id):
			return true
		}
	}
	return false
}

func (a *Adapter) inGroup(ctx context.Context, group, id string) bool {
	now := a.opts.Clock.Now()
	a.mu.Lock()
	c, ok := a.groups[group]
	a.mu.Unlock()
	if !ok || now.Sub(c.fetched) >= userCacheTTL {
		members, err := a.api.GetUserGroupMembersContext(ctx, group)
		if err != nil {
			a.log.Warn("slack usergroups.users.list failed", slog.String("group", group), slog.Any("error", err))
		} else {
			c = cachedGroup{members: members, fetched: now}
			a.mu.Lock()
			a.groups[group] = c
			a.mu.Unlock()
		}
	}
	for _, m := range c.members {
		if m == id {
			return true
		}
	}
	return false
}

// commandRequest turns a slash command into a crier request. "/crier help x"
// is "/help x".
func (a *Adapter) commandRequest(ctx context.Context, sc slackapi.SlashCommand) commands.Request {
	name, text := strings.TrimPrefix(sc.Command, "/"), strings.TrimSpace(sc.Text)
	if name == "crier" {
		name, text, _ = strings.Cut(text, " ")
		if name == "" {
			name = "help"
		}
	}
	return commands.Request{
		Platform: Platform,
		User:     a.user(ctx, sc.UserID, sc.UserName),
		Channel:  crier.ChannelRef{Platform: Platform, ID: sc.ChannelID},
		Command:  strings.ToLower(name),
		Text:     strings.TrimSpace(text),
		Help:     "/crier help",
	}
}

// run runs a request (the router counts it).
func (a *Adapter) run(ctx context.Context, req commands.Request) commands.Response {
	r := a.router()
	if r == nil {
		return stillStarting()
	}
	return r.Handle(ctx, req)
}

func stillStarting() commands.Response {
	return commands.Response{Text: "✗ crier is still starting; try again in a moment.", Ephemeral: true, Error: true}
}

// runWithinBudget runs work and returns its response if it finishes within the
// ack budget; otherwise it returns ok=false and calls late with the response
// when it is ready (posted through response_url). A panic in work is
// logged and answered with one line.
func (a *Adapter) runWithinBudget(ctx context.Context, work func(ctx context.Context) commands.Response, late func(commands.Response)) (commands.Response, bool) {
	done := make(chan commands.Response, 1)
	wctx := context.WithoutCancel(ctx)
	go func() {
		defer a.recoverPanic("slack command", func() { done <- somethingWentWrong() })
		done <- work(wctx)
	}()
	timer := time.NewTimer(ackBudget)
	defer timer.Stop()
	select {
	case resp := <-done:
		return resp, true
	case <-timer.C:
		a.goSafe("slack late answer", func() { late(<-done) })
		return commands.Response{}, false
	}
}

// workingOnIt is the acknowledgement of a command that takes longer than the
// ack budget; the answer follows through response_url.
func workingOnIt() commands.Response {
	return commands.Response{Text: "⏳ Working on it…", Ephemeral: true}
}

// message is the JSON body of an answer (response_url, HTTP response, Socket
// Mode ack payload).
type message struct {
	ResponseType string           `json:"response_type,omitempty"`
	Text         string           `json:"text"`
	Blocks       []slackapi.Block `json:"blocks,omitempty"`
}

func toMessage(resp commands.Response) message {
	m := message{ResponseType: "in_channel", Text: FallbackText(resp), Blocks: Blocks(resp)}
	if resp.Ephemeral {
		m.ResponseType = "ephemeral"
	}
	return m
}

// UseReplayStore keeps the signatures of served requests in s, so that a
// captured request sent again after a restart is still refused. Call it
// before requests are served; nil keeps them in memory.
func (a *Adapter) UseReplayStore(s crier.ReplayStore) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.store = s
}
