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
	if !reflect.DeepEqual(g, w) {
		t.Errorf("config differs\n got: %+v\nwant: %+v", g, w)
	}
	if !reflect.DeepEqual(got.Chat.Shell, want.Chat.Shell) {
		t.Errorf("Chat.Shell = %+v, want %+v", got.Chat.Shell, want.Chat.Shell)
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
	})
}

func TestParseFullFile(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"CRIER_DATA": "/data/", "USER_NAME": "ana", "LIMIT": "1000"}
	got, err := parse(readFile(t, "full.yaml"), vars)
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
		Chat:      Chat{Shell: &Shell{User: "ana", Channel: "ops"}},
		Roles: map[crier.Role][]string{
			crier.RoleScheduler: {"U012AB3CD", "alice"},
			crier.RoleApprover:  {"bob"},
			crier.RoleReplier:   {},
			crier.RoleAdmin:     {"*"},
		},
		Networks: []Network{
			{Name: "sandbox", Kind: "file", Outbox: "/var/lib/crier/sandbox/outbox.jsonl", Limit: 280, Line: 16},
			{Name: "price-list_2", Kind: "file", Outbox: "/srv/crier/out/$prices.jsonl", Inbox: "/srv/crier/in/$HOME.jsonl", Limit: 1000, Line: 20},
		},
		Publish: Publish{MaxAttempts: 3, AttemptTimeout: 90 * time.Second},
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
		}
	}
	const network = "networks:\n  - {name: sandbox, kind: file, outbox: outbox.jsonl}\n"
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parse(tt.input, map[string]string{"SUFFIX": ""})
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
		{"an unknown top-level key is rejected", "timezone: UTC\ndate_order: dmy\ndatabse: x.db\n" + network, "bot.yaml:3: databse: unknown key (known: timezone, date_order, languages, database, chat, roles, networks, publish)"},
		{"an unknown chat platform is rejected", network + "chat:\n  slack: {}\n", "bot.yaml:4: chat.slack: unknown key (known: shell)"},
		{"an unknown shell key is rejected", network + "chat:\n  shell:\n    usr: ana\n", "bot.yaml:5: chat.shell.usr: unknown key (known: user, channel)"},
		{"an unknown network key is rejected", "networks:\n  - name: a\n    kind: file\n    outbx: o.jsonl\n", "bot.yaml:4: networks[0].outbx: unknown key (known: name, kind, outbox, inbox, limit)"},
		{"an unknown publish key is rejected", network + "publish: {retries: 3}\n", "bot.yaml:3: publish.retries: unknown key (known: max_attempts, attempt_timeout)"},
		{"an odd key is quoted", network + "\"time zone\": UTC\n", `bot.yaml:3: "time zone": unknown key (known: timezone, date_order, languages, database, chat, roles, networks, publish)`},
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
		{"a string where a role list goes is rejected", network + "roles:\n  scheduler: \"*\"\n", `bot.yaml:4: roles.scheduler: expected a list like ["*"] or [U012AB3CD, alice], got a string`},
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
		{"an unknown role is rejected", network + "roles:\n  schedulr: [\"*\"]\n", "bot.yaml:4: roles.schedulr: unknown role (known: scheduler, approver, replier, admin)"},
		{"an empty role member is rejected", network + "roles:\n  admin: [alice, '']\n", `bot.yaml:4: roles.admin[1]: empty; write a user id, a user name or "*" for everyone`},

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
		{"a network without a kind is rejected", "networks:\n  - name: a\n    outbox: o.jsonl\n", "bot.yaml:2: networks[0].kind: required (known: file)"},
		{"an unknown kind is rejected", "networks:\n  - {name: a, kind: file, outbox: o}\n  - name: b\n    kind: mastodn\n", `bot.yaml:4: networks[1].kind: unknown kind "mastodn" (known: file)`},
		{"a file network without an outbox is rejected", "networks:\n  - name: a\n    kind: file\n    inbox: i.jsonl\n", "bot.yaml:2: networks[0].outbox: required for kind file; write a path like data/sandbox/outbox.jsonl"},
		{"an empty outbox is rejected", "networks:\n  - {name: a, kind: file, outbox: ''}\n", "bot.yaml:2: networks[0].outbox: empty; write a path like data/sandbox/outbox.jsonl"},
		{"an empty inbox is rejected", "networks:\n  - {name: a, kind: file, outbox: o, inbox: ''}\n", "bot.yaml:2: networks[0].inbox: empty; write a path like data/sandbox/inbox.jsonl, or leave inbox out"},
		{"a limit that is not a number is rejected", "networks:\n  - {name: a, kind: file, outbox: o, limit: lots}\n", `bot.yaml:2: networks[0].limit: "lots" is not a whole number; write a number from 1 to 100000`},
		{"a fractional limit is rejected", "networks:\n  - {name: a, kind: file, outbox: o, limit: 2.5}\n", `bot.yaml:2: networks[0].limit: "2.5" is not a whole number; write a number from 1 to 100000`},
		{"a limit of 0 is rejected", "networks:\n  - {name: a, kind: file, outbox: o, limit: 0}\n", `bot.yaml:2: networks[0].limit: "0" is out of range; write a number from 1 to 100000`},
		{"a limit over 100000 is rejected", "networks:\n  - {name: a, kind: file, outbox: o, limit: 100001}\n", `bot.yaml:2: networks[0].limit: "100001" is out of range; write a number from 1 to 100000`},

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
	vars := map[string]string{"EMPTY": "", "TZ_NAME": "Mars/Olympus", "LIMIT": "0", "NAME": "Bad Name"}
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
	}
	vars := map[string]string{"SECRET": secret, "SECRET_NAME": "a"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := parse(tt.input, vars)
			if err == nil {
				t.Fatal("parsed, want an error")
			}
			for _, part := range []string{secret, "hunter2", "Secret value"} {
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
	if want := "config:1: databse: unknown key (known: timezone, date_order, languages, database, chat, roles, networks, publish)"; err == nil || err.Error() != want {
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
	if want := bad + `:2: networks[0].kind: unknown kind "mastodn" (known: file)`; err == nil || err.Error() != want {
		t.Errorf("loading a bad file: error = %v, want %s", err, want)
	}
}

func TestRolesFor(t *testing.T) {
	t.Parallel()
	c := &Config{Roles: map[crier.Role][]string{
		crier.RoleScheduler: {"*"},
		crier.RoleApprover:  {"U1", "bob"},
		crier.RoleAdmin:     {"U9"},
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

func TestNetwork(t *testing.T) {
	t.Parallel()
	c, err := parse(readFile(t, "full.yaml"), map[string]string{"CRIER_DATA": "/d", "USER_NAME": "u", "LIMIT": "9"})
	if err != nil {
		t.Fatal(err)
	}
	n, ok := c.Network("price-list_2")
	if !ok || n.Name != "price-list_2" || n.Limit != 9 || n.Line != 20 {
		t.Errorf("Network(price-list_2) = %+v, %v", n, ok)
	}
	if n, ok := c.Network("missing"); ok {
		t.Errorf("Network(missing) = %+v, true; want false", n)
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"default.yaml", "full.yaml", "minimal.yaml"} {
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
			if !validNetworkName(n.Name) || n.Kind != "file" || n.Outbox == "" || n.Limit < 1 || n.Limit > 100000 {
				t.Errorf("parsed to an invalid network: %+v", n)
			}
		}
		if c.Publish.MaxAttempts < 1 || c.Publish.MaxAttempts > 50 || c.Publish.AttemptTimeout < time.Second || c.Publish.AttemptTimeout > 10*time.Minute {
			t.Errorf("parsed to invalid publish settings: %+v", c.Publish)
		}
	})
}
