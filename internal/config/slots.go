package config

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/crier-bot/crier/internal/crier"
)

// The slots section: posting slots, as in Buffer's posting schedule. Each
// slot is a day of the week and a local time, for every network (under all)
// or for one network (under its name); /schedule next <text> takes the next
// free one.
//
//	slots:
//	  timezone: Europe/Lisbon   # default: the top-level timezone
//	  shared: false             # true lets two posts take one slot
//	  all: {mon: ["09:00", "13:00"], weekdays: ["17:30"]}
//	  mastodon: {tue: ["10:00"]}
//
// Days are monday … sunday (or mon … sun), weekdays (monday to friday),
// weekends or daily. Slots are read once the whole file is (readSlots, called
// from config), since network names and the top-level timezone may come
// after the section.

const slotsExample = `{all: {mon: ["09:00"]}}`

// slotAll is the key of the slots for every network.
const slotAll = "all"

// slotsSettings are the slots section's settings; its other keys are all and
// network names.
type slotsSettings struct {
	location *time.Location // nil: the top-level timezone
	shared   bool
}

func slotsFields() []field[*slotsSettings] {
	return []field[*slotsSettings]{
		{key: "timezone", decode: func(d *decoder, e entry, s *slotsSettings) (err error) {
			_, s.location, err = d.zone(e.v, e.path, ", or leave timezone out for the top-level one")
			return err
		}},
		{key: "shared", decode: func(d *decoder, e entry, s *slotsSettings) (err error) {
			s.shared, err = d.boolean(e.v, e.path)
			return err
		}},
	}
}

// slotDays are the ways to write the days of a slot, and the days each
// stands for.
func slotDays() map[string][]time.Weekday {
	days := map[string][]time.Weekday{
		"weekdays": {time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday},
		"weekends": {time.Saturday, time.Sunday},
		"daily":    {time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday},
	}
	for i, name := range weekdays {
		days[name] = []time.Weekday{time.Weekday(i)}
		days[name[:3]] = []time.Weekday{time.Weekday(i)}
	}
	return days
}

// slotsLater is the slots key in the top-level table: it is read by
// readSlots once the whole file is.
func (d *decoder) slotsLater(entry, *Config) error { return nil }

// readSlots reads the slots section, when entries (the top level's) has
// one, into c.Slots and c.SlotsShared.
func (d *decoder) readSlots(entries []entry, c *Config) error {
	e, ok := entryOf(entries, "slots")
	if !ok || isNull(e.v) {
		return nil
	}
	const want = "a mapping like " + slotsExample
	items, err := d.entries(e.v, e.path, want, "key", nil, false)
	if err != nil {
		return err
	}
	var s slotsSettings
	fields := slotsFields()
	for _, it := range items {
		if f, ok := fieldOf(fields, it.key); ok && !isNull(it.v) {
			if err := f.decode(d, it, &s); err != nil {
				return err
			}
		}
	}
	loc := s.location
	if loc == nil {
		loc = c.Location
	}
	names := make([]string, len(c.Networks))
	for i, n := range c.Networks {
		names[i] = n.Name
	}
	var taken []placedSlot
	for _, it := range items {
		if _, ok := fieldOf(fields, it.key); ok {
			continue
		}
		network := it.key
		if network == slotAll {
			network = ""
		} else if !slices.Contains(names, network) {
			known := append(append([]string{slotAll}, keysOf(fields)...), names...)
			return d.errorf(it.k, it.path, "unknown network %s; write all, timezone, shared or a name from networks: (%s)%s",
				written(it.k), strings.Join(names, ", "), didYouMean(it.key, known))
		}
		placed, err := d.slotWeek(it, network, loc, taken)
		if err != nil {
			return err
		}
		taken = placed
	}
	for _, p := range taken {
		c.Slots = append(c.Slots, p.Slot)
	}
	c.SlotsShared = s.shared
	return nil
}

// placedSlot is a slot read, with where it was written.
type placedSlot struct {
	crier.Slot
	path string
	line int
}

// slotWeek reads one network's days (network "" for all) and returns taken
// with its slots added, refusing one that is already there, for the same
// network or for all.
func (d *decoder) slotWeek(e entry, network string, loc *time.Location, taken []placedSlot) ([]placedSlot, error) {
	const want = `a mapping of days to times like {mon: ["09:00"], fri: ["17:30"]}`
	all := slotDays()
	var known []string
	for _, name := range weekdays {
		known = append(known, name[:3])
	}
	known = append(known, weekdays...)
	known = append(known, "weekdays", "weekends", "daily")
	days, err := d.entries(e.v, e.path, want, "day", nil, false)
	if err != nil {
		return nil, err
	}
	for _, day := range days {
		wds, ok := all[strings.ToLower(day.key)]
		if !ok {
			return nil, d.errorf(day.k, day.path, "%s is not a day; write monday or mon (to sunday), weekdays, weekends or daily%s",
				written(day.k), didYouMean(strings.ToLower(day.key), known))
		}
		times := []*yaml.Node{day.v}
		if day.v.Kind == yaml.SequenceNode || isNull(day.v) {
			if times, err = d.list(day.v, day.path, `a list of times like ["09:00", "13:00"]`); err != nil {
				return nil, err
			}
		}
		if len(times) == 0 {
			return nil, d.errorf(day.v, day.path, `no times; write them like %s: ["09:00", "13:00"], or leave the day out`, day.key)
		}
		for i, tn := range times {
			p := day.path
			if day.v.Kind == yaml.SequenceNode {
				p = index(day.path, i)
			}
			h, m, err := d.clock(tn, p)
			if err != nil {
				return nil, err
			}
			for _, wd := range wds {
				s := placedSlot{Slot: crier.Slot{Weekday: wd, Hour: h, Minute: m, Location: loc, Network: network}, path: p, line: tn.Line}
				if err := d.slotClash(tn, s, taken); err != nil {
					return nil, err
				}
				taken = append(taken, s)
			}
		}
	}
	return taken, nil
}

// slotClash refuses s when taken has a slot at the same day and time for the
// same network, or one for all networks when either is.
func (d *decoder) slotClash(n *yaml.Node, s placedSlot, taken []placedSlot) error {
	for _, o := range taken {
		if o.Weekday != s.Weekday || o.Hour != s.Hour || o.Minute != s.Minute {
			continue
		}
		if o.Network != s.Network && o.Network != "" && s.Network != "" {
			continue
		}
		when := fmt.Sprintf("%s %02d:%02d", s.Weekday.String()[:3], s.Hour, s.Minute)
		switch {
		case o.Network == s.Network && s.Network == "":
			return d.errorf(n, s.path, "%s is a slot for all networks twice (also %s, line %d); remove one of them", when, o.path, o.line)
		case o.Network == s.Network:
			return d.errorf(n, s.path, "%s is a %s slot twice (also %s, line %d); remove one of them", when, s.Network, o.path, o.line)
		}
		return d.errorf(n, s.path, "%s is a slot for all networks and for %s too (%s, line %d), so they would overlap; remove the one for %s, or move it",
			when, s.Network+o.Network, o.path, o.line, s.Network+o.Network)
	}
	return nil
}
