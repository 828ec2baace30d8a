package slack_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack/slacktest"
	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/slack"
	"github.com/crier-bot/crier/adapters/sqlite"
	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/criertest"
	"github.com/crier-bot/crier/internal/publish"
)

// fakeSlack is slack-go's slacktest server with the endpoints it lacks
// (its binders win): auth.test that can drop connections as an unreachable
// Slack does, users.info with per-user timezones, usergroups.users.list,
// chat.postMessage that can answer 429 with Retry-After, a response_url
// receiver, and a Socket Mode websocket (apps.connections.open → /socket).
// chat.update, reactions.add and the files.uploadV2 steps
// (files.getUploadURLExternal, a POST of the bytes to the upload_url,
// files.completeUploadExternal) follow Slack's method reference
// (docs.slack.dev/reference/methods: their arguments, answers and error
// codes message_not_found, already_reacted, file_not_found) and slack-go
// v0.36.0's files.go, which crier drives.
//
// conversations.history and conversations.replies follow Slack's method
// reference (docs.slack.dev/reference/methods/conversations.history and
// .../conversations.replies) and its pagination guide: a bot reads only
// channels it is a member of (not_in_channel); history lists a channel's
// top-level messages newest first (thread replies only live in their
// thread), replies lists a thread's parent and its replies oldest first
// (thread_not_found for an unknown ts); both keep only messages after
// oldest (at oldest too when inclusive), return a message's metadata only
// when include_all_metadata is set (chat.postMessage's metadata argument,
// {event_type, event_payload}, as sent), and return pages of at most
// pageSize messages even when limit asks for more (the reference allows
// fewer than limit before the end), with has_more and
// response_metadata.next_cursor ("" on the last page; an unknown cursor is
// invalid_cursor). A message's ts is the fake's now (real time unless a
// test sets it) in seconds, with a sequence number as its fraction.
//
// Files people upload are served at their url_private and
// url_private_download, as Slack's file object reference
// (docs.slack.dev/reference/objects/file-object) says: only to a request
// with "Authorization: Bearer <token>" whose token may read files
// (files:read); without it, Slack redirects to the workspace's sign-in page
// with redir set to the file's path, an HTML page answered 200 (slack-go
// v0.36.0 misc.go downloadFile, which crier drives, names that page). A
// message with files arrives as Slack's file_share message event
// (docs.slack.dev/reference/events/message/file_share): subtype file_share,
// upload true, and files[] of file objects with id, name, title, mimetype,
// filetype, size, url_private and url_private_download.
type fakeSlack struct {
	*slacktest.Server

	mu          sync.Mutex
	timezones   map[string]string
	groups      map[string][]string
	posts       []url.Values
	responses   []map[string]any
	userLookups int
	limitNext   int             // answer this many chat.postMessage calls with 429 first
	retryAfter  string          // the 429's Retry-After; "" means "1"
	limited     int             // chat.postMessage calls answered 429
	loseNext    bool            // record the next message but answer 500, as a timeout after Slack posted would
	missing     map[string]bool // channels that do not exist
	views       []map[string]any
	slowUsers   time.Duration // users.info waits this long
	ephemerals  []url.Values
	members     map[string]bool // channels crier has joined
	private     map[string]bool // private channels (cannot be joined)
	authDown    int             // drop this many auth.test connections first, as an unreachable Slack
	authCalls   int
	updates     []url.Values
	reactions   []url.Values
	uploads     map[string]fakeUpload // file id → the upload
	shared      []url.Values          // files.completeUploadExternal calls that shared files
	at          time.Time             // the time new messages' ts tell; zero: time.Now()
	pageSize    int                   // most messages in a history or replies page; 0 means 3
	limitReads  int                   // answer this many history/replies calls with 429 first
	reads       []url.Values          // conversations.history and conversations.replies calls
	stripMeta   bool                  // drop include_all_metadata from reads, as a client that does not send it
	files       map[string][]byte     // files people uploaded: id → bytes
	downloads   []string              // file ids served (with a token that may read them)
	noFilesRead bool                  // the bot token lacks files:read: file URLs send it to the sign-in page

	upgrader websocket.Upgrader
	conns    chan *websocket.Conn
}

func newFakeSlack(t *testing.T) *fakeSlack {
	t.Helper()
	f := &fakeSlack{timezones: map[string]string{}, groups: map[string][]string{}, missing: map[string]bool{}, members: map[string]bool{}, private: map[string]bool{}, uploads: map[string]fakeUpload{}, files: map[string][]byte{}, conns: make(chan *websocket.Conn, 4)}
	f.upgrader.CheckOrigin = func(*http.Request) bool { return true }
	f.Server = slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/auth.test", f.authTest)
		c.Handle("/users.info", f.usersInfo)
		c.Handle("/usergroups.users.list", f.groupMembers)
		c.Handle("/chat.postMessage", f.postMessage)
		c.Handle("/conversations.history", f.history)
		c.Handle("/conversations.replies", f.replies)
		c.Handle("/conversations.join", f.join)
		c.Handle("/views.open", f.viewsOpen)
		c.Handle("/chat.postEphemeral", f.postEphemeral)
		c.Handle("/chat.getPermalink", f.permalink)
		c.Handle("/response/", f.response)
		c.Handle("/apps.connections.open", f.connectionsOpen)
		c.Handle("/socket", f.socket)
		c.Handle("/chat.update", f.update)
		c.Handle("/reactions.add", f.react)
		c.Handle("/files.getUploadURLExternal", f.uploadURL)
		c.Handle("/upload/", f.uploadBytes)
		c.Handle("/files.completeUploadExternal", f.completeUpload)
		c.Handle("/files-pri/", f.filePrivate)
		c.Handle("/signin", f.signin)
	})
	f.Start()
	t.Cleanup(f.Stop)
	return f
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// botUserID is the bot's user id the fake's auth.test reports.
const botUserID = "U0CRIERBOT"

func (f *fakeSlack) authTest(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.authCalls++
	down := f.authDown > 0
	if down {
		f.authDown--
	}
	f.mu.Unlock()
	if down {
		panic(http.ErrAbortHandler) // the connection drops without an answer
	}
	_ = r.ParseForm()
	if r.Header.Get("Authorization") != "Bearer xoxb-test" && r.Form.Get("token") != "xoxb-test" {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return
	}
	writeJSON(w, map[string]any{"ok": true, "url": "https://crier-test.slack.com/", "team": "Crier Test",
		"user": "crier", "team_id": "T1", "user_id": botUserID, "bot_id": "B0CRIER"})
}

func (f *fakeSlack) usersInfo(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	id := r.Form.Get("user")
	f.mu.Lock()
	f.userLookups++
	tz, ok := f.timezones[id]
	slow := f.slowUsers
	f.mu.Unlock()
	time.Sleep(slow)
	if !ok {
		writeJSON(w, map[string]any{"ok": false, "error": "user_not_found"})
		return
	}
	writeJSON(w, map[string]any{"ok": true, "user": map[string]any{"id": id, "name": "user-" + id, "tz": tz}})
}

func (f *fakeSlack) groupMembers(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f.mu.Lock()
	members, ok := f.groups[r.Form.Get("usergroup")]
	f.mu.Unlock()
	if !ok {
		writeJSON(w, map[string]any{"ok": false, "error": "no_such_subteam"})
		return
	}
	writeJSON(w, map[string]any{"ok": true, "users": members})
}

func (f *fakeSlack) postMessage(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.limitNext > 0 {
		f.limitNext--
		f.limited++
		retryAfter := f.retryAfter
		if retryAfter == "" {
			retryAfter = "1"
		}
		w.Header().Set("Retry-After", retryAfter)
		w.WriteHeader(http.StatusTooManyRequests)
		writeJSON(w, map[string]any{"ok": false, "error": "ratelimited"})
		return
	}
	if f.missing[r.Form.Get("channel")] {
		writeJSON(w, map[string]any{"ok": false, "error": "channel_not_found"})
		return
	}
	f.posts = append(f.posts, r.Form)
	now := f.at
	if now.IsZero() {
		now = time.Now()
	}
	ts := fmt.Sprintf("%d.%06d", now.Unix(), len(f.posts))
	r.Form.Set("_ts", ts)
	if f.loseNext {
		f.loseNext = false
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	writeJSON(w, map[string]any{"ok": true, "channel": r.Form.Get("channel"), "ts": ts})
}

// join answers conversations.join: public channels are joined, private ones
// are refused as Slack refuses them.
func (f *fakeSlack) join(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	ch := r.Form.Get("channel")
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.missing[ch]:
		writeJSON(w, map[string]any{"ok": false, "error": "channel_not_found"})
	case f.private[ch]:
		writeJSON(w, map[string]any{"ok": false, "error": "method_not_supported_for_channel_type"})
	default:
		f.members[ch] = true
		writeJSON(w, map[string]any{"ok": true, "channel": map[string]any{"id": ch}})
	}
}

// history answers conversations.history as Slack does for a bot token: only
// in channels it is a member of, top-level messages newest first.
func (f *fakeSlack) history(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.read(w, r) {
		return
	}
	var msgs []url.Values
	for i := len(f.posts) - 1; i >= 0; i-- {
		p := f.posts[i]
		if p.Get("channel") == r.Form.Get("channel") && (p.Get("thread_ts") == "" || p.Get("reply_broadcast") == "true") {
			msgs = append(msgs, p)
		}
	}
	f.page(w, r, msgs)
}

// replies answers conversations.replies: the thread's parent and its
// replies, oldest first.
func (f *fakeSlack) replies(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.read(w, r) {
		return
	}
	ts := r.Form.Get("ts")
	parent := f.message(r.Form.Get("channel"), ts)
	if parent == nil || parent.Get("thread_ts") != "" {
		writeJSON(w, map[string]any{"ok": false, "error": "thread_not_found"})
		return
	}
	msgs := []url.Values{parent}
	for _, p := range f.posts {
		if p.Get("channel") == r.Form.Get("channel") && p.Get("thread_ts") == ts {
			msgs = append(msgs, p)
		}
	}
	f.page(w, r, msgs)
}

// read records a history or replies call and answers what Slack answers
// before reading: 429 while limitReads lasts, not_in_channel outside the
// bot's channels. It reports whether to go on.
func (f *fakeSlack) read(w http.ResponseWriter, r *http.Request) bool {
	if f.stripMeta {
		r.Form.Del("include_all_metadata")
	}
	f.reads = append(f.reads, r.Form)
	if f.limitReads > 0 {
		f.limitReads--
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
		writeJSON(w, map[string]any{"ok": false, "error": "ratelimited"})
		return false
	}
	if !f.members[r.Form.Get("channel")] {
		writeJSON(w, map[string]any{"ok": false, "error": "not_in_channel"})
		return false
	}
	return true
}

// page answers one page of msgs (in the order Slack lists them) after
// oldest, from the cursor on.
func (f *fakeSlack) page(w http.ResponseWriter, r *http.Request, msgs []url.Values) {
	oldest, _ := strconv.ParseFloat(r.Form.Get("oldest"), 64)
	inclusive := r.Form.Get("inclusive") == "1" || r.Form.Get("inclusive") == "true"
	withMeta := r.Form.Get("include_all_metadata") == "1" || r.Form.Get("include_all_metadata") == "true"
	var kept []map[string]any
	for _, p := range msgs {
		ts, _ := strconv.ParseFloat(p.Get("_ts"), 64)
		if ts < oldest || (ts == oldest && !inclusive) {
			continue
		}
		m := map[string]any{"type": "message", "text": p.Get("text"), "ts": p.Get("_ts"), "user": botUserID, "bot_id": "B0CRIER"}
		if p.Get("thread_ts") != "" {
			m["thread_ts"] = p.Get("thread_ts")
			m["parent_user_id"] = botUserID
		}
		if withMeta && p.Get("metadata") != "" {
			var md map[string]any
			_ = json.Unmarshal([]byte(p.Get("metadata")), &md)
			m["metadata"] = md
		}
		kept = append(kept, m)
	}
	start := 0
	if c := r.Form.Get("cursor"); c != "" {
		var ok bool
		if start, ok = decodeCursor(c); !ok || start <= 0 || start > len(kept) {
			writeJSON(w, map[string]any{"ok": false, "error": "invalid_cursor"})
			return
		}
	}
	size := f.pageSize
	if size == 0 {
		size = 3
	}
	if limit, err := strconv.Atoi(r.Form.Get("limit")); err == nil && limit > 0 && limit < size {
		size = limit
	}
	end := min(start+size, len(kept))
	next := ""
	if end < len(kept) {
		next = base64.StdEncoding.EncodeToString([]byte("next:" + strconv.Itoa(end)))
	}
	writeJSON(w, map[string]any{"ok": true, "messages": kept[start:end], "has_more": next != "",
		"response_metadata": map[string]any{"next_cursor": next}})
}

// decodeCursor reads a next_cursor the fake gave: the offset of the next
// page's first message.
func decodeCursor(c string) (int, bool) {
	raw, err := base64.StdEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	n, ok := strings.CutPrefix(string(raw), "next:")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(n)
	return i, err == nil
}

// viewsOpen records the modal crier opens; Slack requires a trigger_id.
func (f *fakeSlack) viewsOpen(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		_ = json.NewDecoder(r.Body).Decode(&body)
	} else {
		_ = r.ParseForm()
		body = map[string]any{"trigger_id": r.Form.Get("trigger_id")}
		var view map[string]any
		_ = json.Unmarshal([]byte(r.Form.Get("view")), &view)
		body["view"] = view
	}
	if body["trigger_id"] == "" || body["trigger_id"] == nil {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_trigger_id"})
		return
	}
	f.mu.Lock()
	f.views = append(f.views, body)
	f.mu.Unlock()
	writeJSON(w, map[string]any{"ok": true, "view": map[string]any{"id": "V1"}})
}

func (f *fakeSlack) postEphemeral(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f.mu.Lock()
	f.ephemerals = append(f.ephemerals, r.Form)
	f.mu.Unlock()
	writeJSON(w, map[string]any{"ok": true, "message_ts": "1700000000.000900"})
}

func (f *fakeSlack) permalink(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	writeJSON(w, map[string]any{"ok": true, "channel": r.Form.Get("channel"),
		"permalink": "https://crier-test.slack.com/archives/" + r.Form.Get("channel") + "/p" + strings.ReplaceAll(r.Form.Get("message_ts"), ".", "")})
}

func (f *fakeSlack) response(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	_ = json.NewDecoder(r.Body).Decode(&body)
	body["_path"] = r.URL.Path
	f.mu.Lock()
	f.responses = append(f.responses, body)
	f.mu.Unlock()
	_, _ = io.WriteString(w, "ok")
}

func (f *fakeSlack) connectionsOpen(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer xapp-test" {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return
	}
	writeJSON(w, map[string]any{"ok": true, "url": "ws://" + f.ServerAddr + "/socket"})
}

func (f *fakeSlack) socket(w http.ResponseWriter, r *http.Request) {
	c, err := f.upgrader.Upgrade(w, r, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fake slack: upgrade:", err)
		return
	}
	_ = c.WriteJSON(map[string]any{"type": "hello", "num_connections": 1,
		"connection_info": map[string]any{"app_id": "A1"}, "debug_info": map[string]any{"host": "fake"}})
	f.conns <- c
}

// fakeUpload is a file announced with files.getUploadURLExternal.
type fakeUpload struct {
	name, alt string
	length    int
	data      []byte // nil until its bytes are posted to the upload_url
}

// message returns the posted message with ts, if any.
func (f *fakeSlack) message(channel, ts string) url.Values {
	for _, p := range f.posts {
		if p.Get("channel") == channel && p.Get("_ts") == ts {
			return p
		}
	}
	return nil
}

// update answers chat.update: a message the bot posted gets its text and
// blocks replaced; another is message_not_found.
func (f *fakeSlack) update(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.message(r.Form.Get("channel"), r.Form.Get("ts"))
	if m == nil {
		writeJSON(w, map[string]any{"ok": false, "error": "message_not_found"})
		return
	}
	f.updates = append(f.updates, r.Form)
	m.Set("text", r.Form.Get("text"))
	m.Set("blocks", r.Form.Get("blocks"))
	writeJSON(w, map[string]any{"ok": true, "channel": r.Form.Get("channel"), "ts": r.Form.Get("ts"), "text": r.Form.Get("text")})
}

// react answers reactions.add: once per message and name
// (already_reacted after), message_not_found for an unknown message.
func (f *fakeSlack) react(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.message(r.Form.Get("channel"), r.Form.Get("timestamp")) == nil {
		writeJSON(w, map[string]any{"ok": false, "error": "message_not_found"})
		return
	}
	for _, x := range f.reactions {
		if x.Get("channel") == r.Form.Get("channel") && x.Get("timestamp") == r.Form.Get("timestamp") && x.Get("name") == r.Form.Get("name") {
			writeJSON(w, map[string]any{"ok": false, "error": "already_reacted"})
			return
		}
	}
	f.reactions = append(f.reactions, r.Form)
	writeJSON(w, map[string]any{"ok": true})
}

// uploadURL answers files.getUploadURLExternal: an upload_url on the fake
// and a file id.
func (f *fakeSlack) uploadURL(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	length, err := strconv.Atoi(r.Form.Get("length"))
	if r.Form.Get("filename") == "" || err != nil || length <= 0 {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_arguments"})
		return
	}
	f.mu.Lock()
	id := fmt.Sprintf("F%07d", len(f.uploads)+1)
	f.uploads[id] = fakeUpload{name: r.Form.Get("filename"), alt: r.Form.Get("alt_txt"), length: length}
	f.mu.Unlock()
	writeJSON(w, map[string]any{"ok": true, "upload_url": f.GetAPIURL() + "upload/" + id, "file_id": id})
}

// uploadBytes receives a file's bytes, raw or as a multipart form's file,
// and answers "OK - <length>" as Slack's upload_url does.
func (f *fakeSlack) uploadBytes(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/upload/")
	var data []byte
	if err := r.ParseMultipartForm(1 << 20); err == nil && r.MultipartForm != nil && len(r.MultipartForm.File["file"]) > 0 {
		fh, err := r.MultipartForm.File["file"][0].Open()
		if err == nil {
			data, _ = io.ReadAll(fh)
			_ = fh.Close()
		}
	} else {
		data, _ = io.ReadAll(r.Body)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	u, ok := f.uploads[id]
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	u.data = data
	f.uploads[id] = u
	_, _ = fmt.Fprintf(w, "OK - %d", len(data))
}

// completeUpload answers files.completeUploadExternal: every file must have
// been uploaded; with channel_id they are shared there (in thread_ts).
func (f *fakeSlack) completeUpload(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	var files []map[string]string
	if err := json.Unmarshal([]byte(r.Form.Get("files")), &files); err != nil || len(files) == 0 {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_arguments"})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []map[string]any
	for _, file := range files {
		if u, ok := f.uploads[file["id"]]; !ok || u.data == nil {
			writeJSON(w, map[string]any{"ok": false, "error": "file_not_found"})
			return
		}
		out = append(out, map[string]any{"id": file["id"], "title": file["title"]})
	}
	if r.Form.Get("channel_id") != "" {
		f.shared = append(f.shared, r.Form)
	}
	writeJSON(w, map[string]any{"ok": true, "files": out})
}

// share stores a file a person uploads and returns its file object, as a
// file_share message event carries it.
func (f *fakeSlack) share(name, mimetype string, data []byte) map[string]any {
	f.mu.Lock()
	id := fmt.Sprintf("FUP%05d", len(f.files)+1)
	f.files[id] = data
	f.mu.Unlock()
	base := f.GetAPIURL() + "files-pri/T1-" + id + "/"
	return map[string]any{"id": id, "created": 1700000000, "timestamp": 1700000000, "name": name, "title": name,
		"mimetype": mimetype, "filetype": "csv", "pretty_type": "CSV", "user": "U_ANA", "mode": "hosted",
		"size": len(data), "is_external": false, "is_public": true,
		"url_private": base + name, "url_private_download": base + "download/" + name,
		"permalink": "https://crier-test.slack.com/files/U_ANA/" + id + "/" + name}
}

// filePrivate serves an uploaded file at its url_private
// (/files-pri/T1-<id>/<name>) or url_private_download
// (/files-pri/T1-<id>/download/<name>) to the bot's token; any other
// request is redirected to the sign-in page.
func (f *fakeSlack) filePrivate(w http.ResponseWriter, r *http.Request) {
	id, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/files-pri/T1-"), "/")
	f.mu.Lock()
	may := !f.noFilesRead
	f.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer xoxb-test" || !may {
		http.Redirect(w, r, "/signin?redir="+url.QueryEscape(r.URL.Path), http.StatusFound)
		return
	}
	f.mu.Lock()
	data, ok := f.files[id]
	if ok {
		f.downloads = append(f.downloads, id)
	}
	f.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(data)
}

func (f *fakeSlack) signin(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = io.WriteString(w, "<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in to Crier Test</body></html>")
}

func (f *fakeSlack) downloaded() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.downloads...)
}

func (f *fakeSlack) ephemeralsCopy() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.ephemerals...)
}

func (f *fakeSlack) responseURL(id string) string { return f.GetAPIURL() + "response/" + id }

func (f *fakeSlack) waitResponses(t *testing.T, n int) []map[string]any {
	t.Helper()
	var out []map[string]any
	require.Eventually(t, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		out = append([]map[string]any(nil), f.responses...)
		return len(out) >= n
	}, 5*time.Second, 10*time.Millisecond)
	return out
}

func (f *fakeSlack) postsCopy() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.posts...)
}

// world is crier's core on a real store, for the adapter to drive.
type world struct {
	db     *sqlite.DB
	pub    *publish.Service
	router *commands.Router
}

func newWorld(t *testing.T) *world {
	t.Helper()
	b := criertest.Setup(t, criertest.WithClock(crier.SystemClock{}),
		criertest.WithTimezone("Europe/Bucharest"))
	return &world{db: b.DB, pub: b.Publish, router: b.Router}
}

// maybe schedules a post for the sandbox network and leaves its delivery
// waiting for a person's decision, as the publish worker does when an
// outcome is unknown; it returns the post's id.
func (w *world) maybe(t *testing.T) int64 {
	t.Helper()
	ctx := context.Background()
	p := &crier.Post{Text: "Launch day!", DueAt: time.Now().Add(time.Hour), Origin: crier.ChannelRef{Platform: "slack", ID: "C0LAUNCH1"}}
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

const secret = "8f742231b10e8888abcd99yyyzzz85a5"

// newAdapter connects an HTTP-mode adapter to the fake and returns it.
func newAdapter(t *testing.T, f *fakeSlack, w *world, mode string) *slack.Adapter {
	t.Helper()
	a, err := slack.New(slack.Options{
		Mode: mode, BotToken: "xoxb-test", AppToken: "xapp-test", SigningSecret: secret, APIURL: f.GetAPIURL(),
		Router: w.router, Timezone: "Europe/Bucharest",
		Roles: map[crier.Role][]string{crier.RoleScheduler: {"U_ANA", "S_TEAM"}},
	})
	require.NoError(t, err)
	require.NoError(t, a.Connect(context.Background()))
	return a
}

func newAdapterWithTokens(f *fakeSlack, w *world, bot, app string) (*slack.Adapter, error) {
	return slack.New(slack.Options{Mode: "socket", BotToken: bot, AppToken: app, APIURL: f.GetAPIURL(), Router: w.router})
}
