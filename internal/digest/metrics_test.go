package digest_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/digest"
)

func TestAnUnknownMetricSuggestsTheClosest(t *testing.T) {
	t.Parallel()
	m, err := digest.FindMetric("Conversions")
	require.NoError(t, err)
	require.Equal(t, "conversions", m.Name)
	_, err = digest.FindMetric("convresions")
	require.Equal(t, `crier knows no number called "convresions". Did you mean conversions? /kpi help lists them.`, crier.ErrorMessage(err))
	_, err = digest.FindMetric("banana")
	require.Equal(t, `crier knows no number called "banana"; /kpi help lists them.`, crier.ErrorMessage(err))
	_, err = digest.FindTeamMetric("followers")
	require.Contains(t, crier.ErrorMessage(err), "crier counts followers itself; the numbers you can set are reach, impressions, clicks, conversions, revenue, spend.")
}

func TestValuesAreCountsOrAmountsNeverNegative(t *testing.T) {
	t.Parallel()
	conv, _ := digest.FindMetric("conversions")
	spend, _ := digest.FindMetric("spend")
	for _, tc := range []struct {
		m        digest.Metric
		in       string
		want     float64
		currency string
		err      string
	}{
		{m: conv, in: "42", want: 42},
		{m: conv, in: "1,250", want: 1250},
		{m: spend, in: "120.50 eur", want: 120.5, currency: "EUR"},
		{m: spend, in: "120,50", want: 120.5},
		{m: spend, in: "1.250,50 EUR", want: 1250.5, currency: "EUR"},
		{m: conv, in: "-3", err: "conversions cannot be negative (-3); type 0 or more."},
		{m: conv, in: "lots", err: `"lots" is not a count; type a whole number like 42.`},
		{m: spend, in: "lots", err: `"lots" is not an amount; type it like 120.50 or 120.50 EUR.`},
		{m: conv, in: "4.5", err: "conversions is a count of whole things; type 5, not 4.5."},
		{m: conv, in: "4 EUR", err: "conversions is a count, not money: type 4 without EUR."},
	} {
		v, cur, err := digest.ParseValue(tc.m, tc.in)
		if tc.err != "" {
			require.Equal(t, tc.err, crier.ErrorMessage(err), tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, v, tc.in)
		require.Equal(t, tc.currency, cur, tc.in)
	}
}

func TestATypedValueWithAnAmbiguousDotIsAsked(t *testing.T) {
	t.Parallel()
	spend, _ := digest.FindMetric("spend")
	_, _, err := digest.ParseTypedValue(spend, "1.250 EUR")
	require.Equal(t, `"1.250 EUR" could be 1250 or 1.25; type it without the dot, or with two decimals.`, crier.ErrorMessage(err))
	v, cur, err := digest.ParseTypedValue(spend, "1.25 EUR")
	require.NoError(t, err)
	require.Equal(t, 1.25, v)
	require.Equal(t, "EUR", cur)
}

func TestADayIsTodayOrEarlier(t *testing.T) {
	t.Parallel()
	lisbon, err := time.LoadLocation("Europe/Lisbon")
	require.NoError(t, err)
	now := time.Date(2026, 12, 6, 0, 30, 0, 0, time.UTC) // 00:30 in Lisbon too
	for in, want := range map[string]string{"": "2026-12-06", "yesterday": "2026-12-05", "2026-11-30": "2026-11-30", "5 dec": "2026-12-05", "dec 1": "2026-12-01"} {
		got, err := digest.ParseDay(in, now, lisbon)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	_, err = digest.ParseDay("2026-12-07", now, lisbon)
	require.Equal(t, "2026-12-07 is in the future; numbers are for today or earlier.", crier.ErrorMessage(err))
	_, err = digest.ParseDay("someday", now, lisbon)
	require.Equal(t, `"someday" is not a day crier can read; type it like 2026-12-05, 5 dec or yesterday.`, crier.ErrorMessage(err))
	got, err := digest.ParseDay("31 dec", time.Date(2027, 1, 2, 10, 0, 0, 0, time.UTC), lisbon)
	require.NoError(t, err)
	require.Equal(t, "2026-12-31", got, "a day and month still to come this year is last year's")
	bucharest, err := time.LoadLocation("Europe/Bucharest")
	require.NoError(t, err)
	got, err = digest.ParseDay("", time.Date(2026, 12, 5, 22, 30, 0, 0, time.UTC), bucharest)
	require.NoError(t, err)
	require.Equal(t, "2026-12-06", got, "today is the person's today")
}
