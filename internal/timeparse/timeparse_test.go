package timeparse

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/olebedev/when/rules"

	"github.com/crier-bot/crier/internal/crier"
)

// setup returns a parser with default options, Europe/Bucharest and the
// "now" of the examples: Monday 23 November 2026, 10:00 local (EET, +02:00).
func setup(t testing.TB) (*Parser, *time.Location, time.Time) {
	t.Helper()
	loc := mustLoc(t, "Europe/Bucharest")
	return New(Options{}), loc, time.Date(2026, 11, 23, 10, 0, 0, 0, loc)
}

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("parse %s: %v", s, err)
	}
	return tm
}

// checkInstant fails unless got is the instant want (RFC3339), in loc, with
// the offset of want.
func checkInstant(t *testing.T, phrase string, got time.Time, err error, loc *time.Location, want string) {
	t.Helper()
	if err != nil {
		t.Fatalf("Parse(%q): %v", phrase, err)
	}
	w := mustTime(t, want)
	if !got.Equal(w) {
		t.Fatalf("Parse(%q) = %s, want %s", phrase, got.Format(time.RFC3339), want)
	}
	_, gotOff := got.Zone()
	_, wantOff := w.Zone()
	if gotOff != wantOff {
		t.Errorf("Parse(%q) offset = %ds, want %ds (%s)", phrase, gotOff, wantOff, got.Format(time.RFC3339))
	}
	if got.Location() != loc {
		t.Errorf("Parse(%q) location = %s, want %s", phrase, got.Location(), loc)
	}
}

// personError fails unless err is a one-line *crier.Error for a person,
// and returns its message.
func personError(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		t.Fatal("err = nil, want an error")
	}
	var e *crier.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %T %v, want *crier.Error", err, err)
	}
	if e.Code != crier.EINVALID {
		t.Errorf("code = %q, want %q", e.Code, crier.EINVALID)
	}
	if e.Message == "" || strings.ContainsAny(e.Message, "\n\r") {
		t.Errorf("message %q is not one non-empty line", e.Message)
	}
	return e.Message
}

func TestParse_examples(t *testing.T) {
	t.Parallel()
	p, loc, now := setup(t)
	tests := []struct {
		name   string
		phrase string
		want   string
	}{
		{"tomorrow with an am time is that time tomorrow", "tomorrow 9am", "2026-11-24T09:00:00+02:00"},
		{"tomorrow at a bare hour reads the hour on the 24-hour clock", "tomorrow at 9", "2026-11-24T09:00:00+02:00"},
		{"next friday is the coming friday", "next friday at 3pm", "2026-11-27T15:00:00+02:00"},
		{"in hours is absolute time from now", "in 2 hours", "2026-11-23T12:00:00+02:00"},
		{"durations add up", "in 2 hours and 30 minutes", "2026-11-23T12:30:00+02:00"},
		{"in a month is the same day and time next month", "in 1 month", "2026-12-23T10:00:00+02:00"},
		{"day month and time", "24 dec 10:00", "2026-12-24T10:00:00+02:00"},
		{"a month day already past this year is next year", "jan 5 9am", "2027-01-05T09:00:00+02:00"},
		{"a bare time already past today is tomorrow", "9am", "2026-11-24T09:00:00+02:00"},
		{"12am is midnight at the start of the day", "12am", "2026-11-24T00:00:00+02:00"},
		{"an ISO date and time", "2026-12-24 10:00", "2026-12-24T10:00:00+02:00"},
		{"a zone suffix means the wall clock is in that zone", "friday 3pm UTC", "2026-11-27T17:00:00+02:00"},
		{"Portuguese tomorrow at 9h", "amanhã às 9h", "2026-11-24T09:00:00+02:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := p.Parse(tt.phrase, loc, now)
			checkInstant(t, tt.phrase, got, err, loc, tt.want)
		})
	}
}

func TestParse_exampleErrors(t *testing.T) {
	t.Parallel()
	p, loc, now := setup(t)
	tests := []struct {
		name   string
		phrase string
		want   string
	}{
		{"yesterday is in the past and the message shows when it was", "yesterday 9am",
			`"yesterday 9am" is in the past (Sun 22 Nov 09:00 EET). Try a time from now on, like "tomorrow 9am".`},
		{"words that are not a time get examples to type", "hello world",
			`I couldn't find a time in "hello world". Try "tomorrow 9am", "friday 3pm", "in 2 hours" or "2026-12-24 10:00".`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := p.Parse(tt.phrase, loc, now)
			if msg := personError(t, err); msg != tt.want {
				t.Errorf("message = %q\nwant      %q", msg, tt.want)
			}
			if !got.IsZero() {
				t.Errorf("time = %s, want the zero time with an error", got)
			}
		})
	}
}

func TestParse_more(t *testing.T) {
	t.Parallel()
	p, loc, now := setup(t)
	tests := []struct {
		name   string
		phrase string
		want   string
	}{
		// Days without a time are 09:00.
		{"tomorrow alone is 9am tomorrow", "tomorrow", "2026-11-24T09:00:00+02:00"},
		{"a weekday alone is 9am that day", "friday", "2026-11-27T09:00:00+02:00"},
		{"a date alone is 9am that day", "24 dec", "2026-12-24T09:00:00+02:00"},
		{"an ISO date alone is 9am that day", "2026-12-24", "2026-12-24T09:00:00+02:00"},
		{"tomorrow morning is 9am", "tomorrow morning", "2026-11-24T09:00:00+02:00"},
		{"friday afternoon is 3pm", "friday afternoon", "2026-11-27T15:00:00+02:00"},
		{"this evening is 6pm today", "this evening", "2026-11-23T18:00:00+02:00"},
		{"tonight is 8pm today", "tonight", "2026-11-23T20:00:00+02:00"},
		{"tonight at 9 is 9pm", "tonight at 9", "2026-11-23T21:00:00+02:00"},
		{"today with a time ahead is today", "today 5pm", "2026-11-23T17:00:00+02:00"},
		{"the day after tomorrow", "day after tomorrow 8:30", "2026-11-25T08:30:00+02:00"},

		// Times of day.
		{"noon alone is the coming noon", "noon", "2026-11-23T12:00:00+02:00"},
		{"noon with a day", "friday noon", "2026-11-27T12:00:00+02:00"},
		{"midnight alone is the coming 00:00", "midnight", "2026-11-24T00:00:00+02:00"},
		{"midnight with a day ends that day", "friday midnight", "2026-11-28T00:00:00+02:00"},
		{"12pm is noon", "12pm", "2026-11-23T12:00:00+02:00"},
		{"a time still ahead today is today", "5:30pm", "2026-11-23T17:30:00+02:00"},
		{"a 24-hour time", "21:15", "2026-11-23T21:15:00+02:00"},
		{"dotted meridiem", "9:30 p.m.", "2026-11-23T21:30:00+02:00"},
		{"an o'clock hour", "tomorrow 9 o'clock", "2026-11-24T09:00:00+02:00"},
		{"the current minute is not in the past", "10:00", "2026-11-23T10:00:00+02:00"},
		{"filler words are fine", "on friday at 3pm", "2026-11-27T15:00:00+02:00"},
		{"a comma is fine", "friday, 3pm", "2026-11-27T15:00:00+02:00"},
		{"upper case is fine", "TOMORROW 9AM", "2026-11-24T09:00:00+02:00"},
		{"a trailing full stop is fine", "tomorrow 9am.", "2026-11-24T09:00:00+02:00"},

		// Weekdays.
		{"this friday is the coming friday", "this friday", "2026-11-27T09:00:00+02:00"},
		{"a bare weekday is today when the time is still ahead", "monday 11am", "2026-11-23T11:00:00+02:00"},
		{"a bare weekday is next week when the time has passed", "monday 9am", "2026-11-30T09:00:00+02:00"},
		{"next with today's weekday is a week from today", "next monday 11am", "2026-11-30T11:00:00+02:00"},
		{"a short weekday", "fri 3pm", "2026-11-27T15:00:00+02:00"},
		{"a weekday next to the right date", "Fri 27 Nov 15:00", "2026-11-27T15:00:00+02:00"},
		{"what Human prints reads back", "Tue 5 Jan 2027 09:00 EET", "2027-01-05T09:00:00+02:00"},

		// Dates.
		{"an ordinal date", "december 24th 10am", "2026-12-24T10:00:00+02:00"},
		{"a date with a year", "24 dec 2026 10:00", "2026-12-24T10:00:00+02:00"},
		{"a date today with the time ahead is today", "23 nov 5pm", "2026-11-23T17:00:00+02:00"},
		{"ISO with T", "2026-12-24T10:00", "2026-12-24T10:00:00+02:00"},
		{"full RFC3339 keeps its offset", "2026-12-24T10:00:00Z", "2026-12-24T12:00:00+02:00"},
		{"RFC3339 with a numeric offset", "2026-12-24T10:00:00+03:00", "2026-12-24T09:00:00+02:00"},
		{"ISO seconds are zeroed", "2026-12-24 10:00:59", "2026-12-24T10:00:00+02:00"},
		{"a day of the month ahead is this month", "the 30th at 10am", "2026-11-30T10:00:00+02:00"},
		{"a day of the month past is next month", "the 5th", "2026-12-05T09:00:00+02:00"},
		{"a dotted date with a year", "24.12.2026 10:00", "2026-12-24T10:00:00+02:00"},

		// Relative.
		{"in days keeps the time of day", "in 3 days", "2026-11-26T10:00:00+02:00"},
		{"in days with a time", "in 3 days at 5pm", "2026-11-26T17:00:00+02:00"},
		{"next week is seven days from now", "next week", "2026-11-30T10:00:00+02:00"},
		{"in a week", "in a week", "2026-11-30T10:00:00+02:00"},
		{"in an hour", "in an hour", "2026-11-23T11:00:00+02:00"},
		{"in half an hour", "in half an hour", "2026-11-23T10:30:00+02:00"},
		{"short units", "in 1h30m", "2026-11-23T11:30:00+02:00"},
		{"decimal hours", "in 1.5 hours", "2026-11-23T11:30:00+02:00"},
		{"from now", "2 hours from now", "2026-11-23T12:00:00+02:00"},
		{"within", "within 45 minutes", "2026-11-23T10:45:00+02:00"},
		{"in a year is within the limit", "in 1 year", "2027-11-23T10:00:00+02:00"},
		{"in 366 days is the limit", "in 366 days", "2027-11-24T10:00:00+02:00"},

		// Falls back to olebedev/when.
		{"an ordinal in words", "third of march", "2027-03-03T09:00:00+02:00"},
		{"a month and an ordinal in words", "march third at 10:00", "2027-03-03T10:00:00+02:00"},
		{"a Portuguese ordinal in words", "vigésimo dia de dezembro", "2026-12-20T09:00:00+02:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := p.Parse(tt.phrase, loc, now)
			checkInstant(t, tt.phrase, got, err, loc, tt.want)
		})
	}
}

func TestParse_portuguese(t *testing.T) {
	t.Parallel()
	p, loc, now := setup(t)
	tests := []struct {
		name   string
		phrase string
		want   string
	}{
		{"daqui a is in", "daqui a 2 horas", "2026-11-23T12:00:00+02:00"},
		{"em is in", "em 2 horas", "2026-11-23T12:00:00+02:00"},
		{"em with minutes", "em 30 minutos", "2026-11-23T10:30:00+02:00"},
		{"em meia hora is half an hour", "em meia hora", "2026-11-23T10:30:00+02:00"},
		{"dentro de days", "dentro de 2 dias", "2026-11-25T10:00:00+02:00"},
		{"a weekday with às", "sexta às 15h", "2026-11-27T15:00:00+02:00"},
		{"amanhã with an h time", "amanhã 9h", "2026-11-24T09:00:00+02:00"},
		{"hoje with an h time", "hoje 18h", "2026-11-23T18:00:00+02:00"},
		{"without accents", "amanha as 9h", "2026-11-24T09:00:00+02:00"},
		{"hours and minutes with h", "amanhã às 9h30", "2026-11-24T09:30:00+02:00"},
		{"a long weekday", "sexta-feira às 10:00", "2026-11-27T10:00:00+02:00"},
		{"próxima weekday", "próxima terça às 14:00", "2026-11-24T14:00:00+02:00"},
		{"weekday que vem", "quarta que vem às 8h", "2026-11-25T08:00:00+02:00"},
		{"a date in words", "24 de dezembro às 10h", "2026-12-24T10:00:00+02:00"},
		{"a date with a year", "5 de janeiro de 2027", "2027-01-05T09:00:00+02:00"},
		{"dia and a number", "dia 5 às 10h", "2026-12-05T10:00:00+02:00"},
		{"an hour in the afternoon", "3 da tarde", "2026-11-23T15:00:00+02:00"},
		{"a part of a day of the week", "na tarde de sexta", "2026-11-27T15:00:00+02:00"},
		{"amanhã de manhã", "amanhã de manhã", "2026-11-24T09:00:00+02:00"},
		{"hoje à noite", "hoje à noite", "2026-11-23T20:00:00+02:00"},
		{"meio-dia is noon", "amanhã ao meio-dia", "2026-11-24T12:00:00+02:00"},
		{"meia-noite is midnight", "meia-noite", "2026-11-24T00:00:00+02:00"},
		{"semana que vem", "semana que vem", "2026-11-30T10:00:00+02:00"},
		{"agora is now", "agora", "2026-11-23T10:00:00+02:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := p.Parse(tt.phrase, loc, now)
			checkInstant(t, tt.phrase, got, err, loc, tt.want)
		})
	}
}

func TestParse_now(t *testing.T) {
	t.Parallel()
	p, loc, _ := setup(t)
	now := time.Date(2026, 11, 23, 10, 0, 45, 123456789, loc)
	tests := []struct {
		name   string
		phrase string
		want   time.Time
	}{
		{"now is now truncated to the second", "now", time.Date(2026, 11, 23, 10, 0, 45, 0, loc)},
		{"right now is now", "right now", time.Date(2026, 11, 23, 10, 0, 45, 0, loc)},
		{"a few seconds ahead rounds down into the current minute", "in 10 seconds", time.Date(2026, 11, 23, 10, 0, 0, 0, loc)},
		{"the current minute is not in the past", "10am", time.Date(2026, 11, 23, 10, 0, 0, 0, loc)},
		{"in minutes zeroes the seconds", "in 5 min", time.Date(2026, 11, 23, 10, 5, 0, 0, loc)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := p.Parse(tt.phrase, loc, now)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.phrase, err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("Parse(%q) = %s, want %s", tt.phrase, got.Format(time.RFC3339Nano), tt.want.Format(time.RFC3339Nano))
			}
		})
	}
}

func TestParse_daylightSaving(t *testing.T) {
	t.Parallel()
	p := New(Options{})
	tests := []struct {
		name   string
		zone   string
		now    string
		phrase string
		want   string
	}{
		{"tomorrow keeps 9am local when Europe springs forward", "Europe/Bucharest", "2027-03-27T10:00:00+02:00", "tomorrow 9am", "2027-03-28T09:00:00+03:00"},
		{"24 hours is absolute when Europe springs forward", "Europe/Bucharest", "2027-03-27T10:00:00+02:00", "in 24 hours", "2027-03-28T11:00:00+03:00"},
		{"in a day keeps the wall clock when Europe springs forward", "Europe/Bucharest", "2027-03-27T10:00:00+02:00", "in 1 day", "2027-03-28T10:00:00+03:00"},
		{"a time the clocks skip moves forward by the jump in Europe", "Europe/Bucharest", "2027-03-27T10:00:00+02:00", "tomorrow 3:30am", "2027-03-28T04:30:00+03:00"},
		{"tomorrow keeps 9am local when Europe falls back", "Europe/Bucharest", "2026-10-24T10:00:00+03:00", "tomorrow 9am", "2026-10-25T09:00:00+02:00"},
		{"24 hours is absolute when Europe falls back", "Europe/Bucharest", "2026-10-24T10:00:00+03:00", "in 24 hours", "2026-10-25T09:00:00+02:00"},
		{"in a day keeps the wall clock when Europe falls back", "Europe/Bucharest", "2026-10-24T10:00:00+03:00", "in 1 day", "2026-10-25T10:00:00+02:00"},
		{"next week keeps the wall clock across the change", "Europe/Bucharest", "2026-10-20T10:00:00+03:00", "next week", "2026-10-27T10:00:00+02:00"},
		{"tomorrow keeps 9am local when the US springs forward", "America/New_York", "2027-03-13T10:00:00-05:00", "tomorrow 9am", "2027-03-14T09:00:00-04:00"},
		{"24 hours is absolute when the US springs forward", "America/New_York", "2027-03-13T10:00:00-05:00", "in 24 hours", "2027-03-14T11:00:00-04:00"},
		{"a time the clocks skip moves forward by the jump in the US", "America/New_York", "2027-03-13T10:00:00-05:00", "tomorrow 2:30am", "2027-03-14T03:30:00-04:00"},
		{"tomorrow keeps 9am local when the US falls back", "America/New_York", "2026-10-31T10:00:00-04:00", "tomorrow 9am", "2026-11-01T09:00:00-05:00"},
		{"24 hours is absolute when the US falls back", "America/New_York", "2026-10-31T10:00:00-04:00", "in 24 hours", "2026-11-01T09:00:00-05:00"},
		{"a time that happens twice is the first one", "America/New_York", "2026-10-31T10:00:00-04:00", "tomorrow 1:30am", "2026-11-01T01:30:00-04:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			loc := mustLoc(t, tt.zone)
			got, err := p.Parse(tt.phrase, loc, mustTime(t, tt.now).In(loc))
			checkInstant(t, tt.phrase, got, err, loc, tt.want)
		})
	}
}

func TestParse_calendarEdges(t *testing.T) {
	t.Parallel()
	p := New(Options{})
	loc := mustLoc(t, "Europe/Bucharest")
	tests := []struct {
		name   string
		now    string
		phrase string
		want   string
	}{
		{"a month from Jan 31 is the last day of February", "2027-01-31T10:00:00+02:00", "in 1 month", "2027-02-28T10:00:00+02:00"},
		{"a month from Jan 31 in a leap year is Feb 29", "2028-01-31T10:00:00+02:00", "in 1 month", "2028-02-29T10:00:00+02:00"},
		{"a month from Mar 31 is Apr 30", "2027-03-31T10:00:00+03:00", "in 1 month", "2027-04-30T10:00:00+03:00"},
		{"a year from a leap day is Feb 28", "2028-02-29T10:00:00+02:00", "in 1 year", "2029-02-28T10:00:00+02:00"},
		{"tomorrow from Feb 28 in a leap year is the leap day", "2028-02-28T10:00:00+02:00", "tomorrow 9am", "2028-02-29T09:00:00+02:00"},
		{"the leap day without a year is the next one", "2027-11-23T10:00:00+02:00", "29 feb", "2028-02-29T09:00:00+02:00"},
		{"an ISO leap day", "2027-11-23T10:00:00+02:00", "2028-02-29 12:00", "2028-02-29T12:00:00+02:00"},
		{"tomorrow on New Year's Eve is next year", "2026-12-31T10:00:00+02:00", "tomorrow 9am", "2027-01-01T09:00:00+02:00"},
		{"the 31st skips months without one", "2027-04-05T10:00:00+03:00", "the 31st", "2027-05-31T09:00:00+03:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := p.Parse(tt.phrase, loc, mustTime(t, tt.now).In(loc))
			checkInstant(t, tt.phrase, got, err, loc, tt.want)
		})
	}
}

func TestParse_dateOrder(t *testing.T) {
	t.Parallel()
	_, loc, now := setup(t)
	dmy, mdy := New(Options{DateOrder: DMY}), New(Options{DateOrder: MDY})
	tests := []struct {
		name   string
		p      *Parser
		phrase string
		want   string
	}{
		{"day first reads 03/04 as 3 April", dmy, "03/04", "2027-04-03T09:00:00+03:00"},
		{"month first reads 03/04 as March 4", mdy, "03/04", "2027-03-04T09:00:00+02:00"},
		{"day first with a year", dmy, "03/04/2027 10:00", "2027-04-03T10:00:00+03:00"},
		{"month first with a year", mdy, "03/04/2027 10:00", "2027-03-04T10:00:00+02:00"},
		{"day first with a short year", dmy, "24/12/26 10:00", "2026-12-24T10:00:00+02:00"},
		{"month first with a short year", mdy, "12/24/26 10:00", "2026-12-24T10:00:00+02:00"},
		{"day first this year", dmy, "24/12 10:00", "2026-12-24T10:00:00+02:00"},
		{"month first this year", mdy, "12/24 10:00", "2026-12-24T10:00:00+02:00"},
		{"the empty order is day first", New(Options{}), "03/04", "2027-04-03T09:00:00+03:00"},
		{"ISO ignores the order", mdy, "2026-12-03 10:00", "2026-12-03T10:00:00+02:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.p.Parse(tt.phrase, loc, now)
			checkInstant(t, tt.phrase, got, err, loc, tt.want)
		})
	}
}

func TestParse_swappedDate(t *testing.T) {
	t.Parallel()
	_, loc, now := setup(t)
	dmy, mdy := New(Options{DateOrder: DMY}), New(Options{DateOrder: MDY})
	tests := []struct {
		name   string
		p      *Parser
		phrase string
		want   string // the whole message, or a part of it for the no-time error
	}{
		{"month first under day first", dmy, "12/31 9am",
			`"12/31" is read as day/month here, and there is no month 31. Did you mean 31/12?`},
		{"month first under day first without a time", dmy, "12/31",
			`"12/31" is read as day/month here, and there is no month 31. Did you mean 31/12?`},
		{"the empty order is day first", New(Options{}), "10:00 12/25",
			`"12/25" is read as day/month here, and there is no month 25. Did you mean 25/12?`},
		{"day first under month first", mdy, "31/12",
			`"31/12" is read as month/day here, and there is no month 31. Did you mean 12/31?`},
		{"day first under month first with a time", mdy, "24/12 10:00",
			`"24/12" is read as month/day here, and there is no month 24. Did you mean 12/24?`},
		{"with a year", dmy, "12/31/2026 10:00",
			`"12/31/2026" is read as day/month/year here, and there is no month 31. Did you mean 31/12/2026?`},
		{"with a short year under month first", mdy, "31/12/26",
			`"31/12/26" is read as month/day/year here, and there is no month 31. Did you mean 12/31/26?`},
		{"dotted with a year", dmy, "12.31.2026",
			`"12.31.2026" is read as day.month.year here, and there is no month 31. Did you mean 31.12.2026?`},
		{"not a date either way round", dmy, "13/13", "I couldn't find a time"},
		{"not on the calendar the other way round", dmy, "02/30", "I couldn't find a time"},
		{"not a leap day the other way round", mdy, "29/02/2027", "I couldn't find a time"},
		{"the rest of the phrase must still be a time", dmy, "12/31 please", "I couldn't find a time"},
		{"a date fine in the configured order is not swapped", dmy, "31/02", "is not a date on the calendar"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.p.Parse(tt.phrase, loc, now)
			msg := personError(t, err)
			if strings.HasPrefix(tt.want, `"`) && msg != tt.want || !strings.Contains(msg, tt.want) {
				t.Errorf("message = %q\nwant      %q", msg, tt.want)
			}
			if !got.IsZero() {
				t.Errorf("time = %s, want the zero time with an error", got)
			}
			// ParseLeading gives the same error, with the post as the rest.
			_, phrase, rest, lerr := tt.p.ParseLeading(tt.phrase+" Sale", loc, now)
			if lmsg := personError(t, lerr); strings.HasPrefix(tt.want, `"`) && (lmsg != tt.want || phrase != tt.phrase || rest != "Sale") {
				t.Errorf("ParseLeading = phrase %q rest %q, %q; want %q, %q, %q", phrase, rest, lmsg, tt.phrase, "Sale", tt.want)
			}
		})
	}
}

func TestParse_bareHourAfterDay(t *testing.T) {
	t.Parallel()
	p, loc, now := setup(t)
	tests := []struct {
		name   string
		phrase string
		want   string
	}{
		{"tomorrow and an hour", "tomorrow 9", "2026-11-24T09:00:00+02:00"},
		{"a weekday and an afternoon hour", "friday 15", "2026-11-27T15:00:00+02:00"},
		{"a small hour is read on the 24-hour clock", "friday 3", "2026-11-27T03:00:00+02:00"},
		{"hour zero is midnight at the start of the day", "tomorrow 0", "2026-11-24T00:00:00+02:00"},
		{"Portuguese tomorrow and an hour", "amanhã 9", "2026-11-24T09:00:00+02:00"},
		{"without accents", "amanha 9", "2026-11-24T09:00:00+02:00"},
		{"a Portuguese weekday", "sexta 15", "2026-11-27T15:00:00+02:00"},
		{"a long Portuguese weekday", "sexta-feira 15", "2026-11-27T15:00:00+02:00"},
		{"next weekday", "next friday 15", "2026-11-27T15:00:00+02:00"},
		{"weekday que vem", "quarta que vem 8", "2026-11-25T08:00:00+02:00"},
		{"today with an hour ahead", "today 17", "2026-11-23T17:00:00+02:00"},
		{"a bare weekday is today when the hour is ahead", "monday 11", "2026-11-23T11:00:00+02:00"},
		{"tonight reads the hour as the night", "tonight 9", "2026-11-23T21:00:00+02:00"},
		{"the day after tomorrow", "depois de amanhã 9", "2026-11-25T09:00:00+02:00"},
		{"trailing punctuation is fine", "friday 15!", "2026-11-27T15:00:00+02:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := p.Parse(tt.phrase, loc, now)
			checkInstant(t, tt.phrase, got, err, loc, tt.want)
		})
	}
}

func TestParse_dottedTimes(t *testing.T) {
	t.Parallel()
	p, loc, now := setup(t)
	tests := []struct {
		name   string
		phrase string
		want   string // RFC3339; "" when it is not a time
	}{
		{"a dotted am time already past is tomorrow", "9.30am", "2026-11-24T09:30:00+02:00"},
		{"a dotted time already past is tomorrow", "9.30", "2026-11-24T09:30:00+02:00"},
		{"a dotted 24-hour time", "21.15", "2026-11-23T21:15:00+02:00"},
		{"tomorrow and a dotted am time", "tomorrow 9.30am", "2026-11-24T09:30:00+02:00"},
		{"a dotted pm time", "9.30pm", "2026-11-23T21:30:00+02:00"},
		{"a dotted time with a spaced dotted meridiem", "9.30 p.m.", "2026-11-23T21:30:00+02:00"},
		{"a weekday at a dotted time", "friday at 15.45", "2026-11-27T15:45:00+02:00"},
		{"a Portuguese dotted time with h", "amanhã às 9.30h", "2026-11-24T09:30:00+02:00"},
		{"zero minutes", "tomorrow 10.00", "2026-11-24T10:00:00+02:00"},
		{"a dotted date with a year is still a date", "24.12.2026 10.00", "2026-12-24T10:00:00+02:00"},
		{"a decimal duration is still a duration", "in 1.5 hours", "2026-11-23T11:30:00+02:00"},
		{"one digit of minutes is not a time", "3.5", ""},
		{"three digits of minutes are not a time", "9.305", ""},
		{"minutes past 59 are not a time", "9.60", ""},
		{"an hour past 23 is not a time", "24.12", ""},
		{"an hour past 12 with pm is not a time", "13.30pm", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := p.Parse(tt.phrase, loc, now)
			if tt.want == "" {
				if msg := personError(t, err); !strings.HasPrefix(msg, "I couldn't find a time") {
					t.Errorf("message = %q, want the no-time error", msg)
				}
				return
			}
			checkInstant(t, tt.phrase, got, err, loc, tt.want)
		})
	}
}

func TestParse_zones(t *testing.T) {
	t.Parallel()
	p, loc, now := setup(t)
	// now is Mon 23 Nov 2026 08:00 UTC; US zones are on standard time.
	tests := []struct {
		name   string
		phrase string
		want   string // in UTC
	}{
		{"UTC", "tomorrow 9am UTC", "2026-11-24T09:00:00Z"},
		{"GMT", "tomorrow 9am GMT", "2026-11-24T09:00:00Z"},
		{"Z", "tomorrow 9am Z", "2026-11-24T09:00:00Z"},
		{"UTC with an offset", "tomorrow 9am UTC+3", "2026-11-24T06:00:00Z"},
		{"a numeric offset with a colon", "tomorrow 9am +03:00", "2026-11-24T06:00:00Z"},
		{"a numeric offset without a colon", "tomorrow 9am -0500", "2026-11-24T14:00:00Z"},
		{"an IANA name", "tomorrow 9am America/New_York", "2026-11-24T14:00:00Z"},
		{"an IANA name in lower case", "tomorrow 9am america/sao_paulo", "2026-11-24T12:00:00Z"},
		{"ET follows New York", "tomorrow 9am ET", "2026-11-24T14:00:00Z"},
		{"CT follows Chicago", "tomorrow 9am CT", "2026-11-24T15:00:00Z"},
		{"MT follows Denver", "tomorrow 9am MT", "2026-11-24T16:00:00Z"},
		{"PT follows Los Angeles", "tomorrow 9am PT", "2026-11-24T17:00:00Z"},
		{"EST is -05:00", "tomorrow 9am EST", "2026-11-24T14:00:00Z"},
		{"EDT is -04:00 even in winter", "tomorrow 9am EDT", "2026-11-24T13:00:00Z"},
		{"CST is -06:00", "tomorrow 9am CST", "2026-11-24T15:00:00Z"},
		{"CDT is -05:00", "tomorrow 9am CDT", "2026-11-24T14:00:00Z"},
		{"MST is -07:00", "tomorrow 9am MST", "2026-11-24T16:00:00Z"},
		{"MDT is -06:00", "tomorrow 9am MDT", "2026-11-24T15:00:00Z"},
		{"PST is -08:00", "tomorrow 9am PST", "2026-11-24T17:00:00Z"},
		{"PDT is -07:00", "tomorrow 9am PDT", "2026-11-24T16:00:00Z"},
		{"CET is +01:00", "tomorrow 9am CET", "2026-11-24T08:00:00Z"},
		{"CEST is +02:00", "tomorrow 9am CEST", "2026-11-24T07:00:00Z"},
		{"EET is +02:00", "tomorrow 9am EET", "2026-11-24T07:00:00Z"},
		{"EEST is +03:00", "tomorrow 9am EEST", "2026-11-24T06:00:00Z"},
		{"WET is +00:00", "tomorrow 9am WET", "2026-11-24T09:00:00Z"},
		{"WEST is +01:00", "tomorrow 9am WEST", "2026-11-24T08:00:00Z"},
		{"BST is +01:00", "tomorrow 9am BST", "2026-11-24T08:00:00Z"},
		{"a zone in lower case", "tomorrow 9am pst", "2026-11-24T17:00:00Z"},
		{"a zone after an ISO time", "2026-12-24 10:00 UTC", "2026-12-24T10:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := p.Parse(tt.phrase, loc, now)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.phrase, err)
			}
			if want := mustTime(t, tt.want); !got.Equal(want) {
				t.Errorf("Parse(%q) = %s, want %s", tt.phrase, got.UTC().Format(time.RFC3339), tt.want)
			}
			if got.Location() != loc {
				t.Errorf("Parse(%q) is in %s, want %s", tt.phrase, got.Location(), loc)
			}
		})
	}
}

func TestParse_dayIsJudgedInTheTypedZone(t *testing.T) {
	t.Parallel()
	p, loc, _ := setup(t)
	// 01:00 Monday in Bucharest is still Sunday 23:00 in UTC.
	now := time.Date(2026, 11, 23, 1, 0, 0, 0, loc)
	tests := []struct {
		name   string
		phrase string
		want   string
	}{
		{"tomorrow in UTC is Monday", "tomorrow 9am UTC", "2026-11-23T11:00:00+02:00"},
		{"tomorrow in the local zone is Tuesday", "tomorrow 9am", "2026-11-24T09:00:00+02:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := p.Parse(tt.phrase, loc, now)
			checkInstant(t, tt.phrase, got, err, loc, tt.want)
		})
	}
}

func TestParse_errors(t *testing.T) {
	t.Parallel()
	p, loc, now := setup(t)
	tests := []struct {
		name   string
		phrase string
		want   string // a part of the message
	}{
		{"an empty phrase asks for a time first", "  ", "Please start with a time"},
		{"leftover words are not a time", "tomorrow 9am please", `I couldn't find a time in "tomorrow 9am please"`},
		{"a number alone is not a time", "9", "I couldn't find a time"},
		{"a bare hour with words after it is not a time", "friday 3 things", "I couldn't find a time"},
		{"a bare hour after a date is not a time", "24 dec 9", "I couldn't find a time"},
		{"a bare hour of 24 after a day is not a time", "tomorrow 24", "I couldn't find a time"},
		{"two times are not a time", "9am 10am", "I couldn't find a time"},
		{"two days are not a time", "tomorrow friday", "I couldn't find a time"},
		{"an hour of 25 is not a time", "25:00", "I couldn't find a time"},
		{"13pm is not a time", "13pm", "I couldn't find a time"},
		{"a word glued to a time is not a time", "tomorrow9am", "I couldn't find a time"},
		{"Chinese is not read", "明天上午9点", "I couldn't find a time"},
		{"a hashtag number is not a time", "#2", "I couldn't find a time"},
		{"a long text is not a time", strings.Repeat("tomorrow ", 40), "I couldn't find a time"},
		{"in 400 days is too far", "in 400 days", `"in 400 days" is more than a year ahead (Tue 28 Dec 2027 10:00 EET). Schedule something within 366 days.`},
		{"a date more than a year ahead is too far", "2028-01-01", `"2028-01-01" is more than a year ahead (Sat 1 Jan 2028 09:00 EET)`},
		{"an absurd count is too far", "in 99999999999999999999 days", "is more than a year ahead. Schedule something within 366 days."},
		{"a past ISO date is in the past", "2026-01-01 10:00", `"2026-01-01 10:00" is in the past (Thu 1 Jan 10:00 EET)`},
		{"a time ago is in the past", "2 hours ago", `"2 hours ago" is in the past (Mon 23 Nov 08:00 EET)`},
		{"last friday is in the past", "last friday", "is in the past"},
		{"today with a time passed is in the past", "today 9am", `"today 9am" is in the past`},
		{"a date today with the time passed is in the past", "23 nov 9am", "is in the past"},
		{"today alone asks for a time", "today", `"today" needs a time of day. Try "today 5pm" or "in 2 hours".`},
		{"a day that does not exist", "31/02", `"31/02" is not a date on the calendar. Check the day and the month, like "24/12 10:00" (day/month).`},
		{"Feb 29 in a common year does not exist", "29 feb 2027", "is not a date on the calendar"},
		{"a weekday that does not match the date", "thu 27 nov", `"thu 27 nov" doesn't add up: 27 Nov 2026 is a Friday.`},
		{"west in lower case is a word, not a zone", "tomorrow 9am west", "I couldn't find a time"},
		{"an unknown zone name", "tomorrow 9am Mars/Olympus_Mons", "I couldn't find a time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := p.Parse(tt.phrase, loc, now)
			if msg := personError(t, err); !strings.Contains(msg, tt.want) {
				t.Errorf("message = %q\nwant a part %q", msg, tt.want)
			}
			if !got.IsZero() {
				t.Errorf("time = %s, want the zero time with an error", got)
			}
		})
	}
}

func TestParse_options(t *testing.T) {
	t.Parallel()
	_, loc, now := setup(t)
	tests := []struct {
		name    string
		opts    Options
		phrase  string
		wantErr string // "" means it parses
	}{
		{"English only reads English", Options{Languages: []string{"en"}}, "tomorrow 9am", ""},
		{"English only does not read Portuguese", Options{Languages: []string{"en"}}, "amanhã às 9h", "I couldn't find a time"},
		{"Portuguese only reads Portuguese", Options{Languages: []string{"pt"}}, "amanhã às 9h", ""},
		{"Portuguese only does not read English", Options{Languages: []string{"pt"}}, "tomorrow 9am", `Try "amanhã 9h", "sexta 15h", "em 2 horas"`},
		{"pt-BR is Portuguese", Options{Languages: []string{"pt-BR"}}, "sexta às 15h", ""},
		{"unknown languages mean both", Options{Languages: []string{"xx"}}, "sexta às 15h", ""},
		{"a shorter limit", Options{MaxAhead: 30 * 24 * time.Hour}, "in 31 days", "is too far ahead (Thu 24 Dec 10:00 EET). Schedule something within 30 days."},
		{"within a shorter limit", Options{MaxAhead: 30 * 24 * time.Hour}, "in 29 days", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tt.opts).Parse(tt.phrase, loc, now)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Parse(%q): %v", tt.phrase, err)
				}
				return
			}
			if msg := personError(t, err); !strings.Contains(msg, tt.wantErr) {
				t.Errorf("message = %q\nwant a part %q", msg, tt.wantErr)
			}
		})
	}
}

func TestParse_nilLocationIsUTC(t *testing.T) {
	t.Parallel()
	p, _, _ := setup(t)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		text string
		want string
	}{
		{"a time is read in UTC", "tomorrow 9am", "2026-11-24T09:00:00Z"},
		{"no time is still a person's error", "hello world", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := p.Parse(tt.text, nil, now)
			lead, _, _, lerr := p.ParseLeading(tt.text, nil, now)
			if tt.want == "" {
				personError(t, err)
				personError(t, lerr)
				return
			}
			checkInstant(t, tt.text, got, err, time.UTC, tt.want)
			checkInstant(t, tt.text, lead, lerr, time.UTC, tt.want)
		})
	}
}

func TestParseLeading(t *testing.T) {
	t.Parallel()
	p, loc, now := setup(t)
	tests := []struct {
		name       string
		text       string
		want       string // RFC3339; "" when an error is expected
		wantPhrase string
		wantRest   string
		wantErr    string
	}{
		{"the time is split from the post", "tomorrow 9am Launch day is here!", "2026-11-24T09:00:00+02:00", "tomorrow 9am", "Launch day is here!", ""},
		{"a pipe splits the time from the post", "friday 3pm | Sale", "2026-11-27T15:00:00+02:00", "friday 3pm", "Sale", ""},
		{"only the first pipe splits", "friday 3pm | Sale | today only", "2026-11-27T15:00:00+02:00", "friday 3pm", "Sale | today only", ""},
		{"the phrase before a pipe must be a time", "friday 3pm sharp | Sale", "", "friday 3pm sharp", "Sale", "I couldn't find a time"},
		{"nothing before a pipe asks for a time", " | Sale", "", "", "Sale", `Put a time before the "|"`},
		{"a time alone has no rest", "in 2 hours", "2026-11-23T12:00:00+02:00", "in 2 hours", "", ""},
		{"a longer time wins", "in 2 hours and 30 minutes we go live", "2026-11-23T12:30:00+02:00", "in 2 hours and 30 minutes", "we go live", ""},
		{"the phrase keeps its case and accents", "Amanhã às 9h Começa a promoção", "2026-11-24T09:00:00+02:00", "Amanhã às 9h", "Começa a promoção", ""},
		{"filler after the time goes to the rest", "tomorrow 9am at the office", "2026-11-24T09:00:00+02:00", "tomorrow 9am", "at the office", ""},
		{"a separator after the time is dropped", "tomorrow 9am - Launch", "2026-11-24T09:00:00+02:00", "tomorrow 9am", "Launch", ""},
		{"a colon after the time is dropped", "friday 3pm: Sale starts", "2026-11-27T15:00:00+02:00", "friday 3pm", "Sale starts", ""},
		{"a day without a time is 9am", "tomorrow Launch day", "2026-11-24T09:00:00+02:00", "tomorrow", "Launch day", ""},
		{"a number after the time stays in the post", "friday 3pm 5 reasons to come", "2026-11-27T15:00:00+02:00", "friday 3pm", "5 reasons to come", ""},
		{"West in a post is not a zone", "9am West coast sale", "2026-11-24T09:00:00+02:00", "9am", "West coast sale", ""},
		{"a hashtag number is not a time", "#2 is out now", "", "", "#2 is out now", `I couldn't find a time at the start of "#2 is out now"`},
		{"a post without a time is an error", "Launch day", "", "", "Launch day", `I couldn't find a time at the start of "Launch day". Start with a time, like "tomorrow 9am"`},
		{"a swapped date is the swapped-date error", "12/31 9am Sale", "", "12/31 9am", "Sale", `"12/31" is read as day/month here, and there is no month 31. Did you mean 31/12?`},
		{"a bare hour after a day stays in the post", "friday 3 things to know", "2026-11-27T09:00:00+02:00", "friday", "3 things to know", ""},
		{"a bare hour after a day with nothing after it is the time", "friday 15", "2026-11-27T15:00:00+02:00", "friday 15", "", ""},
		{"a bare hour after a day before a pipe is the time", "tomorrow 9 | Launch", "2026-11-24T09:00:00+02:00", "tomorrow 9", "Launch", ""},
		{"a dotted time is taken before the post", "tomorrow 9.30 Launch", "2026-11-24T09:30:00+02:00", "tomorrow 9.30", "Launch", ""},
		{"a past time is the past error", "yesterday 9am recap", "", "yesterday 9am", "recap", `"yesterday 9am" is in the past`},
		{"a time too far ahead is the too-far error", "in 400 days hello", "", "in 400 days", "hello", "more than a year ahead"},
		{"empty text asks for a time", "   ", "", "", "", "Please start with a time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, phrase, rest, err := p.ParseLeading(tt.text, loc, now)
			if phrase != tt.wantPhrase || rest != tt.wantRest {
				t.Errorf("ParseLeading(%q) = phrase %q rest %q, want %q and %q", tt.text, phrase, rest, tt.wantPhrase, tt.wantRest)
			}
			if tt.wantErr != "" {
				if msg := personError(t, err); !strings.Contains(msg, tt.wantErr) {
					t.Errorf("message = %q\nwant a part %q", msg, tt.wantErr)
				}
				return
			}
			checkInstant(t, tt.text, got, err, loc, tt.want)
		})
	}
}

func TestHuman(t *testing.T) {
	t.Parallel()
	_, loc, now := setup(t)
	tests := []struct {
		name string
		t    time.Time
		want string
	}{
		{"tomorrow morning", time.Date(2026, 11, 24, 9, 0, 0, 0, loc), "Tue 24 Nov 09:00 EET (in 23 h)"},
		{"another year shows the year", time.Date(2027, 1, 5, 9, 0, 0, 0, loc), "Tue 5 Jan 2027 09:00 EET (in 43 days)"},
		{"summer time shows its abbreviation", time.Date(2027, 6, 1, 9, 0, 0, 0, loc), "Tue 1 Jun 2027 09:00 EEST (in 190 days)"},
		{"the past says ago", time.Date(2026, 11, 22, 9, 0, 0, 0, loc), "Sun 22 Nov 09:00 EET (25 h ago)"},
		{"an instant in another zone is shown in loc", time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC), "Tue 24 Nov 11:00 EET (in 25 h)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Human(tt.t, loc, now); got != tt.want {
				t.Errorf("Human = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRelative(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		d    time.Duration
		want string
	}{
		{"no time at all", 0, "in less than a minute"},
		{"seconds ahead", 30 * time.Second, "in less than a minute"},
		{"seconds behind", -30 * time.Second, "less than a minute ago"},
		{"minutes", 5 * time.Minute, "in 5 min"},
		{"minutes round to the nearest", 5*time.Minute + 40*time.Second, "in 6 min"},
		{"an hour", time.Hour, "in 1 h"},
		{"hours and minutes", 2*time.Hour + 5*time.Minute, "in 2 h 5 min"},
		{"hours and minutes ago", -(2*time.Hour + 5*time.Minute), "2 h 5 min ago"},
		{"up to 48 hours in hours", 47*time.Hour + 59*time.Minute, "in 47 h 59 min"},
		{"48 hours in days", 48 * time.Hour, "in 2 days"},
		{"days round to the nearest", 42*24*time.Hour + 23*time.Hour, "in 43 days"},
		{"days ago", -3 * 24 * time.Hour, "3 days ago"},
		{"minutes ago", -5 * time.Minute, "5 min ago"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Relative(now.Add(tt.d), now); got != tt.want {
				t.Errorf("Relative(%v) = %q, want %q", tt.d, got, tt.want)
			}
		})
	}
}

// panicRule is a when rule that panics, as when's zh rules can.
type panicRule struct{}

func (panicRule) Find(string) *rules.Match { panic("boom") }

func TestParse_panicInWhenIsNoTime(t *testing.T) {
	t.Parallel()
	p, loc, now := setup(t)
	p.whenRules = append([]rules.Rule{panicRule{}}, p.whenRules...)
	tests := []struct {
		name   string
		phrase string
	}{
		{"a phrase for the fallback gets the no-time error", "third of march"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := p.Parse(tt.phrase, loc, now)
			if msg := personError(t, err); !strings.HasPrefix(msg, "I couldn't find a time") {
				t.Errorf("message = %q, want the no-time error", msg)
			}
		})
	}
}

func TestParser_isSafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	p, loc, now := setup(t)
	phrases := append([]string{"tomorrow 9am America/Chicago", "friday 3pm Europe/Lisbon"}, benchPhrases...)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for _, ph := range phrases {
				_, _ = p.Parse(ph, loc, now)
				_, _, _, _ = p.ParseLeading(ph+" and more words", loc, now)
			}
		})
	}
	wg.Wait()
}
