package calendar_test

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"
	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/internal/calendar"
	"github.com/crier-bot/crier/internal/crier"
)

var now = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// parse reads an ICS body back with an ICS library (arran4/golang-ical),
// as a calendar app would.
func parse(t *testing.T, body []byte) *ics.Calendar {
	t.Helper()
	cal, err := ics.ParseCalendar(bytes.NewReader(body))
	require.NoError(t, err)
	return cal
}

// events maps each event's UID to the event.
func events(t *testing.T, cal *ics.Calendar) map[string]*ics.VEvent {
	t.Helper()
	m := map[string]*ics.VEvent{}
	for _, e := range cal.Events() {
		_, dup := m[e.Id()]
		require.False(t, dup, "UID %s twice", e.Id())
		m[e.Id()] = e
	}
	return m
}

func prop(t *testing.T, e *ics.VEvent, p ics.ComponentProperty) string {
	t.Helper()
	v := e.GetProperty(p)
	require.NotNil(t, v, "%s missing", p)
	return v.Value
}

// text is a TEXT property's value, unescaped.
func text(t *testing.T, e *ics.VEvent, p ics.ComponentProperty) string {
	t.Helper()
	return ics.FromText(prop(t, e, p))
}

// physicalLines checks the framing every line must have (CRLF ends, at most
// 75 octets, whole UTF-8 sequences) and returns the lines.
func physicalLines(t *testing.T, body []byte) []string {
	t.Helper()
	require.True(t, bytes.HasSuffix(body, []byte("\r\n")), "the last line ends with CRLF")
	lines := strings.Split(strings.TrimSuffix(string(body), "\r\n"), "\r\n")
	for i, l := range lines {
		require.NotContains(t, l, "\n", "line %d: a bare LF", i+1)
		require.NotContains(t, l, "\r", "line %d: a bare CR", i+1)
		require.LessOrEqual(t, len(l), 75, "line %d is %d octets: %q", i+1, len(l), l)
		require.True(t, utf8.ValidString(l), "line %d splits a UTF-8 sequence: %q", i+1, l)
	}
	return lines
}

func TestICSHasOneEventPerPostWithATimeInUTC(t *testing.T) {
	t.Parallel()
	lisbon, err := time.LoadLocation("Europe/Lisbon")
	require.NoError(t, err)
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	require.NoError(t, err)
	scheduled := &crier.Post{ID: 7, Text: "Launch day, finally; read it \\ share it\nSecond line", Status: crier.PostScheduled,
		DueAt: time.Date(2026, 12, 1, 9, 30, 0, 0, lisbon), Targets: []string{"mastodon", "bluesky"}, Sequence: 3,
		AuthorName: "ana", Campaign: "launch", Variants: map[string]string{"bluesky": "Launch day on Bluesky"}}
	awaiting := &crier.Post{ID: 8, Text: "Needs a yes", Status: crier.PostScheduled, Approval: crier.ApprovalAwaiting,
		DueAt: time.Date(2026, 12, 2, 9, 0, 0, 0, tokyo), Targets: []string{"mastodon"}}
	cancelled := &crier.Post{ID: 9, Text: "Not any more", Status: crier.PostCanceled, Sequence: 5,
		DueAt: now.Add(48 * time.Hour), Targets: []string{"mastodon"}}
	published := &crier.Post{ID: 10, Text: "Out", Status: crier.PostPublished, DueAt: now.Add(-time.Hour), Targets: []string{"mastodon"},
		Deliveries: []crier.Delivery{{Target: "mastodon", Status: crier.DeliveryPublished, URL: "https://social.example/@crier/1"}}}
	draft := &crier.Post{ID: 11, Text: "Someday", Status: crier.PostDraft}

	body := calendar.ICS([]*crier.Post{scheduled, awaiting, cancelled, published, draft},
		calendar.ICSOptions{Installation: "abc123", Name: "Team, plan", Now: now})
	physicalLines(t, body)
	cal := parse(t, body)
	require.Equal(t, "2.0", cal.CalendarProperties[indexOf(t, cal, ics.PropertyVersion)].Value)
	require.Equal(t, "Team, plan", ics.FromText(cal.CalendarProperties[indexOf(t, cal, ics.PropertyXWRCalName)].Value))
	indexOf(t, cal, ics.PropertyProductId)
	indexOf(t, cal, ics.PropertyCalscale)

	evs := events(t, cal)
	require.Len(t, evs, 4, "the draft has no time and is left out")
	for _, p := range []*crier.Post{scheduled, awaiting, cancelled, published} {
		uid := calendar.UID("abc123", p.ID)
		require.Regexp(t, `^crier-abc123-post-\d+@crier$`, uid)
		e, ok := evs[uid]
		require.True(t, ok, "post %d has event %s", p.ID, uid)
		start := prop(t, e, ics.ComponentPropertyDtStart)
		require.Equal(t, p.DueAt.UTC().Format("20060102T150405Z"), start, "post %d starts in UTC", p.ID)
		got, err := e.GetStartAt()
		require.NoError(t, err)
		require.True(t, got.Equal(p.DueAt), "post %d: %s, want %s", p.ID, got, p.DueAt)
		require.Equal(t, now.Format("20060102T150405Z"), prop(t, e, ics.ComponentPropertyDtstamp))
		require.Equal(t, "PT15M", prop(t, e, ics.ComponentPropertyDuration))
		require.Equal(t, strconv.Itoa(p.Sequence), prop(t, e, ics.ComponentPropertySequence))
	}

	e := evs[calendar.UID("abc123", 7)]
	require.Equal(t, "Launch day, finally; read it \\ share it", text(t, e, ics.ComponentPropertySummary), "the first line, unescaped")
	desc := text(t, e, ics.ComponentPropertyDescription)
	require.Contains(t, desc, "Post #7 · scheduled · by ana · campaign launch")
	require.Contains(t, desc, "mastodon:\nLaunch day, finally; read it \\ share it\nSecond line", "each network's own text")
	require.Contains(t, desc, "bluesky:\nLaunch day on Bluesky")
	require.Equal(t, "CONFIRMED", prop(t, e, ics.ComponentPropertyStatus))
	require.Equal(t, "mastodon,bluesky", prop(t, e, ics.ComponentPropertyCategories))
	require.Equal(t, "TRANSPARENT", prop(t, e, ics.ComponentPropertyTransp), "a post makes nobody busy")

	require.Equal(t, "TENTATIVE", prop(t, evs[calendar.UID("abc123", 8)], ics.ComponentPropertyStatus), "awaiting approval")
	require.Contains(t, text(t, evs[calendar.UID("abc123", 8)], ics.ComponentPropertyDescription), "awaiting approval")
	require.Equal(t, "CANCELLED", prop(t, evs[calendar.UID("abc123", 9)], ics.ComponentPropertyStatus))
	pub := text(t, evs[calendar.UID("abc123", 10)], ics.ComponentPropertyDescription)
	require.Contains(t, pub, "published")
	require.Contains(t, pub, "mastodon: https://social.example/@crier/1")
}

func indexOf(t *testing.T, cal *ics.Calendar, p ics.Property) int {
	t.Helper()
	for i, cp := range cal.CalendarProperties {
		if cp.IANAToken == string(p) {
			return i
		}
	}
	require.Failf(t, "calendar property missing", "%s", p)
	return -1
}

func TestICSFoldsLongLinesWithoutSplittingCharacters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
	}{
		{"plain ASCII longer than a line", strings.Repeat("Launch day is here and it is big. ", 12)},
		{"two-byte letters", strings.Repeat("Lançamento às três horas, não é? ", 10)},
		{"emoji of four bytes", strings.Repeat("🚀🎉", 40)},
		{"emoji with joiners and skin tones", strings.Repeat("👩🏽‍💻 team ", 20)},
		{"escapes at every position", strings.Repeat(",;\\\n", 50)},
		{"CJK three-byte runes", strings.Repeat("今日は発売日です。", 15)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := &crier.Post{ID: 1, Text: tt.text, Status: crier.PostScheduled, DueAt: now.Add(time.Hour), Targets: []string{"mastodon"}}
			body := calendar.ICS([]*crier.Post{p}, calendar.ICSOptions{Installation: "abc123", Now: now})
			lines := physicalLines(t, body)
			folded := 0
			for _, l := range lines {
				if strings.HasPrefix(l, " ") {
					folded++
				}
			}
			require.Positive(t, folded, "a text this long is folded")
			e := events(t, parse(t, body))[calendar.UID("abc123", 1)]
			require.NotNil(t, e)
			desc := text(t, e, ics.ComponentPropertyDescription)
			require.True(t, strings.HasSuffix(desc, "\n\n"+strings.TrimRight(tt.text, "\n")), "the text comes back whole:\n%q", desc)
		})
	}
}

func TestICSTextIsEscaped(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text, wantRaw, wantBack string
	}{
		{"a comma is escaped", "a, b", `a\, b`, "a, b"},
		{"a semicolon is escaped", "a; b", `a\; b`, "a; b"},
		{"a backslash is escaped", `C:\tmp`, `C:\\tmp`, `C:\tmp`},
		{"CRLF inside the text is one line break", "one\r\ntwo", `one\ntwo`, "one\ntwo"},
		{"control characters TEXT cannot hold are dropped", "bell\a here", "bell here", "bell here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := &crier.Post{ID: 1, Text: tt.text, Status: crier.PostScheduled, DueAt: now, Targets: []string{"x"}}
			body := calendar.ICS([]*crier.Post{p}, calendar.ICSOptions{Installation: "i", Now: now})
			physicalLines(t, body)
			first, _, _ := strings.Cut(tt.wantRaw, `\n`)
			require.Contains(t, string(body), "\r\nSUMMARY:"+first+"\r\n")
			e := events(t, parse(t, body))[calendar.UID("i", 1)]
			require.True(t, strings.HasSuffix(text(t, e, ics.ComponentPropertyDescription), tt.wantBack))
		})
	}
}

func TestICSOfNoPostsIsAnEmptyCalendar(t *testing.T) {
	t.Parallel()
	body := calendar.ICS(nil, calendar.ICSOptions{Installation: "i", Now: now})
	physicalLines(t, body)
	cal := parse(t, body)
	require.Empty(t, cal.Events())
	require.Equal(t, "crier", ics.FromText(cal.CalendarProperties[indexOf(t, cal, ics.PropertyXWRCalName)].Value))
}
