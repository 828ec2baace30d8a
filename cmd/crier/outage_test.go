package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// startRun starts `crier run` with config in-process and returns it once its
// /healthz answers at all (200 or 503).
func startRun(t *testing.T, config, addr string) *crierRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c := &crierRun{url: "http://" + addr, config: config, stderr: &syncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: c.stderr, Getenv: os.LookupEnv}
	go func() { c.done <- m.Run(ctx, []string{"run", "-config", config, "-log-level", "warn"}) }()
	t.Cleanup(func() { c.stop() })
	require.Eventually(t, func() bool {
		status, _ := c.healthz()
		return status != 0
	}, 30*time.Second, 20*time.Millisecond, "crier run did not come up: %s", c.stderr.String())
	return c
}

// healthz returns /healthz's status and body (0 when it does not answer).
func (c *crierRun) healthz() (int, string) {
	client := &http.Client{Timeout: time.Second}
	res, err := client.Get(c.url + "/healthz")
	if err != nil {
		return 0, ""
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestSlackDownAtStartDoesNotStopCrierRun(t *testing.T) {
	t.Parallel()
	api := newSlackAPI(t)
	api.down.Store(true)
	addr := freeAddr(t)
	c := startRun(t, writeConfigTB(t, slackHTTPConfig(api.srv.URL, addr)), addr)

	require.Eventually(t, func() bool {
		status, body := c.healthz()
		return status == http.StatusServiceUnavailable && strings.Contains(body, "slack: Slack is not answering")
	}, 30*time.Second, 20*time.Millisecond, "/healthz names Slack while it is down")
	select {
	case code := <-c.done:
		t.Fatalf("crier run stopped (exit %d) while Slack was down: %s", code, c.stderr.String())
	default:
	}
	require.Contains(t, c.stderr.String(), "crier keeps running and tries again", "the log says crier keeps trying")
	require.NotContains(t, c.stderr.String(), "xoxb-test", "no token in the log")

	api.down.Store(false)
	require.Eventually(t, func() bool {
		status, body := c.healthz()
		return status == http.StatusOK && body == "ok\n"
	}, 60*time.Second, 50*time.Millisecond, "crier recovers when Slack is back")
	require.Equal(t, 0, c.stop(), c.stderr.String())
}

func TestASlackRequestReplayedAfterARestartIsRefused(t *testing.T) {
	t.Parallel()
	api := newSlackAPI(t)
	addr := freeAddr(t)
	config := writeConfigTB(t, slackHTTPConfig(api.srv.URL, addr))
	client := &http.Client{Timeout: 10 * time.Second}
	captured := signedRequest(t, "http://"+addr+"/slack/commands", slackTestSecret, slashForm(api, "/schedule", "tomorrow 9am Replayed once", "r1"))
	body, err := captured.GetBody()
	require.NoError(t, err)
	replay, err := http.NewRequest(captured.Method, captured.URL.String(), body)
	require.NoError(t, err)
	replay.Header = captured.Header.Clone()

	first := startRun(t, config, addr)
	status, _ := doRequest(t, client, captured)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, 0, first.stop(), first.stderr.String())

	second := startRun(t, config, addr)
	status, _ = doRequest(t, client, replay)
	require.Equal(t, http.StatusUnauthorized, status, "the same signed request, sent again after the restart")
	require.Equal(t, 0, second.stop(), second.stderr.String())

	code, out, errOut := run(t, nil, "/queue\n", "shell", "-config", config)
	require.Equal(t, 0, code, errOut)
	require.Equal(t, 1, strings.Count(out, "Replayed once"), "scheduled once: %s", out)
}
