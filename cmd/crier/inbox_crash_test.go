package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/file"
	"github.com/crier-bot/crier/adapters/sqlite"
	"github.com/crier-bot/crier/internal/crier"
)

// inboxCrashConfig is the sandbox file network with an inbox, relayed into
// the shell's #inbox channel; everyone may answer.
const inboxCrashConfig = `timezone: UTC
database: data/crier.db
chat:
  shell: {user: ana, channel: general}
roles:
  scheduler: [ana]
  replier: ["*"]
inbox:
  channel: shell:inbox
  poll: 5s
  crisis: off
networks:
  - name: sandbox
    kind: file
    outbox: data/sandbox/outbox.jsonl
    inbox: data/sandbox/inbox.jsonl
    limit: 500
publish:
  max_attempts: 3
  attempt_timeout: 5s
`

var (
	// relayedRE is the first line of a comment relayed into the #inbox
	// channel: its number, the thread it is in, and the comment's tag.
	relayedRE = regexp.MustCompile(`^\[#(\d+) in #inbox re (#\d+|an earlier message)\] .* on sandbox, .*?: (Comment c\d{3}):`)
	// headerRE is the message that opens a thread in #inbox.
	headerRE = regexp.MustCompile(`^\[#(\d+) in #inbox\] 💬`)
	// replyTypedRE is a /reply line echoed by the piped shell.
	replyTypedRE = regexp.MustCompile(`^> /reply \d+ (Answer r\d+-\d+):`)
)

// shellRun is one start of crier shell: when it started (its message ids
// are "<start in base-36 nanoseconds>.<number>"), what it printed, and
// whether it ended by SIGKILL.
type shellRun struct {
	start  time.Time
	lines  []string
	killed bool
}

// TestInboxCrashRelaysEachCommentAndSendsEachReplyOnce appends bursts of
// comments to the file network's inbox, answers some with /reply, and
// SIGKILLs crier shell at random moments while it relays comments and
// publishes answers, then starts it again until nothing is left. At the end
// every comment is stored once, recorded as relayed into its
// conversation's thread by a message that the chat really showed there,
// and every answer is in the outbox exactly once, under the comment it
// answers.
//
// The shell's chat is a terminal: what an earlier run printed cannot be
// looked up (it is no crier.MessageFinder), so here the chat side is
// at-least-once: a crash between printing a comment and recording it shows
// the comment again after the restart. (Slack and Discord look for a message
// an earlier attempt may have posted before posting it again; the relay's
// and the adapters' tests check that.) The test allows exactly that: a comment shown in a run that was killed
// and shown again in a later run, never twice in one run, never after the
// run that recorded it, never again after a clean exit.
func TestInboxCrashRelaysEachCommentAndSendsEachReplyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts crier many times")
	}
	t.Parallel()
	cfg := writeConfig(t, inboxCrashConfig)
	dir := filepath.Dir(cfg)
	inbox := filepath.Join(dir, "data/sandbox/inbox.jsonl")
	outbox := filepath.Join(dir, "data/sandbox/outbox.jsonl")
	dbPath := filepath.Join(dir, "data/crier.db")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 17))

	var runs []shellRun
	t.Cleanup(func() {
		if t.Failed() {
			for i, r := range runs {
				t.Logf("run %d (killed: %v) said:\n%s", i, r.killed, strings.Join(r.lines, "\n"))
			}
		}
	})
	// run starts crier shell with input, SIGKILLs it once it has shown
	// killAfter relayed comments and sent answers (0: never), counted from
	// the first line that echoes its input when afterInput, and keeps
	// everything it printed, also what it printed just before the kill.
	// onLine sees each line as it comes.
	run := func(input []string, killAfter int, afterInput bool, onLine func(string)) {
		t.Helper()
		r := shellRun{start: time.Now()}
		cmd, stdin, out := startShell(t, cfg)
		go func() {
			for _, l := range input {
				if _, err := io.WriteString(stdin, l+"\n"); err != nil {
					return
				}
			}
			_ = stdin.Close() // the shell drains and exits at the end of input
		}()
		events, sent, reading := 0, false, !afterInput
		for out.Scan() {
			line := out.Text()
			r.lines = append(r.lines, line)
			if onLine != nil {
				onLine(line)
			}
			reading = reading || strings.HasPrefix(line, "> ")
			if reading && (relayedRE.MatchString(line) || strings.Contains(line, "✅ Sent to sandbox")) {
				events++
				if killAfter > 0 && events == killAfter && !sent {
					_ = cmd.Process.Signal(syscall.SIGKILL)
					sent = true
				}
			}
		}
		_ = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			r.killed = true
		}
		runs = append(runs, r)
	}

	// A published post the comments are about: outbox id 1, post #1.
	run([]string{"/schedule now Launch day is here!"}, 0, false, nil)
	recs, err := file.ReadOutbox(outbox)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	require.Equal(t, "1", recs[0].ID)

	// Comment k: four of five on the post, every fifth a mention of its own
	// conversation, and the comment after a mention answers it (the same
	// conversation).
	const rounds, perRound, lateInRound, answersPerRound = 6, 50, 10, 10
	written, conversations := 0, 1 // conversation 1 is the post's, opened at publish
	appendComments := func(n int) {
		f, err := os.OpenFile(inbox, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		require.NoError(t, err)
		defer f.Close()
		for range n {
			k := written
			var line string
			switch {
			case k%5 == 4:
				line = fmt.Sprintf(`{"id":"c%03d","author":"user%d","text":"Comment c%03d: @crier is the launch today?"}`, k, k, k)
				conversations++
			case k%5 == 0 && k > 0:
				line = fmt.Sprintf(`{"id":"c%03d","in_reply_to":"c%03d","author":"user%d","text":"Comment c%03d: same question here"}`, k, k-1, k, k)
			default:
				line = fmt.Sprintf(`{"id":"c%03d","post_id":"1","author":"user%d","text":"Comment c%03d: when does it ship?"}`, k, k, k)
			}
			_, err := f.WriteString(line + "\n")
			require.NoError(t, err)
			written++
		}
	}

	confirmed := map[string]bool{} // answers crier said are on their way
	typed := 0
	for round := range rounds {
		appendComments(perRound - lateInRound)
		var input []string
		for i := range answersPerRound {
			conv := 1 + rng.IntN(conversations)
			input = append(input, fmt.Sprintf("/reply %d Answer r%d-%d: thanks, it ships Friday.", conv, round, i))
			typed++
		}
		// Even rounds are killed while the comments waiting at the start
		// are relayed; odd ones once the shell reads its input, while
		// answers are published and the comments appended meanwhile are
		// relayed (or not at all, when fewer come than it waits for).
		afterInput := round%2 == 1
		killAfter := 1 + rng.IntN(perRound-lateInRound)
		if afterInput {
			killAfter = 1 + rng.IntN(lateInRound+answersPerRound)
		}
		late, pending := false, ""
		run(input, killAfter, afterInput, func(line string) {
			if m := replyTypedRE.FindStringSubmatch(line); m != nil {
				pending = m[1]
				if !late {
					// The shell reads its input: comments written now
					// arrive while the answers go out.
					appendComments(lateInRound)
					late = true
				}
			}
			if strings.HasPrefix(line, "✓ Your answer to ") && pending != "" {
				confirmed[pending] = true
			}
		})
		if !late {
			appendComments(lateInRound)
		}
	}
	require.Equal(t, rounds*perRound, written)

	// Start crier with no input until nothing waits, as a person would.
	var (
		comments []commentRow
		replies  []replyRow
	)
	for deadline := time.Now().Add(3 * time.Minute); ; {
		run(nil, 0, false, nil)
		comments, replies = readInbox(t, dbPath)
		left := 0
		for _, c := range comments {
			if c.relay != "relayed" {
				left++
			}
		}
		for _, r := range replies {
			if r.status == "pending" || r.status == "publishing" {
				left++
			}
		}
		if left == 0 && len(comments) == written {
			break
		}
		require.False(t, time.Now().After(deadline), "%d comments or answers still wait; the last start said:\n%s",
			left, strings.Join(runs[len(runs)-1].lines, "\n"))
		time.Sleep(time.Second)
	}

	// Every comment is stored once.
	require.Len(t, comments, written)
	stored := map[string]commentRow{}
	for _, c := range comments {
		tag := strings.TrimPrefix(c.remoteID, "inbox:")
		require.NotContains(t, stored, tag)
		stored[tag] = c
	}
	for k := range written {
		require.Contains(t, stored, fmt.Sprintf("c%03d", k))
	}

	// runOf is the run whose message id (or thread id) id is.
	runOf := func(id string) int {
		session, _, ok := strings.Cut(id, ".")
		require.True(t, ok, "message id %q is <session>.<number>", id)
		nanos, err := strconv.ParseInt(session, 36, 64)
		require.NoError(t, err, id)
		at := time.Unix(0, nanos)
		i := -1
		for j, r := range runs {
			if !r.start.After(at) {
				i = j
			}
		}
		require.GreaterOrEqual(t, i, 0, "message id %q is of no run", id)
		return i
	}
	// threads is every conversation's recorded thread, as "<run> #<number>".
	threads := map[string]bool{}
	for _, c := range comments {
		threads[fmt.Sprintf("%d #%s", runOf(c.threadID), c.threadID[strings.LastIndex(c.threadID, ".")+1:])] = true
	}
	// shown[tag] is the runs that showed the comment, in order.
	shown := map[string][]int{}
	headers := 0
	for i, r := range runs {
		for _, l := range r.lines {
			if m := relayedRE.FindStringSubmatch(l); m != nil {
				tag := strings.TrimPrefix(m[3], "Comment ")
				shown[tag] = append(shown[tag], i)
			}
			if m := headerRE.FindStringSubmatch(l); m != nil {
				headers++
				// A thread nobody's conversation keeps is one a crash
				// left behind, never one a clean run opened.
				require.True(t, r.killed || threads[fmt.Sprintf("%d #%s", i, m[1])], "run %d opened thread #%s, which no conversation keeps: %s", i, m[1], l)
			}
		}
	}

	again := 0
	for tag, c := range stored {
		require.Equal(t, "relayed", c.relay, "comment %s", tag)
		require.NotEmpty(t, c.threadID, "comment %s: its conversation has a thread", tag)
		// The message recorded for the comment is one the chat showed, in
		// the conversation's thread.
		i := runOf(c.messageID)
		n := c.messageID[strings.LastIndex(c.messageID, ".")+1:]
		want := "an earlier message"
		if runOf(c.threadID) == i {
			want = "#" + c.threadID[strings.LastIndex(c.threadID, ".")+1:]
		} else {
			require.Less(t, runOf(c.threadID), i, "comment %s was relayed before its thread was opened", tag)
		}
		prefix := fmt.Sprintf("[#%s in #inbox re %s] ", n, want)
		found := false
		for _, l := range runs[i].lines {
			if strings.HasPrefix(l, prefix) && strings.Contains(l, "Comment "+tag+":") {
				found = true
				break
			}
		}
		require.True(t, found, "comment %s is recorded as message %s in thread %s, but run %d showed no %q with it",
			tag, c.messageID, c.threadID, i, prefix)
		// Shown once per run, last by the run that recorded it; earlier
		// only by runs a crash cut short between showing and recording.
		seen := shown[tag]
		require.NotEmpty(t, seen, "comment %s was never shown", tag)
		require.Equal(t, i, seen[len(seen)-1], "comment %s was shown again after run %d recorded it (runs %v)", tag, i, seen)
		for j, ri := range seen[:len(seen)-1] {
			require.NotEqual(t, ri, seen[j+1], "comment %s shown twice by run %d", tag, ri)
			require.True(t, runs[ri].killed, "comment %s shown by run %d, which exited cleanly, and again by run %d", tag, ri, seen[j+1])
			again++
		}
	}

	// Every answer crier accepted is in the outbox exactly once, under the
	// comment it answers; nothing else is there but the post.
	recs, err = file.ReadOutbox(outbox)
	require.NoError(t, err)
	byKey := map[string][]file.Record{}
	for _, r := range recs {
		byKey[r.IdempotencyKey] = append(byKey[r.IdempotencyKey], r)
	}
	byText := map[string]replyRow{}
	byID := map[int64]commentRow{}
	for _, c := range comments {
		byID[c.id] = c
	}
	for _, r := range replies {
		tag, _, _ := strings.Cut(r.text, ":")
		require.NotContains(t, byText, tag, "answer %s stored twice", tag)
		byText[tag] = r
		require.Equal(t, "published", r.status, "answer %s: %s", tag, r.lastError)
		require.Regexp(t, `^crier-[0-9a-f]{12}-reply-\d+$`, r.key)
		got := byKey[r.key]
		require.Len(t, got, 1, "answer %s (%s) in the outbox", tag, r.key)
		require.Equal(t, r.text, got[0].Text)
		require.Equal(t, byID[r.commentID].remoteID, got[0].InReplyTo, "answer %s answers the comment it was typed for", tag)
		require.Equal(t, r.remoteID, got[0].ID)
	}
	require.Len(t, recs, 1+len(replies), "the post and each answer, nothing else")
	require.NotEmpty(t, confirmed)
	for tag := range confirmed {
		require.Contains(t, byText, tag, "answer %s was confirmed but is not stored", tag)
	}
	killed := 0
	for _, r := range runs {
		if r.killed {
			killed++
		}
	}
	t.Logf("%d comments in %d conversations (%d thread headers shown), %d relayed again after a crash; %d answers typed, %d confirmed, %d stored and sent; %d runs, %d killed",
		written, conversations, headers, again, typed, len(confirmed), len(replies), len(runs), killed)
}

type commentRow struct {
	id                            int64
	remoteID, relay               string
	messageID, threadID, threadCh string
}

type replyRow struct {
	id, commentID                          int64
	text, status, key, remoteID, lastError string
}

// readInbox reads the comments and replies crier stored.
func readInbox(t *testing.T, path string) ([]commentRow, []replyRow) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path, crier.SystemClock{})
	require.NoError(t, err)
	defer db.Close()
	q := func(query string, scan func(*sql.Rows) error) {
		rows, err := db.SQL().QueryContext(ctx, query)
		require.NoError(t, err)
		defer rows.Close()
		for rows.Next() {
			require.NoError(t, scan(rows))
		}
		require.NoError(t, rows.Err())
	}
	var cs []commentRow
	q(`SELECT c.id, c.remote_id, c.relay, c.message_id, v.thread_id, v.thread_channel
		FROM comments c JOIN conversations v ON v.id = c.conversation_id ORDER BY c.id`, func(rows *sql.Rows) error {
		var c commentRow
		err := rows.Scan(&c.id, &c.remoteID, &c.relay, &c.messageID, &c.threadID, &c.threadCh)
		cs = append(cs, c)
		return err
	})
	var rs []replyRow
	q(`SELECT id, comment_id, text, status, idempotency_key, remote_id, last_error FROM replies ORDER BY id`, func(rows *sql.Rows) error {
		var r replyRow
		err := rows.Scan(&r.id, &r.commentID, &r.text, &r.status, &r.key, &r.remoteID, &r.lastError)
		rs = append(rs, r)
		return err
	})
	return cs, rs
}
