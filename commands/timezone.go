package commands

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/crier-bot/crier/internal/crier"
)

func (r *Router) timezoneDef() Definition {
	return Definition{
		Name:    "timezone",
		Usage:   "/timezone [Area/City | reset]",
		Summary: "Show or set your own timezone, used for every time crier reads or shows you.",
		Details: "Your own timezone wins over the one your chat profile gives, on this chat platform. " +
			"Use the Area/City names of the tz database, or UTC. /timezone reset goes back to your chat's (or bot.yaml's).",
		Examples: []string{"/timezone", "/timezone Europe/Lisbon", "/timezone America/New_York", "/timezone reset"},
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
	name, loc, err := parseZone(arg)
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
		Text:      fmt.Sprintf("✓ Your timezone is now %s: it is %s there.", name, r.deps.Clock.Now().In(loc).Format("Mon 2 Jan 15:04 MST")),
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
		Text:      fmt.Sprintf("✓ Your timezone is %s again, %s: it is %s there.", fallbackName(req), loc, r.deps.Clock.Now().In(loc).Format("Mon 2 Jan 15:04 MST")),
		Ephemeral: true,
	}, nil
}

func noTimezones() error {
	return crier.Errorf(crier.EINVALID, "This crier keeps no timezones of its own; yours comes from your chat. Change it there.")
}

// parseZone accepts an IANA Area/City name, or UTC. Abbreviations (EST, CET)
// and "Local" are refused although time.LoadLocation knows some of them: they
// are ambiguous, or mean the server's zone rather than the person's.
func parseZone(arg string) (string, *time.Location, error) {
	if strings.EqualFold(arg, "UTC") {
		return "UTC", time.UTC, nil
	}
	zone := suggestZone(arg)
	// A miscased name ("europe/lisbon") loads on a case-insensitive file
	// system but not elsewhere; refuse it everywhere, suggesting the right case.
	if strings.Contains(arg, "/") && len(arg) <= 64 && (zone == "" || zone == arg) {
		if loc, err := time.LoadLocation(arg); err == nil {
			return arg, loc, nil
		}
	}
	msg := fmt.Sprintf("%q is not a timezone name. Use the Area/City form, like Europe/Lisbon or America/New_York (list: %s).", oneLine(arg, 40), tzList)
	if zone != "" {
		msg += " Did you mean " + zone + "?"
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

// suggestZone finds the common zone whose name, or city, is what the person
// typed, ignoring case and with spaces for underscores: "lisbon", "new york",
// "europe/lisbon".
func suggestZone(arg string) string {
	key := strings.ToLower(strings.Join(strings.Fields(arg), "_"))
	for _, zone := range commonZones {
		z := strings.ToLower(zone)
		if key == z || key == z[strings.LastIndex(z, "/")+1:] {
			return zone
		}
	}
	return ""
}

// commonZones are the zones suggested for a bare city name. A fixed list, not
// a scan of the system's zoneinfo: the same everywhere crier runs.
var commonZones = []string{
	// Europe
	"Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Madrid", "Europe/Paris",
	"Europe/Brussels", "Europe/Amsterdam", "Europe/Berlin", "Europe/Zurich", "Europe/Rome",
	"Europe/Vienna", "Europe/Prague", "Europe/Warsaw", "Europe/Stockholm", "Europe/Oslo",
	"Europe/Copenhagen", "Europe/Helsinki", "Europe/Athens", "Europe/Bucharest", "Europe/Sofia",
	"Europe/Kyiv", "Europe/Istanbul", "Europe/Moscow",
	// Americas
	"America/New_York", "America/Toronto", "America/Chicago", "America/Denver", "America/Phoenix",
	"America/Los_Angeles", "America/Vancouver", "America/Anchorage", "America/Mexico_City",
	"America/Bogota", "America/Lima", "America/Santiago", "America/Argentina/Buenos_Aires", "America/Sao_Paulo",
	"America/Halifax", "Pacific/Honolulu",
	// Africa and the Middle East
	"Africa/Casablanca", "Africa/Lagos", "Africa/Cairo", "Africa/Nairobi", "Africa/Johannesburg",
	"Asia/Jerusalem", "Asia/Dubai", "Asia/Tehran", "Asia/Riyadh",
	// Asia and Oceania
	"Asia/Karachi", "Asia/Kolkata", "Asia/Dhaka", "Asia/Bangkok", "Asia/Jakarta", "Asia/Singapore",
	"Asia/Hong_Kong", "Asia/Shanghai", "Asia/Manila", "Asia/Seoul", "Asia/Tokyo",
	"Australia/Perth", "Australia/Brisbane", "Australia/Sydney", "Australia/Melbourne", "Pacific/Auckland",
}
