package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/webhook/webhooktest"
	"github.com/crier-bot/crier/internal/crier"
)

// watchWriter is a Main's stdout that tests can read while Main runs, and
// wait on for a line without sleeping.
type watchWriter struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	waiting string
	seen    chan struct{}
}

func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if w.seen != nil && strings.Contains(w.buf.String(), w.waiting) {
		close(w.seen)
		w.seen = nil
	}
	return n, err
}

// await returns a channel closed once the output holds s.
func (w *watchWriter) await(s string) <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	ch := make(chan struct{})
	if strings.Contains(w.buf.String(), s) {
		close(ch)
		return ch
	}
	w.waiting, w.seen = s, ch
	return ch
}

func (w *watchWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func TestCtrlCInTheShellSaysWhatIsStillScheduled(t *testing.T) {
	t.Parallel()
	cfg := writeConfig(t, testConfig)
	stdin, typing := io.Pipe()
	t.Cleanup(func() { _ = typing.Close() })
	out := &watchWriter{}
	var errb bytes.Buffer
	m := &Main{Stdin: stdin, Stdout: out, Stderr: &errb, Getenv: os.LookupEnv, Clock: crier.NewManualClock(now)}
	ctx, interrupt := context.WithCancel(context.Background())
	defer interrupt()
	scheduled := out.await("✓ Post #1 scheduled")
	done := make(chan int, 1)
	go func() { done <- m.Run(ctx, []string{"shell", "-config", cfg}) }()

	_, err := io.WriteString(typing, "/schedule tomorrow 9am Launch day!\n")
	require.NoError(t, err)
	select {
	case <-scheduled:
	case code := <-done:
		t.Fatalf("the shell ended (%d) before scheduling: %s %s", code, out, errb.String())
	}
	interrupt() // what signal.NotifyContext does on Ctrl-C
	code := <-done
	require.Equal(t, 0, code, errb.String())
	require.Contains(t, out.String(), "1 post is still scheduled, for Tue 24 Nov 09:00 EET (in 23 h); crier publishes it when it runs again (make run, or crier run).")
}

func TestShellEndSaysWhichPostsWaitForAPerson(t *testing.T) {
	t.Parallel()
	// A receiver that cannot deduplicate and drops every post's connection
	// after storing it: crier cannot know whether the post went out.
	hook := webhooktest.New(hookSecret)
	t.Cleanup(hook.Close)
	clock := crier.NewManualClock(now)
	hook.SetClock(clock) // its signature window is measured on crier's clock
	hook.SetDedupe(false)
	hook.SetFaults(webhooktest.Faults{Rate: 1, Seed: 1, Modes: []webhooktest.Fault{webhooktest.FaultResetAfterStore}})
	cfg := writeConfig(t, fmt.Sprintf(`timezone: Europe/Bucharest
database: data/crier.db
chat:
  shell: {user: ana, channel: general}
roles:
  scheduler: [ana]
networks:
  - {name: raw, kind: webhook, url: %q, secret: %q, rate: 1000, deduplicates: false}
publish:
  max_attempts: 3
  attempt_timeout: 5s
`, hook.URL, hookSecret))
	session := "/schedule now Doors are open!\n/schedule friday 3pm Three days to go\n/schedule tomorrow 9am Launch day!\n"
	code, out, errOut := run(t, clock, session, "shell", "-config", cfg)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "2 posts are still scheduled, the next for Tue 24 Nov 09:00 EET (in 23 h); crier publishes them when it runs again (make run, or crier run).")
	require.Contains(t, out, "1 post waits for you to say whether it went out: type /published #1 raw if it is on raw, or /republish #1 raw to send it again.")
	require.NotContains(t, out, "3 posts are still scheduled")
}

func TestShellSaysTheTimezoneComesFromBotYAML(t *testing.T) {
	t.Parallel()
	code, out, errOut := run(t, crier.NewManualClock(now), "/timezone\n", "shell", "-config", writeConfig(t, testConfig))
	require.Equal(t, 0, code, errOut)
	require.Regexp(t, `Your timezone is Europe/Bucharest \([^)]*bot\.yaml[^)]*\)`, out)
	require.NotContains(t, out, "from your chat", "the shell has no chat profile; the zone is bot.yaml's")
}
