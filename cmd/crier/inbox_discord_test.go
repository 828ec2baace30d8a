package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/file"
)

const (
	inboxDcBot      = "1100000000000000002" // crier's bot user
	inboxDcChannel  = "1300000000000000010" // the inbox channel
	inboxDcReplier  = "1900000000000000011" // a teammate with the replier role
	inboxDcStranger = "1900000000000000012" // a teammate without it
)

// inboxDiscordAPI is a fake of the parts of Discord's REST API and gateway
// crier run uses for the inbox, after the Discord adapter's own fake
// (adapters/discord/fake_test.go), which follows Discord's API reference
// (docs/resources/channel.md and message.md, docs/topics/gateway.md) and
// bwmarrin/discordgo v0.28.1's restapi.go and wsapi.go: versioned /api/vN
// paths; JSON errors; a message in a channel or a thread Discord knows
// (10003 Unknown Channel otherwise); a thread started from a message has
// the message's id and is a channel of type 11 owned by the bot (160004
// when one was started already, 10008 Unknown Message for a message not in
// the channel); PUT …/reactions/{emoji}/@me answers 204; the gateway says
// Hello, answers Identify with Ready (the bot's user) and acks heartbeats,
// and a test dispatches MESSAGE_CREATE on it as Discord does when a person
// writes in a thread.
type inboxDiscordAPI struct {
	srv *httptest.Server

	mu        sync.Mutex
	nextID    int
	channels  map[string]bool     // the guild's text channels
	messages  map[string]string   // message id → its channel or thread
	contents  []inboxDcMessage    // messages crier posted, in order
	started   map[string]string   // thread (= message id) → parent channel
	reactions map[string][]string // message id → emoji
	nonces    map[string]string   // nonce → message id
	conn      *websocket.Conn     // the latest gateway connection
	seq       int
	conns     int // gateway connections that got Ready
	// slowGateway holds Ready back until crier has posted a message in a
	// thread (10 s at most), as when Discord's gateway is slow to connect
	// while REST calls go through.
	slowGateway bool
	upgrader    websocket.Upgrader
	connected   chan struct{} // a gateway connection got Ready since expectGateway
}

// inboxDcMessage is a message crier posted.
type inboxDcMessage struct {
	ID, Channel, Content string
}

func newInboxDiscordAPI(t *testing.T) *inboxDiscordAPI {
	t.Helper()
	d := &inboxDiscordAPI{
		nextID:   1400000000000000000,
		channels: map[string]bool{dcLaunch: true, inboxDcChannel: true},
		messages: map[string]string{}, started: map[string]string{}, reactions: map[string][]string{},
		nonces: map[string]string{},
	}
	d.upgrader.CheckOrigin = func(*http.Request) bool { return true }
	d.srv = httptest.NewServer(http.HandlerFunc(d.serve))
	t.Cleanup(d.srv.Close)
	return d
}

func (d *inboxDiscordAPI) json(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (d *inboxDiscordAPI) serve(w http.ResponseWriter, r *http.Request) {
	if strings.TrimSuffix(r.URL.Path, "/") == "/gateway-ws" {
		d.gateway(w, r)
		return
	}
	path := r.URL.Path
	if rest, ok := strings.CutPrefix(path, "/api/v"); ok {
		if _, after, ok := strings.Cut(rest, "/"); ok {
			path = "/" + after
		}
	}
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	_ = json.Unmarshal(raw, &body)
	if r.Header.Get("Authorization") != "Bot dc-token" && !strings.HasPrefix(path, "/interactions/") && !strings.HasPrefix(path, "/webhooks/") {
		d.json(w, 401, map[string]any{"message": "401: Unauthorized", "code": 0})
		return
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case path == "/gateway" || path == "/gateway/bot":
		d.json(w, 200, map[string]any{"url": "ws" + strings.TrimPrefix(d.srv.URL, "http") + "/gateway-ws", "shards": 1,
			"session_start_limit": map[string]any{"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1}})
	case path == "/applications/@me":
		d.json(w, 200, map[string]any{"id": dcApp, "name": "crier", "flags": 1 << 18})
	case r.Method == http.MethodPut && strings.HasSuffix(path, "/commands"):
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(raw)
	case strings.HasPrefix(path, "/interactions/"):
		w.WriteHeader(204)
	case strings.HasPrefix(path, "/webhooks/"):
		d.json(w, 200, map[string]any{"id": "1500000000000000001", "channel_id": dcLaunch, "content": ""})
	case r.Method == http.MethodGet && len(parts) == 2 && parts[0] == "channels":
		d.channel(w, parts[1])
	case r.Method == http.MethodPost && len(parts) == 3 && parts[0] == "channels" && parts[2] == "messages":
		d.createMessage(w, parts[1], body)
	case r.Method == http.MethodPost && len(parts) == 5 && parts[0] == "channels" && parts[4] == "threads":
		d.startThread(w, parts[1], parts[3], body)
	case r.Method == http.MethodPut && len(parts) == 7 && parts[4] == "reactions" && parts[6] == "@me":
		d.react(w, parts[1], parts[3], parts[5])
	default:
		d.json(w, 404, map[string]any{"message": "404: Not Found", "code": 0})
	}
}

func (d *inboxDiscordAPI) channel(w http.ResponseWriter, id string) {
	d.mu.Lock()
	parent, started := d.started[id]
	text := d.channels[id]
	d.mu.Unlock()
	switch {
	case started:
		d.json(w, 200, map[string]any{"id": id, "type": 11, "guild_id": dcGuild, "parent_id": parent, "owner_id": inboxDcBot})
	case text:
		d.json(w, 200, map[string]any{"id": id, "type": 0, "guild_id": dcGuild})
	default:
		d.json(w, 404, map[string]any{"message": "Unknown Channel", "code": 10003})
	}
}

// createMessage posts a message (the same nonce with enforce_nonce returns
// the first one, as Discord does).
func (d *inboxDiscordAPI) createMessage(w http.ResponseWriter, channel string, body map[string]any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, started := d.started[channel]; !started && !d.channels[channel] {
		d.json(w, 404, map[string]any{"message": "Unknown Channel", "code": 10003})
		return
	}
	content, _ := body["content"].(string)
	nonce, _ := body["nonce"].(string)
	if id, ok := d.nonces[nonce]; ok && nonce != "" && body["enforce_nonce"] == true {
		d.json(w, 200, map[string]any{"id": id, "channel_id": channel, "content": content})
		return
	}
	id := d.newID()
	if nonce != "" {
		d.nonces[nonce] = id
	}
	d.messages[id] = channel
	d.contents = append(d.contents, inboxDcMessage{ID: id, Channel: channel, Content: content})
	// Like Discord's REST API, no guild_id: only gateway messages carry one.
	d.json(w, 200, map[string]any{"id": id, "channel_id": channel, "content": content, "type": 0,
		"author": map[string]any{"id": inboxDcBot, "username": "crier", "bot": true}})
}

// newID is the next snowflake. Called with d.mu held.
func (d *inboxDiscordAPI) newID() string {
	d.nextID++
	return fmt.Sprint(d.nextID)
}

// startThread starts a thread from a message: the thread has the message's
// id, and a message has one thread at most.
func (d *inboxDiscordAPI) startThread(w http.ResponseWriter, channel, message string, body map[string]any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.messages[message] != channel:
		d.json(w, 404, map[string]any{"message": "Unknown Message", "code": 10008})
	case d.started[message] != "":
		d.json(w, 400, map[string]any{"message": "A thread has already been created for this message", "code": 160004})
	default:
		d.started[message] = channel
		d.json(w, 201, map[string]any{"id": message, "type": 11, "guild_id": dcGuild, "parent_id": channel, "owner_id": inboxDcBot, "name": body["name"]})
	}
}

// react adds the bot's reaction to a message in the channel or thread.
func (d *inboxDiscordAPI) react(w http.ResponseWriter, channel, message, emoji string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.messages[message] != channel {
		d.json(w, 404, map[string]any{"message": "Unknown Message", "code": 10008})
		return
	}
	d.reactions[message] = append(d.reactions[message], emoji)
	w.WriteHeader(204)
}

func (d *inboxDiscordAPI) gateway(w http.ResponseWriter, r *http.Request) {
	c, err := d.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	_ = c.WriteJSON(map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": 45000}})
	var ident struct {
		Op int `json:"op"`
	}
	if err := c.ReadJSON(&ident); err != nil || ident.Op != 2 {
		_ = c.Close()
		return
	}
	for deadline := time.Now().Add(10 * time.Second); d.holdReady() && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	d.mu.Lock()
	d.conn, d.seq = c, 0
	d.conns++
	connected := d.connected
	d.mu.Unlock()
	if err := d.dispatch("READY", map[string]any{"v": 10, "session_id": "s1", "resume_gateway_url": "ws" + strings.TrimPrefix(d.srv.URL, "http") + "/gateway-ws",
		"user": map[string]any{"id": inboxDcBot, "username": "crier", "bot": true}, "application": map[string]any{"id": dcApp}, "guilds": []any{}}); err != nil {
		return
	}
	select {
	case connected <- struct{}{}:
	default:
	}
	go func() { // answer heartbeats until the connection closes
		for {
			var m struct {
				Op int `json:"op"`
			}
			if err := c.ReadJSON(&m); err != nil {
				return
			}
			if m.Op == 1 {
				d.mu.Lock()
				_ = c.WriteJSON(map[string]any{"op": 11})
				d.mu.Unlock()
			}
		}
	}()
}

// holdReady says whether Ready waits: the gateway is slow and crier has
// posted no message in a thread yet.
func (d *inboxDiscordAPI) holdReady() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.slowGateway {
		return false
	}
	for _, m := range d.contents {
		if d.started[m.Channel] != "" {
			return false
		}
	}
	return true
}

// dispatch sends a gateway event (op 0) with the next sequence number on
// the latest connection.
func (d *inboxDiscordAPI) dispatch(event string, data any) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.seq++
	return d.conn.WriteJSON(map[string]any{"op": 0, "t": event, "s": d.seq, "d": data})
}

// expectGateway returns a channel that receives when the next gateway
// connection gets Ready.
func (d *inboxDiscordAPI) expectGateway() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.connected = make(chan struct{}, 1)
	return d.connected
}

// write is a person writing text in a thread: Discord keeps the message
// and sends MESSAGE_CREATE on the gateway, with the guild and the member's
// roles. It returns the message's id.
func (d *inboxDiscordAPI) write(t *testing.T, thread, user, name, text string) string {
	t.Helper()
	d.mu.Lock()
	id := d.newID()
	d.messages[id] = thread
	d.mu.Unlock()
	err := d.dispatch("MESSAGE_CREATE", map[string]any{
		"id": id, "channel_id": thread, "guild_id": dcGuild, "content": text, "type": 0,
		"timestamp": time.Now().UTC().Format(time.RFC3339), "tts": false, "mention_everyone": false,
		"mentions": []any{}, "mention_roles": []any{}, "attachments": []any{}, "embeds": []any{}, "pinned": false,
		"author": map[string]any{"id": user, "username": name, "discriminator": "0", "global_name": name},
		"member": map[string]any{"roles": []any{}, "joined_at": "2025-01-01T00:00:00Z", "deaf": false, "mute": false},
	})
	require.NoError(t, err, "MESSAGE_CREATE on the gateway")
	return id
}

func (d *inboxDiscordAPI) posted() []inboxDcMessage {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.contents)
}

func (d *inboxDiscordAPI) reactionsOn(message string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.reactions[message])
}

func (d *inboxDiscordAPI) dump() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var b strings.Builder
	for _, m := range d.contents {
		fmt.Fprintf(&b, "%s in %s: %q\n", m.ID, m.Channel, m.Content)
	}
	fmt.Fprintf(&b, "threads: %v; reactions: %v; gateway connections: %d", d.started, d.reactions, d.conns)
	return b.String()
}

// inboxDiscordConfig is Discord with HTTP interactions (and the gateway for
// thread replies), the sandbox file network's outbox and inbox relayed into
// inboxDcChannel; only inboxDcReplier may answer customers.
func inboxDiscordConfig(apiURL, addr, publicKey string) string {
	return fmt.Sprintf(`timezone: Europe/Bucharest
database: data/crier.db
chat:
  discord:
    token: dc-token
    application_id: "%s"
    interactions: http
    public_key: %s
    api_url: %s/api/v10/
    guilds:
      - id: "%s"
http:
  listen: "%s"
roles:
  scheduler: ["*"]
  replier: ["%s"]
inbox:
  channel: discord:%s
  poll: 5s
  crisis: off
networks:
  - name: sandbox
    kind: file
    outbox: data/sandbox/outbox.jsonl
    inbox: data/sandbox/inbox.jsonl
    limit: 500
publish:
  max_attempts: 3
  attempt_timeout: 5s
`, dcApp, publicKey, apiURL, dcGuild, addr, inboxDcReplier, inboxDcChannel)
}

// startInboxDiscord starts `crier run` with the configuration in dir (one
// bot.yaml and database across runs) and waits until the gateway is
// connected and /healthz answers 200.
func startInboxDiscord(t *testing.T, api *inboxDiscordAPI, dir, publicKey string) *crierRun {
	t.Helper()
	cfg := filepath.Join(dir, "bot.yaml")
	for attempt := 0; ; attempt++ {
		addr := freeAddr(t)
		require.NoError(t, os.WriteFile(cfg, []byte(inboxDiscordConfig(api.srv.URL, addr, publicKey)), 0o600))
		c := &crierRun{url: "http://" + addr, config: cfg, stderr: &syncBuffer{}, done: make(chan int, 1)}
		ctx, cancel := context.WithCancel(context.Background())
		c.cancel = cancel
		m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: c.stderr, Getenv: os.LookupEnv}
		connected := api.expectGateway()
		go func() { c.done <- m.Run(ctx, []string{"run", "-config", cfg, "-log-level", "warn"}) }()
		up, code := c.waitHealthy(30 * time.Second)
		if up {
			t.Cleanup(func() { c.stop() })
			select {
			case <-connected:
			case <-time.After(10 * time.Second):
				t.Fatalf("crier did not connect to the gateway: %s", c.stderr.String())
			}
			return c
		}
		cancel()
		if code != 0 && strings.Contains(c.stderr.String(), "address already in use") && attempt < 3 {
			continue
		}
		t.Fatalf("crier run did not come up (exit %d): %s", code, c.stderr.String())
	}
}

// TestInboxDiscordCommentThreadAndReply runs the whole loop with Discord: a
// post published to the sandbox is posted in the inbox channel; a comment
// appended to the sandbox inbox is posted into a thread started on that
// message; after a restart, a teammate with the replier role writes in the
// thread (MESSAGE_CREATE on the gateway) and the answer is one line in the
// outbox, under the comment, with ✅ on the teammate's message and "✅ Sent
// to sandbox" in the thread; a teammate without the role is refused in the
// thread, and nothing more reaches the outbox.
func TestInboxDiscordCommentThreadAndReply(t *testing.T) {
	t.Parallel()
	inboxDiscordLoop(t, false)
}

// TestInboxDiscordReplyWhenGatewayWasSlow is the same loop in one run, with
// Discord's gateway connecting only after crier started the comment's
// thread: thread replies must still be answered.
func TestInboxDiscordReplyWhenGatewayWasSlow(t *testing.T) {
	t.Parallel()
	inboxDiscordLoop(t, true)
}

// inboxDiscordLoop is the loop of the tests above. With slowGateway, the
// gateway of the run that relays the comment gets Ready only after the
// comment is in its thread, and that run takes the answers; without it,
// crier is restarted before the answers.
func inboxDiscordLoop(t *testing.T, slowGateway bool) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	publicKey := hex.EncodeToString(pub)
	api := newInboxDiscordAPI(t)
	dir := t.TempDir()
	outbox := filepath.Join(dir, "data/sandbox/outbox.jsonl")
	inbox := filepath.Join(dir, "data/sandbox/inbox.jsonl")
	client := &http.Client{Timeout: 10 * time.Second}

	// Run 1: a post published now is posted in the inbox channel.
	c := startInboxDiscord(t, api, dir, publicKey)
	slash := fmt.Sprintf(`{"id":"3","type":2,"application_id":"%s","token":"tok3","version":1,"guild_id":"%s","channel_id":"%s",
		"member":{"user":{"id":"1900000000000000001","username":"ana"},"roles":[]},
		"data":{"id":"9","name":"schedule","type":1,"options":[{"name":"text","type":3,"value":"now Launch day!"}]}}`, dcApp, dcGuild, dcLaunch)
	status, body := doRequest(t, client, signedInteraction(t, c.url+"/discord/interactions", priv, slash))
	require.Equal(t, http.StatusOK, status, body)
	var header inboxDcMessage
	require.Eventually(t, func() bool {
		for _, m := range api.posted() {
			if m.Channel == inboxDcChannel && strings.Contains(m.Content, "Launch day!") {
				header = m
				return true
			}
		}
		return false
	}, 15*time.Second, 20*time.Millisecond, "the post's header in the inbox channel; Discord saw:\n%s\n%s", api.dump(), c.stderr.String())
	require.Contains(t, header.Content, "💬 Post #")
	recs, err := file.ReadOutbox(outbox)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	post := recs[0]
	require.Equal(t, "Launch day!", post.Text)
	require.Equal(t, 0, c.stop(), c.stderr.String())

	// A customer comments on the post while crier is stopped; the relay
	// reads the inbox as it starts.
	require.NoError(t, os.WriteFile(inbox, fmt.Appendf(nil, `{"id":"c1","post_id":"%s","author":"rita","author_name":"Rita Sol","text":"Does it ship to Portugal?"}`+"\n", post.ID), 0o600))
	api.mu.Lock()
	api.slowGateway = slowGateway
	api.mu.Unlock()
	c = startInboxDiscord(t, api, dir, publicKey)
	thread := header.ID // a thread started on a message has the message's id
	var comment inboxDcMessage
	require.Eventually(t, func() bool {
		for _, m := range api.posted() {
			if strings.Contains(m.Content, "Does it ship to Portugal?") {
				comment = m
				return true
			}
		}
		return false
	}, 15*time.Second, 20*time.Millisecond, "the comment in the post's thread; Discord saw:\n%s\n%s", api.dump(), c.stderr.String())
	require.Equal(t, thread, comment.Channel, "the comment is in the thread started on the post's message; Discord saw:\n%s", api.dump())
	require.Contains(t, comment.Content, "Rita Sol (rita) on sandbox")
	if !slowGateway {
		// Comments are relayed as crier starts, before its gateway may be
		// connected; TestInboxDiscordReplyWhenGatewayWasSlow is that case.
		// Here a restart makes the answers independent of that race.
		require.Equal(t, 0, c.stop(), c.stderr.String())
		c = startInboxDiscord(t, api, dir, publicKey)
	}

	// A teammate without the replier role writes in the thread: refused
	// there, in one line.
	strangerMsg := api.write(t, thread, inboxDcStranger, "bo", "We ship everywhere!")
	require.Eventually(t, func() bool {
		for _, m := range api.posted() {
			if m.Channel == thread && strings.Contains(m.Content, "Only people with the replier role can answer customers") {
				return true
			}
		}
		return false
	}, 15*time.Second, 20*time.Millisecond, "the refusal in the thread; Discord saw:\n%s\n%s", api.dump(), c.stderr.String())

	// The replier answers in the thread: the answer goes to the outbox
	// under the comment, once.
	replierMsg := api.write(t, thread, inboxDcReplier, "cy", "Yes, to Portugal too.")
	require.Eventually(t, func() bool {
		for _, m := range api.posted() {
			if m.Channel == thread && strings.HasPrefix(m.Content, "✅ Sent to sandbox") {
				return true
			}
		}
		return false
	}, 15*time.Second, 20*time.Millisecond, "the answer confirmed in the thread; Discord saw:\n%s\n%s", api.dump(), c.stderr.String())
	require.Eventually(t, func() bool {
		return slices.Contains(api.reactionsOn(replierMsg), "✅")
	}, 15*time.Second, 20*time.Millisecond, "✅ on the answer; Discord saw:\n%s", api.dump())
	require.Empty(t, api.reactionsOn(strangerMsg), "the refused answer is not marked sent")
	require.Equal(t, 0, c.stop(), c.stderr.String())

	recs, err = file.ReadOutbox(outbox)
	require.NoError(t, err)
	var replies []file.Record
	for _, r := range recs {
		if r.InReplyTo != "" {
			replies = append(replies, r)
		}
	}
	require.Len(t, recs, 2, "the post and one reply: %+v", recs)
	require.Len(t, replies, 1, "%+v", recs)
	require.Equal(t, "inbox:c1", replies[0].InReplyTo)
	require.Equal(t, "Yes, to Portugal too.", replies[0].Text)
}
