package config

import (
	"regexp"
	"slices"
	"strings"

	"github.com/crier-bot/crier/internal/crier"
	"go.yaml.in/yaml/v3"
)

// The networks section: a list of networks, each of a kind. A kind is a table
// of the keys it takes (file below, slackKind in slack.go, discordKind in
// discord.go, mastodonKind in mastodon.go, …); kinds lists them all.

const networkExample = "{name: sandbox, kind: file, outbox: data/sandbox/outbox.jsonl}"

// A kind is a kind of network and the keys it takes besides name and kind.
type kind struct {
	name     string
	defaults func(n *Network) // what keys left out mean; nil when they mean the zero value
	fields   []kindField      // read in table order, not file order, so that a key left out is found at its turn
}

// A kindField is a key a kind of network takes and how its value is read.
type kindField struct {
	key      string
	required string // the message when the key is left out or null; "" when it may be
	decode   func(d *decoder, e entry, n *Network) error
	last     bool // read after the others, though listed in table order (bluesky reads appview before language)
}

// kinds lists every kind of network, in the order messages show them.
func kinds() []kind {
	return []kind{fileKind(), slackKind(), discordKind(), mastodonKind(), blueskyKind(), webhookKind()}
}

func knownKinds() []string {
	var names []string
	for _, k := range kinds() {
		names = append(names, k.name)
	}
	return names
}

// keys lists the keys a network of kind k may have, in table order.
func (k kind) keys() []string {
	keys := []string{"name", "kind"}
	for _, f := range k.fields {
		keys = append(keys, f.key)
	}
	return keys
}

// networkKeys lists the keys a network of any kind may have, which are read
// once the kind is known. The keys come from the kinds' tables; shown is only
// the order messages show them in, and a key of a kind that shown leaves out
// comes after the others.
func networkKeys() []string {
	shown := []string{"name", "kind", "outbox", "inbox", "channel", "limit", "crosspost",
		"server", "access_token", "visibility", "language", "pds", "handle", "app_password", "appview", "url", "secret", "deduplicates", "rate"}
	var all []string
	for _, k := range kinds() {
		for _, key := range k.keys() {
			if !slices.Contains(all, key) {
				all = append(all, key)
			}
		}
	}
	keys := make([]string, 0, len(all))
	for _, key := range shown {
		if slices.Contains(all, key) {
			keys = append(keys, key)
		}
	}
	for _, key := range all {
		if !slices.Contains(keys, key) {
			keys = append(keys, key)
		}
	}
	return keys
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
	kindEntry, ok := values["kind"]
	if !ok {
		return Network{}, nil, d.errorf(item, path+".kind", "required (known: %s)", strings.Join(known, ", "))
	}
	if n.Kind, err = d.scalar(kindEntry.v, kindEntry.path, "a kind like file"); err != nil {
		return Network{}, nil, err
	}
	all := kinds()
	i := slices.IndexFunc(all, func(k kind) bool { return k.name == n.Kind })
	if i < 0 {
		return Network{}, nil, d.errorf(kindEntry.v, kindEntry.path, "unknown kind %s (known: %s)", written(kindEntry.v), strings.Join(known, ", "))
	}
	k := all[i]

	keys := k.keys()
	for _, e := range entries {
		if !slices.Contains(keys, e.key) {
			return Network{}, nil, d.errorf(e.k, e.path, "not used by kind %s; remove it (%s networks take %s)", n.Kind, n.Kind, strings.Join(keys, ", "))
		}
	}

	if k.defaults != nil {
		k.defaults(&n)
	}
	for _, last := range []bool{false, true} {
		for _, f := range k.fields {
			if f.last != last {
				continue
			}
			e, ok := values[f.key]
			if !ok {
				if f.required != "" {
					return Network{}, nil, d.errorf(item, path+"."+f.key, "%s", f.required)
				}
				continue
			}
			if err := f.decode(d, e, &n); err != nil {
				return Network{}, nil, err
			}
		}
	}
	return n, name.v, nil
}

// limit reads a network's limit, the longest post it takes, from 1 to hi.
func limit(hi int) func(d *decoder, e entry, n *Network) error {
	return func(d *decoder, e entry, n *Network) (err error) {
		n.Limit, err = d.integer(e.v, e.path, 1, hi)
		return err
	}
}

// languageCode matches an ISO 639 language code with an optional region:
// en, pt, pt-BR.
var languageCode = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$`)

// language reads a language code; region says whether the network takes
// one with a region (Bluesky: pt-BR) or only the language (Mastodon: pt).
func language(region bool) func(d *decoder, e entry, n *Network) error {
	return func(d *decoder, e entry, n *Network) (err error) {
		if n.Language, err = d.text(e.v, e.path, "a language code like en or pt-BR"); err != nil {
			return err
		}
		if !languageCode.MatchString(n.Language) {
			return d.errorf(e.v, e.path, "%s is not a language code; write one like en, de or pt-BR", written(e.v))
		}
		if base, _, hasRegion := strings.Cut(n.Language, "-"); hasRegion && !region {
			return d.errorf(e.v, e.path, "%s has a region, which Mastodon does not take; write only the language, like %s", written(e.v), base)
		}
		return nil
	}
}

func fileKind() kind {
	return kind{
		name:     "file",
		defaults: func(n *Network) { n.Limit = defaultFileLimit },
		fields: []kindField{
			{key: "outbox", required: "required for kind file; write a path like data/sandbox/outbox.jsonl",
				decode: func(d *decoder, e entry, n *Network) (err error) {
					n.Outbox, err = d.pathValue(e.v, e.path, "a path like data/sandbox/outbox.jsonl")
					return err
				}},
			{key: "inbox", decode: func(d *decoder, e entry, n *Network) (err error) {
				n.Inbox, err = d.pathValue(e.v, e.path, "a path like data/sandbox/inbox.jsonl, or leave inbox out")
				return err
			}},
			{key: "limit", decode: limit(maxFileLimit)},
		},
	}
}
