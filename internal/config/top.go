package config

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The top level of bot.yaml: its sections, the settings that stand alone,
// and the checks across sections.

// topFields is the top level's table: a section added to bot.yaml is one line
// here and a file of its own (see the package comment).
func topFields() []field[*Config] {
	return []field[*Config]{
		{key: "timezone", decode: (*decoder).timezone},
		{key: "date_order", decode: (*decoder).dateOrder},
		{key: "languages", decode: (*decoder).languages},
		{key: "database", decode: (*decoder).database},
		{key: "chat", decode: (*decoder).chat},
		{key: "http", decode: (*decoder).http, null: true},
		{key: "roles", decode: (*decoder).roles},
		{key: "networks", decode: (*decoder).networks},
		{key: "publish", decode: (*decoder).publish},
		{key: "inbox", decode: (*decoder).inbox, null: true},
		{key: "digests", decode: (*decoder).digests},
		{key: "metrics", decode: (*decoder).metrics},
		{key: "utm", decode: (*decoder).utm},
		{key: "writer", decode: (*decoder).writer, null: true},
		{key: "voice", decode: (*decoder).voice},
		{key: "approvals", decode: (*decoder).approvals, null: true},
		{key: "channels", decode: (*decoder).channels},
		{key: "slots", decode: (*decoder).slotsLater},
	}
}

func knownLanguages() []string { return []string{"en", "pt"} }

func (d *decoder) config(root *yaml.Node, c *Config) error {
	entries, err := section(d, root, "", "a mapping of settings like timezone: UTC", topFields(), c)
	if err != nil {
		return err
	}
	if len(c.Networks) == 0 {
		var at *yaml.Node
		if networks, ok := entryOf(entries, "networks"); ok {
			at = networks.v
		}
		return d.errorf(at, "networks", "at least one network is required; add one like %s", networkExample)
	}
	if err := d.across(c); err != nil {
		return err
	}
	return d.readSlots(entries, c)
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
	if err := d.httpAcross(c); err != nil {
		return err
	}
	if err := d.inboxAcross(c); err != nil {
		return err
	}
	if err := d.digestsAcross(c); err != nil {
		return err
	}
	if err := d.approvalsAcross(c); err != nil {
		return err
	}
	return d.channelsAcross(c)
}

func (d *decoder) timezone(e entry, c *Config) error {
	v, loc, err := d.zone(e.v, e.path, "")
	if err != nil {
		return err
	}
	c.Timezone, c.Location = v, loc
	return nil
}

func (d *decoder) dateOrder(e entry, c *Config) error {
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

func (d *decoder) database(e entry, c *Config) (err error) {
	c.Database, err = d.pathValue(e.v, e.path, "a path like data/crier.db")
	return err
}
