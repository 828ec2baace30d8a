package relay_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/crier-bot/crier/adapters/file"
	"github.com/crier-bot/crier/adapters/mastodon"
	"github.com/crier-bot/crier/adapters/mastodon/mastodontest"
	"github.com/crier-bot/crier/adapters/slack"
	"github.com/crier-bot/crier/adapters/sqlite"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/jobs"
	"github.com/crier-bot/crier/internal/publish"
	"github.com/crier-bot/crier/internal/relay"
)

// Bad input for answering customers (issue 7): answers to comments deleted
// on the network, answers after the post was deleted, and comments whose
// text is markup that would ping people or break a Slack message.

// replyRow is a reply as the store keeps it.
type replyRow struct {
	Status    string
	Attempts  int
	LastError string
}

func replyRows(t *testing.T, db *sqlite.DB) []replyRow {
	t.Helper()
	rows, err := db.SQL().QueryContext(context.Background(), "SELECT status, attempts, last_error FROM replies ORDER BY id")
	require.NoError(t, err)
	defer rows.Close()
	var out []replyRow
	for rows.Next() {
		var r replyRow
		require.NoError(t, rows.Scan(&r.Status, &r.Attempts, &r.LastError))
		out = append(out, r)
	}
	require.NoError(t, rows.Err())
	return out
}

// statusRequests counts the requests to the fake that read or create
// statuses: what a retried answer would repeat.
func statusRequests(srv *mastodontest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if strings.HasPrefix(r.Path, "/api/v1/statuses") {
			n++
		}
	}
	return n
}

// checkAnswerFailedForGood checks that the one answer in header's thread
// ended failed after one attempt, that the thread says so in one plain line
// and nothing else, and that hours later crier has not tried again.
func checkAnswerFailedForGood(t *testing.T, l *netLoop, srv *mastodontest.Server, header crier.MessageRef, before int) {
	t.Helper()
	thread := l.inThread(header)
	require.Len(t, thread, before+1, "one answer in the thread: %q", texts(thread))
	said := thread[len(thread)-1].Text
	require.True(t, strings.HasPrefix(said, "✗ Your answer was not sent to masto: "), said)
	require.NotContains(t, said, "\n", "one line")
	require.Contains(t, said, "deleted", "says why in plain words")
	require.NotContains(t, said, "404", "no HTTP status for a person to decode")
	require.NotContains(t, said, "Record not found", "not Mastodon's raw error")
	require.Empty(t, thread[len(thread)-1].Buttons)

	rows := replyRows(t, l.db)
	require.Len(t, rows, 1)
	require.Equal(t, "failed", rows[0].Status, "the answer ends failed: %+v", rows[0])
	require.Equal(t, 1, rows[0].Attempts, "one attempt: a deleted comment does not come back")
	_, pending, err := l.db.NextReply(context.Background())
	require.NoError(t, err)
	require.False(t, pending, "nothing left to retry")

	// Hours later nothing is tried again, and the thread says nothing more.
	reqs := statusRequests(srv)
	for range 6 {
		l.clock.Add(time.Hour)
		l.idle(t)
	}
	require.Equal(t, reqs, statusRequests(srv), "crier does not try a failed answer again")
	require.Len(t, l.inThread(header), before+1, "%q", texts(l.inThread(header)))
	require.Len(t, srv.Statuses(), 1, "only the post: no answer was published")
}

func TestAnAnswerToAMastodonCommentDeletedMeanwhileFailsOnceWithOneLine(t *testing.T) {
	t.Parallel()
	l, srv := mastodonLoop(t)
	l.publish(t, "Launch day is here!")
	post := srv.Statuses()[0]
	comment := srv.AddMention(mastodontest.Mention{From: "bo@example.social", Name: "Bo Lind",
		Text: "@crier This is a scam", InReplyTo: post.ID})
	l.read(t)
	header := l.chat.Find(t, "💬 Post #1 “Launch day is here!” is out")
	require.Len(t, l.inThread(header.Ref), 1, "the comment")

	// Bo deletes the comment before the team answers.
	srv.Delete(comment)
	l.answer(t, header.Ref, "Sorry to hear that, Bo. Can you tell us more?")
	checkAnswerFailedForGood(t, l, srv, header.Ref, 1)
}

// deleteAfterRead deletes a status on the fake right after crier has read
// it (GET /api/v1/statuses/:id): the comment disappears between crier's
// look and its answer.
type deleteAfterRead struct {
	next http.RoundTripper
	srv  *mastodontest.Server
	mu   sync.Mutex
	id   string
}

func (d *deleteAfterRead) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := d.next.RoundTrip(r)
	d.mu.Lock()
	id := d.id
	d.mu.Unlock()
	if err == nil && id != "" && r.Method == http.MethodGet && r.URL.Path == "/api/v1/statuses/"+id {
		d.srv.Delete(id)
	}
	return resp, err
}

func TestAnAnswerToAMastodonCommentDeletedWhileCrierAnswersFailsOnceWithOneLine(t *testing.T) {
	t.Parallel()
	clock := crier.NewManualClock(start)
	srv := mastodontest.New()
	t.Cleanup(srv.Close)
	srv.SetClock(clock)
	rt := &deleteAfterRead{next: srv.Client().Transport, srv: srv}
	n, err := mastodon.New(mastodon.Options{Name: "masto", Server: srv.URL, AccessToken: srv.Token,
		HTTPClient: &http.Client{Transport: rt}, Clock: clock, Limiter: rate.NewLimiter(rate.Inf, 0)})
	require.NoError(t, err)
	l := newNetLoop(t, clock, n)
	l.publish(t, "Launch day is here!")
	post := srv.Statuses()[0]
	comment := srv.AddMention(mastodontest.Mention{From: "bo@example.social", Name: "Bo Lind",
		Text: "@crier Where is my order?", InReplyTo: post.ID})
	l.read(t)
	header := l.chat.Find(t, "💬 Post #1 “Launch day is here!” is out")

	// Crier reads the comment (to put its author first) and Bo deletes it
	// before crier posts the answer: Mastodon answers the POST with 404.
	rt.mu.Lock()
	rt.id = comment
	rt.mu.Unlock()
	l.answer(t, header.Ref, "It left the warehouse today.")
	var created int
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPost && r.Path == "/api/v1/statuses" {
			created++
		}
	}
	require.Equal(t, 2, created, "the post, and the answer Mastodon refused")
	checkAnswerFailedForGood(t, l, srv, header.Ref, 1)
}

// After the post is deleted on Mastodon the comments under it stay (a
// deleted status's replies are not deleted with it: Mastodon's
// RemoveStatusService removes the status, its reblogs and its
// notifications, not the statuses that answer it), so an answer to a
// comment still reaches the customer, under the comment. When the comment
// is gone as well, the answer fails once, in one line.
func TestAnAnswerAfterTheMastodonPostWasDeleted(t *testing.T) {
	t.Parallel()
	t.Run("the comment is still there: the answer goes out under it", func(t *testing.T) {
		t.Parallel()
		l, srv := mastodonLoop(t)
		l.publish(t, "Launch day is here!")
		post := srv.Statuses()[0]
		comment := srv.AddMention(mastodontest.Mention{From: "bo@example.social", Name: "Bo Lind",
			Text: "@crier Why did you delete the launch post?", InReplyTo: post.ID})
		l.read(t)
		header := l.chat.Find(t, "💬 Post #1 “Launch day is here!” is out")

		srv.Delete(post.ID)
		l.answer(t, header.Ref, "It had a typo; a new one is coming.")
		checkMastodonAnswer(t, l, srv, header.Ref, comment, "bo@example.social", "It had a typo; a new one is coming.")
		rows := replyRows(t, l.db)
		require.Len(t, rows, 1)
		require.Equal(t, "published", rows[0].Status)
	})
	t.Run("the comment is gone too: the answer fails once, in one line", func(t *testing.T) {
		t.Parallel()
		l, srv := mastodonLoop(t)
		l.publish(t, "Launch day is here!")
		post := srv.Statuses()[0]
		comment := srv.AddMention(mastodontest.Mention{From: "bo@example.social", Name: "Bo Lind",
			Text: "@crier Wrong price!", InReplyTo: post.ID})
		l.read(t)
		header := l.chat.Find(t, "💬 Post #1 “Launch day is here!” is out")

		srv.Delete(post.ID)
		srv.Delete(comment)
		l.answer(t, header.Ref, "Fixed, thanks!")
		checkAnswerFailedForGood(t, l, srv, header.Ref, 1)
	})
}

// slackPosts is a fake of Slack's chat.postMessage (docs.slack.dev/
// reference/methods/chat.postMessage: form or JSON arguments, the bot token
// as a Bearer header or a token argument, else not_authed; answers {ok, channel, ts, message}) that keeps every
// call's arguments.
type slackPosts struct {
	srv   *httptest.Server
	mu    sync.Mutex
	calls []url.Values
}

func newSlackPosts(t *testing.T) *slackPosts {
	t.Helper()
	f := &slackPosts{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		form := url.Values{}
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			var m map[string]any
			_ = json.NewDecoder(r.Body).Decode(&m)
			for k, v := range m {
				if s, ok := v.(string); ok {
					form.Set(k, s)
				} else {
					b, _ := json.Marshal(v)
					form.Set(k, string(b))
				}
			}
		} else {
			_ = r.ParseForm()
			form = r.PostForm
		}
		if r.Header.Get("Authorization") != "Bearer xoxb-test" && form.Get("token") != "xoxb-test" {
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "not_authed"})
			return
		}
		if r.URL.Path != "/chat.postMessage" {
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "unknown_method"})
			return
		}
		f.mu.Lock()
		f.calls = append(f.calls, form)
		ts := fmt.Sprintf("1700000000.%06d", len(f.calls))
		f.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": form.Get("channel"), "ts": ts,
			"message": map[string]any{"type": "message", "text": form.Get("text"), "ts": ts}})
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// slackBlock is the part of a Block Kit block the test reads.
type slackBlock struct {
	Type    string `json:"type"`
	BlockID string `json:"block_id"`
	Text    *struct {
		Type     string `json:"type"`
		Text     string `json:"text"`
		Verbatim bool   `json:"verbatim"`
	} `json:"text"`
}

// TestACommentWithMarkupPingsNobodyInSlack relays a comment whose text is
// Slack markup (a <!channel> mention, @everyone, unbalanced *, _ and ~)
// through the Slack adapter's Post, as crier run wires it, and reads what
// Slack was sent: the mention is escaped (shown as typed, pinging nobody),
// no option asks Slack to turn names into mentions, and the comment's
// unbalanced markers stay inside the comment's own section, so they cannot
// pair with the markup of the lines or the buttons.
func TestACommentWithMarkupPingsNobodyInSlack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const markup = "<!channel> @everyone *bold _it ~strike"
	fake := newSlackPosts(t)
	chat, err := slack.New(slack.Options{Mode: "http", BotToken: "xoxb-test", SigningSecret: "s3cret",
		APIURL: fake.srv.URL + "/", PerChannel: rate.Inf})
	require.NoError(t, err)

	dir := t.TempDir()
	clock := crier.NewManualClock(start)
	db, err := sqlite.Open(ctx, filepath.Join(dir, "crier.db"), clock)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	inbox := filepath.Join(dir, "inbox.jsonl")
	n, err := file.New(file.Options{Name: "sandbox", Outbox: filepath.Join(dir, "outbox.jsonl"), Inbox: inbox, Limit: 500, Clock: clock})
	require.NoError(t, err)
	t.Cleanup(func() { _ = n.Close() })
	engine, err := jobs.New(ctx, jobs.Options{DB: db.SQL(), Clock: clock})
	require.NoError(t, err)
	pub, err := publish.New(ctx, publish.Options{Jobs: engine, Store: db, Networks: []crier.Network{n}, Chat: chat, Clock: clock})
	require.NoError(t, err)
	rl, err := relay.New(relay.Options{Jobs: engine, Store: db, Networks: []crier.Network{n}, Chat: chat,
		Channel:      func(string) crier.ChannelRef { return crier.ChannelRef{Platform: slack.Platform, ID: "C0INBOX001"} },
		Installation: db.Installation(), Clock: clock, Logger: slog.New(slog.NewTextHandler(tlog{t}, nil))})
	require.NoError(t, err)
	require.NoError(t, pub.Start(ctx))
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = pub.Stop(sctx)
	})

	line, err := json.Marshal(map[string]string{"id": "c1", "author": "mallory", "author_name": "<!here> Mallory", "text": markup})
	require.NoError(t, err)
	w := &world{inbox: inbox}
	w.comment(t, string(line))
	require.NoError(t, rl.ReadOnce(ctx, "sandbox", n))
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	require.NoError(t, rl.WaitIdle(wctx))

	fake.mu.Lock()
	calls := append([]url.Values(nil), fake.calls...)
	fake.mu.Unlock()
	var relayed url.Values
	for _, c := range calls {
		if strings.Contains(c.Get("text"), "strike") {
			relayed = c
		}
	}
	require.NotNil(t, relayed, "the comment reached Slack: %v", calls)
	require.NotEmpty(t, relayed.Get("thread_ts"), "in its conversation's thread")

	for _, c := range calls {
		for _, arg := range []string{"text", "blocks"} {
			v := c.Get(arg)
			for _, ping := range []string{"<!channel", "<!here", "<!everyone", "<@", "<!subteam"} {
				require.NotContains(t, v, ping, "%s would ping: %s", arg, v)
			}
		}
		require.NotEqual(t, "true", c.Get("link_names"), "link_names turns @names into mentions")
		require.NotEqual(t, "1", c.Get("link_names"), "link_names turns @names into mentions")
		require.NotEqual(t, "full", c.Get("parse"), "parse=full turns @names into mentions")
	}
	require.Contains(t, relayed.Get("text"), "&lt;!here&gt; Mallory", "the author's name is shown as typed")
	require.Contains(t, relayed.Get("text"), "&lt;!channel&gt; @everyone *bold _it ~strike", "the comment is shown as typed")

	var blocks []slackBlock
	require.NoError(t, json.Unmarshal([]byte(relayed.Get("blocks")), &blocks), relayed.Get("blocks"))
	var holding []slackBlock
	for _, b := range blocks {
		if b.Text != nil && strings.Contains(b.Text.Text, "~strike") {
			holding = append(holding, b)
		}
	}
	require.Len(t, holding, 1, "the comment is in one section: %s", relayed.Get("blocks"))
	sec := holding[0]
	require.Equal(t, "section", sec.Type)
	require.Equal(t, "mrkdwn", sec.Text.Type)
	require.True(t, strings.HasSuffix(sec.Text.Text, "&lt;!channel&gt; @everyone *bold _it ~strike"),
		"the comment ends its section, so its open *, _ and ~ close nothing of crier's: %q", sec.Text.Text)
	prefix := strings.TrimSuffix(sec.Text.Text, "&lt;!channel&gt; @everyone *bold _it ~strike")
	require.False(t, strings.ContainsAny(prefix, "*_~`"), "crier's own part of the section has no markers to pair with: %q", prefix)
	for _, b := range blocks {
		if b.Text != nil && b.BlockID != sec.BlockID {
			require.NotContains(t, b.Text.Text, "strike", "the comment is in no other block")
		}
	}
}

type tlog struct{ t *testing.T }

func (l tlog) Write(p []byte) (int, error) { l.t.Log(string(p)); return len(p), nil }
