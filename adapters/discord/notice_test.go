package discord_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/publish"
	"github.com/crier-bot/crier/internal/timeparse"
)

// maybeNoticeText is the publish worker's notice for a delivery whose outcome
// is unknown, with a reason that needs escaping.
const maybeNoticeText = "❓ Post #12 may or may not be on mastodon: mastodon did not answer within 30 s <timeout> & **the connection closed**. " +
	"crier cannot tell without risking a second copy, so it stopped. Check mastodon, then choose."

// indentJSON is a request body as a golden file holds it.
func indentJSON(t *testing.T, raw []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, json.Indent(&b, raw, "", "  "))
	return append(b.Bytes(), '\n')
}

// postedCustomIDs returns the custom_id of every button in a posted message.
func postedCustomIDs(t *testing.T, body map[string]any) []string {
	t.Helper()
	var ids []string
	for _, row := range body["components"].([]any) {
		for _, b := range row.(map[string]any)["components"].([]any) {
			ids = append(ids, b.(map[string]any)["custom_id"].(string))
		}
	}
	return ids
}

func TestNoticeWithButtonsIsPostedWithAnActionRow(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	a := newAdapter(t, f, newWorld(t), "")
	_, err := a.Post(context.Background(), crier.ChannelRef{Platform: "discord", ID: launch, Thread: thread}, crier.Message{
		Text:    maybeNoticeText,
		Buttons: publish.MaybeButtons(12, "mastodon"),
	})
	require.NoError(t, err)

	posts := f.callsTo("POST /channels/" + thread + "/messages")
	require.Len(t, posts, 1, "in the post's thread")
	got := indentJSON(t, posts[0].Raw)
	path := renderGoldenPath("notice_maybe")
	if *updateDiscordGolden {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -run TestNoticeWithButtons -update to create it")
	require.Equal(t, string(want), string(got))
	require.Equal(t, []any{}, posts[0].Body["allowed_mentions"].(map[string]any)["parse"], "a notice never pings anyone")
	require.Equal(t, []string{"crier:confirm_published:12:mastodon", "crier:publish_again:12:mastodon"}, postedCustomIDs(t, posts[0].Body))
}

func TestNoticeWithoutButtonsIsPlainContent(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	a := newAdapter(t, f, newWorld(t), "")
	text := "✓ Post #12 published to mastodon: https://mastodon.example/@crier/1"
	_, err := a.Post(context.Background(), crier.ChannelRef{Platform: "discord", ID: launch}, crier.Message{Text: text})
	require.NoError(t, err)
	posts := f.callsTo("POST /channels/" + launch + "/messages")
	require.Len(t, posts, 1)
	require.Equal(t, text, posts[0].Body["content"])
	require.Equal(t, []any{}, posts[0].Body["components"], "no action row")
}

// A button whose target cannot go into a custom_id is not drawn; the command
// it stands for is shown to type instead.
func TestNoticeButtonThatCannotBeMadeIsOfferedAsACommand(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	a := newAdapter(t, f, newWorld(t), "")
	_, err := a.Post(context.Background(), crier.ChannelRef{Platform: "discord", ID: launch}, crier.Message{
		Text:    "❓ Post #12 may or may not be on it.",
		Buttons: publish.MaybeButtons(12, "Not A Network"),
	})
	require.NoError(t, err)
	post := f.callsTo("POST /channels/" + launch + "/messages")[0]
	require.Equal(t, []any{}, post.Body["components"])
	require.Equal(t, "❓ Post #12 may or may not be on it.\n- Type /published #12 Not A Network\n- Type /republish #12 Not A Network", post.Body["content"])
}

func TestHTTPDeliveryButtons(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		customID string
		roles    []string
		want     string
		update   bool // a success updates the notice (type 7) and removes its buttons
		status   crier.DeliveryStatus
	}{
		{"it is published marks the delivery published", "crier:confirm_published:1:sandbox", []string{schedulerRole}, "✓ Noted: post #1 is on sandbox", true, crier.DeliveryPublished},
		{"publish again puts the delivery back in the queue", "crier:publish_again:1:sandbox", []string{schedulerRole}, "✓ Post #1 will be published to sandbox again now", true, crier.DeliveryPending},
		{"a presser without the role is told which role", "crier:confirm_published:1:sandbox", nil, "✗ You need the scheduler role to use /published.", false, crier.DeliveryMaybe},
		{"a network the post was not going to", "crier:publish_again:1:mastodon", []string{schedulerRole}, "✗ Post #1 was not going to \"mastodon\".", false, crier.DeliveryMaybe},
		{"an old id without a network is not crier's", "crier:confirm_published:1", []string{schedulerRole}, "✗ That button is not one of crier's.", false, crier.DeliveryMaybe},
		{"an id that adds words to the command is not crier's", "crier:publish_again:1:sandbox now", []string{schedulerRole}, "✗ That button is not one of crier's.", false, crier.DeliveryMaybe},
		{"a post button with a network is not crier's", "crier:cancel:1:sandbox", []string{schedulerRole}, "✗ That button is not one of crier's.", false, crier.DeliveryMaybe},
		{"an action crier no longer knows", "crier:frobnicate:1:sandbox", []string{schedulerRole}, "✗ crier does not know that button any more.", false, crier.DeliveryMaybe},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			e, _ := newEndpoint(t, w)
			id := w.maybe(t)
			press := interaction(fmt.Sprintf("18000000000000002%02d", i), 3, map[string]any{"custom_id": tt.customID, "component_type": 2}, "1900000000000000001", tt.roles)
			status, body, _ := e.post(t, e.sign(mustJSON(t, press), time.Now()))
			require.Equal(t, http.StatusOK, status, string(body))
			var got struct {
				Type int `json:"type"`
				Data struct {
					Flags      int              `json:"flags"`
					Components []any            `json:"components"`
					Embeds     []map[string]any `json:"embeds"`
				} `json:"data"`
			}
			require.NoError(t, json.Unmarshal(body, &got))
			require.Len(t, got.Data.Embeds, 1)
			require.Contains(t, got.Data.Embeds[0]["title"], tt.want)
			if tt.update {
				require.Equal(t, 7, got.Type, "UPDATE_MESSAGE: the notice becomes the answer")
				require.NotNil(t, got.Data.Components)
				require.Empty(t, got.Data.Components, "no buttons left to press twice")
				require.Zero(t, got.Data.Flags)
			} else {
				require.Equal(t, 4, got.Type, "a new message, not an update of the notice")
				require.Equal(t, 64, got.Data.Flags, "for the presser only")
			}
			require.Equal(t, tt.status, w.deliveryStatus(t, id, "sandbox"))
		})
	}
}

// TestGatewayNoticeButtonsRunAsThePresser posts a notice, presses the
// button crier drew, and presses the other one after it.
func TestGatewayNoticeButtonsRunAsThePresser(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	w := newWorld(t)
	a := newAdapter(t, f, w, "")
	runGateway(t, f, a)
	id := w.maybe(t)
	_, err := a.Post(context.Background(), crier.ChannelRef{Platform: "discord", ID: launch}, crier.Message{
		Text:    "❓ Post #1 may or may not be on sandbox.",
		Buttons: publish.MaybeButtons(id, "sandbox"),
	})
	require.NoError(t, err)
	ids := postedCustomIDs(t, f.callsTo("POST /channels/" + launch + "/messages")[0].Body)
	require.Equal(t, []string{"crier:confirm_published:1:sandbox", "crier:publish_again:1:sandbox"}, ids)
	press := func(interactionID, customID string) map[string]any {
		return interaction(interactionID, 3, map[string]any{"custom_id": customID, "component_type": 2}, "1900000000000000001", []string{schedulerRole})
	}

	f.dispatch("INTERACTION_CREATE", press("1800000000000000301", ids[0]))
	got := callback(t, f, "1800000000000000301")
	require.EqualValues(t, 7, got["type"], "update the notice")
	data := got["data"].(map[string]any)
	require.Equal(t, []any{}, data["components"])
	require.Contains(t, data["embeds"].([]any)[0].(map[string]any)["title"], "✓ Noted: post #1 is on sandbox (marked by ana).")
	require.Equal(t, crier.DeliveryPublished, w.deliveryStatus(t, id, "sandbox"))

	// Someone pressing Publish again on a stale copy changes nothing.
	f.dispatch("INTERACTION_CREATE", press("1800000000000000302", ids[1]))
	got = callback(t, f, "1800000000000000302")
	require.EqualValues(t, 4, got["type"])
	data = got["data"].(map[string]any)
	require.EqualValues(t, 64, data["flags"])
	require.Contains(t, data["embeds"].([]any)[0].(map[string]any)["title"], "✗ Post #1 on sandbox is published, not waiting for a decision")
	require.Equal(t, crier.DeliveryPublished, w.deliveryStatus(t, id, "sandbox"))
}

// A delivery button whose command outlives the ack budget is deferred as an
// update (type 6), then the notice is edited into the answer, its buttons
// removed.
func TestASlowDeliveryButtonIsDeferredAndTheNoticeEdited(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	w := newWorld(t)
	slow := commands.New(commands.Deps{Publisher: w.pub, Times: timeparse.New(timeparse.Options{}),
		Location: time.UTC, Timezones: slowTimezones{delay: 2500 * time.Millisecond}})
	a := newAdapter(t, f, w, "")
	a.UseRouter(slow)
	runGateway(t, f, a)
	id := w.maybe(t)

	f.dispatch("INTERACTION_CREATE", interaction("1800000000000000310", 3,
		map[string]any{"custom_id": commands.ButtonValue{Action: "publish_again", PostID: id, Target: "sandbox"}.String(), "component_type": 2}, "1900000000000000001", []string{schedulerRole}))
	require.EqualValues(t, 6, callback(t, f, "1800000000000000310")["type"], "DEFERRED_UPDATE_MESSAGE")
	edit := f.waitCall(t, "PATCH /webhooks/"+appID+"/tok-1800000000000000310/messages/@original", 1)[0]
	require.Equal(t, []any{}, edit.Body["components"])
	require.Contains(t, edit.Body["embeds"].([]any)[0].(map[string]any)["title"], "✓ Post #1 will be published to sandbox again now")
	require.Empty(t, f.callsTo("DELETE /webhooks/"), "the notice is never deleted")
	require.Equal(t, crier.DeliveryPending, w.deliveryStatus(t, id, "sandbox"))
}
