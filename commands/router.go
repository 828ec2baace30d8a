// Package commands holds crier's chat commands, platform-neutral: handlers
// take a Request and return a Response and know nothing of Slack or Discord.
// Definitions are data; /help is generated from them.
package commands

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/publish"
	"github.com/crier-bot/crier/internal/series"
	"github.com/crier-bot/crier/internal/timeparse"
)

// Request is one command typed by a person.
type Request struct {
	Platform string
	User     crier.User
	Channel  crier.ChannelRef
	Command  string // without the slash: "schedule"
	Text     string // everything after the command
	// Files are the files attached to the command (a calendar CSV for
	// /import), as the chat downloaded them; nil for none.
	Files []crier.File
	// Help is how help is typed on this platform ("/crier help" in Slack);
	// "" means "/help".
	Help string

	// chatTimezone is User.Timezone as the platform gave it, and ownTimezone
	// whether the router replaced it with the one set with /timezone.
	chatTimezone string
	ownTimezone  bool
}

func (req Request) help() string {
	if req.Help != "" {
		return req.Help
	}
	return "/help"
}

// Response is what crier answers. Adapters render it as plain text, Block Kit
// or Discord embeds.
type Response struct {
	Text      string   // the headline, one line
	Lines     []string // details: previews, list rows
	Buttons   []Button
	Ephemeral bool // only the person who typed sees it
	Error     bool
	Code      string // the crier error code of an error response (crier.EINVALID, crier.EFORBIDDEN, …)
}

// Button is an action offered with a response (see crier.Button).
type Button = crier.Button

// String renders the response as plain text.
func (r Response) String() string {
	var b strings.Builder
	b.WriteString(r.Text)
	for _, l := range r.Lines {
		b.WriteString("\n  ")
		b.WriteString(l)
	}
	return b.String()
}

// Handler runs a command.
type Handler func(ctx context.Context, req Request) (Response, error)

// Definition describes a command; help is generated from it.
type Definition struct {
	Name     string
	Usage    string // "/schedule <when> <text>"
	Summary  string // one line
	Details  string // more, for /help <command>
	Examples []string
	Role     crier.Role // "" means anyone
	// Composes marks the commands that write posts: the scheduler role, or
	// the drafter role when approvals are on (checked by the command).
	Composes bool
	Handler  Handler
}

// Deps is what the commands need.
type Deps struct {
	Publisher *publish.Service
	Times     *timeparse.Parser
	Clock     crier.Clock
	Location  *time.Location // for people whose platform gives no timezone
	Timezones TimezoneStore  // the timezones set with /timezone; nil means none
	Logger    *slog.Logger
	Metrics   crier.Metrics  // nil counts nothing
	Inbox     Inbox          // the comment relay; nil when bot.yaml has no inbox
	KPIs      crier.KPIStore // the numbers; nil when crier keeps none
	Digests   Digests        // the daily digest; nil when bot.yaml has none
	Currency  string         // bot.yaml metrics.currency: for amounts typed without one; "" for none

	// Chat posts what a command says to others: approvers asked, an
	// author told of a decision. nil: nobody else is told.
	Chat crier.Chat
	// Approvals are bot.yaml's approvals: who is asked, and the rules.
	Approvals Approvals
	// DefaultNetworks gives the networks a post from a channel goes to when
	// it names none (bot.yaml channels:); nil or an empty answer: every
	// network.
	DefaultNetworks func(crier.ChannelRef) []string
	// Writer writes copy with AI; nil when bot.yaml has no writer.
	Writer crier.Writer
	// Voice is the brand voice the writer writes in.
	Voice crier.Voice
	// Slots are bot.yaml's posting slots (issue 10); SlotsShared lets two
	// posts take one slot.
	Slots       []crier.Slot
	SlotsShared bool
	// Feeds makes and revokes calendar feed addresses (/calendar link);
	// nil, or FeedBase "", turns calendar feeds off.
	Feeds FeedTokens
	// FeedBase is crier's public address (bot.yaml http.public_url), the
	// start of a feed's address: "https://crier.example.com".
	FeedBase string
	// Series makes and cancels recurring posts; nil: they are off.
	Series *series.Service
}

// Approvals are the approval rules of bot.yaml.
type Approvals struct {
	On          bool
	Channel     crier.ChannelRef // where approvers are asked
	SelfApprove bool             // an author may approve their own post
	LateAfter   time.Duration    // approved more than this after its time: ask first (default 1 h)
}

// TimezoneStore keeps the timezone each person set with /timezone, per
// platform and user id. It overrides what the platform says.
type TimezoneStore interface {
	// SetUserTimezone stores an IANA zone name; "" removes the person's own.
	SetUserTimezone(ctx context.Context, platform, userID, tz string) error
	// UserTimezone returns the stored zone name, or "" when there is none.
	UserTimezone(ctx context.Context, platform, userID string) (string, error)
}

// Router finds and runs commands.
type Router struct {
	deps   Deps
	defs   []Definition
	byName map[string]int
	zones  zoneIndex  // the tz database's zones by name and city, for /timezone
	slotMu sync.Mutex // /schedule next chooses and takes a slot at a time
}

// New returns a router with every command registered.
func New(deps Deps) *Router {
	if deps.Clock == nil {
		deps.Clock = crier.SystemClock{}
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Metrics == nil {
		deps.Metrics = crier.NopMetrics{}
	}
	if deps.Location == nil {
		deps.Location = time.UTC
	}
	r := &Router{deps: deps, byName: map[string]int{}, zones: newZoneIndex(tzZones())}
	for _, d := range []Definition{
		r.scheduleDef(), r.draftDef(), r.queueDef(), r.rescheduleDef(), r.cancelDef(),
		r.publishedDef(), r.republishDef(), r.inboxDef(), r.threadDef(), r.replyDef(), r.pauseDef(), r.resumeDef(),
		r.variantDef(), r.editDef(), r.networksDef(), r.writeDef(), r.approveDef(), r.rejectDef(), r.approvalsDef(), r.suggestDef(),
		r.calendarDef(), r.importDef(), r.slotsDef(), r.evergreenDef(), r.kpiDef(), r.digestDef(), r.campaignDef(), r.timezoneDef(), r.helpDef(),
	} {
		r.byName[d.Name] = len(r.defs)
		r.defs = append(r.defs, d)
	}
	return r
}

// Definitions returns the registered commands, for adapters that register
// them with a platform.
func (r *Router) Definitions() []Definition { return r.defs }

// Has reports whether name is a registered command.
func (r *Router) Has(name string) bool {
	_, ok := r.byName[name]
	return ok
}

// Parse splits "/schedule tomorrow 9am Hi" into ("schedule", "tomorrow 9am Hi").
// ok is false when line is not a command.
func Parse(line string) (name, args string, ok bool) {
	line = strings.TrimSpace(line)
	if !strings.HasPrefix(line, "/") || len(line) < 2 {
		return "", "", false
	}
	name, args, _ = strings.Cut(line[1:], " ")
	return strings.ToLower(name), strings.TrimSpace(args), true
}

// handle runs one command: the role check, the person's own timezone, the
// handler; errors become ephemeral one-line answers.
func (r *Router) handle(ctx context.Context, req Request) Response {
	i, ok := r.byName[req.Command]
	if !ok {
		return failure(crier.Errorf(crier.EINVALID, "I don't know /%s. Type %s to see what I can do.", req.Command, req.help()))
	}
	def := r.defs[i]
	if def.Role != "" && !req.User.Can(def.Role) {
		return failure(crier.Errorf(crier.EFORBIDDEN, "You need the %s role to use /%s. Ask whoever runs crier to add you under roles: in bot.yaml.", def.Role, def.Name))
	}
	// One place for every command: no control character reaches a
	// handler, so none is stored, published or shown back.
	req.Text = newLines(req.Text)
	if err := refuseUnwanted(req.Text); err != nil {
		return failure(err)
	}
	req = r.withOwnTimezone(ctx, req)
	resp, err := def.Handler(ctx, req)
	if err != nil {
		if crier.ErrorCode(err) == crier.EINTERNAL {
			r.deps.Logger.Error("command failed", slog.String("command", def.Name), slog.String("user_id", req.User.ID), slog.Any("error", err))
		}
		return failure(err)
	}
	return resp
}

// Handle runs the command in req and always returns a response: errors become
// ephemeral one-line answers; internal errors are logged, not shown. Every
// command is counted by platform, command and outcome (unknown commands as
// "unknown", so typos do not become metric series).
func (r *Router) Handle(ctx context.Context, req Request) Response {
	resp := r.handle(ctx, req)
	outcome, label := "ok", req.Command
	switch {
	case resp.Code == crier.EFORBIDDEN:
		outcome = "forbidden"
	case resp.Error:
		outcome = "error"
	}
	if !r.Has(label) {
		label = "unknown"
	}
	r.deps.Metrics.CommandHandled(req.Platform, label, outcome)
	return resp
}

func failure(err error) Response {
	return Response{Text: "✗ " + crier.ErrorMessage(err), Ephemeral: true, Error: true, Code: crier.ErrorCode(err)}
}

// withOwnTimezone replaces the platform's timezone in req with the one the
// person set with /timezone, if any. A failed lookup is logged and the
// platform's timezone stays: a command should not fail for it.
func (r *Router) withOwnTimezone(ctx context.Context, req Request) Request {
	req.chatTimezone = req.User.Timezone
	if r.deps.Timezones == nil || req.User.ID == "" {
		return req
	}
	tz, err := r.deps.Timezones.UserTimezone(ctx, req.Platform, req.User.ID)
	if err != nil {
		r.deps.Logger.Warn("look up own timezone", slog.String("platform", req.Platform), slog.String("user_id", req.User.ID), slog.Any("error", err))
		return req
	}
	if tz != "" {
		req.User.Timezone, req.ownTimezone = tz, true
	}
	return req
}

// location returns the person's timezone, or the configured one.
func (r *Router) location(u crier.User) *time.Location {
	if u.Timezone != "" {
		if loc, err := time.LoadLocation(u.Timezone); err == nil {
			return loc
		}
	}
	return r.deps.Location
}

// postID reads "#12" or "12" at the start of args and returns the rest.
func postID(args, usage string) (int64, string, error) {
	word, rest, _ := strings.Cut(strings.TrimSpace(args), " ")
	n, err := strconv.ParseInt(strings.TrimPrefix(word, "#"), 10, 64)
	if word == "" || err != nil || n <= 0 {
		return 0, "", crier.Errorf(crier.EINVALID, "Put the post's number first, like: %s. /queue lists the numbers.", usage)
	}
	return n, strings.TrimSpace(rest), nil
}
