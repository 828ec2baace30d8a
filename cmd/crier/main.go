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
  crier shell  [-config bot.yaml] [-user NAME] [-channel NAME] [-log-level L]   chat with crier in this terminal
  crier run    [-config bot.yaml] [-log-level L]                  run the bot and publish posts on time
  crier when   [-tz ZONE] [-now RFC3339] [-lang en|pt] PHRASE…  show how a time phrase is understood
  crier check  [-config bot.yaml]                                validate bot.yaml and show what it connects to
  crier migrate [-config bot.yaml]                               create or update the database
  crier backup [-config bot.yaml] FILE                           copy the live database to FILE
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
