// Package file is a Network that writes published posts to a JSON-lines
// outbox file and reads comments from a JSON-lines inbox file: for trying
// crier locally, for tests, and as a bridge to other tools.
package file

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/crier-bot/crier/internal/crier"
)

// Record is one line of the outbox: a published post, or a reply when
// InReplyTo is set.
type Record struct {
	IdempotencyKey string    `json:"idempotency_key"`
	PostID         int64     `json:"post_id"`
	ID             string    `json:"id"`
	Text           string    `json:"text"`
	DueAt          time.Time `json:"due_at"`
	PublishedAt    time.Time `json:"published_at"`
	// InReplyTo is what a reply answers: an outbox id, or an inbox
	// comment's remote id ("inbox:c1"). RootID is the outbox id of the post
	// at the top of the conversation (the comment's own remote id for a
	// mention that answers no post). Both are left out for posts.
	InReplyTo string `json:"in_reply_to,omitempty"`
	RootID    string `json:"root_id,omitempty"`
}

// Network appends published posts to its outbox, never twice for the same
// idempotency key: the keys already in the file are read at open, and a line
// a crash cut short is dropped (it was never acknowledged).
type Network struct {
	name   string
	outbox string
	inbox  string // "" when the network has none
	limit  int
	clock  crier.Clock
	log    *slog.Logger

	mu      sync.Mutex // guards seen, byID, written and the file's end
	seen    map[string]Record
	byID    map[string]Record // outbox id → record
	f       *os.File
	written int64 // bytes appended so far

	syncMu sync.Mutex // one fsync at a time; each covers every write before it
	synced int64      // bytes known to be on disk

	in inboxIndex // the comments read from the inbox, for roots and replies
}

var (
	_ crier.Network = (*Network)(nil)
	_ crier.Inbox   = (*Network)(nil)
	_ crier.Replier = (*Network)(nil)
)

// Options configure a file network.
type Options struct {
	Name   string
	Outbox string // where posts and replies are appended; created if missing
	// Inbox is where people append comments, one JSON line each (see
	// Comments); "" for a network without one. It may not exist yet.
	Inbox  string
	Limit  int // characters a post or reply may have; 0 for no limit
	Clock  crier.Clock
	Logger *slog.Logger // nil discards
}

// Open opens (creating if needed) the outbox of a file network with no
// inbox.
func Open(name, outbox string, limit int, clock crier.Clock) (*Network, error) {
	return New(Options{Name: name, Outbox: outbox, Limit: limit, Clock: clock})
}

// New opens (creating if needed) the outbox of a file network, and notes
// where its inbox is.
func New(opts Options) (*Network, error) {
	name := opts.Name
	outbox, err := filepath.Abs(opts.Outbox)
	if err != nil {
		return nil, fmt.Errorf("open outbox of %s: %w", name, err)
	}
	inbox := ""
	if opts.Inbox != "" {
		if inbox, err = filepath.Abs(opts.Inbox); err != nil {
			return nil, fmt.Errorf("open inbox of %s: %w", name, err)
		}
		if inbox == outbox {
			// crier's own posts and replies would come back as comments.
			return nil, crier.Errorf(crier.EINVALID, "The file network %s has the same file as inbox and outbox (%s); give inbox a path of its own, like data/sandbox/inbox.jsonl.", name, outbox)
		}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	clock := opts.Clock
	if clock == nil {
		clock = crier.SystemClock{}
	}
	if err := os.MkdirAll(filepath.Dir(outbox), 0o755); err != nil {
		return nil, fmt.Errorf("open outbox of %s: %w", name, err)
	}
	f, err := os.OpenFile(outbox, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open outbox of %s: %w", name, err)
	}
	n := &Network{
		name: name, outbox: outbox, inbox: inbox, limit: opts.Limit, clock: clock, log: log,
		seen: map[string]Record{}, byID: map[string]Record{}, f: f,
	}
	if err := n.load(); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("read outbox of %s (%s): %w", name, outbox, err)
	}
	return n, nil
}

// load indexes the records in the outbox and truncates a torn last line.
func (n *Network) load() error {
	data, err := io.ReadAll(n.f)
	if err != nil {
		return err
	}
	good := 0
	for len(data[good:]) > 0 {
		i := bytes.IndexByte(data[good:], '\n')
		if i < 0 {
			break // torn write: no newline, never acknowledged
		}
		line := data[good : good+i]
		var r Record
		if len(bytes.TrimSpace(line)) > 0 {
			if err := json.Unmarshal(line, &r); err != nil {
				return fmt.Errorf("line %d is not a JSON record: %w", bytes.Count(data[:good], []byte("\n"))+1, err)
			}
			if r.IdempotencyKey != "" {
				n.seen[r.IdempotencyKey] = r
			}
			if r.ID != "" {
				n.byID[r.ID] = r
			}
		}
		good += i + 1
	}
	if good < len(data) {
		if err := n.f.Truncate(int64(good)); err != nil {
			return err
		}
	}
	n.written, err = n.f.Seek(0, io.SeekEnd)
	n.synced = n.written
	return err
}

// Close closes the outbox.
func (n *Network) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.f.Close()
}

// Name returns the network's name.
func (n *Network) Name() string { return n.name }

// Kind returns "file".
func (n *Network) Kind() string { return "file" }

// Check counts characters (Unicode code points) against the limit.
func (n *Network) Check(text string) crier.Count {
	return crier.Count{Used: utf8.RuneCountInString(text), Limit: n.limit, Unit: "characters"}
}

// Publish appends the post to the outbox unless its idempotency key is there
// already, in which case it returns the earlier result.
func (n *Network) Publish(ctx context.Context, req crier.PublishRequest) (crier.PublishResult, error) {
	return n.write(ctx, req, nil)
}

// Reply appends an answer to req.InReplyTo to the outbox, once per
// idempotency key. It answers a post or reply in the outbox (its id) or a
// comment from the inbox (its Comment.RemoteID), and refuses anything else.
func (n *Network) Reply(ctx context.Context, req crier.PublishRequest) (crier.PublishResult, error) {
	if req.InReplyTo == "" {
		return crier.PublishResult{}, crier.Permanent(fmt.Errorf("file network %s reply: nothing to reply to (no in_reply_to)", n.name))
	}
	return n.write(ctx, req, func() (string, error) {
		if root, ok := n.outboxRoot(req.InReplyTo); ok {
			return root, nil
		}
		if root, ok, err := n.commentRoot(ctx, req.InReplyTo); err != nil || ok {
			return root, err
		}
		if n.inbox == "" {
			return "", crier.Permanent(crier.Errorf(crier.EPERMANENT,
				"There is nothing with the id %q to answer on %s: it is not a post in %s, and %s has no inbox.", req.InReplyTo, n.name, n.outbox, n.name))
		}
		return "", crier.Permanent(crier.Errorf(crier.EPERMANENT,
			"There is nothing with the id %q to answer on %s: it is neither a post in %s nor a comment in %s.", req.InReplyTo, n.name, n.outbox, n.inbox))
	})
}

// write appends req as a record unless its key is there already. root, when
// not nil, makes it a reply: it returns the root of the conversation, or why
// there is nothing to answer.
func (n *Network) write(ctx context.Context, req crier.PublishRequest, root func() (string, error)) (crier.PublishResult, error) {
	if err := ctx.Err(); err != nil {
		return crier.PublishResult{}, err
	}
	if req.IdempotencyKey == "" {
		return crier.PublishResult{}, crier.Permanent(errors.New("file network: no idempotency key"))
	}
	if !utf8.ValidString(req.Text) {
		return crier.PublishResult{}, crier.Permanent(errors.New("the text is not valid UTF-8"))
	}
	n.mu.Lock()
	r, ok := n.seen[req.IdempotencyKey]
	n.mu.Unlock()
	if ok {
		// The record may have been written by a call whose fsync has not
		// finished: make sure it is on disk before confirming it.
		return result(n.outbox, r), n.syncTo(n.syncedOrWritten())
	}
	if c := n.Check(req.Text); n.limit > 0 && c.Over() > 0 {
		return crier.PublishResult{}, crier.Permanent(crier.Errorf(crier.EPERMANENT,
			"The text is %d characters; %s takes %d. Shorten it by %d.", c.Used, n.name, c.Limit, c.Over()))
	}
	r = Record{IdempotencyKey: req.IdempotencyKey, PostID: req.PostID, Text: req.Text, DueAt: req.DueAt.UTC()}
	if root != nil {
		rootID, err := root()
		if err != nil {
			return crier.PublishResult{}, err
		}
		r.InReplyTo, r.RootID = req.InReplyTo, rootID
	}

	n.mu.Lock()
	if r, ok := n.seen[req.IdempotencyKey]; ok { // written meanwhile
		n.mu.Unlock()
		return result(n.outbox, r), n.syncTo(n.syncedOrWritten())
	}
	r.ID = strconv.Itoa(len(n.seen) + 1)
	r.PublishedAt = n.clock.Now().UTC()
	line, err := json.Marshal(r)
	if err != nil {
		n.mu.Unlock()
		return crier.PublishResult{}, fmt.Errorf("file network: %w", err)
	}
	// One write of the whole line: after a crash the line is either complete
	// (and found by load) or torn (and dropped by load).
	if _, err := n.f.Write(append(line, '\n')); err != nil {
		// Take back a partial line, so the next one does not land on it.
		_ = n.f.Truncate(n.written)
		_, _ = n.f.Seek(n.written, io.SeekStart)
		n.mu.Unlock()
		return crier.PublishResult{}, fmt.Errorf("write outbox %s: %w", n.outbox, err)
	}
	n.written += int64(len(line) + 1)
	n.seen[r.IdempotencyKey] = r
	n.byID[r.ID] = r
	end := n.written
	n.mu.Unlock()
	if err := n.syncTo(end); err != nil {
		return crier.PublishResult{}, err
	}
	return result(n.outbox, r), nil
}

// outboxRoot returns the root of the conversation of the outbox record id:
// the record itself for a post, its root for a reply.
func (n *Network) outboxRoot(id string) (string, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	r, ok := n.byID[id]
	if !ok {
		return "", false
	}
	if r.RootID != "" {
		return r.RootID, true
	}
	return r.ID, true
}

func (n *Network) syncedOrWritten() int64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.written
}

// syncTo returns once the first end bytes of the outbox are on disk. Calls
// that arrive while an fsync runs share the next one (group commit), so
// concurrent publishes do not queue behind one fsync each.
func (n *Network) syncTo(end int64) error {
	n.syncMu.Lock()
	defer n.syncMu.Unlock()
	if n.synced >= end {
		return nil
	}
	target := n.syncedOrWritten()
	if err := n.f.Sync(); err != nil {
		return fmt.Errorf("sync outbox %s: %w", n.outbox, err)
	}
	n.synced = target
	return nil
}

func result(outbox string, r Record) crier.PublishResult {
	return crier.PublishResult{RemoteID: r.ID, URL: "file://" + outbox + "#" + r.ID}
}

// ReadOutbox reads every record of an outbox file (for tests and tools).
func ReadOutbox(path string) ([]Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	defer f.Close()
	var out []Record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return out, fmt.Errorf("read outbox: %w", err)
		}
		out = append(out, r)
	}
	return out, sc.Err()
}
