package timeparse

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/crier-bot/crier/internal/crier"
)

// FuzzParse checks that no phrase crashes the parser, that every error is a
// one-line message for a person, and that every instant is schedulable:
// not before now's minute, not more than MaxAhead ahead, with zero seconds
// (except "now", which is now to the second). ParseLeading must hold to the
// same, and return a phrase and a rest taken from the text.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"tomorrow 9am",
		"tomorrow at 9",
		"next friday at 3pm",
		"in 2 hours and 30 minutes",
		"in 1 month",
		"24 dec 10:00",
		"jan 5 9am",
		"12am",
		"2026-12-24T10:00:00+02:00",
		"friday 3pm UTC",
		"friday 3pm America/New_York",
		"amanhã às 9h",
		"sexta-feira às 15h30",
		"daqui a 2 horas",
		"yesterday 9am",
		"hello world",
		"now",
		"agora",
		"midnight",
		"in 99999999999999999999 days",
		"in 1.5 hours",
		"third of march",
		"vigésimo dia de dezembro",
		"tomorrow 9am Launch day is here!",
		"friday 3pm | Sale",
		"31/02",
		"thu 27 nov",
		"明天上午9点",
		"下周五下午3点",
		"ＴＯＭＯＲＲＯＷ　９ＡＭ",
		"tomorrow\u200b9am",
		"tomorrow \u0000 9am",
		"\xff\xfe tomorrow",
		"🚀 tomorrow 9am 🚀",
		"İstanbul 9am",
		strings.Repeat("in 2 hours and ", 30) + "30 minutes",
		strings.Repeat("9", 500),
		"at at at at at at at at at at at at 9",
		"tomorrow 9am ../../etc/passwd",
		"in 2 hours 2 hours 2 hours",
		"in -5 minutes",
		"2026-02-30",
		"00:00 +14:00",
		"23:59 -12:00",
		"12/31 9am",
		"12/31 9am Sale",
		"12/31/2026 10:00",
		"12.31.2026",
		"31/12",
		"02/30",
		"tomorrow 9",
		"friday 15",
		"amanhã 9",
		"friday 3 things to know",
		"tomorrow 9 | Launch",
		"tomorrow 9 - Launch",
		"9.30am",
		"9.30",
		"21.15",
		"tomorrow 9.30am",
		"3.5",
		"9.60",
	} {
		f.Add(seed)
	}
	loc, err := time.LoadLocation("Europe/Bucharest")
	if err != nil {
		f.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 10, 0, 30, 500, loc)
	p := New(Options{})
	f.Fuzz(func(t *testing.T, phrase string) {
		got, err := p.Parse(phrase, loc, now)
		checkFuzzResult(t, p, phrase, got, err, now)

		when, lead, rest, err := p.ParseLeading(phrase, loc, now)
		checkFuzzResult(t, p, phrase, when, err, now)
		if lead != "" && !strings.Contains(phrase, lead) {
			t.Errorf("ParseLeading(%q) phrase %q is not from the text", phrase, lead)
		}
		if rest != "" && !strings.Contains(phrase, rest) {
			t.Errorf("ParseLeading(%q) rest %q is not from the text", phrase, rest)
		}
	})
}

func checkFuzzResult(t *testing.T, p *Parser, phrase string, got time.Time, err error, now time.Time) {
	t.Helper()
	if err != nil {
		var e *crier.Error
		if !errors.As(err, &e) {
			t.Fatalf("Parse(%q) error %T %v is not a *crier.Error", phrase, err, err)
		}
		if e.Code != crier.EINVALID || e.Message == "" || strings.ContainsAny(e.Message, "\n\r") {
			t.Fatalf("Parse(%q) error %q (%s) is not one line for a person", phrase, e.Message, e.Code)
		}
		return
	}
	if got.Before(now.Truncate(time.Minute)) {
		t.Fatalf("Parse(%q) = %s, before now %s", phrase, got, now)
	}
	if got.Sub(now) > p.maxAhead {
		t.Fatalf("Parse(%q) = %s, more than %s ahead", phrase, got, p.maxAhead)
	}
	if (got.Second() != 0 || got.Nanosecond() != 0) && !got.Equal(now.Truncate(time.Second)) {
		t.Fatalf("Parse(%q) = %s, seconds are not zero", phrase, got.Format(time.RFC3339Nano))
	}
}
