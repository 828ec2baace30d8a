package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crier-bot/crier/internal/crier"
)

// env returns a Getenv that looks variables up in vars.
func env(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

// parse parses input as bot.yaml in /srv/crier with the variables vars.
func parse(input string, vars map[string]string) (*Config, error) {
	return Parse(strings.NewReader(input), Options{Name: "bot.yaml", Dir: "/srv/crier", Getenv: env(vars)})
}

// readFile returns the contents of a file in testdata.
func readFile(t testing.TB, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// checkConfig compares got with want; Location is compared by name, since
// two loads of a zone are different values.
func checkConfig(t *testing.T, got, want *Config) {
	t.Helper()
	if got.Location == nil {
		t.Fatalf("Location is nil")
	}
	if got.Location.String() != want.Location.String() {
		t.Errorf("Location = %s, want %s", got.Location, want.Location)
	}
	g, w := *got, *want
	g.Location, w.Location = nil, nil
	// A want that says nothing of metrics wants their defaults.
	if w.Metrics == (Metrics{}) {
		w.Metrics = Metrics{Collect: time.Hour}
	}
	// And one that says nothing of utm wants its defaults.
	if w.UTM == (UTM{}) {
		w.UTM = UTM{Medium: "social"}
	}
	// Nor of the writer or approvals.
	if w.Writer == (Writer{}) {
		w.Writer = Writer{Timeout: time.Minute}
	}
	if w.Approvals == (Approvals{}) {
		w.Approvals = Approvals{LateAfter: time.Hour}
	}
	g.Digests, w.Digests = withoutLocations(t, got.Digests), withoutLocations(t, want.Digests)
	if !reflect.DeepEqual(g, w) {
		t.Errorf("config differs\n got: %+v\nwant: %+v", g, w)
	}
	if !reflect.DeepEqual(got.Chat.Shell, want.Chat.Shell) {
		t.Errorf("Chat.Shell = %+v, want %+v", got.Chat.Shell, want.Chat.Shell)
	}
	if !reflect.DeepEqual(got.Chat.Slack, want.Chat.Slack) {
		t.Errorf("Chat.Slack = %+v, want %+v", got.Chat.Slack, want.Chat.Slack)
	}
	if !reflect.DeepEqual(got.Chat.Discord, want.Chat.Discord) {
		t.Errorf("Chat.Discord = %+v, want %+v", got.Chat.Discord, want.Chat.Discord)
	}
}

// withoutLocations returns a copy of digests with each Location replaced by
// a zone of the same name held nowhere else, so that reflect.DeepEqual
// compares zones by name (two loads of one zone are different values).
func withoutLocations(t *testing.T, digests []Digest) []Digest {
	t.Helper()
	if digests == nil {
		return nil
	}
	out := slices.Clone(digests)
	for i, dg := range out {
		if dg.Location == nil {
			t.Fatalf("digests[%d].Location is nil", i)
		}
		out[i].Location = time.FixedZone(dg.Location.String(), 0)
	}
	return out
}

// Tokens for tests: made up, in the shapes Slack and Discord give them.
const (
	testBotToken     = "xoxb-1111-2222-abcDEF"
	testAppToken     = "xapp-1-A111-2222-abcdef"
	testSecret       = "8f742231b10e8888abcd99yyyzzz85a5"
	testDiscordToken = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.fake-token_for-tests_0123456789abcdef"
	testPublicKey    = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	testAPIToken     = "f00dfeedcafe0123456789abcdef0123"
)

// slackVars are the variables the Slack and Discord tests' files use.
func slackVars() map[string]string {
	return map[string]string{
		"SLACK_BOT_TOKEN": testBotToken, "SLACK_APP_TOKEN": testAppToken, "SLACK_SIGNING_SECRET": testSecret,
		"PRIVATE_CHANNEL": "G0123ABCD", "CRIER_DATA": "/data/", "USER_NAME": "ana", "LIMIT": "1000", "INBOX_CHANNEL": "C0123456789",
		"DISCORD_TOKEN": testDiscordToken, "DISCORD_PUBLIC_KEY": testPublicKey, "CRIER_API_TOKEN": testAPIToken,
		"EU_CHANNEL": "823456789012345678", "CHANGELOG_CHANNEL": "923456789012345678",
		"OPENAI_API_KEY": testOpenAIKey,
	}
}

func mustLoadLocation(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestParseDefaultFile(t *testing.T) {
	t.Parallel()
	got, err := parse(readFile(t, "default.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	checkConfig(t, got, &Config{
		Path:      "bot.yaml",
		Dir:       "/srv/crier",
		Timezone:  "Europe/Bucharest",
		Location:  mustLoadLocation(t, "Europe/Bucharest"),
		DateOrder: "dmy",
		Languages: []string{"en", "pt"},
		Database:  "/srv/crier/data/crier.db",
		Chat:      Chat{Shell: &Shell{User: "you", Channel: "general"}},
		Roles:     map[crier.Role][]string{crier.RoleScheduler: {"*"}},
		Networks: []Network{{
			Name:   "sandbox",
			Kind:   "file",
			Outbox: "/srv/crier/data/sandbox/outbox.jsonl",
			Inbox:  "/srv/crier/data/sandbox/inbox.jsonl",
			Limit:  500,
			Line:   9,
		}},
		Publish: Publish{MaxAttempts: 8, AttemptTimeout: 30 * time.Second},
		Inbox:   Inbox{Poll: 30 * time.Second, Crisis: defaultCrisis()},
	})
}

func TestParseFullFile(t *testing.T) {
	t.Parallel()
	got, err := parse(readFile(t, "full.yaml"), slackVars())
	if err != nil {
		t.Fatal(err)
	}
	checkConfig(t, got, &Config{
		Path:      "bot.yaml",
		Dir:       "/srv/crier",
		Timezone:  "America/Sao_Paulo",
		Location:  mustLoadLocation(t, "America/Sao_Paulo"),
		DateOrder: "mdy",
		Languages: []string{"pt"},
		Database:  "/data/crier.db",
		Chat: Chat{
			Shell: &Shell{User: "ana", Channel: "ops"},
			Slack: &Slack{
				Mode:          "http",
				BotToken:      testBotToken,
				AppToken:      testAppToken,
				SigningSecret: testSecret,
				APIURL:        "http://127.0.0.1:9999/api/",
				Line:          10,
			},
			Discord: &Discord{
				Token:          testDiscordToken,
				ApplicationID:  "123456789012345678",
				PublicKey:      testPublicKey,
				Interactions:   "http",
				GlobalCommands: true,
				APIURL:         "http://127.0.0.1:9998/api/v10/",
				Guilds: []DiscordGuild{{
					ID:       "223456789012345678",
					Timezone: "Asia/Tokyo",
					Channels: map[string]string{"323456789012345678": "UTC"},
					Line:     24,
				}},
				Line: 16,
			},
		},
		HTTP: HTTP{Listen: "127.0.0.1:8080", APIToken: testAPIToken, Line: 25},
		Roles: map[crier.Role][]string{
			crier.RoleScheduler: {"U012AB3CD", "alice"},
			crier.RoleApprover:  {"bob", "S0123ABCD"},
			crier.RoleReplier:   {},
			crier.RoleAdmin:     {"*"},
		},
		Networks: []Network{
			{Name: "sandbox", Kind: "file", Outbox: "/var/lib/crier/sandbox/outbox.jsonl", Limit: 280, Line: 34},
			{Name: "price-list_2", Kind: "file", Outbox: "/srv/crier/out/$prices.jsonl", Inbox: "/srv/crier/in/$HOME.jsonl", Limit: 1000, Line: 38},
			{Name: "announcements", Kind: "slack", Channel: "C0123ABCD", Limit: 40000, Line: 43},
			{Name: "discord-news", Kind: "discord", Channel: "723456789012345678", Limit: 1, Crosspost: false, Line: 47},
		},
		Publish: Publish{MaxAttempts: 3, AttemptTimeout: 90 * time.Second},
		Inbox: Inbox{
			On:      true,
			Channel: crier.ChannelRef{Platform: "slack", ID: "C0123456789"},
			Channels: map[string]crier.ChannelRef{
				"discord-news": {Platform: "discord", ID: "723456789012345678"},
				"sandbox":      {Platform: "shell", ID: "inbox"},
			},
			Poll:   10 * time.Second,
			Crisis: Crisis{Negative: 3, Window: 15 * time.Minute, Ratio: 1.5, Baseline: 72 * time.Hour},
			Line:   55,
		},
		Digests: []Digest{
			{Name: "morning", Channel: crier.ChannelRef{Platform: "slack", ID: "C0123456789"}, Hour: 8, Minute: 30, Location: mustLoadLocation(t, "Europe/Lisbon"),
				Accounts: []string{"sandbox", "announcements"}, Metrics: []string{"followers", "conversions", "revenue"}, Weekly: weekday(time.Friday), NowReplaces: true, Line: 67},
			{Name: "evening", Channel: crier.ChannelRef{Platform: "shell", ID: "ops"}, Hour: 18, Location: mustLoadLocation(t, "America/Sao_Paulo"), Line: 75},
		},
		Metrics: Metrics{Collect: 2 * time.Hour, Currency: "USD"},
		UTM:     UTM{Off: true, Source: "crier", Medium: "organic-social"},
		Writer: Writer{On: true, BaseURL: "https://crier.openai.azure.com", Model: "crier-gpt4o", APIKey: testOpenAIKey,
			Azure: true, Timeout: 2 * time.Minute, Line: 85},
		Voice: crier.Voice{Tone: "friendly, plain, no hype", Use: []string{"community", "open source"}, Avoid: []string{"synergy"},
			Hashtags: []string{"#crier", "#comunicação"}, Language: "pt-BR"},
		Approvals: Approvals{On: true, Channel: crier.ChannelRef{Platform: "discord", ID: "723456789012345678"}, SelfApprove: true, LateAfter: 15 * time.Minute},
		Channels: map[string]ChannelDefaults{
			"slack:C0123456789": {Networks: []string{"sandbox", "discord-news"}},
			"shell:ops":         {Networks: []string{"price-list_2"}},
		},
	})
}

func TestParseSlackFile(t *testing.T) {
	t.Parallel()
	got, err := parse(readFile(t, "slack.yaml"), slackVars())
	if err != nil {
		t.Fatal(err)
	}
	checkConfig(t, got, &Config{
		Path:      "bot.yaml",
		Dir:       "/srv/crier",
		Timezone:  "Europe/Lisbon",
		Location:  mustLoadLocation(t, "Europe/Lisbon"),
		DateOrder: "dmy",
		Languages: []string{"en", "pt"},
		Database:  "/srv/crier/data/crier.db",
		Chat: Chat{Slack: &Slack{
			Mode:     "socket",
			BotToken: testBotToken,
			AppToken: testAppToken,
			APIURL:   "https://slack.com/api/",
			Line:     4,
		}},
		Roles: map[crier.Role][]string{
			crier.RoleScheduler: {"S0123ABCD"},
			crier.RoleApprover:  {"U012AB3CD"},
		},
		Networks: []Network{
			{Name: "general", Kind: "slack", Channel: "C0123ABCD", Limit: 4000, Line: 11},
			{Name: "private", Kind: "slack", Channel: "G0123ABCD", Limit: 4000, Line: 14},
		},
		Publish: Publish{MaxAttempts: 8, AttemptTimeout: 30 * time.Second},
		Inbox:   Inbox{Poll: 30 * time.Second, Crisis: defaultCrisis()},
	})
}

func TestParseDiscordFile(t *testing.T) {
	t.Parallel()
	got, err := parse(readFile(t, "discord.yaml"), slackVars())
	if err != nil {
		t.Fatal(err)
	}
	checkConfig(t, got, &Config{
		Path:      "bot.yaml",
		Dir:       "/srv/crier",
		Timezone:  "Europe/Lisbon",
		Location:  mustLoadLocation(t, "Europe/Lisbon"),
		DateOrder: "dmy",
		Languages: []string{"en", "pt"},
		Database:  "/srv/crier/data/crier.db",
		Chat: Chat{Discord: &Discord{
			Token:         testDiscordToken,
			ApplicationID: "123456789012345678",
			Interactions:  "gateway",
			Guilds: []DiscordGuild{
				{
					ID:       "223456789012345678",
					Timezone: "America/Sao_Paulo",
					Channels: map[string]string{"323456789012345678": "Europe/Lisbon", "823456789012345678": "Europe/Berlin"},
					Line:     9,
				},
				{ID: "423456789012345678", Line: 14},
			},
			Line: 5,
		}},
		Roles: map[crier.Role][]string{
			crier.RoleScheduler: {"523456789012345678"},
			crier.RoleAdmin:     {"623456789012345678"},
		},
		Networks: []Network{
			{Name: "announcements", Kind: "discord", Channel: "723456789012345678", Limit: 2000, Crosspost: true, Line: 19},
			{Name: "changelog", Kind: "discord", Channel: "923456789012345678", Limit: 1500, Crosspost: false, Line: 22},
		},
		Publish: Publish{MaxAttempts: 8, AttemptTimeout: 30 * time.Second},
		Inbox:   Inbox{Poll: 30 * time.Second, Crisis: defaultCrisis()},
	})
}

func TestParseDefaults(t *testing.T) {
	t.Parallel()
	want := func() *Config {
		return &Config{
			Path:      "bot.yaml",
			Dir:       "/srv/crier",
			Timezone:  "UTC",
			Location:  time.UTC,
			DateOrder: "dmy",
			Languages: []string{"en", "pt"},
			Database:  "/srv/crier/data/crier.db",
			Roles:     map[crier.Role][]string{},
			Networks:  []Network{{Name: "sandbox", Kind: "file", Outbox: "/srv/crier/outbox.jsonl", Limit: 500, Line: 2}},
			Publish:   Publish{MaxAttempts: 8, AttemptTimeout: 30 * time.Second},
			Inbox:     Inbox{Poll: 30 * time.Second, Crisis: defaultCrisis()},
		}
	}
	const network = "networks:\n  - {name: sandbox, kind: file, outbox: outbox.jsonl}\n"
	const slack = "chat:\n  slack:\n    bot_token: ${SLACK_BOT_TOKEN}\n    app_token: ${SLACK_APP_TOKEN}\n"
	const slackHTTP = "chat:\n  slack:\n    mode: http\n    bot_token: ${SLACK_BOT_TOKEN}\n    signing_secret: ${SLACK_SIGNING_SECRET}\n"
	const discord = "chat:\n  discord:\n    token: ${DISCORD_TOKEN}\n    application_id: \"123456789012345678\"\n    guilds: [{id: \"223456789012345678\"}]\n"
	// discordAt is what discord parses to when its chat.discord key is on line.
	discordAt := func(line int) *Discord {
		return &Discord{
			Token:         testDiscordToken,
			ApplicationID: "123456789012345678",
			Interactions:  "gateway",
			Guilds:        []DiscordGuild{{ID: "223456789012345678", Line: line + 3}},
			Line:          line,
		}
	}
	tests := []struct {
		name  string
		input string
		edit  func(*Config)
	}{
		{"a file with only networks gets every default", readFile(t, "minimal.yaml"), nil},
		{"keys left empty get their defaults", "timezone:\ndate_order: ~\nlanguages:\ndatabase: null\npublish:\n  max_attempts:\n  attempt_timeout:\n" + network, func(c *Config) {
			for i := range c.Networks {
				c.Networks[i].Line = 9
			}
		}},
		{"an empty shell section turns the shell on with its defaults", network + "chat:\n  shell:\n", func(c *Config) {
			c.Chat.Shell = &Shell{User: "you", Channel: "general"}
		}},
		{"an empty chat section turns nothing on", network + "chat: {}\n", nil},
		{"windows line endings are read", strings.ReplaceAll(network, "\n", "\r\n"), nil},
		{"a byte order mark is skipped", "\uFEFF" + network, nil},
		{"a shell with only a user keeps the default channel", network + "chat: {shell: {user: ana}}\n", func(c *Config) {
			c.Chat.Shell = &Shell{User: "ana", Channel: "general"}
		}},
		{"a role left empty is granted to nobody", network + "roles:\n  admin:\n", func(c *Config) {
			c.Roles[crier.RoleAdmin] = []string{}
		}},
		{"numbers are read as user ids", network + "roles: {scheduler: [12345, 6.5]}\n", func(c *Config) {
			c.Roles[crier.RoleScheduler] = []string{"12345", "6.5"}
		}},
		{"an absolute database path is cleaned and kept", "database: /var/lib//crier/./x/../crier.db\n" + network, func(c *Config) {
			c.Database = "/var/lib/crier/crier.db"
			c.Networks[0].Line = 3
		}},
		{"a relative path is cleaned after joining", "database: ./a/../b/crier.db\n" + network, func(c *Config) {
			c.Database = "/srv/crier/b/crier.db"
			c.Networks[0].Line = 3
		}},
		{"an alias reuses a value", "networks:\n  - {name: a, kind: file, outbox: &out shared.jsonl}\n  - {name: b, kind: file, outbox: *out}\n", func(c *Config) {
			c.Networks = []Network{
				{Name: "a", Kind: "file", Outbox: "/srv/crier/shared.jsonl", Limit: 500, Line: 2},
				{Name: "b", Kind: "file", Outbox: "/srv/crier/shared.jsonl", Limit: 500, Line: 3},
			}
		}},
		{"an explicit document start is allowed", "---\n" + network, func(c *Config) {
			c.Networks[0].Line = 3
		}},
		{"an empty second document is ignored", network + "---\n", nil},
		{"the limits of each range are allowed", network + "publish: {max_attempts: 50, attempt_timeout: 10m}\n", func(c *Config) {
			c.Publish = Publish{MaxAttempts: 50, AttemptTimeout: 10 * time.Minute}
		}},
		{"a set but empty variable expands to nothing", "database: crier${SUFFIX}.db\n" + network, func(c *Config) {
			c.Database = "/srv/crier/crier.db"
			c.Networks[0].Line = 3
		}},

		// Slack and http.
		{"a slack section gets socket mode and slack.com", network + slack, func(c *Config) {
			c.Chat.Slack = &Slack{Mode: "socket", BotToken: testBotToken, AppToken: testAppToken, APIURL: "https://slack.com/api/", Line: 4}
		}},
		{"keys of slack left empty get their defaults", network + "chat:\n  slack:\n    mode:\n    bot_token: ${SLACK_BOT_TOKEN}\n    app_token: ${SLACK_APP_TOKEN}\n    signing_secret:\n    api_url: ~\n", func(c *Config) {
			c.Chat.Slack = &Slack{Mode: "socket", BotToken: testBotToken, AppToken: testAppToken, APIURL: "https://slack.com/api/", Line: 4}
		}},
		{"socket mode may be written and may have a signing secret", network + "chat:\n  slack:\n    mode: socket\n    bot_token: ${SLACK_BOT_TOKEN}\n    app_token: ${SLACK_APP_TOKEN}\n    signing_secret: ${SLACK_SIGNING_SECRET}\n", func(c *Config) {
			c.Chat.Slack = &Slack{Mode: "socket", BotToken: testBotToken, AppToken: testAppToken, SigningSecret: testSecret, APIURL: "https://slack.com/api/", Line: 4}
		}},
		{"http mode needs no app token", network + slackHTTP + "http: {listen: ':8080'}\n", func(c *Config) {
			c.Chat.Slack = &Slack{Mode: "http", BotToken: testBotToken, SigningSecret: testSecret, APIURL: "https://slack.com/api/", Line: 4}
			c.HTTP = HTTP{Listen: ":8080", Line: 8}
		}},
		{"http may come before chat", "http:\n  listen: '${LISTEN}'\n" + network + slackHTTP, func(c *Config) {
			c.Chat.Slack = &Slack{Mode: "http", BotToken: testBotToken, SigningSecret: testSecret, APIURL: "https://slack.com/api/", Line: 6}
			c.HTTP = HTTP{Listen: "[::1]:3000", Line: 1}
			c.Networks[0].Line = 4
		}},
		{"the mode may come last and from a variable", network + "chat:\n  slack:\n    bot_token: ${SLACK_BOT_TOKEN}\n    signing_secret: ${SLACK_SIGNING_SECRET}\n    mode: ${SLACK_MODE}\nhttp: {listen: 'localhost:0'}\n", func(c *Config) {
			c.Chat.Slack = &Slack{Mode: "http", BotToken: testBotToken, SigningSecret: testSecret, APIURL: "https://slack.com/api/", Line: 4}
			c.HTTP = HTTP{Listen: "localhost:0", Line: 8}
		}},
		{"a GovSlack api url is kept", network + slack + "    api_url: https://slack-gov.com/api/\n", func(c *Config) {
			c.Chat.Slack = &Slack{Mode: "socket", BotToken: testBotToken, AppToken: testAppToken, APIURL: "https://slack-gov.com/api/", Line: 4}
		}},
		{"an api url gets its final slash", network + slack + "    api_url: http://127.0.0.1:4567\n", func(c *Config) {
			c.Chat.Slack = &Slack{Mode: "socket", BotToken: testBotToken, AppToken: testAppToken, APIURL: "http://127.0.0.1:4567/", Line: 4}
		}},
		{"a listener may run in socket mode too", network + slack + "http:\n  listen: 0.0.0.0:65535\n", func(c *Config) {
			c.Chat.Slack = &Slack{Mode: "socket", BotToken: testBotToken, AppToken: testAppToken, APIURL: "https://slack.com/api/", Line: 4}
			c.HTTP = HTTP{Listen: "0.0.0.0:65535", Line: 7}
		}},
		{"an empty http section runs no listener", network + "http:\n", func(c *Config) {
			c.HTTP = HTTP{Line: 3}
		}},
		{"an empty listen runs no listener", network + "http: {listen: ~}\n", func(c *Config) {
			c.HTTP = HTTP{Line: 3}
		}},
		{"a slack network gets a limit of 4000", slack + "networks:\n  - {name: general, kind: slack, channel: C0123ABCD}\n", func(c *Config) {
			c.Chat.Slack = &Slack{Mode: "socket", BotToken: testBotToken, AppToken: testAppToken, APIURL: "https://slack.com/api/", Line: 2}
			c.Networks = []Network{{Name: "general", Kind: "slack", Channel: "C0123ABCD", Limit: 4000, Line: 6}}
		}},
		{"a slack network may come before chat.slack and reach the limits of its range", "networks:\n  - {name: a, kind: slack, channel: G0123ABCDEF, limit: 1}\n  - {name: b, kind: slack, channel: D012345678, limit: 40000}\n" + slack, func(c *Config) {
			c.Chat.Slack = &Slack{Mode: "socket", BotToken: testBotToken, AppToken: testAppToken, APIURL: "https://slack.com/api/", Line: 5}
			c.Networks = []Network{
				{Name: "a", Kind: "slack", Channel: "G0123ABCDEF", Limit: 1, Line: 2},
				{Name: "b", Kind: "slack", Channel: "D012345678", Limit: 40000, Line: 3},
			}
		}},
		{"slack user group ids are kept as role members", network + "roles: {scheduler: [S0123ABCD, U012AB3CD]}\n", func(c *Config) {
			c.Roles[crier.RoleScheduler] = []string{"S0123ABCD", "U012AB3CD"}
		}},

		// Discord.
		{"a discord section gets gateway interactions, guild commands and Discord's api url", network + discord, func(c *Config) {
			c.Chat.Discord = discordAt(4)
		}},
		{"keys of discord left empty get their defaults", network + discord + "    public_key:\n    interactions: ~\n    global_commands:\n    api_url: null\n", func(c *Config) {
			c.Chat.Discord = discordAt(4)
		}},
		{"keys of a guild left empty get their defaults", network + "chat:\n  discord:\n    token: ${DISCORD_TOKEN}\n    application_id: \"123456789012345678\"\n    guilds:\n      - id: \"223456789012345678\"\n        timezone:\n        channels:\n", func(c *Config) {
			c.Chat.Discord = discordAt(4)
			c.Chat.Discord.Guilds[0].Line = 8
		}},
		{"an empty channels mapping sets no overrides", network + "chat:\n  discord:\n    token: ${DISCORD_TOKEN}\n    application_id: \"123456789012345678\"\n    guilds: [{id: \"223456789012345678\", channels: {}}]\n", func(c *Config) {
			c.Chat.Discord = discordAt(4)
		}},
		{"snowflakes may be numbers, kept digit for digit", network + "chat:\n  discord:\n    token: ${DISCORD_TOKEN}\n    application_id: 18446744073709551615\n    guilds:\n      - {id: 10000000000000000, channels: {999999999999999999: Asia/Kolkata}}\n", func(c *Config) {
			c.Chat.Discord = discordAt(4)
			c.Chat.Discord.ApplicationID = "18446744073709551615"
			c.Chat.Discord.Guilds = []DiscordGuild{{ID: "10000000000000000", Channels: map[string]string{"999999999999999999": "Asia/Kolkata"}, Line: 8}}
		}},
		{"snowflakes may come from variables, channel keys too", network + "chat:\n  discord:\n    token: ${DISCORD_TOKEN}\n    application_id: ${APP_ID}\n    guilds:\n      - id: ${GUILD_ID}\n        channels:\n          ${EU_CHANNEL}: Europe/Berlin\n", func(c *Config) {
			c.Chat.Discord = discordAt(4)
			c.Chat.Discord.Guilds = []DiscordGuild{{ID: "223456789012345678", Channels: map[string]string{"823456789012345678": "Europe/Berlin"}, Line: 8}}
		}},
		{"guilds and channels get their own zones", network + "chat:\n  discord:\n    token: ${DISCORD_TOKEN}\n    application_id: \"123456789012345678\"\n    guilds:\n      - id: \"223456789012345678\"\n        timezone: Asia/Tokyo\n        channels: {\"323456789012345678\": UTC, \"333456789012345678\": America/New_York}\n      - {id: \"423456789012345678\", channels: {\"433456789012345678\": Europe/Lisbon}}\n", func(c *Config) {
			c.Chat.Discord = discordAt(4)
			c.Chat.Discord.Guilds = []DiscordGuild{
				{ID: "223456789012345678", Timezone: "Asia/Tokyo", Channels: map[string]string{"323456789012345678": "UTC", "333456789012345678": "America/New_York"}, Line: 8},
				{ID: "423456789012345678", Channels: map[string]string{"433456789012345678": "Europe/Lisbon"}, Line: 11},
			}
		}},
		{"global commands need no guilds", network + "chat:\n  discord:\n    token: ${DISCORD_TOKEN}\n    application_id: \"123456789012345678\"\n    global_commands: true\n", func(c *Config) {
			c.Chat.Discord = discordAt(4)
			c.Chat.Discord.GlobalCommands, c.Chat.Discord.Guilds = true, nil
		}},
		{"global commands may have guilds, for their zones", network + discord + "    global_commands: TRUE\n", func(c *Config) {
			c.Chat.Discord = discordAt(4)
			c.Chat.Discord.GlobalCommands = true
		}},
		{"global commands may be false in words from a variable", network + discord + "    global_commands: ${FALSE}\n", func(c *Config) {
			c.Chat.Discord = discordAt(4)
		}},
		{"gateway interactions may be written and may have a public key in capitals", network + discord + "    interactions: gateway\n    public_key: " + strings.ToUpper(testPublicKey) + "\n", func(c *Config) {
			c.Chat.Discord = discordAt(4)
			c.Chat.Discord.PublicKey = strings.ToUpper(testPublicKey)
		}},
		{"http interactions need a public key and a listener", network + discord + "    interactions: http\n    public_key: ${DISCORD_PUBLIC_KEY}\nhttp: {listen: ':8080'}\n", func(c *Config) {
			c.Chat.Discord = discordAt(4)
			c.Chat.Discord.Interactions, c.Chat.Discord.PublicKey = "http", testPublicKey
			c.HTTP = HTTP{Listen: ":8080", Line: 10}
		}},
		{"http may come before discord's http interactions", "http:\n  listen: '${LISTEN}'\n" + network + discord + "    interactions: http\n    public_key: ${DISCORD_PUBLIC_KEY}\n", func(c *Config) {
			c.Chat.Discord = discordAt(6)
			c.Chat.Discord.Interactions, c.Chat.Discord.PublicKey = "http", testPublicKey
			c.HTTP = HTTP{Listen: "[::1]:3000", Line: 1}
			c.Networks[0].Line = 4
		}},
		{"a discord api url gets its final slash", network + discord + "    api_url: http://127.0.0.1:4568/api/v10\n", func(c *Config) {
			c.Chat.Discord = discordAt(4)
			c.Chat.Discord.APIURL = "http://127.0.0.1:4568/api/v10/"
		}},
		{"a discord api url under a proxy's path, at another version, is kept", network + discord + "    api_url: https://proxy.example/discord/api/v9/\n", func(c *Config) {
			c.Chat.Discord = discordAt(4)
			c.Chat.Discord.APIURL = "https://proxy.example/discord/api/v9/"
		}},
		{"slack and discord run side by side", network + slack + "  discord:\n    token: ${DISCORD_TOKEN}\n    application_id: \"123456789012345678\"\n    guilds: [{id: \"223456789012345678\"}]\n", func(c *Config) {
			c.Chat.Slack = &Slack{Mode: "socket", BotToken: testBotToken, AppToken: testAppToken, APIURL: "https://slack.com/api/", Line: 4}
			c.Chat.Discord = discordAt(7)
		}},
		{"a discord network gets a limit of 2000 and crossposts", discord + "networks:\n  - {name: news, kind: discord, channel: \"723456789012345678\"}\n", func(c *Config) {
			c.Chat.Discord = discordAt(2)
			c.Networks = []Network{{Name: "news", Kind: "discord", Channel: "723456789012345678", Limit: 2000, Crosspost: true, Line: 7}}
		}},
		{"a discord network may come before chat.discord and reach the limits of its range", "networks:\n  - {name: a, kind: discord, channel: 723456789012345678, limit: 1, crosspost: false}\n  - {name: b, kind: discord, channel: '${CHANGELOG_CHANNEL}', limit: 2000, crosspost: 'true'}\n" + discord, func(c *Config) {
			c.Chat.Discord = discordAt(5)
			c.Networks = []Network{
				{Name: "a", Kind: "discord", Channel: "723456789012345678", Limit: 1, Crosspost: false, Line: 2},
				{Name: "b", Kind: "discord", Channel: "923456789012345678", Limit: 2000, Crosspost: true, Line: 3},
			}
		}},
		{"a discord network left empty keys gets their defaults", discord + "networks:\n  - {name: news, kind: discord, channel: \"723456789012345678\", limit: ~, crosspost: ~}\n", func(c *Config) {
			c.Chat.Discord = discordAt(2)
			c.Networks = []Network{{Name: "news", Kind: "discord", Channel: "723456789012345678", Limit: 2000, Crosspost: true, Line: 7}}
		}},
		{"discord user ids are kept as role members, numbers or strings", network + "roles: {approver: [523456789012345678, \"623456789012345678\"]}\n", func(c *Config) {
			c.Roles[crier.RoleApprover] = []string{"523456789012345678", "623456789012345678"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			vars := slackVars()
			vars["SUFFIX"], vars["LISTEN"], vars["SLACK_MODE"] = "", "[::1]:3000", "http"
			vars["APP_ID"], vars["GUILD_ID"], vars["FALSE"] = "123456789012345678", "223456789012345678", "False"
			got, err := parse(tt.input, vars)
			if err != nil {
				t.Fatal(err)
			}
			w := want()
			if tt.edit != nil {
				tt.edit(w)
			}
			checkConfig(t, got, w)
		})
	}
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	// network is a valid networks section, for inputs that are about something else.
	const network = "networks:\n  - {name: sandbox, kind: file, outbox: outbox.jsonl}\n"
	// slack and slackHTTP are valid chat sections in each mode.
	const slack = "chat:\n  slack:\n    bot_token: ${SLACK_BOT_TOKEN}\n    app_token: ${SLACK_APP_TOKEN}\n"
	const slackHTTP = "chat:\n  slack:\n    mode: http\n    bot_token: ${SLACK_BOT_TOKEN}\n    signing_secret: ${SLACK_SIGNING_SECRET}\n"
	// discord is a valid chat section with chat.discord on line 2; more keys
	// of chat.discord may follow it.
	const discord = "chat:\n  discord:\n    token: ${DISCORD_TOKEN}\n    application_id: \"123456789012345678\"\n    guilds: [{id: \"223456789012345678\"}]\n"
	// discordTo is the start of chat.discord, for inputs that go on to write its guilds.
	const discordTo = "chat:\n  discord:\n    token: ${DISCORD_TOKEN}\n    application_id: \"123456789012345678\"\n"
	const (
		tokenHelp   = "a bot token (Developer Portal → Bot → Reset Token)"
		appIDHelp   = `write one like "123456789012345678" (Developer Portal → General Information → Application ID)`
		guildHelp   = `write one like "123456789012345678" (right-click the server → Copy Server ID, with Developer Mode on)`
		channelHelp = `write one like "123456789012345678" (right-click the channel → Copy Channel ID, with Developer Mode on)`
		channelName = `looks like a channel name; use the channel ID (right-click the channel → Copy Channel ID, with Developer Mode on), not its name, like "123456789012345678"`
		keyHelp     = "write the 64 hex characters from Developer Portal → General Information → Public Key"
		zoneHelp    = `write an IANA name like "Europe/Bucharest" or "UTC"`
		noGuilds    = `at least one server is required to register commands in; add guilds: [{id: "123456789012345678", timezone: Europe/Lisbon}] (right-click the server → Copy Server ID, with Developer Mode on), or set global_commands: true`
	)
	tests := []struct {
		name  string
		input string
		want  string
	}{
		// The file as a whole.
		{"an empty file is rejected", "", "bot.yaml: the file is empty; it needs at least a networks: list, like networks: [{name: sandbox, kind: file, outbox: data/sandbox/outbox.jsonl}]"},
		{"a file of comments is empty", "# nothing yet\n\n", "bot.yaml: the file is empty; it needs at least a networks: list, like networks: [{name: sandbox, kind: file, outbox: data/sandbox/outbox.jsonl}]"},
		{"a lone document start is empty", "---\n", "bot.yaml: the file is empty; it needs at least a networks: list, like networks: [{name: sandbox, kind: file, outbox: data/sandbox/outbox.jsonl}]"},
		{"bad indentation is a YAML error with its line", "timezone: UTC\n  database: x\n", "bot.yaml:2: invalid YAML: mapping values are not allowed in this context"},
		{"an unclosed list is a YAML error with its line", "languages: [en,\n" + network, "bot.yaml:2: invalid YAML: did not find expected node content"},
		{"a tab for indentation is a YAML error with its line", network + "chat:\n\tshell: {}\n", "bot.yaml:4: invalid YAML: found character that cannot start any token"},
		{"an undefined alias is a YAML error", network + "database: *nowhere\n", "bot.yaml: invalid YAML: unknown anchor 'nowhere' referenced"},
		{"a second document is rejected", network + "---\ntimezone: UTC\n", `bot.yaml:3: a second YAML document starts here; a config is one document, so remove this "---" and what follows`},
		{"a list at the top is rejected", "- networks\n", "bot.yaml:1: expected a mapping of settings like timezone: UTC, got a list"},
		{"a string at the top is rejected", "hello\n", "bot.yaml:1: expected a mapping of settings like timezone: UTC, got a string"},

		// Keys.
		{"an unknown top-level key is rejected", "timezone: UTC\ndate_order: dmy\ndatabse: x.db\n" + network, "bot.yaml:3: databse: unknown key (known: timezone, date_order, languages, database, chat, http, roles, networks, publish, inbox, digests, metrics, utm, writer, voice, approvals, channels, slots); did you mean database?"},
		{"an unknown chat platform is rejected", network + "chat:\n  telegram: {}\n", "bot.yaml:4: chat.telegram: unknown key (known: shell, slack, discord)"},
		{"an unknown shell key is rejected", network + "chat:\n  shell:\n    usr: ana\n", "bot.yaml:5: chat.shell.usr: unknown key (known: user, channel); did you mean user?"},
		{"an unknown network key is rejected", "networks:\n  - name: a\n    kind: file\n    outbx: o.jsonl\n", "bot.yaml:4: networks[0].outbx: unknown key (known: name, kind, outbox, inbox, channel, limit, crosspost, server, access_token, visibility, language, pds, handle, app_password, appview, url, secret, deduplicates, rate); did you mean outbox?"},
		{"an unknown publish key is rejected", network + "publish: {retries: 3}\n", "bot.yaml:3: publish.retries: unknown key (known: max_attempts, attempt_timeout)"},
		{"an odd key is quoted", network + "\"time zone\": UTC\n", `bot.yaml:3: "time zone": unknown key (known: timezone, date_order, languages, database, chat, http, roles, networks, publish, inbox, digests, metrics, utm, writer, voice, approvals, channels, slots); did you mean timezone?`},
		{"a list as a key is rejected", network + "? [a]\n: 1\n", "bot.yaml:3: expected a key name, got a list"},
		{"a merge key is rejected", "<<: {timezone: UTC}\n" + network, `bot.yaml:1: "<<": merge keys are not supported; write the settings out`},
		{"a merge key inside a network is rejected", "networks:\n  - name: a\n    <<: {kind: file}\n", `bot.yaml:3: networks[0]."<<": merge keys are not supported; write the settings out`},
		{"a duplicate top-level key is rejected", "timezone: UTC\n" + network + "timezone: Europe/Lisbon\n", "bot.yaml:4: timezone: duplicate key (first on line 1)"},
		{"a duplicate nested key is rejected", network + "chat:\n  shell:\n    user: a\n    user: b\n", "bot.yaml:6: chat.shell.user: duplicate key (first on line 5)"},
		{"a duplicate network key is rejected", "networks:\n  - name: a\n    kind: file\n    name: b\n", "bot.yaml:4: networks[0].name: duplicate key (first on line 2)"},
		{"a duplicate role is rejected", network + "roles:\n  admin: [a]\n  admin: [b]\n", "bot.yaml:5: roles.admin: duplicate key (first on line 4)"},

		// Types.
		{"a list where a string goes is rejected", network + "database: [a, b]\n", "bot.yaml:3: database: expected a string, got a list"},
		{"a mapping where a string goes is rejected", network + "chat: {shell: {user: {name: a}}}\n", "bot.yaml:3: chat.shell.user: expected a string, got a mapping"},
		{"a string where a mapping goes is rejected", network + "chat: shell\n", "bot.yaml:3: chat: expected a mapping like {shell: {user: you, channel: general}}, got a string"},
		{"a list where a shell goes is rejected", network + "chat: {shell: [you]}\n", "bot.yaml:3: chat.shell: expected a mapping like {user: you, channel: general}, got a list"},
		{"a number where publish goes is rejected", network + "publish: 8\n", "bot.yaml:3: publish: expected a mapping like {max_attempts: 8, attempt_timeout: 30s}, got a number"},
		{"a mapping where networks go is rejected", "networks:\n  sandbox: {kind: file}\n", "bot.yaml:2: networks: expected a list of networks like [{name: sandbox, kind: file, outbox: data/sandbox/outbox.jsonl}], got a mapping"},
		{"a string where a network goes is rejected", "networks:\n  - sandbox\n", "bot.yaml:2: networks[0]: expected a mapping like {name: sandbox, kind: file, outbox: data/sandbox/outbox.jsonl}, got a string"},
		{"a string where a role list goes is rejected", network + "roles:\n  scheduler: \"*\"\n", `bot.yaml:4: roles.scheduler: expected a list like ["*"] or [U012AB3CD, S0123ABCD, alice], got a string`},
		{"a list where a role member goes is rejected", network + "roles:\n  scheduler: [[a]]\n", "bot.yaml:4: roles.scheduler[0]: expected a string, got a list"},
		{"a list where roles go is rejected", network + "roles: [scheduler]\n", `bot.yaml:3: roles: expected a mapping like {scheduler: ["*"]}, got a list`},
		{"a string where languages go is rejected", network + "languages: en\n", "bot.yaml:3: languages: expected a list like [en, pt], got a string"},
		{"a list where a limit goes is rejected", "networks:\n  - {name: a, kind: file, outbox: o, limit: [1]}\n", "bot.yaml:2: networks[0].limit: expected a number from 1 to 100000, got a list"},
		{"an alias to the wrong type points at the alias", "networks:\n  - name: &n [a]\n    kind: file\n  - name: *n\n", "bot.yaml:2: networks[0].name: expected a name like sandbox, got a list"},

		// Top-level values.
		{"an unknown timezone is rejected", "timezone: Europe/Bucharst\n" + network, `bot.yaml:1: timezone: unknown timezone "Europe/Bucharst"; write an IANA name like "Europe/Bucharest" or "UTC"`},
		{"the machine's local timezone is rejected", "timezone: Local\n" + network, `bot.yaml:1: timezone: unknown timezone "Local"; write an IANA name like "Europe/Bucharest" or "UTC"`},
		{"an empty timezone is rejected", "timezone: \"\"\n" + network, `bot.yaml:1: timezone: empty; write an IANA name like "Europe/Bucharest" or "UTC"`},
		{"an unknown date order is rejected", "date_order: ymd\n" + network, `bot.yaml:1: date_order: unknown date order "ymd"; write dmy (03/04 is 3 April) or mdy (03/04 is March 4)`},
		{"an unknown language is rejected", "languages: [en, fr]\n" + network, `bot.yaml:1: languages[1]: unknown language "fr" (known: en, pt)`},
		{"a language listed twice is rejected", "languages:\n  - pt\n  - pt\n" + network, `bot.yaml:3: languages[1]: "pt" is listed twice`},
		{"an empty language list is rejected", "languages: []\n" + network, "bot.yaml:1: languages: empty list; write at least one of en, pt"},
		{"an empty database is rejected", "database: ''\n" + network, "bot.yaml:1: database: empty; write a path like data/crier.db"},
		{"an empty shell user is rejected", network + "chat: {shell: {user: ''}}\n", "bot.yaml:3: chat.shell.user: empty; write a name like you"},
		{"an unknown role is rejected", network + "roles:\n  schedulr: [\"*\"]\n", "bot.yaml:4: roles.schedulr: unknown role (known: scheduler, drafter, approver, replier, alert, admin); did you mean scheduler?"},
		{"an empty role member is rejected", network + "roles:\n  admin: [alice, '']\n", `bot.yaml:4: roles.admin[1]: empty; write a user id, a user name, a Slack user group id or "*" for everyone`},

		// Networks.
		{"a file without networks is rejected", "timezone: UTC\n", "bot.yaml: networks: at least one network is required; add one like {name: sandbox, kind: file, outbox: data/sandbox/outbox.jsonl}"},
		{"an empty network list is rejected", "timezone: UTC\nnetworks: []\n", "bot.yaml:2: networks: at least one network is required; add one like {name: sandbox, kind: file, outbox: data/sandbox/outbox.jsonl}"},
		{"networks left empty are rejected", "networks:\ntimezone: UTC\n", "bot.yaml:1: networks: at least one network is required; add one like {name: sandbox, kind: file, outbox: data/sandbox/outbox.jsonl}"},
		{"an empty network entry is rejected", "networks:\n  -\n", "bot.yaml:2: networks[0]: empty network; write one like {name: sandbox, kind: file, outbox: data/sandbox/outbox.jsonl}"},
		{"a network without a name is rejected", "networks:\n  - kind: file\n    outbox: o.jsonl\n", "bot.yaml:2: networks[0].name: required; write a name like sandbox"},
		{"a network name with capitals is rejected", "networks:\n  - {name: Sandbox, kind: file, outbox: o}\n", `bot.yaml:2: networks[0].name: invalid name "Sandbox"; use 1 to 32 of a-z, 0-9, _ and -`},
		{"a network name of 33 characters is rejected", "networks:\n  - {name: abcdefghijklmnopqrstuvwxyz0123456, kind: file, outbox: o}\n", `bot.yaml:2: networks[0].name: invalid name "abcdefghijklmnopqrstuvwxyz0123456"; use 1 to 32 of a-z, 0-9, _ and -`},
		{"an empty network name is rejected", "networks:\n  - {name: '', kind: file, outbox: o}\n", `bot.yaml:2: networks[0].name: invalid name ""; use 1 to 32 of a-z, 0-9, _ and -`},
		{"a network name used twice is rejected", "networks:\n  - name: sandbox\n    kind: file\n    outbox: a.jsonl\n  - name: sandbox\n    kind: file\n    outbox: b.jsonl\n", `bot.yaml:5: networks[1].name: duplicate name "sandbox" (first on line 2); give each network its own name`},
		{"a network without a kind is rejected", "networks:\n  - name: a\n    outbox: o.jsonl\n", "bot.yaml:2: networks[0].kind: required (known: file, slack, discord, mastodon, bluesky, webhook)"},
		{"an unknown kind is rejected", "networks:\n  - {name: a, kind: file, outbox: o}\n  - name: b\n    kind: mastodn\n", `bot.yaml:4: networks[1].kind: unknown kind "mastodn" (known: file, slack, discord, mastodon, bluesky, webhook)`},
		{"a file network without an outbox is rejected", "networks:\n  - name: a\n    kind: file\n    inbox: i.jsonl\n", "bot.yaml:2: networks[0].outbox: required for kind file; write a path like data/sandbox/outbox.jsonl"},
		{"an empty outbox is rejected", "networks:\n  - {name: a, kind: file, outbox: ''}\n", "bot.yaml:2: networks[0].outbox: empty; write a path like data/sandbox/outbox.jsonl"},
		{"an empty inbox is rejected", "networks:\n  - {name: a, kind: file, outbox: o, inbox: ''}\n", "bot.yaml:2: networks[0].inbox: empty; write a path like data/sandbox/inbox.jsonl, or leave inbox out"},
		{"a limit that is not a number is rejected", "networks:\n  - {name: a, kind: file, outbox: o, limit: lots}\n", `bot.yaml:2: networks[0].limit: "lots" is not a whole number; write a number from 1 to 100000`},
		{"a fractional limit is rejected", "networks:\n  - {name: a, kind: file, outbox: o, limit: 2.5}\n", `bot.yaml:2: networks[0].limit: "2.5" is not a whole number; write a number from 1 to 100000`},
		{"a limit of 0 is rejected", "networks:\n  - {name: a, kind: file, outbox: o, limit: 0}\n", `bot.yaml:2: networks[0].limit: "0" is out of range; write a number from 1 to 100000`},
		{"a limit over 100000 is rejected", "networks:\n  - {name: a, kind: file, outbox: o, limit: 100001}\n", `bot.yaml:2: networks[0].limit: "100001" is out of range; write a number from 1 to 100000`},

		// Slack networks.
		{"a channel key in a file network is rejected", "networks:\n  - name: a\n    kind: file\n    outbox: o\n    channel: C0123ABCD\n", "bot.yaml:5: networks[0].channel: not used by kind file; remove it (file networks take name, kind, outbox, inbox, limit)"},
		{"an outbox in a slack network is rejected", "networks:\n  - name: a\n    outbox: o\n    kind: slack\n    channel: C0123ABCD\n" + slack, "bot.yaml:3: networks[0].outbox: not used by kind slack; remove it (slack networks take name, kind, channel, limit)"},
		{"an empty inbox in a slack network is rejected", "networks:\n  - name: a\n    kind: slack\n    channel: C0123ABCD\n    inbox:\n" + slack, "bot.yaml:5: networks[0].inbox: not used by kind slack; remove it (slack networks take name, kind, channel, limit)"},
		{"a slack network without chat.slack is rejected", network + "  - name: general\n    kind: slack\n    channel: C0123ABCD\nchat: {shell: {}}\n", "bot.yaml:3: networks[1]: kind slack needs chat.slack, which is not set; add chat: {slack: {bot_token: \"${SLACK_BOT_TOKEN}\", app_token: \"${SLACK_APP_TOKEN}\"}}"},
		{"a slack network without a channel is rejected", slack + "networks:\n  - name: general\n    kind: slack\n", "bot.yaml:6: networks[0].channel: required for kind slack; write a channel ID like C0123ABCD (channel details → bottom of the About tab)"},
		{"an empty channel is rejected", slack + "networks:\n  - {name: general, kind: slack, channel: ''}\n", "bot.yaml:6: networks[0].channel: empty; write a channel ID like C0123ABCD (channel details → bottom of the About tab)"},
		{"a channel name with # is rejected", slack + "networks:\n  - {name: general, kind: slack, channel: '#general'}\n", `bot.yaml:6: networks[0].channel: "#general" looks like a channel name; use the channel ID (channel details → bottom of the About tab), not its name, like C0123ABCD`},
		{"a channel name without # is rejected", slack + "networks:\n  - {name: general, kind: slack, channel: general}\n", `bot.yaml:6: networks[0].channel: "general" looks like a channel name; use the channel ID (channel details → bottom of the About tab), not its name, like C0123ABCD`},
		{"a channel id in lower case is rejected", slack + "networks:\n  - {name: general, kind: slack, channel: c0123abcd}\n", `bot.yaml:6: networks[0].channel: "c0123abcd" looks like a channel name; use the channel ID (channel details → bottom of the About tab), not its name, like C0123ABCD`},
		{"a user id as a channel is rejected", slack + "networks:\n  - {name: general, kind: slack, channel: U0123ABCD}\n", `bot.yaml:6: networks[0].channel: "U0123ABCD" is not a channel ID; write one like C0123ABCD (channel details → bottom of the About tab)`},
		{"a channel id that is too short is rejected", slack + "networks:\n  - {name: general, kind: slack, channel: C0123ABC}\n", `bot.yaml:6: networks[0].channel: "C0123ABC" is not a channel ID; write one like C0123ABCD (channel details → bottom of the About tab)`},
		{"a channel from a variable is quoted as written", slack + "networks:\n  - {name: general, kind: slack, channel: '${CHANNEL}'}\n", `bot.yaml:6: networks[0].channel: "${CHANNEL}" looks like a channel name; use the channel ID (channel details → bottom of the About tab), not its name, like C0123ABCD`},
		{"a slack limit of 0 is rejected", slack + "networks:\n  - {name: general, kind: slack, channel: C0123ABCD, limit: 0}\n", `bot.yaml:6: networks[0].limit: "0" is out of range; write a number from 1 to 40000`},
		{"a slack limit over 40000 is rejected", slack + "networks:\n  - {name: general, kind: slack, channel: C0123ABCD, limit: 40001}\n", `bot.yaml:6: networks[0].limit: "40001" is out of range; write a number from 1 to 40000`},

		// Slack.
		{"an unknown slack key is rejected", network + slack + "    token: x\n", "bot.yaml:7: chat.slack.token: unknown key (known: mode, bot_token, app_token, signing_secret, api_url)"},
		{"a string where slack goes is rejected", network + "chat: {slack: xoxb-1}\n", `bot.yaml:3: chat.slack: expected a mapping like {bot_token: "${SLACK_BOT_TOKEN}", app_token: "${SLACK_APP_TOKEN}"}, got a string`},
		{"an empty slack section is rejected", network + "chat:\n  slack:\n", "bot.yaml:4: chat.slack.bot_token: required; write bot_token: ${SLACK_BOT_TOKEN} and set that variable to a bot token starting with \"xoxb-\" (Slack app → OAuth & Permissions → Bot User OAuth Token)"},
		{"a missing bot token is rejected", network + "chat:\n  slack:\n    app_token: ${SLACK_APP_TOKEN}\n", "bot.yaml:4: chat.slack.bot_token: required; write bot_token: ${SLACK_BOT_TOKEN} and set that variable to a bot token starting with \"xoxb-\" (Slack app → OAuth & Permissions → Bot User OAuth Token)"},
		{"a bot token set to an empty variable is rejected", network + "chat:\n  slack:\n    bot_token: ${EMPTY}\n", "bot.yaml:5: chat.slack.bot_token: \"${EMPTY}\" is empty; set the variable to a bot token starting with \"xoxb-\" (Slack app → OAuth & Permissions → Bot User OAuth Token)"},
		{"an empty bot token is rejected", network + "chat:\n  slack:\n    bot_token: ''\n", "bot.yaml:5: chat.slack.bot_token: empty; write ${SLACK_BOT_TOKEN} and set that variable to a bot token starting with \"xoxb-\" (Slack app → OAuth & Permissions → Bot User OAuth Token)"},
		{"an unset bot token variable is rejected", network + "chat:\n  slack:\n    bot_token: ${UNSET_TOKEN}\n", "bot.yaml:5: chat.slack.bot_token: environment variable UNSET_TOKEN is not set"},
		{"a bot token with the wrong prefix is rejected", network + "chat:\n  slack:\n    bot_token: ${WRONG_TOKEN}\n", `bot.yaml:5: chat.slack.bot_token: must be a bot token starting with "xoxb-" (Slack app → OAuth & Permissions → Bot User OAuth Token)`},
		{"a bot token that is only the prefix is rejected", network + "chat:\n  slack:\n    bot_token: xoxb-\n", `bot.yaml:5: chat.slack.bot_token: must be a bot token starting with "xoxb-" (Slack app → OAuth & Permissions → Bot User OAuth Token)`},
		{"the app token as the bot token is rejected", network + "chat:\n  slack:\n    bot_token: ${SLACK_APP_TOKEN}\n", `bot.yaml:5: chat.slack.bot_token: must be a bot token starting with "xoxb-" (Slack app → OAuth & Permissions → Bot User OAuth Token); this one is the app-level token, which goes in app_token`},
		{"a user token as the bot token is rejected", network + "chat:\n  slack:\n    bot_token: ${USER_TOKEN}\n", `bot.yaml:5: chat.slack.bot_token: must be a bot token starting with "xoxb-" (Slack app → OAuth & Permissions → Bot User OAuth Token); this one is a user token; crier needs the bot's`},
		{"a bot token with a trailing newline is rejected", network + "chat:\n  slack:\n    bot_token: ${NEWLINE_TOKEN}\n", "bot.yaml:5: chat.slack.bot_token: contains a space or line break, which a bot token never has; check the variable for stray spaces or a trailing newline"},
		{"a number as a bot token is rejected", network + "chat:\n  slack:\n    bot_token: [1]\n", "bot.yaml:5: chat.slack.bot_token: expected a string, got a list"},
		{"socket mode without an app token is rejected", network + "chat:\n  slack:\n    bot_token: ${SLACK_BOT_TOKEN}\n", "bot.yaml:4: chat.slack.app_token: required in socket mode; write app_token: ${SLACK_APP_TOKEN} and set that variable to an app-level token starting with \"xapp-\" (Slack app → Basic Information → App-Level Tokens, with the connections:write scope), or use mode: http"},
		{"an app token with the wrong prefix is rejected", network + "chat:\n  slack:\n    bot_token: ${SLACK_BOT_TOKEN}\n    app_token: ${WRONG_TOKEN}\n", `bot.yaml:6: chat.slack.app_token: must be an app-level token starting with "xapp-" (Slack app → Basic Information → App-Level Tokens, with the connections:write scope)`},
		{"the bot token as the app token is rejected", network + "chat:\n  slack:\n    bot_token: ${SLACK_BOT_TOKEN}\n    app_token: ${SLACK_BOT_TOKEN}\n", `bot.yaml:6: chat.slack.app_token: must be an app-level token starting with "xapp-" (Slack app → Basic Information → App-Level Tokens, with the connections:write scope); this one is the bot token, which goes in bot_token`},
		{"a wrong app token is rejected in http mode too", network + slackHTTP + "    app_token: ${WRONG_TOKEN}\nhttp: {listen: ':8080'}\n", `bot.yaml:8: chat.slack.app_token: must be an app-level token starting with "xapp-" (Slack app → Basic Information → App-Level Tokens, with the connections:write scope)`},
		{"http mode without a signing secret is rejected", network + "chat:\n  slack:\n    mode: http\n    bot_token: ${SLACK_BOT_TOKEN}\n    app_token: ${SLACK_APP_TOKEN}\nhttp: {listen: ':8080'}\n", "bot.yaml:4: chat.slack.signing_secret: required in http mode; write signing_secret: ${SLACK_SIGNING_SECRET} and set that variable to the signing secret (Slack app → Basic Information → Signing Secret)"},
		{"an empty signing secret is rejected", network + "chat:\n  slack:\n    mode: http\n    bot_token: ${SLACK_BOT_TOKEN}\n    signing_secret: ${EMPTY}\n", "bot.yaml:7: chat.slack.signing_secret: \"${EMPTY}\" is empty; set the variable to the signing secret (Slack app → Basic Information → Signing Secret)"},
		{"a signing secret with a space is rejected", network + "chat:\n  slack:\n    mode: http\n    bot_token: ${SLACK_BOT_TOKEN}\n    signing_secret: ' ${SLACK_SIGNING_SECRET}'\n", "bot.yaml:7: chat.slack.signing_secret: contains a space or line break, which the signing secret never has; check the variable for stray spaces or a trailing newline"},
		{"an unknown mode is rejected", network + "chat:\n  slack:\n    mode: websocket\n", `bot.yaml:5: chat.slack.mode: unknown mode "websocket"; write socket (Socket Mode, no public URL needed) or http (Events API, needs http.listen)`},
		{"a mode in capitals is rejected", network + "chat:\n  slack:\n    bot_token: ${SLACK_BOT_TOKEN}\n    mode: HTTP\n", `bot.yaml:6: chat.slack.mode: unknown mode "HTTP"; write socket (Socket Mode, no public URL needed) or http (Events API, needs http.listen)`},
		{"an empty mode is rejected", network + "chat:\n  slack:\n    mode: ''\n", `bot.yaml:5: chat.slack.mode: empty; write socket (Socket Mode, no public URL needed) or http (Events API, needs http.listen)`},
		{"http mode without http.listen is rejected", network + slackHTTP, `bot.yaml:5: chat.slack.mode: http mode needs http.listen, the address Slack's requests come to; add http: {listen: ":8080"} behind an HTTPS proxy, or use mode: socket`},
		{"http mode with an empty http section is rejected", network + slackHTTP + "http:\n  listen:\n", `bot.yaml:5: chat.slack.mode: http mode needs http.listen, the address Slack's requests come to; add http: {listen: ":8080"} behind an HTTPS proxy, or use mode: socket`},
		{"an api url without a scheme is rejected", network + slack + "    api_url: slack.com/api/\n", `bot.yaml:7: chat.slack.api_url: "slack.com/api/" is not an absolute http(s) URL; write one like https://slack.com/api/ (GovSlack: https://slack-gov.com/api/)`},
		{"an api url that is not http is rejected", network + slack + "    api_url: ftp://slack.com/api/\n", `bot.yaml:7: chat.slack.api_url: "ftp://slack.com/api/" is not an absolute http(s) URL; write one like https://slack.com/api/ (GovSlack: https://slack-gov.com/api/)`},
		{"an api url without a host is rejected", network + slack + "    api_url: https:///api/\n", `bot.yaml:7: chat.slack.api_url: "https:///api/" is not an absolute http(s) URL; write one like https://slack.com/api/ (GovSlack: https://slack-gov.com/api/)`},
		{"an api url with a space is rejected", network + slack + "    api_url: https://slack.com/my api/\n", `bot.yaml:7: chat.slack.api_url: "https://slack.com/my api/" is not an absolute http(s) URL; write one like https://slack.com/api/ (GovSlack: https://slack-gov.com/api/)`},
		{"an api url that does not parse is rejected", network + slack + "    api_url: 'http://[::1'\n", `bot.yaml:7: chat.slack.api_url: "http://[::1" is not an absolute http(s) URL; write one like https://slack.com/api/ (GovSlack: https://slack-gov.com/api/)`},
		{"an api url with a query is rejected", network + slack + "    api_url: https://slack.com/api/?x=1\n", `bot.yaml:7: chat.slack.api_url: "https://slack.com/api/?x=1" has a query or a fragment; write the URL API methods go under, like https://slack.com/api/ (GovSlack: https://slack-gov.com/api/)`},
		{"an api url with a fragment is rejected", network + slack + "    api_url: https://slack.com/api/#top\n", `bot.yaml:7: chat.slack.api_url: "https://slack.com/api/#top" has a query or a fragment; write the URL API methods go under, like https://slack.com/api/ (GovSlack: https://slack-gov.com/api/)`},
		{"an empty api url is rejected", network + slack + "    api_url: ''\n", `bot.yaml:7: chat.slack.api_url: empty; write a URL like https://slack.com/api/ (GovSlack: https://slack-gov.com/api/)`},

		// Discord.
		{"an unknown discord key is rejected", network + discord + "    bot_token: x\n", "bot.yaml:8: chat.discord.bot_token: unknown key (known: token, application_id, public_key, interactions, global_commands, api_url, guilds)"},
		{"a string where discord goes is rejected", network + "chat: {discord: abc}\n", `bot.yaml:3: chat.discord: expected a mapping like {token: "${DISCORD_TOKEN}", application_id: "123456789012345678", guilds: [{id: "123456789012345678"}]}, got a string`},
		{"an empty discord section is rejected", network + "chat:\n  discord:\n", "bot.yaml:4: chat.discord.token: required; write token: ${DISCORD_TOKEN} and set that variable to " + tokenHelp},
		{"a missing token is rejected", network + "chat:\n  discord:\n    application_id: \"123456789012345678\"\n    guilds: [{id: \"223456789012345678\"}]\n", "bot.yaml:4: chat.discord.token: required; write token: ${DISCORD_TOKEN} and set that variable to " + tokenHelp},
		{"a token set to an empty variable is rejected", network + "chat:\n  discord:\n    token: ${EMPTY}\n", `bot.yaml:5: chat.discord.token: "${EMPTY}" is empty; set the variable to ` + tokenHelp},
		{"an empty token is rejected", network + "chat:\n  discord:\n    token: ''\n", "bot.yaml:5: chat.discord.token: empty; write ${DISCORD_TOKEN} and set that variable to " + tokenHelp},
		{"an unset token variable is rejected", network + "chat:\n  discord:\n    token: ${UNSET_TOKEN}\n", "bot.yaml:5: chat.discord.token: environment variable UNSET_TOKEN is not set"},
		{`a token written after "Bot " is rejected`, network + "chat:\n  discord:\n    token: Bot ${DISCORD_TOKEN}\n", `bot.yaml:5: chat.discord.token: starts with "Bot "; put only the token, crier adds "Bot " itself`},
		{`a token variable holding "bot " is rejected`, network + "chat:\n  discord:\n    token: ${BOT_TOKEN}\n", `bot.yaml:5: chat.discord.token: starts with "Bot "; put only the token, crier adds "Bot " itself`},
		{"a token with a trailing newline is rejected", network + "chat:\n  discord:\n    token: ${NEWLINE_DISCORD}\n", "bot.yaml:5: chat.discord.token: contains a space or line break, which a bot token never has; check the variable for stray spaces or a trailing newline"},
		{"a token with a space inside is rejected", network + "chat:\n  discord:\n    token: 'abc ${DISCORD_TOKEN}'\n", "bot.yaml:5: chat.discord.token: contains a space or line break, which a bot token never has; check the variable for stray spaces or a trailing newline"},
		{"a list as a token is rejected", network + "chat:\n  discord:\n    token: [x]\n", "bot.yaml:5: chat.discord.token: expected a string, got a list"},
		{"a missing application id is rejected", network + "chat:\n  discord:\n    token: ${DISCORD_TOKEN}\n    guilds: [{id: \"223456789012345678\"}]\n", `bot.yaml:4: chat.discord.application_id: required; write application_id: "123456789012345678", the application's ID (Developer Portal → General Information → Application ID)`},
		{"a short application id is rejected", network + "chat:\n  discord:\n    application_id: 1234567890123456\n", `bot.yaml:5: chat.discord.application_id: "1234567890123456" is not an application ID, which is 17 to 20 digits; ` + appIDHelp},
		{"an application id of 21 digits is rejected", network + "chat:\n  discord:\n    application_id: '123456789012345678901'\n", `bot.yaml:5: chat.discord.application_id: "123456789012345678901" is not an application ID, which is 17 to 20 digits; ` + appIDHelp},
		{"an application id over 64 bits is rejected", network + "chat:\n  discord:\n    application_id: 18446744073709551616\n", `bot.yaml:5: chat.discord.application_id: "18446744073709551616" is not an application ID, which is 17 to 20 digits; ` + appIDHelp},
		{"an application id with a leading zero is rejected", network + "chat:\n  discord:\n    application_id: '0123456789012345678'\n", `bot.yaml:5: chat.discord.application_id: "0123456789012345678" is not an application ID, which is 17 to 20 digits; ` + appIDHelp},
		{"an application id in words is rejected", network + "chat:\n  discord:\n    application_id: my-bot\n", `bot.yaml:5: chat.discord.application_id: "my-bot" is not an application ID, which is 17 to 20 digits; ` + appIDHelp},
		{"an application id as a float is rejected", network + "chat:\n  discord:\n    application_id: 1.2345678901234568e+17\n", `bot.yaml:5: chat.discord.application_id: "1.2345678901234568e+17" is not an application ID, which is 17 to 20 digits; ` + appIDHelp},
		{"an application id with digit separators is rejected", network + "chat:\n  discord:\n    application_id: 123_456_789_012_345_678\n", `bot.yaml:5: chat.discord.application_id: "123_456_789_012_345_678" is not an application ID, which is 17 to 20 digits; ` + appIDHelp},
		{"an empty application id is rejected", network + "chat:\n  discord:\n    application_id: ''\n", `bot.yaml:5: chat.discord.application_id: empty; write an application ID like "123456789012345678" (Developer Portal → General Information → Application ID)`},
		{"an application id from a variable is quoted as written", network + "chat:\n  discord:\n    application_id: ${NAME}\n", `bot.yaml:5: chat.discord.application_id: "${NAME}" is not an application ID, which is 17 to 20 digits; ` + appIDHelp},
		{"unknown interactions are rejected", network + discord + "    interactions: websocket\n", `bot.yaml:8: chat.discord.interactions: unknown interactions "websocket"; write gateway (over the bot's connection, no public URL needed) or http (Interactions Endpoint URL, needs http.listen and public_key)`},
		{"interactions in capitals are rejected", network + discord + "    interactions: HTTP\n", `bot.yaml:8: chat.discord.interactions: unknown interactions "HTTP"; write gateway (over the bot's connection, no public URL needed) or http (Interactions Endpoint URL, needs http.listen and public_key)`},
		{"http interactions without a public key are rejected", network + discord + "    interactions: http\nhttp: {listen: ':8080'}\n", "bot.yaml:4: chat.discord.public_key: required with interactions: http, to check Discord's requests; " + keyHelp + ", or use interactions: gateway"},
		{"http interactions without http.listen are rejected", network + discord + "    interactions: http\n    public_key: ${DISCORD_PUBLIC_KEY}\n", `bot.yaml:8: chat.discord.interactions: http interactions need http.listen, the address Discord's requests come to (the Interactions Endpoint URL); add http: {listen: ":8080"} behind an HTTPS proxy, or use interactions: gateway`},
		{"http interactions with an empty http section are rejected", network + discord + "    interactions: http\n    public_key: ${DISCORD_PUBLIC_KEY}\nhttp:\n  listen:\n", `bot.yaml:8: chat.discord.interactions: http interactions need http.listen, the address Discord's requests come to (the Interactions Endpoint URL); add http: {listen: ":8080"} behind an HTTPS proxy, or use interactions: gateway`},
		{"a public key of 63 characters is rejected", network + discord + "    public_key: " + testPublicKey[1:] + "\n", `bot.yaml:8: chat.discord.public_key: "` + testPublicKey[1:] + `" is not a public key; ` + keyHelp},
		{"a public key of 66 characters is rejected", network + discord + "    public_key: 0x" + testPublicKey + "\n", `bot.yaml:8: chat.discord.public_key: "0x` + testPublicKey + `" is not a public key; ` + keyHelp},
		{"a public key that is not hex is rejected", network + discord + "    public_key: " + testPublicKey[:63] + "g\n", `bot.yaml:8: chat.discord.public_key: "` + testPublicKey[:63] + `g" is not a public key; ` + keyHelp},
		{"an empty public key is rejected", network + discord + "    public_key: ''\n", "bot.yaml:8: chat.discord.public_key: empty; " + keyHelp},
		{"a public key from a variable is quoted as written", network + discord + "    public_key: ${NAME}\n", `bot.yaml:8: chat.discord.public_key: "${NAME}" is not a public key; ` + keyHelp},
		{"global commands as yes are rejected", network + discord + "    global_commands: yes\n", `bot.yaml:8: chat.discord.global_commands: "yes" is not true or false; write true or false`},
		{"global commands as a number are rejected", network + discord + "    global_commands: 1\n", `bot.yaml:8: chat.discord.global_commands: "1" is not true or false; write true or false`},
		{"global commands as a list are rejected", network + discord + "    global_commands: [true]\n", "bot.yaml:8: chat.discord.global_commands: expected true or false, got a list"},
		{"a discord api url without a scheme is rejected", network + discord + "    api_url: discord.com/api\n", `bot.yaml:8: chat.discord.api_url: "discord.com/api" is not an absolute http(s) URL; write one like https://discord.com/api/v10/, or leave api_url out for Discord's`},
		{"a discord api url with a query is rejected", network + discord + "    api_url: https://discord.com/api/v10?x=1\n", `bot.yaml:8: chat.discord.api_url: "https://discord.com/api/v10?x=1" has a query or a fragment; write the URL API methods go under, like https://discord.com/api/v10/, or leave api_url out for Discord's`},
		{"an empty discord api url is rejected", network + discord + "    api_url: ''\n", `bot.yaml:8: chat.discord.api_url: empty; write a URL like https://discord.com/api/v10/, or leave api_url out for Discord's`},
		{"a discord api url of a bare host is rejected, saying what to write", network + discord + "    api_url: https://proxy.example/\n", `bot.yaml:8: chat.discord.api_url: "https://proxy.example/" must end in Discord's API version, like https://proxy.example/api/v10/ (or leave api_url out for Discord's own)`},
		{"a discord api url of a bare host without its slash is rejected", network + discord + "    api_url: http://127.0.0.1:4568\n", `bot.yaml:8: chat.discord.api_url: "http://127.0.0.1:4568" must end in Discord's API version, like http://127.0.0.1:4568/api/v10/ (or leave api_url out for Discord's own)`},
		{"a discord api url under a proxy's own path without the version is rejected", network + discord + "    api_url: https://proxy.example/discord/\n", `bot.yaml:8: chat.discord.api_url: "https://proxy.example/discord/" must end in Discord's API version, like https://proxy.example/discord/api/v10/ (or leave api_url out for Discord's own)`},
		{"a discord api url ending in /api is rejected", network + discord + "    api_url: https://discord.com/api\n", `bot.yaml:8: chat.discord.api_url: "https://discord.com/api" must end in Discord's API version, like https://discord.com/api/v10/ (or leave api_url out for Discord's own)`},
		{"a discord api url with a version in words is rejected", network + discord + "    api_url: https://proxy.example/api/vten/\n", `bot.yaml:8: chat.discord.api_url: "https://proxy.example/api/vten/" must end in Discord's API version, like https://proxy.example/api/v10/ (or leave api_url out for Discord's own)`},
		{"a discord api url with a version and no number is rejected", network + discord + "    api_url: https://proxy.example/api/v/\n", `bot.yaml:8: chat.discord.api_url: "https://proxy.example/api/v/" must end in Discord's API version, like https://proxy.example/api/v10/ (or leave api_url out for Discord's own)`},
		{"a discord api url going on past the version is rejected", network + discord + "    api_url: https://discord.com/api/v10/channels\n", `bot.yaml:8: chat.discord.api_url: "https://discord.com/api/v10/channels" must end in Discord's API version, like https://discord.com/api/v10/ (or leave api_url out for Discord's own)`},
		{"a discord api url from a variable is quoted as written", network + discord + "    api_url: ${PROXY}\n", `bot.yaml:8: chat.discord.api_url: "${PROXY}" must end in Discord's API version, like ${PROXY}/api/v10/ (or leave api_url out for Discord's own)`},
		{"no guilds without global commands are rejected", network + discordTo, "bot.yaml:4: chat.discord.guilds: " + noGuilds},
		{"an empty guild list is rejected", network + discordTo + "    guilds: []\n", "bot.yaml:7: chat.discord.guilds: " + noGuilds},
		{"guilds left empty are rejected", network + discordTo + "    guilds:\n", "bot.yaml:7: chat.discord.guilds: " + noGuilds},
		{"no guilds with global commands false are rejected", network + discordTo + "    global_commands: false\n    guilds: []\n", "bot.yaml:8: chat.discord.guilds: " + noGuilds},
		{"a string where guilds go is rejected", network + discordTo + "    guilds: \"223456789012345678\"\n", `bot.yaml:7: chat.discord.guilds: expected a list of servers like [{id: "123456789012345678", timezone: Europe/Lisbon}], got a string`},
		{"an empty guild entry is rejected", network + discordTo + "    guilds:\n      -\n", `bot.yaml:8: chat.discord.guilds[0]: empty server; write one like {id: "123456789012345678", timezone: Europe/Lisbon}`},
		{"a bare id where a guild goes is rejected", network + discordTo + "    guilds: [\"223456789012345678\"]\n", `bot.yaml:7: chat.discord.guilds[0]: expected a mapping like {id: "123456789012345678", timezone: Europe/Lisbon}, got a string`},
		{"a guild without an id is rejected", network + discordTo + "    guilds:\n      - timezone: UTC\n", `bot.yaml:8: chat.discord.guilds[0].id: required; write a server ID like "123456789012345678" (right-click the server → Copy Server ID, with Developer Mode on)`},
		{"an unknown guild key is rejected", network + discordTo + "    guilds:\n      - id: \"223456789012345678\"\n        name: Crier HQ\n", "bot.yaml:9: chat.discord.guilds[0].name: unknown key (known: id, timezone, channels)"},
		{"a guild name as its id is rejected", network + discordTo + "    guilds: [{id: Crier HQ}]\n", `bot.yaml:7: chat.discord.guilds[0].id: "Crier HQ" is not a server ID, which is 17 to 20 digits; ` + guildHelp},
		{"a guild id too short is rejected", network + discordTo + "    guilds: [{id: 42}]\n", `bot.yaml:7: chat.discord.guilds[0].id: "42" is not a server ID, which is 17 to 20 digits; ` + guildHelp},
		{"a guild listed twice is rejected, as a number and a string", network + discordTo + "    guilds:\n      - id: 223456789012345678\n      - id: \"223456789012345678\"\n", `bot.yaml:9: chat.discord.guilds[1].id: duplicate server ID "223456789012345678" (first on line 8); list each server once`},
		{"an unknown guild timezone is rejected", network + discordTo + "    guilds:\n      - id: \"223456789012345678\"\n        timezone: Europe/Lisbn\n", `bot.yaml:9: chat.discord.guilds[0].timezone: unknown timezone "Europe/Lisbn"; ` + zoneHelp + ", or leave timezone out for the top-level one"},
		{"the machine's timezone for a guild is rejected", network + discordTo + "    guilds: [{id: \"223456789012345678\", timezone: Local}]\n", `bot.yaml:7: chat.discord.guilds[0].timezone: unknown timezone "Local"; ` + zoneHelp + ", or leave timezone out for the top-level one"},
		{"an empty guild timezone is rejected", network + discordTo + "    guilds: [{id: \"223456789012345678\", timezone: ''}]\n", "bot.yaml:7: chat.discord.guilds[0].timezone: empty; " + zoneHelp + ", or leave timezone out for the top-level one"},
		{"a list where channels go is rejected", network + discordTo + "    guilds: [{id: \"223456789012345678\", channels: [\"323456789012345678\"]}]\n", `bot.yaml:7: chat.discord.guilds[0].channels: expected a mapping of channel IDs to timezones like {"123456789012345678": Europe/Lisbon}, got a list`},
		{"a short channel id is rejected", network + discordTo + "    guilds:\n      - id: \"223456789012345678\"\n        channels:\n          12345: UTC\n", `bot.yaml:10: chat.discord.guilds[0].channels.12345: "12345" is not a channel ID, which is 17 to 20 digits; ` + channelHelp},
		{"a channel name as a channel id is rejected", network + discordTo + "    guilds:\n      - id: \"223456789012345678\"\n        channels:\n          general: UTC\n", `bot.yaml:10: chat.discord.guilds[0].channels.general: "general" ` + channelName},
		{"a channel name with # as a channel id is rejected", network + discordTo + "    guilds:\n      - id: \"223456789012345678\"\n        channels:\n          '#general': UTC\n", `bot.yaml:10: chat.discord.guilds[0].channels."#general": "#general" ` + channelName},
		{"a list as a channel id is rejected", network + discordTo + "    guilds: [{id: \"223456789012345678\", channels: {[1]: UTC}}]\n", "bot.yaml:7: chat.discord.guilds[0].channels: expected a channel ID, got a list"},
		{"a merge key in channels is rejected", network + discordTo + "    guilds: [{id: \"223456789012345678\", channels: {<<: {\"323456789012345678\": UTC}}}]\n", `bot.yaml:7: chat.discord.guilds[0].channels."<<": merge keys are not supported; write the channels out`},
		{"an unknown channel timezone is rejected", network + discordTo + "    guilds:\n      - id: \"223456789012345678\"\n        channels:\n          \"323456789012345678\": ${TZ_NAME}\n", `bot.yaml:10: chat.discord.guilds[0].channels.323456789012345678: unknown timezone "${TZ_NAME}"; ` + zoneHelp + ", or remove this channel"},
		{"a channel without a timezone is rejected", network + discordTo + "    guilds:\n      - id: \"223456789012345678\"\n        channels:\n          \"323456789012345678\":\n", `bot.yaml:10: chat.discord.guilds[0].channels.323456789012345678: no timezone; ` + zoneHelp + ", or remove this channel"},
		{"a list as a channel timezone is rejected", network + discordTo + "    guilds: [{id: \"223456789012345678\", channels: {\"323456789012345678\": [UTC]}}]\n", "bot.yaml:7: chat.discord.guilds[0].channels.323456789012345678: expected a string, got a list"},
		{"a channel listed twice in a guild is rejected", network + discordTo + "    guilds:\n      - id: \"223456789012345678\"\n        channels:\n          \"323456789012345678\": UTC\n          323456789012345678: Asia/Tokyo\n", `bot.yaml:11: chat.discord.guilds[0].channels.323456789012345678: channel "323456789012345678" is listed twice (first on line 10); a channel belongs to one server, so list it once`},
		{"a channel listed under two guilds is rejected", network + discordTo + "    guilds:\n      - {id: \"223456789012345678\", channels: {\"323456789012345678\": UTC}}\n      - {id: \"423456789012345678\", channels: {\"323456789012345678\": UTC}}\n", `bot.yaml:9: chat.discord.guilds[1].channels.323456789012345678: channel "323456789012345678" is listed twice (first on line 8); a channel belongs to one server, so list it once`},

		// Discord networks.
		{"a discord network without chat.discord is rejected", network + "  - name: news\n    kind: discord\n    channel: \"723456789012345678\"\nchat: {shell: {}}\n", `bot.yaml:3: networks[1]: kind discord needs chat.discord, which is not set; add chat: {discord: {token: "${DISCORD_TOKEN}", application_id: "123456789012345678", guilds: [{id: "123456789012345678"}]}}`},
		{"a discord network with only chat.slack is rejected", slack + "networks:\n  - {name: news, kind: discord, channel: \"723456789012345678\"}\n", `bot.yaml:6: networks[0]: kind discord needs chat.discord, which is not set; add chat: {discord: {token: "${DISCORD_TOKEN}", application_id: "123456789012345678", guilds: [{id: "123456789012345678"}]}}`},
		{"a slack network with only chat.discord is rejected", discord + "networks:\n  - {name: general, kind: slack, channel: C0123ABCD}\n", "bot.yaml:7: networks[0]: kind slack needs chat.slack, which is not set; add chat: {slack: {bot_token: \"${SLACK_BOT_TOKEN}\", app_token: \"${SLACK_APP_TOKEN}\"}}"},
		{"a discord network without a channel is rejected", discord + "networks:\n  - name: news\n    kind: discord\n", `bot.yaml:7: networks[0].channel: required for kind discord; write a channel ID like "123456789012345678" (right-click the channel → Copy Channel ID, with Developer Mode on)`},
		{"an empty discord channel is rejected", discord + "networks:\n  - {name: news, kind: discord, channel: ''}\n", `bot.yaml:7: networks[0].channel: empty; write a channel ID like "123456789012345678" (right-click the channel → Copy Channel ID, with Developer Mode on)`},
		{"a discord channel name is rejected", discord + "networks:\n  - {name: news, kind: discord, channel: '#announcements'}\n", `bot.yaml:7: networks[0].channel: "#announcements" ` + channelName},
		{"a discord channel name without # is rejected", discord + "networks:\n  - {name: news, kind: discord, channel: release-notes}\n", `bot.yaml:7: networks[0].channel: "release-notes" ` + channelName},
		{"a slack channel id in a discord network is rejected", discord + "networks:\n  - {name: news, kind: discord, channel: C0123ABCD}\n", `bot.yaml:7: networks[0].channel: "C0123ABCD" is not a channel ID, which is 17 to 20 digits; ` + channelHelp},
		{"a short discord channel id is rejected", discord + "networks:\n  - {name: news, kind: discord, channel: 72345678901234}\n", `bot.yaml:7: networks[0].channel: "72345678901234" is not a channel ID, which is 17 to 20 digits; ` + channelHelp},
		{"a discord channel mention is rejected", discord + "networks:\n  - {name: news, kind: discord, channel: '<#723456789012345678>'}\n", `bot.yaml:7: networks[0].channel: "<#723456789012345678>" is not a channel ID, which is 17 to 20 digits; ` + channelHelp},
		{"a discord limit of 0 is rejected", discord + "networks:\n  - {name: news, kind: discord, channel: \"723456789012345678\", limit: 0}\n", `bot.yaml:7: networks[0].limit: "0" is out of range; write a number from 1 to 2000`},
		{"a discord limit over 2000 is rejected", discord + "networks:\n  - {name: news, kind: discord, channel: \"723456789012345678\", limit: 2001}\n", `bot.yaml:7: networks[0].limit: "2001" is out of range; write a number from 1 to 2000`},
		{"a crosspost that is not true or false is rejected", discord + "networks:\n  - {name: news, kind: discord, channel: \"723456789012345678\", crosspost: maybe}\n", `bot.yaml:7: networks[0].crosspost: "maybe" is not true or false; write true or false`},
		{"an outbox in a discord network is rejected", discord + "networks:\n  - {name: news, kind: discord, channel: \"723456789012345678\", outbox: o}\n", "bot.yaml:7: networks[0].outbox: not used by kind discord; remove it (discord networks take name, kind, channel, limit, crosspost)"},
		{"a crosspost in a slack network is rejected", slack + "networks:\n  - {name: general, kind: slack, channel: C0123ABCD, crosspost: true}\n", "bot.yaml:6: networks[0].crosspost: not used by kind slack; remove it (slack networks take name, kind, channel, limit)"},
		{"a crosspost in a file network is rejected", "networks:\n  - {name: a, kind: file, outbox: o, crosspost: false}\n", "bot.yaml:2: networks[0].crosspost: not used by kind file; remove it (file networks take name, kind, outbox, inbox, limit)"},

		// HTTP.
		{"an unknown http key is rejected", network + "http:\n  port: 8080\n", "bot.yaml:4: http.port: unknown key (known: listen, public_url, api_token)"},
		{"a string where http goes is rejected", network + "http: ':8080'\n", `bot.yaml:3: http: expected a mapping like {listen: ":8080"}, got a string`},
		{"a listen address without a port is rejected", network + "http:\n  listen: localhost\n", `bot.yaml:4: http.listen: "localhost" is not a host:port with a port from 0 to 65535; write one like :8080 (every interface) or 127.0.0.1:8080`},
		{"a bare port is rejected", network + "http:\n  listen: 8080\n", `bot.yaml:4: http.listen: "8080" is not a host:port with a port from 0 to 65535; write one like :8080 (every interface) or 127.0.0.1:8080`},
		{"a listen URL is rejected", network + "http:\n  listen: http://0.0.0.0:8080\n", `bot.yaml:4: http.listen: "http://0.0.0.0:8080" is not a host:port with a port from 0 to 65535; write one like :8080 (every interface) or 127.0.0.1:8080`},
		{"a port over 65535 is rejected", network + "http:\n  listen: ':65536'\n", `bot.yaml:4: http.listen: ":65536" is not a host:port with a port from 0 to 65535; write one like :8080 (every interface) or 127.0.0.1:8080`},
		{"a named port is rejected", network + "http:\n  listen: ':http'\n", `bot.yaml:4: http.listen: ":http" is not a host:port with a port from 0 to 65535; write one like :8080 (every interface) or 127.0.0.1:8080`},
		{"a signed port is rejected", network + "http:\n  listen: ':+80'\n", `bot.yaml:4: http.listen: ":+80" is not a host:port with a port from 0 to 65535; write one like :8080 (every interface) or 127.0.0.1:8080`},
		{"an empty port is rejected", network + "http:\n  listen: 'localhost:'\n", `bot.yaml:4: http.listen: "localhost:" is not a host:port with a port from 0 to 65535; write one like :8080 (every interface) or 127.0.0.1:8080`},
		{"a host with a space is rejected", network + "http:\n  listen: 'my host:80'\n", `bot.yaml:4: http.listen: "my host:80" is not a host:port with a port from 0 to 65535; write one like :8080 (every interface) or 127.0.0.1:8080`},
		{"an empty listen is rejected", network + "http:\n  listen: ''\n", `bot.yaml:4: http.listen: empty; write a host:port like :8080 (every interface) or 127.0.0.1:8080, or leave listen out for no listener`},
		{"a listen from a variable is quoted as written", network + "http:\n  listen: ${NAME}\n", `bot.yaml:4: http.listen: "${NAME}" is not a host:port with a port from 0 to 65535; write one like :8080 (every interface) or 127.0.0.1:8080`},

		// Publish.
		{"zero attempts are rejected", network + "publish:\n  max_attempts: 0\n", `bot.yaml:4: publish.max_attempts: "0" is out of range; write a number from 1 to 50`},
		{"51 attempts are rejected", network + "publish:\n  max_attempts: 51\n", `bot.yaml:4: publish.max_attempts: "51" is out of range; write a number from 1 to 50`},
		{"a timeout without a unit is rejected", network + "publish:\n  attempt_timeout: 30\n", `bot.yaml:4: publish.attempt_timeout: "30" is not a duration; write one like 30s or 2m, from 1s to 10m`},
		{"a timeout under a second is rejected", network + "publish:\n  attempt_timeout: 500ms\n", `bot.yaml:4: publish.attempt_timeout: "500ms" is out of range; write a duration from 1s to 10m`},
		{"a timeout over ten minutes is rejected", network + "publish:\n  attempt_timeout: 1h\n", `bot.yaml:4: publish.attempt_timeout: "1h" is out of range; write a duration from 1s to 10m`},

		// Variables.
		{"an unset variable is rejected", "networks:\n  - name: a\n    kind: file\n    outbox: ${OUTBOX_DIR}/o.jsonl\n", "bot.yaml:4: networks[0].outbox: environment variable OUTBOX_DIR is not set"},
		{"an unset variable in a role is rejected", network + "roles:\n  admin:\n    - ${ADMIN_ID}\n", "bot.yaml:5: roles.admin[0]: environment variable ADMIN_ID is not set"},
		{"an unterminated variable is rejected", "database: ${DATA/crier.db\n" + network, `bot.yaml:1: database: unterminated "${"; close it with "}" or write "$${" for a literal "${"`},
		{"an empty variable name is rejected", "database: ${}/crier.db\n" + network, `bot.yaml:1: database: empty variable name in "${}"; write "${NAME}" or "$${}" for a literal "${}"`},
		{"a malformed variable name is rejected", "database: ${DATA DIR}/crier.db\n" + network, `bot.yaml:1: database: invalid variable name "DATA DIR"; use letters, digits and "_", not starting with a digit`},
		{"a variable that is set but empty leaves an empty value", "timezone: ${EMPTY}\n" + network, `bot.yaml:1: timezone: "${EMPTY}" is empty; set the variable or write an IANA name like "Europe/Bucharest" or "UTC"`},
		{"an expanded timezone is quoted as written", "timezone: ${TZ_NAME}\n" + network, `bot.yaml:1: timezone: unknown timezone "${TZ_NAME}"; write an IANA name like "Europe/Bucharest" or "UTC"`},
		{"an expanded limit is quoted as written", "networks:\n  - {name: a, kind: file, outbox: o, limit: '${LIMIT}'}\n", `bot.yaml:2: networks[0].limit: "${LIMIT}" is out of range; write a number from 1 to 100000`},
		{"a variable is not a name of a network", "networks:\n  - {name: '${NAME}', kind: file, outbox: o}\n", `bot.yaml:2: networks[0].name: invalid name "${NAME}"; use 1 to 32 of a-z, 0-9, _ and -`},
	}
	vars := slackVars()
	for k, v := range map[string]string{
		"EMPTY": "", "TZ_NAME": "Mars/Olympus", "LIMIT": "0", "NAME": "Bad Name", "CHANNEL": "#general",
		"WRONG_TOKEN": "abc-123", "USER_TOKEN": "xoxp-1-2-3", "NEWLINE_TOKEN": testBotToken + "\n",
		"BOT_TOKEN": "bot " + testDiscordToken, "NEWLINE_DISCORD": testDiscordToken + "\n", "PROXY": "https://proxy.example",
	} {
		vars[k] = v
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := parse(tt.input, vars)
			if err == nil {
				t.Fatalf("parsed to %+v, want error %q", c, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", err, tt.want)
			}
		})
	}
}

func TestParseNeverShowsSecrets(t *testing.T) {
	t.Parallel()
	const secret = "hunter2-Sup3r/Secret value"
	// Each input puts ${SECRET} where it ends up invalid, so the error is
	// about the expanded value.
	tests := []struct {
		name  string
		input string
	}{
		{"in a timezone", "timezone: ${SECRET}\n"},
		{"in a date order", "date_order: ${SECRET}\n"},
		{"in a language", "languages: [\"${SECRET}\"]\n"},
		{"in a network name", "networks:\n  - {name: '${SECRET}', kind: file, outbox: o}\n"},
		{"in a kind", "networks:\n  - {name: a, kind: '${SECRET}', outbox: o}\n"},
		{"in a limit", "networks:\n  - {name: a, kind: file, outbox: o, limit: '${SECRET}'}\n"},
		{"in a duplicate network name", "networks:\n  - {name: a, kind: file, outbox: o}\n  - {name: '${SECRET_NAME}', kind: file, outbox: o}\n"},
		{"in attempts", "publish: {max_attempts: '${SECRET}'}\n"},
		{"in a timeout", "publish: {attempt_timeout: '${SECRET}'}\n"},
		{"next to an unset variable", "database: ${SECRET}/${UNSET}\n"},
		{"in a valid value, before a later error", "database: ${SECRET}\nchat: {shell: {user: ${SECRET}}}\ntimezone: ${SECRET}\n"},
		{"in a bot token", "chat: {slack: {bot_token: '${SECRET}', app_token: '${SECRET_APP}'}}\n"},
		{"in a bot token with the right prefix", "chat: {slack: {bot_token: 'xoxb-${SECRET}', app_token: '${SECRET_APP}'}}\n"},
		{"in a bot token that is an app token", "chat: {slack: {bot_token: '${SECRET_APP}', app_token: '${SECRET_APP}'}}\n"},
		{"in a bot token that is a user token", "chat: {slack: {bot_token: '${SECRET_USER}', app_token: '${SECRET_APP}'}}\n"},
		{"in an app token", "chat: {slack: {bot_token: '${SECRET_BOT}', app_token: '${SECRET}'}}\n"},
		{"in an app token with the right prefix", "chat: {slack: {bot_token: '${SECRET_BOT}', app_token: 'xapp-${SECRET}'}}\n"},
		{"in an app token that is the bot token", "chat: {slack: {bot_token: '${SECRET_BOT}', app_token: '${SECRET_BOT}'}}\n"},
		{"in a signing secret", "chat: {slack: {mode: http, bot_token: '${SECRET_BOT}', signing_secret: '${SECRET}'}}\nhttp: {listen: ':80'}\n"},
		{"in valid tokens, before a later error", "chat: {slack: {mode: http, bot_token: '${SECRET_BOT}', app_token: '${SECRET_APP}', signing_secret: '${SECRET_SIGNING}'}}\n"},
		{"in valid tokens, before an error about the api url", "chat: {slack: {bot_token: '${SECRET_BOT}', app_token: '${SECRET_APP}', signing_secret: '${SECRET_SIGNING}', api_url: '${SECRET}'}}\n"},
		{"in a mode", "chat: {slack: {mode: '${SECRET}'}}\n"},
		{"in a channel", "chat: {slack: {bot_token: '${SECRET_BOT}', app_token: '${SECRET_APP}'}}\nnetworks:\n  - {name: a, kind: slack, channel: '${SECRET}'}\n"},
		{"in a listen address", "http: {listen: '${SECRET}'}\n"},
		{"in a discord token", "chat: {discord: {token: '${SECRET}', application_id: 123456789012345678, guilds: [{id: 223456789012345678}]}}\n"},
		{`in a discord token after "Bot "`, "chat: {discord: {token: 'Bot ${SECRET_DISCORD}', application_id: 123456789012345678, guilds: [{id: 223456789012345678}]}}\n"},
		{`in a discord token variable holding "Bot "`, "chat: {discord: {token: '${SECRET_BOT_DISCORD}', application_id: 123456789012345678, guilds: [{id: 223456789012345678}]}}\n"},
		{"in a discord token with a trailing space", "chat: {discord: {token: '${SECRET_DISCORD} '}}\n"},
		{"in a valid discord token, before a missing application id", "chat: {discord: {token: '${SECRET_DISCORD}', guilds: [{id: 223456789012345678}]}}\n"},
		{"in a valid discord token, before missing guilds", "chat: {discord: {token: '${SECRET_DISCORD}', application_id: 123456789012345678}}\n"},
		{"in a valid discord token, before a missing public key", "chat: {discord: {token: '${SECRET_DISCORD}', application_id: 123456789012345678, interactions: http, guilds: [{id: 223456789012345678}]}}\nhttp: {listen: ':80'}\n"},
		{"in a valid discord token, before a missing listener", "chat: {discord: {token: '${SECRET_DISCORD}', application_id: 123456789012345678, interactions: http, public_key: " + testPublicKey + ", guilds: [{id: 223456789012345678}]}}\nnetworks: [{name: a, kind: discord, channel: 723456789012345678}]\n"},
		{"in a valid discord token, before a discord network's error", "chat: {discord: {token: '${SECRET_DISCORD}', application_id: 123456789012345678, guilds: [{id: 223456789012345678}]}}\nnetworks: [{name: a, kind: discord, channel: '${SECRET}'}]\n"},
		{"in a discord token put in the application id", "chat: {discord: {token: '${SECRET_DISCORD}', application_id: '${SECRET_DISCORD}'}}\n"},
		{"in a discord token put in the public key", "chat: {discord: {token: '${SECRET_DISCORD}', application_id: 123456789012345678, public_key: '${SECRET_DISCORD}'}}\n"},
		{"in a discord token put in a guild id", "chat: {discord: {token: '${SECRET_DISCORD}', application_id: 123456789012345678, guilds: [{id: '${SECRET_DISCORD}'}]}}\n"},
		{"in a discord channel key", "chat: {discord: {token: '${SECRET_DISCORD}', application_id: 123456789012345678, guilds: [{id: 223456789012345678, channels: {'${SECRET}': UTC}}]}}\n"},
		{"in a discord channel zone", "chat: {discord: {token: '${SECRET_DISCORD}', application_id: 123456789012345678, guilds: [{id: 223456789012345678, channels: {323456789012345678: '${SECRET}'}}]}}\n"},
		{"in a guild zone", "chat: {discord: {token: '${SECRET_DISCORD}', application_id: 123456789012345678, guilds: [{id: 223456789012345678, timezone: '${SECRET}'}]}}\n"},
		{"in interactions", "chat: {discord: {interactions: '${SECRET}'}}\n"},
		{"in global commands", "chat: {discord: {global_commands: '${SECRET}'}}\n"},
		{"in a discord api url", "chat: {discord: {api_url: '${SECRET}'}}\n"},
		{"in a crosspost", "networks: [{name: a, kind: discord, channel: 723456789012345678, crosspost: '${SECRET}'}]\n"},
		{"in an api token", "http: {listen: ':80', api_token: '${SECRET} '}\n"},
		{"in a short api token", "http: {listen: ':80', api_token: '${SECRET_SHORT}'}\n"},
		{"in an api token, before a missing listener", "networks: [{name: a, kind: file, outbox: o}]\nhttp: {api_token: '${SECRET}'}\n"},
		{"in an api token, before a later error", "http: {listen: ':80', api_token: '${SECRET}'}\nmetrics: {currency: '${SECRET}'}\n"},
		{"in a digest time", "digests: [{channel: shell:kpis, time: '${SECRET}'}]\n"},
		{"in a digest channel", "digests: [{channel: 'shell:${SECRET}', time: 9am}]\n"},
		{"in a digest timezone", "digests: [{channel: shell:kpis, time: 9am, timezone: '${SECRET}'}]\n"},
		{"in a digest account", "networks: [{name: a, kind: file, outbox: o}]\nchat: {shell: {}}\ndigests: [{channel: shell:kpis, time: 9am, accounts: ['${SECRET}']}]\n"},
		{"in a digest metric", "digests: [{channel: shell:kpis, time: 9am, metrics: ['${SECRET}']}]\n"},
		{"in a digest weekday", "digests: [{channel: shell:kpis, time: 9am, weekly: '${SECRET}'}]\n"},
		{"in a digest name", "digests: [{name: '${SECRET}', channel: shell:kpis, time: 9am}]\n"},
		{"in metrics.collect", "metrics: {collect: '${SECRET}'}\n"},
		{"in utm.source", "utm: {source: '${SECRET}!'}\n"},
		{"in a long utm.medium", "utm: {medium: '${SECRET}${SECRET}${SECRET}${SECRET}${SECRET}'}\n"},
	}
	vars := map[string]string{
		"SECRET": secret, "SECRET_NAME": "a", "SECRET_SHORT": "hunter2",
		"SECRET_BOT": "xoxb-" + secret, "SECRET_APP": "xapp-" + secret, "SECRET_USER": "xoxp-" + secret, "SECRET_SIGNING": "hunter2",
		"SECRET_DISCORD": "hunter2.Sup3rSecret.Discord_T0ken", "SECRET_BOT_DISCORD": "Bot hunter2.Sup3rSecret.Discord_T0ken",
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := parse(tt.input, vars)
			if err == nil {
				t.Fatal("parsed, want an error")
			}
			for _, part := range []string{secret, "hunter2", "Secret value", "Sup3rSecret"} {
				if strings.Contains(err.Error(), part) {
					t.Errorf("error shows the secret: %s", err)
				}
			}
		})
	}
}

func TestExpand(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"HOME": "/home/ana", "EMPTY": "", "A_1": "x", "DOLLAR": "$"}
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"text without a dollar is kept", "data/crier.db", "data/crier.db"},
		{"a variable is replaced", "${HOME}/crier", "/home/ana/crier"},
		{"several variables are replaced", "${A_1}-${HOME}-${A_1}", "x-/home/ana-x"},
		{"an empty variable expands to nothing", "a${EMPTY}b", "ab"},
		{"a double dollar is one dollar", "cost: $$5", "cost: $5"},
		{"a double dollar before a brace is not a variable", "$${HOME}", "${HOME}"},
		{"a lone dollar is kept", "$HOME and $ and 5$", "$HOME and $ and 5$"},
		{"a dollar at the end is kept", "a$", "a$"},
		{"an expanded dollar is not expanded again", "${DOLLAR}{HOME}", "${HOME}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := expand(tt.in, env(vars))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("expand(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseUsesTheProcessEnvironmentByDefault(t *testing.T) {
	t.Parallel()
	// PATH is set in any environment tests run in; no test sets variables.
	if _, ok := os.LookupEnv("PATH"); !ok {
		t.Skip("PATH is not set")
	}
	const input = "database: ${PATH}\nnetworks:\n  - {name: a, kind: file, outbox: o}\n"
	c, err := Parse(strings.NewReader(input), Options{Name: "bot.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Clean(os.Getenv("PATH")); c.Database != want {
		t.Errorf("Database = %q, want %q", c.Database, want)
	}
}

func TestParseWithoutName(t *testing.T) {
	t.Parallel()
	c, err := Parse(strings.NewReader(readFile(t, "minimal.yaml")), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Path != "" || c.Dir != "" || c.Database != "data/crier.db" || c.Networks[0].Outbox != "outbox.jsonl" {
		t.Errorf("got Path %q, Dir %q, Database %q, Outbox %q; want relative paths and no name", c.Path, c.Dir, c.Database, c.Networks[0].Outbox)
	}
	_, err = Parse(strings.NewReader("databse: x\n"), Options{})
	if want := "config:1: databse: unknown key (known: timezone, date_order, languages, database, chat, http, roles, networks, publish, inbox, digests, metrics, utm, writer, voice, approvals, channels, slots); did you mean database?"; err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestParseReadError(t *testing.T) {
	t.Parallel()
	_, err := Parse(failingReader{}, Options{Name: "bot.yaml"})
	if err == nil || err.Error() != "bot.yaml: read: disk on fire" {
		t.Errorf("error = %v, want bot.yaml: read: disk on fire", err)
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	path := filepath.Join("testdata", "default.yaml")
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Path != path || c.Dir != "testdata" {
		t.Errorf("Path, Dir = %q, %q; want %q, %q", c.Path, c.Dir, path, "testdata")
	}
	if want := filepath.Join("testdata", "data", "crier.db"); c.Database != want {
		t.Errorf("Database = %q, want %q", c.Database, want)
	}
	if want := filepath.Join("testdata", "data", "sandbox", "outbox.jsonl"); c.Networks[0].Outbox != want {
		t.Errorf("Outbox = %q, want %q", c.Networks[0].Outbox, want)
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bot.yaml")
	if err := os.WriteFile(bad, []byte("networks:\n  - {name: a, kind: mastodn}\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	_, err := Load(filepath.Join(dir, "missing.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("loading a missing file: error = %v, want fs.ErrNotExist", err)
	}
	if err != nil && !strings.HasPrefix(err.Error(), "load config: ") {
		t.Errorf("loading a missing file: error = %v, want it to start with \"load config: \"", err)
	}

	_, err = Load(bad)
	if want := bad + `:2: networks[0].kind: unknown kind "mastodn" (known: file, slack, discord, mastodon, bluesky, webhook)`; err == nil || err.Error() != want {
		t.Errorf("loading a bad file: error = %v, want %s", err, want)
	}
}

func TestRolesFor(t *testing.T) {
	t.Parallel()
	c := &Config{Roles: map[crier.Role][]string{
		crier.RoleScheduler: {"*"},
		crier.RoleApprover:  {"U1", "bob"},
		crier.RoleAdmin:     {"U9", "S0123ABCD"},
		crier.RoleReplier:   {},
	}}
	tests := []struct {
		name     string
		id, user string
		want     []crier.Role
	}{
		{"everyone gets the roles open to everyone", "U5", "eve", []crier.Role{crier.RoleScheduler}},
		{"a user is matched by id", "U1", "someone", []crier.Role{crier.RoleScheduler, crier.RoleApprover}},
		{"a user is matched by name", "U7", "bob", []crier.Role{crier.RoleScheduler, crier.RoleApprover}},
		{"roles come in the order of crier.Roles", "U9", "bob", []crier.Role{crier.RoleScheduler, crier.RoleApprover, crier.RoleAdmin}},
		{"an empty id and name match only everyone", "", "", []crier.Role{crier.RoleScheduler}},
		{"a user group id is not expanded to its members", "U3", "carol", []crier.Role{crier.RoleScheduler}},
		{"a user group id matches as an id, for the adapter to pass", "S0123ABCD", "", []crier.Role{crier.RoleScheduler, crier.RoleAdmin}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := c.RolesFor(tt.id, tt.user); !slices.Equal(got, tt.want) {
				t.Errorf("RolesFor(%q, %q) = %v, want %v", tt.id, tt.user, got, tt.want)
			}
		})
	}
	if got := (&Config{}).RolesFor("U1", "ana"); got != nil {
		t.Errorf("RolesFor with no roles = %v, want none", got)
	}
}

func TestRoleMembers(t *testing.T) {
	t.Parallel()
	c, err := parse(readFile(t, "full.yaml"), slackVars())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		role crier.Role
		want []string
	}{
		{crier.RoleScheduler, []string{"U012AB3CD", "alice"}},
		{crier.RoleApprover, []string{"bob", "S0123ABCD"}},
		{crier.RoleReplier, []string{}},
		{crier.RoleAdmin, []string{"*"}},
		{"nobody", nil},
	}
	for _, tt := range tests {
		got := c.RoleMembers(tt.role)
		if !slices.Equal(got, tt.want) || (got == nil) != (tt.want == nil) {
			t.Errorf("RoleMembers(%s) = %#v, want %#v", tt.role, got, tt.want)
		}
	}

	members := c.RoleMembers(crier.RoleApprover)
	members[0] = "mallory"
	_ = append(members[:1], "eve")
	if got := c.RoleMembers(crier.RoleApprover); !slices.Equal(got, []string{"bob", "S0123ABCD"}) {
		t.Errorf("changing what RoleMembers returned changed the config: %v", got)
	}
	if got := (&Config{}).RoleMembers(crier.RoleAdmin); got != nil {
		t.Errorf("RoleMembers with no roles = %#v, want nil", got)
	}
}

func TestNetwork(t *testing.T) {
	t.Parallel()
	vars := slackVars()
	vars["LIMIT"] = "9"
	c, err := parse(readFile(t, "full.yaml"), vars)
	if err != nil {
		t.Fatal(err)
	}
	n, ok := c.Network("price-list_2")
	if !ok || n.Name != "price-list_2" || n.Limit != 9 || n.Line != 38 {
		t.Errorf("Network(price-list_2) = %+v, %v", n, ok)
	}
	n, ok = c.Network("announcements")
	if !ok || n.Kind != "slack" || n.Channel != "C0123ABCD" || n.Line != 43 {
		t.Errorf("Network(announcements) = %+v, %v", n, ok)
	}
	if n, ok := c.Network("missing"); ok {
		t.Errorf("Network(missing) = %+v, true; want false", n)
	}
}

func TestTimezoneFor(t *testing.T) {
	t.Parallel()
	c, err := parse(readFile(t, "discord.yaml"), slackVars())
	if err != nil {
		t.Fatal(err)
	}
	const (
		zoned    = "223456789012345678" // America/Sao_Paulo, with two channels set
		unzoned  = "423456789012345678" // no zone of its own
		lisbon   = "323456789012345678" // under zoned
		berlin   = "823456789012345678" // under zoned
		unlisted = "999999999999999999"
	)
	tests := []struct {
		name                     string
		platform, guild, channel string
		want                     string
	}{
		{"a channel's zone comes first", "discord", zoned, lisbon, "Europe/Lisbon"},
		{"each channel has its own", "discord", zoned, berlin, "Europe/Berlin"},
		{"another channel of the guild gets the guild's zone", "discord", zoned, unlisted, "America/Sao_Paulo"},
		{"no channel gets the guild's zone", "discord", zoned, "", "America/Sao_Paulo"},
		{"a guild without a zone gets the top-level one", "discord", unzoned, unlisted, "Europe/Lisbon"},
		{"a channel is looked up only under its guild", "discord", unzoned, lisbon, "Europe/Lisbon"},
		{"an unlisted guild gets the top-level zone", "discord", unlisted, lisbon, "Europe/Lisbon"},
		{"no guild (a direct message) gets the top-level zone", "discord", "", lisbon, "Europe/Lisbon"},
		{"other platforms get the top-level zone", "slack", zoned, lisbon, "Europe/Lisbon"},
		{"the platform is matched exactly", "Discord", zoned, lisbon, "Europe/Lisbon"},
		{"the shell gets the top-level zone", "shell", "", "general", "Europe/Lisbon"},
	}
	for _, tt := range tests {
		if got := c.TimezoneFor(tt.platform, tt.guild, tt.channel); got != tt.want {
			t.Errorf("%s: TimezoneFor(%q, %q, %q) = %q, want %q", tt.name, tt.platform, tt.guild, tt.channel, got, tt.want)
		}
	}

	c.Timezone = "Asia/Tokyo"
	if got := c.TimezoneFor("discord", unzoned, ""); got != "Asia/Tokyo" {
		t.Errorf("TimezoneFor after changing Timezone = %q, want Asia/Tokyo", got)
	}
	if got := (&Config{}).TimezoneFor("discord", zoned, lisbon); got != "UTC" {
		t.Errorf("TimezoneFor on an empty config = %q, want UTC", got)
	}
	noDiscord, err := parse(readFile(t, "slack.yaml"), slackVars())
	if err != nil {
		t.Fatal(err)
	}
	if got := noDiscord.TimezoneFor("discord", zoned, lisbon); got != "Europe/Lisbon" {
		t.Errorf("TimezoneFor without chat.discord = %q, want Europe/Lisbon", got)
	}
	// Every zone TimezoneFor returns loads.
	for _, g := range c.Chat.Discord.Guilds {
		for ch := range g.Channels {
			if _, err := time.LoadLocation(c.TimezoneFor("discord", g.ID, ch)); err != nil {
				t.Errorf("zone for channel %s does not load: %v", ch, err)
			}
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"default.yaml", "full.yaml", "minimal.yaml", "slack.yaml", "discord.yaml"} {
		f.Add(readFile(f, name))
	}
	def := readFile(f, "default.yaml")
	for _, s := range []string{
		"",
		"---\n",
		strings.Replace(def, "kind: file", "kind: mastodn", 1),
		strings.Replace(def, "database:", "databse:", 1),
		strings.Replace(def, "  shell:", "\tshell:", 1),
		strings.Replace(def, "[\"*\"]", "[\"*\"", 1),
		strings.Replace(def, "Europe/Bucharest", "${SECRET}", 1),
		strings.Replace(def, "data/crier.db", "${UNSET}/$$/${", 1),
		def + "networks: []\n",
		def + "---\nmore: 1\n",
		def + "  - name: sandbox\n    kind: file\n    outbox: x\n",
		"networks:\n  - &n {name: a, kind: file, outbox: o}\n  - *n\n",
		"a: &a [*a]\n",
		"publish: {max_attempts: '${SECRET}', attempt_timeout: 1m}\n",
		"chat: {slack: {bot_token: '${SECRET}', app_token: xapp-1}}\nnetworks: [{name: a, kind: slack, channel: C0123ABCD}]\n",
		"chat: {slack: {bot_token: xoxb-1, mode: http, signing_secret: '${SECRET}', api_url: 'http://h'}}\nhttp: {listen: ':0'}\nnetworks: [{name: a, kind: slack, channel: '#x'}]\n",
		"chat: {slack: {bot_token: xoxb-1, app_token: xapp-1}}\nnetworks: [{name: a, kind: slack, channel: G0123ABCD, limit: 40000}]\n",
		"chat: {discord: {token: '${SECRET}', application_id: 123456789012345678, guilds: [{id: 223456789012345678}]}}\nnetworks: [{name: a, kind: discord, channel: 723456789012345678}]\n",
		"chat: {discord: {token: t.o.k, application_id: '123456789012345678', interactions: http, public_key: " + testPublicKey + ", global_commands: true}}\nhttp: {listen: ':0'}\nnetworks: [{name: a, kind: discord, channel: '723456789012345678', limit: 2000, crosspost: false}]\n",
		"chat: {discord: {token: 'Bot x', application_id: 1, guilds: [{id: 2, timezone: Mars/Olympus, channels: {'#general': UTC}}]}}\n",
		"chat: {shell: {}}\nnetworks: [{name: a, kind: file, outbox: o}]\ninbox: {channel: shell:inbox, channels: {a: shell:a}, poll: 5s, crisis: {negative: 1, window: 1m, ratio: 1.5, baseline: 1h}}\n",
		"chat: {shell: {}}\nnetworks: [{name: a, kind: file, outbox: o}]\ninbox: {channel: 'slack:${SECRET}', channels: {b: 'discord:#x'}, crisis: off}\n",
		"networks: [{name: a, kind: file, outbox: o}]\ninbox:\n  crisis: {ratio: .nan, baseline: 1m}\n",
		"networks: [{name: m, kind: mastodon, server: 'https://mastodon.social/', access_token: '${SECRET}', visibility: unlisted, language: pt}]\n",
		"networks: [{name: b, kind: bluesky, handle: '@crier.bsky.social', app_password: abcd-efgh-ijkl-mnop, pds: 'https://pds.example/'}]\n",
		"networks: [{name: w, kind: webhook, url: 'https://hooks.example.com/crier', secret: 0123456789abcdef0123, rate: 1000, deduplicates: true}]\n",
		"chat: {shell: {}}\nnetworks: [{name: a, kind: file, outbox: o}]\ndigests: [{channel: shell:kpis, time: 9am}]\n",
		"chat: {shell: {}}\nnetworks: [{name: a, kind: file, outbox: o}]\ndigests:\n  - {name: d, channel: shell:kpis, time: '21:30', timezone: Asia/Tokyo, accounts: [a], metrics: [spend, Open], weekly: Sun, now_replaces: true}\n  - {name: e, channel: shell:kpis, time: 9:30 pm}\n",
		"chat: {shell: {}}\nnetworks: [{name: a, kind: file, outbox: o}]\ndigests: [{channel: 'slack:${SECRET}', time: '25:00', weekly: funday, accounts: [b], metrics: [folowers]}]\n",
		"networks: [{name: a, kind: file, outbox: o}]\nhttp: {listen: ':0', api_token: '${SECRET}${SECRET}'}\nmetrics: {collect: off, currency: eur}\n",
		"networks: [{name: a, kind: file, outbox: o}]\nhttp: {api_token: '${SECRET}'}\nmetrics: {collect: 5m, currency: €}\n",
		"networks: [{name: a, kind: file, outbox: o}]\nutm: {off: false, source: crier, medium: organic-social}\n",
		"networks: [{name: a, kind: file, outbox: o}]\nutm: off\n",
		"networks: [{name: a, kind: file, outbox: o}]\nutm: {source: '${SECRET} x', medium: ação, sorce: x}\n",
	} {
		f.Add(s)
	}
	const secret = "s3cr3t-V4lue"
	getenv := env(map[string]string{"SECRET": secret, "EMPTY": ""})
	f.Fuzz(func(t *testing.T, input string) {
		c, err := Parse(strings.NewReader(input), Options{Name: "bot.yaml", Dir: "/srv", Getenv: getenv})
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, "bot.yaml:") {
				t.Errorf("error does not start with the name: %q", msg)
			}
			if strings.ContainsAny(msg, "\n\r") {
				t.Errorf("error is not one line: %q", msg)
			}
			if strings.Contains(msg, secret) && !strings.Contains(input, secret) {
				t.Errorf("error shows an expanded secret: %q", msg)
			}
			return
		}
		if len(c.Networks) == 0 || c.Location == nil || c.Roles == nil || len(c.Languages) == 0 {
			t.Errorf("parsed to an incomplete config: %+v", c)
		}
		for _, n := range c.Networks {
			valid := crier.ValidNetworkName(n.Name)
			switch n.Kind {
			case "file":
				valid = valid && n.Outbox != "" && n.Channel == "" && n.Limit >= 1 && n.Limit <= 100000 && !n.Crosspost
			case "slack":
				valid = valid && c.Chat.Slack != nil && slackChannelID.MatchString(n.Channel) && n.Outbox == "" && n.Inbox == "" && n.Limit >= 1 && n.Limit <= 40000 && !n.Crosspost
			case "discord":
				valid = valid && c.Chat.Discord != nil && validSnowflake(n.Channel) && n.Outbox == "" && n.Inbox == "" && n.Limit >= 1 && n.Limit <= 2000
			case "mastodon":
				valid = valid && strings.HasPrefix(n.Server, "https://") && !strings.HasSuffix(n.Server, "/") && n.AccessToken != "" &&
					slices.Contains([]string{"public", "unlisted", "private", "direct"}, n.Visibility) && n.Limit >= 0 && n.Limit <= 100000
			case "bluesky":
				valid = valid && n.Handle != "" && !strings.HasPrefix(n.Handle, "@") && n.AppPassword != "" && n.PDS != "" && !strings.HasSuffix(n.PDS, "/")
			case "webhook":
				valid = valid && n.URL != "" && n.Secret != "" && n.Rate >= 1 && n.Rate <= 1000 && n.Limit >= 1 && n.Limit <= 100000
			default:
				valid = false
			}
			if !valid {
				t.Errorf("parsed to an invalid network: %+v", n)
			}
		}
		if s := c.Chat.Slack; s != nil {
			valid := strings.HasPrefix(s.BotToken, "xoxb-") && strings.HasSuffix(s.APIURL, "/") &&
				(s.AppToken == "" || strings.HasPrefix(s.AppToken, "xapp-"))
			switch s.Mode {
			case "socket":
				valid = valid && s.AppToken != ""
			case "http":
				valid = valid && s.SigningSecret != "" && c.HTTP.Listen != ""
			default:
				valid = false
			}
			if !valid {
				t.Errorf("parsed to invalid slack settings: mode %q, api url %q", s.Mode, s.APIURL)
			}
		}
		if dc := c.Chat.Discord; dc != nil {
			valid := dc.Token != "" && !strings.ContainsAny(dc.Token, " \t\r\n") && validSnowflake(dc.ApplicationID) &&
				(dc.APIURL == "" || strings.HasSuffix(dc.APIURL, "/")) && (len(dc.Guilds) > 0 || dc.GlobalCommands) &&
				(dc.PublicKey == "" || len(dc.PublicKey) == 64)
			switch dc.Interactions {
			case "gateway":
			case "http":
				valid = valid && dc.PublicKey != "" && c.HTTP.Listen != ""
			default:
				valid = false
			}
			for _, g := range dc.Guilds {
				valid = valid && validSnowflake(g.ID)
				for ch := range g.Channels {
					_, err := time.LoadLocation(c.TimezoneFor("discord", g.ID, ch))
					valid = valid && validSnowflake(ch) && err == nil
				}
			}
			if !valid {
				t.Errorf("parsed to invalid discord settings: interactions %q, application %q, %d guilds", dc.Interactions, dc.ApplicationID, len(dc.Guilds))
			}
		}
		if in := c.Inbox; in.On {
			valid := validInboxChannel(c, in.Channel)
			for name, ch := range in.Channels {
				_, ok := c.Network(name)
				valid = valid && ok && validInboxChannel(c, ch)
			}
			if !valid {
				t.Errorf("parsed to invalid inbox channels: %+v, %+v", in.Channel, in.Channels)
			}
		} else if in.Channel != (crier.ChannelRef{}) || in.Channels != nil {
			t.Errorf("parsed to inbox channels with no inbox section: %+v", in)
		}
		if in := c.Inbox; in.Poll < 5*time.Second || in.Poll > time.Hour {
			t.Errorf("parsed to an invalid poll: %s", in.Poll)
		}
		if cr := c.Inbox.Crisis; cr.Negative < 1 || cr.Negative > 10000 || cr.Window < time.Minute || cr.Window > 24*time.Hour ||
			!(cr.Ratio >= 1 && cr.Ratio <= 100) || cr.Baseline <= cr.Window || cr.Baseline > 720*time.Hour {
			t.Errorf("parsed to invalid crisis settings: %+v", cr)
		}
		if c.Publish.MaxAttempts < 1 || c.Publish.MaxAttempts > 50 || c.Publish.AttemptTimeout < time.Second || c.Publish.AttemptTimeout > 10*time.Minute {
			t.Errorf("parsed to invalid publish settings: %+v", c.Publish)
		}
		if tok := c.HTTP.APIToken; tok != "" && (len(tok) < 16 || c.HTTP.Listen == "" || strings.ContainsAny(tok, " \t\r\n")) {
			t.Errorf("parsed to an invalid api token (%d characters, listen %q)", len(tok), c.HTTP.Listen)
		}
		if m := c.Metrics; m.Collect != -1 && (m.Collect < 10*time.Minute || m.Collect > 24*time.Hour) || m.Currency != "" && (len(m.Currency) != 3 || strings.ToUpper(m.Currency) != m.Currency) {
			t.Errorf("parsed to invalid metrics settings: %+v", m)
		}
		names := make(map[string]bool)
		for i, dg := range c.Digests {
			valid := digestName.MatchString(dg.Name) && !names[dg.Name] && validInboxChannel(c, dg.Channel) &&
				dg.Hour >= 0 && dg.Hour <= 23 && dg.Minute >= 0 && dg.Minute <= 59 && dg.Location != nil &&
				(dg.Accounts == nil || len(dg.Accounts) > 0) && (dg.Metrics == nil || len(dg.Metrics) > 0) &&
				(dg.Weekly == nil || *dg.Weekly >= time.Sunday && *dg.Weekly <= time.Saturday)
			for _, a := range dg.Accounts {
				_, ok := c.Network(a)
				valid = valid && ok
			}
			for _, m := range dg.Metrics {
				valid = valid && slices.Contains(DigestMetrics(), m)
			}
			for _, other := range c.Digests[:i] {
				valid = valid && !(other.Channel == dg.Channel && other.Hour == dg.Hour && other.Minute == dg.Minute && other.Location.String() == dg.Location.String())
			}
			names[dg.Name] = true
			if !valid {
				t.Errorf("parsed to an invalid digest: %+v", dg)
			}
		}
	})
}

// validInboxChannel reports whether ch is a channel comments can appear in:
// on a platform set up under chat, with an id of that platform's shape.
func validInboxChannel(c *Config, ch crier.ChannelRef) bool {
	switch ch.Platform {
	case "shell":
		return c.Chat.Shell != nil && ch.ID != "" && !strings.ContainsAny(ch.ID, " \t\r\n")
	case "slack":
		return c.Chat.Slack != nil && slackInboxChannel.MatchString(ch.ID)
	case "discord":
		return c.Chat.Discord != nil && validSnowflake(ch.ID)
	}
	return false
}
