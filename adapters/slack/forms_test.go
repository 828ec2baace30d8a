package slack_test

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/slack"
	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/criertest"
)

// Approvals in Slack: the approvers' Reject and Edit buttons ask first, in
// a modal, as Reschedule does; the answer runs the command as the person
// who submitted it.
const (
	formDrafter   = "U_BO" // drafter: their posts wait for approval
	formApprover  = "U_CY" // approver
	formScheduler = "U_ANA"
	formApprovals = "C0APPROVE1"
)

// approvalWorld is crier's core with approvals on, and the chat the
// approvers are asked in and the authors are told in.
type approvalWorld struct {
	*world
	chat *criertest.Chat
}

func newApprovalWorld(t *testing.T) *approvalWorld {
	t.Helper()
	b := criertest.Setup(t, criertest.WithClock(crier.SystemClock{}), criertest.WithTimezone("Europe/Bucharest"),
		criertest.WithCommands(func(d *commands.Deps) {
			d.Approvals = commands.Approvals{On: true, Channel: crier.ChannelRef{Platform: "slack", ID: formApprovals}}
		}))
	return &approvalWorld{world: &world{db: b.DB, pub: b.Publish, router: b.Router}, chat: b.Chat}
}

func newApprovalAdapter(t *testing.T, f *fakeSlack, w *approvalWorld, mode string) *slack.Adapter {
	t.Helper()
	a, err := slack.New(slack.Options{
		Mode: mode, BotToken: "xoxb-test", AppToken: "xapp-test", SigningSecret: secret, APIURL: f.GetAPIURL(),
		Router: w.router, Timezone: "Europe/Bucharest",
		Roles: map[crier.Role][]string{
			crier.RoleScheduler: {formScheduler},
			crier.RoleDrafter:   {formDrafter},
			crier.RoleApprover:  {formApprover},
		},
	})
	require.NoError(t, err)
	require.NoError(t, a.Connect(context.Background()))
	return a
}

// pressBody is a block_actions payload for a button in the approvals
// channel; trigger "" is a press whose trigger Slack no longer honours.
func pressBody(f *fakeSlack, user, action, value, trigger string) string {
	payload, _ := json.Marshal(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user, "name": "someone"},
		"channel": map[string]any{"id": formApprovals}, "response_url": f.responseURL("button"), "trigger_id": trigger,
		"actions": []map[string]any{{"action_id": "crier_" + action, "block_id": "crier_actions", "value": value, "type": "button"}},
	})
	return url.Values{"payload": {string(payload)}}.Encode()
}

// formPayload is a view_submission payload as Slack sends it: the view's
// callback_id and private_metadata as crier opened it, and the answer in
// state.values under the input's block_id and action_id.
func formPayload(user, callback, metadata, block, input, answer string) map[string]any {
	return map[string]any{
		"type": "view_submission", "user": map[string]any{"id": user, "name": "someone"},
		"view": map[string]any{"id": "V1", "callback_id": callback, "private_metadata": metadata,
			"state": map[string]any{"values": map[string]any{block: map[string]any{input: map[string]any{"type": "plain_text_input", "value": answer}}}}},
	}
}

func formBody(user, callback, metadata, block, input, answer string) string {
	payload, _ := json.Marshal(formPayload(user, callback, metadata, block, input, answer))
	return url.Values{"payload": {string(payload)}}.Encode()
}

// openedView is the n-th modal crier opened (from 1), once it is open.
func openedView(t *testing.T, f *fakeSlack, n int) map[string]any {
	t.Helper()
	require.Eventually(t, func() bool { f.mu.Lock(); defer f.mu.Unlock(); return len(f.views) >= n }, 3*time.Second, 10*time.Millisecond)
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.views[n-1]["view"].(map[string]any)
}

func viewTitle(v map[string]any) string { return v["title"].(map[string]any)["text"].(string) }

// viewInput is the modal's one input block's ids and its element.
func viewInput(t *testing.T, v map[string]any) (block string, element map[string]any) {
	t.Helper()
	blocks := v["blocks"].([]any)
	require.Len(t, blocks, 1)
	b := blocks[0].(map[string]any)
	require.Equal(t, "input", b["type"])
	return b["block_id"].(string), b["element"].(map[string]any)
}

func ephemeralTexts(f *fakeSlack, user string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var texts []string
	for _, e := range f.ephemerals {
		if e.Get("user") == user {
			texts = append(texts, e.Get("text"))
		}
	}
	return texts
}

func (w *approvalWorld) post(t *testing.T, id int64) *crier.Post {
	t.Helper()
	p, err := w.db.FindPost(context.Background(), id)
	require.NoError(t, err)
	return p
}

func TestRejectButtonAsksWhyInAModal(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	w := newApprovalWorld(t)
	srv := listener(t, newApprovalAdapter(t, f, w, "http"))
	send(t, srv, signedReq{path: "/slack/commands", body: slashBody(f, formDrafter, "/schedule", "tomorrow 9am Launch day at 49 EUR")})
	require.Equal(t, crier.ApprovalAwaiting, w.post(t, 1).Approval)

	status, body := send(t, srv, signedReq{path: "/slack/interactivity", body: pressBody(f, formApprover, "reject", "crier:reject:1", "1.2")})
	require.Equal(t, 200, status)
	require.Empty(t, body)
	view := openedView(t, f, 1)
	require.Equal(t, "Reject post #1", viewTitle(view))
	require.Equal(t, "crier_reject", view["callback_id"])
	metadata := "crier:reject_form:1|" + formApprovals
	require.Equal(t, metadata, view["private_metadata"])
	block, input := viewInput(t, view)
	require.Equal(t, "reason", block)
	require.Equal(t, "reason_input", input["action_id"])
	require.Nil(t, input["multiline"], "a reason is one line")
	f.mu.Lock()
	require.Empty(t, f.responses, "the press itself ran nothing")
	f.mu.Unlock()

	// Someone who may not decide is refused under the field, and nothing changes.
	status, body = send(t, srv, signedReq{path: "/slack/interactivity", body: formBody(formScheduler, "crier_reject", metadata, "reason", "reason_input", "No")})
	require.Equal(t, 200, status)
	require.Contains(t, body, `"response_action":"errors"`)
	require.Contains(t, body, "approver")
	require.Equal(t, crier.ApprovalAwaiting, w.post(t, 1).Approval)

	// The approver's reason rejects it, as /reject #1 The price is wrong would.
	status, body = send(t, srv, signedReq{path: "/slack/interactivity", at: time.Now().Add(time.Second),
		body: formBody(formApprover, "crier_reject", metadata, "reason", "reason_input", "The price is wrong")})
	require.Equal(t, 200, status)
	require.Empty(t, body, "the modal closes")
	require.Equal(t, crier.ApprovalRejected, w.post(t, 1).Approval)
	require.Eventually(t, func() bool { return len(ephemeralTexts(f, formApprover)) == 1 }, 3*time.Second, 10*time.Millisecond)
	require.Equal(t, "✓ Post #1 rejected; its author is told why.", ephemeralTexts(f, formApprover)[0])
	told := w.chat.Find(t, "✗ Post #1 was not approved")
	require.Contains(t, told.Text, "The price is wrong.")
}

func TestEditButtonAsksForTheNewTextInAModal(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	w := newApprovalWorld(t)
	srv := listener(t, newApprovalAdapter(t, f, w, "http"))
	send(t, srv, signedReq{path: "/slack/commands", body: slashBody(f, formDrafter, "/schedule", "tomorrow 9am Launch day")})

	send(t, srv, signedReq{path: "/slack/interactivity", body: pressBody(f, formApprover, "edit", "crier:edit:1", "1.2")})
	view := openedView(t, f, 1)
	require.Equal(t, "Edit post #1", viewTitle(view))
	require.Equal(t, "crier_edit", view["callback_id"])
	metadata := "crier:edit_form:1|" + formApprovals
	require.Equal(t, metadata, view["private_metadata"])
	block, input := viewInput(t, view)
	require.Equal(t, "text", block)
	require.Equal(t, true, input["multiline"], "a post's text takes several lines")

	status, body := send(t, srv, signedReq{path: "/slack/interactivity",
		body: formBody(formApprover, "crier_edit", metadata, "text", "text_input", "Launch day!\nDoors open at 10.\n")})
	require.Equal(t, 200, status)
	require.Empty(t, body)
	p := w.post(t, 1)
	require.Equal(t, "Launch day!\nDoors open at 10.", p.Text, "the lines stay as typed")
	require.Equal(t, formApprover, p.EditedBy, "run as the person who submitted it")
	require.Equal(t, crier.ApprovalAwaiting, p.Approval)
	require.Eventually(t, func() bool { return len(ephemeralTexts(f, formApprover)) == 1 }, 3*time.Second, 10*time.Millisecond)
}

// When Slack will not open the modal (the trigger expired), the presser
// is told what to type, in one line.
func TestRejectButtonSaysWhatToTypeWhenTheModalCannotOpen(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	w := newApprovalWorld(t)
	srv := listener(t, newApprovalAdapter(t, f, w, "http"))
	send(t, srv, signedReq{path: "/slack/commands", body: slashBody(f, formDrafter, "/schedule", "tomorrow 9am Launch day")})

	send(t, srv, signedReq{path: "/slack/interactivity", body: pressBody(f, formApprover, "reject", "crier:reject:1", "")})
	got := f.waitResponses(t, 1)[0]
	require.Equal(t, "/response/button", got["_path"])
	require.Equal(t, "Type /reject #1 &lt;reason&gt;, like: /reject #1 The price is wrong; it is 49 EUR.", got["text"], "escaped, as Slack's text is")
	require.Equal(t, "ephemeral", got["response_type"])
	require.Equal(t, crier.ApprovalAwaiting, w.post(t, 1).Approval)
}

// A submission of a form crier does not have, or whose value names another
// form than its callback, is refused in one line and changes nothing.
func TestUnknownFormIsRefused(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, callback, metadata, block string }{
		{"a form crier does not have", "crier_frobnicate", "crier:frobnicate_form:1|" + formApprovals, "answer"},
		{"a button's value, not a form's", "crier_reject", "crier:reject:1|" + formApprovals, "reason"},
		{"a value of another form", "crier_reject", "crier:edit_form:1|" + formApprovals, "reason"},
		{"a form value with a network", "crier_reject", "crier:reject_form:1:sandbox|" + formApprovals, "reason"},
		{"an old value is a reschedule's only", "crier_reject", "post:1|" + formApprovals, "reason"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeSlack(t)
			w := newApprovalWorld(t)
			srv := listener(t, newApprovalAdapter(t, f, w, "http"))
			send(t, srv, signedReq{path: "/slack/commands", body: slashBody(f, formDrafter, "/schedule", "tomorrow 9am Launch day")})
			status, body := send(t, srv, signedReq{path: "/slack/interactivity",
				body: formBody(formApprover, tt.callback, tt.metadata, tt.block, tt.block+"_input", "The price is wrong")})
			require.Equal(t, 200, status)
			var resp struct {
				Action string            `json:"response_action"`
				Errors map[string]string `json:"errors"`
			}
			require.NoError(t, json.Unmarshal([]byte(body), &resp), body)
			require.Equal(t, "errors", resp.Action)
			require.Equal(t, map[string]string{tt.block: "This form is not one of crier's; close it and press the button again."}, resp.Errors,
				"one line, under the form's own field")
			p := w.post(t, 1)
			require.Equal(t, crier.ApprovalAwaiting, p.Approval)
			require.Equal(t, "Launch day", p.Text)
		})
	}
}

// Socket Mode: the same modal opens from a button envelope, and the
// view_submission envelope is acked (closing the modal) after the command
// ran as the person who submitted it.
func TestSocketModeRejectAndEditAskInAModal(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	w := newApprovalWorld(t)
	a := newApprovalAdapter(t, f, w, "socket")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	var conn *websocket.Conn
	select {
	case conn = <-f.conns:
	case <-time.After(5 * time.Second):
		t.Fatal("crier did not open a Socket Mode connection")
	}
	for _, text := range []string{"tomorrow 9am Launch day", "tomorrow 10am Doors open"} {
		resp := w.router.Handle(context.Background(), commands.Request{Platform: "slack", Command: "schedule", Text: text,
			User:    crier.User{ID: formDrafter, Roles: []crier.Role{crier.RoleDrafter}, Timezone: "Europe/Bucharest"},
			Channel: crier.ChannelRef{Platform: "slack", ID: "C0LAUNCH1"}})
		require.False(t, resp.Error, resp.Text)
	}
	require.Equal(t, crier.ApprovalAwaiting, w.post(t, 1).Approval)

	envelopes := 0
	deliver := func(payload map[string]any) json.RawMessage {
		t.Helper()
		envelopes++
		id := "env-" + string(rune('a'+envelopes))
		require.NoError(t, conn.WriteJSON(map[string]any{"envelope_id": id, "type": "interactive", "payload": payload}))
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
		for {
			var msg struct {
				EnvelopeID string          `json:"envelope_id"`
				Payload    json.RawMessage `json:"payload"`
			}
			require.NoError(t, conn.ReadJSON(&msg))
			if msg.EnvelopeID == id {
				return msg.Payload
			}
		}
	}
	press := func(action, value string) map[string]any {
		return map[string]any{
			"type": "block_actions", "user": map[string]any{"id": formApprover, "name": "cy"}, "channel": map[string]any{"id": formApprovals},
			"response_url": f.responseURL("button"), "trigger_id": "1.2",
			"actions": []map[string]any{{"action_id": "crier_" + action, "block_id": "crier_actions", "value": value, "type": "button"}},
		}
	}

	deliver(press("edit", "crier:edit:1"))
	view := openedView(t, f, 1)
	require.Equal(t, "Edit post #1", viewTitle(view))
	require.Equal(t, "crier:edit_form:1|"+formApprovals, view["private_metadata"])
	ack := deliver(formPayload(formApprover, "crier_edit", "crier:edit_form:1|"+formApprovals, "text", "text_input", "Launch day!\nDoors open at 10."))
	require.NotContains(t, string(ack), "errors", "the modal closes")
	require.Equal(t, "Launch day!\nDoors open at 10.", w.post(t, 1).Text)

	// Post #1 has the approver's words in it now; they reject the other.
	deliver(press("reject", "crier:reject:2"))
	view = openedView(t, f, 2)
	require.Equal(t, "Reject post #2", viewTitle(view))
	require.Equal(t, "crier_reject", view["callback_id"])
	ack = deliver(formPayload(formApprover, "crier_reject", "crier:reject_form:2|"+formApprovals, "reason", "reason_input", "The price is wrong"))
	require.NotContains(t, string(ack), "errors")
	require.Equal(t, crier.ApprovalRejected, w.post(t, 2).Approval)
	require.Eventually(t, func() bool { return len(ephemeralTexts(f, formApprover)) == 2 }, 3*time.Second, 10*time.Millisecond)
	require.Contains(t, ephemeralTexts(f, formApprover), "✓ Post #2 rejected; its author is told why.")

	// A form crier does not have is refused in one line.
	ack = deliver(formPayload(formApprover, "crier_frobnicate", "crier:frobnicate_form:1|"+formApprovals, "answer", "answer_input", "x"))
	require.Contains(t, string(ack), "This form is not one of crier's")
}
