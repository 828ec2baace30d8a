package netcall

import (
	"net/http"
	"strings"
	"time"
)

// maxDelaySeconds bounds a Retry-After in seconds so the duration cannot
// overflow (about 290 years would).
const maxDelaySeconds = 100 * 365 * 24 * 3600

// RetryAfter reads a Retry-After header (RFC 9110 §10.2.3): delay-seconds (a
// non-negative whole number) or an HTTP-date (IMF-fixdate, or the obsolete
// RFC 850 and asctime forms a recipient must accept), measured from now,
// the injected clock's time. ok is false when the header is absent or
// unreadable, so the caller can fall back to another header; a date already
// past is (0, true).
func RetryAfter(h http.Header, now time.Time) (d time.Duration, ok bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, ok := delaySeconds(v); ok {
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// delaySeconds parses 1*DIGIT, capped at maxDelaySeconds. strconv.Atoi would
// also take "+5" and "-5", which the grammar does not allow.
func delaySeconds(v string) (int64, bool) {
	var n int64
	for _, c := range []byte(v) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = min(n*10+int64(c-'0'), maxDelaySeconds)
	}
	return n, true
}
