package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/internal/crier"
)

// TestShellEndCountsEveryScheduledPost schedules more posts than one page of
// the queue holds (and more than the thousand the goodbye once read): the
// goodbye counts them all.
func TestShellEndCountsEveryScheduledPost(t *testing.T) {
	t.Parallel()
	cfg := writeConfig(t, testConfig)
	var in strings.Builder
	for i := range 1001 {
		fmt.Fprintf(&in, "/schedule tomorrow 9am Post %d\n", i+1)
	}
	code, out, errOut := run(t, crier.NewManualClock(now), in.String(), "shell", "-config", cfg)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "1001 posts are still scheduled, the next for Tue 24 Nov 09:00 EET")
}
