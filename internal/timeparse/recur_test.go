package timeparse

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/internal/crier"
)

func lisbon(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Lisbon")
	require.NoError(t, err)
	return loc
}

// recurNow is Mon 23 Nov 2026 10:00 in Lisbon (WET, UTC+0).
var recurNow = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func TestParseRecurrenceReadsEnglishAndPortuguese(t *testing.T) {
	t.Parallel()
	p := New(Options{})
	loc := lisbon(t)
	tests := []struct {
		name  string
		args  string
		text  string
		first string // the first occurrence, in Lisbon
		next  string // the second
		desc  string
	}{
		{"a weekday and a time", "every monday 9am Weekly tips", "Weekly tips", "2026-11-30 09:00", "2026-12-07 09:00", "every Monday at 09:00"},
		{"today when still ahead", "every monday 3pm | Tips", "Tips", "2026-11-23 15:00", "2026-11-30 15:00", "every Monday at 15:00"},
		{"every day", "every day at 10:30 Good morning", "Good morning", "2026-11-23 10:30", "2026-11-24 10:30", "every day at 10:30"},
		{"every weekday skips the weekend", "every weekday 8am Standup", "Standup", "2026-11-24 08:00", "2026-11-25 08:00", "every weekday at 08:00"},
		{"every 2 weeks on a day", "every 2 weeks on friday 3pm Sprint demo", "Sprint demo", "2026-11-27 15:00", "2026-12-11 15:00", "every 2 weeks on Friday at 15:00"},
		{"every other week keeps today's weekday", "every other week at 11:00 Hi", "Hi", "2026-11-23 11:00", "2026-12-07 11:00", "every 2 weeks on Monday at 11:00"},
		{"a fortnight is 2 weeks", "every fortnight on friday 3pm Hi", "Hi", "2026-11-27 15:00", "2026-12-11 15:00", "every 2 weeks on Friday at 15:00"},
		{"uma quinzena também", "a cada quinzena na sexta 15h Oi", "Oi", "2026-11-27 15:00", "2026-12-11 15:00", "every 2 weeks on Friday at 15:00"},
		{"two fortnights are 4 weeks", "every 2 fortnights on friday 3pm Hi", "Hi", "2026-11-27 15:00", "2026-12-25 15:00", "every 4 weeks on Friday at 15:00"},
		{"duas quinzenas", "a cada 2 quinzenas na sexta 15h Oi", "Oi", "2026-11-27 15:00", "2026-12-25 15:00", "every 4 weeks on Friday at 15:00"},
		{"a second monday is not seconds", "every second monday 9am Hi", "Hi", "2026-12-14 09:00", "2027-01-11 09:00", "every month on the second Monday at 09:00"},
		{"um segundo sábado também não", "todo segundo sábado do mês às 10h Oi", "Oi", "2026-12-12 10:00", "2027-01-09 10:00", "every month on the second Saturday at 10:00"},
		{"month on the 1st", "every month on the 1st at 9am Newsletter", "Newsletter", "2026-12-01 09:00", "2027-01-01 09:00", "every month on the 1st at 09:00"},
		{"month on the last day", "every month on the last day Recap", "Recap", "2026-11-30 09:00", "2026-12-31 09:00", "every month on the last day at 09:00"},
		{"last friday", "every last friday 5pm Wrap-up", "Wrap-up", "2026-11-27 17:00", "2026-12-25 17:00", "every month on the last Friday at 17:00"},
		{"first monday of the month", "every first monday of the month at 10am Plan", "Plan", "2026-12-07 10:00", "2027-01-04 10:00", "every month on the first Monday at 10:00"},
		{"filler before text stays text", "every monday at the park we meet", "at the park we meet", "2026-11-30 09:00", "2026-12-07 09:00", "every Monday at 09:00"},
		{"pt toda segunda às 9h", "toda segunda às 9h Dicas da semana", "Dicas da semana", "2026-11-30 09:00", "2026-12-07 09:00", "every Monday at 09:00"},
		{"pt todos os dias", "todos os dias às 10h Bom dia", "Bom dia", "2026-11-24 10:00", "2026-11-25 10:00", "every day at 10:00"},
		{"pt todas as sextas", "todas as sextas-feiras às 17h Fim de semana", "Fim de semana", "2026-11-27 17:00", "2026-12-04 17:00", "every Friday at 17:00"},
		{"pt a cada 2 semanas", "a cada 2 semanas na sexta às 15h Demo", "Demo", "2026-11-27 15:00", "2026-12-11 15:00", "every 2 weeks on Friday at 15:00"},
		{"pt todo dia 15", "todo dia 15 às 9h Boletim", "Boletim", "2026-12-15 09:00", "2027-01-15 09:00", "every month on the 15th at 09:00"},
		{"pt dia útil", "todo dia útil às 8h Bom dia", "Bom dia", "2026-11-24 08:00", "2026-11-25 08:00", "every weekday at 08:00"},
		{"pt última sexta do mês", "toda última sexta do mês às 18h Resumo", "Resumo", "2026-11-27 18:00", "2026-12-25 18:00", "every month on the last Friday at 18:00"},
		{"pt todo mês no dia 1", "todo mês no dia 1 Novidades", "Novidades", "2026-12-01 09:00", "2027-01-01 09:00", "every month on the 1st at 09:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, text, err := p.ParseRecurrence(tt.args, loc, recurNow)
			require.NoError(t, err)
			require.Equal(t, tt.text, text)
			require.Equal(t, tt.first, r.Start.In(loc).Format("2006-01-02 15:04"))
			require.Equal(t, tt.next, r.Next(r.Start, loc).In(loc).Format("2006-01-02 15:04"))
			require.Equal(t, tt.desc, r.Describe())
		})
	}
}

func TestParseRecurrenceEnds(t *testing.T) {
	t.Parallel()
	p := New(Options{})
	loc := lisbon(t)

	t.Run("until a date includes that day", func(t *testing.T) {
		r, text, err := p.ParseRecurrence("every monday 9am until 14 dec Tips", loc, recurNow)
		require.NoError(t, err)
		require.Equal(t, "Tips", text)
		require.False(t, r.Capped)
		last, n := r.Last(loc)
		require.Equal(t, 3, n) // 30 Nov, 7 Dec, 14 Dec
		require.Equal(t, "2026-12-14 09:00", last.In(loc).Format("2006-01-02 15:04"))
	})
	t.Run("até in Portuguese", func(t *testing.T) {
		r, _, err := p.ParseRecurrence("toda segunda às 9h até 7/12 Dicas", loc, recurNow)
		require.NoError(t, err)
		_, n := r.Last(loc)
		require.Equal(t, 2, n)
	})
	t.Run("for N times", func(t *testing.T) {
		r, text, err := p.ParseRecurrence("every day at 10:00 for 5 times Countdown", loc, recurNow)
		require.NoError(t, err)
		require.Equal(t, "Countdown", text)
		require.False(t, r.Capped)
		nos, times := r.Occurrences(time.Time{}, loc, 100)
		require.Equal(t, []int{1, 2, 3, 4, 5}, nos)
		require.Equal(t, "2026-11-28 10:00", times[4].In(loc).Format("2006-01-02 15:04"))
		require.True(t, r.Next(times[4], loc).IsZero())
	})
	t.Run("por N vezes", func(t *testing.T) {
		r, _, err := p.ParseRecurrence("toda segunda por 4 vezes Dicas", loc, recurNow)
		require.NoError(t, err)
		require.Equal(t, 4, r.Count)
	})
	t.Run("no end is capped at a year", func(t *testing.T) {
		r, _, err := p.ParseRecurrence("every day at 10:00 Hello", loc, recurNow)
		require.NoError(t, err)
		require.True(t, r.Capped)
		last, n := r.Last(loc)
		require.Equal(t, "2027-11-23 10:00", last.In(loc).Format("2006-01-02 15:04"))
		require.Equal(t, 365, n)
		require.LessOrEqual(t, n, MaxOccurrences)
		require.Less(t, last.Sub(r.Start), 366*24*time.Hour)
	})
	t.Run("a count reaching past a year is capped too", func(t *testing.T) {
		r, _, err := p.ParseRecurrence("every week on monday for 60 times Tips", loc, recurNow)
		require.NoError(t, err)
		require.True(t, r.Capped)
		_, n := r.Last(loc)
		require.Equal(t, 53, n) // 30 Nov 2026 to 29 Nov 2027
	})
	t.Run("an until a year away is the cap", func(t *testing.T) {
		r, _, err := p.ParseRecurrence("every monday until 2027-11-20 Tips", loc, recurNow)
		require.NoError(t, err)
		require.False(t, r.Capped)
	})
}

func TestParseRecurrenceRefusesBadInput(t *testing.T) {
	t.Parallel()
	p := New(Options{})
	loc := lisbon(t)
	tests := []struct {
		name, args, msg string
	}{
		{"31st of february never happens", "every 31st of february Hi",
			`"every 31st of february Hi" never happens: February has no 31st. For the end of every month, say "every month on the last day".`},
		{"30 de fevereiro in Portuguese", "todo dia 30 de fevereiro Oi",
			`"todo dia 30 de fevereiro Oi" never happens: February has no 30th. For the end of every month, say "every month on the last day".`},
		{"a yearly date is not a series", "every 24th of december Happy holidays",
			`"every 24th of december Happy holidays" repeats once a year, and crier repeats posts for up to a year; schedule it with its date instead, like "/schedule 24 dec 9am …".`},
		{"no month has a 32nd", "every month on the 32nd Hi", `"every month on the 32nd Hi": no month has a 32nd. Try "every month on the last day".`},
		{"a month without a day", "every month Hi", `"every month Hi" needs the day of the month, like "every month on the 1st", "every month on the last day" or "every month on the first monday".`},
		{"nonsense", "every blue moon Hi", `I couldn't read how often in "every blue moon Hi". Try "every monday 9am", "every day at 10:00", "every 2 weeks on friday 3pm" or "every month on the 1st".`},
		{"more often than daily", "every hour Hi", `"every hour Hi" is more often than crier repeats a post: once a day at most. For several times a day, schedule one series per time, like "every day at 9am" and "every day at 5pm".`},
		{"minutes too", "every 30 minutes Hi", `"every 30 minutes Hi" is more often than crier repeats a post: once a day at most. For several times a day, schedule one series per time, like "every day at 9am" and "every day at 5pm".`},
		{"yearly", "every year on 1 jan 9am Hi", `"every year on 1 jan 9am Hi" repeats once a year, and crier repeats posts for up to a year; schedule it with its date instead, like "/schedule 1 jan 9am …".`},
		{"zero interval", "every 0 days 9am Hi", `"every 0 days 9am Hi": the number must be 1 or more, like "every 2 weeks on friday 3pm".`},
		{"zero times", "every day for 0 times Hi", `"every day for 0 times Hi": the number of times must be 1 or more, like "for 4 times".`},
		{"until before the start", "every monday until 25 nov Hi", `"every monday until 25 nov Hi" ends before its first time (Mon 30 Nov 09:00 WET). Pick a later end date.`},
		{"until in the past", "every monday until yesterday Hi", ""},
		{"a pipe with leftovers", "every monday 9am banana | Hi", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := p.ParseRecurrence(tt.args, loc, recurNow)
			require.Error(t, err)
			require.Equal(t, crier.EINVALID, crier.ErrorCode(err))
			if tt.msg != "" {
				require.Equal(t, tt.msg, crier.ErrorMessage(err))
			}
		})
	}
}

func TestRecurrenceSkipsMonthsWithoutTheDay(t *testing.T) {
	t.Parallel()
	p := New(Options{})
	loc := lisbon(t)
	r, _, err := p.ParseRecurrence("every month on the 31st at 9am Hi", loc, recurNow)
	require.NoError(t, err)
	require.Contains(t, r.Describe(), "months without a 31st are skipped")
	_, times := r.Occurrences(time.Time{}, loc, 7)
	var got []string
	for _, tm := range times {
		got = append(got, tm.In(loc).Format("2006-01-02"))
	}
	require.Equal(t, []string{"2026-12-31", "2027-01-31", "2027-03-31", "2027-05-31", "2027-07-31", "2027-08-31", "2027-10-31"}, got)

	r, _, err = p.ParseRecurrence("every month on the 29th Hi", loc, recurNow)
	require.NoError(t, err)
	_, times = r.Occurrences(time.Time{}, loc, 4)
	require.Equal(t, "2027-03-29", times[3].In(loc).Format("2006-01-02"), "February 2027 has no 29th")
}

// Europe/Lisbon: clocks jump from 01:00 to 02:00 on Sun 29 Mar 2026 and fall
// back from 02:00 to 01:00 on Sun 25 Oct 2026.
func TestRecurrenceAcrossDST(t *testing.T) {
	t.Parallel()
	p := New(Options{})
	loc := lisbon(t)
	clock := crier.NewManualClock(time.Date(2026, 3, 26, 12, 0, 0, 0, time.UTC))

	r, _, err := p.ParseRecurrence("every day at 01:30 Night owl", loc, clock.Now())
	require.NoError(t, err)
	var got []string
	at := clock.Now()
	for range 5 {
		at = r.Next(at, loc)
		got = append(got, at.UTC().Format("02 Jan 15:04Z")+" "+at.In(loc).Format("15:04 MST"))
	}
	require.Equal(t, []string{
		"27 Mar 01:30Z 01:30 WET",
		"28 Mar 01:30Z 01:30 WET",
		"29 Mar 01:30Z 02:30 WEST", // 01:30 does not exist that night: moved forward by the jump
		"30 Mar 00:30Z 01:30 WEST",
		"31 Mar 00:30Z 01:30 WEST",
	}, got)

	clock.Set(time.Date(2026, 10, 22, 12, 0, 0, 0, time.UTC))
	r, _, err = p.ParseRecurrence("every day at 01:30 Night owl", loc, clock.Now())
	require.NoError(t, err)
	got = nil
	at = clock.Now()
	for range 4 {
		at = r.Next(at, loc)
		got = append(got, at.UTC().Format("02 Jan 15:04Z")+" "+at.In(loc).Format("15:04 MST"))
	}
	require.Equal(t, []string{
		"23 Oct 00:30Z 01:30 WEST",
		"24 Oct 00:30Z 01:30 WEST",
		"25 Oct 00:30Z 01:30 WEST", // 01:30 happens twice that night: the first
		"26 Oct 01:30Z 01:30 WET",
	}, got)

	// Weekly at 09:00 keeps 09:00 on the wall across the change.
	clock.Set(time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC))
	r, _, err = p.ParseRecurrence("every monday 9am Tips", loc, clock.Now())
	require.NoError(t, err)
	first := r.Start
	second := r.Next(first, loc)
	require.Equal(t, "09:00 WET", first.In(loc).Format("15:04 MST"))
	require.Equal(t, "09:00 WEST", second.In(loc).Format("15:04 MST"))
	require.Equal(t, 7*24*time.Hour-time.Hour, second.Sub(first))
}

func TestRuleStringRoundTrips(t *testing.T) {
	t.Parallel()
	p := New(Options{})
	loc := lisbon(t)
	for _, args := range []string{
		"every monday 9am x", "every weekday 8am x", "every 3 days at 10:00 x", "every month on the last day x",
		"every last friday 5pm for 3 times x", "every 2 months on the 31st x", "every day until 20 dec x",
	} {
		r, _, err := p.ParseRecurrence(args, loc, recurNow)
		require.NoError(t, err, args)
		back, err := ParseRule(r.String())
		require.NoError(t, err, args)
		if back.Interval == 0 {
			back.Interval = 1
		}
		require.Equal(t, r.Start.UTC(), back.Start, args)
		back.Start = r.Start
		require.Equal(t, r.Until.Unix(), back.Until.Unix(), args)
		back.Until = r.Until
		require.Equal(t, r, back, args)
	}
}

func TestParseRecurrenceRefusesMisreadWordsAsText(t *testing.T) {
	t.Parallel()
	p := New(Options{})
	loc := lisbon(t)
	tests := []struct{ name, args, want string }{
		{"a time without a colon", "every monday at 1730 Tips",
			`I read "every Monday at 09:00" but not "at 1730"; say the time like "at 17:30", "at 9:30" or "5:30pm", or put | before the text.`},
		{"a short time without a colon", "every monday at 930 Tips",
			`I read "every Monday at 09:00" but not "at 930"; say the time like "at 17:30", "at 9:30" or "5:30pm", or put | before the text.`},
		{"minutes past 59", "every monday at 09:60 Tips",
			`I read "every Monday at 09:00" but not "at 09:60"; say the time like "at 17:30", "at 9:30" or "5:30pm", or put | before the text.`},
		{"hours past 23", "every monday at 25:00 Tips",
			`I read "every Monday at 09:00" but not "at 25:00"; say the time like "at 17:30", "at 9:30" or "5:30pm", or put | before the text.`},
		{"the 2nd monday", "every 2nd monday Tips",
			`I read "every month on the 2nd at 09:00" but not "monday"; for a weekday say "every monday", "every 2 weeks on monday" or "every second monday" (of the month), or put | before the text.`},
		{"3 mondays", "every 3 mondays Tips",
			`I read "every month on the 3rd at 09:00" but not "mondays"; for a weekday say "every monday", "every 2 weeks on monday" or "every second monday" (of the month), or put | before the text.`},
		{"two weekdays with a comma", "every mon, wed 9am Tips",
			`I read "every Monday at 09:00" but not "wed"; one series repeats on one weekday; for two days make two series, like "every monday 9am …" and "every thursday 9am …", or put | before the text.`},
		{"two weekdays with and", "every monday and thursday 9am Tips",
			`I read "every Monday at 09:00" but not "and thursday"; one series repeats on one weekday; for two days make two series, like "every monday 9am …" and "every thursday 9am …", or put | before the text.`},
		{"for N years", "every monday 9am for 2 years Tips",
			`I read "every Monday at 09:00" but not "for 2 years"; say "for 3 times", "for 3 weeks" or "until 14 dec", or put | before the text.`},
		{"a number left over", "every monday 9am 5 tips for you",
			`I read "every Monday at 09:00" but not "5"; say the time like "at 17:30", the end like "for 3 times" or "until 14 dec", or put | before the text.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, text, err := p.ParseRecurrence(tt.args, loc, recurNow)
			require.Error(t, err, "read as text: %q", text)
			require.Equal(t, crier.EINVALID, crier.ErrorCode(err))
			require.Equal(t, tt.want, crier.ErrorMessage(err))
		})
	}
	t.Run("a piped text may say anything", func(t *testing.T) {
		t.Parallel()
		_, text, err := p.ParseRecurrence("every monday 9am | 5 tips at 1730 for you", loc, recurNow)
		require.NoError(t, err)
		require.Equal(t, "5 tips at 1730 for you", text)
	})
}

func TestParseRecurrenceForNWeeksEnds(t *testing.T) {
	t.Parallel()
	p := New(Options{})
	loc := lisbon(t)
	r, text, err := p.ParseRecurrence("every monday 9am for 3 weeks Tips", loc, recurNow)
	require.NoError(t, err)
	require.Equal(t, "Tips", text)
	require.False(t, r.Capped)
	last, n := r.Last(loc)
	require.Equal(t, 3, n) // 30 Nov, 7 Dec, 14 Dec
	require.Equal(t, "2026-12-14 09:00", last.In(loc).Format("2006-01-02 15:04"))

	r, _, err = p.ParseRecurrence("todo dia às 10h por 2 meses Bom dia", loc, recurNow)
	require.NoError(t, err)
	last, _ = r.Last(loc)
	require.Equal(t, "2027-01-23 10:00", last.In(loc).Format("2006-01-02 15:04"), "two months from the first, 24 Nov")
}

func TestParseRecurrenceIntervalCountsFromTheFirstTime(t *testing.T) {
	t.Parallel()
	p := New(Options{})
	loc := lisbon(t)
	// recurNow is Monday 10:00, after 09:00.
	r, _, err := p.ParseRecurrence("every other monday 9am Tips", loc, recurNow)
	require.NoError(t, err)
	require.Equal(t, "2026-11-30 09:00", r.Start.In(loc).Format("2006-01-02 15:04"), "next Monday, not in two weeks")
	require.Equal(t, "2026-12-14 09:00", r.Next(r.Start, loc).In(loc).Format("2006-01-02 15:04"))

	r, _, err = p.ParseRecurrence("every 3 days at 09:00 Tips", loc, recurNow)
	require.NoError(t, err)
	require.Equal(t, "2026-11-24 09:00", r.Start.In(loc).Format("2006-01-02 15:04"), "tomorrow, not in three days")

	r, _, err = p.ParseRecurrence("every 2 months on the 1st | Tips", loc, recurNow)
	require.NoError(t, err)
	require.Equal(t, "2026-12-01 09:00", r.Start.In(loc).Format("2006-01-02 15:04"))
	require.Equal(t, "2027-02-01 09:00", r.Next(r.Start, loc).In(loc).Format("2006-01-02 15:04"))

	r, _, err = p.ParseRecurrence("every day at 09:00 for 1 times | Once", loc, recurNow)
	require.NoError(t, err, "today's 09:00 has passed and does not count")
	require.Equal(t, "2026-11-24 09:00", r.Start.In(loc).Format("2006-01-02 15:04"))
}

func TestParseRecurrenceRefusesIntervalsOfAYearOrMore(t *testing.T) {
	t.Parallel()
	p := New(Options{})
	loc := lisbon(t)
	for _, args := range []string{"every 9999 days Hi", "every 400 days Hi", "every 365 days Hi", "every 13 months on the 1st Hi",
		"every 12 months on the 1st Hi", "every 52 weeks Hi"} {
		_, _, err := p.ParseRecurrence(args, loc, recurNow)
		require.Error(t, err, args)
		require.Equal(t, crier.EINVALID, crier.ErrorCode(err), args)
		require.Contains(t, crier.ErrorMessage(err), "crier repeats posts for up to a year: the most is every 364 days, 51 weeks or 11 months", args)
	}
	for _, args := range []string{"every 364 days Hi", "every 51 weeks Hi", "every 11 months on the 1st Hi"} {
		_, _, err := p.ParseRecurrence(args, loc, recurNow)
		require.NoError(t, err, args)
	}
}
