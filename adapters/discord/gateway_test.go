package discord_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/internal/crier"

	"github.com/crier-bot/crier/adapters/discord"
)

func interaction(id string, typ int, data map[string]any, userID string, roles []string) map[string]any {
	return map[string]any{
		"id": id, "application_id": appID, "type": typ, "token": "tok-" + id, "version": 1,
		"guild_id": guild, "channel_id": launch, "data": data,
		"member": map[string]any{"user": map[string]any{"id": userID, "username": "ana"}, "roles": roles},
	}
}

func slash(id, name, text, userID string, roles []string) map[string]any {
	data := map[string]any{"id": "1700000000000000001", "name": name, "type": 1}
	if text != "" {
		data["options"] = []map[string]any{{"name": "text", "type": 3, "value": text}}
	}
	return interaction(id, 2, data, userID, roles)
}

func callback(t *testing.T, f *fakeDiscord, id string) map[string]any {
	t.Helper()
	return f.waitCall(t, "POST /interactions/"+id+"/tok-"+id+"/callback", 1)[0].Body
}

func TestGatewayRegistersCommandsAndIdentifiesWithTheIntents(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	w := newWorld(t)
	a := newAdapter(t, f, w, "")
	a.UseRouter(w.router)
	runGateway(t, f, a)

	put := f.waitCall(t, "PUT /applications/"+appID+"/guilds/"+guild+"/commands", 1)[0]
	var cmds []map[string]any
	require.NoError(t, json.Unmarshal(put.Raw, &cmds))
	var names []string
	for _, c := range cmds {
		names = append(names, c["name"].(string))
	}
	require.Subset(t, names, []string{"schedule", "draft", "queue", "reschedule", "cancel", "help"})
	f.mu.Lock()
	defer f.mu.Unlock()
	require.EqualValues(t, discord.Intents, f.identify["intents"])
}

func TestGatewayCommandIsAnsweredWithAnEmbedInTheGuildsTimezone(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	w := newWorld(t)
	a := newAdapter(t, f, w, "")
	a.UseRouter(w.router)
	runGateway(t, f, a)

	f.dispatch("INTERACTION_CREATE", slash("1800000000000000001", "schedule", "tomorrow 9am Launch day!", "1900000000000000001", []string{schedulerRole}))
	got := callback(t, f, "1800000000000000001")
	require.EqualValues(t, 4, got["type"], "a channel message with source")
	data := got["data"].(map[string]any)
	embed := data["embeds"].([]any)[0].(map[string]any)
	require.Regexp(t, `✓ Post #1 scheduled for \w{3} \d+ \w{3} 09:00 WE[S]?T`, embed["title"])
	require.Nil(t, data["flags"], "confirmations are visible to the channel")
	require.Len(t, w.upcoming(t), 1)
}

func TestGatewayRefusesAMemberWithoutTheRole(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	w := newWorld(t)
	a := newAdapter(t, f, w, "")
	a.UseRouter(w.router)
	runGateway(t, f, a)

	f.dispatch("INTERACTION_CREATE", slash("1800000000000000002", "schedule", "tomorrow 9am Hi", "1900000000000000002", nil))
	data := callback(t, f, "1800000000000000002")["data"].(map[string]any)
	require.EqualValues(t, 64, data["flags"], "ephemeral")
	require.Contains(t, data["embeds"].([]any)[0].(map[string]any)["title"], "You need the scheduler role")
	require.Empty(t, w.upcoming(t))
}

func TestGatewayButtons(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	w := newWorld(t)
	a := newAdapter(t, f, w, "")
	a.UseRouter(w.router)
	runGateway(t, f, a)
	f.dispatch("INTERACTION_CREATE", slash("1800000000000000010", "schedule", "tomorrow 9am Hi", "1900000000000000001", []string{schedulerRole}))
	callback(t, f, "1800000000000000010")

	button := func(id, custom string, roles []string) map[string]any {
		return interaction(id, 3, map[string]any{"custom_id": custom, "component_type": 2}, "1900000000000000001", roles)
	}
	// A button for a post that does not exist: an ephemeral answer, nothing changes.
	f.dispatch("INTERACTION_CREATE", button("1800000000000000011", "crier:cancel:99", []string{schedulerRole}))
	got := callback(t, f, "1800000000000000011")
	require.EqualValues(t, 4, got["type"])
	require.EqualValues(t, 64, got["data"].(map[string]any)["flags"])
	// A forged custom id.
	f.dispatch("INTERACTION_CREATE", button("1800000000000000012", "crier:drop:tables", []string{schedulerRole}))
	require.EqualValues(t, 64, callback(t, f, "1800000000000000012")["data"].(map[string]any)["flags"])
	// Reschedule opens a modal.
	f.dispatch("INTERACTION_CREATE", button("1800000000000000013", "crier:reschedule:1", []string{schedulerRole}))
	require.EqualValues(t, 9, callback(t, f, "1800000000000000013")["type"])
	// Cancel updates the message with the buttons.
	f.dispatch("INTERACTION_CREATE", button("1800000000000000014", "crier:cancel:1", []string{schedulerRole}))
	got = callback(t, f, "1800000000000000014")
	require.EqualValues(t, 7, got["type"], "update the message")
	require.Empty(t, w.upcoming(t))
}

func TestGatewayModalSubmitReschedules(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	w := newWorld(t)
	a := newAdapter(t, f, w, "")
	a.UseRouter(w.router)
	runGateway(t, f, a)
	f.dispatch("INTERACTION_CREATE", slash("1800000000000000020", "schedule", "tomorrow 9am Hi", "1900000000000000001", []string{schedulerRole}))
	callback(t, f, "1800000000000000020")
	before := w.upcoming(t)[0].DueAt

	submit := interaction("1800000000000000021", 5, map[string]any{"custom_id": "crier:reschedule_form:1", "components": []any{
		map[string]any{"type": 1, "components": []any{map[string]any{"type": 4, "custom_id": "when", "value": "in 3 hours"}}},
	}}, "1900000000000000001", []string{schedulerRole})
	f.dispatch("INTERACTION_CREATE", submit)
	got := callback(t, f, "1800000000000000021")
	require.EqualValues(t, 4, got["type"])
	require.Contains(t, got["data"].(map[string]any)["embeds"].([]any)[0].(map[string]any)["title"], "✓ Post #1 moved to")
	require.False(t, w.upcoming(t)[0].DueAt.Equal(before))
}

func TestThreadRepliesReachTheHandler(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	w := newWorld(t)
	a := newAdapter(t, f, w, "")
	a.UseRouter(w.router)
	var mu sync.Mutex
	var got []crier.ThreadReply
	a.OnThreadReply(func(_ context.Context, m crier.ThreadReply) { mu.Lock(); got = append(got, m); mu.Unlock() })
	runGateway(t, f, a)

	msg := func(id, channel, author string, bot bool) map[string]any {
		return map[string]any{"id": id, "channel_id": channel, "guild_id": guild, "content": "thanks!", "type": 0,
			"author": map[string]any{"id": author, "username": "x", "bot": bot}}
	}
	f.dispatch("MESSAGE_CREATE", msg("2000000000000000001", thread, "1900000000000000001", false)) // delivered
	f.dispatch("MESSAGE_CREATE", msg("2000000000000000002", thread, botID, false))                 // crier itself, even if not flagged as a bot
	f.dispatch("MESSAGE_CREATE", msg("2000000000000000003", thread, "1999", true))                 // another bot
	f.dispatch("MESSAGE_CREATE", msg("2000000000000000004", other, "1900000000000000001", false))  // someone else's thread
	f.dispatch("MESSAGE_CREATE", msg("2000000000000000005", launch, "1900000000000000001", false)) // not a thread
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 1 }, 5*time.Second, 10*time.Millisecond)
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []crier.ThreadReply{{Platform: "discord", Channel: launch, Thread: thread, MessageID: "2000000000000000001", UserID: "1900000000000000001", UserName: "x", Text: "thanks!"}}, got)
}
