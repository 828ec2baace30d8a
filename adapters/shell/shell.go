// Package shell is the local terminal chat: it reads lines from standard
// input as chat messages and prints crier's answers and notices, like Hubot's
// shell adapter. It needs no token and no account.
//
// It is a crier.Chat too. Each message crier posts is numbered, like
// "[#3] ✓ Post #1 published"; a message in a thread names the message the
// thread hangs from ("[#4 re #3] …"), and one for another channel names it
// ("[#5 in #launch] …"). A person answers a message in its thread by typing
// its number first: "#3 thanks, fixed" is a reply in the thread of #3 (or of
// the thread #3 is in), handed to the thread handler like a reply typed in
// a Slack or Discord thread.
package shell

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
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

	mu        sync.Mutex        // one writer at a time: answers and notices interleave
	last      int               // the number of the last message
	session   string            // prefix of this run's message ids ("" : the numbers alone)
	threadOf  map[string]string // message id → the thread it is in ("" at the top)
	channelOf map[string]string // message id → the channel it is in
	onThread  crier.ThreadHandler
	files     string // where attached files are written; "" names them only
}

var _ crier.Chat = (*Shell)(nil)

// New returns a shell reading in and writing out as user in channel.
func New(in io.Reader, out io.Writer, user crier.User, channel string) *Shell {
	s := &Shell{in: in, out: out, user: user, channel: crier.ChannelRef{Platform: Platform, ID: channel},
		threadOf: map[string]string{}, channelOf: map[string]string{}}
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		s.interactive = true
	}
	return s
}

// Say prints a line from crier that is neither an answer nor a notice.
func (s *Shell) Say(text string) { s.print(text) }

// Channel returns the channel the shell's person types in.
func (s *Shell) Channel() crier.ChannelRef { return s.channel }

// show prints something crier says by itself: over the waiting prompt,
// which it gives back, when a person is typing.
func (s *Shell) show(text string) {
	if s.interactive {
		s.mu.Lock()
		defer s.mu.Unlock()
		fmt.Fprint(s.out, "\r"+text+"\n> ")
		return
	}
	s.print(text)
}

// UseSession makes the ids of this run's messages "<session>.<number>"
// (people still type and see the numbers): threads the comment relay keeps
// in the database then never collide with those of another run, whose
// numbers started at 1 too.
func (s *Shell) UseSession(session string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.session = session
}

// UseFiles makes the shell write each attached file (a digest's chart)
// into dir and show its path, so it can be opened.
func (s *Shell) UseFiles(dir string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files = dir
}

// idOf is the id of message number n of this run.
func (s *Shell) idOf(n string) string {
	if s.session == "" {
		return n
	}
	return s.session + "." + n
}

// numberOf is how a message id is shown: its number when it is this run's,
// "an earlier message" otherwise.
func (s *Shell) numberOf(id string) string {
	if s.session == "" {
		return "#" + id
	}
	if n, ok := strings.CutPrefix(id, s.session+"."); ok {
		return "#" + n
	}
	return "an earlier message"
}

// Platform returns "shell".
func (s *Shell) Platform() string { return Platform }

// Post prints m with the next message number and returns its reference.
// Buttons become commands to type; a file is named, not shown. Another
// shell channel is named; a channel of another platform (crier shell shows
// every notice) is not.
func (s *Shell) Post(_ context.Context, ch crier.ChannelRef, m crier.Message) (crier.MessageRef, error) {
	s.mu.Lock()
	s.last++
	num := strconv.Itoa(s.last)
	id := s.idOf(num)
	root := ch.Thread
	if r := s.threadOf[root]; r != "" {
		root = r // a reply to a reply is in the same thread
	}
	s.threadOf[id], s.channelOf[id] = root, ch.ID
	re := ""
	if root != "" {
		re = s.numberOf(root)
	}
	dir := s.files
	s.mu.Unlock()
	if f := m.File; f != nil && dir != "" {
		path, err := writeFile(dir, *f)
		if err != nil {
			return crier.MessageRef{}, err
		}
		m.File = nil
		m.Lines = append(m.Lines, fmt.Sprintf("%s: %s", cmp.Or(f.Alt, "attached"), path))
	}
	head := "[#" + num
	if ch.Platform == Platform && ch.ID != s.channel.ID {
		head += " in #" + ch.ID // a Slack or Discord channel id means nothing here
	}
	if re != "" {
		head += " re " + re
	}
	s.show(head + "] " + render(m))
	return crier.MessageRef{Platform: Platform, Channel: ch.ID, ID: id, Thread: root}, nil
}

// Update prints the message's new version under its number.
func (s *Shell) Update(_ context.Context, ref crier.MessageRef, m crier.Message) error {
	s.mu.Lock()
	shown := s.numberOf(ref.ID)
	s.mu.Unlock()
	s.show("[" + shown + " now reads] " + render(m))
	return nil
}

// React prints the reaction by its name.
func (s *Shell) React(_ context.Context, ref crier.MessageRef, emoji string) error {
	s.mu.Lock()
	shown := s.numberOf(ref.ID)
	s.mu.Unlock()
	s.show("[" + shown + "] :" + strings.Trim(emoji, ":") + ":")
	return nil
}

// OnThreadReply sets the handler of replies typed as "#3 your answer".
func (s *Shell) OnThreadReply(h crier.ThreadHandler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onThread = h
}

// render is a message as the shell prints it.
func render(m crier.Message) string {
	text := m.Text
	if len(m.Mention) > 0 {
		text = "@" + strings.Join(m.Mention, " @") + " " + text
	}
	for _, l := range m.Lines {
		text += "\n  " + l
	}
	for _, b := range m.Buttons {
		text += fmt.Sprintf("\n  %s: type %s", b.Label, b.Command)
	}
	if f := m.File; f != nil {
		text += fmt.Sprintf("\n  (file %s, %d bytes: %s)", f.Name, len(f.Data), f.Alt)
	}
	return text
}

// writeFile writes f into dir under its own name (only its base name: a
// name never leads out of dir) and returns the path.
func writeFile(dir string, f crier.File) (string, error) {
	name := filepath.Base(filepath.Clean("/" + f.Name))
	if name == "/" || name == "." {
		name = "file"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("shell file: %w", err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, f.Data, 0o644); err != nil {
		return "", fmt.Errorf("shell file: %w", err)
	}
	return path, nil
}

// reply reads "#3 your answer" as a reply in the thread of message 3. ok is
// false when line is not of that form.
func (s *Shell) reply(ctx context.Context, line string) (ok bool) {
	word, text, _ := strings.Cut(line, " ")
	num, isNum := strings.CutPrefix(word, "#")
	if !isNum || num == "" || strings.Trim(num, "0123456789") != "" {
		return false
	}
	text = strings.TrimSpace(text)
	s.mu.Lock()
	asked := s.idOf(num)
	root, known := s.threadOf[asked]
	channel := s.channelOf[asked]
	h := s.onThread
	var id string
	if known && text != "" && h != nil {
		if root == "" {
			root = asked
		}
		s.last++ // the person's reply is numbered too, so it can be answered or reacted to
		id = s.idOf(strconv.Itoa(s.last))
		s.threadOf[id], s.channelOf[id] = root, channel
	}
	s.mu.Unlock()
	switch {
	case !known:
		s.print("crier has posted no message #" + num + " here. Answer one of its numbered messages, like: #1 thanks!")
	case text == "":
		s.print("Type your answer after the number, like: #" + num + " thanks!")
	case h == nil:
		s.print("Nothing reads thread replies in this crier. Commands start with a slash, like /help.")
	default:
		h(ctx, crier.ThreadReply{Platform: Platform, Channel: channel, Thread: root, MessageID: id, UserID: s.user.ID,
			UserName: s.user.Name, Roles: s.user.Roles, Text: text})
	}
	return true
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
	// A command that was read is finished even if crier is asked to stop.
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if s.reply(hctx, line) {
		return
	}
	name, args, ok := commands.Parse(line)
	if !ok {
		s.print("Commands start with a slash, like /help or /schedule tomorrow 9am Hello!")
		return
	}
	// One command is one line here; a typed \n is a line break in the text
	// (what Shift+Enter gives in Slack and Discord), for image lines.
	args = strings.ReplaceAll(args, `\n`, "\n")
	req := commands.Request{Platform: Platform, User: s.user, Channel: s.channel, Command: name, Text: args}
	if name == "import" && strings.TrimSpace(args) != "" {
		// The shell's attachment is a file on this machine: /import plan.csv
		f, err := attach(strings.TrimSpace(args))
		if err != nil {
			s.print("✗ " + crier.ErrorMessage(err))
			return
		}
		req.Files, req.Text = []crier.File{f}, ""
	}
	resp := router.Handle(hctx, req)
	s.print(resp.String())
}

// attach reads a file named in a command as its attachment (at most 1 MB).
func attach(path string) (crier.File, error) {
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		return crier.File{}, crier.Errorf(crier.EINVALID, "There is no file %s here; give its path, like /import data/plan.csv", path)
	case fi.IsDir():
		return crier.File{}, crier.Errorf(crier.EINVALID, "%s is a folder; give the CSV file's path, like /import data/plan.csv", path)
	case fi.Size() > 1<<20:
		return crier.File{}, crier.Errorf(crier.EINVALID, "%s is larger than 1 MB; split it, or use crier import.", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return crier.File{}, crier.Errorf(crier.EINVALID, "crier cannot read %s: %v", path, err)
	}
	return crier.File{Name: filepath.Base(path), ContentType: "text/csv", Data: data}, nil
}
