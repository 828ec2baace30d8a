// Package calendarcsv reads and writes the content calendar as a CSV file
// (crier import calendar.csv, crier export calendar.csv).
//
// The first line names the columns, in any order and case:
//
//	date,time,timezone,networks,text,images,campaign
//
// plus, if wanted, one text:<network> column per network with its own text
// (text:bluesky, text:mastodon). date, time, networks and text must be
// there; timezone, images, campaign and the text:<network> columns may be
// left out. Each further line is one post:
//
//   - date is the day, like 2026-12-24, and time the time of day, like
//     09:00 (or 9am, 2:30 PM), read in timezone, an IANA name like
//     Europe/Lisbon (empty: bot.yaml's timezone). A date and time both empty
//     make a draft. A time that does not exist that day in that timezone
//     (the clocks jump forward) or exists twice (they go back) is refused,
//     and so is a time that has passed.
//   - networks are the networks' names as in bot.yaml, separated by spaces,
//     commas or semicolons; empty means every network.
//   - text is what is posted; text:<network> replaces it on that network.
//     Every network's text is checked against that network's limits.
//   - images are "url|description" separated by spaces; a new picture
//     starts at each word that begins with http:// or https://, so a
//     description may have spaces (at most 4 pictures).
//   - campaign is the name of an open campaign the post joins (empty: none).
//
// Fields are separated by commas, semicolons (as spreadsheets write in many
// countries) or tabs, the one the header has most of. The file must be
// UTF-8 (a byte order mark is skipped); UTF-16 and Windows-1252 files are
// refused with a line saying how to save them as UTF-8.
//
// Read checks every row before it returns: each problem is a RowError on its
// line ("line 7: …"), and the caller stores nothing when there is one (or,
// when asked to, only the good rows). Write writes posts in the same format,
// so that reading what Write wrote gives the same posts back.
package calendarcsv

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/csvfile"
)

// The columns of a calendar file.
const (
	colDate     = "date"
	colTime     = "time"
	colTimezone = "timezone"
	colNetworks = "networks"
	colText     = "text"
	colImages   = "images"
	colCampaign = "campaign"
	variantCol  = "text:" // text:<network>
)

// columns are the columns Write writes, before the text:<network> ones.
var columns = []string{colDate, colTime, colTimezone, colNetworks, colText, colImages, colCampaign}

// required are the columns a file must have.
var required = []string{colDate, colTime, colNetworks, colText}

// maxImages is the most pictures one post may carry (Mastodon and Bluesky
// both take 4), as in /schedule.
const maxImages = 4

// CampaignFinder finds a campaign by name; crier.KPIStore is one.
type CampaignFinder interface {
	// Campaign returns the campaign named name; ENOTFOUND when there is none.
	Campaign(ctx context.Context, name string) (*crier.Campaign, error)
}

// Options say what Read checks rows against.
type Options struct {
	Now      time.Time      // a scheduled row must be after it
	Location *time.Location // the timezone of a row whose timezone is empty; nil means UTC
	// Networks are the networks' names, in bot.yaml's order (required).
	Networks []string
	// Check counts each network's text of a post whose networks are known
	// and refuses it, in words, when one is over its limit
	// (publish.Service.CheckPost); nil checks no limit.
	Check func(p *crier.Post) error
	// Campaigns finds the campaign a row names; nil refuses every campaign.
	Campaigns CampaignFinder
}

// RowError is what is wrong with one row, in one plain line.
type RowError struct {
	Line    int // the file's line the row starts on, 1-based (the header is line 1)
	Message string
}

// Error is "line 7: …".
func (e RowError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Message) }

// IsCalendar says whether data (a whole CSV file) is meant as a calendar:
// its first line names the networks and text columns, whatever separates
// them (so that Read can say what is wrong with a separator it does not
// read). A file in UTF-16 is not one.
func IsCalendar(data []byte) bool {
	data = bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF})
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		data = data[:i]
	}
	words := strings.FieldsFunc(strings.ToLower(string(data)), func(r rune) bool {
		return !unicode.IsLetter(r) && r != ':' && r != '_'
	})
	return slices.Contains(words, colNetworks) && slices.Contains(words, colText)
}

// Read reads the posts of a calendar file and checks every row against
// opts. The good rows' posts are returned, in file order, with every bad
// row's problems (by line) beside them. A scheduled post has Status
// scheduled and DueAt set; a draft has Status draft. err is a crier.Error
// when the file as a whole cannot be read (not UTF-8, no header, a missing
// column, a separator crier does not read), or the campaign store failing.
func Read(ctx context.Context, r io.Reader, opts Options) ([]*crier.Post, []RowError, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("read calendar: %w", err)
	}
	if data, err = csvfile.Text(data); err != nil {
		return nil, nil, err
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	cr := csvfile.NewReader(data)

	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, crier.Errorf(crier.EINVALID, "The file is empty; its first line must name the columns: %s.", strings.Join(columns, ","))
	}
	if err != nil {
		return nil, nil, crier.Errorf(crier.EINVALID, "line 1: %s; the first line must name the columns: %s.", csvfile.Problem(err), strings.Join(columns, ","))
	}
	col, variants, err := readHeader(header, opts.Networks)
	if err != nil {
		return nil, nil, err
	}

	rd := reader{opts: opts, col: col, variants: variants, campaigns: map[string]*crier.Campaign{}}
	var (
		posts []*crier.Post
		bad   []RowError
	)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, nil, fmt.Errorf("read calendar: %w", err)
			}
			bad = append(bad, RowError{Line: pe.StartLine, Message: csvfile.Problem(err) + "."})
			continue
		}
		line, _ := cr.FieldPos(0)
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue // a spreadsheet's empty row
		}
		if len(rec) != len(header) {
			bad = append(bad, RowError{Line: line, Message: fmt.Sprintf("this row has %d columns and the header has %d; check for a missing or extra %q, or put a text that has one in double quotes.",
				len(rec), len(header), string(cr.Comma))})
			continue
		}
		p, problems, err := rd.row(ctx, rec)
		if err != nil {
			return nil, nil, err
		}
		if len(problems) > 0 {
			for _, m := range problems {
				bad = append(bad, RowError{Line: line, Message: m})
			}
			continue
		}
		posts = append(posts, p)
	}
	slices.SortStableFunc(bad, func(a, b RowError) int { return a.Line - b.Line })
	return posts, bad, nil
}

// readHeader finds each column's position, and the networks of the
// text:<network> columns (network → position).
func readHeader(header []string, networks []string) (map[string]int, map[string]int, error) {
	if len(header) == 1 {
		h := strings.TrimSpace(header[0])
		for _, sep := range []string{"|", ":", " "} {
			if strings.Count(h, sep) >= len(required)-1 {
				return nil, nil, crier.Errorf(crier.EINVALID, "line 1: the columns are separated by %q, which crier does not read; save the file with commas (or semicolons) between the columns: %s.",
					sep, strings.Join(columns, ","))
			}
		}
	}
	col := map[string]int{}
	variants := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" {
			continue
		}
		if _, dup := col[h]; dup {
			return nil, nil, crier.Errorf(crier.EINVALID, "line 1: the column %s is there twice; keep one.", h)
		}
		col[h] = i
		if name, ok := strings.CutPrefix(h, variantCol); ok {
			name = strings.TrimSpace(name)
			known := knownNetwork(name, networks)
			if known == "" {
				return nil, nil, crier.Errorf(crier.EINVALID, "line 1: the column %s is for a network bot.yaml does not have: %s", h, unknownNetwork(name, networks))
			}
			variants[known] = i
		}
	}
	var missing []string
	for _, c := range required {
		if _, ok := col[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		what := missing[0] + " column"
		if len(missing) > 1 {
			what = strings.Join(missing, ", ") + " columns"
		}
		return nil, nil, crier.Errorf(crier.EINVALID, "line 1: the header has no %s; the first line must name the columns: %s (and text:<network> for a network's own text), in any order.",
			what, strings.Join(columns, ","))
	}
	return col, variants, nil
}

// reader reads the rows of one file.
type reader struct {
	opts      Options
	col       map[string]int
	variants  map[string]int
	campaigns map[string]*crier.Campaign // looked up so far; nil: there is none
}

// row reads one row into a post; problems say what is wrong with it. err is
// for the campaign store failing.
func (rd *reader) row(ctx context.Context, rec []string) (*crier.Post, []string, error) {
	field := func(name string) string {
		if i, ok := rd.col[name]; ok {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var problems []string
	fail := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	p := &crier.Post{Status: crier.PostDraft}

	date, clock := field(colDate), field(colTime)
	switch {
	case date == "" && clock == "":
		// A draft.
	case date == "":
		fail("the date is empty; write the day, like 2026-12-24, or leave the time empty too for a draft.")
	case clock == "":
		fail("the time is empty; write it like 09:00, or leave the date empty too for a draft.")
	default:
		due, msg := rd.when(date, clock, field(colTimezone))
		if msg != "" {
			fail("%s", msg)
		} else {
			p.DueAt, p.Status = due, crier.PostScheduled
		}
	}

	networksKnown := true
	if names := splitNetworks(field(colNetworks)); len(names) == 0 {
		p.Targets = slices.Clone(rd.opts.Networks)
	} else {
		for _, n := range names {
			known := knownNetwork(n, rd.opts.Networks)
			if known == "" {
				fail("%s", unknownNetwork(n, rd.opts.Networks))
				networksKnown = false
				continue
			}
			if !slices.Contains(p.Targets, known) {
				p.Targets = append(p.Targets, known)
			}
		}
	}

	p.Text = unguard(field(colText))
	if p.Text == "" {
		fail("the text is empty; write what to post.")
	}
	for _, n := range slices.Sorted(maps.Keys(rd.variants)) {
		v := unguard(strings.TrimSpace(rec[rd.variants[n]]))
		if v == "" {
			continue
		}
		if networksKnown && !slices.Contains(p.Targets, n) {
			fail("there is text in the text:%s column, but the post does not go to %s; add %s to its networks, or empty that cell.", n, n, n)
			networksKnown = false // the limits are checked once this is fixed
			continue
		}
		if p.Variants == nil {
			p.Variants = map[string]string{}
		}
		p.Variants[n] = v
	}

	images, msg := readImages(field(colImages))
	if msg != "" {
		fail("%s", msg)
	}
	p.Images = images

	if name := strings.ToLower(field(colCampaign)); name != "" {
		c, err := rd.campaign(ctx, name)
		switch {
		case err != nil:
			return nil, nil, err
		case c == nil:
			fail("there is no campaign named %s; make it with /campaign new %s, or see them with /campaign list.", name, name)
		case c.Closed:
			fail("campaign %s is closed; empty the campaign cell, or make a new campaign with /campaign new <name>.", c.Name)
		default:
			p.Campaign = c.Name
		}
	}

	// The limits, once the networks and the text are known (the
	// campaign's link tags count on some networks).
	if networksKnown && p.Text != "" && rd.opts.Check != nil {
		if err := rd.opts.Check(p); err != nil {
			fail("%s", lowerFirst(crier.ErrorMessage(err)))
		}
	}
	return p, problems, nil
}

// campaign looks name up once per file.
func (rd *reader) campaign(ctx context.Context, name string) (*crier.Campaign, error) {
	if c, seen := rd.campaigns[name]; seen {
		return c, nil
	}
	var c *crier.Campaign
	if rd.opts.Campaigns != nil {
		var err error
		c, err = rd.opts.Campaigns.Campaign(ctx, name)
		switch {
		case crier.ErrorCode(err) == crier.ENOTFOUND:
			c = nil
		case err != nil:
			return nil, fmt.Errorf("read calendar: campaign %s: %w", name, err)
		}
	}
	rd.campaigns[name] = c
	return c, nil
}

// when reads a row's date, time and timezone into an instant; msg says
// what is wrong instead.
func (rd *reader) when(date, clock, tz string) (time.Time, string) {
	loc := rd.opts.Location
	if tz != "" {
		l, err := time.LoadLocation(tz)
		if err != nil || strings.EqualFold(tz, "local") {
			return time.Time{}, fmt.Sprintf("%q is not a timezone crier knows; write its IANA name, like Europe/Lisbon or America/New_York, or leave it empty for %s.", tz, loc)
		}
		loc = l
	}
	day, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return time.Time{}, fmt.Sprintf("%q is not a date crier reads; write it as year-month-day, like 2026-12-24.", date)
	}
	h, m, sec, ok := parseClock(clock)
	if !ok {
		return time.Time{}, fmt.Sprintf("%q is not a time of day crier reads; write it like 09:00 or 17:30.", clock)
	}
	at, n := wallClock(day.Year(), day.Month(), day.Day(), h, m, sec, loc)
	wall := fmt.Sprintf("%02d:%02d", h, m)
	switch n {
	case 0:
		return time.Time{}, fmt.Sprintf("%s does not exist on %s in %s (the clocks jump forward then); pick another time, like %02d:%02d.", wall, date, loc, (h+1)%24, m)
	case 2:
		return time.Time{}, fmt.Sprintf("%s happens twice on %s in %s (the clocks go back then); pick another time, or write it in UTC with the timezone UTC.", wall, date, loc)
	}
	if !at.After(rd.opts.Now) {
		return time.Time{}, fmt.Sprintf("%s %s in %s has passed; pick a later time, or leave the date and time empty for a draft.", date, wall, loc)
	}
	return at, ""
}

// wallClock is the instant at the wall clock y-mo-d h:m in loc, and how many
// instants show that wall clock there: 1, 0 in a gap (the clocks jump
// forward), 2 in a repeat (they go back; at is the earlier).
func wallClock(y int, mo time.Month, d, h, m, sec int, loc *time.Location) (at time.Time, n int) {
	naive := time.Date(y, mo, d, h, m, sec, 0, time.UTC)
	var found []time.Time
	for _, probe := range []time.Time{naive.Add(-36 * time.Hour), naive.Add(36 * time.Hour)} {
		_, off := probe.In(loc).Zone()
		cand := naive.Add(-time.Duration(off) * time.Second)
		w := cand.In(loc)
		if w.Year() == y && w.Month() == mo && w.Day() == d && w.Hour() == h && w.Minute() == m && w.Second() == sec && !slices.ContainsFunc(found, cand.Equal) {
			found = append(found, cand)
		}
	}
	if len(found) == 0 {
		return time.Time{}, 0
	}
	slices.SortFunc(found, func(a, b time.Time) int { return a.Compare(b) })
	return found[0], len(found)
}

// parseClock reads a time of day: 09:00, 9:00, 09:00:30, 9am, 2:30 PM.
func parseClock(s string) (h, m, sec int, ok bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	for _, layout := range []string{"15:04", "15:04:05", "3:04PM", "3:04 PM", "3PM", "3 PM"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Hour(), t.Minute(), t.Second(), true
		}
	}
	return 0, 0, 0, false
}

// splitNetworks splits a networks cell at spaces, commas and semicolons.
func splitNetworks(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == ',' || r == ';' })
}

// knownNetwork is the name in networks that name is (in any case), or "".
func knownNetwork(name string, networks []string) string {
	for _, n := range networks {
		if strings.EqualFold(n, name) {
			return n
		}
	}
	return ""
}

// unknownNetwork says name is no network, suggesting the closest.
func unknownNetwork(name string, networks []string) string {
	if best := crier.Closest(name, networks); best != "" {
		return fmt.Sprintf("there is no network called %q; did you mean %s? Known: %s.", name, best, strings.Join(networks, ", "))
	}
	return fmt.Sprintf("there is no network called %q. Known: %s.", name, strings.Join(networks, ", "))
}

// readImages reads an images cell: "url|description" separated by spaces;
// each word that starts with http:// or https:// starts a new picture.
func readImages(s string) ([]crier.Image, string) {
	var parts []string
	for _, w := range strings.Fields(s) {
		lw := strings.ToLower(w)
		if len(parts) == 0 || strings.HasPrefix(lw, "http://") || strings.HasPrefix(lw, "https://") {
			parts = append(parts, w)
			continue
		}
		parts[len(parts)-1] += " " + w
	}
	var images []crier.Image
	for _, part := range parts {
		link, alt, _ := strings.Cut(part, "|")
		link, alt = strings.TrimSpace(link), strings.TrimSpace(alt)
		u, err := url.Parse(link)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Sprintf("%q is not a web address of a picture; write each picture as https://example.com/photo.jpg|A red bicycle, separated by spaces.", clip(link, 60))
		}
		images = append(images, crier.Image{URL: link, Alt: alt})
	}
	if len(images) > maxImages {
		return nil, fmt.Sprintf("a post can carry at most %d pictures; this one has %d. Remove %d.", maxImages, len(images), len(images)-maxImages)
	}
	return images, ""
}

// Write writes posts as a calendar file: the header, then one row per post
// with its time in loc (nil means UTC), and a text:<network> column for
// each network any post has its own text for. A time that loc shows twice
// (the hour the clocks go back) is written in UTC, so reading the file
// gives the same instant. The file starts with a UTF-8 byte order mark, so
// that Excel opens it as UTF-8 (Read skips it).
func Write(w io.Writer, posts []*crier.Post, loc *time.Location) error {
	if loc == nil {
		loc = time.UTC
	}
	var own []string
	for _, p := range posts {
		for n, v := range p.Variants {
			if v != "" && !slices.Contains(own, n) {
				own = append(own, n)
			}
		}
	}
	slices.Sort(own)
	header := slices.Clone(columns)
	for _, n := range own {
		header = append(header, variantCol+n)
	}
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return fmt.Errorf("write calendar: %w", err)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("write calendar: %w", err)
	}
	for _, p := range posts {
		var date, clock, tz string
		if p.Status != crier.PostDraft && !p.DueAt.IsZero() {
			at := p.DueAt.In(loc)
			if _, n := wallClock(at.Year(), at.Month(), at.Day(), at.Hour(), at.Minute(), at.Second(), loc); n != 1 {
				at = p.DueAt.UTC() // the hour that happens twice
			}
			date, clock, tz = at.Format(time.DateOnly), at.Format("15:04"), at.Location().String()
			if at.Second() != 0 {
				clock = at.Format("15:04:05")
			}
		}
		var images []string
		for _, im := range p.Images {
			s := im.URL
			if im.Alt != "" {
				s += "|" + im.Alt
			}
			images = append(images, s)
		}
		rec := []string{date, clock, tz, strings.Join(p.Targets, " "), guard(p.Text), strings.Join(images, " "), p.Campaign}
		for _, n := range own {
			rec = append(rec, guard(p.Variants[n]))
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write calendar: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write calendar: %w", err)
	}
	return nil
}

// formulaStart are the first characters that make a spreadsheet read a
// cell as a formula (OWASP's "CSV injection"): a post's text starting with
// one ("@ana thanks!", "=)") would be run, or shown as #NAME?, by whoever
// opens the export.
const formulaStart = "=+-@\t\r"

// guard makes text that a spreadsheet would read as a formula plain text,
// with an apostrophe before it (as a person types it in a spreadsheet).
// Whether a text is guarded looks past the apostrophes it starts with, so
// that unguard gives every text back as it was ("'=)" is written "”=)").
func guard(text string) string {
	if formulaLike(text) {
		return "'" + text
	}
	return text
}

// unguard takes back guard's apostrophe. A spreadsheet that kept it wrote
// "'@ana"; one that hid it (or a person) wrote "@ana", which stays.
func unguard(text string) string {
	if strings.HasPrefix(text, "'") && formulaLike(text) {
		return text[1:]
	}
	return text
}

// formulaLike reports whether text, past any apostrophes it starts with,
// starts with a formula character.
func formulaLike(text string) bool {
	t := strings.TrimLeft(text, "'")
	return t != "" && strings.ContainsRune(formulaStart, rune(t[0]))
}

// lowerFirst lower-cases the first letter of a sentence that follows "line N: ".
func lowerFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError || !unicode.IsUpper(r) {
		return s
	}
	return string(unicode.ToLower(r)) + s[size:]
}

// clip shortens s to n runes.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
