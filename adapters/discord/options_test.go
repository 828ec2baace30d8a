package discord_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/timeparse"
)

// answerer sends an interaction to crier and returns its answer (the
// interaction response's JSON).
type answerer func(t *testing.T, ic map[string]any) map[string]any

func overHTTP(t *testing.T, w *world) answerer { return overHTTPOn(t, newFakeDiscord(t), w) }

func overGateway(t *testing.T, w *world) answerer { return overGatewayOn(t, newFakeDiscord(t), w) }

// overHTTPOn and overGatewayOn are overHTTP and overGateway with the
// Discord crier talks to (its CDN serves attachments).
func overHTTPOn(t *testing.T, f *fakeDiscord, w *world) answerer {
	e, _ := newEndpointOn(t, f, w)
	return func(t *testing.T, ic map[string]any) map[string]any {
		status, body, _ := e.post(t, e.sign(mustJSON(t, ic), time.Now()))
		require.Equal(t, http.StatusOK, status, string(body))
		var got map[string]any
		require.NoError(t, json.Unmarshal(body, &got))
		return got
	}
}

func overGatewayOn(t *testing.T, f *fakeDiscord, w *world) answerer {
	a := newAdapter(t, f, w, "")
	runGateway(t, f, a)
	return func(t *testing.T, ic map[string]any) map[string]any {
		f.dispatch("INTERACTION_CREATE", ic)
		return callback(t, f, ic["id"].(string))
	}
}

// oneLineError checks an answer is an error for the person alone: one embed
// with a title and nothing else, and returns the title.
func oneLineError(t *testing.T, got map[string]any) string {
	t.Helper()
	require.EqualValues(t, 4, got["type"], "a message")
	data := got["data"].(map[string]any)
	require.EqualValues(t, 64, data["flags"], "ephemeral")
	embeds := data["embeds"].([]any)
	require.Len(t, embeds, 1)
	embed := embeds[0].(map[string]any)
	require.Empty(t, embed["description"], "one line")
	title := embed["title"].(string)
	require.True(t, strings.HasPrefix(title, "✗ "), title)
	require.NotContains(t, title, "\n")
	return title
}

func TestCommandOptionsAreReadByTheirType(t *testing.T) {
	t.Parallel()
	opt := func(name string, typ int, value any) map[string]any {
		return map[string]any{"name": name, "type": typ, "value": value}
	}
	sub := func(name string, typ int, opts ...any) map[string]any {
		return map[string]any{"name": name, "type": typ, "options": opts}
	}
	for _, transport := range []struct {
		name string
		new  func(*testing.T, *world) answerer
	}{{"over HTTP", overHTTP}, {"over the gateway", overGateway}} {
		t.Run(transport.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			answer := transport.new(t, w)
			// An option crier cannot read is answered with what to type,
			// shown by /schedule's first example that has text after it.
			unreadable := "✗ crier could not read that /schedule. Type it as text, like " + firstExampleWithText(t, w.router, "schedule") + "."
			for i, tc := range []struct {
				name  string
				opts  []any
				title string // what the one-line answer contains
			}{
				{"an integer is read as its digits", []any{opt("text", 4, 5)}, `"5"`},
				{"a boolean is read as true or false", []any{opt("text", 5, true)}, `"true"`},
				{"a number is read as its digits", []any{opt("text", 10, 2.5)}, `"2.5"`},
				{"a user is read as its mention", []any{opt("who", 6, "1900000000000000009")}, `"\<@1900000000000000009>"`},
				{"a subcommand is read as its name and its options", []any{sub("later", 1, opt("text", 3, "Launch"), opt("count", 4, 3))}, `"later Launch 3"`},
				{"a subcommand group is read as its names and options", []any{sub("post", 2, sub("later", 1, opt("text", 3, "Launch")))}, `"post later Launch"`},
				{"a file is not text", []any{opt("text", 11, "1")}, unreadable},
				{"a string option that holds a number", []any{opt("text", 3, 12)}, unreadable},
				{"an integer option that holds text", []any{opt("text", 4, "twelve")}, unreadable},
				{"an option of an unknown kind", []any{opt("text", 99, "x")}, unreadable},
				{"subcommands nested three deep", []any{sub("a", 2, sub("b", 2, sub("c", 1)))}, unreadable},
			} {
				id := "18000000000000004" + string(rune('0'+i/10)) + string(rune('0'+i%10))
				ic := interaction(id, 2, map[string]any{"id": "1700000000000000001", "name": "schedule", "type": 1, "options": tc.opts}, "1900000000000000001", []string{schedulerRole})
				title := oneLineError(t, answer(t, ic))
				require.Contains(t, title, tc.title, tc.name)
				require.NotContains(t, title, "option", tc.name)
			}
			require.Empty(t, w.upcoming(t))
		})
	}
}

// firstExampleWithText is the first of a command's examples that has text
// after the command, as its definition gives it (unescaped: none of the
// examples used here has a character Discord's markdown needs escaped).
func firstExampleWithText(t *testing.T, r *commands.Router, name string) string {
	t.Helper()
	for _, d := range r.Definitions() {
		if d.Name != name {
			continue
		}
		for _, e := range d.Examples {
			if strings.Contains(e, " ") {
				return e
			}
		}
	}
	t.Fatalf("/%s has no example with text", name)
	return ""
}

func TestAnUnreadableCommandSaysWhatToTypeLikeAnExample(t *testing.T) {
	t.Parallel()
	file := []any{map[string]any{"name": "text", "type": 11, "value": "1"}}
	for _, transport := range []struct {
		name string
		new  func(*testing.T, *world) answerer
	}{{"over HTTP", overHTTP}, {"over the gateway", overGateway}} {
		t.Run(transport.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			answer := transport.new(t, w)
			for i, tc := range []struct {
				name, command, want string
			}{
				{"a command whose first example has no text shows the first that has", "queue", "✗ crier could not read that /queue. Type it as text, like /queue 2."},
				{"a command with text in its first example shows it", "cancel", "✗ crier could not read that /cancel. Type it as text, like /cancel #2."},
				{"a command crier does not have points to /help", "nope", "✗ crier could not read that /nope. Type /help to see crier's commands."},
			} {
				id := "18000000000000005" + string(rune('0'+i/10)) + string(rune('0'+i%10))
				ic := interaction(id, 2, map[string]any{"id": "1700000000000000001", "name": tc.command, "type": 1, "options": file}, "1900000000000000001", []string{schedulerRole})
				require.Equal(t, tc.want, oneLineError(t, answer(t, ic)), tc.name)
			}
		})
	}
}

// panickyTimezones panics in the first thing the router does with a
// command, standing in for any bug in a command's handler.
type panickyTimezones struct{}

func (panickyTimezones) SetUserTimezone(context.Context, string, string, string) error { return nil }
func (panickyTimezones) UserTimezone(context.Context, string, string) (string, error) {
	panic("a bug in a command")
}

// wentWrong is what a person reads when crier panicked on their command:
// the sentence Slack's adapter uses too, with Discord's way to ask for help.
const wentWrong = "✗ Something went wrong in crier; whoever runs it can find the details in its log. Try again, or type /help."

func TestAPanicInAGatewayHandlerDoesNotStopCrier(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	w := newWorld(t)
	a := newAdapter(t, f, w, "")
	a.UseRouter(commands.New(commands.Deps{Publisher: w.pub, Times: timeparse.New(timeparse.Options{}),
		Location: time.UTC, Timezones: panickyTimezones{}}))
	var mu sync.Mutex
	replies := 0
	a.OnThreadReply(func(context.Context, crier.ThreadReply) {
		mu.Lock()
		replies++
		mu.Unlock()
		panic("a bug in the thread handler")
	})
	runGateway(t, f, a)

	// A command whose handler panics gets an error answer.
	f.dispatch("INTERACTION_CREATE", slash("1800000000000000501", "queue", "", "1900000000000000001", nil))
	require.Equal(t, wentWrong, oneLineError(t, callback(t, f, "1800000000000000501")))

	// A thread reply whose handler panics, twice: crier is still there.
	for _, id := range []string{"2000000000000000501", "2000000000000000502"} {
		f.dispatch("MESSAGE_CREATE", map[string]any{"id": id, "channel_id": thread, "guild_id": guild, "content": "thanks!", "type": 0,
			"author": map[string]any{"id": "1900000000000000001", "username": "x"}})
	}
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return replies == 2 }, 5*time.Second, 10*time.Millisecond)

	// And it still answers.
	f.dispatch("INTERACTION_CREATE", slash("1800000000000000502", "queue", "", "1900000000000000001", nil))
	require.Equal(t, wentWrong, oneLineError(t, callback(t, f, "1800000000000000502")))
}
