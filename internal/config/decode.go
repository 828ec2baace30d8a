package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crier-bot/crier/internal/crier"
	"go.yaml.in/yaml/v3"
)

// parseError is an error about a place in a configuration file. It reads
// "name:line: key: message", leaving out the line and the key when unknown.
type parseError struct {
	name string
	line int
	key  string
	msg  string
	err  error // the cause, when there is one
}

func (e *parseError) Error() string {
	var b strings.Builder
	b.WriteString(e.name)
	if e.line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.line))
	}
	b.WriteString(": ")
	if e.key != "" {
		b.WriteString(e.key)
		b.WriteString(": ")
	}
	b.WriteString(e.msg)
	return b.String()
}

func (e *parseError) Unwrap() error { return e.err }

// decoder turns a YAML node tree into a Config.
type decoder struct {
	name   string
	dir    string
	getenv func(string) (string, bool)

	slackMode           *yaml.Node // chat.slack.mode's value when the file sets it, for checks across sections
	discordInteractions *yaml.Node // chat.discord.interactions's value when the file sets it, likewise
}

// errorf returns an error about node n (which may be nil) at key path.
func (d *decoder) errorf(n *yaml.Node, path, format string, args ...any) error {
	e := &parseError{name: d.name, key: path, msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.line = n.Line
	}
	return e
}

// document parses data as one YAML document and returns its root node.
func (d *decoder) document(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, d.empty()
		}
		return nil, d.yamlError(err)
	}
	for {
		var next yaml.Node
		err := dec.Decode(&next)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, d.yamlError(err)
		}
		if !isNull(docRoot(&next)) {
			return nil, d.errorf(&next, "", `a second YAML document starts here; a config is one document, so remove this "---" and what follows`)
		}
	}
	root := docRoot(&doc)
	if isNull(root) {
		return nil, d.empty()
	}
	return root, nil
}

func (d *decoder) empty() error {
	return d.errorf(nil, "", "the file is empty; it needs at least a networks: list, like networks: [{name: sandbox, kind: file, outbox: data/sandbox/outbox.jsonl}]")
}

// yamlError turns an error of the YAML library ("yaml: line 3: …") into one
// in the form of the others ("bot.yaml:3: invalid YAML: …").
func (d *decoder) yamlError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if n, convErr := strconv.Atoi(num); convErr == nil && n > 0 {
				line, msg = n, text
			}
		}
	}
	msg = strings.Join(strings.Fields(msg), " ")
	return &parseError{name: d.name, line: line, msg: "invalid YAML: " + msg, err: err}
}

// docRoot returns the content of a document node (nil when it has none).
func docRoot(doc *yaml.Node) *yaml.Node {
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			return nil
		}
		return deref(doc.Content[0])
	}
	return deref(doc)
}

// deref follows an alias to its anchored node, keeping the alias's position
// so that errors point at where the value is used.
func deref(n *yaml.Node) *yaml.Node {
	if n == nil || n.Kind != yaml.AliasNode || n.Alias == nil {
		return n
	}
	c := *n.Alias
	c.Line, c.Column = n.Line, n.Column
	return &c
}

// isNull reports whether n is missing or an explicit null ("~", "null" or
// nothing at all after the colon).
func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// kindName describes what n is, for "expected …, got …" messages. It never
// includes the value.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!int", "!!float":
			return "a number"
		case "!!bool":
			return "true/false"
		case "!!null":
			return "nothing"
		}
		return "a string"
	}
	return "something else"
}

// join appends a key to a key path: "chat" + "shell" is "chat.shell". Keys that
// are not plain words are quoted, so a path is always one readable line.
func join(path, key string) string {
	if !plainKey(key) {
		key = strconv.Quote(key)
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

func plainKey(key string) bool {
	for _, c := range []byte(key) {
		if !(c == '_' || c == '-' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return key != ""
}

// index appends a list index to a key path: "networks" + 1 is "networks[1]".
func index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// written quotes a value as written in the file, before ${VAR} expansion, so
// that no secret from the environment ends up in a message.
func written(n *yaml.Node) string {
	return strconv.Quote(n.Value)
}

// entry is one key of a mapping and its value.
type entry struct {
	key  string     // the key as written
	path string     // the key's path, for messages: "chat.shell.user"
	k    *yaml.Node // the key
	v    *yaml.Node // the value, aliases followed
}

// mapping checks that n is a mapping (null counts as an empty one) whose keys
// are all known and none repeated, and returns its entries in file order.
// want describes the expected value in messages ("a mapping like …"); noun
// is what a key is ("key", "role").
func (d *decoder) mapping(n *yaml.Node, path, want, noun string, known []string) ([]entry, error) {
	if isNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, d.errorf(n, path, "expected %s, got %s", want, kindName(n))
	}
	seen := make(map[string]int, len(n.Content)/2)
	entries := make([]entry, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			return nil, d.errorf(k, path, "expected a %s name, got %s", noun, kindName(k))
		}
		p := join(path, k.Value)
		if k.ShortTag() == "!!merge" {
			return nil, d.errorf(k, p, "merge keys are not supported; write the settings out")
		}
		if first, ok := seen[k.Value]; ok {
			return nil, d.errorf(k, p, "duplicate key (first on line %d)", first)
		}
		seen[k.Value] = k.Line
		if !slices.Contains(known, k.Value) {
			return nil, d.errorf(k, p, "unknown %s (known: %s)", noun, strings.Join(known, ", "))
		}
		entries = append(entries, entry{key: k.Value, path: p, k: k, v: v})
	}
	return entries, nil
}

// list checks that n is a list and returns its items. A null n is an empty
// list; callers that need to tell the two apart check isNull first.
func (d *decoder) list(n *yaml.Node, path, want string) ([]*yaml.Node, error) {
	if isNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, d.errorf(n, path, "expected %s, got %s", want, kindName(n))
	}
	items := make([]*yaml.Node, len(n.Content))
	for i, item := range n.Content {
		items[i] = deref(item)
	}
	return items, nil
}

// scalar returns the value of n with ${VAR} expanded. want describes the
// expected value in messages ("a string").
func (d *decoder) scalar(n *yaml.Node, path, want string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		return "", d.errorf(n, path, "expected %s, got %s", want, kindName(n))
	}
	v, err := expand(n.Value, d.getenv)
	if err != nil {
		return "", &parseError{name: d.name, line: n.Line, key: path, msg: err.Error(), err: err}
	}
	return v, nil
}

// text returns a string value that must not be empty; example says what to
// write instead ("a name like \"you\"").
func (d *decoder) text(n *yaml.Node, path, example string) (string, error) {
	v, err := d.scalar(n, path, "a string")
	if err != nil {
		return "", err
	}
	if v == "" {
		if n.Value != "" {
			return "", d.errorf(n, path, "%s is empty; set the variable or write %s", written(n), example)
		}
		return "", d.errorf(n, path, "empty; write %s", example)
	}
	return v, nil
}

// integer returns a whole number from lo to hi.
func (d *decoder) integer(n *yaml.Node, path string, lo, hi int) (int, error) {
	v, err := d.scalar(n, path, fmt.Sprintf("a number from %d to %d", lo, hi))
	if err != nil {
		return 0, err
	}
	i, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, d.errorf(n, path, "%s is not a whole number; write a number from %d to %d", written(n), lo, hi)
	}
	if i < lo || i > hi {
		return 0, d.errorf(n, path, "%s is out of range; write a number from %d to %d", written(n), lo, hi)
	}
	return i, nil
}

// boolean returns true or false. After ${VAR} expansion the value must be
// true or false in any case; YAML 1.1's yes, no, on and off are rejected, as
// readers disagree on them.
func (d *decoder) boolean(n *yaml.Node, path string) (bool, error) {
	v, err := d.scalar(n, path, "true or false")
	if err != nil {
		return false, err
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, d.errorf(n, path, "%s is not true or false; write true or false", written(n))
}

// duration returns a Go duration ("30s") from lo to hi.
func (d *decoder) duration(n *yaml.Node, path string, lo, hi time.Duration) (time.Duration, error) {
	v, err := d.scalar(n, path, "a duration like 30s")
	if err != nil {
		return 0, err
	}
	dur, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil {
		return 0, d.errorf(n, path, "%s is not a duration; write one like 30s or 2m, from %s to %s", written(n), shortDuration(lo), shortDuration(hi))
	}
	if dur < lo || dur > hi {
		return 0, d.errorf(n, path, "%s is out of range; write a duration from %s to %s", written(n), shortDuration(lo), shortDuration(hi))
	}
	return dur, nil
}

// shortDuration formats d without zero units: 10m rather than 10m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// path resolves a path from the file against the config's folder.
func (d *decoder) path(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(d.dir, p)
}

// pathValue reads a path that must not be empty and resolves it.
func (d *decoder) pathValue(n *yaml.Node, path, example string) (string, error) {
	v, err := d.text(n, path, example)
	if err != nil {
		return "", err
	}
	return d.path(v), nil
}

// The schema of bot.yaml.

func topKeys() []string {
	return []string{"timezone", "date_order", "languages", "database", "chat", "http", "roles", "networks", "publish"}
}

func knownLanguages() []string { return []string{"en", "pt"} }

func knownKinds() []string {
	return []string{"file", "slack", "discord", "mastodon", "bluesky", "webhook"}
}

// networkKeys lists the keys a network of any kind may have; keys its kind
// does not use are rejected once kind is read (see kindKeys).
func networkKeys() []string {
	return []string{"name", "kind", "outbox", "inbox", "channel", "limit", "crosspost",
		"server", "access_token", "visibility", "language", "pds", "handle", "app_password", "appview", "url", "secret", "deduplicates", "rate"}
}

// kindKeys lists the keys a network of kind may have.
func kindKeys(kind string) []string {
	switch kind {
	case "file":
		return []string{"name", "kind", "outbox", "inbox", "limit"}
	case "slack":
		return []string{"name", "kind", "channel", "limit"}
	case "discord":
		return []string{"name", "kind", "channel", "limit", "crosspost"}
	case "mastodon":
		return []string{"name", "kind", "server", "access_token", "visibility", "language", "limit"}
	case "bluesky":
		return []string{"name", "kind", "pds", "handle", "app_password", "language", "appview"}
	case "webhook":
		return []string{"name", "kind", "url", "secret", "deduplicates", "rate", "limit"}
	}
	return nil
}

func slackKeys() []string {
	return []string{"mode", "bot_token", "app_token", "signing_secret", "api_url"}
}

const networkExample = "{name: sandbox, kind: file, outbox: data/sandbox/outbox.jsonl}"

func (d *decoder) config(root *yaml.Node, c *Config) error {
	entries, err := d.mapping(root, "", "a mapping of settings like timezone: UTC", "key", topKeys())
	if err != nil {
		return err
	}
	var networks *entry
	for _, e := range entries {
		switch e.key {
		case "timezone":
			err = d.timezone(e, c)
		case "date_order":
			err = d.dateOrder(e, c)
		case "languages":
			err = d.languages(e, c)
		case "database":
			if !isNull(e.v) {
				c.Database, err = d.pathValue(e.v, e.path, "a path like data/crier.db")
			}
		case "chat":
			err = d.chat(e, c)
		case "http":
			err = d.http(e, c)
		case "roles":
			err = d.roles(e, c)
		case "networks":
			networks = &e
			err = d.networks(e, c)
		case "publish":
			err = d.publish(e, c)
		}
		if err != nil {
			return err
		}
	}
	if len(c.Networks) == 0 {
		var at *yaml.Node
		if networks != nil {
			at = networks.v
		}
		return d.errorf(at, "networks", "at least one network is required; add one like %s", networkExample)
	}
	return d.across(c)
}

// across checks what one section needs of another, once the whole file is
// read, so that the sections may come in any order.
func (d *decoder) across(c *Config) error {
	if s := c.Chat.Slack; s != nil && s.Mode == "http" && c.HTTP.Listen == "" {
		return d.errorf(d.slackMode, "chat.slack.mode", `http mode needs http.listen, the address Slack's requests come to; add http: {listen: ":8080"} behind an HTTPS proxy, or use mode: socket`)
	}
	if dc := c.Chat.Discord; dc != nil && dc.Interactions == "http" && c.HTTP.Listen == "" {
		return d.errorf(d.discordInteractions, "chat.discord.interactions", `http interactions need http.listen, the address Discord's requests come to (the Interactions Endpoint URL); add http: {listen: ":8080"} behind an HTTPS proxy, or use interactions: gateway`)
	}
	for i, n := range c.Networks {
		if n.Kind == "slack" && c.Chat.Slack == nil {
			return &parseError{name: d.name, line: n.Line, key: index("networks", i),
				msg: `kind slack needs chat.slack, which is not set; add chat: {slack: {bot_token: "${SLACK_BOT_TOKEN}", app_token: "${SLACK_APP_TOKEN}"}}`}
		}
		if n.Kind == "discord" && c.Chat.Discord == nil {
			return &parseError{name: d.name, line: n.Line, key: index("networks", i),
				msg: `kind discord needs chat.discord, which is not set; add chat: {discord: {token: "${DISCORD_TOKEN}", application_id: "123456789012345678", guilds: [{id: "123456789012345678"}]}}`}
		}
	}
	return nil
}

func (d *decoder) timezone(e entry, c *Config) error {
	if isNull(e.v) {
		return nil
	}
	v, loc, err := d.zone(e.v, e.path, "")
	if err != nil {
		return err
	}
	c.Timezone, c.Location = v, loc
	return nil
}

// zone reads an IANA timezone name and loads it; "Local", the machine's
// zone, is not one. or is added to what to write ("", or ", or remove …").
func (d *decoder) zone(n *yaml.Node, path, or string) (string, *time.Location, error) {
	const example = `an IANA name like "Europe/Bucharest" or "UTC"`
	v, err := d.text(n, path, example+or)
	if err != nil {
		return "", nil, err
	}
	loc, err := time.LoadLocation(v)
	if err != nil || v == "Local" {
		return "", nil, d.errorf(n, path, "unknown timezone %s; write %s%s", written(n), example, or)
	}
	return v, loc, nil
}

func (d *decoder) dateOrder(e entry, c *Config) error {
	if isNull(e.v) {
		return nil
	}
	v, err := d.text(e.v, e.path, "dmy or mdy")
	if err != nil {
		return err
	}
	if v != "dmy" && v != "mdy" {
		return d.errorf(e.v, e.path, "unknown date order %s; write dmy (03/04 is 3 April) or mdy (03/04 is March 4)", written(e.v))
	}
	c.DateOrder = v
	return nil
}

func (d *decoder) languages(e entry, c *Config) error {
	if isNull(e.v) {
		return nil
	}
	known := knownLanguages()
	items, err := d.list(e.v, e.path, "a list like [en, pt]")
	if err != nil {
		return err
	}
	if len(items) == 0 {
		return d.errorf(e.v, e.path, "empty list; write at least one of %s", strings.Join(known, ", "))
	}
	langs := make([]string, 0, len(items))
	for i, item := range items {
		p := index(e.path, i)
		v, err := d.scalar(item, p, "a language like en")
		if err != nil {
			return err
		}
		if !slices.Contains(known, v) {
			return d.errorf(item, p, "unknown language %s (known: %s)", written(item), strings.Join(known, ", "))
		}
		if slices.Contains(langs, v) {
			return d.errorf(item, p, "%s is listed twice", written(item))
		}
		langs = append(langs, v)
	}
	c.Languages = langs
	return nil
}

func (d *decoder) chat(e entry, c *Config) error {
	entries, err := d.mapping(e.v, e.path, "a mapping like {shell: {user: you, channel: general}}", "key", []string{"shell", "slack", "discord"})
	if err != nil {
		return err
	}
	for _, e := range entries {
		switch e.key {
		case "shell":
			c.Chat.Shell, err = d.shell(e)
		case "slack":
			c.Chat.Slack, err = d.slack(e)
		case "discord":
			c.Chat.Discord, err = d.discord(e)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) shell(e entry) (*Shell, error) {
	entries, err := d.mapping(e.v, e.path, "a mapping like {user: you, channel: general}", "key", []string{"user", "channel"})
	if err != nil {
		return nil, err
	}
	s := &Shell{User: defaultShellUser, Channel: defaultShellChannel}
	for _, e := range entries {
		if isNull(e.v) {
			continue
		}
		switch e.key {
		case "user":
			s.User, err = d.text(e.v, e.path, "a name like you")
		case "channel":
			s.Channel, err = d.text(e.v, e.path, "a channel name like general")
		}
		if err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (d *decoder) roles(e entry, c *Config) error {
	roles := crier.Roles()
	known := make([]string, len(roles))
	for i, r := range roles {
		known[i] = string(r)
	}
	entries, err := d.mapping(e.v, e.path, `a mapping like {scheduler: ["*"]}`, "role", known)
	if err != nil {
		return err
	}
	for _, e := range entries {
		items, err := d.list(e.v, e.path, `a list like ["*"] or [U012AB3CD, S0123ABCD, alice]`)
		if err != nil {
			return err
		}
		who := make([]string, 0, len(items))
		for i, item := range items {
			// A Slack user group id (S…) is kept like any other member;
			// the Slack adapter resolves who is in the group.
			v, err := d.text(item, index(e.path, i), `a user id, a user name, a Slack user group id or "*" for everyone`)
			if err != nil {
				return err
			}
			who = append(who, v)
		}
		c.Roles[crier.Role(e.key)] = who
	}
	return nil
}

func (d *decoder) networks(e entry, c *Config) error {
	items, err := d.list(e.v, e.path, "a list of networks like ["+networkExample+"]")
	if err != nil {
		return err
	}
	firstLine := make(map[string]int, len(items))
	for i, item := range items {
		n, nameNode, err := d.network(item, index(e.path, i))
		if err != nil {
			return err
		}
		if first, ok := firstLine[n.Name]; ok {
			return d.errorf(nameNode, index(e.path, i)+".name", "duplicate name %s (first on line %d); give each network its own name", written(nameNode), first)
		}
		firstLine[n.Name] = nameNode.Line
		c.Networks = append(c.Networks, n)
	}
	return nil
}

// network decodes one entry of networks, returning it and its name's node.
func (d *decoder) network(item *yaml.Node, path string) (Network, *yaml.Node, error) {
	if isNull(item) {
		return Network{}, nil, d.errorf(item, path, "empty network; write one like %s", networkExample)
	}
	entries, err := d.mapping(item, path, "a mapping like "+networkExample, "key", networkKeys())
	if err != nil {
		return Network{}, nil, err
	}
	values := make(map[string]entry, len(entries))
	for _, e := range entries {
		if !isNull(e.v) {
			values[e.key] = e
		}
	}
	n := Network{Line: item.Line}

	name, ok := values["name"]
	if !ok {
		return Network{}, nil, d.errorf(item, path+".name", "required; write a name like sandbox")
	}
	if n.Name, err = d.scalar(name.v, name.path, "a name like sandbox"); err != nil {
		return Network{}, nil, err
	}
	if !crier.ValidNetworkName(n.Name) {
		return Network{}, nil, d.errorf(name.v, name.path, "invalid name %s; use 1 to 32 of a-z, 0-9, _ and -", written(name.v))
	}

	known := knownKinds()
	kind, ok := values["kind"]
	if !ok {
		return Network{}, nil, d.errorf(item, path+".kind", "required (known: %s)", strings.Join(known, ", "))
	}
	if n.Kind, err = d.scalar(kind.v, kind.path, "a kind like file"); err != nil {
		return Network{}, nil, err
	}
	if !slices.Contains(known, n.Kind) {
		return Network{}, nil, d.errorf(kind.v, kind.path, "unknown kind %s (known: %s)", written(kind.v), strings.Join(known, ", "))
	}

	keys := kindKeys(n.Kind)
	for _, e := range entries {
		if !slices.Contains(keys, e.key) {
			return Network{}, nil, d.errorf(e.k, e.path, "not used by kind %s; remove it (%s networks take %s)", n.Kind, n.Kind, strings.Join(keys, ", "))
		}
	}

	switch n.Kind {
	case "file":
		err = d.fileNetwork(item, path, values, &n)
	case "slack":
		err = d.slackNetwork(item, path, values, &n)
	case "discord":
		err = d.discordNetwork(item, path, values, &n)
	case "mastodon":
		err = d.mastodonNetwork(item, path, values, &n)
	case "bluesky":
		err = d.blueskyNetwork(item, path, values, &n)
	case "webhook":
		err = d.webhookNetwork(item, path, values, &n)
	}
	if err != nil {
		return Network{}, nil, err
	}
	return n, name.v, nil
}

func (d *decoder) fileNetwork(item *yaml.Node, path string, values map[string]entry, n *Network) error {
	outbox, ok := values["outbox"]
	if !ok {
		return d.errorf(item, path+".outbox", "required for kind file; write a path like data/sandbox/outbox.jsonl")
	}
	var err error
	if n.Outbox, err = d.pathValue(outbox.v, outbox.path, "a path like data/sandbox/outbox.jsonl"); err != nil {
		return err
	}
	if inbox, ok := values["inbox"]; ok {
		if n.Inbox, err = d.pathValue(inbox.v, inbox.path, "a path like data/sandbox/inbox.jsonl, or leave inbox out"); err != nil {
			return err
		}
	}
	n.Limit = defaultFileLimit
	if limit, ok := values["limit"]; ok {
		if n.Limit, err = d.integer(limit.v, limit.path, 1, maxFileLimit); err != nil {
			return err
		}
	}
	return nil
}

// slackChannelID matches a Slack conversation id: a public (C…) or private
// (G…) channel, or a direct message (D…).
var slackChannelID = regexp.MustCompile(`^[CGD][A-Z0-9]{8,}$`)

const channelHelp = "channel details → bottom of the About tab"

func (d *decoder) slackNetwork(item *yaml.Node, path string, values map[string]entry, n *Network) error {
	channel, ok := values["channel"]
	if !ok {
		return d.errorf(item, path+".channel", "required for kind slack; write a channel ID like C0123ABCD (%s)", channelHelp)
	}
	var err error
	if n.Channel, err = d.text(channel.v, channel.path, "a channel ID like C0123ABCD ("+channelHelp+")"); err != nil {
		return err
	}
	if !slackChannelID.MatchString(n.Channel) {
		if strings.HasPrefix(n.Channel, "#") || strings.ToUpper(n.Channel) != n.Channel {
			return d.errorf(channel.v, channel.path, "%s looks like a channel name; use the channel ID (%s), not its name, like C0123ABCD", written(channel.v), channelHelp)
		}
		return d.errorf(channel.v, channel.path, "%s is not a channel ID; write one like C0123ABCD (%s)", written(channel.v), channelHelp)
	}
	n.Limit = defaultSlackLimit
	if limit, ok := values["limit"]; ok {
		if n.Limit, err = d.integer(limit.v, limit.path, 1, maxSlackLimit); err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) publish(e entry, c *Config) error {
	entries, err := d.mapping(e.v, e.path, "a mapping like {max_attempts: 8, attempt_timeout: 30s}", "key", []string{"max_attempts", "attempt_timeout"})
	if err != nil {
		return err
	}
	for _, e := range entries {
		if isNull(e.v) {
			continue
		}
		switch e.key {
		case "max_attempts":
			c.Publish.MaxAttempts, err = d.integer(e.v, e.path, 1, 50)
		case "attempt_timeout":
			c.Publish.AttemptTimeout, err = d.duration(e.v, e.path, time.Second, 10*time.Minute)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// secret describes a token or secret for messages.
type secret struct {
	key    string // its key under chat.slack or chat.discord
	envVar string // the variable the messages suggest
	what   string // "a bot token"
	prefix string // what it starts with; "" when anything goes
	where  string // where the app's settings show it
	scheme string // an authorization scheme crier adds itself, which must not be written ("Bot "); "" for none
}

var (
	botToken      = secret{"bot_token", "SLACK_BOT_TOKEN", "a bot token", "xoxb-", "Slack app → OAuth & Permissions → Bot User OAuth Token", ""}
	appToken      = secret{"app_token", "SLACK_APP_TOKEN", "an app-level token", "xapp-", "Slack app → Basic Information → App-Level Tokens, with the connections:write scope", ""}
	signingSecret = secret{"signing_secret", "SLACK_SIGNING_SECRET", "the signing secret", "", "Slack app → Basic Information → Signing Secret", ""}
	discordToken  = secret{"token", "DISCORD_TOKEN", "a bot token", "", "Developer Portal → Bot → Reset Token", "Bot "}
)

// describe says what to set the secret to: "a bot token starting with
// "xoxb-" (Slack app → …)".
func (s secret) describe() string {
	if s.prefix == "" {
		return s.what + " (" + s.where + ")"
	}
	return fmt.Sprintf("%s starting with %q (%s)", s.what, s.prefix, s.where)
}

// tokenKinds tell apart the Slack tokens people mix up, by the prefix Slack
// gives each kind; a prefix is not a secret.
var tokenKinds = []struct{ prefix, is string }{
	{"xoxb-", "the bot token, which goes in bot_token"},
	{"xapp-", "the app-level token, which goes in app_token"},
	{"xoxp-", "a user token; crier needs the bot's"},
}

// secretValue reads a token or secret. No message holds its value, or even
// its value as written: it names the key, the variable to use and where the
// app's settings show the value.
func (d *decoder) secretValue(n *yaml.Node, path string, s secret) (string, error) {
	v, err := d.scalar(n, path, "a string")
	if err != nil {
		return "", err
	}
	switch {
	case v == "" && n.Value != "":
		// n.Value is only ${VAR}s here, so quoting it shows no secret.
		return "", d.errorf(n, path, "%s is empty; set the variable to %s", written(n), s.describe())
	case v == "":
		return "", d.errorf(n, path, "empty; write ${%s} and set that variable to %s", s.envVar, s.describe())
	case s.scheme != "" && len(v) >= len(s.scheme) && strings.EqualFold(v[:len(s.scheme)], s.scheme):
		return "", d.errorf(n, path, "starts with %q; put only the token, crier adds %q itself", s.scheme, s.scheme)
	case strings.ContainsAny(v, " \t\r\n"):
		return "", d.errorf(n, path, "contains a space or line break, which %s never has; check the variable for stray spaces or a trailing newline", s.what)
	}
	if s.prefix != "" && (!strings.HasPrefix(v, s.prefix) || len(v) == len(s.prefix)) {
		msg := fmt.Sprintf("must be %s", s.describe())
		for _, k := range tokenKinds {
			if k.prefix != s.prefix && strings.HasPrefix(v, k.prefix) {
				msg += "; this one is " + k.is
			}
		}
		return "", d.errorf(n, path, "%s", msg)
	}
	return v, nil
}

func (d *decoder) slack(e entry) (*Slack, error) {
	entries, err := d.mapping(e.v, e.path, `a mapping like {bot_token: "${SLACK_BOT_TOKEN}", app_token: "${SLACK_APP_TOKEN}"}`, "key", slackKeys())
	if err != nil {
		return nil, err
	}
	values := make(map[string]entry, len(entries))
	for _, e := range entries {
		if !isNull(e.v) {
			values[e.key] = e
		}
	}
	s := &Slack{Mode: defaultSlackMode, APIURL: defaultSlackAPIURL, Line: e.k.Line}

	// The mode decides what else is required, so it is read first.
	if mode, ok := values["mode"]; ok {
		const example = "socket (Socket Mode, no public URL needed) or http (Events API, needs http.listen)"
		if s.Mode, err = d.text(mode.v, mode.path, example); err != nil {
			return nil, err
		}
		if s.Mode != "socket" && s.Mode != "http" {
			return nil, d.errorf(mode.v, mode.path, "unknown mode %s; write %s", written(mode.v), example)
		}
		d.slackMode = mode.v
	}
	for _, e := range entries {
		if isNull(e.v) {
			continue
		}
		switch e.key {
		case "bot_token":
			s.BotToken, err = d.secretValue(e.v, e.path, botToken)
		case "app_token":
			s.AppToken, err = d.secretValue(e.v, e.path, appToken)
		case "signing_secret":
			s.SigningSecret, err = d.secretValue(e.v, e.path, signingSecret)
		case "api_url":
			s.APIURL, err = d.apiURL(e.v, e.path, "https://slack.com/api/ (GovSlack: https://slack-gov.com/api/)")
		}
		if err != nil {
			return nil, err
		}
	}

	missing := func(sec secret, when, or string) error {
		return d.errorf(e.k, join(e.path, sec.key), "required%s; write %s: ${%s} and set that variable to %s%s", when, sec.key, sec.envVar, sec.describe(), or)
	}
	if s.BotToken == "" {
		return nil, missing(botToken, "", "")
	}
	if s.Mode == "socket" && s.AppToken == "" {
		return nil, missing(appToken, " in socket mode", ", or use mode: http")
	}
	if s.Mode == "http" && s.SigningSecret == "" {
		return nil, missing(signingSecret, " in http mode", "")
	}
	return s, nil
}

// apiURL reads the base URL of a chat platform's web API, adding the final
// "/" the API method names are appended after. example is a URL to write.
func (d *decoder) apiURL(n *yaml.Node, path, example string) (string, error) {
	v, err := d.text(n, path, "a URL like "+example)
	if err != nil {
		return "", err
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(v, " \t\r\n") {
		return "", d.errorf(n, path, "%s is not an absolute http(s) URL; write one like %s", written(n), example)
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(v, "#") {
		return "", d.errorf(n, path, "%s has a query or a fragment; write the URL API methods go under, like %s", written(n), example)
	}
	if !strings.HasSuffix(v, "/") {
		v += "/"
	}
	return v, nil
}

func (d *decoder) http(e entry, c *Config) error {
	entries, err := d.mapping(e.v, e.path, `a mapping like {listen: ":8080"}`, "key", []string{"listen"})
	if err != nil {
		return err
	}
	c.HTTP.Line = e.k.Line
	for _, e := range entries {
		if isNull(e.v) {
			continue
		}
		switch e.key {
		case "listen":
			c.HTTP.Listen, err = d.listen(e.v, e.path)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// listen reads a host:port to listen on; the host may be empty (every
// interface) and the port is a number from 0 to 65535.
func (d *decoder) listen(n *yaml.Node, path string) (string, error) {
	const example = ":8080 (every interface) or 127.0.0.1:8080"
	v, err := d.text(n, path, "a host:port like "+example+", or leave listen out for no listener")
	if err != nil {
		return "", err
	}
	host, port, err := net.SplitHostPort(v)
	if err != nil || !validPort(port) || strings.ContainsAny(host, " \t\r\n/") {
		return "", d.errorf(n, path, "%s is not a host:port with a port from 0 to 65535; write one like %s", written(n), example)
	}
	return v, nil
}

// validPort reports whether port is a number from 0 to 65535, in digits only.
func validPort(port string) bool {
	if port == "" || len(port) > 5 {
		return false
	}
	for _, c := range []byte(port) {
		if c < '0' || c > '9' {
			return false
		}
	}
	p, err := strconv.Atoi(port)
	return err == nil && p <= 65535
}
