// Command crier is a chat-ops bot that schedules social-media posts from chat.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strconv"
	"syscall"

	"github.com/crier-bot/crier/internal/crier"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	m := &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.LookupEnv}
	code := m.Run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// Main runs one crier subcommand. Its fields are the process's outside world,
// so tests can drive it in-process.
type Main struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) (string, bool)
	Clock          crier.Clock // nil means the system clock
}

const usage = `crier schedules social-media posts from chat.

Usage:
  crier shell [-config bot.yaml] [-user NAME] [-channel NAME] [-log-level L]
      chat with crier in this terminal
  crier run [-config bot.yaml] [-log-level L]
      run the bot and publish posts on time
  crier when [-config bot.yaml] [-tz ZONE] [-now RFC3339] [-lang en|pt] [-date-order dmy|mdy] PHRASE…
      show how a time phrase is understood
  crier check [-config bot.yaml]
      validate bot.yaml and show what it connects to
  crier migrate [-config bot.yaml]
      create or update the database
  crier backup [-config bot.yaml] FILE
      copy the live database to FILE
  crier import [-config bot.yaml] [-skip-bad-rows] FILE
      store the team's numbers (date, metric, value, account, campaign) or schedule a calendar (date, time, timezone, networks, text, …) from a CSV file
  crier export [-config bot.yaml] [-force] FILE
      write the calendar (scheduled posts and drafts) to a CSV file
  crier version
      show crier's version, commit and Go version

crier COMMAND -h says what each flag of COMMAND means.
`

// errUsage marks errors whose message is a usage line (exit status 2).
var errUsage = errors.New("usage")

// Run runs the subcommand in args and returns the exit status.
func (m *Main) Run(ctx context.Context, args []string) int {
	if m.Clock == nil {
		m.Clock = crier.SystemClock{}
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(m.Stdout, usage)
		return 0
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "version", "-version", "--version":
		info, _ := debug.ReadBuildInfo()
		fmt.Fprintln(m.Stdout, versionLine(info, stamp{commit: buildCommit, modified: buildModified}))
	case "shell":
		err = m.runShell(ctx, rest)
	case "run":
		err = m.runBot(ctx, rest)
	case "when":
		err = m.runWhen(rest)
	case "check":
		err = m.runCheck(ctx, rest)
	case "migrate":
		err = m.runMigrate(ctx, rest)
	case "backup":
		err = m.runBackup(ctx, rest)
	case "import":
		err = m.runImport(ctx, rest)
	case "export":
		err = m.runExport(ctx, rest)
	default:
		fmt.Fprintf(m.Stderr, "crier: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(m.Stderr, "crier: %v\n", err)
		return 2
	default:
		fmt.Fprintf(m.Stderr, "crier: %s\n", oneLine(err))
		return 1
	}
}

// oneLine is the message of err for a person: a crier.Error's message, or the
// wrapped chain (for operators) on one line.
func oneLine(err error) string {
	if crier.ErrorCode(err) != crier.EINTERNAL {
		return crier.ErrorMessage(err)
	}
	return err.Error()
}

func (m *Main) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("crier "+name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	return fs
}

// buildCommit and buildModified are set by make build (-ldflags -X) from git,
// for builds whose build info holds no commit (go build -buildvcs=false).
// They are never written at run time.
var buildCommit, buildModified string

// stamp is what make build stamped into the binary.
type stamp struct{ commit, modified string }

// versionLine says which crier this is: "crier v1.2.0, commit 0123456789ab,
// built with go1.26.8", with "devel" for a version and "unknown" for a
// commit that is not known, and "with local changes" when the build's tree
// had uncommitted changes. The build info's commit wins over make build's.
func versionLine(info *debug.BuildInfo, stamped stamp) string {
	version, goVersion := "devel", runtime.Version()
	commit, modified := stamped.commit, stamped.modified
	if info != nil {
		if v := info.Main.Version; v != "" && v != "(devel)" {
			version = v
		}
		if info.GoVersion != "" {
			goVersion = info.GoVersion
		}
		settings := map[string]string{}
		for _, s := range info.Settings {
			settings[s.Key] = s.Value
		}
		if rev := settings["vcs.revision"]; rev != "" {
			commit, modified = rev, settings["vcs.modified"]
		}
	}
	if commit == "" {
		commit = "unknown"
	}
	if len(commit) > 12 {
		commit = commit[:12]
	}
	if dirty, _ := strconv.ParseBool(modified); dirty {
		commit += " with local changes"
	}
	return fmt.Sprintf("crier %s, commit %s, built with %s", version, commit, goVersion)
}
