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
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/crier-bot/crier/internal/crier"
)

// Record is one line of the outbox: a published post.
type Record struct {
	IdempotencyKey string    `json:"idempotency_key"`
	PostID         int64     `json:"post_id"`
	ID             string    `json:"id"`
	Text           string    `json:"text"`
	DueAt          time.Time `json:"due_at"`
	PublishedAt    time.Time `json:"published_at"`
}

// Network appends published posts to its outbox, never twice for the same
// idempotency key: the keys already in the file are read at open, and a line
// a crash cut short is dropped (it was never acknowledged).
type Network struct {
	name   string
	outbox string
	limit  int
	clock  crier.Clock

	mu      sync.Mutex // guards seen, written and the file's end
	seen    map[string]Record
	f       *os.File
	written int64 // bytes appended so far

	syncMu sync.Mutex // one fsync at a time; each covers every write before it
	synced int64      // bytes known to be on disk
}

var _ crier.Network = (*Network)(nil)

// Open opens (creating if needed) the outbox of a file network.
func Open(name, outbox string, limit int, clock crier.Clock) (*Network, error) {
	outbox, err := filepath.Abs(outbox)
	if err != nil {
		return nil, fmt.Errorf("open outbox of %s: %w", name, err)
	}
	if err := os.MkdirAll(filepath.Dir(outbox), 0o755); err != nil {
		return nil, fmt.Errorf("open outbox of %s: %w", name, err)
	}
	f, err := os.OpenFile(outbox, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open outbox of %s: %w", name, err)
	}
	n := &Network{name: name, outbox: outbox, limit: limit, clock: clock, seen: map[string]Record{}, f: f}
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
	if r, ok := n.seen[req.IdempotencyKey]; ok {
		n.mu.Unlock()
		// The record may have been written by a call whose fsync has not
		// finished: make sure it is on disk before confirming it.
		return result(n.outbox, r), n.syncTo(n.syncedOrWritten())
	}
	r := Record{
		IdempotencyKey: req.IdempotencyKey, PostID: req.PostID,
		ID: strconv.Itoa(len(n.seen) + 1), Text: req.Text,
		DueAt: req.DueAt.UTC(), PublishedAt: n.clock.Now().UTC(),
	}
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
	end := n.written
	n.mu.Unlock()
	if err := n.syncTo(end); err != nil {
		return crier.PublishResult{}, err
	}
	return result(n.outbox, r), nil
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
