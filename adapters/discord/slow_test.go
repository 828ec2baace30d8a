package discord_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/timeparse"
)

// slowTimezones makes every command take longer than Discord's 3 s window
// allows crier to wait (the router looks the person's timezone up first).
type slowTimezones struct{ delay time.Duration }

func (s slowTimezones) SetUserTimezone(context.Context, string, string, string) error { return nil }
func (s slowTimezones) UserTimezone(context.Context, string, string) (string, error) {
	time.Sleep(s.delay)
	return "", nil
}

func TestASlowCommandIsDeferredAndFinishedWithAnEdit(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	w := newWorld(t)
	slow := commands.New(commands.Deps{Publisher: w.pub, Times: timeparse.New(timeparse.Options{}),
		Location: time.UTC, Timezones: slowTimezones{delay: 2500 * time.Millisecond}})
	a := newAdapter(t, f, w, "")
	a.UseRouter(slow)
	runGateway(t, f, a)

	f.dispatch("INTERACTION_CREATE", slash("1800000000000000030", "draft", "Slow but sure", "1900000000000000001", []string{schedulerRole}))
	got := callback(t, f, "1800000000000000030")
	require.EqualValues(t, 5, got["type"], "deferred: a message with source will follow")
	edit := f.waitCall(t, "PATCH /webhooks/"+appID+"/tok-1800000000000000030/messages/@original", 1)[0]
	embeds := edit.Body["embeds"].([]any)
	require.Contains(t, embeds[0].(map[string]any)["title"], "✓ Draft #1 saved.")
}

func TestStartThreadAndPostIntoIt(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	a := newAdapter(t, f, newWorld(t), "")
	ctx := context.Background()
	ref, err := a.Post(ctx, crier.ChannelRef{Platform: "discord", ID: launch}, crier.Message{Text: "✓ Post #1 published"})
	require.NoError(t, err)
	in := crier.ChannelRef{Platform: "discord", ID: launch, Thread: ref.ID}
	first, err := a.Post(ctx, in, crier.Message{Text: "Comments on post #1"})
	require.NoError(t, err)
	require.Equal(t, ref.ID, first.Thread, "a thread started on a message has the message's id")
	_, err = a.Post(ctx, in, crier.Message{Text: "A customer asked: when does it ship?"})
	require.NoError(t, err)
	start := f.callsTo("POST /channels/" + launch + "/messages/" + ref.ID + "/threads")
	require.Len(t, start, 1)
	require.Equal(t, "Comments on post #1", start[0].Body["name"])
	posts := f.callsTo("POST /channels/" + ref.ID + "/messages")
	require.Len(t, posts, 2)
	require.Equal(t, []any{}, posts[1].Body["allowed_mentions"].(map[string]any)["parse"], "post text never pings anyone")
}

func TestASlowPrivateAnswerStaysPrivate(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	w := newWorld(t)
	slow := commands.New(commands.Deps{Publisher: w.pub, Times: timeparse.New(timeparse.Options{}),
		Location: time.UTC, Timezones: slowTimezones{delay: 2500 * time.Millisecond}})
	a := newAdapter(t, f, w, "")
	a.UseRouter(slow)
	runGateway(t, f, a)

	f.dispatch("INTERACTION_CREATE", slash("1800000000000000031", "queue", "", "1900000000000000001", nil))
	require.EqualValues(t, 5, callback(t, f, "1800000000000000031")["type"])
	f.waitCall(t, "DELETE /webhooks/"+appID+"/tok-1800000000000000031/messages/@original", 1)
	follow := f.waitCall(t, "POST /webhooks/"+appID+"/tok-1800000000000000031", 1)[0]
	require.EqualValues(t, 64, follow.Body["flags"], "/queue is shown to the person alone")
	require.Empty(t, f.callsTo("PATCH /webhooks/"+appID+"/tok-1800000000000000031"), "never edited into the public message")
}
