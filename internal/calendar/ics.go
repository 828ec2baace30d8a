// Package calendar renders crier's plan as an iCalendar feed (RFC 5545) that
// Google Calendar, Outlook and Apple Calendar subscribe to, and serves it at
// GET /calendar.ics?token=….
package calendar

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/crier-bot/crier/internal/crier"
)

// ICSOptions say what a feed is called and when it is made.
type ICSOptions struct {
	// Installation is the database's installation id: it makes each
	// post's UID unique to this crier, and stable across fetches.
	Installation string
	// Name is the calendar's name in the person's app; "crier" when empty.
	Name string
	// Now is the DTSTAMP of every event: when the feed was made.
	Now time.Time
}

// EventDuration is how long a post's event lasts: calendar apps show a
// zero-length event badly, and a quarter of an hour is readable.
const EventDuration = 15 * time.Minute

// summaryRunes caps an event's title; the whole text is in its description.
const summaryRunes = 100

// UID is the stable UID of post id's event in installation's feed.
func UID(installation string, id int64) string {
	return fmt.Sprintf("crier-%s-post-%d@crier", installation, id)
}

// ICS renders posts as an iCalendar object: one VEVENT per post that has a
// time (drafts have none and are left out), in UTC, with lines folded at 75
// octets and ended by CRLF.
func ICS(posts []*crier.Post, opts ICSOptions) []byte {
	name := opts.Name
	if name == "" {
		name = "crier"
	}
	stamp := utcStamp(opts.Now)
	var w icsWriter
	w.line("BEGIN:VCALENDAR")
	w.line("VERSION:2.0")
	w.line("PRODID:-//crier//crier content calendar//EN")
	w.line("CALSCALE:GREGORIAN")
	w.line("METHOD:PUBLISH")
	w.line("X-WR-CALNAME:" + escapeText(name))
	// Hints for how often to fetch again (RFC 7986 and the older X- one
	// Outlook reads); apps are free to poll less often.
	w.line("REFRESH-INTERVAL;VALUE=DURATION:PT1H")
	w.line("X-PUBLISHED-TTL:PT1H")
	sorted := slices.Clone(posts)
	slices.SortStableFunc(sorted, func(a, b *crier.Post) int {
		if c := a.DueAt.Compare(b.DueAt); c != 0 {
			return c
		}
		return cmpInt(a.ID, b.ID)
	})
	for _, p := range sorted {
		if p == nil || p.DueAt.IsZero() {
			continue
		}
		w.line("BEGIN:VEVENT")
		w.line("UID:" + UID(opts.Installation, p.ID))
		w.line("DTSTAMP:" + stamp)
		if !p.CreatedAt.IsZero() {
			w.line("CREATED:" + utcStamp(p.CreatedAt))
		}
		if !p.UpdatedAt.IsZero() {
			w.line("LAST-MODIFIED:" + utcStamp(p.UpdatedAt))
		}
		w.line("DTSTART:" + utcStamp(p.DueAt))
		w.line("DURATION:PT" + strconv.Itoa(int(EventDuration/time.Minute)) + "M")
		w.line("SUMMARY:" + escapeText(summary(p)))
		w.line("DESCRIPTION:" + escapeText(description(p)))
		w.line("SEQUENCE:" + strconv.Itoa(max(p.Sequence, 0)))
		w.line("STATUS:" + eventStatus(p))
		// A post takes no one's time: it never shows anyone as busy.
		w.line("TRANSP:TRANSPARENT")
		if len(p.Targets) > 0 {
			cats := make([]string, len(p.Targets))
			for i, t := range p.Targets {
				cats[i] = escapeText(t)
			}
			w.line("CATEGORIES:" + strings.Join(cats, ","))
		}
		w.line("END:VEVENT")
	}
	w.line("END:VCALENDAR")
	return w.buf.Bytes()
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// utcStamp is t as an RFC 5545 DATE-TIME in UTC ("20261123T090000Z").
func utcStamp(t time.Time) string {
	return t.UTC().Format("20060102T150405Z")
}

// eventStatus is the VEVENT STATUS of a post: a cancelled post is
// CANCELLED (apps strike it out or drop it), one that waits for an
// approver, was rejected or is a draft is TENTATIVE, any other CONFIRMED.
func eventStatus(p *crier.Post) string {
	switch {
	case p.Status == crier.PostCanceled:
		return "CANCELLED"
	case p.Status == crier.PostDraft || p.Held():
		return "TENTATIVE"
	}
	return "CONFIRMED"
}

// State is a post's state in words, as the calendar shows it.
func State(p *crier.Post) string {
	switch p.Status {
	case crier.PostCanceled:
		return "cancelled"
	case crier.PostDraft:
		return "draft"
	case crier.PostPublished:
		return "published"
	case crier.PostPartial:
		return "partly published"
	case crier.PostFailed:
		return "failed"
	}
	for _, d := range p.Deliveries {
		if d.Status == crier.DeliveryMaybe {
			return "maybe published (check and confirm)"
		}
	}
	switch p.Approval {
	case crier.ApprovalAwaiting:
		return "awaiting approval"
	case crier.ApprovalRejected:
		return "rejected"
	}
	return "scheduled"
}

// summary is the event's title: the first line of the post's text that has
// words, cut at summaryRunes.
func summary(p *crier.Post) string {
	for l := range strings.Lines(p.Text) {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if utf8.RuneCountInString(l) > summaryRunes {
			r := []rune(l)
			l = strings.TrimRightFunc(string(r[:summaryRunes-1]), unicode.IsSpace) + "…"
		}
		return l
	}
	return fmt.Sprintf("Post #%d", p.ID)
}

// description is the event's body: the post's number, state, author and
// campaign, its networks, its text (each network's own when they differ)
// and the addresses it was published at.
func description(p *crier.Post) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Post #%d · %s", p.ID, State(p))
	if p.AuthorName != "" {
		fmt.Fprintf(&b, " · by %s", p.AuthorName)
	}
	if p.Campaign != "" {
		fmt.Fprintf(&b, " · campaign %s", p.Campaign)
	}
	b.WriteString("\n")
	if len(p.Targets) > 0 {
		fmt.Fprintf(&b, "Networks: %s\n", strings.Join(p.Targets, ", "))
	}
	same := true
	for _, t := range p.Targets {
		if p.TextFor(t) != p.Text {
			same = false
		}
	}
	if same {
		b.WriteString("\n" + p.Text + "\n")
	} else {
		for _, t := range p.Targets {
			fmt.Fprintf(&b, "\n%s:\n%s\n", t, p.TextFor(t))
		}
	}
	for _, d := range p.Deliveries {
		if d.URL != "" {
			fmt.Fprintf(&b, "\n%s: %s", d.Target, d.URL)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// escapeText escapes a TEXT value (RFC 5545 3.3.11): backslash, semicolon,
// comma and line breaks; other control characters, which TEXT cannot hold,
// are dropped, and invalid UTF-8 becomes U+FFFD.
func escapeText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == ';':
			b.WriteString(`\;`)
		case r == ',':
			b.WriteString(`\,`)
		case r == '\n' || r == '\r':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			// CONTROL characters are not TEXT.
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// icsWriter writes content lines, folded and CRLF-ended.
type icsWriter struct {
	buf bytes.Buffer
}

// maxLineOctets is RFC 5545 3.1's limit on a line, CRLF excluded.
const maxLineOctets = 75

// line writes one content line folded (RFC 5545 3.1): no physical line is
// longer than 75 octets; a continuation starts with a space, which counts;
// a fold never splits a UTF-8 sequence, nor an escape (a backslash and the
// character after it), which some readers take apart.
func (w *icsWriter) line(s string) {
	limit := maxLineOctets
	for len(s) > limit {
		cut := 0
		for i := 0; i < len(s); {
			n := 1
			if s[i] == '\\' && i+1 < len(s) {
				n = 2
			} else if s[i] >= utf8.RuneSelf {
				_, n = utf8.DecodeRuneInString(s[i:])
			}
			if i+n > limit {
				break
			}
			i += n
			cut = i
		}
		w.buf.WriteString(s[:cut])
		w.buf.WriteString("\r\n ")
		s = s[cut:]
		limit = maxLineOctets - 1
	}
	w.buf.WriteString(s)
	w.buf.WriteString("\r\n")
}
