package netcall_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/internal/netcall"
)

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	// crier's clock, not the machine's: a date is measured from it.
	now := time.Date(2026, 11, 24, 9, 0, 0, 400_000_000, time.UTC)
	for _, tc := range []struct {
		name   string
		value  string // "" = no header
		want   time.Duration
		wantOK bool
	}{
		{"no header says nothing", "", 0, false},
		{"seconds are seconds", "120", 2 * time.Minute, true},
		{"zero seconds is at once", "0", 0, true},
		{"white space around the value is ignored", "  7 ", 7 * time.Second, true},
		{"a negative number is not delay-seconds", "-5", 0, false},
		{"a plus sign is not delay-seconds", "+5", 0, false},
		{"a fraction is not delay-seconds", "1.5", 0, false},
		{"a huge number is capped, not overflowed", "99999999999999999999", 100 * 365 * 24 * time.Hour, true},
		{"an IMF-fixdate is measured on the injected clock", "Tue, 24 Nov 2026 09:00:20 GMT", 19*time.Second + 600*time.Millisecond, true},
		{"an RFC 850 date is accepted", "Tuesday, 24-Nov-26 09:01:00 GMT", 59*time.Second + 600*time.Millisecond, true},
		{"an asctime date is accepted", "Tue Nov 24 09:01:00 2026", 59*time.Second + 600*time.Millisecond, true},
		{"a date already past is at once", "Tue, 24 Nov 2026 08:59:00 GMT", 0, true},
		{"garbage says nothing", "soon", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			if tc.value != "" {
				h.Set("Retry-After", tc.value)
			}
			got, ok := netcall.RetryAfter(h, now)
			require.Equal(t, tc.wantOK, ok)
			require.Equal(t, tc.want, got)
		})
	}
}
