package config

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// The digests section: a list of digests, each posting yesterday's numbers
// in a chat channel every day at a local time. A channel is written like
// inbox.channel; that its platform is set up under chat, that each account
// is a network, and that no two digests post in one channel at one time are
// checked once the whole file is read (digestsAcross), when the networks and
// the top-level timezone, a digest's default, are known.

const (
	digestExample = `{channel: shell:kpis, time: "09:00"}`
	timeExample   = `"09:00" (24 h) or 9am or "9:30 pm"`
)

// digestName matches a digest's name: one word, as /digest now takes it.
var digestName = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)

// The ways to write a time of day: 24 h ("09:00", "9:30"), 12 h with am or
// pm ("9am", "9:30 pm", "9 a.m."), and, refused with what to write instead,
// an hour alone ("9").
var (
	clock24   = regexp.MustCompile(`^([0-9]{1,2}):([0-9]{2})$`)
	clock12   = regexp.MustCompile(`^([0-9]{1,2})(?::([0-9]{2}))?\s*([aApP])\.?[mM]\.?$`)
	clockHour = regexp.MustCompile(`^[0-9]{1,2}$`)
)

// digestNodes are the nodes of one digest that checks across sections, or
// across digests, point at.
type digestNodes struct {
	path     string       // "digests[1]"
	item     *yaml.Node   // the entry
	name     *yaml.Node   // its name's value, nil when left out
	channel  *yaml.Node   // its channel's value
	time     *yaml.Node   // its time's value
	accounts []*yaml.Node // the items of its accounts list
}

// pendingDigest is a digest being read, with its nodes.
type pendingDigest struct {
	Digest
	nodes digestNodes
}

func digestFields() []field[*pendingDigest] {
	return []field[*pendingDigest]{
		{key: "name", decode: func(d *decoder, e entry, p *pendingDigest) error {
			v, err := d.text(e.v, e.path, "a name like daily")
			if err != nil {
				return err
			}
			if !digestName.MatchString(v) {
				return d.errorf(e.v, e.path, "invalid name %s; use 1 to 32 of a-z, 0-9, _ and -, like daily", written(e.v))
			}
			p.Name, p.nodes.name = v, e.v
			return nil
		}},
		{key: "channel", decode: func(d *decoder, e entry, p *pendingDigest) (err error) {
			p.nodes.channel = e.v
			p.Channel, err = d.chatChannel(e.v, e.path)
			return err
		}},
		{key: "time", decode: func(d *decoder, e entry, p *pendingDigest) (err error) {
			p.nodes.time = e.v
			p.Hour, p.Minute, err = d.clock(e.v, e.path)
			return err
		}},
		{key: "timezone", decode: func(d *decoder, e entry, p *pendingDigest) (err error) {
			_, p.Location, err = d.zone(e.v, e.path, ", or leave timezone out for the top-level one")
			return err
		}},
		{key: "accounts", decode: func(d *decoder, e entry, p *pendingDigest) (err error) {
			p.Accounts, p.nodes.accounts, err = d.names(e, "a list of network names like [sandbox]",
				"write the networks to show, like [sandbox], or leave accounts out for all of them", nil)
			return err
		}},
		{key: "metrics", decode: func(d *decoder, e entry, p *pendingDigest) (err error) {
			p.Metrics, _, err = d.names(e, "a list of metrics like [followers, engagement]",
				"write the numbers to show, like [followers, engagement], or leave metrics out for all of them", DigestMetrics())
			return err
		}},
		{key: "weekly", decode: func(d *decoder, e entry, p *pendingDigest) (err error) {
			p.Weekly, err = d.weekday(e.v, e.path)
			return err
		}},
		{key: "now_replaces", decode: func(d *decoder, e entry, p *pendingDigest) (err error) {
			p.NowReplaces, err = d.boolean(e.v, e.path)
			return err
		}},
	}
}

func (d *decoder) digests(e entry, c *Config) error {
	const want = "a list of digests like [" + digestExample + "]"
	if e.v.Kind == yaml.MappingNode {
		return d.errorf(e.v, e.path, `expected %s, got a mapping; start each digest with "- "`, want)
	}
	items, err := d.list(e.v, e.path, want)
	if err != nil {
		return err
	}
	firstName := make(map[string]int, len(items))
	for i, item := range items {
		p, err := d.digest(item, index(e.path, i))
		if err != nil {
			return err
		}
		switch {
		case p.nodes.name != nil:
			if first, ok := firstName[p.Name]; ok {
				return d.errorf(p.nodes.name, p.nodes.path+".name", "duplicate name %s (first on line %d); give each digest its own name", written(p.nodes.name), first)
			}
			firstName[p.Name] = p.nodes.name.Line
		case len(items) > 1:
			return d.errorf(item, p.nodes.path+".name", "required when there are several digests; give each one its own name, like daily or weekly")
		default:
			p.Name = defaultDigestName
		}
		c.Digests = append(c.Digests, p.Digest)
		d.digestEntries = append(d.digestEntries, p.nodes)
	}
	return nil
}

// digest reads one entry of digests.
func (d *decoder) digest(item *yaml.Node, path string) (*pendingDigest, error) {
	if isNull(item) {
		return nil, d.errorf(item, path, "empty digest; write one like %s", digestExample)
	}
	p := &pendingDigest{Digest: Digest{Line: item.Line}, nodes: digestNodes{path: path, item: item}}
	if _, err := section(d, item, path, "a mapping like "+digestExample, digestFields(), p); err != nil {
		return nil, err
	}
	if p.nodes.channel == nil {
		return nil, d.errorf(item, path+".channel", "required; write channel: %s", channelSyntax)
	}
	if p.nodes.time == nil {
		return nil, d.errorf(item, path+".time", `required; write the local time to post at, like time: "09:00" or time: 9am`)
	}
	return p, nil
}

// names reads a list of names, none repeated and, unless known is nil, each
// one of known in any case (returned in lower case). empty says what to write
// instead of an empty list.
func (d *decoder) names(e entry, want, empty string, known []string) ([]string, []*yaml.Node, error) {
	items, err := d.list(e.v, e.path, want)
	if err != nil {
		return nil, nil, err
	}
	if len(items) == 0 {
		return nil, nil, d.errorf(e.v, e.path, "empty list; %s", empty)
	}
	names := make([]string, 0, len(items))
	for i, item := range items {
		p := index(e.path, i)
		v, err := d.text(item, p, "a name")
		if err != nil {
			return nil, nil, err
		}
		if known != nil {
			v = strings.ToLower(strings.TrimSpace(v))
			if !slices.Contains(known, v) {
				return nil, nil, d.errorf(item, p, "unknown metric %s (known: %s)%s", written(item), strings.Join(known, ", "), didYouMean(v, known))
			}
		}
		if slices.Contains(names, v) {
			return nil, nil, d.errorf(item, p, "%s is listed twice", written(item))
		}
		names = append(names, v)
	}
	return names, items, nil
}

// clock reads a time of day: "09:00" (24 h), or "9am" or "9:30 pm".
func (d *decoder) clock(n *yaml.Node, path string) (hour, minute int, err error) {
	v, err := d.scalar(n, path, `a time like "09:00" or 9am`)
	if err != nil {
		return 0, 0, err
	}
	v = strings.TrimSpace(v)
	if g := clock24.FindStringSubmatch(v); g != nil {
		h, _ := strconv.Atoi(g[1])
		m, _ := strconv.Atoi(g[2])
		if h > 23 || m > 59 {
			return 0, 0, d.errorf(n, path, "%s is not a time of day: hours go from 00 to 23 and minutes from 00 to 59; write one like %s", written(n), timeExample)
		}
		return h, m, nil
	}
	if g := clock12.FindStringSubmatch(v); g != nil {
		h, _ := strconv.Atoi(g[1])
		m := 0
		if g[2] != "" {
			m, _ = strconv.Atoi(g[2])
		}
		if h < 1 || h > 12 || m > 59 {
			return 0, 0, d.errorf(n, path, "%s is not a time of day: with am or pm, hours go from 1 to 12; write one like %s", written(n), timeExample)
		}
		h %= 12
		if strings.EqualFold(g[3], "p") {
			h += 12
		}
		return h, m, nil
	}
	if clockHour.MatchString(v) {
		if h, _ := strconv.Atoi(v); h <= 23 {
			return 0, 0, d.errorf(n, path, "%s has no minutes and no am or pm; write \"%02d:00\" or %s", written(n), h, twelveHour(h))
		}
	}
	return 0, 0, d.errorf(n, path, "%s is not a time of day; write one like %s", written(n), timeExample)
}

// twelveHour writes hour h (0 to 23) with am or pm: 0 is 12am, 17 is 5pm.
func twelveHour(h int) string {
	switch {
	case h == 0:
		return "12am"
	case h < 12:
		return fmt.Sprintf("%dam", h)
	case h == 12:
		return "12pm"
	}
	return fmt.Sprintf("%dpm", h-12)
}

// weekdays are the names of the days, in the order of time.Weekday.
var weekdays = []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// weekday reads a day of the week, whole or in three letters, in any case;
// off (or false) is no day.
func (d *decoder) weekday(n *yaml.Node, path string) (*time.Weekday, error) {
	const example = "write a day like monday or mon, or off for no weekly digest"
	v, err := d.scalar(n, path, "a day like monday, or off")
	if err != nil {
		return nil, err
	}
	v = strings.ToLower(strings.TrimSpace(v))
	if v == "off" || v == "false" {
		return nil, nil
	}
	for i, day := range weekdays {
		if v == day || v == day[:3] || (len(v) > 3 && strings.HasPrefix(day, v)) {
			wd := time.Weekday(i)
			return &wd, nil
		}
	}
	return nil, d.errorf(n, path, "%s is not a day of the week; %s%s", written(n), example, didYouMean(v, weekdays))
}

// digestsAcross gives each digest the top-level timezone when it names
// none, and checks that each channel is on a platform set up under chat,
// that each account is a network, and that no two digests post in one
// channel at one time.
func (d *decoder) digestsAcross(c *Config) error {
	names := make([]string, len(c.Networks))
	for i, n := range c.Networks {
		names[i] = n.Name
	}
	for i := range c.Digests {
		dg, nodes := &c.Digests[i], d.digestEntries[i]
		if dg.Location == nil {
			dg.Location = c.Location
		}
		if err := d.chatPlatformSet(c, nodes.channel, nodes.path+".channel", dg.Channel); err != nil {
			return err
		}
		for j, a := range dg.Accounts {
			if !slices.Contains(names, a) {
				n := nodes.accounts[j]
				return d.errorf(n, index(nodes.path+".accounts", j), "unknown network %s (known: %s); use a name from networks:%s", written(n), strings.Join(names, ", "), didYouMean(a, names))
			}
		}
		for j, other := range c.Digests[:i] {
			if other.Channel == dg.Channel && other.Hour == dg.Hour && other.Minute == dg.Minute && other.Location.String() == dg.Location.String() {
				return d.errorf(nodes.time, nodes.path+".time", "%s (%s, line %d) already posts in %s:%s at %02d:%02d %s; give one of them another time or channel",
					d.digestEntries[j].path, other.Name, other.Line, dg.Channel.Platform, dg.Channel.ID, dg.Hour, dg.Minute, dg.Location)
			}
		}
	}
	return nil
}
