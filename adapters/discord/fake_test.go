package discord_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/discord"
	"github.com/crier-bot/crier/adapters/sqlite"
	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/criertest"
	"github.com/crier-bot/crier/internal/publish"
)

const (
	appID = "1100000000000000001"
	botID = "1100000000000000002"
	guild = "1200000000000000001"
	// supportRole is a role of the guild; bot.yaml may list it under a role.
	supportRole = "1210000000000000001"
	launch      = "1300000000000000001" // a text channel
	news        = "1300000000000000002" // an announcement channel
	thread      = "1300000000000000003" // a thread crier started
	other       = "1300000000000000004" // a thread someone else started
)

// call is one REST request the fake received.
type call struct {
	Method, Path string // Path is the route, after the API prefix
	URLPath      string // the whole path the request arrived at
	Body         map[string]any
	Raw          []byte
	Files        map[string][]byte // a multipart message's files by name
}

// failure is an answer the fake gives instead of the real one: Discord's
// JSON error body, and for 429 the rate-limit headers and retry_after (in
// seconds) Discord sends with it.
type failure struct {
	status     int
	retryAfter float64 // seconds; 429 only
}

// fakeDiscord answers like Discord's REST API (versioned /api/vN paths, JSON errors, 429
// with rate-limit headers) and runs a gateway websocket: Hello, then Ready
// after Identify, heartbeat acks, and dispatches the test sends. It is built
// from Discord's API reference (docs/reference.md: API versioning, rate
// limits — a 429 carries Retry-After and a JSON body with retry_after in
// seconds; docs/topics/opcodes-and-status-codes.md: JSON error codes, 50001
// Missing Access; docs/topics/gateway.md: Hello, Identify, Ready) and from
// bwmarrin/discordgo v0.28.1's restapi.go and wsapi.go, which crier drives.
// Threads, edits, reactions and files follow docs/resources/channel.md and
// message.md: a thread started from a message gets the message's id
// (160004 when one was already started; 10008 Unknown Message for a message
// not in the channel), PATCH edits a message, PUT …/reactions/{emoji}/@me
// answers 204 (10014 Unknown Emoji for a name that is no emoji), and a
// message with files is multipart/form-data with payload_json and
// files[n].
type fakeDiscord struct {
	srv *httptest.Server
	// prefix is where the API is served when set ("/proxy/api/v10/", as a
	// reverse proxy would): other paths are 404. Unset, the API is served
	// under /api/vN/ (any version, as Discord does) and at the root.
	prefix string

	mu       sync.Mutex
	calls    []call
	nonces   map[string]string // nonce → message id
	nextID   int
	messages map[string]string // message id → its channel
	started  map[string]string // threads started on a message (same id) → parent channel
	edits    map[string]string // message id → its content after the last edit
	limitNxt int
	identify map[string]any
	// failCommands are the answers to the next command registrations
	// (PUT …/commands), one each, before they succeed.
	failCommands []failure
	// gatewayDown refuses the gateway websocket while set.
	gatewayDown bool

	upgrader websocket.Upgrader
	conn     *websocket.Conn
	ready    chan struct{}
	seq      int
}

func newFakeDiscord(t *testing.T) *fakeDiscord {
	t.Helper()
	f := &fakeDiscord{nonces: map[string]string{}, messages: map[string]string{}, started: map[string]string{}, edits: map[string]string{}, nextID: 1400000000000000000, ready: make(chan struct{})}
	f.upgrader.CheckOrigin = func(*http.Request) bool { return true }
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// url is the api_url crier is given: the fake, at the path Discord serves
// API v10 under (what bot.yaml shows for api_url).
func (f *fakeDiscord) url() string { return f.srv.URL + "/api/v10/" }

func (f *fakeDiscord) json(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeDiscord) serve(w http.ResponseWriter, r *http.Request) {
	if strings.TrimSuffix(r.URL.Path, "/") == "/gateway-ws" {
		f.gateway(w, r)
		return
	}
	path := r.URL.Path // "/api/v10/…": strip the version (discordgo v0.28.1 speaks v9 unless api_url says otherwise)
	if f.prefix != "" {
		rest, ok := strings.CutPrefix(path, f.prefix)
		if !ok {
			f.json(w, 404, map[string]any{"message": "404: Not Found", "code": 0})
			return
		}
		path = "/" + rest
	} else if rest, ok := strings.CutPrefix(path, "/api/v"); ok {
		if _, after, ok := strings.Cut(rest, "/"); ok {
			path = "/" + after
		}
	}
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	var files map[string][]byte
	if mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && mt == "multipart/form-data" {
		body, files = readMultipart(raw, params["boundary"])
	} else {
		_ = json.Unmarshal(raw, &body)
	}
	f.mu.Lock()
	f.calls = append(f.calls, call{r.Method, path, r.URL.Path, body, raw, files})
	limited := f.limitNxt > 0
	if limited {
		f.limitNxt--
	}
	var fail *failure
	if r.Method == http.MethodPut && strings.HasSuffix(path, "/commands") && len(f.failCommands) > 0 {
		fail = &f.failCommands[0]
		f.failCommands = f.failCommands[1:]
	}
	f.mu.Unlock()
	if r.Header.Get("Authorization") != "Bot token-test" && !strings.HasPrefix(path, "/interactions/") && !strings.HasPrefix(path, "/webhooks/") {
		f.json(w, 401, map[string]any{"message": "401: Unauthorized", "code": 0})
		return
	}
	if limited {
		w.Header().Set("X-RateLimit-Limit", "5")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset-After", "0.2")
		w.Header().Set("Retry-After", "0.2")
		f.json(w, 429, map[string]any{"message": "You are being rate limited.", "retry_after": 0.2, "global": false})
		return
	}
	if fail != nil {
		switch fail.status {
		case 429:
			secs := strconv.FormatFloat(fail.retryAfter, 'f', -1, 64)
			w.Header().Set("X-RateLimit-Limit", "2")
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset-After", secs)
			w.Header().Set("X-RateLimit-Scope", "user")
			w.Header().Set("Retry-After", secs)
			f.json(w, 429, map[string]any{"message": "You are being rate limited.", "retry_after": fail.retryAfter, "global": false})
		case 401:
			f.json(w, 401, map[string]any{"message": "401: Unauthorized", "code": 0})
		case 403:
			// What Discord answers a command registration in a server the
			// bot was invited to without the applications.commands scope,
			// or under another application's ID: JSON error code 50001.
			f.json(w, 403, map[string]any{"message": "Missing Access", "code": 50001})
		default:
			f.json(w, fail.status, map[string]any{"message": http.StatusText(fail.status), "code": 0})
		}
		return
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case path == "/gateway" || path == "/gateway/bot":
		f.json(w, 200, map[string]any{"url": "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/gateway-ws", "shards": 1})
	case r.Method == http.MethodPut && strings.HasSuffix(path, "/commands"):
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(raw)
	case strings.HasPrefix(path, "/interactions/"):
		w.WriteHeader(204)
	case strings.HasPrefix(path, "/webhooks/"):
		f.json(w, 200, map[string]any{"id": "1500000000000000001", "channel_id": launch, "content": ""})
	case r.Method == http.MethodGet && len(parts) == 3 && parts[0] == "guilds" && parts[1] == guild && parts[2] == "roles":
		// GET /guilds/{guild.id}/roles: the guild's roles (Discord's API
		// reference, Guild resource), @everyone's id being the guild's.
		f.json(w, 200, []any{
			map[string]any{"id": guild, "name": "@everyone"},
			map[string]any{"id": supportRole, "name": "support"},
		})
	case r.Method == http.MethodGet && len(parts) == 2 && parts[0] == "channels":
		f.channel(w, parts[1])
	case r.Method == http.MethodPost && len(parts) == 3 && parts[0] == "channels" && parts[2] == "messages":
		f.createMessage(w, parts[1], body)
	case r.Method == http.MethodPost && len(parts) == 5 && parts[4] == "crosspost":
		f.json(w, 200, map[string]any{"id": parts[3], "channel_id": parts[1], "flags": 1})
	case r.Method == http.MethodPost && len(parts) == 5 && parts[4] == "threads":
		f.startThread(w, parts[1], parts[3], body)
	case r.Method == http.MethodPatch && len(parts) == 4 && parts[0] == "channels" && parts[2] == "messages":
		f.editMessage(w, parts[1], parts[3], body)
	case r.Method == http.MethodPut && len(parts) == 7 && parts[4] == "reactions" && parts[6] == "@me":
		f.react(w, parts[1], parts[3], parts[5])
	default:
		f.json(w, 404, map[string]any{"message": "404: Not Found", "code": 0})
	}
}

func (f *fakeDiscord) channel(w http.ResponseWriter, id string) {
	f.mu.Lock()
	parent, started := f.started[id]
	f.mu.Unlock()
	if started {
		f.json(w, 200, map[string]any{"id": id, "type": 11, "guild_id": guild, "parent_id": parent, "owner_id": botID})
		return
	}
	switch id {
	case launch:
		f.json(w, 200, map[string]any{"id": id, "type": 0, "guild_id": guild})
	case news:
		f.json(w, 200, map[string]any{"id": id, "type": 5, "guild_id": guild})
	case thread:
		f.json(w, 200, map[string]any{"id": id, "type": 11, "guild_id": guild, "parent_id": launch, "owner_id": botID})
	case other:
		f.json(w, 200, map[string]any{"id": id, "type": 11, "guild_id": guild, "parent_id": launch, "owner_id": "1999"})
	default:
		f.json(w, 404, map[string]any{"message": "Unknown Channel", "code": 10003})
	}
}

// createMessage honours nonce + enforce_nonce as Discord does: the same
// nonce again returns the first message.
func (f *fakeDiscord) createMessage(w http.ResponseWriter, channel string, body map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, started := f.started[channel]; !started && channel != launch && channel != news && channel != thread && channel != other {
		f.json(w, 404, map[string]any{"message": "Unknown Channel", "code": 10003})
		return
	}
	if nonce, _ := body["nonce"].(string); nonce != "" && body["enforce_nonce"] == true {
		if id, ok := f.nonces[nonce]; ok {
			f.json(w, 200, map[string]any{"id": id, "channel_id": channel, "content": body["content"]})
			return
		}
	}
	f.nextID++
	id := fmt.Sprint(f.nextID)
	if nonce, _ := body["nonce"].(string); nonce != "" {
		f.nonces[nonce] = id
	}
	f.messages[id] = channel
	// Like Discord's REST API, no guild_id: only gateway messages carry one.
	f.json(w, 200, map[string]any{"id": id, "channel_id": channel, "content": body["content"]})
}

// startThread starts a thread from a message: the thread has the message's
// id, and a message has one thread at most.
func (f *fakeDiscord) startThread(w http.ResponseWriter, channel, message string, body map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.messages[message] != channel:
		f.json(w, 404, map[string]any{"message": "Unknown Message", "code": 10008})
	case f.started[message] != "":
		f.json(w, 400, map[string]any{"message": "A thread has already been created for this message", "code": 160004})
	default:
		f.started[message] = channel
		f.json(w, 201, map[string]any{"id": message, "type": 11, "parent_id": channel, "owner_id": botID, "name": body["name"]})
	}
}

// editMessage edits a message in its channel.
func (f *fakeDiscord) editMessage(w http.ResponseWriter, channel, message string, body map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.messages[message] != channel {
		f.json(w, 404, map[string]any{"message": "Unknown Message", "code": 10008})
		return
	}
	content, _ := body["content"].(string)
	f.edits[message] = content
	f.json(w, 200, map[string]any{"id": message, "channel_id": channel, "content": content})
}

// react adds the bot's reaction: a unicode emoji or name:id; anything else
// is Unknown Emoji.
func (f *fakeDiscord) react(w http.ResponseWriter, channel, message, emoji string) {
	f.mu.Lock()
	known := f.messages[message] == channel
	f.mu.Unlock()
	ascii := true
	for _, r := range emoji {
		if r > 0x7f {
			ascii = false
		}
	}
	switch {
	case !known:
		f.json(w, 404, map[string]any{"message": "Unknown Message", "code": 10008})
	case ascii && !strings.Contains(emoji, ":"):
		f.json(w, 400, map[string]any{"message": "Unknown Emoji", "code": 10014})
	default:
		w.WriteHeader(204)
	}
}

// readMultipart reads a message sent as multipart/form-data: its JSON from
// payload_json and its files[n] by file name.
func readMultipart(raw []byte, boundary string) (map[string]any, map[string][]byte) {
	var body map[string]any
	files := map[string][]byte{}
	mr := multipart.NewReader(bytes.NewReader(raw), boundary)
	for {
		part, err := mr.NextPart()
		if err != nil {
			return body, files
		}
		data, _ := io.ReadAll(part)
		switch {
		case part.FormName() == "payload_json":
			_ = json.Unmarshal(data, &body)
		case strings.HasPrefix(part.FormName(), "files["):
			files[part.FileName()] = data
		}
	}
}

func (f *fakeDiscord) gateway(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	down := f.gatewayDown
	f.mu.Unlock()
	if down {
		http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
		return
	}
	c, err := f.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	_ = c.WriteJSON(map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": 45000}})
	var ident struct {
		Op int            `json:"op"`
		D  map[string]any `json:"d"`
	}
	if err := c.ReadJSON(&ident); err != nil || ident.Op != 2 {
		return
	}
	f.mu.Lock()
	f.identify = ident.D
	f.conn = c
	f.mu.Unlock()
	f.dispatch("READY", map[string]any{"v": 10, "session_id": "s1", "resume_gateway_url": "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/gateway-ws",
		"user": map[string]any{"id": botID, "username": "crier", "bot": true}, "application": map[string]any{"id": appID}, "guilds": []any{}})
	close(f.ready)
	go func() { // answer heartbeats
		for {
			var m struct {
				Op int `json:"op"`
			}
			if err := c.ReadJSON(&m); err != nil {
				return
			}
			if m.Op == 1 {
				f.mu.Lock()
				_ = c.WriteJSON(map[string]any{"op": 11})
				f.mu.Unlock()
			}
		}
	}()
}

// dispatch sends a gateway event (op 0) with the next sequence number.
func (f *fakeDiscord) dispatch(event string, d any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	_ = f.conn.WriteJSON(map[string]any{"op": 0, "t": event, "s": f.seq, "d": d})
}

func (f *fakeDiscord) callsTo(prefix string) []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []call
	for _, c := range f.calls {
		if strings.HasPrefix(c.Method+" "+c.Path, prefix) {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeDiscord) waitCall(t *testing.T, prefix string, n int) []call {
	t.Helper()
	var got []call
	require.Eventually(t, func() bool { got = f.callsTo(prefix); return len(got) >= n }, 5*time.Second, 10*time.Millisecond, "waiting for %d× %s", n, prefix)
	return got
}

// world is crier's core on a real store.
type world struct {
	db     *sqlite.DB
	pub    *publish.Service
	router *commands.Router
}

func newWorld(t *testing.T) *world {
	t.Helper()
	b := criertest.Setup(t, criertest.WithClock(crier.SystemClock{}))
	return &world{db: b.DB, pub: b.Publish, router: b.Router}
}

// maybe schedules a post for the sandbox network and leaves its delivery
// waiting for a person's decision, as the publish worker does when an
// outcome is unknown; it returns the post's id.
func (w *world) maybe(t *testing.T) int64 {
	t.Helper()
	ctx := context.Background()
	p := &crier.Post{Text: "Launch day!", DueAt: time.Now().Add(time.Hour), Origin: crier.ChannelRef{Platform: "discord", ID: launch}}
	_, err := w.pub.Schedule(ctx, p)
	require.NoError(t, err)
	stored, err := w.db.FindPost(ctx, p.ID)
	require.NoError(t, err)
	require.Len(t, stored.Deliveries, 1)
	err = w.db.EndDeliveries(ctx, []crier.DeliveryEnd{{ID: stored.Deliveries[0].ID,
		Status: crier.DeliveryMaybe, Reason: "mastodon did not answer in time", Unclear: true}}, criertest.KeepStatus{})
	require.NoError(t, err)
	return p.ID
}

// deliveryStatus returns the status of post id's delivery to target.
func (w *world) deliveryStatus(t *testing.T, id int64, target string) crier.DeliveryStatus {
	t.Helper()
	p, err := w.db.FindPost(context.Background(), id)
	require.NoError(t, err)
	for _, dl := range p.Deliveries {
		if dl.Target == target {
			return dl.Status
		}
	}
	t.Fatalf("post #%d has no delivery to %s", id, target)
	return ""
}

func (w *world) upcoming(t *testing.T) []*crier.Post {
	t.Helper()
	posts, err := w.pub.Upcoming(context.Background(), 100)
	require.NoError(t, err)
	return posts
}

const schedulerRole = "1600000000000000001"

func newAdapter(t *testing.T, f *fakeDiscord, w *world, publicKey string) *discord.Adapter {
	t.Helper()
	a, err := discord.New(discord.Options{
		Token: "token-test", ApplicationID: appID, PublicKey: publicKey, Guilds: []string{guild}, APIURL: f.url(),
		Router: w.router, Roles: map[crier.Role][]string{crier.RoleScheduler: {schedulerRole}},
		TimezoneFor: func(g, ch string) string {
			if g == guild {
				return "Europe/Lisbon"
			}
			return ""
		},
	})
	require.NoError(t, err)
	return a
}

// runGateway starts the adapter on the fake gateway and waits for Ready.
func runGateway(t *testing.T, f *fakeDiscord, a *discord.Adapter) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var runErr error
	finished := make(chan struct{})
	go func() { runErr = a.Run(ctx, true); close(finished) }()
	t.Cleanup(func() { cancel(); <-finished })
	select {
	case <-f.ready:
	case <-finished:
		t.Fatalf("Run ended: %v", runErr)
	case <-time.After(5 * time.Second):
		t.Fatal("no gateway session")
	}
}
