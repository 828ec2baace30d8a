package slack_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	slackapi "github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"

	"github.com/crier-bot/crier/adapters/slack"
)

// listener serves the adapter's HTTP-mode handlers.
func listener(t *testing.T, a *slack.Adapter) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	for pattern, h := range a.Handlers() {
		mux.Handle(pattern, h)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func sign(ts, body string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", ts, body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

type signedReq struct {
	path, body string
	at         time.Time
	sig        string // "" means a correct signature
	noHeaders  bool
}

func send(t *testing.T, srv *httptest.Server, r signedReq) (int, string) {
	t.Helper()
	if r.at.IsZero() {
		r.at = time.Now()
	}
	ts := strconv.FormatInt(r.at.Unix(), 10)
	req, err := http.NewRequest(http.MethodPost, srv.URL+r.path, strings.NewReader(r.body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if !r.noHeaders {
		req.Header.Set("X-Slack-Request-Timestamp", ts)
		sig := r.sig
		if sig == "" {
			sig = sign(ts, r.body)
		}
		req.Header.Set("X-Slack-Signature", sig)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func slashBody(f *fakeSlack, user, command, text string) string {
	return url.Values{
		"command": {command}, "text": {text}, "user_id": {user}, "user_name": {"someone"},
		"channel_id": {"C0LAUNCH1"}, "team_id": {"T1"}, "response_url": {f.responseURL("cmd")}, "trigger_id": {"1.2.3"},
	}.Encode()
}

type answer struct {
	ResponseType string            `json:"response_type"`
	Text         string            `json:"text"`
	Blocks       []json.RawMessage `json:"blocks"`
}

func decode(t *testing.T, body string) answer {
	t.Helper()
	var a answer
	require.NoError(t, json.Unmarshal([]byte(body), &a), body)
	return a
}

func TestSignedSlashCommandSchedulesAPostInTheUsersTimezone(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	f.timezones["U_ANA"] = "America/New_York"
	w := newWorld(t)
	srv := listener(t, newAdapter(t, f, w, "http"))

	status, body := send(t, srv, signedReq{path: "/slack/commands", body: slashBody(f, "U_ANA", "/schedule", "tomorrow 9am Launch day!")})
	require.Equal(t, http.StatusOK, status)
	a := decode(t, body)
	require.Equal(t, "in_channel", a.ResponseType, "confirmations are visible to the channel")
	require.Regexp(t, `✓ Post #1 scheduled for \w{3} \d+ \w{3} 09:00 EST`, a.Text)
	require.NotEmpty(t, a.Blocks)
	require.Contains(t, body, `"action_id":"crier_publish_now"`)
	require.Len(t, w.upcoming(t), 1)

	// The timezone is cached: a second command does not ask Slack again.
	send(t, srv, signedReq{path: "/slack/commands", body: slashBody(f, "U_ANA", "/queue", "")})
	f.mu.Lock()
	require.Equal(t, 1, f.userLookups)
	f.mu.Unlock()
}

func TestRejectedRequestsChangeNothing(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	w := newWorld(t)
	srv := listener(t, newAdapter(t, f, w, "http"))
	body := slashBody(f, "U_ANA", "/schedule", "tomorrow 9am Forged")
	tests := []struct {
		name   string
		req    signedReq
		status int
	}{
		{"a forged signature is refused", signedReq{path: "/slack/commands", body: body, sig: "v0=" + strings.Repeat("ab", 32)}, 401},
		{"a signature with another secret's shape is refused", signedReq{path: "/slack/commands", body: body, sig: "v1=abc"}, 401},
		{"a stale timestamp is refused", signedReq{path: "/slack/commands", body: body, at: time.Now().Add(-6 * time.Minute)}, 401},
		{"a future timestamp is refused", signedReq{path: "/slack/commands", body: body, at: time.Now().Add(6 * time.Minute)}, 401},
		{"missing headers are refused", signedReq{path: "/slack/commands", body: body, noHeaders: true}, 401},
		{"an oversized body is refused", signedReq{path: "/slack/commands", body: "text=" + strings.Repeat("a", 1<<20+10)}, 413},
		{"a malformed form is a bad request", signedReq{path: "/slack/commands", body: "%%%not a form"}, 400},
		{"a malformed interaction is a bad request", signedReq{path: "/slack/interactivity", body: "payload=%7Bnot-json"}, 400},
		{"a malformed event is a bad request", signedReq{path: "/slack/events", body: "{not json"}, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _ := send(t, srv, tt.req)
			require.Equal(t, tt.status, status)
		})
	}
	require.Empty(t, w.upcoming(t), "no rejected request stored anything")
}

func TestAReplayedRequestIsRefused(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	w := newWorld(t)
	srv := listener(t, newAdapter(t, f, w, "http"))
	req := signedReq{path: "/slack/commands", body: slashBody(f, "U_ANA", "/draft", "Once"), at: time.Now()}
	status, _ := send(t, srv, req)
	require.Equal(t, 200, status)
	status, _ = send(t, srv, req)
	require.Equal(t, 401, status)
	upper := req
	upper.sig = "v0=" + strings.ToUpper(strings.TrimPrefix(sign(strconv.FormatInt(req.at.Unix(), 10), req.body), "v0="))
	status, _ = send(t, srv, upper)
	require.Equal(t, 401, status, "the same signature in upper case is the same request")
	require.Len(t, w.upcoming(t), 1)
}

func TestErrorsAreEphemeralAndOneLine(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	w := newWorld(t)
	srv := listener(t, newAdapter(t, f, w, "http"))
	tests := []struct {
		name, user, command, text, want string
	}{
		{"an unknown command points to help", "U_ANA", "/frobnicate", "", "✗ I don't know /frobnicate. Type /crier help to see what I can do."},
		{"a user without the role is told which role", "U_BOB", "/schedule", "tomorrow 9am Hi", "✗ You need the scheduler role to use /schedule."},
		{"a past time is refused", "U_ANA", "/schedule", "yesterday 9am Hi", "is in the past"},
		{"/crier help shows the commands", "U_ANA", "/crier", "help", "crier schedules posts from chat."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := send(t, srv, signedReq{path: "/slack/commands", body: slashBody(f, tt.user, tt.command, tt.text)})
			require.Equal(t, 200, status)
			a := decode(t, body)
			require.Equal(t, "ephemeral", a.ResponseType)
			require.Contains(t, a.Text, tt.want)
		})
	}
	require.Empty(t, w.upcoming(t))
}

func TestUserGroupGivesTheRole(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	f.groups["S_TEAM"] = []string{"U_CARLA"}
	w := newWorld(t)
	srv := listener(t, newAdapter(t, f, w, "http"))
	_, body := send(t, srv, signedReq{path: "/slack/commands", body: slashBody(f, "U_CARLA", "/draft", "From the team")})
	require.Contains(t, decode(t, body).Text, "✓ Draft #1 saved.")
}

func TestURLVerificationAnswersTheChallenge(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	srv := listener(t, newAdapter(t, f, newWorld(t), "http"))
	status, body := send(t, srv, signedReq{path: "/slack/events",
		body: `{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`})
	require.Equal(t, 200, status)
	require.Equal(t, "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", body)
}

func interactionBody(f *fakeSlack, user, actionID, value string) string {
	payload, _ := json.Marshal(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user, "name": "someone"},
		"channel": map[string]any{"id": "C0LAUNCH1"}, "response_url": f.responseURL("button"), "trigger_id": "1.2",
		"actions": []map[string]any{{"action_id": actionID, "block_id": "crier_actions", "value": value, "type": "button"}},
	})
	return url.Values{"payload": {string(payload)}}.Encode()
}

func TestButtons(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		user     string
		action   string
		value    string
		want     string
		replace  bool
		upcoming int
	}{
		{"publish now moves the post to now", "U_ANA", "crier_publish_now", "post:1", "✓ Post #1 goes out now.", true, 1},
		{"cancel cancels", "U_ANA", "crier_cancel", "post:1", "✓ Post #1 cancelled", true, 0},
		{"a button for a post that no longer exists", "U_ANA", "crier_cancel", "post:99", "✗ There is no post #99.", false, 1},
		{"a button pressed by someone without the role", "U_BOB", "crier_cancel", "post:1", "✗ You need the scheduler role to use /cancel.", false, 1},
		{"a forged button value", "U_ANA", "crier_cancel", "drop table", "✗ That button is not one of crier's.", false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeSlack(t)
			w := newWorld(t)
			srv := listener(t, newAdapter(t, f, w, "http"))
			send(t, srv, signedReq{path: "/slack/commands", body: slashBody(f, "U_ANA", "/schedule", "tomorrow 9am Hi")})

			status, body := send(t, srv, signedReq{path: "/slack/interactivity", body: interactionBody(f, tt.user, tt.action, tt.value)})
			require.Equal(t, 200, status)
			require.Empty(t, body, "buttons are acknowledged at once; the answer goes to response_url")
			got := f.waitResponses(t, 1)[0]
			require.Equal(t, "/response/button", got["_path"])
			require.Contains(t, got["text"], tt.want)
			require.Equal(t, tt.replace, got["replace_original"])
			require.Len(t, w.upcoming(t), tt.upcoming)
		})
	}
}

func threadEvent(eventID, user, botID, subtype, ts, threadTS, parentUser string) string {
	ev := map[string]any{"type": "message", "user": user, "text": "Thanks, we fixed it!", "ts": ts, "channel": "C0LAUNCH1"}
	for k, v := range map[string]string{"bot_id": botID, "subtype": subtype, "thread_ts": threadTS, "parent_user_id": parentUser} {
		if v != "" {
			ev[k] = v
		}
	}
	b, _ := json.Marshal(map[string]any{"type": "event_callback", "team_id": "T1", "event_id": eventID, "event": ev})
	return string(b)
}

func TestThreadRepliesReachTheHandlerOnce(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	a := newAdapter(t, f, newWorld(t), "http")
	var mu sync.Mutex
	var got []crier.ThreadReply
	a.OnThreadReply(func(_ context.Context, m crier.ThreadReply) {
		mu.Lock()
		got = append(got, m)
		mu.Unlock()
	})
	srv := listener(t, a)
	bot := botUserID // from auth.test
	events := []string{
		threadEvent("Ev1", "U_ANA", "", "", "2.0", "1.0", bot),                 // a reply in crier's thread: delivered
		threadEvent("Ev1", "U_ANA", "", "", "2.0", "1.0", bot),                 // Slack's retry of the same event: ignored
		threadEvent("Ev2", bot, "", "", "3.0", "1.0", bot),                     // crier's own message: ignored
		threadEvent("Ev3", "U_X", "B1", "bot_message", "4.0", "1.0", bot),      // another bot: ignored
		threadEvent("Ev4", "U_ANA", "", "message_changed", "5.0", "1.0", bot),  // an edit: ignored
		threadEvent("Ev5", "U_ANA", "", "message_deleted", "6.0", "1.0", bot),  // a deletion: ignored
		threadEvent("Ev6", "U_ANA", "", "", "7.0", "", ""),                     // not in a thread: ignored
		threadEvent("Ev7", "U_ANA", "", "", "8.0", "1.5", "U_SOMEONE"),         // someone else's thread: ignored
		threadEvent("Ev8", "U_ANA", "", "thread_broadcast", "9.0", "1.0", bot), // a reply also sent to the channel: delivered
	}
	for i, e := range events {
		// Slack signs each delivery, retries included, at its own time.
		status, _ := send(t, srv, signedReq{path: "/slack/events", body: e, at: time.Now().Add(time.Duration(i) * time.Second)})
		require.Equal(t, 200, status)
	}
	// The very same signed delivery again (Slack retrying it) is answered 200.
	status, _ := send(t, srv, signedReq{path: "/slack/events", body: events[len(events)-1], at: time.Now().Add(time.Duration(len(events)-1) * time.Second)})
	require.Equal(t, 200, status)

	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 2 }, 3*time.Second, 10*time.Millisecond)
	time.Sleep(100 * time.Millisecond) // give an ignored event the chance to arrive wrongly
	mu.Lock()
	defer mu.Unlock()
	byTS := map[string]crier.ThreadReply{}
	for _, m := range got {
		byTS[m.MessageID] = m
	}
	require.Equal(t, map[string]crier.ThreadReply{
		"2.0": {Platform: "slack", Channel: "C0LAUNCH1", Thread: "1.0", MessageID: "2.0", UserID: "U_ANA", Roles: []crier.Role{crier.RoleScheduler}, Text: "Thanks, we fixed it!"},
		"9.0": {Platform: "slack", Channel: "C0LAUNCH1", Thread: "1.0", MessageID: "9.0", UserID: "U_ANA", Roles: []crier.Role{crier.RoleScheduler}, Text: "Thanks, we fixed it!"},
	}, byTS)
}

func TestSSLCheckIsAnswered(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	srv := listener(t, newAdapter(t, f, newWorld(t), "http"))
	status, _ := send(t, srv, signedReq{path: "/slack/commands", body: "ssl_check=1&token=x"})
	require.Equal(t, 200, status)
}

func TestMessagesToOneChannelArePaced(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	a, err := slack.New(slack.Options{BotToken: "xoxb-test", APIURL: f.GetAPIURL(), PerChannel: 10})
	require.NoError(t, err)
	start := time.Now()
	for i := range 5 {
		_, err := a.Post(context.Background(), crier.ChannelRef{Platform: "slack", ID: "C0BUSY0001"}, crier.Message{Text: fmt.Sprintf("notice %d", i)})
		require.NoError(t, err)
	}
	// A burst of 3 goes at once; the other 2 wait a tenth of a second each.
	require.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond)
	_, err = a.Post(context.Background(), crier.ChannelRef{Platform: "slack", ID: "C0OTHER001"}, crier.Message{Text: "another channel has its own pace"})
	require.NoError(t, err)
	require.Len(t, f.postsCopy(), 6)
}

// limitedCalls is how many chat.postMessage calls the fake answered 429.
func (f *fakeSlack) limitedCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.limited
}

// TestPostWaitsOutARateLimitOnce: a 429 is waited out once, as long as
// Retry-After says, on the injected clock; a second 429 in a row is an error.
func TestPostWaitsOutARateLimitOnce(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	f.limitNext = 1
	clock := crier.NewManualClock(time.Now())
	a, err := slack.New(slack.Options{BotToken: "xoxb-test", APIURL: f.GetAPIURL(), Clock: clock})
	require.NoError(t, err)
	type result struct {
		ref crier.MessageRef
		err error
	}
	done := make(chan result, 1)
	go func() {
		ref, err := a.Post(context.Background(), crier.ChannelRef{Platform: "slack", ID: "C0LAUNCH1", Thread: "1700000000.000001"}, crier.Message{Text: "✓ Post #1 published"})
		done <- result{ref, err}
	}()
	require.Eventually(t, func() bool { return clock.Waiters() == 1 }, 5*time.Second, time.Millisecond, "crier waits on its clock after the 429")
	require.Equal(t, 1, f.limitedCalls())
	clock.Add(999 * time.Millisecond)
	require.Equal(t, 1, clock.Waiters(), "Retry-After is honoured: still waiting before 1 s")
	require.Empty(t, f.postsCopy())
	clock.Add(time.Millisecond)
	var got result
	select {
	case got = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Post did not return once Retry-After had passed")
	}
	require.NoError(t, got.err)
	require.NotEmpty(t, got.ref.ID)
	posts := f.postsCopy()
	require.Len(t, posts, 1)
	require.Equal(t, "1700000000.000001", posts[0].Get("thread_ts"))

	f.mu.Lock()
	f.limitNext = 2
	f.mu.Unlock()
	go func() {
		_, err := a.Post(context.Background(), crier.ChannelRef{Platform: "slack", ID: "C0LAUNCH1"}, crier.Message{Text: "again"})
		done <- result{err: err}
	}()
	require.Eventually(t, func() bool { return clock.Waiters() == 1 }, 5*time.Second, time.Millisecond)
	clock.Add(time.Second)
	select {
	case got = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Post did not return after the second 429")
	}
	require.Error(t, got.err, "a second 429 in a row is an error, not a retry storm")
	require.Equal(t, 3, f.limitedCalls())
	require.Len(t, f.postsCopy(), 1)
}

// A Retry-After longer than the caller can wait is not waited for: Post
// fails at once with Slack's rate limit, not with the caller's deadline.
func TestPostDoesNotWaitARateLimitPastItsDeadline(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	f.limitNext = 1
	f.retryAfter = "30"
	clock := crier.NewManualClock(time.Now())
	a, err := slack.New(slack.Options{BotToken: "xoxb-test", APIURL: f.GetAPIURL(), Clock: clock})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err = a.Post(ctx, crier.ChannelRef{Platform: "slack", ID: "C0LAUNCH1"}, crier.Message{Text: "✓ Post #1 published"})
	require.Error(t, err)
	require.NotErrorIs(t, err, context.DeadlineExceeded)
	var limited *slackapi.RateLimitedError
	require.ErrorAs(t, err, &limited)
	require.Equal(t, 30*time.Second, limited.RetryAfter)
	require.Equal(t, 0, clock.Waiters())
	require.Equal(t, 1, f.limitedCalls())
}

func viewSubmission(user, metadata, when string) string {
	payload, _ := json.Marshal(map[string]any{
		"type": "view_submission", "user": map[string]any{"id": user, "name": "someone"},
		"view": map[string]any{"id": "V1", "callback_id": "crier_reschedule", "private_metadata": metadata,
			"state": map[string]any{"values": map[string]any{"when": map[string]any{"when_input": map[string]any{"type": "plain_text_input", "value": when}}}}},
	})
	return url.Values{"payload": {string(payload)}}.Encode()
}

func TestRescheduleButtonAsksWhenInAModal(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	w := newWorld(t)
	srv := listener(t, newAdapter(t, f, w, "http"))
	send(t, srv, signedReq{path: "/slack/commands", body: slashBody(f, "U_ANA", "/schedule", "tomorrow 9am Hi")})
	before := w.upcoming(t)[0].DueAt

	status, _ := send(t, srv, signedReq{path: "/slack/interactivity", body: interactionBody(f, "U_ANA", "crier_reschedule", "post:1")})
	require.Equal(t, 200, status)
	require.Eventually(t, func() bool { f.mu.Lock(); defer f.mu.Unlock(); return len(f.views) == 1 }, 3*time.Second, 10*time.Millisecond)
	f.mu.Lock()
	view := f.views[0]["view"].(map[string]any)
	f.mu.Unlock()
	require.Equal(t, "crier_reschedule", view["callback_id"])
	metadata := commands.ButtonValue{Action: "reschedule_form", PostID: 1}.String() + "|C0LAUNCH1"
	require.Equal(t, metadata, view["private_metadata"], "the form carries commands' one button encoding")

	// A time in the past keeps the modal open with the reason under the field.
	status, body := send(t, srv, signedReq{path: "/slack/interactivity", body: viewSubmission("U_ANA", metadata, "yesterday 9am")})
	require.Equal(t, 200, status)
	require.Contains(t, body, `"response_action":"errors"`)
	require.Contains(t, body, "is in the past")
	require.True(t, w.upcoming(t)[0].DueAt.Equal(before), "nothing changed")

	// A good time closes the modal, moves the post and tells the person.
	status, body = send(t, srv, signedReq{path: "/slack/interactivity", body: viewSubmission("U_ANA", metadata, "in 3 hours"), at: time.Now().Add(time.Second)})
	require.Equal(t, 200, status)
	require.Empty(t, body)
	require.False(t, w.upcoming(t)[0].DueAt.Equal(before))
	require.Eventually(t, func() bool { f.mu.Lock(); defer f.mu.Unlock(); return len(f.ephemerals) == 1 }, 3*time.Second, 10*time.Millisecond)
	f.mu.Lock()
	defer f.mu.Unlock()
	require.Equal(t, "U_ANA", f.ephemerals[0].Get("user"))
	require.Contains(t, f.ephemerals[0].Get("text"), "✓ Post #1 moved to")
}

// A form opened by the previous version carries "post:<id>|<channel>": it
// still reschedules. A value of the one encoding for anything but the form,
// and an old value naming a network, are not crier's forms.
func TestRescheduleFormMetadata(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		metadata string
		moved    bool
	}{
		{"the form's value", commands.ButtonValue{Action: "reschedule_form", PostID: 1}.String() + "|C0LAUNCH1", true},
		{"a form opened by the previous version", "post:1|C0LAUNCH1", true},
		{"a button's value is not a form", commands.ButtonValue{Action: "reschedule", PostID: 1}.String() + "|C0LAUNCH1", false},
		{"a form value with a network", commands.ButtonValue{Action: "reschedule_form", PostID: 1, Target: "sandbox"}.String() + "|C0LAUNCH1", false},
		{"a form value with a ref", commands.ButtonValue{Action: "reschedule_form", PostID: 1, Ref: "c1"}.String() + "|C0LAUNCH1", false},
		{"an old value with a network", "post:1:sandbox|C0LAUNCH1", false},
		{"something else", "hello|C0LAUNCH1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeSlack(t)
			w := newWorld(t)
			srv := listener(t, newAdapter(t, f, w, "http"))
			send(t, srv, signedReq{path: "/slack/commands", body: slashBody(f, "U_ANA", "/schedule", "tomorrow 9am Hi")})
			before := w.upcoming(t)[0].DueAt
			status, body := send(t, srv, signedReq{path: "/slack/interactivity", body: viewSubmission("U_ANA", tt.metadata, "in 3 hours")})
			require.Equal(t, 200, status)
			if !tt.moved {
				require.Contains(t, body, `"response_action":"errors"`)
				require.Contains(t, body, "This form is not one of crier's")
				require.True(t, w.upcoming(t)[0].DueAt.Equal(before), "nothing changed")
				return
			}
			require.Empty(t, body)
			require.False(t, w.upcoming(t)[0].DueAt.Equal(before), "the post moved")
		})
	}
}

func TestSlowCommandsAreAcknowledgedAndFinishedThroughResponseURL(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	f.timezones["U_SLOW"] = "Europe/Lisbon"
	f.slowUsers = 2500 * time.Millisecond // users.info answers late: the command outlives the ack budget
	w := newWorld(t)
	srv := listener(t, newAdapter(t, f, w, "http"))
	status, body := send(t, srv, signedReq{path: "/slack/commands", body: slashBody(f, "U_SLOW", "/queue", "")})
	require.Equal(t, 200, status)
	ack := decode(t, body)
	require.Equal(t, "ephemeral", ack.ResponseType)
	require.Contains(t, ack.Text, "Working on it", "acknowledged before the work finished")
	got := f.waitResponses(t, 1)[0]
	require.Equal(t, "/response/cmd", got["_path"])
	require.Contains(t, got["text"], "Nothing is scheduled.")
}

func TestButtonForAPublishedPostChangesNothing(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	w := newWorld(t)
	require.NoError(t, w.pub.Start(context.Background()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = w.pub.Stop(ctx)
	})
	srv := listener(t, newAdapter(t, f, w, "http"))
	send(t, srv, signedReq{path: "/slack/commands", body: slashBody(f, "U_ANA", "/schedule", "now Out it goes")})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, w.pub.WaitIdle(ctx))

	for i, action := range []string{"crier_publish_now", "crier_cancel"} {
		send(t, srv, signedReq{path: "/slack/interactivity", body: interactionBody(f, "U_ANA", action, "post:1"), at: time.Now().Add(time.Duration(i) * time.Second)})
		got := f.waitResponses(t, i+1)[i]
		require.Equal(t, false, got["replace_original"], "the message with the buttons stays as it was")
		require.Contains(t, got["text"], "✗ Post #1")
		require.Contains(t, got["text"], "published")
	}
	p, err := w.pub.Post(context.Background(), 1)
	require.NoError(t, err)
	require.Equal(t, "published", string(p.Status))
}

func TestAReplayIsRefusedEvenAfterManyOtherRequests(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	w := newWorld(t)
	srv := listener(t, newAdapter(t, f, w, "http"))
	first := signedReq{path: "/slack/commands", body: slashBody(f, "U_ANA", "/queue", ""), at: time.Now()}
	status, _ := send(t, srv, first)
	require.Equal(t, 200, status)
	for i := range 1100 { // past the size at which old code swept the set
		body := slashBody(f, "U_ANA", "/queue", "") + "&trigger_id=" + strconv.Itoa(i)
		status, _ := send(t, srv, signedReq{path: "/slack/commands", body: body})
		require.Equal(t, 200, status)
	}
	status, _ = send(t, srv, first)
	require.Equal(t, 401, status)
}

// TestAnOversizedChunkedBodyIsRefused: a body with no Content-Length is cut
// off at 1 MiB while it is read.
func TestAnOversizedChunkedBodyIsRefused(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	w := newWorld(t)
	srv := listener(t, newAdapter(t, f, w, "http"))
	body := "text=" + strings.Repeat("a", 1<<20+10)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/slack/commands", io.MultiReader(strings.NewReader(body)))
	require.NoError(t, err)
	require.Zero(t, req.ContentLength, "unknown length: sent chunked")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", sign(ts, body))
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
	require.Empty(t, w.upcoming(t))
}

// replayStore is crier.ReplayStore in memory, with the semantics of the one
// in adapters/sqlite: a key is seen when it was recorded and has not expired.
type replayStore struct {
	mu   sync.Mutex
	keys map[string]time.Time
	err  error
}

func (s *replayStore) SeenRequest(_ context.Context, platform, key string, expires time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return false, s.err
	}
	if s.keys == nil {
		s.keys = map[string]time.Time{}
	}
	k := platform + "\x00" + key
	if exp, ok := s.keys[k]; ok && time.Now().Before(exp) {
		return true, nil
	}
	s.keys[k] = expires
	return false, nil
}

// TestAReplayIsRefusedAfterARestart: a captured request sent again to a new
// crier (a restart: a second adapter on the same store) within its 5 minutes
// is refused, and schedules nothing.
func TestAReplayIsRefusedAfterARestart(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	w := newWorld(t)
	store := &replayStore{}
	before := newAdapter(t, f, w, "http")
	before.UseReplayStore(store)
	after := newAdapter(t, f, w, "http")
	after.UseReplayStore(store)

	req := signedReq{path: "/slack/commands", body: slashBody(f, "U_ANA", "/schedule", "tomorrow 9am Once only"), at: time.Now()}
	status, _ := send(t, listener(t, before), req)
	require.Equal(t, http.StatusOK, status)
	status, _ = send(t, listener(t, after), req)
	require.Equal(t, http.StatusUnauthorized, status, "the replay after the restart is refused")
	require.Len(t, w.upcoming(t), 1)
}

// TestAFailingReplayStoreRefusesRequests: when crier cannot tell whether it
// has seen a request, it does not run it (503, so Slack may try again).
func TestAFailingReplayStoreRefusesRequests(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	w := newWorld(t)
	a := newAdapter(t, f, w, "http")
	a.UseReplayStore(&replayStore{err: errors.New("database is locked")})
	status, _ := send(t, listener(t, a), signedReq{path: "/slack/commands", body: slashBody(f, "U_ANA", "/schedule", "tomorrow 9am Hi")})
	require.Equal(t, http.StatusServiceUnavailable, status)
	require.Empty(t, w.upcoming(t))
}

func TestTimezoneSaysWhereTheZoneComesFrom(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	f.timezones["U_ANA"] = "America/New_York"
	f.timezones["U_BO"] = "" // a profile without a timezone
	srv := listener(t, newAdapter(t, f, newWorld(t), "http"))

	_, body := send(t, srv, signedReq{path: "/slack/commands", body: slashBody(f, "U_ANA", "/timezone", "")})
	require.Contains(t, decode(t, body).Text, "America/New_York (from your chat)")
	_, body = send(t, srv, signedReq{path: "/slack/commands", body: slashBody(f, "U_BO", "/timezone", "")})
	require.Contains(t, decode(t, body).Text, "(bot.yaml's timezone)")
	require.NotContains(t, decode(t, body).Text, "from your chat")
}
