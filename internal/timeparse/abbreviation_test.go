package timeparse_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/internal/timeparse"
)

func TestAbbreviationZones(t *testing.T) {
	t.Parallel()
	winter := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	summer := time.Date(2026, 7, 15, 12, 0, 0, 0, time.UTC)
	p := timeparse.New(timeparse.Options{})
	tests := []struct {
		abbr  string
		first string
		one   bool
	}{
		{"BRT", "America/Sao_Paulo", true},
		{"brt", "America/Sao_Paulo", true},
		{"ET", "America/New_York", true},
		{"PT", "America/Los_Angeles", true},
		{"EST", "America/New_York", false},
		{"CEST", "Europe/Berlin", false},
		{"BST", "Europe/London", false},
	}
	for _, tt := range tests {
		t.Run(tt.abbr, func(t *testing.T) {
			t.Parallel()
			zones, one := timeparse.AbbreviationZones(tt.abbr)
			require.Equal(t, tt.one, one)
			require.Equal(t, tt.first, zones[0])
			for _, z := range zones {
				_, err := time.LoadLocation(z)
				require.NoError(t, err, z)
			}
			if !one {
				return
			}
			// A zone stored for the abbreviation keeps the clock /schedule
			// reads for it, in winter and in summer.
			loc, err := time.LoadLocation(tt.first)
			require.NoError(t, err)
			for _, at := range []time.Time{winter, summer} {
				got, err := p.Parse("2026-"+at.Format("01-02")+" 09:00 "+tt.abbr, time.UTC, at.Add(-48*time.Hour))
				require.NoError(t, err)
				want := time.Date(at.Year(), at.Month(), at.Day(), 9, 0, 0, 0, loc)
				require.True(t, want.Equal(got), "%s on %s: got %s, want %s", tt.abbr, at.Format("Jan"), got, want)
			}
		})
	}
	zones, _ := timeparse.AbbreviationZones("XYZ")
	require.Nil(t, zones)
}
