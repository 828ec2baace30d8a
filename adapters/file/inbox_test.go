package file_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/file"
	"github.com/crier-bot/crier/internal/crier"
)

// box is a file network with an inbox, in a temp dir.
type box struct {
	n       *file.Network
	outbox  string
	inbox   string
	log     *bytes.Buffer
	clock   *crier.ManualClock
	reopen  func() *file.Network
	appendf func(lines ...string)
}

func setup(t *testing.T) *box {
	t.Helper()
	dir := t.TempDir()
	b := &box{outbox: filepath.Join(dir, "outbox.jsonl"), inbox: filepath.Join(dir, "inbox.jsonl"),
		log: &bytes.Buffer{}, clock: crier.NewManualClock(now)}
	b.reopen = func() *file.Network {
		n, err := file.New(file.Options{Name: "sandbox", Outbox: b.outbox, Inbox: b.inbox, Limit: 500,
			Clock: b.clock, Logger: slog.New(slog.NewTextHandler(b.log, nil))})
		require.NoError(t, err)
		t.Cleanup(func() { _ = n.Close() })
		return n
	}
	b.appendf = func(lines ...string) {
		f, err := os.OpenFile(b.inbox, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		require.NoError(t, err)
		_, err = f.WriteString(strings.Join(lines, ""))
		require.NoError(t, err)
		require.NoError(t, f.Close())
	}
	b.n = b.reopen()
	return b
}

func (b *box) comments(t *testing.T, cursor string) ([]crier.Comment, string) {
	t.Helper()
	cs, next, err := b.n.Comments(context.Background(), cursor)
	require.NoError(t, err)
	return cs, next
}

func texts(cs []crier.Comment) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Text)
	}
	return out
}

func TestACommentLineBecomesACommentOnItsPost(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	post, err := b.n.Publish(ctx, crier.PublishRequest{IdempotencyKey: "k1", PostID: 7, Text: "Launch day"})
	require.NoError(t, err)
	b.appendf(`{"id":"c1","post_id":"`+post.RemoteID+`","author":"ana","text":"Love it!"}`+"\n",
		`{"id":"c2","in_reply_to":"c1","author":"bo","author_name":"Bo Lind","text":"Me too","created_at":"2026-11-23T09:30:00+01:00"}`+"\n",
		`{"id":3,"author":"cy","text":"@crier hi"}`+"\n",
		`{"id":"c4","in_reply_to":"3","kind":"quote","author":"di","text":"so true"}`+"\n")
	cs, _ := b.comments(t, "")
	url := "file://" + b.inbox + "#"
	require.Equal(t, []crier.Comment{
		{Network: "sandbox", RemoteID: "inbox:c1", URL: url + "c1", Kind: "reply", RootRemoteID: post.RemoteID, ParentID: post.RemoteID,
			AuthorID: "ana", AuthorHandle: "ana", Text: "Love it!", CreatedAt: now},
		{Network: "sandbox", RemoteID: "inbox:c2", URL: url + "c2", Kind: "reply", RootRemoteID: post.RemoteID, ParentID: "inbox:c1",
			AuthorID: "bo", AuthorHandle: "bo", AuthorName: "Bo Lind", Text: "Me too", CreatedAt: time.Date(2026, 11, 23, 8, 30, 0, 0, time.UTC)},
		{Network: "sandbox", RemoteID: "inbox:3", URL: url + "3", Kind: "mention",
			AuthorID: "cy", AuthorHandle: "cy", Text: "@crier hi", CreatedAt: now},
		{Network: "sandbox", RemoteID: "inbox:c4", URL: url + "c4", Kind: "quote", RootRemoteID: "inbox:3", ParentID: "inbox:3",
			AuthorID: "di", AuthorHandle: "di", Text: "so true", CreatedAt: now},
	}, cs)
}

func TestATornLastInboxLineWaitsForItsNewline(t *testing.T) {
	t.Parallel()
	b := setup(t)
	first := `{"id":"c1","post_id":"1","author":"ana","text":"one"}` + "\n"
	b.appendf(first, `{"id":"c2","post_id":"1","au`)
	cs, cursor := b.comments(t, "")
	require.Equal(t, []string{"one"}, texts(cs))
	require.Equal(t, strconv.Itoa(len(first)), cursor, "the cursor stops before the torn line")

	cs, again := b.comments(t, cursor)
	require.Empty(t, cs)
	require.Equal(t, cursor, again)

	b.appendf(`thor":"bo","text":"two"}` + "\n")
	cs, _ = b.comments(t, cursor)
	require.Equal(t, []string{"two"}, texts(cs))
	require.Empty(t, b.log.String(), "a torn line is not a malformed one")
}

func TestMalformedInboxLinesAreSkippedWithAWarning(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.appendf(
		`{"id":"c1","text":"good one"}`+"\n", // line 1
		`{"id":"c2","text":"missing brace"`+"\n",
		`{"text":"no id"}`+"\n",
		`{"id":"c4"}`+"\n",
		"{\"id\":\"c5\",\"text\":\"bad \xff byte\"}\n", // line 5
		`{"id":"c6","text":"`+strings.Repeat("a", 64*1024)+`"}`+"\n",
		`{"id":"c1","text":"reused id"}`+"\n",
		`{"id":"c8","text":"bad time","created_at":"yesterday"}`+"\n",
		"\n",
		`{"id":"c10","text":"odd kind","kind":"like"}`+"\n", // line 10
		`{"id":"c11","text":"good two"}`+"\n",
	)
	cs, _ := b.comments(t, "")
	require.Equal(t, []string{"good one", "good two"}, texts(cs))
	log := b.log.String()
	require.Equal(t, 8, strings.Count(log, "line skipped"), log)
	for _, want := range []string{"line=2 ", "line=3 ", `line=4 reason="no \"text\""`, "line=5 reason=\"not valid UTF-8\"",
		"line=6 reason=\"longer than 64 KB\"", "line=7 ", "line=8 ", "line=10 "} {
		require.Contains(t, log, want)
	}
}

func TestTheInboxCursorResumesExactlyAcrossAReopen(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	_, err := b.n.Publish(ctx, crier.PublishRequest{IdempotencyKey: "k1", PostID: 1, Text: "post"})
	require.NoError(t, err)
	b.appendf(`{"id":"c1","post_id":"1","text":"a"}`+"\n", `{"id":"c2","post_id":"1","text":"b"}`+"\n")
	cs, cursor := b.comments(t, "")
	require.Equal(t, []string{"a", "b"}, texts(cs))
	cs, same := b.comments(t, cursor)
	require.Empty(t, cs)
	require.Equal(t, cursor, same)

	require.NoError(t, b.n.Close())
	b.n = b.reopen()
	b.appendf(`{"id":"c3","in_reply_to":"c2","text":"c"}`+"\n", `{"id":"c4","text":"d"}`+"\n")
	cs, next := b.comments(t, cursor)
	require.Equal(t, []string{"c", "d"}, texts(cs))
	require.Equal(t, "1", cs[0].RootRemoteID, "a comment answering one read before the reopen still finds its post")
	require.Equal(t, "inbox:c2", cs[0].ParentID)
	cs, _ = b.comments(t, next)
	require.Empty(t, cs)
}

func TestAMissingInboxIsAnEmptyPageAndAnUnreadableOneAnError(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cs, cursor := b.comments(t, "")
	require.Empty(t, cs)
	require.Equal(t, "", cursor)

	require.NoError(t, os.Mkdir(b.inbox, 0o755)) // there, but not a file
	_, _, err := b.n.Comments(context.Background(), "")
	require.Error(t, err)
}

func TestAnEmptiedInboxIsReadFromTheStart(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.appendf(`{"id":"c1","text":"old one"}`+"\n", `{"id":"c2","text":"old two"}`+"\n")
	_, cursor := b.comments(t, "")
	require.NoError(t, os.WriteFile(b.inbox, []byte(`{"id":"c9","text":"new"}`+"\n"), 0o644))
	cs, _ := b.comments(t, cursor)
	require.Equal(t, []string{"new"}, texts(cs))
}

func TestTheInboxCannotBeTheOutbox(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "box.jsonl")
	_, err := file.New(file.Options{Name: "sandbox", Outbox: path, Inbox: path, Limit: 500, Clock: crier.NewManualClock(now)})
	require.ErrorContains(t, err, "same file as inbox and outbox")
}

func TestAReplyIsWrittenOncePerKeyAcrossAReopen(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	post, err := b.n.Publish(ctx, crier.PublishRequest{IdempotencyKey: "k1", PostID: 1, Text: "post"})
	require.NoError(t, err)
	b.appendf(`{"id":"c1","post_id":"1","author":"ana","text":"Love it!"}` + "\n")
	cs, _ := b.comments(t, "")
	require.Len(t, cs, 1)

	req := crier.PublishRequest{IdempotencyKey: "reply-1", Text: "Thank you, Ana!", InReplyTo: cs[0].RemoteID}
	r1, err := b.n.Reply(ctx, req)
	require.NoError(t, err)
	require.NotEqual(t, post.RemoteID, r1.RemoteID)
	require.NoError(t, b.n.Close())

	b.n = b.reopen() // the comment is found again without a poll first
	r2, err := b.n.Reply(ctx, req)
	require.NoError(t, err)
	require.Equal(t, r1, r2)
	recs, err := file.ReadOutbox(b.outbox)
	require.NoError(t, err)
	require.Len(t, recs, 2)
	require.Equal(t, "Thank you, Ana!", recs[1].Text)
	require.Equal(t, "inbox:c1", recs[1].InReplyTo)
	require.Equal(t, post.RemoteID, recs[1].RootID)

	// A customer answering crier's reply stays in the post's conversation.
	b.appendf(`{"id":"c2","in_reply_to":"` + r1.RemoteID + `","text":"You're welcome"}` + "\n")
	cs, _ = b.comments(t, "")
	require.Len(t, cs, 2)
	require.Equal(t, post.RemoteID, cs[1].RootRemoteID)
	require.Equal(t, r1.RemoteID, cs[1].ParentID)

	// A reply to a post is fine too.
	_, err = b.n.Reply(ctx, crier.PublishRequest{IdempotencyKey: "reply-2", Text: "P.S.", InReplyTo: post.RemoteID})
	require.NoError(t, err)
}

func TestAReplyToAnUnknownIDIsRefusedForGood(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	_, err := b.n.Publish(ctx, crier.PublishRequest{IdempotencyKey: "k1", PostID: 1, Text: "post"})
	require.NoError(t, err)
	b.appendf(`{"id":"c1","post_id":"1","text":"hi"}` + "\n")
	for _, id := range []string{"2", "inbox:c2", "c1", "inbox:1", ""} {
		_, err := b.n.Reply(ctx, crier.PublishRequest{IdempotencyKey: "r-" + id, Text: "hello", InReplyTo: id})
		require.True(t, crier.IsPermanent(err), "%q: %v", id, err)
		if id != "" {
			require.Equal(t, `There is nothing with the id "`+id+`" to answer on sandbox: it is neither a post in `+b.outbox+" nor a comment in "+b.inbox+".", crier.ErrorMessage(err))
		}
	}
	recs, err := file.ReadOutbox(b.outbox)
	require.NoError(t, err)
	require.Len(t, recs, 1, "nothing was written")
}

func TestAReplyOverTheLimitIsRefusedForGood(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	post, err := b.n.Publish(ctx, crier.PublishRequest{IdempotencyKey: "k1", PostID: 1, Text: "post"})
	require.NoError(t, err)
	_, err = b.n.Reply(ctx, crier.PublishRequest{IdempotencyKey: "r", Text: strings.Repeat("ă", 502), InReplyTo: post.RemoteID})
	require.True(t, crier.IsPermanent(err))
	require.Equal(t, "The text is 502 characters; sandbox takes 500. Shorten it by 2.", crier.ErrorMessage(err))
	_, err = b.n.Reply(ctx, crier.PublishRequest{IdempotencyKey: "r", Text: strings.Repeat("ă", 500), InReplyTo: post.RemoteID})
	require.NoError(t, err, "exactly the limit fits")
}

func TestLinesFromWindowsEditorsAreRead(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.appendf("\xef\xbb\xbf"+`{"id":"c1","text":"from Notepad"}`+"\r\n", `{"id":"c2","text":"two"}`+"\r\n")
	cs, _ := b.comments(t, "")
	require.Equal(t, []string{"from Notepad", "two"}, texts(cs))
	require.Empty(t, b.log.String())
}

func TestRepliesAndReadsAtOnceWriteEachReplyOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	_, err := b.n.Publish(ctx, crier.PublishRequest{IdempotencyKey: "k1", PostID: 1, Text: "post"})
	require.NoError(t, err)
	b.appendf(`{"id":"c1","post_id":"1","text":"hi"}` + "\n")
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			_, err := b.n.Reply(ctx, crier.PublishRequest{IdempotencyKey: fmt.Sprint("r", i%5), Text: "hello", InReplyTo: "inbox:c1"})
			assert.NoError(t, err)
		})
		wg.Go(func() {
			_, _, err := b.n.Comments(ctx, "")
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	recs, err := file.ReadOutbox(b.outbox)
	require.NoError(t, err)
	require.Len(t, recs, 1+5)
}

func FuzzInbox(f *testing.F) {
	f.Add([]byte(`{"id":"c1","post_id":"1","author":"ana","text":"Love it!"}` + "\n" + `{"id":"c2","in_reply_to":"c1","text":"x"}` + "\n"))
	f.Add([]byte(`{"id":1,"post_id":1,"kind":"quote","text":"t","created_at":"2026-11-23T09:30:00Z"}` + "\n{\n\xff\n"))
	f.Add([]byte(`{"id":"c1","text":"a"}` + "\n" + `{"id":"c1","text":"torn`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		inbox := filepath.Join(dir, "inbox.jsonl")
		require.NoError(t, os.WriteFile(inbox, data, 0o644))
		n, err := file.New(file.Options{Name: "sandbox", Outbox: filepath.Join(dir, "outbox.jsonl"), Inbox: inbox, Limit: 500, Clock: crier.NewManualClock(now)})
		require.NoError(t, err)
		defer n.Close()
		cs, cursor, err := n.Comments(context.Background(), "")
		require.NoError(t, err)
		end, err := strconv.Atoi(cursor)
		require.NoError(t, err)
		require.LessOrEqual(t, end, len(data))
		require.Equal(t, bytes.LastIndexByte(data, '\n')+1, end, "the cursor is after the last complete line")
		for _, c := range cs {
			require.True(t, strings.HasPrefix(c.RemoteID, "inbox:"))
			require.NotEmpty(t, strings.TrimSpace(c.Text))
			require.True(t, utf8.ValidString(c.Text))
		}
		again, _, err := n.Comments(context.Background(), cursor)
		require.NoError(t, err)
		require.Empty(t, again)
	})
}
