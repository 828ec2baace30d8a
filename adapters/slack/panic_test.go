package slack_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/slack"
	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
)

// panicking is an adapter whose commands panic: its router has no
// publisher, so /queue dereferences nil (help works). Its thread handler
// panics on "boom".
func panicking(t *testing.T, f *fakeSlack, mode string) (*slack.Adapter, *syncBuffer, chan crier.ThreadReply) {
	t.Helper()
	logs := &syncBuffer{}
	a, err := slack.New(slack.Options{
		Mode: mode, BotToken: "xoxb-test", AppToken: "xapp-test", SigningSecret: secret, APIURL: f.GetAPIURL(),
		Router: commands.New(commands.Deps{}), Logger: slog.New(slog.NewTextHandler(logs, nil)),
		Roles: map[crier.Role][]string{crier.RoleScheduler: {"U_ANA"}},
	})
	require.NoError(t, err)
	require.NoError(t, a.Connect(context.Background()))
	replies := make(chan crier.ThreadReply, 4)
	a.OnThreadReply(func(_ context.Context, m crier.ThreadReply) {
		if m.Text == "boom" {
			panic("thread handler exploded")
		}
		replies <- m
	})
	return a, logs, replies
}

// wentWrong is what a person reads when crier panicked on their request:
// the sentence Discord's adapter uses too, with Slack's way to ask for help.
const wentWrong = "✗ Something went wrong in crier; whoever runs it can find the details in its log. Try again, or type /crier help."

func replyEvent(id, text, ts string) map[string]any {
	return map[string]any{"type": "event_callback", "team_id": "T1", "event_id": id,
		"event": map[string]any{"type": "message", "user": "U_ANA", "text": text, "ts": ts, "thread_ts": "1.0", "channel": "C0LAUNCH1", "parent_user_id": botUserID}}
}

// TestSocketModeSurvivesAPanickingHandler: a command whose handler panics
// is answered with one line, a thread handler that panics is logged, and
// the Socket Mode loop goes on serving the next envelopes.
func TestSocketModeSurvivesAPanickingHandler(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	a, logs, replies := panicking(t, f, "socket")
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
	slash := func(env, command string) map[string]any {
		return map[string]any{"envelope_id": env, "type": "slash_commands", "accepts_response_payload": true,
			"payload": map[string]any{"command": command, "text": "", "user_id": "U_ANA", "user_name": "ana",
				"channel_id": "C0LAUNCH1", "team_id": "T1", "response_url": f.responseURL("cmd"), "trigger_id": "1.2"}}
	}
	require.NoError(t, conn.WriteJSON(map[string]any{"envelope_id": "env-boom", "type": "events_api", "payload": replyEvent("EvBoom", "boom", "2.0")}))
	require.NoError(t, conn.WriteJSON(slash("env-queue", "/queue")))

	answers := map[string]string{}
	read := func(envs ...string) {
		t.Helper()
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
		for {
			missing := false
			for _, e := range envs {
				if _, ok := answers[e]; !ok {
					missing = true
				}
			}
			if !missing {
				return
			}
			var msg struct {
				EnvelopeID string          `json:"envelope_id"`
				Payload    json.RawMessage `json:"payload"`
			}
			require.NoError(t, conn.ReadJSON(&msg))
			answers[msg.EnvelopeID] = string(msg.Payload)
		}
	}
	read("env-boom", "env-queue")
	var ans answer
	require.NoError(t, json.Unmarshal([]byte(answers["env-queue"]), &ans))
	require.Equal(t, "ephemeral", ans.ResponseType)
	require.Equal(t, wentWrong, ans.Text)
	require.NotContains(t, ans.Text, "\n")

	// The loop still serves: the next reply and command go through.
	require.NoError(t, conn.WriteJSON(map[string]any{"envelope_id": "env-fine", "type": "events_api", "payload": replyEvent("EvFine", "fine", "3.0")}))
	require.NoError(t, conn.WriteJSON(slash("env-help", "/help")))
	read("env-fine", "env-help")
	require.NoError(t, json.Unmarshal([]byte(answers["env-help"]), &ans))
	require.NotContains(t, ans.Text, "✗")
	select {
	case m := <-replies:
		require.Equal(t, "fine", m.Text)
	case <-time.After(5 * time.Second):
		t.Fatal("the next thread reply did not reach the handler")
	}
	require.Eventually(t, func() bool {
		l := logs.String()
		return strings.Count(l, "panicked") >= 2
	}, 5*time.Second, 10*time.Millisecond)
	require.Contains(t, logs.String(), "goroutine", "the log has the stack")
}

// TestHTTPModeSurvivesAPanickingHandler: over HTTP, the command's answer and
// a button's answer (through response_url) say something went wrong; a
// thread handler's panic is logged; crier goes on serving.
func TestHTTPModeSurvivesAPanickingHandler(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	a, logs, replies := panicking(t, f, "http")
	srv := listener(t, a)

	status, body := send(t, srv, signedReq{path: "/slack/commands", body: slashBody(f, "U_ANA", "/queue", "")})
	require.Equal(t, http.StatusOK, status)
	ans := decode(t, body)
	require.Equal(t, "ephemeral", ans.ResponseType)
	require.Equal(t, wentWrong, ans.Text)

	send(t, srv, signedReq{path: "/slack/interactivity", body: interactionBody(f, "U_ANA", "crier_cancel", "post:1")})
	got := f.waitResponses(t, 1)[0]
	require.Equal(t, wentWrong, got["text"])

	ev, err := json.Marshal(replyEvent("EvBoomHTTP", "boom", "2.0"))
	require.NoError(t, err)
	status, _ = send(t, srv, signedReq{path: "/slack/events", body: string(ev)})
	require.Equal(t, http.StatusOK, status)
	ev, err = json.Marshal(replyEvent("EvFineHTTP", "fine", "3.0"))
	require.NoError(t, err)
	status, _ = send(t, srv, signedReq{path: "/slack/events", body: string(ev), at: time.Now().Add(time.Second)})
	require.Equal(t, http.StatusOK, status)
	select {
	case m := <-replies:
		require.Equal(t, "fine", m.Text)
	case <-time.After(5 * time.Second):
		t.Fatal("the next thread reply did not reach the handler")
	}

	status, body = send(t, srv, signedReq{path: "/slack/commands", body: slashBody(f, "U_ANA", "/help", ""), at: time.Now().Add(2 * time.Second)})
	require.Equal(t, http.StatusOK, status)
	require.NotContains(t, decode(t, body).Text, "✗")
	require.Eventually(t, func() bool { return strings.Count(logs.String(), "panicked") >= 3 }, 5*time.Second, 10*time.Millisecond)
}
