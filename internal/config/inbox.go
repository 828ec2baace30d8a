package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/crier-bot/crier/internal/crier"
	"go.yaml.in/yaml/v3"
)

// The inbox section: the comment relay, which posts comments from the
// networks in chat threads, and its crisis alarm. Without the section the
// relay is off. A channel is written <platform>:<channel id>; that the
// platform is set up under chat and that each network in channels exists are
// checked once the whole file is read (inboxAcross).

const (
	inboxExample    = "{channel: slack:C0123456789, poll: 30s}"
	crisisExample   = "{negative: 5, window: 30m, ratio: 2, baseline: 168h}"
	channelSyntax   = "<platform>:<channel id>, like slack:C0123456789, discord:123456789012345678 or shell:inbox"
	channelsExample = "a mapping of network names to channels like {mastodon: slack:C0123456789}"
)

// chatPlatforms lists the platforms a channel may be on, in the order
// messages show them.
func chatPlatforms() []string { return []string{"shell", "slack", "discord"} }

// slackInboxChannel matches a Slack channel id, public (C…) or private (G…):
// threads of a post live in a channel, not a direct message.
var slackInboxChannel = regexp.MustCompile(`^[CG][A-Z0-9]{8,}$`)

func inboxFields() []field[*Inbox] {
	return []field[*Inbox]{
		{key: "channel", decode: func(d *decoder, e entry, in *Inbox) (err error) {
			d.inboxChannel = e.v
			in.Channel, err = d.chatChannel(e.v, e.path)
			return err
		}},
		{key: "channels", decode: func(d *decoder, e entry, in *Inbox) error {
			entries, err := d.entries(e.v, e.path, channelsExample, "network name", nil, false)
			if err != nil {
				return err
			}
			d.inboxChannels = entries
			for _, ce := range entries {
				if isNull(ce.v) {
					return d.errorf(ce.k, ce.path, "empty; write %s", channelSyntax)
				}
				ch, err := d.chatChannel(ce.v, ce.path)
				if err != nil {
					return err
				}
				if in.Channels == nil {
					in.Channels = make(map[string]crier.ChannelRef, len(entries))
				}
				in.Channels[ce.key] = ch
			}
			return nil
		}},
		{key: "poll", decode: func(d *decoder, e entry, in *Inbox) (err error) {
			in.Poll, err = d.duration(e.v, e.path, 5*time.Second, time.Hour)
			return err
		}},
		{key: "crisis", decode: func(d *decoder, e entry, in *Inbox) error {
			return d.crisis(e, &in.Crisis)
		}},
	}
}

func (d *decoder) inbox(e entry, c *Config) error {
	c.Inbox.On, c.Inbox.Line = true, e.k.Line
	if _, err := section(d, e.v, e.path, "a mapping like "+inboxExample, inboxFields(), &c.Inbox); err != nil {
		return err
	}
	if d.inboxChannel == nil {
		return d.errorf(e.k, join(e.path, "channel"), "required when inbox: is set; write channel: %s, or remove inbox: to turn the comment relay off", channelSyntax)
	}
	return nil
}

func crisisFields() []field[*Crisis] {
	return []field[*Crisis]{
		{key: "negative", decode: func(d *decoder, e entry, c *Crisis) (err error) {
			c.Negative, err = d.integer(e.v, e.path, 1, 10000)
			return err
		}},
		{key: "window", decode: func(d *decoder, e entry, c *Crisis) (err error) {
			c.Window, err = d.duration(e.v, e.path, time.Minute, 24*time.Hour)
			return err
		}},
		{key: "ratio", decode: func(d *decoder, e entry, c *Crisis) (err error) {
			c.Ratio, err = d.number(e.v, e.path, 1, 100, "like 2 for twice the usual rate")
			return err
		}},
		{key: "baseline", decode: func(d *decoder, e entry, c *Crisis) (err error) {
			c.Baseline, err = d.duration(e.v, e.path, time.Hour, 720*time.Hour)
			return err
		}},
	}
}

// crisis reads inbox.crisis: a mapping, or off (or false) for no alarm.
func (d *decoder) crisis(e entry, c *Crisis) error {
	const want = "a mapping like " + crisisExample + ", or off"
	if e.v.Kind == yaml.ScalarNode {
		switch strings.ToLower(e.v.Value) {
		case "off", "false":
			c.Off = true
			return nil
		}
		return d.errorf(e.v, e.path, "expected %s, got %s", want, written(e.v))
	}
	entries, err := section(d, e.v, e.path, want, crisisFields(), c)
	if err != nil {
		return err
	}
	if c.Baseline <= c.Window {
		// Window is at most 24h and the default baseline a week, so the
		// file sets baseline.
		at, shown := e.v, fmt.Sprintf("%q", shortDuration(c.Baseline))
		if b, ok := entryOf(entries, "baseline"); ok && !isNull(b.v) {
			at, shown = b.v, written(b.v)
		}
		return d.errorf(at, join(e.path, "baseline"), "%s is not longer than window (%s); the usual rate is measured over a longer time, like 168h (a week)", shown, shortDuration(c.Window))
	}
	return nil
}

// chatChannel reads a channel written <platform>:<channel id> and checks the
// id has the platform's shape. Whether the platform is set up under chat is
// checked in inboxAcross.
func (d *decoder) chatChannel(n *yaml.Node, path string) (crier.ChannelRef, error) {
	v, err := d.text(n, path, channelSyntax)
	if err != nil {
		return crier.ChannelRef{}, err
	}
	platform, id, ok := strings.Cut(v, ":")
	if !ok {
		switch {
		case slackInboxChannel.MatchString(v):
			return crier.ChannelRef{}, d.errorf(n, path, "%s names no platform; write slack:%s", written(n), v)
		case validSnowflake(v):
			return crier.ChannelRef{}, d.errorf(n, path, "%s names no platform; write discord:%s", written(n), v)
		}
		return crier.ChannelRef{}, d.errorf(n, path, "%s names no platform; write it as %s", written(n), channelSyntax)
	}
	if !slices.Contains(chatPlatforms(), platform) {
		return crier.ChannelRef{}, d.errorf(n, path, "unknown platform %q (known: %s); write it as %s", platform, strings.Join(chatPlatforms(), ", "), channelSyntax)
	}
	if id == "" {
		return crier.ChannelRef{}, d.errorf(n, path, "%s has no channel id after %q; write it as %s", written(n), platform+":", channelSyntax)
	}
	// The id is quoted as written, so that a ${VAR} in it is never shown
	// expanded; when the platform came from a variable, the whole value is.
	shown := written(n)
	if p, rest, ok := strings.Cut(n.Value, ":"); ok && p == platform {
		shown = fmt.Sprintf("%q", rest)
	}
	switch platform {
	case "slack":
		if strings.HasPrefix(id, "#") {
			return crier.ChannelRef{}, d.errorf(n, path, "%s is a channel name, not its id; copy the id from the channel's details, like slack:C0123456789", shown)
		}
		if !slackInboxChannel.MatchString(id) {
			return crier.ChannelRef{}, d.errorf(n, path, "%s is not a Slack channel id; copy it from the channel's details, like slack:C0123456789", shown)
		}
	case "discord":
		if strings.HasPrefix(id, "#") || strings.ContainsFunc(id, inChannelName) {
			return crier.ChannelRef{}, d.errorf(n, path, "%s is a channel name, not its id; copy the id with %s, like discord:123456789012345678", shown, discordChannelHow)
		}
		if !validSnowflake(id) {
			return crier.ChannelRef{}, d.errorf(n, path, "%s is not a Discord channel id (17 to 20 digits); copy it with %s, like discord:123456789012345678", shown, discordChannelHow)
		}
	case "shell":
		if strings.ContainsFunc(id, isSpace) {
			return crier.ChannelRef{}, d.errorf(n, path, "%s is not a shell channel name; write one word, like shell:inbox", shown)
		}
	}
	return crier.ChannelRef{Platform: platform, ID: id}, nil
}

const discordChannelHow = "right-click the channel → Copy Channel ID, with Developer Mode on"

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u00a0' }

// inboxAcross checks that every inbox channel is on a platform set up under
// chat, and that every network named in inbox.channels exists.
func (d *decoder) inboxAcross(c *Config) error {
	if !c.Inbox.On {
		return nil
	}
	check := func(n *yaml.Node, path string, ch crier.ChannelRef) error {
		return d.chatPlatformSet(c, n, path, ch)
	}
	if err := check(d.inboxChannel, "inbox.channel", c.Inbox.Channel); err != nil {
		return err
	}
	names := make([]string, len(c.Networks))
	for i, n := range c.Networks {
		names[i] = n.Name
	}
	for _, e := range d.inboxChannels {
		if !slices.Contains(names, e.key) {
			return d.errorf(e.k, e.path, "unknown network (known: %s); use a name from networks:", strings.Join(names, ", "))
		}
		if err := check(e.v, e.path, c.Inbox.Channels[e.key]); err != nil {
			return err
		}
	}
	return nil
}

// chatPlatformSet checks that ch, read from n at path, is on a platform set
// up under chat, and otherwise says which to add or which to use instead.
func (d *decoder) chatPlatformSet(c *Config, n *yaml.Node, path string, ch crier.ChannelRef) error {
	if chatSet(c, ch.Platform) {
		return nil
	}
	var set []string
	for _, p := range chatPlatforms() {
		if chatSet(c, p) {
			set = append(set, p)
		}
	}
	if len(set) == 0 {
		return d.errorf(n, path, "chat.%s is not set, so crier cannot post there; add chat.%s first", ch.Platform, ch.Platform)
	}
	return d.errorf(n, path, "chat.%s is not set, so crier cannot post there; add chat.%s or use a platform that is set (%s)", ch.Platform, ch.Platform, strings.Join(set, ", "))
}

// chatSet reports whether platform is set up under chat.
func chatSet(c *Config, platform string) bool {
	switch platform {
	case "shell":
		return c.Chat.Shell != nil
	case "slack":
		return c.Chat.Slack != nil
	case "discord":
		return c.Chat.Discord != nil
	}
	return false
}
