package commands

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/timeparse"
)

func (r *Router) timezoneDef() Definition {
	return Definition{
		Name:    "timezone",
		Usage:   "/timezone [Area/City | reset]",
		Summary: "Show or set your own timezone, used for every time crier reads or shows you.",
		Details: "Your own timezone wins over the one your chat profile gives, on this chat platform. " +
			"Use the Area/City names of the tz database, a city alone (Lisbon, New York, São Paulo), or UTC. /timezone reset goes back to your chat's (or bot.yaml's).",
		Examples: []string{"/timezone", "/timezone Europe/Lisbon", "/timezone New York", "/timezone São Paulo", "/timezone reset"},
		Handler:  r.timezone,
	}
}

// tzList is where every timezone name is listed, for people who type a wrong one.
const tzList = "https://en.wikipedia.org/wiki/List_of_tz_database_time_zones"

func (r *Router) timezone(ctx context.Context, req Request) (Response, error) {
	arg := strings.TrimSpace(req.Text)
	switch {
	case arg == "":
		return r.showTimezone(req), nil
	case strings.EqualFold(arg, "reset"):
		return r.resetTimezone(ctx, req)
	}
	name, loc, err := r.parseZone(arg)
	if err != nil {
		return Response{}, err
	}
	if r.deps.Timezones == nil {
		return Response{}, noTimezones()
	}
	if err := r.deps.Timezones.SetUserTimezone(ctx, req.Platform, req.User.ID, name); err != nil {
		return Response{}, fmt.Errorf("set timezone: %w", err)
	}
	return Response{
		Text:      fmt.Sprintf("✓ Your timezone is now %s: it is %s there.", name, timeparse.Stamp(r.deps.Clock.Now(), loc, r.deps.Clock.Now())),
		Ephemeral: true,
	}, nil
}

func (r *Router) showTimezone(req Request) Response {
	loc := r.location(req.User)
	var how string
	switch {
	case req.ownTimezone && loc.String() == req.User.Timezone:
		how = "set with /timezone"
	case req.User.Timezone != "" && loc.String() == req.User.Timezone && req.User.TimezoneFrom != "":
		how = req.User.TimezoneFrom
	case req.User.Timezone != "" && loc.String() == req.User.Timezone:
		how = "from your chat"
	default:
		// The router's Location: bot.yaml's timezone.
		how = "bot.yaml's timezone"
	}
	text := fmt.Sprintf("Your timezone is %s (%s).", loc, how)
	if r.deps.Timezones != nil {
		text += " Type /timezone <Area/City> to change it"
		if req.ownTimezone {
			text += ", or /timezone reset to use " + fallbackName(req)
		}
		text += "."
	}
	return Response{Text: text, Ephemeral: true}
}

// fallbackName names the timezone a person has without one of their own:
// their chat profile's, or bot.yaml's.
func fallbackName(req Request) string {
	if req.chatTimezone != "" && req.User.TimezoneFrom == "" {
		return "your chat's"
	}
	return "bot.yaml's"
}

func (r *Router) resetTimezone(ctx context.Context, req Request) (Response, error) {
	if r.deps.Timezones == nil {
		return Response{}, noTimezones()
	}
	if err := r.deps.Timezones.SetUserTimezone(ctx, req.Platform, req.User.ID, ""); err != nil {
		return Response{}, fmt.Errorf("reset timezone: %w", err)
	}
	loc := r.location(crier.User{Timezone: req.chatTimezone})
	return Response{
		Text:      fmt.Sprintf("✓ Your timezone is %s again, %s: it is %s there.", fallbackName(req), loc, timeparse.Stamp(r.deps.Clock.Now(), loc, r.deps.Clock.Now())),
		Ephemeral: true,
	}, nil
}

func noTimezones() error {
	return crier.Errorf(crier.EINVALID, "This crier keeps no timezones of its own; yours comes from your chat. Change it there.")
}

// parseZone accepts a tz database zone name, or a city of one, ignoring
// case and accents, with spaces for underscores ("Lisbon", "são paulo",
// "europe/lisbon"), or UTC, or an abbreviation that names one place's clock
// (BRT). It returns the zone's name as the tz database spells it. Other
// abbreviations (EST, CET) and "Local" are refused although
// time.LoadLocation knows some of them: they are ambiguous, or mean the
// server's zone rather than the person's.
func (r *Router) parseZone(arg string) (string, *time.Location, error) {
	if strings.EqualFold(arg, "UTC") {
		return "UTC", time.UTC, nil
	}
	zones := r.zones.find(arg)
	if len(zones) == 1 {
		if loc, err := time.LoadLocation(zones[0]); err == nil {
			return zones[0], loc, nil
		}
	}
	// A name the list leaves out (an old spelling like America/Buenos_Aires,
	// Etc/GMT+3) is taken as typed, in its own case only: a miscased one
	// loads on a case-insensitive file system but not elsewhere.
	if len(zones) == 0 && strings.Contains(arg, "/") && len(arg) <= 64 {
		if loc, err := time.LoadLocation(arg); err == nil {
			return arg, loc, nil
		}
	}
	if len(zones) == 0 {
		abbr, one := timeparse.AbbreviationZones(arg)
		if one {
			if loc, err := time.LoadLocation(abbr[0]); err == nil {
				return abbr[0], loc, nil
			}
		}
		if len(abbr) > 0 {
			return "", nil, crier.Errorf(crier.EINVALID, "%q is an offset several places share, whose clocks change on different days or not at all. Type your city or its zone instead, like %s.",
				oneLine(arg, 10), "/timezone "+strings.Join(abbr, " or /timezone "))
		}
	}
	msg := fmt.Sprintf("%q is not a timezone name. Use the Area/City form, like Europe/Lisbon or America/New_York (list: %s).", oneLine(arg, 40), tzList)
	if len(zones) > 1 {
		msg += " Did you mean " + strings.Join(zones, " or ") + "?"
	}
	return "", nil, crier.Errorf(crier.EINVALID, "%s", msg)
}

// oneLine shows what a person typed on one line, cut to max characters.
func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		s = string(r[:max-1]) + "…"
	}
	return s
}

// zoneIndex finds zones by their name or their city (the name's last part),
// by zoneKey. A city of two zones finds both.
type zoneIndex map[string][]string

func newZoneIndex(zones []string) zoneIndex {
	idx := zoneIndex{}
	for _, z := range zones {
		idx[zoneKey(z)] = append(idx[zoneKey(z)], z)
		if city := zoneKey(z[strings.LastIndex(z, "/")+1:]); city != zoneKey(z) {
			idx[city] = append(idx[city], z)
		}
	}
	return idx
}

// find returns the zones whose name or city is s.
func (idx zoneIndex) find(s string) []string {
	if len(s) > 64 {
		return nil
	}
	return idx[zoneKey(s)]
}

// zoneKey is how zone names and cities are compared: lower case, without
// accents, spaces, dashes and underscores all one "_" ("São  Paulo" →
// "sao_paulo", "Port-au-Prince" → "port_au_prince").
func zoneKey(s string) string {
	var b strings.Builder
	gap := false
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r == ' ' || r == '_' || r == '-' || r == '\t':
			gap = true
			continue
		case gap:
			b.WriteByte('_')
			gap = false
		}
		b.WriteString(foldAccent(unicode.ToLower(r)))
	}
	return b.String()
}

// foldAccent returns a lower-case letter without its accent ("ã" → "a"), for
// the Latin letters of city names; the tz database spells cities in ASCII.
func foldAccent(r rune) string {
	const (
		accented = "àáâãäåāăąçćčďđèéêëēėęěìíîïīįıñńňòóôõöøōőùúûüūůűųýÿśšşșźżžţțťłğř"
		plain    = "aaaaaaaaacccddeeeeeeeeiiiiiiinnnoooooooouuuuuuuuyysssszzztttlgr"
	)
	if r < 0x80 {
		return string(r)
	}
	switch r {
	case 'ß':
		return "ss"
	case 'æ':
		return "ae"
	case 'œ':
		return "oe"
	}
	if i := strings.IndexRune(accented, r); i >= 0 {
		return string(plain[utf8.RuneCountInString(accented[:i])])
	}
	return string(r)
}
