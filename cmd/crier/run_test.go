package main

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRunWithoutAChatPlatformSaysNobodyCanTalkToIt(t *testing.T) {
	t.Parallel()
	cfg := writeConfig(t, testConfig)
	stderr := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: stderr, Getenv: os.LookupEnv}
	go func() { done <- m.Run(ctx, []string{"run", "-config", cfg, "-log-level", "info"}) }()
	require.Eventually(t, func() bool { return strings.Contains(stderr.String(), "crier is running") }, 30*time.Second, 20*time.Millisecond, stderr.String())
	cancel()
	require.Equal(t, 0, <-done, stderr.String())
	out := stderr.String()
	require.Contains(t, out, "No chat platform is set up, so nobody can give crier a command")
	require.Contains(t, out, "Add chat.slack or chat.discord to bot.yaml")
}
