package timeparse

import (
	"strings"
	"testing"
	"time"
)

// readablePhrases are phrases Parse reads at the "now" of setup.
var readablePhrases = []string{
	"tomorrow 9am", "tomorrow at 9", "next friday at 3pm", "in 2 hours", "in 2 hours and 30 minutes",
	"in 1 month", "24 dec 10:00", "jan 5 9am", "9am", "12am", "2026-12-24 10:00", "friday 3pm UTC",
	"amanhã às 9h", "daqui a 2 horas", "sexta às 15h", "amanhã 9h", "hoje 18h", "em 2 horas",
	"now", "agora mesmo", "right now", "noon", "12 noon", "midnight", "meia-noite", "amanhã ao meio-dia",
	"this friday", "monday 11am", "tomorrow 9 o'clock", "9:30 p.m.", "5:30pm", "21:15",
	"tomorrow morning", "this evening", "tonight at 9", "friday afternoon", "3 da tarde", "9 in the morning",
	"amanhã de manhã", "hoje à noite", "na tarde de sexta", "próxima terça às 14:00", "quarta que vem às 8h",
	"segunda-feira às 10h", "sexta feira 10h", "24 de dezembro às 10h", "5 de janeiro de 2027", "1º de dezembro",
	"dia 5 às 10h", "the 5th", "the 30th at 10am", "december 24th 10am", "dec. 24", "24 dec 2026 10:00",
	"Fri 27 Nov 15:00", "Tue 5 Jan 2027 09:00 EET", "2026-12-24T10:00:00Z", "2026-12-24T10:00:00+03:00",
	"2026-12-24", "24/12 10:00", "24/12/2026", "24.12.2026 10:00", "03/04", "in 3 days at 5pm", "next week",
	"semana que vem", "próximo mês", "in a week", "in an hour", "in half an hour", "em meia hora", "in 1h30m",
	"in 1.5 hours", "2 hours from now", "within 45 minutes", "em 2h30", "dentro de 2 dias",
	"tomorrow 9am America/New_York", "tomorrow 9am ET", "tomorrow 9am CEST", "tomorrow 9am +03:00",
	"tomorrow 9am -0500", "tomorrow 9am UTC+3", "tomorrow 9am WEST", "at 9 pm", "@ 9pm", "by 5pm",
	"on friday at 3pm", "friday, 3pm", "friday @ 3pm", "tomorrow - 9am", "pelas 9 horas",
	"third of march", "march third at 10:00", "vigésimo dia de dezembro",
	"yesterday 9am", "2 hours ago", "há 2 horas", "last friday", "today 9am", "in 400 days", "today", "31/02",
	"thu 27 nov", "12/31 9am",
	"9.30am", "9.30", "21.15", "tomorrow 9.30am", "amanhã às 9.30h", "friday 15.45", "9.30 p.m.",
}

// dayHourPhrases are phrases Parse reads that end in a bare hour right
// after a day. ParseLeading takes that hour only when nothing follows it
// or a "|" ends the phrase.
var dayHourPhrases = []string{
	"tomorrow 9", "friday 15", "friday 3", "amanhã 9", "sexta 15", "sexta-feira 15", "next friday 15",
	"quarta que vem 8", "today 17", "tonight 9", "depois de amanhã 9",
}

func TestParse_readsEveryReadablePhrase(t *testing.T) {
	t.Parallel()
	p, loc, now := setup(t)
	for _, phrase := range append(readablePhrases, dayHourPhrases...) {
		t.Run(phrase, func(t *testing.T) {
			t.Parallel()
			if _, understood, err := p.parse(phrase, loc, now, nil, false); !understood {
				t.Errorf("Parse(%q) was not understood: %v", phrase, err)
			}
		})
	}
}

func TestParseLeading_findsEveryPhraseParseReads(t *testing.T) {
	t.Parallel()
	p, loc, now := setup(t)
	for _, phrase := range readablePhrases {
		t.Run(phrase, func(t *testing.T) {
			t.Parallel()
			want, wantErr := p.Parse(phrase, loc, now)
			got, lead, rest, err := p.ParseLeading(phrase+" Launch day is here!", loc, now)
			if lead != phrase || rest != "Launch day is here!" {
				t.Fatalf("ParseLeading split %q into %q and %q", phrase+" Launch day is here!", lead, rest)
			}
			if !got.Equal(want) || (err == nil) != (wantErr == nil) {
				t.Errorf("ParseLeading = %s, %v; Parse = %s, %v", got, err, want, wantErr)
			}
		})
	}
}

func TestParseLeading_takesABareHourOnlyAtTheEnd(t *testing.T) {
	t.Parallel()
	p, loc, now := setup(t)
	for _, phrase := range dayHourPhrases {
		t.Run(phrase, func(t *testing.T) {
			t.Parallel()
			want, wantErr := p.Parse(phrase, loc, now)
			day, hour := phrase[:strings.LastIndexByte(phrase, ' ')], phrase[strings.LastIndexByte(phrase, ' ')+1:]
			wantDay, wantDayErr := p.Parse(day, loc, now)
			tests := []struct {
				name       string
				text       string
				want       time.Time
				wantErr    error
				wantPhrase string
				wantRest   string
			}{
				{"alone it is the time", phrase, want, wantErr, phrase, ""},
				{"before a pipe it is the time", phrase + " | Sale", want, wantErr, phrase, "Sale"},
				{"with text after it the hour goes to the rest", phrase + " things to know", wantDay, wantDayErr, day, hour + " things to know"},
				{"with a separator after it the hour goes to the rest", phrase + " - Sale", wantDay, wantDayErr, day, hour + " - Sale"},
			}
			for _, tt := range tests {
				got, lead, rest, err := p.ParseLeading(tt.text, loc, now)
				if lead != tt.wantPhrase || rest != tt.wantRest {
					t.Errorf("%s: ParseLeading(%q) = phrase %q rest %q, want %q and %q", tt.name, tt.text, lead, rest, tt.wantPhrase, tt.wantRest)
				}
				if !got.Equal(tt.want) || (err == nil) != (tt.wantErr == nil) {
					t.Errorf("%s: ParseLeading(%q) = %s, %v; want %s, %v", tt.name, tt.text, got, err, tt.want, tt.wantErr)
				}
			}
		})
	}
}

func TestRules_firstByteFilterHidesNoMatch(t *testing.T) {
	t.Parallel()
	p, _, _ := setup(t)
	extra := []string{"+03:00", "-0500", "@ 9", "º", "z", "america/new_york", "1h", "a.m."}
	for _, phrase := range append(append(readablePhrases, dayHourPhrases...), extra...) {
		text := foldText(phrase)
		for i := range len(text) {
			if i > 0 && text[i-1] != ' ' {
				continue
			}
			for _, r := range p.rules {
				if r.re.MatchString(text[i:]) && !r.first[text[i]] {
					t.Errorf("rule %q matches %q but its first bytes exclude %q", r.name, text[i:], text[i])
				}
			}
		}
	}
}

func TestFoldText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"accents are removed and case lowered", "Amanhã ÀS 9h", "amanha as 9h"},
		{"white space and commas collapse", "  friday,\t3pm \n", "friday 3pm"},
		{"sentence punctuation at the end goes", "tomorrow 9am!?", "tomorrow 9am"},
		{"curly apostrophes are straight", "9 o’clock", "9 o'clock"},
		{"invisible characters are spaces", "tomorrow\u200b9am", "tomorrow 9am"},
		{"invalid UTF-8 is a space", "tomorrow\xff9am", "tomorrow 9am"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := foldText(tt.in); got != tt.want {
				t.Errorf("foldText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestQuote(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"a short phrase is quoted as typed", "hello world", `"hello world"`},
		{"line breaks become spaces", "hello\nworld", `"hello world"`},
		{"a long phrase is shortened", strings.Repeat("a", 60), `"` + strings.Repeat("a", 50) + `…"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := quote(tt.in); got != tt.want {
				t.Errorf("quote(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
