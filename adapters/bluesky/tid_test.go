package bluesky_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/bluesky"
	"github.com/crier-bot/crier/adapters/bluesky/blueskytest"
)

// tidSyntax is the reference regex of https://atproto.com/specs/tid.
var tidSyntax = regexp.MustCompile(`^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$`)

// tidTime decodes the timestamp of a TID.
func tidTime(t *testing.T, tid string) time.Time {
	t.Helper()
	var v uint64
	for _, c := range tid {
		v = v<<5 | uint64(strings.IndexRune("234567abcdefghijklmnopqrstuvwxyz", c))
	}
	return time.UnixMicro(int64(v >> 10)).UTC()
}

func TestRecordKey(t *testing.T) {
	t.Parallel()
	t.Run("keys have TID syntax for due times over two centuries", func(t *testing.T) {
		t.Parallel()
		for year := 2000; year <= 2250; year += 7 {
			due := time.Date(year, time.Month(year%12+1), 13, 17, 45, 3, 999_999_999, time.UTC)
			tid, err := bluesky.RecordKey(fmt.Sprintf("post-%d", year), due)
			require.NoError(t, err)
			require.Regexp(t, tidSyntax, tid)
			require.True(t, blueskytest.ValidTID(tid))
		}
	})
	t.Run("the same key and due time always give the same TID", func(t *testing.T) {
		t.Parallel()
		a, err := bluesky.RecordKey("7:bsky:0", dueAt())
		require.NoError(t, err)
		b, err := bluesky.RecordKey("7:bsky:0", dueAt().In(time.FixedZone("EET", 7200)))
		require.NoError(t, err)
		require.Equal(t, a, b)
	})
	t.Run("the TID's time is the due time or up to 18 minutes before", func(t *testing.T) {
		t.Parallel()
		for i := range 1000 {
			tid, err := bluesky.RecordKey(fmt.Sprintf("k%d", i), dueAt())
			require.NoError(t, err)
			at := tidTime(t, tid)
			require.False(t, at.After(dueAt()), "TID time %s after due", at)
			require.True(t, at.After(dueAt().Add(-18*time.Minute)), "TID time %s too early", at)
		}
	})
	t.Run("100,000 keys due at the same instant get different TIDs", func(t *testing.T) {
		t.Parallel()
		seen := make(map[string]string, 100_000)
		for i := range 100_000 {
			key := fmt.Sprintf("%d:bluesky:%d", i/3, i%3)
			tid, err := bluesky.RecordKey(key, dueAt())
			require.NoError(t, err)
			if other, dup := seen[tid]; dup {
				t.Fatalf("keys %q and %q both get TID %s", other, key, tid)
			}
			seen[tid] = key
		}
	})
	t.Run("the same key due at another time gets another TID", func(t *testing.T) {
		t.Parallel()
		a, _ := bluesky.RecordKey("k", dueAt())
		b, _ := bluesky.RecordKey("k", dueAt().Add(time.Millisecond))
		require.NotEqual(t, a, b)
	})
	t.Run("an empty key or a due time before 2000 is refused", func(t *testing.T) {
		t.Parallel()
		_, err := bluesky.RecordKey("", dueAt())
		require.Error(t, err)
		_, err = bluesky.RecordKey("k", time.Time{})
		require.Error(t, err)
	})
}
