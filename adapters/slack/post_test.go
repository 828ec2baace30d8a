package slack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	slackapi "github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/slack"
	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/publish"
)

// postedBlocks reads the blocks of a chat.postMessage call as Slack would.
func postedBlocks(t *testing.T, raw string) []slackapi.Block {
	t.Helper()
	var blocks slackapi.Blocks
	require.NoError(t, json.Unmarshal([]byte(raw), &blocks), raw)
	return blocks.BlockSet
}

func TestNoticeWithButtonsIsPostedAsBlockKit(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	a := newAdapter(t, f, newWorld(t), "http")
	_, err := a.Post(context.Background(), crier.ChannelRef{Platform: "slack", ID: "C0LAUNCH1", Thread: "1700000000.000001"}, crier.Message{
		Text:    maybeNoticeText,
		Buttons: publish.MaybeButtons(12, "mastodon"),
	})
	require.NoError(t, err)

	posts := f.postsCopy()
	require.Len(t, posts, 1)
	require.Equal(t, "C0LAUNCH1", posts[0].Get("channel"))
	require.Equal(t, "1700000000.000001", posts[0].Get("thread_ts"), "in the post's thread")
	want, err := os.ReadFile(goldenPath("notice_maybe"))
	require.NoError(t, err)
	require.Equal(t, string(want), string(marshalBlocks(t, postedBlocks(t, posts[0].Get("blocks")))))
	require.Equal(t, slack.FallbackText(commands.Response{Text: maybeNoticeText}), posts[0].Get("text"), "the fallback is the text, escaped")
	require.NotContains(t, posts[0].Get("text"), "<timeout>")
}

func TestNoticeWithoutButtonsIsPlainText(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	a := newAdapter(t, f, newWorld(t), "http")
	_, err := a.Post(context.Background(), crier.ChannelRef{Platform: "slack", ID: "C0LAUNCH1"}, crier.Message{
		Text: "✓ Post #12 published to mastodon: https://mastodon.example/@crier/1",
	})
	require.NoError(t, err)
	posts := f.postsCopy()
	require.Len(t, posts, 1)
	require.Empty(t, posts[0].Get("blocks"))
	require.Equal(t, "✓ Post #12 published to mastodon: https://mastodon.example/@crier/1", posts[0].Get("text"))
}

// A button whose target cannot go into a value is not drawn; the command it
// stands for is shown to type instead.
func TestNoticeButtonThatCannotBeMadeIsOfferedAsACommand(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	a := newAdapter(t, f, newWorld(t), "http")
	buttons := publish.MaybeButtons(12, "Not A Network")
	_, err := a.Post(context.Background(), crier.ChannelRef{Platform: "slack", ID: "C0LAUNCH1"}, crier.Message{
		Text: "❓ Post #12 may or may not be on it.", Buttons: buttons,
	})
	require.NoError(t, err)
	blocks := postedBlocks(t, f.postsCopy()[0].Get("blocks"))
	require.Empty(t, actionButtons(t, blocks))
	require.Equal(t, "• Type /published #12 Not A Network\n• Type /republish #12 Not A Network", sectionText(t, blocks, "crier_lines"))
}

// TestDeliveryButtons posts the notice of a delivery that may have been
// published, presses one of its buttons and reads what crier sent to the
// button's response_url.
func TestDeliveryButtons(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		user    string
		action  string
		value   string // "" means the value of the button crier posted
		want    string
		replace bool
		status  crier.DeliveryStatus
	}{
		{"it is published marks the delivery published", "U_ANA", "crier_confirm_published", "", "✓ Noted: post #1 is on sandbox", true, crier.DeliveryPublished},
		{"publish again puts the delivery back in the queue", "U_ANA", "crier_publish_again", "", "✓ Post #1 will be published to sandbox again now", true, crier.DeliveryPending},
		{"a presser without the role is told which role", "U_BOB", "crier_confirm_published", "", "✗ You need the scheduler role to use /published.", false, crier.DeliveryMaybe},
		{"a network the post was not going to", "U_ANA", "crier_publish_again", "post:1:mastodon", "✗ Post #1 was not going to \"mastodon\".", false, crier.DeliveryMaybe},
		{"an old value without a network is not crier's", "U_ANA", "crier_confirm_published", "post:1", "✗ That button is not one of crier's.", false, crier.DeliveryMaybe},
		{"a value that adds words to the command is not crier's", "U_ANA", "crier_publish_again", "post:1:sandbox now", "✗ That button is not one of crier's.", false, crier.DeliveryMaybe},
		{"a post button with a network is not crier's", "U_ANA", "crier_cancel", "post:1:sandbox", "✗ That button is not one of crier's.", false, crier.DeliveryMaybe},
		{"an action of another app is not crier's", "U_ANA", "other_confirm_published", "", "✗ That button is not one of crier's.", false, crier.DeliveryMaybe},
		{"an action crier no longer knows", "U_ANA", "crier_frobnicate", "", "✗ crier does not know that button any more.", false, crier.DeliveryMaybe},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeSlack(t)
			w := newWorld(t)
			a := newAdapter(t, f, w, "http")
			srv := listener(t, a)
			id := w.maybe(t)
			_, err := a.Post(context.Background(), crier.ChannelRef{Platform: "slack", ID: "C0LAUNCH1"}, crier.Message{
				Text:    "❓ Post #1 may or may not be on sandbox.",
				Buttons: publish.MaybeButtons(id, "sandbox"),
			})
			require.NoError(t, err)
			value := tt.value
			if value == "" {
				// The button crier posted with this action_id; an action
				// it posted none for comes with the value buttons had
				// before their values were commands' own.
				buttons := actionButtons(t, postedBlocks(t, f.postsCopy()[0].Get("blocks")))
				require.Len(t, buttons, 2)
				require.Equal(t, "crier:confirm_published:1:sandbox", buttons[0].Value)
				require.Equal(t, "crier:publish_again:1:sandbox", buttons[1].Value)
				value = "post:1:sandbox"
				for _, b := range buttons {
					if b.ActionID == tt.action {
						value = b.Value
					}
				}
			}

			status, body := send(t, srv, signedReq{path: "/slack/interactivity", body: interactionBody(f, tt.user, tt.action, value)})
			require.Equal(t, 200, status)
			require.Empty(t, body, "buttons are acknowledged at once; the answer goes to response_url")
			got := f.waitResponses(t, 1)[0]
			require.Equal(t, "/response/button", got["_path"])
			require.Contains(t, got["text"], tt.want)
			require.Equal(t, tt.replace, got["replace_original"], "a success replaces the notice and its buttons")
			if tt.replace {
				require.Equal(t, "in_channel", got["response_type"])
				require.NotContains(t, fmt.Sprint(got["blocks"]), "crier_actions", "no buttons left to press twice")
			} else {
				require.Equal(t, "ephemeral", got["response_type"], "an error is for the presser only")
			}
			require.Equal(t, tt.status, w.deliveryStatus(t, id, "sandbox"))
		})
	}
}

// A second press (another person, or a stale copy of the message) changes
// nothing and is answered to the presser alone.
func TestDeliveryButtonPressedTwiceChangesNothing(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	w := newWorld(t)
	srv := listener(t, newAdapter(t, f, w, "http"))
	id := w.maybe(t)
	value := slack.ButtonValue(id, "sandbox")
	send(t, srv, signedReq{path: "/slack/interactivity", body: interactionBody(f, "U_ANA", "crier_confirm_published", value)})
	require.Equal(t, true, f.waitResponses(t, 1)[0]["replace_original"])
	send(t, srv, signedReq{path: "/slack/interactivity", body: interactionBody(f, "U_ANA", "crier_publish_again", value), at: time.Now().Add(time.Second)})
	got := f.waitResponses(t, 2)[1]
	require.Equal(t, false, got["replace_original"])
	require.Equal(t, "ephemeral", got["response_type"])
	require.Contains(t, got["text"], "✗ Post #1 on sandbox is published, not waiting for a decision")
	require.Equal(t, crier.DeliveryPublished, w.deliveryStatus(t, id, "sandbox"))
}

func TestSocketModeDeliveryButton(t *testing.T) {
	t.Parallel()
	f := newFakeSlack(t)
	w := newWorld(t)
	a := newAdapter(t, f, w, "socket")
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
	id := w.maybe(t)

	require.NoError(t, conn.WriteJSON(map[string]any{"envelope_id": "env-p", "type": "interactive", "payload": map[string]any{
		"type": "block_actions", "user": map[string]any{"id": "U_ANA", "name": "ana"}, "channel": map[string]any{"id": "C0LAUNCH1"},
		"response_url": f.responseURL("button"), "trigger_id": "1.2",
		"actions": []map[string]any{{"action_id": "crier_publish_again", "block_id": "crier_actions", "value": slack.ButtonValue(id, "sandbox"), "type": "button"}},
	}}))
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	for {
		var msg struct {
			EnvelopeID string `json:"envelope_id"`
		}
		require.NoError(t, conn.ReadJSON(&msg))
		if msg.EnvelopeID == "env-p" {
			break
		}
	}
	got := f.waitResponses(t, 1)[0]
	require.Contains(t, got["text"], "✓ Post #1 will be published to sandbox again now")
	require.Equal(t, true, got["replace_original"])
	require.Equal(t, crier.DeliveryPending, w.deliveryStatus(t, id, "sandbox"))
}
