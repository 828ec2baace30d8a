package timeparse

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

// zoneAbbreviations lists the zone abbreviations we understand, in lower
// case. UTC, GMT and Z have a rule of their own.
func zoneAbbreviations() []string {
	return []string{
		"et", "ct", "mt", "pt",
		"est", "edt", "cst", "cdt", "mst", "mdt", "pst", "pdt",
		"cet", "cest", "eet", "eest", "wet", "west", "bst", "brt",
	}
}

// abbreviationZone returns the zone of an abbreviation. ET, CT, MT and PT
// name the US zones with their DST rules; the others are fixed offsets, as
// their names say (EST is -05:00 even in July). "west" and "wet" are also
// English words, so they count as zones only when typed in capitals.
func (p *Parser) abbreviationZone(abbr, original string) (*time.Location, bool) {
	switch abbr {
	case "et":
		return p.namedZone("america/new_york")
	case "ct":
		return p.namedZone("america/chicago")
	case "mt":
		return p.namedZone("america/denver")
	case "pt":
		return p.namedZone("america/los_angeles")
	case "wet", "west":
		if !hasWord(original, strings.ToUpper(abbr)) {
			return nil, false
		}
	}
	h, ok := fixedOffsetHours(abbr)
	if !ok {
		return nil, false
	}
	return time.FixedZone(strings.ToUpper(abbr), h*3600), true
}

// fixedOffsetHours returns the UTC offset, in hours, that an abbreviation
// stands for.
func fixedOffsetHours(abbr string) (int, bool) {
	switch abbr {
	case "est", "cdt":
		return -5, true
	case "edt":
		return -4, true
	case "cst", "mdt":
		return -6, true
	case "mst", "pdt":
		return -7, true
	case "pst":
		return -8, true
	case "brt":
		return -3, true
	case "wet":
		return 0, true
	case "cet", "west", "bst":
		return 1, true
	case "cest", "eet":
		return 2, true
	case "eest":
		return 3, true
	}
	return 0, false
}

// hasWord reports whether w occurs in s as a whole word, with its case.
func hasWord(s, w string) bool {
	for _, sp := range words(s) {
		if s[sp.start:sp.end] == w {
			return true
		}
	}
	return false
}

// offsetZone parses "+03:00", "-0500", "+3", "+05:30" and "z".
func offsetZone(s string) (*time.Location, bool) {
	if s == "z" {
		return time.UTC, true
	}
	if len(s) < 2 || (s[0] != '+' && s[0] != '-') {
		return nil, false
	}
	sign, digits := s[0], strings.ReplaceAll(s[1:], ":", "")
	var h, m int
	switch len(digits) {
	case 1, 2:
		h = atoi(digits)
	case 3, 4:
		h, m = atoi(digits[:len(digits)-2]), atoi(digits[len(digits)-2:])
	default:
		return nil, false
	}
	if h > 14 || m > 59 || strings.Count(s, ":") > 1 {
		return nil, false
	}
	secs := h*3600 + m*60
	if sign == '-' {
		secs = -secs
	}
	if secs == 0 {
		return time.UTC, true
	}
	return time.FixedZone(fmt.Sprintf("UTC%c%02d:%02d", sign, h, m), secs), true
}

// maxZoneMisses bounds the cache of names that are not zones.
const maxZoneMisses = 1024

// namedZone loads an IANA zone from its name in lower case
// ("america/new_york"), trying the usual capitalisations, and caches it.
func (p *Parser) namedZone(lower string) (*time.Location, bool) {
	if v, ok := p.zones.Load(lower); ok {
		z, _ := v.(*time.Location)
		return z, z != nil
	}
	var found *time.Location
	for _, name := range zoneCandidates(lower) {
		if z, err := time.LoadLocation(name); err == nil && name != "Local" {
			found = z
			break
		}
	}
	if found != nil || p.zoneMisses.Add(1) <= maxZoneMisses {
		p.zones.Store(lower, found)
	}
	return found, found != nil
}

// zoneCandidates returns the spellings of a lower-case zone name worth
// trying: "America/New_York", then with short parts in capitals
// ("Etc/GMT+3", "US/Eastern").
func zoneCandidates(lower string) []string {
	title := func(upperShort bool) string {
		b := []byte(lower)
		start := 0
		for i := 0; i <= len(b); i++ {
			if i < len(b) && b[i] != '/' && b[i] != '_' && b[i] != '-' {
				continue
			}
			part := b[start:i]
			letters := 0
			for _, c := range part {
				if unicode.IsLetter(rune(c)) {
					letters++
				}
			}
			if upperShort && letters <= 3 {
				copy(part, strings.ToUpper(string(part)))
			} else if len(part) > 0 {
				part[0] = byte(unicode.ToUpper(rune(part[0])))
			}
			start = i + 1
		}
		return string(b)
	}
	a, b := title(false), title(true)
	if a == b {
		return []string{a}
	}
	return []string{a, b}
}

// AbbreviationZones returns the tz database zones a zone abbreviation stands
// for, for people who type one where a zone name is wanted (/timezone BRT).
// one says the abbreviation names one place's clock, summer time included,
// so its zone may be stored for it: ET, CT, MT and PT name the US zones, and
// BRT Brasília time (Brazil keeps -03:00 all year since 2019). The others
// name one season's offset shared by places whose clocks change differently
// (EST is New York in winter but Panama all year; CST is also China's), so
// storing a zone for them would be a guess: the zones are suggestions.
// Matching ignores case; nil means no abbreviation crier knows.
func AbbreviationZones(abbr string) (zones []string, one bool) {
	switch strings.ToLower(strings.TrimSpace(abbr)) {
	case "et":
		return []string{"America/New_York"}, true
	case "ct":
		return []string{"America/Chicago"}, true
	case "mt":
		return []string{"America/Denver"}, true
	case "pt":
		return []string{"America/Los_Angeles"}, true
	case "brt":
		return []string{"America/Sao_Paulo"}, true
	case "est":
		return []string{"America/New_York", "America/Panama"}, false
	case "edt":
		return []string{"America/New_York"}, false
	case "cst":
		return []string{"America/Chicago", "America/Mexico_City", "Asia/Shanghai"}, false
	case "cdt":
		return []string{"America/Chicago"}, false
	case "mst":
		return []string{"America/Denver", "America/Phoenix"}, false
	case "mdt":
		return []string{"America/Denver"}, false
	case "pst":
		return []string{"America/Los_Angeles", "Asia/Manila"}, false
	case "pdt":
		return []string{"America/Los_Angeles"}, false
	case "cet", "cest":
		return []string{"Europe/Berlin", "Europe/Paris", "Europe/Madrid"}, false
	case "eet", "eest":
		return []string{"Europe/Athens", "Europe/Bucharest", "Europe/Helsinki"}, false
	case "wet", "west":
		return []string{"Europe/Lisbon", "Atlantic/Canary"}, false
	case "bst":
		return []string{"Europe/London", "Asia/Dhaka"}, false
	}
	return nil, false
}
