package slack_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/internal/crier"
)

// TestSocketModeAcksASlashCommandWithItsAnswer delivers a slash-command
// envelope over the Socket Mode websocket and reads the ack that carries the
// answer, as Slack would.
func TestSocketModeAcksASlashCommandWithItsAnswer(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	w := newWorld(t)
	a := newAdapter(t, f, w, "socket")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})

	var conn interface {
		WriteJSON(any) error
		ReadJSON(any) error
		SetReadDeadline(time.Time) error
	}
	select {
	case c := <-f.conns:
		conn = c
	case <-time.After(5 * time.Second):
		t.Fatal("crier did not open a Socket Mode connection")
	}

	require.NoError(t, conn.WriteJSON(map[string]any{
		"envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": true,
		"payload": map[string]any{
			"command": "/schedule", "text": "tomorrow 9am Socket launch", "user_id": "U_ANA", "user_name": "ana",
			"channel_id": "C0LAUNCH1", "team_id": "T1", "response_url": f.responseURL("cmd"), "trigger_id": "1.2",
		},
	}))
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	for {
		var msg struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		require.NoError(t, conn.ReadJSON(&msg))
		if msg.EnvelopeID != "env-1" {
			continue
		}
		var ans answer
		require.NoError(t, json.Unmarshal(msg.Payload, &ans))
		require.Equal(t, "in_channel", ans.ResponseType)
		require.Contains(t, ans.Text, "✓ Post #1 scheduled for")
		break
	}
	require.Len(t, w.upcoming(t), 1)
}

func TestSocketModeCheckAppToken(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	w := newWorld(t)
	good, err := newAdapterWithTokens(f, w, "xoxb-test", "xapp-test")
	require.NoError(t, err)
	require.NoError(t, good.CheckAppToken(context.Background()))
	bad, err := newAdapterWithTokens(f, w, "xoxb-test", "xapp-revoked")
	require.NoError(t, err)
	require.ErrorContains(t, bad.CheckAppToken(context.Background()), "invalid_auth")
}

// TestSocketModeButtonsAndEvents delivers a button press and a thread reply
// as Socket Mode envelopes: each is acked, the button's answer goes to its
// response_url and the reply reaches the thread handler.
func TestSocketModeButtonsAndEvents(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	w := newWorld(t)
	a := newAdapter(t, f, w, "socket")
	replies := make(chan crier.ThreadReply, 1)
	a.OnThreadReply(func(_ context.Context, m crier.ThreadReply) { replies <- m })
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
	_, err := w.pub.Schedule(context.Background(), &crier.Post{Text: "Hi", DueAt: time.Now().Add(time.Hour)})
	require.NoError(t, err)

	require.NoError(t, conn.WriteJSON(map[string]any{"envelope_id": "env-b", "type": "interactive", "payload": map[string]any{
		"type": "block_actions", "user": map[string]any{"id": "U_ANA", "name": "ana"}, "channel": map[string]any{"id": "C0LAUNCH1"},
		"response_url": f.responseURL("button"), "trigger_id": "1.2",
		"actions": []map[string]any{{"action_id": "crier_cancel", "block_id": "crier_actions", "value": "post:1", "type": "button"}},
	}}))
	require.NoError(t, conn.WriteJSON(map[string]any{"envelope_id": "env-e", "type": "events_api", "payload": map[string]any{
		"type": "event_callback", "team_id": "T1", "event_id": "EvS1",
		"event": map[string]any{"type": "message", "user": "U_ANA", "text": "on it", "ts": "2.0", "thread_ts": "1.0", "channel": "C0LAUNCH1", "parent_user_id": botUserID},
	}}))
	acked := map[string]bool{}
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	for !acked["env-b"] || !acked["env-e"] {
		var msg struct {
			EnvelopeID string `json:"envelope_id"`
		}
		require.NoError(t, conn.ReadJSON(&msg))
		acked[msg.EnvelopeID] = true
	}
	got := f.waitResponses(t, 1)[0]
	require.Contains(t, got["text"], "✓ Post #1 cancelled")
	select {
	case m := <-replies:
		require.Equal(t, "on it", m.Text)
	case <-time.After(5 * time.Second):
		t.Fatal("the thread reply did not reach the handler")
	}
	require.Empty(t, w.upcoming(t))
}
