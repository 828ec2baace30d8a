package config

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The channels section: settings per chat channel, keyed by the channel
// written <platform>:<channel id> like inbox.channel. For now a channel has
// networks, those a post scheduled from it goes to when the post names none;
// a channel not listed posts to every network. That each platform is set up
// under chat and each network exists are checked once the whole file is read
// (channelsAcross).

const (
	channelDefaultsExample = "{networks: [mastodon, bluesky]}"
	channelsSectionExample = "{slack:C0123456789: " + channelDefaultsExample + "}"
)

// channelNodes are the nodes of one entry of channels that checks across
// sections point at.
type channelNodes struct {
	path     string       // "channels.slack:C0123456789"
	key      *yaml.Node   // the channel, as written
	ref      string       // the key of Config.Channels: "<platform>:<channel id>", expanded
	networks []*yaml.Node // the items of its networks list
}

// pendingChannel is one channel's defaults being read, with its nodes.
type pendingChannel struct {
	ChannelDefaults
	nodes channelNodes
}

func channelDefaultsFields() []field[*pendingChannel] {
	return []field[*pendingChannel]{
		{key: "networks", decode: func(d *decoder, e entry, p *pendingChannel) (err error) {
			p.Networks, p.nodes.networks, err = d.names(e, "a list of network names like [mastodon, bluesky]",
				"write the networks a post from this channel goes to, like [mastodon, bluesky], or leave the channel out for all of them", nil)
			return err
		}},
	}
}

func (d *decoder) channels(e entry, c *Config) error {
	entries, err := d.entries(e.v, e.path, "a mapping of channels to their settings like "+channelsSectionExample, "channel", nil, false)
	if err != nil {
		return err
	}
	first := make(map[string]int, len(entries))
	for _, ce := range entries {
		ch, err := d.chatChannel(ce.k, ce.path)
		if err != nil {
			return err
		}
		ref := ch.Platform + ":" + ch.ID
		if line, ok := first[ref]; ok {
			return d.errorf(ce.k, ce.path, "the same channel as on line %d; write each channel once", line)
		}
		first[ref] = ce.k.Line
		switch {
		case isNull(ce.v):
			return d.errorf(ce.k, ce.path, "empty; write %s, or leave the channel out to post to every network", channelDefaultsExample)
		case ce.v.Kind == yaml.SequenceNode:
			return d.errorf(ce.v, ce.path, "expected a mapping, got a list; write the networks under networks:, like %s", channelDefaultsExample)
		}
		p := &pendingChannel{nodes: channelNodes{path: ce.path, key: ce.k, ref: ref}}
		entries, err := section(d, ce.v, ce.path, "a mapping like "+channelDefaultsExample, channelDefaultsFields(), p)
		if err != nil {
			return err
		}
		if _, ok := entryOf(entries, "networks"); !ok || p.Networks == nil {
			return d.errorf(ce.k, join(ce.path, "networks"), "required; write the networks a post from this channel goes to, like networks: [mastodon, bluesky]")
		}
		if c.Channels == nil {
			c.Channels = make(map[string]ChannelDefaults, len(entries))
		}
		c.Channels[ref] = p.ChannelDefaults
		d.channelEntries = append(d.channelEntries, p.nodes)
	}
	return nil
}

// channelsAcross checks that each channel of channels is on a platform set
// up under chat and that each of its networks exists.
func (d *decoder) channelsAcross(c *Config) error {
	names := make([]string, len(c.Networks))
	for i, n := range c.Networks {
		names[i] = n.Name
	}
	for _, nodes := range d.channelEntries {
		ch, _ := d.chatChannel(nodes.key, nodes.path) // read once already
		if err := d.chatPlatformSet(c, nodes.key, nodes.path, ch); err != nil {
			return err
		}
		for j, name := range c.Channels[nodes.ref].Networks {
			if !slices.Contains(names, name) {
				n := nodes.networks[j]
				return d.errorf(n, index(join(nodes.path, "networks"), j), "unknown network %s (known: %s); use a name from networks:%s", written(n), strings.Join(names, ", "), didYouMean(name, names))
			}
		}
	}
	return nil
}
