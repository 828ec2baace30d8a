package discord_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
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
	inbox       = "1300000000000000005" // a text channel with no thread yet
)

// call is one REST request the fake received.
type call struct {
	Method, Path string // Path is the route, after the API prefix
	URLPath      string // the whole path the request arrived at
	Query        url.Values
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
//
// Checked against discord/discord-api-docs (developers/resources/message.mdx,
// channel.mdx, guild.mdx, developers/topics/threads.mdx and
// opcodes-and-status-codes.mdx, as of August 2026):
//   - Create Message: with nonce and enforce_nonce, "if another message was
//     created by the same author with the same nonce, that message will be
//     returned" within "the past few minutes" (no number given; the fake
//     keeps nonceWindow). The nonce is in the create answer ("Value will
//     appear in the Message Create event"), and not in messages read back:
//     the docs promise it nowhere else, and Discord does not keep it
//     (Rapptz/discord.py#2451: only the message returned by send has it).
//   - Get Channel Messages: "an array of message objects from newest to
//     oldest"; before/after/around are exclusive; limit 1-100, default 50.
//     With after, the fake returns the messages right after that id (newest
//     first), which is how paging forward works on Discord. Message ids are
//     snowflakes of the fake's clock (reference.md, Snowflakes).
//   - Threads (threads.mdx, "Active & Archived Threads"): "Sending a message
//     will automatically unarchive the thread, unless the thread has been
//     locked by a moderator"; a locked archived thread refuses with 50083
//     ("Tried to perform an operation on an archived thread"), a locked one
//     with 160005 "Thread is locked" (the docs give no status: 400 here).
//     Editing a message in an archived thread is 50083 too.
//   - The guild's active thread limit (threads.mdx: "guilds are capped at a
//     certain number of active threads"; channel.mdx: once reached "threads
//     cannot be created or unarchived"): starting, unarchiving or posting
//     into an archived thread at the limit is 160006 "Maximum number of
//     active threads reached". activeThreads is the limit (1,000 on Discord;
//     a test lowers it).
//   - Modify Channel on a thread (channel.mdx; threads.mdx "Editing a thread
//     to change the name, archived ... requires MANAGE_THREADS or that the
//     current user is the thread creator"): the bot may archive and unarchive
//     the threads it started; others are 50013 Missing Permissions.
//   - List Active Guild Threads: "Threads are ordered by their id, in
//     descending order", as {threads, members}, each with thread_metadata
//     and last_message_id.
//   - Files attached to a slash command (developers/interactions/
//     receiving-and-responding.mdx, "Application Command Data Structure"
//     and "Resolved Data Structure"; application-commands.mdx, option type
//     ATTACHMENT 11): the option's value is the attachment's id, and
//     data.resolved.attachments maps that id to an attachment object
//     (message.mdx, "Attachment Object": id, filename, content_type, size
//     in bytes, url, proxy_url). The url is on Discord's CDN
//     (/ephemeral-attachments/{application}/{attachment}/{filename}, signed
//     with ex, is and hm query parameters), fetched without the bot token;
//     the fake serves it, and answers 404 once it has expired.
type fakeDiscord struct {
	srv *httptest.Server
	// prefix is where the API is served when set ("/proxy/api/v10/", as a
	// reverse proxy would): other paths are 404. Unset, the API is served
	// under /api/vN/ (any version, as Discord does) and at the root.
	prefix string

	mu    sync.Mutex
	calls []call
	// clock stamps messages: their ids are snowflakes of its time, and
	// nonces are remembered for nonceWindow of it.
	clock    *crier.ManualClock
	nonces   map[string]sentNonce    // author + "/" + nonce → the message it created
	lastID   uint64                  // the last snowflake given out
	messages map[string]*fakeMessage // message id → the message
	threads  map[string]*fakeThread  // thread id → the thread (started on a message: the message's id)
	edits    map[string]string       // message id → its content after the last edit
	// activeThreads is the guild's limit of active threads (Discord: 1,000).
	activeThreads int
	limitNxt      int
	identify      map[string]any
	// failCommands are the answers to the next command registrations
	// (PUT …/commands), one each, before they succeed.
	failCommands []failure
	// gatewayDown refuses the gateway websocket while set.
	gatewayDown bool
	// cdn holds the files attached to interactions, by their CDN path;
	// downloads counts the requests for them.
	cdn       map[string][]byte
	downloads int

	upgrader websocket.Upgrader
	conn     *websocket.Conn
	ready    chan struct{}
	seq      int
}

func newFakeDiscord(t *testing.T) *fakeDiscord {
	t.Helper()
	f := &fakeDiscord{nonces: map[string]sentNonce{}, cdn: map[string][]byte{}, messages: map[string]*fakeMessage{}, edits: map[string]string{},
		threads: map[string]*fakeThread{
			thread: {parent: launch, owner: botID},
			other:  {parent: launch, owner: "1999"},
		},
		clock: crier.NewManualClock(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)), activeThreads: 1000, ready: make(chan struct{})}
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
	if strings.HasPrefix(r.URL.Path, "/ephemeral-attachments/") {
		f.serveAttachment(w, r)
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
	f.calls = append(f.calls, call{r.Method, path, r.URL.Path, r.URL.Query(), body, raw, files})
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
	case r.Method == http.MethodGet && path == "/users/@me":
		f.json(w, 200, map[string]any{"id": botID, "username": "crier", "bot": true})
	case r.Method == http.MethodGet && len(parts) == 4 && parts[0] == "guilds" && parts[1] == guild && parts[2] == "threads" && parts[3] == "active":
		f.listActiveThreads(w)
	case r.Method == http.MethodGet && len(parts) == 2 && parts[0] == "channels":
		f.channel(w, parts[1])
	case r.Method == http.MethodPatch && len(parts) == 2 && parts[0] == "channels":
		f.modifyThread(w, parts[1], body)
	case r.Method == http.MethodGet && len(parts) == 3 && parts[0] == "channels" && parts[2] == "messages":
		f.listMessages(w, parts[1], r.URL.Query())
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

// attach keeps a file as a person's attachment to a slash command and
// returns its attachment object, as data.resolved.attachments holds it.
func (f *fakeDiscord) attach(id, filename, contentType string, data []byte) map[string]any {
	path := "/ephemeral-attachments/" + appID + "/" + id + "/" + url.PathEscape(filename)
	f.mu.Lock()
	f.cdn[path] = data
	f.mu.Unlock()
	signed := f.srv.URL + path + "?ex=6a1b2c3d&is=6a19dabd&hm=0f1e2d3c4b5a69788796a5b4c3d2e1f0"
	return map[string]any{"id": id, "filename": filename, "content_type": contentType, "size": len(data),
		"url": signed, "proxy_url": signed, "ephemeral": true}
}

// expire forgets an attachment: its url answers 404 from now on, as the
// CDN does once a signed url has expired.
func (f *fakeDiscord) expire(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for path := range f.cdn {
		if strings.HasPrefix(path, "/ephemeral-attachments/"+appID+"/"+id+"/") {
			delete(f.cdn, path)
		}
	}
}

// serveAttachment answers a download of an attached file from the CDN.
func (f *fakeDiscord) serveAttachment(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.downloads++
	data, ok := f.cdn[r.URL.EscapedPath()]
	f.mu.Unlock()
	if r.Method != http.MethodGet || !ok || r.URL.Query().Get("hm") == "" {
		http.Error(w, "This content is no longer available.", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}

// downloaded is the number of attachment downloads the CDN served or refused.
func (f *fakeDiscord) downloaded() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.downloads
}

// Discord's epoch, the start of a snowflake's timestamp (docs/reference.md,
// Snowflakes: milliseconds since 2015-01-01, shifted left 22 bits).
const discordEpoch = 1420070400000

// nonceWindow is how long the fake remembers a nonce: Discord says "the past
// few minutes" and gives no number.
const nonceWindow = 3 * time.Minute

// fakeMessage is a message the fake holds.
type fakeMessage struct {
	id, channel, author, content, nonce string
	components                          any
}

// object is the message as Discord's REST API returns it: GET has no nonce
// (only the create answer and the gateway's Message Create carry it), and
// no guild_id (only gateway messages carry one).
func (m *fakeMessage) object(withNonce bool) map[string]any {
	o := map[string]any{"id": m.id, "channel_id": m.channel, "type": 0, "content": m.content,
		"author": map[string]any{"id": m.author, "username": "crier", "bot": m.author == botID}}
	if m.components != nil {
		o["components"] = m.components
	}
	if withNonce && m.nonce != "" {
		o["nonce"] = m.nonce
	}
	return o
}

// sentNonce is the message a nonce created, and when.
type sentNonce struct {
	id string
	at time.Time
}

// fakeThread is a thread: its parent channel, who started it, the last
// message in it, and its thread_metadata.
type fakeThread struct {
	parent, owner, lastMessage string
	archived, locked           bool
}

func (f *fakeDiscord) isTextChannel(id string) bool { return id == launch || id == news || id == inbox }

// activeCount is the number of threads in the guild that are not archived.
func (f *fakeDiscord) activeCount() int {
	n := 0
	for _, th := range f.threads {
		if !th.archived {
			n++
		}
	}
	return n
}

// snowflake is a new message id: the time, and one more than the last id
// when two arrive in the same millisecond.
func (f *fakeDiscord) snowflake(t time.Time) string {
	id := uint64(t.UnixMilli()-discordEpoch) << 22
	if id <= f.lastID {
		id = f.lastID + 1
	}
	f.lastID = id
	return strconv.FormatUint(id, 10)
}

func (f *fakeDiscord) threadObject(id string, th *fakeThread) map[string]any {
	o := map[string]any{"id": id, "type": 11, "guild_id": guild, "parent_id": th.parent, "owner_id": th.owner,
		"thread_metadata": map[string]any{"archived": th.archived, "locked": th.locked, "auto_archive_duration": 10080}}
	if th.lastMessage != "" {
		o["last_message_id"] = th.lastMessage
	}
	return o
}

func (f *fakeDiscord) channel(w http.ResponseWriter, id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if th, ok := f.threads[id]; ok {
		f.json(w, 200, f.threadObject(id, th))
		return
	}
	switch id {
	case launch, inbox:
		f.json(w, 200, map[string]any{"id": id, "type": 0, "guild_id": guild})
	case news:
		f.json(w, 200, map[string]any{"id": id, "type": 5, "guild_id": guild})
	default:
		f.json(w, 404, map[string]any{"message": "Unknown Channel", "code": 10003})
	}
}

// createMessage posts a message. A message to an archived thread unarchives
// it, unless it is locked (50083) or the guild is at its active thread limit
// (160006); a locked thread takes no message from crier (160005). With
// nonce and enforce_nonce, the same author's same nonce within the window
// returns the message it created.
func (f *fakeDiscord) createMessage(w http.ResponseWriter, channel string, body map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	th, isThread := f.threads[channel]
	if !isThread && !f.isTextChannel(channel) {
		f.json(w, 404, map[string]any{"message": "Unknown Channel", "code": 10003})
		return
	}
	if isThread {
		switch {
		case th.archived && th.locked:
			f.json(w, 400, map[string]any{"message": "Thread is archived", "code": 50083})
			return
		case th.locked:
			f.json(w, 400, map[string]any{"message": "Thread is locked", "code": 160005})
			return
		case th.archived && f.activeCount() >= f.activeThreads:
			f.json(w, 400, map[string]any{"message": "Maximum number of active threads reached", "code": 160006})
			return
		}
	}
	now := f.clock.Now()
	nonce, _ := body["nonce"].(string)
	if nonce != "" && body["enforce_nonce"] == true {
		if sent, ok := f.nonces[botID+"/"+nonce]; ok && now.Sub(sent.at) < nonceWindow {
			f.json(w, 200, f.messages[sent.id].object(true))
			return
		}
	}
	if isThread {
		th.archived = false
	}
	content, _ := body["content"].(string)
	m := &fakeMessage{id: f.snowflake(now), channel: channel, author: botID, content: content, nonce: nonce, components: body["components"]}
	f.messages[m.id] = m
	if nonce != "" {
		f.nonces[botID+"/"+nonce] = sentNonce{id: m.id, at: now}
	}
	if isThread {
		th.lastMessage = m.id
	}
	f.json(w, 200, m.object(true))
}

// listMessages answers GET /channels/{id}/messages: at most limit (1-100,
// default 50) messages, newest first; with after, the ones right after that
// id; with before, the ones right before it; with neither, the newest.
func (f *fakeDiscord) listMessages(w http.ResponseWriter, channel string, q url.Values) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, isThread := f.threads[channel]; !isThread && !f.isTextChannel(channel) {
		f.json(w, 404, map[string]any{"message": "Unknown Channel", "code": 10003})
		return
	}
	limit := 50
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			f.json(w, 400, map[string]any{"message": "Invalid Form Body", "code": 50035})
			return
		}
		limit = n
	}
	num := func(id string) uint64 { n, _ := strconv.ParseUint(id, 10, 64); return n }
	var in []*fakeMessage
	for _, m := range f.messages {
		if m.channel == channel {
			in = append(in, m)
		}
	}
	sort.Slice(in, func(i, j int) bool { return num(in[i].id) < num(in[j].id) }) // oldest first
	var page []*fakeMessage
	switch {
	case q.Get("after") != "":
		after := num(q.Get("after"))
		for _, m := range in {
			if num(m.id) > after && len(page) < limit {
				page = append(page, m)
			}
		}
	case q.Get("before") != "":
		before := num(q.Get("before"))
		for _, m := range in {
			if num(m.id) < before {
				page = append(page, m)
			}
		}
		page = page[max(0, len(page)-limit):]
	default:
		page = in[max(0, len(in)-limit):]
	}
	out := make([]any, 0, len(page))
	for i := len(page) - 1; i >= 0; i-- { // newest first
		out = append(out, page[i].object(false))
	}
	f.json(w, 200, out)
}

// startThread starts a thread from a message: the thread has the message's
// id, a message has one thread at most, and none starts when the guild is
// at its active thread limit.
func (f *fakeDiscord) startThread(w http.ResponseWriter, channel, message string, body map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.messages[message]
	switch {
	case m == nil || m.channel != channel:
		f.json(w, 404, map[string]any{"message": "Unknown Message", "code": 10008})
	case f.threads[message] != nil:
		f.json(w, 400, map[string]any{"message": "A thread has already been created for this message", "code": 160004})
	case f.activeCount() >= f.activeThreads:
		f.json(w, 400, map[string]any{"message": "Maximum number of active threads reached", "code": 160006})
	default:
		th := &fakeThread{parent: channel, owner: botID}
		f.threads[message] = th
		o := f.threadObject(message, th)
		o["name"] = body["name"]
		f.json(w, 201, o)
	}
}

// modifyThread archives or unarchives a thread (PATCH /channels/{id}): its
// creator may do both, anyone else needs Manage Threads (50013 Missing
// Permissions); unarchiving at the active thread limit is refused.
func (f *fakeDiscord) modifyThread(w http.ResponseWriter, id string, body map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	th, ok := f.threads[id]
	if !ok {
		f.json(w, 404, map[string]any{"message": "Unknown Channel", "code": 10003})
		return
	}
	if archived, ok := body["archived"].(bool); ok && archived != th.archived {
		switch {
		case th.owner != botID:
			f.json(w, 403, map[string]any{"message": "Missing Permissions", "code": 50013})
			return
		case !archived && f.activeCount() >= f.activeThreads:
			f.json(w, 400, map[string]any{"message": "Maximum number of active threads reached", "code": 160006})
			return
		}
		th.archived = archived
	}
	f.json(w, 200, f.threadObject(id, th))
}

// activeThreads answers GET /guilds/{id}/threads/active: the threads not
// archived, by id, newest first.
func (f *fakeDiscord) listActiveThreads(w http.ResponseWriter) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []string
	for id, th := range f.threads {
		if !th.archived {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return len(ids[i]) > len(ids[j]) || len(ids[i]) == len(ids[j]) && ids[i] > ids[j] })
	threads := make([]any, 0, len(ids))
	for _, id := range ids {
		threads = append(threads, f.threadObject(id, f.threads[id]))
	}
	f.json(w, 200, map[string]any{"threads": threads, "members": []any{}})
}

// setThread archives or locks a thread, as a moderator or Discord's
// auto-archive would.
func (f *fakeDiscord) setThread(id string, archived, locked bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.threads[id].archived, f.threads[id].locked = archived, locked
}

// threadState returns a thread's archived and locked flags; ok is false
// when there is no such thread.
func (f *fakeDiscord) threadState(id string) (archived, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	th, ok := f.threads[id]
	if !ok {
		return false, false
	}
	return th.archived, true
}

// seedMessages adds n messages by author to a channel, at the fake's time,
// as people (or crier, before this test) wrote them.
func (f *fakeDiscord) seedMessages(channel, author, content string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		m := &fakeMessage{id: f.snowflake(f.clock.Now()), channel: channel, author: author, content: content}
		f.messages[m.id] = m
		if th := f.threads[channel]; th != nil {
			th.lastMessage = m.id
		}
	}
}

// messagesIn returns the contents of the messages in a channel, oldest first.
func (f *fakeDiscord) messagesIn(channel string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []string
	for id, m := range f.messages {
		if m.channel == channel {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return len(ids[i]) < len(ids[j]) || len(ids[i]) == len(ids[j]) && ids[i] < ids[j] })
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = f.messages[id].content
	}
	return out
}

// editMessage edits a message in its channel; in an archived thread no
// message can be edited (50083).
func (f *fakeDiscord) editMessage(w http.ResponseWriter, channel, message string, body map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if m := f.messages[message]; m == nil || m.channel != channel {
		f.json(w, 404, map[string]any{"message": "Unknown Message", "code": 10008})
		return
	}
	if th := f.threads[channel]; th != nil && th.archived {
		f.json(w, 400, map[string]any{"message": "Thread is archived", "code": 50083})
		return
	}
	content, _ := body["content"].(string)
	f.edits[message] = content
	f.messages[message].content = content
	f.json(w, 200, map[string]any{"id": message, "channel_id": channel, "content": content})
}

// react adds the bot's reaction: a unicode emoji or name:id; anything else
// is Unknown Emoji.
func (f *fakeDiscord) react(w http.ResponseWriter, channel, message, emoji string) {
	f.mu.Lock()
	m := f.messages[message]
	known := m != nil && m.channel == channel
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
