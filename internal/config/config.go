// Package config reads crier's configuration file, bot.yaml.
//
// The file is decoded into a yaml.Node first, so every error names the file,
// the line and the key it is about, on one line:
//
//	bot.yaml:12: networks[1].kind: unknown kind "mastodn" (known: file, slack, discord, mastodon, bluesky, webhook)
//
// Unknown keys, duplicate keys and values of the wrong type are rejected.
// ${VAR} inside a value is replaced by the environment variable VAR after the
// YAML is parsed, so a variable can never change the structure of the file;
// $$ is a literal $. Error messages quote values as written in the file, never
// their expansion, because secrets come through variables.
//
// # Files
//
// One file per section of bot.yaml: top.go (the top level and the checks
// across sections), chat.go (chat and chat.shell), slack.go, discord.go,
// http.go, roles.go, network.go (the networks list and file networks),
// mastodon.go, bluesky.go, webhook.go, publish.go, inbox.go, digests.go,
// metrics.go, utm.go, writer.go, voice.go, approvals.go, channels.go and slots.go. decode.go, section.go, values.go, secret.go and suggest.go hold
// what every section is read with.
//
// # Adding a section
//
// To add a section, say relay:
//
//  1. Add its type and a Relay field to Config in config.go, with its defaults
//     in Parse.
//  2. Write relay.go with a table of its keys, relayFields() []field[*Relay],
//     each key beside the function that reads it (values.go has the readers),
//     and a func (d *decoder) relay(e entry, c *Config) error that calls
//     section(d, e.v, e.path, "a mapping like {…}", relayFields(), &c.Relay)
//     and then checks what spans keys (a required key, say).
//  3. Add {key: "relay", decode: (*decoder).relay} to topFields in top.go, and
//     a check to across there if the section needs another one.
//  4. Add the table to TestEveryListedKeyIsRead in section_test.go.
//
// The table is the only list of a section's keys, so "unknown key (known: …)"
// names them in table order. A kind of network is a kind in its own file,
// added to kinds in network.go.
package config

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/crier-bot/crier/internal/crier"
)

// Config is a parsed bot.yaml.
type Config struct {
	Path      string         // the file it came from ("" when parsed from a reader with no name)
	Dir       string         // folder relative paths are resolved against
	Timezone  string         // IANA name, default "UTC"
	Location  *time.Location // loaded from Timezone
	DateOrder string         // "dmy" (default) or "mdy"
	Languages []string       // time-phrase languages: subset of {"en","pt"}; default ["en","pt"]
	Database  string         // resolved path (relative → joined with Dir); default "data/crier.db"
	Chat      Chat
	HTTP      HTTP
	Roles     map[crier.Role][]string // role → user ids (Slack U…, Discord snowflakes), user names or Slack user group ids (S…); "*" means everyone
	Networks  []Network
	Publish   Publish
	Inbox     Inbox
	Digests   []Digest                   // bot.yaml digests:, in file order; nil when none
	Metrics   Metrics                    // bot.yaml metrics:
	UTM       UTM                        // bot.yaml utm:
	Writer    Writer                     // bot.yaml writer: (an OpenAI-compatible endpoint); Writer.On false when absent
	Voice     crier.Voice                // bot.yaml voice: tone, use, avoid, hashtags, language
	Approvals Approvals                  // bot.yaml approvals:
	Channels  map[string]ChannelDefaults // bot.yaml channels: keyed by "<platform>:<channel id>" (same syntax as inbox.channel); nil when none
	// Slots are bot.yaml's posting slots (slots:), in file order, each in
	// slots.timezone or the top-level one; nil when none. SlotsShared
	// (slots.shared) lets two posts take one slot.
	Slots       []crier.Slot
	SlotsShared bool
}

// Chat holds the chat platforms crier listens on. A nil platform is not used.
type Chat struct {
	Shell   *Shell
	Slack   *Slack
	Discord *Discord
}

// Shell is the terminal chat, for trying crier out and for tests.
type Shell struct {
	User    string // default "you"
	Channel string // default "general"
}

// Slack is the Slack app crier runs as. Its tokens and secret come from
// ${VAR} in the file; no error message ever holds them.
type Slack struct {
	Mode          string // "socket" (default: Socket Mode, no public URL) or "http" (Events API, needs HTTP.Listen)
	BotToken      string // required, starts with "xoxb-"
	AppToken      string // required in socket mode, starts with "xapp-"
	SigningSecret string // required in http mode
	APIURL        string // absolute http(s) URL ending in "/"; default "https://slack.com/api/" (tests and GovSlack set another)
	Line          int    // line of the chat.slack key (for messages)
}

// Discord is the Discord application crier runs as, from chat.discord. Its
// token comes from ${VAR} in the file; no error message ever holds it.
//
// Snowflakes (application, server and channel IDs) may be written as YAML
// numbers or as strings. crier reads the digits as written, so a number loses
// nothing here, but other tools that read bot.yaml (yq, JavaScript) may round
// numbers over 2^53; quoting them, like "123456789012345678", is safer. They
// are stored as decimal strings either way.
type Discord struct {
	Token          string         // required: the bot token (Developer Portal → Bot → Reset Token), without "Bot " (crier adds it)
	ApplicationID  string         // required: a snowflake (Developer Portal → General Information → Application ID)
	PublicKey      string         // required when Interactions is "http": 64 hex characters (Developer Portal → General Information → Public Key)
	Interactions   string         // "gateway" (default: over the bot's connection, no public URL) or "http" (Interactions Endpoint URL, needs HTTP.Listen)
	GlobalCommands bool           // false (default): commands are registered in each of Guilds, where they show at once; true: globally
	APIURL         string         // "" (default) means Discord's; else an absolute http(s) URL ending in "/" that API routes go under (tests)
	Guilds         []DiscordGuild // at least one unless GlobalCommands; nil when none
	Line           int            // line of the chat.discord key (for messages)
}

// DiscordGuild is one Discord server (guild) crier is in.
type DiscordGuild struct {
	ID       string            // a snowflake, unique among Guilds
	Timezone string            // IANA name for people in this server, since Discord gives none; "" means Config.Timezone
	Channels map[string]string // channel snowflake → IANA name, overriding Timezone in that channel; nil when none
	Line     int               // line where this guild's entry starts (for messages)
}

// HTTP is crier's HTTP listener.
type HTTP struct {
	Listen   string // host:port, port 0..65535; "" (default) means no listener, which Slack's http mode, Discord's http interactions and APIToken do not allow
	APIToken string // http.api_token: turns on POST /api/metrics; "" = off. A secret (from ${ENV}, never in a message), 16 characters or more; needs Listen
	// PublicURL is crier's address as others reach it (http.public_url),
	// with no trailing "/": it turns on calendar feeds; needs Listen.
	PublicURL string
	Line      int // line of the http key, 0 when the file has none (for messages)
}

// Network is one place posts are published to.
type Network struct {
	Name      string // unique, [a-z0-9_-]{1,32}
	Kind      string // "file", "slack", "discord", "mastodon", "bluesky" or "webhook"
	Outbox    string // file: required, resolved path
	Inbox     string // file: optional, resolved path
	Channel   string // slack: required, a channel id like C0123ABCD; discord: required, a channel snowflake
	Limit     int    // file: default 500, 1..100000; slack: default 4000, 1..40000; discord: default 2000, 1..2000
	Crosspost bool   // discord: default true, publishing to an announcement channel crossposts the message to the servers following it; false for other kinds
	Line      int    // line in the file where this network's entry starts (for messages)

	// mastodon
	Server      string // required, the instance's https URL without a trailing slash
	AccessToken string // required, secret
	Visibility  string // public (default), unlisted, private or direct
	Language    string // mastodon and bluesky: ISO 639 code like en or pt-BR; "" lets the network decide

	// bluesky
	PDS         string // default https://bsky.social
	Handle      string // required, like crier.bsky.social (no @)
	AppPassword string // required, secret: an app password, not the account password
	AppView     string // "" (default): the PDS's own AppView; else the atproto-proxy service for Bluesky reads, like did:web:api.bsky.app#bsky_appview

	// webhook
	URL          string // required, where posts are POSTed
	Secret       string // required, secret: signs every request (HMAC-SHA256)
	Deduplicates bool   // default false; true when the receiver ignores a repeated Idempotency-Key (then timeouts are retried)
	Rate         int    // requests per second the receiver accepts, default 5, 1..1000
}

// Publish holds how deliveries are attempted.
type Publish struct {
	MaxAttempts    int           // default 8, 1..50
	AttemptTimeout time.Duration // default 30s, 1s..10m
}

// Inbox is the comment relay, from the inbox section: comments on the
// networks appear in chat threads, and answers there go back as replies.
// Its defaults are set even when the relay is off.
type Inbox struct {
	On       bool                        // false when bot.yaml has no inbox section: the comment relay is off
	Channel  crier.ChannelRef            // required when On: where comments appear; Thread is ""
	Channels map[string]crier.ChannelRef // network name → channel, overriding Channel for that network; nil when none
	Poll     time.Duration               // how often networks are read for comments, default 30s, 5s..1h
	Crisis   Crisis
	Line     int // line of the inbox key, 0 when the file has none (for messages)
}

// ChannelFor returns the channel comments from network appear in: its own
// under Channels, else Channel.
func (in Inbox) ChannelFor(network string) crier.ChannelRef {
	if ch, ok := in.Channels[network]; ok {
		return ch
	}
	return in.Channel
}

// Crisis is the crisis alarm: an alert goes out when at least Negative
// negative comments arrive within Window and their rate over Window is at
// least Ratio times the usual rate, measured over Baseline.
type Crisis struct {
	Off      bool          // true after crisis: off; no alarm
	Negative int           // default 5, 1..10000
	Window   time.Duration // default 30m, 1m..24h
	Ratio    float64       // default 2, 1..100
	Baseline time.Duration // default 168h, 1h..720h, longer than Window
}

// Digest is one digest of the numbers, from an entry of the digests list:
// every day at Hour:Minute in Location, crier posts yesterday's numbers in
// Channel.
type Digest struct {
	Name         string           // digests[i].name: 1 to 32 of a-z, 0-9, _ and -, unique; default "daily" when there is one digest, required when there are several
	Channel      crier.ChannelRef // digests[i].channel, written <platform>:<channel id> like inbox.channel, on a platform set up under chat; Thread is ""
	Hour, Minute int              // digests[i].time: "09:00" (24 h) or "9am"/"9:30 am"; required
	Location     *time.Location   // digests[i].timezone: an IANA name; default Config.Location (the top-level timezone)
	Accounts     []string         // digests[i].accounts: names of networks, each in Networks, none repeated; nil = all
	Metrics      []string         // digests[i].metrics: names from DigestMetrics, lower case, none repeated; nil = all
	Weekly       *time.Weekday    // digests[i].weekly: the day a weekly digest sums the week; nil = no weekly digest
	NowReplaces  bool             // digests[i].now_replaces: /digest now replaces that day's scheduled digest; default false
	Line         int              // line where this digest's entry starts (for messages)
}

// DigestMetrics returns the names a digest's metrics list may hold, in the
// order a digest shows them.
func DigestMetrics() []string {
	return []string{"followers", "engagement", "posts", "failed", "comments", "replies", "response", "open",
		"reach", "impressions", "clicks", "conversions", "revenue", "spend", "campaigns"}
}

// Metrics holds how the numbers are gathered, from the metrics section.
type Metrics struct {
	Collect  time.Duration // metrics.collect: how often each account's numbers are read; default 1h, 10m..24h; -1 after collect: off
	Currency string        // metrics.currency: ISO 4217 code, three letters upper-cased, for a value typed without one; default ""
}

// UTM is how links in a campaign's posts are tagged for web analytics, from
// the utm section: each link gets utm_source, utm_medium and utm_campaign (the
// campaign's name), unless the post ends it with "!". A value is 1 to 50
// letters, digits, -, _ and ., which a link holds without encoding.
type UTM struct {
	Off    bool   // utm: off (or false), or utm: {off: true}: campaign links are left as they are
	Source string // utm.source: what utm_source says; "" (default) = each network's name from networks:
	Medium string // utm.medium: default "social"
}

// Writer is the OpenAI-compatible endpoint crier writes copy with, from the
// writer section: variants of a post per network and suggested replies.
// OpenAI, Azure OpenAI, Ollama, vLLM and llama.cpp's server all speak Chat
// Completions. Its defaults are set even when it is off.
type Writer struct {
	On      bool          // false when bot.yaml has no writer section: no AI copy
	BaseURL string        // writer.base_url, required: an absolute http(s) URL without a trailing "/", like https://api.openai.com/v1 or http://localhost:11434/v1 (Ollama); on Azure the resource's endpoint
	Model   string        // writer.model, required: like gpt-4o-mini or llama3.1:8b; on Azure the deployment's name
	APIKey  string        // writer.api_key: a secret, only from ${VAR} (never in a message); "" only when BaseURL is on this machine or the local network and Azure is false
	Azure   bool          // writer.azure: true for Azure OpenAI; default false
	Timeout time.Duration // writer.timeout: how long one request may take; default 60s, 5s..5m
	Line    int           // line of the writer key, 0 when the file has none (for messages)
}

// Approvals is who approves posts, from the approvals section: when On, a
// post by someone without the scheduler role (a drafter) waits until an
// approver approves it. Its defaults are set even when it is off.
type Approvals struct {
	On          bool             // false when bot.yaml has no approvals section: nothing waits for approval
	Channel     crier.ChannelRef // approvals.channel: where approvers are asked, written like inbox.channel; required when On; Thread is ""
	SelfApprove bool             // approvals.self_approve: an approver may approve their own post; default false
	LateAfter   time.Duration    // approvals.late_after: a post approved more than this after its time asks before going out; default 1h, 1m..168h
}

// ChannelDefaults are the settings of one chat channel, from an entry of the
// channels section.
type ChannelDefaults struct {
	Networks []string // channels.<channel>.networks: the networks a post from that channel goes to when it names none; each in Networks, none repeated
}

// Options tell Parse where the configuration came from.
type Options struct {
	Name   string                      // file name used in error messages, e.g. "bot.yaml"
	Dir    string                      // base folder for relative paths
	Getenv func(string) (string, bool) // nil means os.LookupEnv
}

// Defaults for keys left out of the file.
const (
	defaultTimezone       = "UTC"
	defaultDateOrder      = "dmy"
	defaultDatabase       = "data/crier.db"
	defaultShellUser      = "you"
	defaultShellChannel   = "general"
	defaultFileLimit      = 500
	maxFileLimit          = 100000
	defaultWebhookLimit   = 10000
	defaultBlueskyPDS     = "https://bsky.social"
	defaultSlackMode      = "socket"
	defaultSlackAPIURL    = "https://slack.com/api/"
	defaultSlackLimit     = 4000
	maxSlackLimit         = 40000
	defaultInteractions   = "gateway"
	defaultDiscordLimit   = 2000
	maxDiscordLimit       = 2000
	defaultMaxAttempts    = 8
	defaultAttemptTimeout = 30 * time.Second
	defaultPoll           = 30 * time.Second
	defaultNegative       = 5
	defaultWindow         = 30 * time.Minute
	defaultRatio          = 2
	defaultBaseline       = 7 * 24 * time.Hour
	defaultDigestName     = "daily"
	defaultCollect        = time.Hour
	defaultUTMMedium      = "social"
)

// Parse reads a configuration from r. Errors start with opts.Name (or
// "config" when it is empty) and, when they are about a place in the file, its
// line: "bot.yaml:12: networks[1].kind: unknown kind …".
func Parse(r io.Reader, opts Options) (*Config, error) {
	d := &decoder{name: opts.Name, dir: opts.Dir, getenv: opts.Getenv}
	if d.name == "" {
		d.name = "config"
	}
	if d.getenv == nil {
		d.getenv = os.LookupEnv
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: read: %w", d.name, err)
	}
	root, err := d.document(data)
	if err != nil {
		return nil, err
	}
	c := &Config{
		Path:      opts.Name,
		Dir:       opts.Dir,
		Timezone:  defaultTimezone,
		Location:  time.UTC,
		DateOrder: defaultDateOrder,
		Languages: knownLanguages(),
		Database:  d.path(defaultDatabase),
		Roles:     make(map[crier.Role][]string),
		Publish: Publish{
			MaxAttempts:    defaultMaxAttempts,
			AttemptTimeout: defaultAttemptTimeout,
		},
		Inbox: Inbox{
			Poll:   defaultPoll,
			Crisis: Crisis{Negative: defaultNegative, Window: defaultWindow, Ratio: defaultRatio, Baseline: defaultBaseline},
		},
		Metrics:   Metrics{Collect: defaultCollect},
		UTM:       UTM{Medium: defaultUTMMedium},
		Writer:    Writer{Timeout: defaultWriterOut},
		Approvals: Approvals{LateAfter: defaultLateAfter},
	}
	if err := d.config(root, c); err != nil {
		return nil, err
	}
	return c, nil
}

// Load reads the configuration file at path. Relative paths in it are
// resolved against the folder the file is in, and ${VAR} is looked up in the
// process environment.
func Load(path string) (*Config, error) { return LoadWith(path, os.LookupEnv) }

// LoadWith is Load with ${VAR} looked up by getenv (nil: the process
// environment).
func LoadWith(path string, getenv func(string) (string, bool)) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	defer f.Close()
	if getenv == nil {
		getenv = os.LookupEnv
	}
	return Parse(f, Options{Name: path, Dir: filepath.Dir(path), Getenv: getenv})
}

// RolesFor returns, in the order of crier.Roles, every role whose list holds
// "*", userID or userName. It matches ids and names only: a Slack user group
// id (S…) in a list matches nothing here, since the config does not know who
// is in the group. The Slack adapter resolves group membership, using
// RoleMembers to find the groups.
func (c *Config) RolesFor(userID, userName string) []crier.Role {
	var roles []crier.Role
	for _, role := range crier.Roles() {
		for _, who := range c.Roles[role] {
			if who == "*" || (userID != "" && who == userID) || (userName != "" && who == userName) {
				roles = append(roles, role)
				break
			}
		}
	}
	return roles
}

// RoleMembers returns the list configured for role as written in the file:
// user ids, user names, Slack user group ids and "*". It is a copy, so the
// caller may change it; nil when the file does not list role. Admins are not
// added to the other roles' lists.
func (c *Config) RoleMembers(role crier.Role) []string {
	return slices.Clone(c.Roles[role])
}

// Secrets returns every token, password and secret in the configuration
// that is not empty: the chat platforms', the networks', http.api_token and
// writer.api_key.
// Output that may hold one (crier check, logs of a failed login) is redacted
// with them.
func (c *Config) Secrets() []string {
	var all []string
	if s := c.Chat.Slack; s != nil {
		all = append(all, s.BotToken, s.AppToken, s.SigningSecret)
	}
	if dc := c.Chat.Discord; dc != nil {
		all = append(all, dc.Token)
	}
	all = append(all, c.HTTP.APIToken)
	for _, n := range c.Networks {
		all = append(all, n.AccessToken, n.AppPassword, n.Secret)
	}
	all = append(all, c.Writer.APIKey)
	return slices.DeleteFunc(all, func(s string) bool { return s == "" })
}

// Network returns the network called name.
func (c *Config) Network(name string) (Network, bool) {
	for _, n := range c.Networks {
		if n.Name == name {
			return n, true
		}
	}
	return Network{}, false
}

// TimezoneFor returns the IANA name of the timezone for a person writing in
// channelID of guildID on platform. On "discord" it is the zone set for the
// channel under that guild in chat.discord.guilds, else the guild's zone,
// else Timezone; the channel is looked up only among guildID's channels, so
// pass a thread's parent channel. On other platforms, and for a guild that is
// not listed, it is Timezone ("UTC" when that is empty).
func (c *Config) TimezoneFor(platform, guildID, channelID string) string {
	if d := c.Chat.Discord; platform == "discord" && d != nil && guildID != "" {
		for _, g := range d.Guilds {
			if g.ID != guildID {
				continue
			}
			if tz, ok := g.Channels[channelID]; ok && channelID != "" && tz != "" {
				return tz
			}
			if g.Timezone != "" {
				return g.Timezone
			}
			break
		}
	}
	if c.Timezone == "" {
		return defaultTimezone
	}
	return c.Timezone
}
