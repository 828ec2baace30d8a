package file

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/crier-bot/crier/internal/crier"
)

// The inbox is a JSON-lines file people (or other tools) append comments to,
// one object per line, ended by a newline:
//
//	{"id":"c1","post_id":"1","author":"ana","text":"Love it!"}
//	{"id":"c2","in_reply_to":"c1","author":"bo","author_name":"Bo Lind","text":"Me too","created_at":"2026-11-23T09:30:00Z"}
//
// id and text are required. post_id is the outbox id of the post commented
// on; in_reply_to is what the comment answers directly: a comment of this
// inbox read before it, or an outbox id (a post, or one of crier's replies),
// and defaults to post_id. kind is "reply" when the comment answers
// something and "mention" otherwise, unless given ("reply", "mention" or
// "quote"). created_at is RFC 3339 and defaults to when the line is read.
// ids may be strings or whole numbers.
//
// A line that is not one of these (bad JSON, no id or text, invalid UTF-8,
// over 64 KB, an id used by an earlier line) is skipped with a warning in the
// log. A last line with no newline yet is read once its newline is written.

const (
	// maxInboxLine is the longest inbox line read, newline excluded.
	maxInboxLine = 64 * 1024
	// maxCommentID is the longest comment id: ids travel in chat buttons.
	maxCommentID = 64
	// commentPrefix starts every inbox comment's RemoteID, so that it never
	// clashes with an outbox id (those are whole numbers).
	commentPrefix = "inbox:"
)

// inboxLine is one line of the inbox as a person types it.
type inboxLine struct {
	ID         flexID `json:"id"`
	PostID     flexID `json:"post_id"`
	InReplyTo  flexID `json:"in_reply_to"`
	Author     string `json:"author"`
	AuthorName string `json:"author_name"`
	Text       string `json:"text"`
	CreatedAt  string `json:"created_at"`
	Kind       string `json:"kind"`
}

// flexID is an id typed as a string or as a whole number.
type flexID string

func (f flexID) String() string { return string(f) }

func (f *flexID) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*f = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexID(strings.TrimSpace(s))
		return nil
	}
	if _, err := strconv.ParseUint(string(b), 10, 64); err != nil {
		return fmt.Errorf("an id is a string or a whole number, not %s", b)
	}
	*f = flexID(b)
	return nil
}

// inboxIndex remembers the comments read from the inbox, so that a later
// comment or a reply can name them.
type inboxIndex struct {
	mu      sync.Mutex
	byID    map[string]indexed // comment id as typed → what was read
	scanned int64              // bytes of the inbox indexed, from the start
}

type indexed struct {
	offset int64  // where its line starts
	root   string // RootRemoteID of the comment
}

// Comments reads the comments appended to the inbox after cursor (a byte
// offset; "" for the start of the file), oldest first, and returns the
// cursor after the last complete line. A missing inbox is an empty page.
func (n *Network) Comments(ctx context.Context, cursor string) ([]crier.Comment, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, cursor, err
	}
	if n.inbox == "" {
		return nil, cursor, nil
	}
	f, err := os.Open(n.inbox)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, cursor, nil
	}
	if err != nil {
		return nil, cursor, fmt.Errorf("read inbox of %s: %w", n.name, err)
	}
	defer f.Close()
	n.in.mu.Lock()
	defer n.in.mu.Unlock()
	from, err := n.startAt(f, cursor)
	if err != nil {
		return nil, cursor, fmt.Errorf("read inbox of %s: %w", n.name, err)
	}
	if from > n.in.scanned {
		// Comments before the cursor were read by an earlier run: index
		// them, so that the new ones can answer them.
		if _, err := n.scan(f, n.in.scanned, from, nil); err != nil {
			return nil, cursor, fmt.Errorf("read inbox of %s: %w", n.name, err)
		}
	}
	var out []crier.Comment
	next, err := n.scan(f, from, -1, func(c crier.Comment) { out = append(out, c) })
	if err != nil {
		return nil, cursor, fmt.Errorf("read inbox of %s: %w", n.name, err)
	}
	return out, strconv.FormatInt(next, 10), nil
}

// startAt returns the offset cursor names, or 0 when the inbox no longer
// matches it (the file was emptied or replaced): it is then read afresh.
func (n *Network) startAt(f *os.File, cursor string) (int64, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if st.Size() < n.in.scanned || n.in.byID == nil {
		n.in.byID, n.in.scanned = map[string]indexed{}, 0 // shorter: replaced
	}
	if cursor == "" {
		return 0, nil
	}
	from, err := strconv.ParseInt(cursor, 10, 64)
	if err != nil || from < 0 {
		n.log.Warn("file inbox: the saved cursor is not a byte offset; reading the inbox from the start",
			slog.String("network", n.name), slog.String("cursor", cursor))
		return 0, nil
	}
	if from == 0 {
		return 0, nil
	}
	var b [1]byte
	if from > st.Size() {
		n.log.Warn("file inbox: the inbox is shorter than when last read; reading it from the start",
			slog.String("network", n.name), slog.String("inbox", n.inbox))
		return 0, nil
	}
	if _, err := f.ReadAt(b[:], from-1); err != nil {
		return 0, err
	}
	if b[0] != '\n' {
		n.log.Warn("file inbox: the inbox changed under the saved cursor; reading it from the start",
			slog.String("network", n.name), slog.String("inbox", n.inbox))
		return 0, nil
	}
	return from, nil
}

// scan reads the complete lines of the inbox from offset from (a line start)
// up to offset to (-1: the end), indexes their comments and hands each to
// emit; nil emit only indexes, quietly (those lines were reported when first
// read). It returns the offset after the last complete line. The caller
// holds n.in.mu.
func (n *Network) scan(f *os.File, from, to int64, emit func(crier.Comment)) (int64, error) {
	var r io.Reader = io.NewSectionReader(f, from, 1<<62)
	if to >= 0 {
		r = io.NewSectionReader(f, from, to-from)
	}
	br := bufio.NewReaderSize(r, maxInboxLine+1)
	off := from
	lineNo := int64(-1) // line number of off, counted when first needed
	for {
		line, err := br.ReadSlice('\n')
		size := int64(len(line))
		tooLong := false
		for errors.Is(err, bufio.ErrBufferFull) {
			tooLong = true
			line, err = br.ReadSlice('\n')
			size += int64(len(line))
		}
		if errors.Is(err, io.EOF) {
			break // no newline yet: read it once it is complete
		}
		if err != nil {
			return off, err
		}
		start := off
		off += size
		if lineNo >= 0 {
			lineNo++
		}
		c, reason := n.parseComment(line, start, tooLong)
		if reason == "" && c.RemoteID != "" {
			if emit != nil {
				emit(c)
			}
		} else if reason != "" && emit != nil {
			if lineNo < 0 {
				if lineNo, err = lineAt(f, start); err != nil {
					return start, err
				}
			}
			n.log.Warn("file inbox: line skipped", slog.String("network", n.name), slog.String("inbox", n.inbox),
				slog.Int64("line", lineNo), slog.String("reason", reason))
		}
	}
	if off > n.in.scanned {
		n.in.scanned = off
	}
	return off, nil
}

// lineAt returns the 1-based number of the line that starts at offset off.
func lineAt(f *os.File, off int64) (int64, error) {
	br := bufio.NewReader(io.NewSectionReader(f, 0, off))
	lines := int64(1)
	for {
		b, err := br.ReadSlice('\n')
		if len(b) > 0 && b[len(b)-1] == '\n' {
			lines++
		}
		if errors.Is(err, io.EOF) {
			return lines, nil
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return 0, err
		}
	}
}

// parseComment turns one inbox line (newline included) that starts at
// offset into a comment and indexes it. It returns why the line is skipped,
// or "" with a zero comment for a blank line.
func (n *Network) parseComment(line []byte, offset int64, tooLong bool) (crier.Comment, string) {
	if tooLong {
		return crier.Comment{}, fmt.Sprintf("longer than %d KB", maxInboxLine/1024)
	}
	// TrimSpace takes a Windows editor's \r too, and a byte order mark
	// (Notepad) goes as well.
	line = bytes.TrimSpace(bytes.TrimPrefix(line, []byte("\xef\xbb\xbf")))
	if len(line) == 0 {
		return crier.Comment{}, ""
	}
	if !utf8.Valid(line) {
		return crier.Comment{}, "not valid UTF-8"
	}
	var in inboxLine
	if err := json.Unmarshal(line, &in); err != nil {
		return crier.Comment{}, "not a JSON object like " + `{"id":"c1","post_id":"1","author":"ana","text":"Love it!"}: ` + err.Error()
	}
	id := string(in.ID)
	switch {
	case id == "":
		return crier.Comment{}, `no "id"`
	case len(id) > maxCommentID:
		return crier.Comment{}, fmt.Sprintf(`"id" is longer than %d characters`, maxCommentID)
	case strings.TrimSpace(in.Text) == "":
		return crier.Comment{}, `no "text"`
	}
	if prev, ok := n.in.byID[id]; ok && prev.offset != offset {
		return crier.Comment{}, fmt.Sprintf("the id %q is used by an earlier line; give each comment an id of its own", id)
	}
	created := n.clock.Now().UTC()
	if in.CreatedAt != "" {
		t, err := time.Parse(time.RFC3339, in.CreatedAt)
		if err != nil {
			return crier.Comment{}, fmt.Sprintf(`"created_at" is not a time like 2026-11-23T09:30:00Z: %q`, in.CreatedAt)
		}
		created = t.UTC()
	}
	parent, root := string(in.InReplyTo), string(in.PostID)
	if parent == "" {
		parent = root // a comment on the post answers it
	}
	if p, ok := n.in.byID[strings.TrimPrefix(in.InReplyTo.String(), commentPrefix)]; ok && in.InReplyTo != "" && p.offset < offset {
		parent = commentPrefix + strings.TrimPrefix(parent, commentPrefix)
		root = p.root
		if root == "" { // it answers a mention: that starts the conversation
			root = parent
		}
	} else if r, ok := n.outboxRoot(parent); ok {
		root = r
	}
	kind := in.Kind
	switch {
	case kind == "" && parent != "":
		kind = "reply"
	case kind == "":
		kind = "mention"
	case kind != "reply" && kind != "mention" && kind != "quote":
		return crier.Comment{}, fmt.Sprintf(`"kind" is %q; write reply, mention or quote, or leave it out`, kind)
	}
	n.in.byID[id] = indexed{offset: offset, root: root}
	u := url.URL{Scheme: "file", Path: n.inbox, Fragment: id}
	return crier.Comment{
		Network: n.name, RemoteID: commentPrefix + id, URL: u.String(), Kind: kind,
		RootRemoteID: root, ParentID: parent,
		AuthorID: in.Author, AuthorHandle: in.Author, AuthorName: in.AuthorName,
		Text: in.Text, CreatedAt: created,
	}, ""
}

// commentRoot returns the root of the conversation of the inbox comment
// remoteID, reading the rest of the inbox if it is not known yet.
func (n *Network) commentRoot(ctx context.Context, remoteID string) (string, bool, error) {
	id, ok := strings.CutPrefix(remoteID, commentPrefix)
	if !ok || n.inbox == "" {
		return "", false, nil
	}
	n.in.mu.Lock()
	defer n.in.mu.Unlock()
	c, ok := n.in.byID[id]
	if !ok {
		if err := ctx.Err(); err != nil {
			return "", false, err
		}
		f, err := os.Open(n.inbox)
		if errors.Is(err, fs.ErrNotExist) {
			return "", false, nil
		}
		if err != nil {
			return "", false, fmt.Errorf("read inbox of %s: %w", n.name, err)
		}
		defer f.Close()
		if _, err := n.startAt(f, ""); err != nil {
			return "", false, fmt.Errorf("read inbox of %s: %w", n.name, err)
		}
		if _, err := n.scan(f, n.in.scanned, -1, nil); err != nil {
			return "", false, fmt.Errorf("read inbox of %s: %w", n.name, err)
		}
		if c, ok = n.in.byID[id]; !ok {
			return "", false, nil
		}
	}
	if c.root == "" {
		return remoteID, true, nil
	}
	return c.root, true, nil
}
