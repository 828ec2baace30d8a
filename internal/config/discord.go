package config

import (
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The chat.discord section and discord networks.

// discordToken describes a Discord bot token, for messages that never show it.
var discordToken = secret{"token", "DISCORD_TOKEN", "a bot token", "", "Developer Portal → Bot → Reset Token", "Bot "}

const (
	discordExample = `{token: "${DISCORD_TOKEN}", application_id: "123456789012345678", guilds: [{id: "123456789012345678"}]}`
	guildExample   = `{id: "123456789012345678", timezone: Europe/Lisbon}`
	snowflakeLike  = `"123456789012345678"`
	discordAPIURL  = "https://discord.com/api/v10/"
)

// snowflakeKind describes what a Discord ID identifies, for messages.
type snowflakeKind struct {
	what  string // "an application ID"
	where string // where Discord shows it
}

var (
	applicationID = snowflakeKind{"an application ID", "Developer Portal → General Information → Application ID"}
	guildID       = snowflakeKind{"a server ID", "right-click the server → Copy Server ID, with Developer Mode on"}
	channelID     = snowflakeKind{"a channel ID", "right-click the channel → Copy Channel ID, with Developer Mode on"}
)

// example says what to write: `a channel ID like "1234…" (right-click …)`.
func (k snowflakeKind) example() string {
	return k.what + " like " + snowflakeLike + " (" + k.where + ")"
}

// validSnowflake reports whether s is a Discord snowflake in decimal: 17 to 20
// digits, no leading zero, that fit in 64 bits.
func validSnowflake(s string) bool {
	if len(s) < 17 || len(s) > 20 || s[0] == '0' {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

// snowflake reads a Discord ID, written as a YAML number or a string; either
// way the digits are taken as written, so none are lost to rounding.
func (d *decoder) snowflake(n *yaml.Node, path string, k snowflakeKind) (string, error) {
	v, err := d.text(n, path, k.example())
	if err != nil {
		return "", err
	}
	if !validSnowflake(v) {
		if k == channelID && (strings.HasPrefix(v, "#") || strings.ContainsFunc(v, inChannelName)) {
			return "", d.errorf(n, path, "%s looks like a channel name; use the channel ID (%s), not its name, like %s", written(n), k.where, snowflakeLike)
		}
		return "", d.errorf(n, path, "%s is not %s, which is 17 to 20 digits; write one like %s (%s)", written(n), k.what, snowflakeLike, k.where)
	}
	return v, nil
}

// inChannelName reports whether r is found in Discord channel names (which
// are lower case, with dashes) but never in an ID.
func inChannelName(r rune) bool { return 'a' <= r && r <= 'z' || r == '-' }

func discordFields() []field[*Discord] {
	return []field[*Discord]{
		{key: "token", decode: func(d *decoder, e entry, dc *Discord) (err error) {
			dc.Token, err = d.secretValue(e.v, e.path, discordToken)
			return err
		}},
		{key: "application_id", decode: func(d *decoder, e entry, dc *Discord) (err error) {
			dc.ApplicationID, err = d.snowflake(e.v, e.path, applicationID)
			return err
		}},
		{key: "public_key", decode: func(d *decoder, e entry, dc *Discord) (err error) {
			dc.PublicKey, err = d.publicKey(e.v, e.path)
			return err
		}},
		// How interactions come decides what else is required, so it is read first.
		{key: "interactions", first: true, decode: func(d *decoder, e entry, dc *Discord) (err error) {
			const example = "gateway (over the bot's connection, no public URL needed) or http (Interactions Endpoint URL, needs http.listen and public_key)"
			if dc.Interactions, err = d.text(e.v, e.path, example); err != nil {
				return err
			}
			if dc.Interactions != "gateway" && dc.Interactions != "http" {
				return d.errorf(e.v, e.path, "unknown interactions %s; write %s", written(e.v), example)
			}
			d.discordInteractions = e.v
			return nil
		}},
		{key: "global_commands", decode: func(d *decoder, e entry, dc *Discord) (err error) {
			dc.GlobalCommands, err = d.boolean(e.v, e.path)
			return err
		}},
		{key: "api_url", decode: func(d *decoder, e entry, dc *Discord) (err error) {
			dc.APIURL, err = d.discordAPIURL(e.v, e.path)
			return err
		}},
		{key: "guilds", decode: func(d *decoder, e entry, dc *Discord) (err error) {
			dc.Guilds, err = d.guilds(e)
			return err
		}},
	}
}

func (d *decoder) discord(e entry) (*Discord, error) {
	dc := &Discord{Interactions: defaultInteractions, Line: e.k.Line}
	entries, err := section(d, e.v, e.path, "a mapping like "+discordExample, discordFields(), dc)
	if err != nil {
		return nil, err
	}

	if dc.Token == "" {
		return nil, d.errorf(e.k, join(e.path, "token"), "required; write token: ${%s} and set that variable to %s", discordToken.envVar, discordToken.describe())
	}
	if dc.ApplicationID == "" {
		return nil, d.errorf(e.k, join(e.path, "application_id"), "required; write application_id: %s, the application's ID (%s)", snowflakeLike, applicationID.where)
	}
	if dc.Interactions == "http" && dc.PublicKey == "" {
		return nil, d.errorf(e.k, join(e.path, "public_key"), "required with interactions: http, to check Discord's requests; write the 64 hex characters from %s, or use interactions: gateway", publicKeyWhere)
	}
	if len(dc.Guilds) == 0 && !dc.GlobalCommands {
		at := e.k
		if guilds, ok := entryOf(entries, "guilds"); ok { // even when left empty, for the message
			at = guilds.v
		}
		return nil, d.errorf(at, join(e.path, "guilds"), "at least one server is required to register commands in; add guilds: [%s] (%s), or set global_commands: true", guildExample, guildID.where)
	}
	return dc, nil
}

// discordAPIURL reads chat.discord.api_url: a URL whose path ends in
// Discord's API version ("/api/v10/"), since crier puts Discord's routes
// right under it; a bare proxy host would get "/channels/…" with no version.
func (d *decoder) discordAPIURL(n *yaml.Node, path string) (string, error) {
	v, err := d.apiURL(n, path, discordAPIURL+", or leave api_url out for Discord's")
	if err != nil {
		return "", err
	}
	if u, err := url.Parse(v); err != nil || !endsInAPIVersion(u.EscapedPath()) {
		return "", d.errorf(n, path, "%s must end in Discord's API version, like %s (or leave api_url out for Discord's own)", written(n), withAPIVersion(n.Value))
	}
	return v, nil
}

// endsInAPIVersion reports whether path ends in "/api/v<digits>/".
func endsInAPIVersion(path string) bool {
	rest, ok := strings.CutSuffix(path, "/")
	if !ok {
		return false
	}
	i := strings.LastIndex(rest, "/api/v")
	if i < 0 {
		return false
	}
	digits := rest[i+len("/api/v"):]
	return digits != "" && strings.Trim(digits, "0123456789") == ""
}

// withAPIVersion suggests what to write for api_url as written (variables
// unexpanded, so none is shown): its URL with "/api/v10/" in place of any
// "/api" or "/api/v…" and what follows it, or added at the end.
func withAPIVersion(written string) string {
	base := strings.TrimSuffix(written, "/")
	if i := strings.LastIndex(base, "/api/v"); i >= 0 {
		base = base[:i]
	} else {
		base = strings.TrimSuffix(base, "/api")
	}
	return base + "/api/v10/"
}

const publicKeyWhere = "Developer Portal → General Information → Public Key"

// publicKey reads the application's Ed25519 public key: 64 hex characters.
// It is not a secret, but it is quoted as written all the same.
func (d *decoder) publicKey(n *yaml.Node, path string) (string, error) {
	v, err := d.text(n, path, "the 64 hex characters from "+publicKeyWhere)
	if err != nil {
		return "", err
	}
	if _, hexErr := hex.DecodeString(v); len(v) != 64 || hexErr != nil {
		return "", d.errorf(n, path, "%s is not a public key; write the 64 hex characters from %s", written(n), publicKeyWhere)
	}
	return v, nil
}

// guilds reads chat.discord.guilds. A server may be listed once, and a channel
// under one server only.
func (d *decoder) guilds(e entry) ([]DiscordGuild, error) {
	items, err := d.list(e.v, e.path, "a list of servers like ["+guildExample+"]")
	if err != nil {
		return nil, err
	}
	var guilds []DiscordGuild
	firstGuild := make(map[string]int, len(items))
	firstChannel := make(map[string]int)
	for i, item := range items {
		path := index(e.path, i)
		g, idNode, err := d.guild(item, path, firstChannel)
		if err != nil {
			return nil, err
		}
		if first, ok := firstGuild[g.ID]; ok {
			return nil, d.errorf(idNode, path+".id", "duplicate server ID %s (first on line %d); list each server once", written(idNode), first)
		}
		firstGuild[g.ID] = idNode.Line
		guilds = append(guilds, g)
	}
	return guilds, nil
}

// guildFields is the table of a server's keys; firstChannel holds the line of
// each channel seen so far, under this server or the ones before it.
func guildFields(firstChannel map[string]int) []field[*DiscordGuild] {
	return []field[*DiscordGuild]{
		{key: "id", decode: func(d *decoder, e entry, g *DiscordGuild) (err error) {
			g.ID, err = d.snowflake(e.v, e.path, guildID)
			return err
		}},
		{key: "timezone", decode: func(d *decoder, e entry, g *DiscordGuild) (err error) {
			g.Timezone, _, err = d.zone(e.v, e.path, ", or leave timezone out for the top-level one")
			return err
		}},
		{key: "channels", decode: func(d *decoder, e entry, g *DiscordGuild) (err error) {
			g.Channels, err = d.channelZones(e, firstChannel)
			return err
		}},
	}
}

// guild reads one entry of chat.discord.guilds, returning it and its id's
// node. firstChannel holds the line of each channel seen so far.
func (d *decoder) guild(item *yaml.Node, path string, firstChannel map[string]int) (DiscordGuild, *yaml.Node, error) {
	if isNull(item) {
		return DiscordGuild{}, nil, d.errorf(item, path, "empty server; write one like %s", guildExample)
	}
	g := DiscordGuild{Line: item.Line}
	entries, err := section(d, item, path, "a mapping like "+guildExample, guildFields(firstChannel), &g)
	if err != nil {
		return DiscordGuild{}, nil, err
	}
	id, ok := entryOf(entries, "id")
	if !ok || isNull(id.v) {
		return DiscordGuild{}, nil, d.errorf(item, path+".id", "required; write %s", guildID.example())
	}
	return g, id.v, nil
}

// channelZones reads a mapping of channel ID → timezone. Its keys are
// expanded like values, and are rejected when repeated here or under another
// server.
func (d *decoder) channelZones(e entry, firstChannel map[string]int) (map[string]string, error) {
	const want = `a mapping of channel IDs to timezones like {"123456789012345678": Europe/Lisbon}`
	if isNull(e.v) {
		return nil, nil
	}
	if e.v.Kind != yaml.MappingNode {
		return nil, d.errorf(e.v, e.path, "expected %s, got %s", want, kindName(e.v))
	}
	var zones map[string]string
	for i := 0; i+1 < len(e.v.Content); i += 2 {
		k, v := deref(e.v.Content[i]), deref(e.v.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			return nil, d.errorf(k, e.path, "expected a channel ID, got %s", kindName(k))
		}
		p := join(e.path, k.Value)
		if k.ShortTag() == "!!merge" {
			return nil, d.errorf(k, p, "merge keys are not supported; write the channels out")
		}
		id, err := d.snowflake(k, p, channelID)
		if err != nil {
			return nil, err
		}
		if first, ok := firstChannel[id]; ok {
			return nil, d.errorf(k, p, "channel %s is listed twice (first on line %d); a channel belongs to one server, so list it once", written(k), first)
		}
		firstChannel[id] = k.Line
		if isNull(v) {
			return nil, d.errorf(v, p, `no timezone; write an IANA name like "Europe/Bucharest" or "UTC", or remove this channel`)
		}
		tz, _, err := d.zone(v, p, ", or remove this channel")
		if err != nil {
			return nil, err
		}
		if zones == nil {
			zones = make(map[string]string)
		}
		zones[id] = tz
	}
	return zones, nil
}

func discordKind() kind {
	return kind{
		name:     "discord",
		defaults: func(n *Network) { n.Limit, n.Crosspost = defaultDiscordLimit, true },
		fields: []kindField{
			{key: "channel", required: "required for kind discord; write " + channelID.example(),
				decode: func(d *decoder, e entry, n *Network) (err error) {
					n.Channel, err = d.snowflake(e.v, e.path, channelID)
					return err
				}},
			{key: "limit", decode: limit(maxDiscordLimit)},
			{key: "crosspost", decode: func(d *decoder, e entry, n *Network) (err error) {
				n.Crosspost, err = d.boolean(e.v, e.path)
				return err
			}},
		},
	}
}
