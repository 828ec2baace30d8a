package discord_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/discord"
	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/criertest"
)

// Approvals in Discord: the approvers' Reject and Edit buttons ask first,
// in a modal, as Reschedule does; the answer runs the command as the
// person who submitted it.
const (
	drafterRole  = "1600000000000000002"
	approverRole = "1600000000000000003"
	drafterUser  = "1900000000000000002"
	approverUser = "1900000000000000003"
	approvals    = "1300000000000000009"
)

type approvalWorld struct {
	*world
	chat *criertest.Chat
}

func newApprovalWorld(t *testing.T) *approvalWorld {
	t.Helper()
	b := criertest.Setup(t, criertest.WithClock(crier.SystemClock{}), criertest.WithCommands(func(d *commands.Deps) {
		d.Approvals = commands.Approvals{On: true, Channel: crier.ChannelRef{Platform: "discord", ID: approvals}}
	}))
	return &approvalWorld{world: &world{db: b.DB, pub: b.Publish, router: b.Router}, chat: b.Chat}
}

func newApprovalAdapter(t *testing.T, f *fakeDiscord, w *approvalWorld) *discord.Adapter {
	t.Helper()
	a, err := discord.New(discord.Options{
		Token: "token-test", ApplicationID: appID, Guilds: []string{guild}, APIURL: f.url(), Router: w.router,
		Roles: map[crier.Role][]string{
			crier.RoleScheduler: {schedulerRole}, crier.RoleDrafter: {drafterRole}, crier.RoleApprover: {approverRole},
		},
	})
	require.NoError(t, err)
	return a
}

func (w *approvalWorld) post(t *testing.T, id int64) *crier.Post {
	t.Helper()
	p, err := w.db.FindPost(context.Background(), id)
	require.NoError(t, err)
	return p
}

// modalInput is a modal's one text input, as crier asked Discord to show it.
func modalInput(t *testing.T, data map[string]any) map[string]any {
	t.Helper()
	rows := data["components"].([]any)
	require.Len(t, rows, 1)
	inputs := rows[0].(map[string]any)["components"].([]any)
	require.Len(t, inputs, 1)
	in := inputs[0].(map[string]any)
	require.EqualValues(t, 4, in["type"], "a text input")
	return in
}

// submission is a modal submit interaction (type 5) as Discord sends it:
// the modal's custom_id and each text input's custom_id and value.
func submission(id, customID, field, value, user string, roles []string) map[string]any {
	return interaction(id, 5, map[string]any{"custom_id": customID, "components": []any{
		map[string]any{"type": 1, "components": []any{map[string]any{"type": 4, "custom_id": field, "value": value}}},
	}}, user, roles)
}

// answerText is the text of an interaction's answer: its embed's title.
func answerText(t *testing.T, got map[string]any) string {
	t.Helper()
	data := got["data"].(map[string]any)
	if embeds, ok := data["embeds"].([]any); ok && len(embeds) > 0 {
		return embeds[0].(map[string]any)["title"].(string)
	}
	return data["content"].(string)
}

func TestGatewayRejectAndEditAskInAModal(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	w := newApprovalWorld(t)
	a := newApprovalAdapter(t, f, w)
	runGateway(t, f, a)
	drafter, approver := []string{drafterRole}, []string{approverRole}
	f.dispatch("INTERACTION_CREATE", slash("1800000000000000030", "schedule", "tomorrow 9am Launch day at 49 EUR", drafterUser, drafter))
	callback(t, f, "1800000000000000030")
	f.dispatch("INTERACTION_CREATE", slash("1800000000000000031", "schedule", "tomorrow 10am Doors open", drafterUser, drafter))
	callback(t, f, "1800000000000000031")
	require.Equal(t, crier.ApprovalAwaiting, w.post(t, 1).Approval)
	require.Equal(t, crier.ApprovalAwaiting, w.post(t, 2).Approval)
	button := func(id, custom string) map[string]any {
		return interaction(id, 3, map[string]any{"custom_id": custom, "component_type": 2}, approverUser, approver)
	}

	// Reject asks why, in one line.
	f.dispatch("INTERACTION_CREATE", button("1800000000000000032", "crier:reject:1"))
	got := callback(t, f, "1800000000000000032")
	require.EqualValues(t, 9, got["type"], "a modal")
	data := got["data"].(map[string]any)
	require.Equal(t, "Reject post #1", data["title"])
	require.Equal(t, "crier:reject_form:1", data["custom_id"])
	in := modalInput(t, data)
	require.Equal(t, "reason", in["custom_id"])
	require.EqualValues(t, 1, in["style"], "short")
	require.Equal(t, "Why? The author reads this", in["label"])
	require.Equal(t, true, in["required"])
	require.Equal(t, crier.ApprovalAwaiting, w.post(t, 1).Approval, "the press itself decides nothing")

	// Someone who is not an approver cannot submit it.
	f.dispatch("INTERACTION_CREATE", submission("1800000000000000033", "crier:reject_form:1", "reason", "No", drafterUser, drafter))
	got = callback(t, f, "1800000000000000033")
	require.EqualValues(t, 64, got["data"].(map[string]any)["flags"])
	require.Contains(t, answerText(t, got), "approver")
	require.Equal(t, crier.ApprovalAwaiting, w.post(t, 1).Approval)

	// The approver's reason rejects it, as /reject #1 The price is wrong would.
	f.dispatch("INTERACTION_CREATE", submission("1800000000000000034", "crier:reject_form:1", "reason", "The price is wrong", approverUser, approver))
	got = callback(t, f, "1800000000000000034")
	require.EqualValues(t, 4, got["type"])
	require.Equal(t, "✓ Post #1 rejected; its author is told why.", answerText(t, got))
	require.Equal(t, crier.ApprovalRejected, w.post(t, 1).Approval)
	require.Contains(t, w.chat.Find(t, "✗ Post #1 was not approved").Text, "The price is wrong.")

	// Edit asks for the new text, on several lines.
	f.dispatch("INTERACTION_CREATE", button("1800000000000000035", "crier:edit:2"))
	got = callback(t, f, "1800000000000000035")
	require.EqualValues(t, 9, got["type"], "a modal")
	data = got["data"].(map[string]any)
	require.Equal(t, "Edit post #2", data["title"])
	require.Equal(t, "crier:edit_form:2", data["custom_id"])
	in = modalInput(t, data)
	require.Equal(t, "text", in["custom_id"])
	require.EqualValues(t, 2, in["style"], "a paragraph")

	f.dispatch("INTERACTION_CREATE", submission("1800000000000000036", "crier:edit_form:2", "text", "Doors open at 10.\nSee you there!\n", approverUser, approver))
	got = callback(t, f, "1800000000000000036")
	require.EqualValues(t, 4, got["type"])
	require.Nil(t, got["data"].(map[string]any)["flags"], answerText(t, got))
	p := w.post(t, 2)
	require.Equal(t, "Doors open at 10.\nSee you there!", p.Text, "the lines stay as typed")
	require.Equal(t, approverUser, p.EditedBy, "run as the person who submitted it")
}

// A submission of a form crier does not have is refused in one line, and
// nothing runs.
func TestGatewayUnknownFormIsRefused(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	w := newApprovalWorld(t)
	a := newApprovalAdapter(t, f, w)
	runGateway(t, f, a)
	f.dispatch("INTERACTION_CREATE", slash("1800000000000000040", "schedule", "tomorrow 9am Launch day", drafterUser, []string{drafterRole}))
	callback(t, f, "1800000000000000040")

	for i, custom := range []string{"crier:frobnicate_form:1", "crier:reject:1", "crier:reject_form:1:sandbox", "hello"} {
		id := "18000000000000000" + string(rune('5'+i)) + "0"
		f.dispatch("INTERACTION_CREATE", submission(id, custom, "reason", "The price is wrong", approverUser, []string{approverRole}))
		got := callback(t, f, id)
		require.EqualValues(t, 4, got["type"], custom)
		require.EqualValues(t, 64, got["data"].(map[string]any)["flags"], custom)
		require.Equal(t, "✗ That form is not one of crier's. Press the button again, or type /help to see crier's commands.", answerText(t, got), custom)
	}
	require.Equal(t, crier.ApprovalAwaiting, w.post(t, 1).Approval)
}
