// Package shell is the local terminal chat: it reads lines from standard
// input as chat messages and prints crier's answers and notices, like Hubot's
// shell adapter. It needs no token and no account.
package shell

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
)

// Platform is the platform name the shell gives its requests and channels.
const Platform = "shell"

// Shell is one person typing in one channel.
type Shell struct {
	in          io.Reader
	out         io.Writer
	user        crier.User
	channel     crier.ChannelRef
	interactive bool

	mu sync.Mutex // one writer at a time: answers and notices interleave
}

var _ crier.Notifier = (*Shell)(nil)

// New returns a shell reading in and writing out as user in channel.
func New(in io.Reader, out io.Writer, user crier.User, channel string) *Shell {
	s := &Shell{in: in, out: out, user: user, channel: crier.ChannelRef{Platform: Platform, ID: channel}}
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		s.interactive = true
	}
	return s
}

// Say prints a line from crier that is neither an answer nor a notice.
func (s *Shell) Say(text string) { s.print(text) }

// Channel returns the channel the shell's person types in.
func (s *Shell) Channel() crier.ChannelRef { return s.channel }

// Notify prints a notice (a post was published, a publish failed).
func (s *Shell) Notify(_ context.Context, n crier.Notice) error {
	text := n.Text
	// The shell has no buttons: each becomes a command to type.
	for _, b := range n.Buttons {
		text += fmt.Sprintf("\n  %s: type %s", b.Label, b.Command)
	}
	if n.Channel.Platform == Platform && n.Channel.ID != s.channel.ID {
		text = "[#" + n.Channel.ID + "] " + text
	}
	if s.interactive {
		// Print over the waiting prompt, then give the prompt back.
		s.mu.Lock()
		defer s.mu.Unlock()
		fmt.Fprint(s.out, "\r"+text+"\n> ")
		return nil
	}
	s.print(text)
	return nil
}

func (s *Shell) print(text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintln(s.out, text)
}

// Run reads lines until the end of input or until ctx ends, answering each.
// Every command read is answered before Run returns.
func (s *Shell) Run(ctx context.Context, router *commands.Router) error {
	lines := make(chan string)
	errc := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(s.in)
		sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		errc <- sc.Err()
		close(lines)
	}()
	if s.interactive {
		s.print("crier shell: you are " + s.user.Name + " in #" + s.channel.ID + ". Type /help, or Ctrl-D to quit.")
	}
	for {
		s.prompt()
		select {
		case <-ctx.Done():
			if s.interactive {
				s.print("") // what comes next starts on its own line, not after the prompt
			}
			return nil
		case line, ok := <-lines:
			if !ok {
				if err := <-errc; err != nil {
					return fmt.Errorf("read input: %w", err)
				}
				return nil
			}
			s.handle(ctx, router, line)
		}
	}
}

func (s *Shell) prompt() {
	if s.interactive {
		s.mu.Lock()
		fmt.Fprint(s.out, "> ")
		s.mu.Unlock()
	}
}

func (s *Shell) handle(ctx context.Context, router *commands.Router, line string) {
	line = strings.TrimSpace(line)
	if line == "" || strings.HasPrefix(line, "#!") {
		return
	}
	if !s.interactive {
		s.print("> " + line) // a piped session reads as a transcript
	}
	name, args, ok := commands.Parse(line)
	if !ok {
		s.print("Commands start with a slash, like /help or /schedule tomorrow 9am Hello!")
		return
	}
	// One command is one line here; a typed \n is a line break in the text
	// (what Shift+Enter gives in Slack and Discord), for image lines.
	args = strings.ReplaceAll(args, `\n`, "\n")
	// A command that was read is finished even if crier is asked to stop.
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	resp := router.Handle(hctx, commands.Request{
		Platform: Platform, User: s.user, Channel: s.channel, Command: name, Text: args,
	})
	s.print(resp.String())
}
