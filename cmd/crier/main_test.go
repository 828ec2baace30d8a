package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/file"
	"github.com/crier-bot/crier/internal/crier"
)

// binary is the crier binary built once for the end-to-end tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "crier-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "crier")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build crier: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// now is Mon 2026-11-23 10:00 in Bucharest, the day the issues were written.
var now = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

const testConfig = `timezone: Europe/Bucharest
date_order: dmy
database: data/crier.db
chat:
  shell: {user: ana, channel: general}
roles:
  scheduler: [ana]
networks:
  - name: sandbox
    kind: file
    outbox: data/sandbox/outbox.jsonl
    limit: 500
publish:
  max_attempts: 3
  attempt_timeout: 5s
`

// writeConfig writes a bot.yaml into a new folder and returns its path.
func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bot.yaml")
	require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
	return path
}

// run runs Main in-process with the given clock and stdin.
func run(t *testing.T, clock crier.Clock, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	m := &Main{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: os.LookupEnv, Clock: clock}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code = m.Run(ctx, args)
	return code, out.String(), errb.String()
}

func TestShellTranscript(t *testing.T) {
	t.Parallel()
	cfg := writeConfig(t, testConfig)
	session := strings.Join([]string{
		"/schedule tomorrow 9am Launch day is here! https://example.com/launch",
		"/draft Our spring collection drops Friday",
		"/schedule #2 friday 3pm",
		"/reschedule #1 in 2 minutes",
		"/cancel #2",
		"/schedule now | Doors are open!",
		"/queue",
		"/schedule yesterday 9am Too late",
		"/schedule hello world",
		"/schedule tomorrow 9am",
		"/cancel #99",
		"/cancel #2",
		"/frobnicate",
		"hello?",
	}, "\n")
	code, out, stderr := run(t, crier.NewManualClock(now), session, "shell", "-config", cfg)
	require.Equal(t, 0, code, stderr)

	want := []string{
		"> /schedule tomorrow 9am Launch day is here! https://example.com/launch",
		"✓ Post #1 scheduled for Tue 24 Nov 09:00 EET (in 23 h) to sandbox.",
		"  sandbox  46/500  “Launch day is here! https://example.com/launch”",
		"✓ Draft #2 saved. /schedule #2 <when> to schedule it.",
		"✓ Post #2 scheduled for Fri 27 Nov 15:00 EET (in 4 days) to sandbox.",
		"✓ Post #1 moved to Mon 23 Nov 10:02 EET (in 2 min).",
		"✓ Post #2 cancelled; it will not be published. To schedule it again, type /schedule <when> and its text:",
		"✓ Post #3 scheduled to go out now to sandbox.",
		"  sandbox  15/500  “Doors are open!”",
		"#1  Mon 23 Nov 10:02 EET (in 2 min)  sandbox  “Launch day is here! https://example.com/launch”",
		"✗ There is no post #99. Type /queue to see the upcoming posts and their numbers.",
		"✗ Post #2 is already cancelled. Type /queue to see what is upcoming.",
		"✗ I don't know /frobnicate. Type /help to see what I can do.",
		"Commands start with a slash, like /help or /schedule tomorrow 9am Hello!",
		"✓ Post #3 published to sandbox: file://",
		"1 post is still scheduled, for Mon 23 Nov 10:02 EET (in 2 min); crier publishes it when it runs again (make run, or crier run).",
	}
	for _, w := range want {
		require.Contains(t, out, w)
	}
	require.Regexp(t, `✗ .*yesterday 9am.* is in the past`, out)
	require.Regexp(t, `✗ I couldn.t find a time .*hello world`, out)
	require.Contains(t, out, "✗ There is no text after the time.")

	recs, err := file.ReadOutbox(filepath.Join(filepath.Dir(cfg), "data/sandbox/outbox.jsonl"))
	require.NoError(t, err)
	require.Len(t, recs, 1, "only the post due now is published")
	require.Equal(t, "Doors are open!", recs[0].Text)
	require.Regexp(t, `^crier-[0-9a-f]{12}-3-sandbox-0$`, recs[0].IdempotencyKey)
}

func TestUserWithoutTheRoleIsRefused(t *testing.T) {
	t.Parallel()
	cfg := writeConfig(t, testConfig)
	code, out, _ := run(t, crier.NewManualClock(now), "/schedule tomorrow 9am Hi\n/queue\n", "shell", "-config", cfg, "-user", "bob")
	require.Equal(t, 0, code)
	require.Contains(t, out, "✗ You need the scheduler role to use /schedule. Ask whoever runs crier to add you under roles: in bot.yaml.")
	require.Contains(t, out, "Nothing is scheduled.")
}

func TestHelpIsGeneratedFromTheDefinitions(t *testing.T) {
	t.Parallel()
	cfg := writeConfig(t, testConfig)
	code, out, _ := run(t, crier.NewManualClock(now), "/help\n/help schedule\n/help nope\n", "shell", "-config", cfg)
	require.Equal(t, 0, code)
	for _, usage := range []string{"/schedule <when> <text>", "/draft <text>", "/queue", "/reschedule #id <when>", "/cancel #id", "/timezone [Area/City | reset]", "/help [command]"} {
		require.Contains(t, out, usage)
	}
	require.Contains(t, out, "/schedule friday 3pm | Our spring collection drops today")
	require.Contains(t, out, "Needs the scheduler role.")
	require.Contains(t, out, "✗ There is no /nope command.")
}

func TestWhen(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"a phrase prints the instant and the echo", []string{"when", "-tz", "Europe/Bucharest", "-now", "2026-11-23T10:00:00+02:00", "tomorrow", "9am"},
			0, "2026-11-24T09:00:00+02:00\nTue 24 Nov 09:00 EET (in 23 h)\n", ""},
		{"portuguese works", []string{"when", "-tz", "Europe/Bucharest", "-now", "2026-11-23T10:00:00+02:00", "-lang", "pt", "amanhã às 9h"},
			0, "2026-11-24T09:00:00+02:00\nTue 24 Nov 09:00 EET (in 23 h)\n", ""},
		{"a past time exits 1", []string{"when", "-tz", "Europe/Bucharest", "-now", "2026-11-23T10:00:00+02:00", "yesterday 9am"},
			1, "", "in the past"},
		{"no time exits 1", []string{"when", "-tz", "UTC", "hello world"}, 1, "", "couldn't find a time"},
		{"an unknown zone is a usage error", []string{"when", "-tz", "Mars/Olympus", "9am"}, 2, "", "is not a timezone"},
		{"no phrase is a usage error", []string{"when"}, 2, "", "give a time phrase"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := run(t, crier.NewManualClock(now), "", tt.args...)
			require.Equal(t, tt.code, code, errOut)
			if tt.stdout != "" {
				require.Equal(t, tt.stdout, out)
			}
			require.Contains(t, errOut, tt.stderr)
			if tt.code != 0 {
				require.Equal(t, 1, strings.Count(strings.TrimSpace(errOut), "\n")+1, "one line: %q", errOut)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	code, out, errOut := run(t, nil, "", "check", "-config", writeConfig(t, testConfig))
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "is valid.")
	require.Contains(t, out, "network:   sandbox (file): posts appended to ")
	require.NotContains(t, out, "inbox:", "no inbox section: no relay")

	code, out, errOut = run(t, nil, "", "check", "-config", writeConfig(t, testConfig+"inbox:\n  channel: shell:inbox\n  crisis: off\n"))
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "inbox:     comments in shell:inbox, networks read every 30 s; crisis alarm: off\n")

	bad := strings.Replace(testConfig, "kind: file", "kind: mastodn", 1)
	code, _, errOut = run(t, nil, "", "check", "-config", writeConfig(t, bad))
	require.Equal(t, 1, code)
	require.Regexp(t, `bot\.yaml:10: networks\[0\]\.kind: unknown kind "mastodn"`, errOut)

	code, _, errOut = run(t, nil, "", "check", "-config", writeConfig(t, "timezone: [\n"))
	require.Equal(t, 1, code)
	require.Regexp(t, `bot\.yaml:\d+: `, errOut)
}

func TestADatabaseThatIsNotSQLiteIsRefused(t *testing.T) {
	t.Parallel()
	cfg := writeConfig(t, testConfig)
	db := filepath.Join(filepath.Dir(cfg), "data", "crier.db")
	require.NoError(t, os.MkdirAll(filepath.Dir(db), 0o755))
	require.NoError(t, os.WriteFile(db, bytes.Repeat([]byte("not a database "), 100), 0o600))
	code, _, errOut := run(t, nil, "/queue\n", "shell", "-config", cfg)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "is not a crier database")
}

func TestBackupCopiesTheDatabase(t *testing.T) {
	t.Parallel()
	cfg := writeConfig(t, testConfig)
	code, _, errOut := run(t, crier.NewManualClock(now), "/draft Keep me\n", "shell", "-config", cfg)
	require.Equal(t, 0, code, errOut)
	dst := filepath.Join(t.TempDir(), "copy.db")
	code, out, errOut := run(t, nil, "", "backup", "-config", cfg, dst)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "Copied ")

	// The copy is a working crier database.
	cfg2 := strings.Replace(testConfig, "database: data/crier.db", "database: "+dst, 1)
	code, out, errOut = run(t, crier.NewManualClock(now), "/queue\n", "shell", "-config", writeConfig(t, cfg2))
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "#1  draft  “Keep me”")
}

// startShell starts the crier binary's shell with stdin kept open.
func startShell(t *testing.T, cfg string) (*exec.Cmd, io.WriteCloser, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(binary, "shell", "-config", cfg)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = io.Discard // warnings about interrupted jobs, expected here
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd, stdin, bufio.NewScanner(stdout)
}

func TestBinaryShellSessionEndToEnd(t *testing.T) {
	t.Parallel()
	cfg := writeConfig(t, testConfig)
	cmd := exec.Command(binary, "shell", "-config", cfg)
	cmd.Stdin = strings.NewReader("/schedule tomorrow 9am Launch day!\n/schedule now Hello from the shell\n/queue\n")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Regexp(t, `✓ Post #1 scheduled for \w{3} \d+ \w{3} 09:00 EE[S]?T \(in [^)]+\) to sandbox\.`, string(out))
	require.Contains(t, string(out), "✓ Post #2 published to sandbox: file://")
	recs, err := file.ReadOutbox(filepath.Join(filepath.Dir(cfg), "data/sandbox/outbox.jsonl"))
	require.NoError(t, err)
	require.Len(t, recs, 1)
	require.Equal(t, "Hello from the shell", recs[0].Text)
}

func TestASecondCrierOnTheSameDatabaseIsRefused(t *testing.T) {
	t.Parallel()
	cfg := writeConfig(t, testConfig)
	_, stdin, out := startShell(t, cfg)
	_, _ = io.WriteString(stdin, "/draft first\n")
	for out.Scan() {
		if strings.Contains(out.Text(), "Draft #1 saved") {
			break
		}
	}
	second := exec.Command(binary, "shell", "-config", cfg)
	second.Stdin = strings.NewReader("/draft second\n")
	res, err := second.CombinedOutput()
	require.Error(t, err)
	require.Equal(t, 1, second.ProcessState.ExitCode())
	require.Regexp(t, `crier: another crier \(pid \d+\) is already using .*crier\.db; stop it first`, string(res))
	_ = stdin.Close()
}

var scheduledRE = regexp.MustCompile(`✓ Post #(\d+) scheduled`)

// TestCrashWhilePublishing stops crier while it publishes, again and again —
// SIGKILL (a crash) and SIGTERM (a graceful stop) in turn — restarts it, and
// finds every scheduled post in the outbox exactly once.
func TestCrashWhilePublishing(t *testing.T) {
	t.Parallel()
	cfg := writeConfig(t, testConfig)
	outbox := filepath.Join(filepath.Dir(cfg), "data/sandbox/outbox.jsonl")
	confirmed := map[string]bool{}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	const rounds, perRound = 6, 200
	for round := range rounds {
		cmd, stdin, out := startShell(t, cfg)
		go func() {
			for i := range perRound {
				if _, err := fmt.Fprintf(stdin, "/schedule now Crash round %d post %d\n", round, i); err != nil {
					return
				}
			}
		}()
		killAfter := 5 + rng.IntN(60) // published lines to see before the kill
		published := 0
		for out.Scan() {
			line := out.Text()
			if m := scheduledRE.FindStringSubmatch(line); m != nil {
				confirmed[m[1]] = true
			}
			if strings.Contains(line, "published to sandbox") {
				published++
				if published >= killAfter {
					break
				}
			}
		}
		if round%2 == 0 {
			require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
			_ = cmd.Wait()
			continue
		}
		require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
		go func() {
			for out.Scan() { //nolint:revive // drain the rest of the output
			}
		}()
		require.NoError(t, cmd.Wait(), "SIGTERM is a clean stop")
	}
	// A last start with no input publishes whatever is left, then exits.
	final := exec.Command(binary, "shell", "-config", cfg)
	final.Stdin = strings.NewReader("")
	res, err := final.CombinedOutput()
	require.NoError(t, err, "%s", res)

	recs, err := file.ReadOutbox(outbox)
	require.NoError(t, err)
	seen := map[string]int{} // by key without its installation id (the same in every record)
	installation := regexp.MustCompile(`^crier-[0-9a-f]{12}-`)
	for _, r := range recs {
		require.Regexp(t, installation, r.IdempotencyKey)
		k := installation.ReplaceAllString(r.IdempotencyKey, "")
		seen[k]++
		require.Equal(t, 1, seen[k], "published twice: %s", r.IdempotencyKey)
	}
	require.NotEmpty(t, confirmed)
	for id := range confirmed {
		require.Equal(t, 1, seen[id+"-sandbox-0"], "post #%s was confirmed but not published exactly once", id)
	}
	t.Logf("%d posts confirmed, %d published, over %d crashes", len(confirmed), len(recs), rounds)
}
