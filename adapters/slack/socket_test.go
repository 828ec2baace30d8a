package slack_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
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

// TestSocketModeRefusesABadAppToken: Slack answers apps.connections.open with
// invalid_auth, and Run stops with a sentence that names the key to fix.
func TestSocketModeRefusesABadAppToken(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	w := newWorld(t)
	bad, err := newAdapterWithTokens(f, w, "xoxb-test", "xapp-revoked")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = bad.Run(ctx)
	require.ErrorContains(t, err, "chat.slack.app_token")
}

// TestABadBotTokenStopsRunAtOnce: auth.test answers invalid_auth.
func TestABadBotTokenStopsRunAtOnce(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	bad, err := newAdapterWithTokens(f, newWorld(t), "xoxb-revoked", "xapp-test")
	require.NoError(t, err)
	require.ErrorContains(t, bad.Run(context.Background()), "invalid_auth")
}
