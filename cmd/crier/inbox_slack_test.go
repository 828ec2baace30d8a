package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/file"
)

const (
	inboxSlackBot      = "U0CRIERBOT"  // crier's bot user
	inboxSlackChannel  = "C0INBOX001"  // the inbox channel
	inboxSlackLaunch   = "C0LAUNCH01"  // where the post was scheduled
	inboxSlackReplier  = "U0REPLIER1"  // a teammate with the replier role
	inboxSlackStranger = "U0STRANGER1" // a teammate without it
)

// inboxSlackAPI is a fake of the Slack Web API methods crier run calls for
// the inbox, built from Slack's method reference (docs.slack.dev/reference/
// methods; the token as a Bearer header or a token argument, else
// not_authed): auth.test answers the bot's user id; chat.postMessage answers
// {ok, channel, ts, message} with a new ts per message, and a message posted
// with thread_ts is a reply in the thread of the message whose ts that is
// (thread_not_found when there is none in the channel); reactions.add
// reacts to a message in the channel (message_not_found otherwise,
// already_reacted the second time); users.info answers the user. Unknown
// methods answer ok: false, unknown_method, and are recorded.
type inboxSlackAPI struct {
	srv *httptest.Server

	mu        sync.Mutex
	next      int
	messages  []slackMessage          // every message posted, in order
	reactions map[string][]string     // channel/ts → reaction names
	known     map[string]bool         // channel/ts of every message (crier's and people's)
	unknown   []string                // methods the fake does not know
	forms     map[string][]url.Values // method → calls
}

// slackMessage is one chat.postMessage as Slack keeps it.
type slackMessage struct {
	Channel, TS, ThreadTS, Text, Blocks string
}

func newInboxSlackAPI(t *testing.T) *inboxSlackAPI {
	t.Helper()
	f := &inboxSlackAPI{reactions: map[string][]string{}, known: map[string]bool{}, forms: map[string][]url.Values{}}
	answer := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		form := formOf(r)
		if r.Header.Get("Authorization") != "Bearer xoxb-test" && form.Get("token") != "xoxb-test" {
			answer(w, map[string]any{"ok": false, "error": "not_authed"})
			return
		}
		method := strings.TrimPrefix(r.URL.Path, "/")
		f.mu.Lock()
		defer f.mu.Unlock()
		f.forms[method] = append(f.forms[method], form)
		switch method {
		case "auth.test":
			answer(w, map[string]any{"ok": true, "user_id": inboxSlackBot, "team_id": "T1", "user": "crier", "team": "t", "url": "https://x.slack.com/"})
		case "users.info":
			id := form.Get("user")
			answer(w, map[string]any{"ok": true, "user": map[string]any{"id": id, "name": strings.ToLower(id), "tz": "Europe/Lisbon"}})
		case "chat.postMessage":
			ch, thread := form.Get("channel"), form.Get("thread_ts")
			if thread != "" && !f.known[ch+"/"+thread] {
				answer(w, map[string]any{"ok": false, "error": "thread_not_found"})
				return
			}
			ts := f.newTS()
			f.known[ch+"/"+ts] = true
			f.messages = append(f.messages, slackMessage{Channel: ch, TS: ts, ThreadTS: thread, Text: form.Get("text"), Blocks: form.Get("blocks")})
			msg := map[string]any{"type": "message", "user": inboxSlackBot, "bot_id": "B0CRIER", "text": form.Get("text"), "ts": ts}
			if thread != "" {
				msg["thread_ts"] = thread
			}
			answer(w, map[string]any{"ok": true, "channel": ch, "ts": ts, "message": msg})
		case "reactions.add":
			key := form.Get("channel") + "/" + form.Get("timestamp")
			switch {
			case !f.known[key]:
				answer(w, map[string]any{"ok": false, "error": "message_not_found"})
			case slices.Contains(f.reactions[key], form.Get("name")):
				answer(w, map[string]any{"ok": false, "error": "already_reacted"})
			default:
				f.reactions[key] = append(f.reactions[key], form.Get("name"))
				answer(w, map[string]any{"ok": true})
			}
		default:
			f.unknown = append(f.unknown, method)
			answer(w, map[string]any{"ok": false, "error": "unknown_method"})
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// newTS is the next message timestamp: seconds and a six-digit sequence,
// as Slack writes them. Called with f.mu held.
func (f *inboxSlackAPI) newTS() string {
	f.next++
	return fmt.Sprintf("1700000%03d.%06d", f.next, f.next)
}

// said is a message a person typed: Slack knows its ts, so crier may react
// to it.
func (f *inboxSlackAPI) said(channel string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	ts := f.newTS()
	f.known[channel+"/"+ts] = true
	return ts
}

func (f *inboxSlackAPI) posted() []slackMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.messages)
}

func (f *inboxSlackAPI) reactionsOn(channel, ts string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reactions[channel+"/"+ts])
}

func (f *inboxSlackAPI) dump() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var b strings.Builder
	for _, m := range f.messages {
		fmt.Fprintf(&b, "%s ts=%s thread=%s: %q\n", m.Channel, m.TS, m.ThreadTS, m.Text)
	}
	fmt.Fprintf(&b, "reactions: %v; unknown methods: %q", f.reactions, f.unknown)
	return b.String()
}

// inboxSlackConfig is Slack in HTTP mode with the sandbox file network's
// outbox and inbox, relayed into inboxSlackChannel; only inboxSlackReplier
// may answer customers.
func inboxSlackConfig(apiURL, addr string) string {
	return fmt.Sprintf(`timezone: Europe/Bucharest
database: data/crier.db
chat:
  slack:
    mode: http
    bot_token: xoxb-test
    signing_secret: %s
    api_url: %s/
http:
  listen: "%s"
roles:
  scheduler: ["*"]
  replier: [%s]
inbox:
  channel: slack:%s
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
`, slackTestSecret, apiURL, addr, inboxSlackReplier, inboxSlackChannel)
}

// startInboxSlack starts `crier run` with the configuration in dir (one
// bot.yaml and database across runs), on a new port each time, and waits
// for /healthz.
func startInboxSlack(t *testing.T, api *inboxSlackAPI, dir string) *crierRun {
	t.Helper()
	return startSlackRun(t, api.srv.URL, dir)
}

// startSlackRun starts `crier run` with inboxSlackConfig against the Slack
// API at apiURL, in dir, on a new port each time a port is taken, and waits
// for /healthz.
func startSlackRun(tb testing.TB, apiURL, dir string) *crierRun {
	tb.Helper()
	cfg := filepath.Join(dir, "bot.yaml")
	for attempt := 0; ; attempt++ {
		addr := freeAddr(tb)
		require.NoError(tb, os.WriteFile(cfg, []byte(inboxSlackConfig(apiURL, addr)), 0o600))
		c := &crierRun{url: "http://" + addr, config: cfg, stderr: &syncBuffer{}, done: make(chan int, 1)}
		ctx, cancel := context.WithCancel(context.Background())
		c.cancel = cancel
		m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: c.stderr, Getenv: os.LookupEnv}
		go func() { c.done <- m.Run(ctx, []string{"run", "-config", cfg, "-log-level", "warn"}) }()
		up, code := c.waitHealthy(15 * time.Second)
		if up {
			tb.Cleanup(func() { c.stop() })
			return c
		}
		cancel()
		if code != 0 && strings.Contains(c.stderr.String(), "address already in use") && attempt < 3 {
			continue
		}
		tb.Fatalf("crier run did not come up (exit %d): %s", code, c.stderr.String())
	}
}

// slackThreadEvent is an Events API event_callback for a message a person
// typed in a thread, as Slack sends it to the app's request URL
// (docs.slack.dev/reference/events/message: a reply carries thread_ts, the
// parent's ts, and parent_user_id, who posted the parent).
func slackThreadEvent(eventID, user, channel, ts, threadTS, text string) string {
	b, _ := json.Marshal(map[string]any{
		"token": "XXYYZZ", "team_id": "T1", "api_app_id": "A0CRIER", "type": "event_callback",
		"event_id": eventID, "event_time": time.Now().Unix(),
		"event": map[string]any{
			"type": "message", "user": user, "text": text, "ts": ts, "thread_ts": threadTS,
			"parent_user_id": inboxSlackBot, "channel": channel, "channel_type": "channel", "event_ts": ts,
			"client_msg_id": "c-" + eventID, "team": "T1",
		},
	})
	return string(b)
}

// postEvent delivers a signed Events API request and checks that crier
// acknowledges it.
func postEvent(t *testing.T, c *crierRun, body string) {
	t.Helper()
	req := signedRequest(t, c.url+"/slack/events", slackTestSecret, body)
	req.Header.Set("Content-Type", "application/json")
	status, resp := doRequest(t, &http.Client{Timeout: 10 * time.Second}, req)
	require.Equal(t, http.StatusOK, status, resp)
}

// TestInboxSlackCommentThreadAndReply runs the whole loop with Slack in
// HTTP mode: a post published to the sandbox opens its thread in the inbox
// channel; a comment appended to the sandbox inbox is posted into that
// thread; a teammate with the replier role answers in the thread (an Events
// API message event) and the answer is one line in the outbox, under the
// comment, with ✅ on the teammate's message and "✅ Sent to sandbox" in the
// thread; a teammate without the role is refused in the thread, and nothing
// more reaches the outbox.
func TestInboxSlackCommentThreadAndReply(t *testing.T) {
	t.Parallel()
	api := newInboxSlackAPI(t)
	dir := t.TempDir()
	outbox := filepath.Join(dir, "data/sandbox/outbox.jsonl")
	inbox := filepath.Join(dir, "data/sandbox/inbox.jsonl")
	client := &http.Client{Timeout: 10 * time.Second}

	// Run 1: a post published now opens its thread in the inbox channel.
	c := startInboxSlack(t, api, dir)
	form := url.Values{
		"command": {"/schedule"}, "text": {"now Launch day!"}, "user_id": {"U0ANA"}, "user_name": {"ana"},
		"channel_id": {inboxSlackLaunch}, "team_id": {"T1"}, "response_url": {api.srv.URL + "/response"},
		"trigger_id": {"1.inbox"},
	}.Encode()
	status, body := doRequest(t, client, signedRequest(t, c.url+"/slack/commands", slackTestSecret, form))
	require.Equal(t, http.StatusOK, status, body)
	var header slackMessage
	require.Eventually(t, func() bool {
		for _, m := range api.posted() {
			if m.Channel == inboxSlackChannel && m.ThreadTS == "" && strings.Contains(m.Text, "Launch day!") {
				header = m
				return true
			}
		}
		return false
	}, 15*time.Second, 20*time.Millisecond, "the post's thread header in the inbox channel; Slack saw:\n%s\n%s", api.dump(), c.stderr.String())
	require.Contains(t, header.Text, "💬 Post #")
	recs, err := file.ReadOutbox(outbox)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	post := recs[0]
	require.Equal(t, "Launch day!", post.Text)
	require.Equal(t, 0, c.stop(), c.stderr.String())

	// A customer comments on the post while crier is stopped; the relay
	// reads the inbox as it starts.
	require.NoError(t, os.WriteFile(inbox, fmt.Appendf(nil, `{"id":"c1","post_id":"%s","author":"rita","author_name":"Rita Sol","text":"Does it ship to Portugal?"}`+"\n", post.ID), 0o600))
	c = startInboxSlack(t, api, dir)
	var comment slackMessage
	require.Eventually(t, func() bool {
		for _, m := range api.posted() {
			if strings.Contains(m.Text, "Does it ship to Portugal?") {
				comment = m
				return true
			}
		}
		return false
	}, 15*time.Second, 20*time.Millisecond, "the comment in the post's thread; Slack saw:\n%s\n%s", api.dump(), c.stderr.String())
	require.Equal(t, inboxSlackChannel, comment.Channel)
	require.Equal(t, header.TS, comment.ThreadTS, "the comment is in the post's thread")
	require.Contains(t, comment.Text, "Rita Sol (rita) on sandbox")

	// A teammate without the replier role answers in the thread: refused
	// there, in one line.
	strangerTS := api.said(inboxSlackChannel)
	postEvent(t, c, slackThreadEvent("Ev0STRANGER", inboxSlackStranger, inboxSlackChannel, strangerTS, header.TS, "We ship everywhere!"))
	require.Eventually(t, func() bool {
		for _, m := range api.posted() {
			if m.ThreadTS == header.TS && strings.Contains(m.Text, "Only people with the replier role can answer customers") {
				return true
			}
		}
		return false
	}, 15*time.Second, 20*time.Millisecond, "the refusal in the thread; Slack saw:\n%s\n%s", api.dump(), c.stderr.String())

	// The replier answers in the thread: the answer goes to the outbox
	// under the comment, once.
	replierTS := api.said(inboxSlackChannel)
	postEvent(t, c, slackThreadEvent("Ev0REPLIER", inboxSlackReplier, inboxSlackChannel, replierTS, header.TS, "Yes, to Portugal too &amp; the islands."))
	require.Eventually(t, func() bool {
		for _, m := range api.posted() {
			if m.ThreadTS == header.TS && strings.HasPrefix(m.Text, "✅ Sent to sandbox") {
				return true
			}
		}
		return false
	}, 15*time.Second, 20*time.Millisecond, "the answer confirmed in the thread; Slack saw:\n%s\n%s", api.dump(), c.stderr.String())
	require.Eventually(t, func() bool {
		return slices.Contains(api.reactionsOn(inboxSlackChannel, replierTS), "white_check_mark")
	}, 15*time.Second, 20*time.Millisecond, "✅ on the answer; Slack saw:\n%s", api.dump())
	require.Empty(t, api.reactionsOn(inboxSlackChannel, strangerTS), "the refused answer is not marked sent")

	require.Equal(t, 0, c.stop(), c.stderr.String())

	recs, err = file.ReadOutbox(outbox)
	require.NoError(t, err)
	var replies []file.Record
	for _, r := range recs {
		if r.InReplyTo != "" {
			replies = append(replies, r)
		}
	}
	require.Len(t, recs, 2, "the post and one reply: %+v", recs)
	require.Len(t, replies, 1, "%+v", recs)
	require.Equal(t, "inbox:c1", replies[0].InReplyTo)
	require.Equal(t, "Yes, to Portugal too & the islands.", replies[0].Text)
	for _, m := range api.posted() {
		require.NotContains(t, m.Text, "We ship everywhere!", "the refused answer is never relayed")
	}
	api.mu.Lock()
	unknown := slices.Clone(api.unknown)
	api.mu.Unlock()
	require.Empty(t, unknown, "calls the fake does not know")
}
