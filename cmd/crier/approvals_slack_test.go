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
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/file"
	"github.com/crier-bot/crier/internal/crier"
)

// Approvals through Slack (issue 9): roles from bot.yaml decide who waits
// for an approver, who approves, and who schedules without asking.
const (
	apprSlackLaunch    = "C0LAUNCH01" // where the posts are scheduled
	apprSlackApprovals = "C0APPROVE1" // approvals.channel
	apprSlackDrafter   = "U_BO"       // drafter: posts wait for approval
	apprSlackApprover  = "U_CY"       // approver
	apprSlackScheduler = "U_ANA"      // scheduler: posts go out without approval
	apprSlackBoth      = "U_DEE"      // drafter and approver
)

// apprSlackAPI is inboxSlackAPI (Slack's Web API methods, as its comment
// says) behind a front that also takes the posts to a response_url, which
// carry no token: Slack's docs (docs.slack.dev/interactivity/handling-user-
// interaction#message_responses) describe a JSON body with text, blocks,
// response_type and replace_original, answered 200 "ok".
type apprSlackAPI struct {
	*inboxSlackAPI
	front *httptest.Server

	mu        sync.Mutex
	responses []apprSlackResponse
}

// apprSlackResponse is one post to a response_url.
type apprSlackResponse struct {
	Path            string
	Text            string `json:"text"`
	ResponseType    string `json:"response_type"`
	ReplaceOriginal bool   `json:"replace_original"`
}

func newApprSlackAPI(t *testing.T) *apprSlackAPI {
	t.Helper()
	f := &apprSlackAPI{inboxSlackAPI: newInboxSlackAPI(t)}
	f.front = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/response/") {
			var m apprSlackResponse
			if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
				http.Error(w, "invalid_payload", http.StatusBadRequest)
				return
			}
			m.Path = r.URL.Path
			f.mu.Lock()
			f.responses = append(f.responses, m)
			f.mu.Unlock()
			_, _ = io.WriteString(w, "ok")
			return
		}
		f.srv.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(f.front.Close)
	return f
}

// responsesTo returns what was posted to the response_url ending in name.
func (f *apprSlackAPI) responsesTo(name string) []apprSlackResponse {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []apprSlackResponse
	for _, r := range f.responses {
		if r.Path == "/response/"+name {
			out = append(out, r)
		}
	}
	return out
}

// textsIn returns the texts crier posted in channel.
func (f *apprSlackAPI) textsIn(channel string) []string {
	var out []string
	for _, m := range f.posted() {
		if m.Channel == channel {
			out = append(out, m.Text)
		}
	}
	return out
}

// apprSlackButton is a button of a Block Kit actions block.
type apprSlackButton struct {
	ActionID string `json:"action_id"`
	Value    string `json:"value"`
	Text     struct {
		Text string `json:"text"`
	} `json:"text"`
}

// buttonsOf reads the buttons of a chat.postMessage's blocks.
func buttonsOf(t *testing.T, blocks string) []apprSlackButton {
	t.Helper()
	var bs []struct {
		Type     string            `json:"type"`
		BlockID  string            `json:"block_id"`
		Elements []apprSlackButton `json:"elements"`
	}
	require.NoError(t, json.Unmarshal([]byte(blocks), &bs), blocks)
	var out []apprSlackButton
	for _, b := range bs {
		if b.Type == "actions" {
			out = append(out, b.Elements...)
		}
	}
	return out
}

// apprSlackConfig is Slack in HTTP mode with approvals in
// apprSlackApprovals and the sandbox file network.
func apprSlackConfig(apiURL, addr string) string {
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
  drafter: [%s, %s]
  approver: [%s, %s]
  scheduler: [%s]
approvals:
  channel: slack:%s
networks:
  - name: sandbox
    kind: file
    outbox: data/sandbox/outbox.jsonl
    limit: 500
publish:
  max_attempts: 3
  attempt_timeout: 5s
`, slackTestSecret, apiURL, addr, apprSlackDrafter, apprSlackBoth, apprSlackApprover, apprSlackBoth, apprSlackScheduler, apprSlackApprovals)
}

// startApprRun starts `crier run` on clock with the bot.yaml config(addr)
// in dir, on a new port each time a port is taken, and waits until ready
// says it is up. It is startSlackRun (inbox_slack_test.go) with a clock,
// a bot.yaml of the caller's and its own readiness check.
func startApprRun(tb testing.TB, dir string, clock crier.Clock, config func(addr string) string, ready func(c *crierRun) bool) *crierRun {
	tb.Helper()
	cfg := filepath.Join(dir, "bot.yaml")
	for attempt := 0; ; attempt++ {
		addr := freeAddr(tb)
		require.NoError(tb, os.WriteFile(cfg, []byte(config(addr)), 0o600))
		c := &crierRun{url: "http://" + addr, config: cfg, stderr: &syncBuffer{}, done: make(chan int, 1)}
		ctx, cancel := context.WithCancel(context.Background())
		c.cancel = cancel
		m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: c.stderr, Getenv: os.LookupEnv, Clock: clock}
		go func() { c.done <- m.Run(ctx, []string{"run", "-config", cfg, "-log-level", "error"}) }()
		up, code := c.waitReady(30*time.Second, ready)
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

// waitReady polls ready until it says yes (true), Run returns (false and
// its status) or d passes (false, -1).
func (c *crierRun) waitReady(d time.Duration, ready func(c *crierRun) bool) (bool, int) {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case code := <-c.done:
			c.done <- code
			return false, code
		default:
		}
		if ready(c) {
			return true, 0
		}
	}
	return false, -1
}

// apprSigned is a POST of a form to url signed the way Slack signs it, at
// now on crier's clock (Slack's clock and crier's agree).
func apprSigned(t *testing.T, url, body string, now time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	ts := strconv.FormatInt(now.Unix(), 10)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", slackSignature(slackTestSecret, ts, body))
	return req
}

// apprSlackSession sends what people do in Slack to one crier run.
type apprSlackSession struct {
	t      *testing.T
	api    *apprSlackAPI
	c      *crierRun
	clock  *crier.ManualClock
	client *http.Client
	n      int
}

// slash sends a signed slash command, as Slack posts it, and returns the
// answer's text.
func (s *apprSlackSession) slash(user, command, text string) string {
	s.t.Helper()
	s.n++
	form := url.Values{
		"command": {command}, "text": {text}, "user_id": {user}, "user_name": {strings.ToLower(user)},
		"channel_id": {apprSlackLaunch}, "team_id": {"T1"}, "response_url": {s.api.front.URL + "/response/cmd" + strconv.Itoa(s.n)},
		"trigger_id": {"1.appr" + strconv.Itoa(s.n)},
	}.Encode()
	status, body := doRequest(s.t, s.client, apprSigned(s.t, s.c.url+"/slack/commands", form, s.clock.Now()))
	require.Equal(s.t, http.StatusOK, status, body)
	var ack struct {
		Text string `json:"text"`
	}
	require.NoError(s.t, json.Unmarshal([]byte(body), &ack), body)
	return ack.Text
}

// press sends the block_actions payload Slack posts to the interactivity
// URL when user presses b on the message in channel
// (docs.slack.dev/reference/interaction-payloads/block_actions-payload),
// and returns the name of the press's response_url.
func (s *apprSlackSession) press(user, channel string, msg slackMessage, b apprSlackButton) string {
	s.t.Helper()
	s.n++
	name := "press" + strconv.Itoa(s.n)
	payload, err := json.Marshal(map[string]any{
		"type": "block_actions", "api_app_id": "A0CRIER", "token": "XXYYZZ", "trigger_id": "1.appr" + strconv.Itoa(s.n),
		"user":         map[string]any{"id": user, "username": strings.ToLower(user), "name": strings.ToLower(user), "team_id": "T1"},
		"team":         map[string]any{"id": "T1", "domain": "x"},
		"channel":      map[string]any{"id": channel, "name": "approvals"},
		"container":    map[string]any{"type": "message", "message_ts": msg.TS, "channel_id": channel, "is_ephemeral": false},
		"message":      map[string]any{"type": "message", "user": inboxSlackBot, "ts": msg.TS, "text": msg.Text},
		"response_url": s.api.front.URL + "/response/" + name,
		"actions": []map[string]any{{
			"type": "button", "action_id": b.ActionID, "block_id": "crier_actions", "value": b.Value,
			"text": map[string]any{"type": "plain_text", "text": b.Text.Text}, "action_ts": "1700000000.000001",
		}},
	})
	require.NoError(s.t, err)
	form := url.Values{"payload": {string(payload)}}.Encode()
	status, body := doRequest(s.t, s.client, apprSigned(s.t, s.c.url+"/slack/interactivity", form, s.clock.Now()))
	require.Equal(s.t, http.StatusOK, status, body)
	return name
}

// answer waits for the answer to a press.
func (s *apprSlackSession) answer(name string) apprSlackResponse {
	s.t.Helper()
	var got apprSlackResponse
	require.Eventually(s.t, func() bool {
		rs := s.api.responsesTo(name)
		if len(rs) == 0 {
			return false
		}
		got = rs[0]
		return true
	}, 15*time.Second, 20*time.Millisecond, "the answer to the press; Slack saw:\n%s\n%s", s.api.dump(), s.c.stderr.String())
	return got
}

// approvalRequest waits for the message asking approvers about post id.
func (s *apprSlackSession) approvalRequest(id string) slackMessage {
	s.t.Helper()
	var msg slackMessage
	require.Eventually(s.t, func() bool {
		for _, m := range s.api.posted() {
			if m.Channel == apprSlackApprovals && strings.Contains(m.Text, "Post #"+id+" ") {
				msg = m
				return true
			}
		}
		return false
	}, 15*time.Second, 20*time.Millisecond, "approvers asked about post #%s; Slack saw:\n%s\n%s", id, s.api.dump(), s.c.stderr.String())
	return msg
}

// toldInLaunch waits for a message in the channel the posts came from.
func (s *apprSlackSession) toldInLaunch(substr string) string {
	s.t.Helper()
	var got string
	require.Eventually(s.t, func() bool {
		for _, text := range s.api.textsIn(apprSlackLaunch) {
			if strings.Contains(text, substr) {
				got = text
				return true
			}
		}
		return false
	}, 15*time.Second, 20*time.Millisecond, "%q in %s; Slack saw:\n%s\n%s", substr, apprSlackLaunch, s.api.dump(), s.c.stderr.String())
	return got
}

var apprPostID = regexp.MustCompile(`Post #(\d+) `)

// TestApprovalFlowSlack runs approvals through Slack in HTTP mode: a
// drafter's /schedule waits for approval and the approvers are asked in
// approvals.channel with Approve, Reject and Edit; the drafter pressing
// Approve is refused; the approver pressing it approves, the author is told
// in the channel the post came from, and the post goes out at its time; a
// post rejected with /reject and a reason tells its author why and never
// goes out; an approver may not approve their own post, which does not go
// out while it waits; a scheduler's post does not wait.
func TestApprovalFlowSlack(t *testing.T) {
	t.Parallel()
	api := newApprSlackAPI(t)
	dir := t.TempDir()
	clock := crier.NewManualClock(time.Now().Truncate(time.Second))
	c := startApprRun(t, dir, clock, func(addr string) string { return apprSlackConfig(api.front.URL, addr) }, func(c *crierRun) bool {
		status, _ := c.healthz()
		return status == http.StatusOK
	})
	s := &apprSlackSession{t: t, api: api, c: c, clock: clock, client: &http.Client{Timeout: 10 * time.Second}}
	outbox := filepath.Join(dir, "data/sandbox/outbox.jsonl")

	// The drafter schedules: the post waits, and the approvers are asked.
	ack := s.slash(apprSlackDrafter, "/schedule", "in 10 minutes | Launch day")
	require.Regexp(t, `^✓ Post #\d+ waits for approval; once approved it goes out .*\(in 10 min\) to sandbox\.`, ack)
	require.Contains(t, ack, "“Launch day”", "the drafter reads the text as the network counts it")
	launch := apprPostID.FindStringSubmatch(ack)[1]
	ask := s.approvalRequest(launch)
	require.Contains(t, ask.Text, "📝 Post #"+launch+" by u_bo waits for approval")
	require.Contains(t, ask.Blocks, "Launch day", "the approvers read the text")
	buttons := buttonsOf(t, ask.Blocks)
	require.Len(t, buttons, 3, "Approve, Reject, Edit: %s", ask.Blocks)
	labels := []string{buttons[0].Text.Text, buttons[1].Text.Text, buttons[2].Text.Text}
	require.Equal(t, []string{"Approve", "Reject", "Edit"}, labels)
	require.Regexp(t, `^crier:approve:`+launch+`/\d+$`, buttons[0].Value)
	require.Equal(t, "crier:reject:"+launch, buttons[1].Value)
	require.Equal(t, "crier:edit:"+launch, buttons[2].Value)
	approve := buttons[0]

	// The drafter presses Approve on their own post: refused, to them
	// alone, and the message keeps its buttons.
	refused := s.answer(s.press(apprSlackDrafter, apprSlackApprovals, ask, approve))
	require.Contains(t, refused.Text, "approver role")
	require.False(t, refused.ReplaceOriginal, "a refusal leaves the buttons")
	require.Equal(t, "ephemeral", refused.ResponseType)

	// The approver presses Approve: approved, and the author is told where
	// the post came from.
	approved := s.answer(s.press(apprSlackApprover, apprSlackApprovals, ask, approve))
	require.Regexp(t, `^✓ Post #`+launch+` approved; it goes out at `, approved.Text)
	require.True(t, approved.ReplaceOriginal, "the buttons cannot be pressed twice")
	told := s.toldInLaunch("✅ Post #" + launch + " was approved by u_cy")
	require.Contains(t, told, "it goes out at ")

	// Pressed again (the message still on someone's screen): refused.
	again := s.answer(s.press(apprSlackApprover, apprSlackApprovals, ask, approve))
	require.Contains(t, again.Text, "does not wait for approval")
	require.False(t, again.ReplaceOriginal)

	// A second post of the drafter's is rejected with a reason.
	ack = s.slash(apprSlackDrafter, "/schedule", "in 10 minutes | Price drop: 39 EUR")
	require.Contains(t, ack, "waits for approval")
	price := apprPostID.FindStringSubmatch(ack)[1]
	s.approvalRequest(price)
	require.Equal(t, "✗ You need the approver role to use /reject. Ask whoever runs crier to add you under roles: in bot.yaml.",
		s.slash(apprSlackDrafter, "/reject", "#"+price+" I changed my mind."))
	require.Equal(t, "✓ Post #"+price+" rejected; its author is told why.",
		s.slash(apprSlackApprover, "/reject", "#"+price+" The price is wrong; it is 49 EUR."))
	told = s.toldInLaunch("✗ Post #" + price + " was not approved by u_cy")
	require.Contains(t, told, "The price is wrong; it is 49 EUR.")
	require.Contains(t, told, "/edit #"+price)

	// Someone who drafts and approves may not approve their own post
	// (approvals.self_approve is off by default); it keeps waiting.
	ack = s.slash(apprSlackBoth, "/schedule", "in 10 minutes | Own approval")
	require.Contains(t, ack, "waits for approval")
	own := apprPostID.FindStringSubmatch(ack)[1]
	ownAsk := s.approvalRequest(own)
	self := s.answer(s.press(apprSlackBoth, apprSlackApprovals, ownAsk, buttonsOf(t, ownAsk.Blocks)[0]))
	require.Regexp(t, `^✗ Post #`+own+` .*bot\.yaml does not let authors approve their own posts; ask another approver\.$`, self.Text)
	require.False(t, self.ReplaceOriginal)

	// The scheduler's post does not wait, and nobody is asked.
	ack = s.slash(apprSlackScheduler, "/schedule", "in 10 minutes | Team news")
	require.Regexp(t, `^✓ Post #\d+ scheduled for `, ack)
	news := apprPostID.FindStringSubmatch(ack)[1]

	// Nothing has gone out before its time.
	recs, err := file.ReadOutbox(outbox)
	if !os.IsNotExist(err) {
		require.NoError(t, err)
	}
	require.Empty(t, recs)

	// Its time comes: the approved and the scheduler's posts go out; the
	// rejected one and the one still waiting do not.
	clock.Add(11 * time.Minute)
	s.toldInLaunch("✓ Post #" + launch + " published to sandbox")
	s.toldInLaunch("✓ Post #" + news + " published to sandbox")
	require.Equal(t, 0, c.stop(), c.stderr.String())
	recs, err = file.ReadOutbox(outbox)
	require.NoError(t, err)
	var texts []string
	for _, r := range recs {
		texts = append(texts, r.Text)
	}
	slices.Sort(texts)
	require.Equal(t, []string{"Launch day", "Team news"}, texts, "published once each; the rejected and the unapproved posts never")
	for _, m := range api.posted() {
		if m.Channel == apprSlackApprovals {
			require.NotContains(t, m.Text, "Post #"+news+" ", "the scheduler's post asks nobody")
		}
	}
	api.inboxSlackAPI.mu.Lock()
	unknown := slices.Clone(api.unknown)
	api.inboxSlackAPI.mu.Unlock()
	require.Empty(t, unknown, "calls the fake does not know")
}
