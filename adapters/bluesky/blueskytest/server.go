// Package blueskytest is a fake Bluesky PDS (with the AppView calls it
// proxies) for tests: an httptest.Server that answers the XRPC calls crier
// makes the way bsky.social does — paths, status codes, error bodies,
// rate-limit headers, cursors — keeps what was posted, and can fail on
// purpose (seeded, so a failing run can be replayed).
//
// It follows the reference PDS, bluesky-social/atproto packages/pds:
// app.bsky.* reads go to the AppView the PDS is set up with when they carry
// no atproto-proxy header (pipethrough.ts parseProxyInfo → defaultService);
// a header is resolved as parseProxyHeader does: a malformed one is 400
// InvalidRequest, a DID whose document has no such service is 400 "could
// not resolve proxy did service url", a DID not found is 400 "could not
// resolve proxy did", and a did:web the PDS cannot reach (api.bsky.app
// from a PDS with no way out, as in @atproto/dev-env) is 500, the resolver's
// network error surfacing as InternalServerError. getRecord answers as the
// PDS's getRecord.ts does for its own repo and the AppView's getRecord.ts
// (piped through) for any other: 400 RecordNotFound for a record that is
// not there or was deleted (Delete), 400 InvalidRequest "Could not find
// repo" for an account the AppView does not know. Writes check a record
// against its lexicon only (repo/prepare.ts): a reply whose parent does not
// exist is stored, as on the reference PDS.
package blueskytest

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/clipperhouse/uax29/v2/graphemes"
)

// Collection is the NSID of Bluesky posts.
const Collection = "app.bsky.feed.post"

// AppViewDID is the DID of the fake's own AppView, and AppViewService the
// atproto-proxy value that names it; a read without a header goes there too.
const (
	AppViewDID     = "did:web:appview.test"
	AppViewService = AppViewDID + "#bsky_appview"
)

// Account states for SetAccountState.
const (
	StateActive      = ""
	StateTakendown   = "takendown"
	StateDeactivated = "deactivated"
)

// FaultMode is a way for putRecord to fail.
type FaultMode int

// The putRecord faults.
const (
	// Fault500BeforeStore answers 500 without storing the record.
	Fault500BeforeStore FaultMode = iota + 1
	// Fault500AfterStore stores the record, then answers 500.
	Fault500AfterStore
	// Fault429 answers 429 with ratelimit-* headers, without storing.
	Fault429
	// Fault429NoHeader answers 429 with no header saying when to retry.
	Fault429NoHeader
	// FaultHangAfterStore stores the record, then never answers (until the
	// client gives up or the server closes).
	FaultHangAfterStore
	// FaultMalformedJSONAfterStore stores the record, then answers 200 with
	// a body cut short.
	FaultMalformedJSONAfterStore
)

// AllFaults returns every fault mode.
func AllFaults() []FaultMode {
	return []FaultMode{Fault500BeforeStore, Fault500AfterStore, Fault429, Fault429NoHeader, FaultHangAfterStore, FaultMalformedJSONAfterStore}
}

// Faults makes a share of putRecord calls fail.
type Faults struct {
	Rate  float64     // share of putRecord calls that fail, 0 to 1
	Seed  int64       // seeds the choice, so a run can be replayed
	Modes []FaultMode // the faults to choose from; all when empty
	// ResetAfter is how far ahead Fault429 puts ratelimit-reset (0: the
	// current second, so a client need not wait).
	ResetAfter time.Duration
}

// Post is a record stored in a repo of the fake.
type Post struct {
	URI         string
	CID         string
	Rkey        string
	AuthorDID   string
	Text        string
	Record      json.RawMessage // as stored (the JSON the client sent)
	ReplyRoot   string          // at:// URI, "" when not a reply
	ReplyParent string
	Updates     int // times putRecord changed it after creating it
	IndexedAt   time.Time
}

// Notification is one entry for listNotifications, made by AddNotification.
type Notification struct {
	Reason        string // "reply", "mention", "quote", "like", "repost", "follow"
	AuthorHandle  string // made a user of the fake when unknown
	AuthorName    string
	Text          string // the post's text (replies, mentions, quotes)
	ReplyRoot     string // at:// URI of the thread's first post (replies)
	ReplyParent   string // at:// URI of the post answered (replies)
	ReasonSubject string // the post liked, quoted, … (optional)
	IndexedAt     time.Time
	// CreatedAt is the record's createdAt, as the author's client set it
	// (IndexedAt when zero). The AppView sorts notifications by the earlier
	// of the two, so a reply from a slow clock, or relayed late, sorts
	// before notifications that were indexed before it.
	CreatedAt time.Time
}

type user struct {
	did, handle, name  string
	followers, follows int
}

type token struct {
	did     string
	refresh bool
	expired bool
	revoked bool
}

type blob struct {
	mime string
	size int
}

type notification struct {
	uri, cid, reason, subject, authorDID string
	record                               json.RawMessage
	indexedAt                            time.Time
	sortAt                               time.Time // min(createdAt, indexedAt)
}

type counts struct{ likes, reposts, quotes int }

// Server is a fake PDS. Its methods are safe for concurrent use.
type Server struct {
	URL      string // base URL, the PDS option
	Handle   string // the account crier posts as
	Password string // its app password
	DID      string

	srv       *httptest.Server
	closing   chan struct{}
	closeOnce sync.Once

	mu            sync.Mutex
	users         map[string]*user // by DID
	tokens        map[string]*token
	tokenSeq      int
	logins        int
	loginTries    int
	loginLimit    int
	refreshes     int
	state         string
	appViewDown   bool
	getRecordDown bool
	faults        Faults
	rng           *rand.Rand
	posts         map[string]*Post // by URI
	order         []string         // URIs in creation order
	creates       map[string]int   // creates per rkey in the account's repo
	updates       int
	invalidSwaps  int
	blobs         map[string]blob
	notes         []notification
	postCounts    map[string]counts
	calls         map[string]int
	proxyHeaders  map[string]int
	budget        int
	budgetReset   time.Time
	lastIndexedAt time.Time
	tidSeq        int64
}

//go:embed testdata/errors.json
var errorsJSON []byte

// New starts a fake PDS with one account, crier.test, whose app password
// is Password.
func New() *Server {
	s := &Server{
		Handle:       "crier.test",
		Password:     "abcd-efgh-ijkl-mnop",
		DID:          "did:plc:crierfake000000000000000",
		closing:      make(chan struct{}),
		users:        map[string]*user{},
		tokens:       map[string]*token{},
		loginLimit:   30, // bsky.social: 30 logins per 5 minutes
		posts:        map[string]*Post{},
		creates:      map[string]int{},
		blobs:        map[string]blob{},
		postCounts:   map[string]counts{},
		calls:        map[string]int{},
		proxyHeaders: map[string]int{},
		budget:       3000,
		rng:          rand.New(rand.NewSource(1)),
	}
	s.budgetReset = time.Now().Add(5 * time.Minute)
	s.users[s.DID] = &user{did: s.DID, handle: s.Handle, name: "Crier"}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the server; requests left hanging by FaultHangAfterStore end.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closing) })
	s.srv.Close()
}

// Client returns an http.Client for the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// AddUser adds another account and returns its DID (the same DID when the
// handle is known already).
func (s *Server) AddUser(handle string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addUserLocked(handle, "").did
}

func (s *Server) addUserLocked(handle, name string) *user {
	for _, u := range s.users {
		if strings.EqualFold(u.handle, handle) {
			return u
		}
	}
	sum := sha256.Sum256([]byte(strings.ToLower(handle)))
	u := &user{did: "did:plc:" + strings.ToLower(base32.StdEncoding.EncodeToString(sum[:15])), handle: strings.ToLower(handle), name: name}
	s.users[u.did] = u
	return u
}

// AddPost stores a post by another account (made a user when unknown), as
// an answer to replyTo when that is set, and returns its at:// URI.
func (s *Server) AddPost(authorHandle, text, replyTo string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.addUserLocked(authorHandle, "")
	rec := map[string]any{"$type": Collection, "text": text, "createdAt": time.Now().UTC().Format("2006-01-02T15:04:05.000Z")}
	if replyTo != "" {
		rec["reply"] = s.replyLocked(replyTo)
	}
	raw, _ := json.Marshal(rec)
	p := s.storeLocked(u.did, s.nextTIDLocked(), raw)
	return p.URI
}

// replyLocked builds the reply refs of an answer to parentURI.
func (s *Server) replyLocked(parentURI string) map[string]any {
	parent := s.posts[parentURI]
	if parent == nil {
		return map[string]any{"root": map[string]string{"uri": parentURI, "cid": fakeCID("bafyrei", []byte(parentURI))}, "parent": map[string]string{"uri": parentURI, "cid": fakeCID("bafyrei", []byte(parentURI))}}
	}
	pref := map[string]string{"uri": parent.URI, "cid": parent.CID}
	root := pref
	if parent.ReplyRoot != "" {
		if r := s.posts[parent.ReplyRoot]; r != nil {
			root = map[string]string{"uri": r.URI, "cid": r.CID}
		}
	}
	return map[string]any{"root": root, "parent": pref}
}

// AddNotification adds a notification for the account and returns the URI
// of the post behind it (for replies, mentions and quotes, which are stored
// as posts of their author). IndexedAt defaults to now, and notifications
// always get later indexedAt times in the order they are added; their sort
// time is the earlier of CreatedAt and IndexedAt, as on the AppView.
func (s *Server) AddNotification(n Notification) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.addUserLocked(n.AuthorHandle, n.AuthorName)
	if n.AuthorName != "" {
		u.name = n.AuthorName
	}
	at := n.IndexedAt
	if at.IsZero() {
		at = time.Now()
	}
	at = at.UTC().Truncate(time.Millisecond)
	if !at.After(s.lastIndexedAt) {
		at = s.lastIndexedAt.Add(time.Millisecond)
	}
	s.lastIndexedAt = at
	created := at
	if !n.CreatedAt.IsZero() {
		created = n.CreatedAt.UTC().Truncate(time.Millisecond)
	}
	sortAt := at
	if created.Before(at) {
		sortAt = created
	}
	note := notification{reason: n.Reason, subject: n.ReasonSubject, authorDID: u.did, indexedAt: at, sortAt: sortAt}
	switch n.Reason {
	case "reply", "mention", "quote":
		rec := map[string]any{"$type": Collection, "text": n.Text, "createdAt": created.Format("2006-01-02T15:04:05.000Z")}
		if n.Reason == "reply" {
			rec["reply"] = map[string]any{
				"root":   map[string]string{"uri": n.ReplyRoot, "cid": s.cidOfLocked(n.ReplyRoot)},
				"parent": map[string]string{"uri": n.ReplyParent, "cid": s.cidOfLocked(n.ReplyParent)},
			}
		}
		if n.Reason == "quote" && n.ReasonSubject != "" {
			rec["embed"] = map[string]any{"$type": "app.bsky.embed.record", "record": map[string]string{"uri": n.ReasonSubject, "cid": s.cidOfLocked(n.ReasonSubject)}}
		}
		raw, _ := json.Marshal(rec)
		p := s.storeLocked(u.did, s.nextTIDLocked(), raw)
		p.IndexedAt = at
		note.uri, note.cid, note.record = p.URI, p.CID, raw
	default:
		rec := map[string]any{"$type": "app.bsky.feed." + n.Reason, "createdAt": created.Format("2006-01-02T15:04:05.000Z")}
		if n.ReasonSubject != "" {
			rec["subject"] = map[string]string{"uri": n.ReasonSubject, "cid": s.cidOfLocked(n.ReasonSubject)}
		}
		raw, _ := json.Marshal(rec)
		note.uri = "at://" + u.did + "/app.bsky.feed." + n.Reason + "/" + s.nextTIDLocked()
		note.cid, note.record = fakeCID("bafyrei", raw), raw
	}
	s.notes = append(s.notes, note)
	return note.uri
}

func (s *Server) cidOfLocked(uri string) string {
	if p := s.posts[uri]; p != nil {
		return p.CID
	}
	return fakeCID("bafyrei", []byte(uri))
}

// Delete removes the post at uri as its author would (deleteRecord on
// their PDS): getRecord no longer finds it, and its notification is gone
// (the AppView deletes the notifications of a deleted record, and
// listNotifications skips those whose record is missing). Posts that
// answer it stay, as on the network. It reports whether there was a post.
func (s *Server) Delete(uri string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.posts[uri]; !ok {
		return false
	}
	delete(s.posts, uri)
	s.order = slices.DeleteFunc(s.order, func(u string) bool { return u == uri })
	s.notes = slices.DeleteFunc(s.notes, func(n notification) bool { return n.uri == uri })
	return true
}

// SetAccountState takes the account down or deactivates it (or, with
// StateActive, restores it).
func (s *Server) SetAccountState(state string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state = state
}

// ExpireAccessTokens makes every access token issued so far expired: the
// next call with one gets 400 ExpiredToken.
func (s *Server) ExpireAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tokens {
		if !t.refresh {
			t.expired = true
		}
	}
}

// ExpireRefreshTokens makes every refresh token issued so far expired, so
// the client must log in again.
func (s *Server) ExpireRefreshTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tokens {
		if t.refresh {
			t.expired = true
		}
	}
}

// Logins returns how many sessions createSession made.
func (s *Server) Logins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins
}

// Refreshes returns how many sessions refreshSession renewed.
func (s *Server) Refreshes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refreshes
}

// SetLoginLimit sets how many createSession calls are allowed before 429
// (30 by default, like bsky.social's five-minute limit; it never resets).
func (s *Server) SetLoginLimit(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loginLimit = n
}

// SetAppViewDown makes the calls proxied to the AppView (getProfile,
// getPosts, listNotifications, and getRecord of a repo not hosted here)
// answer 502 UpstreamFailure.
func (s *Server) SetAppViewDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.appViewDown = down
}

// SetGetRecordDown makes getRecord answer 500, so a client that checks
// after an unclear putRecord gets no answer either.
func (s *Server) SetGetRecordDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.getRecordDown = down
}

// SetFaults makes a share of later putRecord calls fail.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(f.Modes) == 0 {
		f.Modes = AllFaults()
	}
	s.faults = f
	s.rng = rand.New(rand.NewSource(f.Seed))
}

// SetRateLimit sets the rate-limit budget every response reports: the next
// remaining calls succeed (the last one saying ratelimit-remaining: 0) and
// later calls get 429 until reset.
func (s *Server) SetRateLimit(remaining int, reset time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.budget, s.budgetReset = remaining, reset
}

// SetProfileCounts sets the account's follower and follow counts.
func (s *Server) SetProfileCounts(followers, follows int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[s.DID]
	u.followers, u.follows = followers, follows
}

// SetPostCounts sets the likes, reposts and quotes of a post.
func (s *Server) SetPostCounts(uri string, likes, reposts, quotes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.postCounts[uri] = counts{likes, reposts, quotes}
}

// Posts returns the posts in the account's repo, in the order they were
// created.
func (s *Server) Posts() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Post
	for _, uri := range s.order {
		if p := s.posts[uri]; p.AuthorDID == s.DID {
			cp := *p
			cp.Record = append(json.RawMessage(nil), p.Record...)
			out = append(out, cp)
		}
	}
	return out
}

// Post returns the post at uri, if any.
func (s *Server) Post(uri string) (Post, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.posts[uri]
	if !ok {
		return Post{}, false
	}
	cp := *p
	cp.Record = append(json.RawMessage(nil), p.Record...)
	return cp, true
}

// CreatesByKey returns, per record key of the account's repo, how many
// posts were created there (putRecord or createRecord at a free key):
// anything above 1 is a duplicate.
func (s *Server) CreatesByKey() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.creates))
	for k, v := range s.creates {
		out[k] = v
	}
	return out
}

// Updates returns how many times putRecord replaced a record with a
// different one.
func (s *Server) Updates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.updates
}

// InvalidSwaps returns how many putRecord calls were refused with
// InvalidSwap: a write at a key that holds a different record.
func (s *Server) InvalidSwaps() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.invalidSwaps
}

// Calls returns how many requests reached the XRPC method nsid.
func (s *Server) Calls(nsid string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[nsid]
}

// ProxyHeaders returns, per atproto-proxy value ("" for none), how many
// app.bsky.* calls carried it.
func (s *Server) ProxyHeaders() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.proxyHeaders))
	for k, v := range s.proxyHeaders {
		out[k] = v
	}
	return out
}

// ---- HTTP ----

type xrpcErrorDoc struct {
	Status int `json:"status"`
	Body   struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	} `json:"body"`
}

// fail writes one of the recorded error answers of testdata/errors.json.
func fail(w http.ResponseWriter, name string, args ...any) {
	var docs map[string]json.RawMessage
	if err := json.Unmarshal(errorsJSON, &docs); err != nil {
		panic(err)
	}
	var d xrpcErrorDoc
	if err := json.Unmarshal(docs[name], &d); err != nil || d.Status == 0 {
		panic("blueskytest: no recorded error " + name)
	}
	msg := d.Body.Message
	if strings.Contains(msg, "%s") {
		msg = fmt.Sprintf(msg, args...)
	}
	writeJSON(w, d.Status, map[string]string{"error": d.Body.Error, "message": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// appView reports the methods the PDS proxies to the Bluesky AppView.
func appView(nsid string) bool {
	switch nsid {
	case "app.bsky.actor.getProfile", "app.bsky.feed.getPosts", "app.bsky.notification.listNotifications":
		return true
	}
	return false
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	nsid, ok := strings.CutPrefix(r.URL.Path, "/xrpc/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	s.calls[nsid]++
	limited := s.rateLimitLocked(w)
	down := s.appViewDown
	proxy := r.Header.Get("atproto-proxy")
	if appView(nsid) {
		s.proxyHeaders[proxy]++
	}
	s.mu.Unlock()
	if limited {
		fail(w, "RateLimitExceeded")
		return
	}
	if appView(nsid) {
		if proxy != "" && !s.resolveProxy(w, proxy) {
			return
		}
		if down {
			fail(w, "UpstreamFailure")
			return
		}
	}
	switch r.Method + " " + nsid {
	case "POST com.atproto.server.createSession":
		s.createSession(w, r)
	case "POST com.atproto.server.refreshSession":
		s.refreshSession(w, r)
	case "POST com.atproto.repo.putRecord":
		s.putRecord(w, r)
	case "POST com.atproto.repo.createRecord":
		s.createRecord(w, r)
	case "GET com.atproto.repo.getRecord":
		s.getRecord(w, r)
	case "POST com.atproto.repo.uploadBlob":
		s.uploadBlob(w, r)
	case "GET com.atproto.identity.resolveHandle":
		s.resolveHandle(w, r)
	case "GET app.bsky.actor.getProfile":
		s.getProfile(w, r)
	case "GET app.bsky.feed.getPosts":
		s.getPosts(w, r)
	case "GET app.bsky.notification.listNotifications":
		s.listNotifications(w, r)
	default:
		fail(w, "MethodNotImplemented")
	}
}

// resolveProxy resolves an atproto-proxy header as the reference PDS's
// parseProxyHeader does; it writes the error and returns false unless the
// header names the fake's AppView.
func (s *Server) resolveProxy(w http.ResponseWriter, proxy string) bool {
	hash := strings.IndexByte(proxy, '#')
	switch {
	case hash == 0:
		fail(w, "InvalidRequest", "no did specified in proxy header")
		return false
	case hash < 0 || hash == len(proxy)-1:
		fail(w, "InvalidRequest", "no service id specified in proxy header")
		return false
	case strings.IndexByte(proxy[hash+1:], '#') >= 0:
		fail(w, "InvalidRequest", "invalid proxy header format")
		return false
	case strings.Contains(proxy, " "):
		fail(w, "InvalidRequest", "proxy header cannot contain spaces")
		return false
	}
	did, service := proxy[:hash], proxy[hash:]
	s.mu.Lock()
	_, isUser := s.users[did]
	s.mu.Unlock()
	switch {
	case did == AppViewDID && service == "#bsky_appview":
		return true
	case did == AppViewDID || isUser:
		// The DID document is found but lists no such service.
		fail(w, "InvalidRequest", "could not resolve proxy did service url")
	case strings.HasPrefix(did, "did:plc:"):
		// The PLC directory answers 404: positively not found.
		fail(w, "InvalidRequest", "could not resolve proxy did")
	default:
		// did:web of a host the fake cannot reach: the resolver's network
		// error is not an XRPC error, so the PDS answers 500.
		fail(w, "InternalServerError")
	}
	return false
}

// rateLimitLocked sets the ratelimit-* headers of the global budget (3000
// calls per 5 minutes on bsky.social) and reports whether it is used up.
func (s *Server) rateLimitLocked(w http.ResponseWriter) bool {
	now := time.Now()
	if !now.Before(s.budgetReset) {
		s.budget, s.budgetReset = 3000, now.Add(5*time.Minute)
	}
	limited := s.budget <= 0
	if !limited {
		s.budget--
	}
	h := w.Header()
	h.Set("ratelimit-limit", "3000")
	h.Set("ratelimit-remaining", strconv.Itoa(max(s.budget, 0)))
	h.Set("ratelimit-reset", strconv.FormatInt(s.budgetReset.Unix(), 10))
	h.Set("ratelimit-policy", "3000;w=300")
	return limited
}

// auth checks the bearer token; it writes the error and returns "" when
// the call may not go on.
func (s *Server) auth(w http.ResponseWriter, r *http.Request, refresh bool) (did string, tok string) {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || tok == "" {
		fail(w, "AuthMissing")
		return "", ""
	}
	s.mu.Lock()
	t := s.tokens[tok]
	state := s.state
	s.mu.Unlock()
	switch {
	case t == nil || t.refresh != refresh:
		fail(w, "InvalidToken")
		return "", ""
	case t.revoked:
		fail(w, "RevokedToken")
		return "", ""
	case t.expired:
		fail(w, "ExpiredToken")
		return "", ""
	case state == StateTakendown:
		fail(w, "AccountTakedown")
		return "", ""
	case state == StateDeactivated && !refresh:
		fail(w, "AccountDeactivated")
		return "", ""
	}
	return t.did, tok
}

func (s *Server) newTokensLocked(did string) (access, refresh string) {
	s.tokenSeq++
	access = fmt.Sprintf("eyJfake.access-%d.%x", s.tokenSeq, s.rng.Int63())
	refresh = fmt.Sprintf("eyJfake.refresh-%d.%x", s.tokenSeq, s.rng.Int63())
	s.tokens[access] = &token{did: did}
	s.tokens[refresh] = &token{did: did, refresh: true}
	return access, refresh
}

func (s *Server) sessionBody(access, refresh string) map[string]any {
	body := map[string]any{
		"did": s.DID, "handle": s.Handle, "accessJwt": access, "refreshJwt": refresh,
		"email": "crier@example.com", "emailConfirmed": true, "active": s.state == StateActive,
	}
	if s.state != StateActive {
		body["status"] = s.state
	}
	return body
}

func (s *Server) createSession(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Identifier string `json:"identifier"`
		Password   string `json:"password"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		fail(w, "InvalidRequest", "Request body must be JSON")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loginTries++
	if s.loginTries > s.loginLimit {
		h := w.Header()
		h.Set("ratelimit-limit", "30")
		h.Set("ratelimit-remaining", "0")
		h.Set("ratelimit-reset", strconv.FormatInt(time.Now().Add(5*time.Minute).Unix(), 10))
		h.Set("ratelimit-policy", "30;w=300")
		fail(w, "RateLimitExceeded")
		return
	}
	id := strings.TrimPrefix(strings.ToLower(in.Identifier), "@")
	if (id != s.Handle && id != s.DID) || in.Password != s.Password {
		fail(w, "BadPassword")
		return
	}
	if s.state == StateTakendown {
		fail(w, "AccountTakedown")
		return
	}
	s.logins++
	access, refresh := s.newTokensLocked(s.DID)
	writeJSON(w, http.StatusOK, s.sessionBody(access, refresh))
}

func (s *Server) refreshSession(w http.ResponseWriter, r *http.Request) {
	did, tok := s.auth(w, r, true)
	if did == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[tok].revoked = true // refresh tokens are used once
	s.refreshes++
	access, refresh := s.newTokensLocked(did)
	writeJSON(w, http.StatusOK, s.sessionBody(access, refresh))
}

type putInput struct {
	Repo       string          `json:"repo"`
	Collection string          `json:"collection"`
	Rkey       string          `json:"rkey"`
	Validate   *bool           `json:"validate"`
	Record     json.RawMessage `json:"record"`
	// SwapRecord is the CID the record must have now; JSON null means it
	// must not exist (an identical record is a no-op, as on the reference
	// PDS, which compares before it swaps); absent means no check.
	SwapRecord json.RawMessage `json:"swapRecord"`
}

// readWrite decodes and checks a putRecord or createRecord body; it writes
// the error and returns false when the call may not go on.
func (s *Server) readWrite(w http.ResponseWriter, r *http.Request, needKey bool) (string, putInput, bool) {
	did, _ := s.auth(w, r, false)
	if did == "" {
		return "", putInput{}, false
	}
	var in putInput
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil {
		fail(w, "InvalidRequest", "Request body must be JSON")
		return "", putInput{}, false
	}
	if in.Repo != did && !strings.EqualFold(in.Repo, s.Handle) {
		fail(w, "WrongRepo")
		return "", putInput{}, false
	}
	if in.Collection != Collection {
		fail(w, "InvalidRequest", "this fake PDS stores only "+Collection)
		return "", putInput{}, false
	}
	if (needKey || in.Rkey != "") && !ValidTID(in.Rkey) {
		fail(w, "InvalidRecord", "Record/rkey must be a valid TID")
		return "", putInput{}, false
	}
	if msg := s.validatePost(in.Record); msg != "" {
		fail(w, "InvalidRecord", msg)
		return "", putInput{}, false
	}
	return did, in, true
}

func (s *Server) putRecord(w http.ResponseWriter, r *http.Request) {
	did, in, ok := s.readWrite(w, r, true)
	if !ok {
		return
	}
	s.mu.Lock()
	var fault FaultMode
	if s.faults.Rate > 0 && s.rng.Float64() < s.faults.Rate {
		fault = s.faults.Modes[s.rng.Intn(len(s.faults.Modes))]
	}
	resetAfter := s.faults.ResetAfter
	switch fault {
	case Fault500BeforeStore:
		s.mu.Unlock()
		fail(w, "InternalServerError")
		return
	case Fault429:
		s.mu.Unlock()
		w.Header().Set("ratelimit-remaining", "0")
		w.Header().Set("ratelimit-reset", strconv.FormatInt(time.Now().Add(resetAfter).Unix(), 10))
		fail(w, "RateLimitExceeded")
		return
	case Fault429NoHeader:
		s.mu.Unlock()
		for _, h := range []string{"ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "ratelimit-policy"} {
			w.Header().Del(h)
		}
		fail(w, "RateLimitExceeded")
		return
	}
	if in.SwapRecord != nil {
		uri := "at://" + did + "/" + Collection + "/" + in.Rkey
		if cur, ok := s.posts[uri]; ok && cur.CID != fakeCID("bafyrei", canonical(in.Record)) {
			var want string
			if string(in.SwapRecord) == "null" || json.Unmarshal(in.SwapRecord, &want) != nil || want != cur.CID {
				s.invalidSwaps++
				s.mu.Unlock()
				fail(w, "InvalidSwap", cur.CID)
				return
			}
		}
	}
	p := s.storeLocked(did, in.Rkey, in.Record)
	out := map[string]any{"uri": p.URI, "cid": p.CID, "commit": map[string]string{"cid": fakeCID("bafyrei", []byte(p.CID+p.URI)), "rev": s.nextTIDLocked()}, "validationStatus": "valid"}
	s.mu.Unlock()
	switch fault {
	case Fault500AfterStore:
		fail(w, "InternalServerError")
	case FaultHangAfterStore:
		select {
		case <-r.Context().Done():
		case <-s.closing:
		}
	case FaultMalformedJSONAfterStore:
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"uri":"`+p.URI[:len(p.URI)/2])
	default:
		writeJSON(w, http.StatusOK, out)
	}
}

func (s *Server) createRecord(w http.ResponseWriter, r *http.Request) {
	did, in, ok := s.readWrite(w, r, false)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if in.Rkey == "" {
		in.Rkey = s.nextTIDLocked()
	}
	if _, exists := s.posts["at://"+did+"/"+Collection+"/"+in.Rkey]; exists {
		// The reference PDS fails this way (bluesky-social/atproto#3718).
		fail(w, "InternalServerError")
		return
	}
	p := s.storeLocked(did, in.Rkey, in.Record)
	writeJSON(w, http.StatusOK, map[string]any{"uri": p.URI, "cid": p.CID, "validationStatus": "valid"})
}

// storeLocked creates or replaces the record at (did, rkey).
func (s *Server) storeLocked(did, rkey string, record json.RawMessage) *Post {
	uri := "at://" + did + "/" + Collection + "/" + rkey
	cid := fakeCID("bafyrei", canonical(record))
	var rec struct {
		Text  string `json:"text"`
		Reply *struct {
			Root   struct{ URI string } `json:"root"`
			Parent struct{ URI string } `json:"parent"`
		} `json:"reply"`
	}
	_ = json.Unmarshal(record, &rec)
	if p, ok := s.posts[uri]; ok {
		if p.CID != cid {
			p.CID, p.Record, p.Text = cid, append(json.RawMessage(nil), record...), rec.Text
			p.Updates++
			if did == s.DID {
				s.updates++
			}
		}
		return p
	}
	p := &Post{URI: uri, CID: cid, Rkey: rkey, AuthorDID: did, Text: rec.Text, Record: append(json.RawMessage(nil), record...), IndexedAt: time.Now().UTC()}
	if rec.Reply != nil {
		p.ReplyRoot, p.ReplyParent = rec.Reply.Root.URI, rec.Reply.Parent.URI
	}
	s.posts[uri] = p
	s.order = append(s.order, uri)
	if did == s.DID {
		s.creates[rkey]++
	}
	return p
}

// validatePost checks a post record as the PDS's lexicon validation does,
// plus facet ranges; it returns "" when the record is fine.
func (s *Server) validatePost(raw json.RawMessage) string {
	var rec struct {
		Type      string `json:"$type"`
		Text      *string
		CreatedAt string `json:"createdAt"`
		Langs     []string
		Facets    []struct {
			Index struct {
				ByteStart *int `json:"byteStart"`
				ByteEnd   *int `json:"byteEnd"`
			} `json:"index"`
			Features []map[string]any `json:"features"`
		} `json:"facets"`
		Reply *struct {
			Root   struct{ URI, CID string } `json:"root"`
			Parent struct{ URI, CID string } `json:"parent"`
		} `json:"reply"`
		Embed *struct {
			Type   string `json:"$type"`
			Images []struct {
				Alt   *string `json:"alt"`
				Image struct {
					Type string `json:"$type"`
					Ref  struct {
						Link string `json:"$link"`
					} `json:"ref"`
					MimeType string `json:"mimeType"`
					Size     int    `json:"size"`
				} `json:"image"`
			} `json:"images"`
		} `json:"embed"`
	}
	if err := json.Unmarshal(raw, &rec); err != nil {
		return "Record must be an object"
	}
	switch {
	case rec.Type != Collection:
		return "Record/$type must be " + Collection
	case rec.Text == nil:
		return `Record must have the property "text"`
	case len(*rec.Text) > 3000:
		return "Record/text must not be longer than 3000 characters"
	case graphemeLen(*rec.Text) > 300:
		return "Record/text must not be longer than 300 graphemes"
	case len(rec.Langs) > 3:
		return "Record/langs must not have more than 3 elements"
	}
	if _, err := time.Parse(time.RFC3339Nano, rec.CreatedAt); err != nil {
		return "Record/createdAt must be an valid atproto datetime (both RFC-3339 and ISO-8601)"
	}
	for i, f := range rec.Facets {
		st, en := f.Index.ByteStart, f.Index.ByteEnd
		if st == nil || en == nil || *st < 0 || *en < *st || *en > len(*rec.Text) {
			return fmt.Sprintf("Record/facets/%d/index is outside the text", i)
		}
		if len(f.Features) == 0 {
			return fmt.Sprintf("Record/facets/%d/features must not be empty", i)
		}
		for j, ft := range f.Features {
			ok := false
			switch ft["$type"] {
			case "app.bsky.richtext.facet#mention":
				did, _ := ft["did"].(string)
				ok = strings.HasPrefix(did, "did:")
			case "app.bsky.richtext.facet#link":
				uri, _ := ft["uri"].(string)
				ok = strings.Contains(uri, ":")
			case "app.bsky.richtext.facet#tag":
				tag, _ := ft["tag"].(string)
				ok = tag != "" && len(tag) <= 640 && graphemeLen(tag) <= 64
			}
			if !ok {
				return fmt.Sprintf("Record/facets/%d/features/%d is not a valid mention, link or tag", i, j)
			}
		}
	}
	if rec.Reply != nil && (rec.Reply.Root.URI == "" || rec.Reply.Root.CID == "" || rec.Reply.Parent.URI == "" || rec.Reply.Parent.CID == "") {
		return "Record/reply must have root and parent, each with uri and cid"
	}
	if rec.Embed != nil && rec.Embed.Type == "app.bsky.embed.images" {
		if len(rec.Embed.Images) > 4 {
			return "Record/embed/images must not have more than 4 elements"
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		for i, img := range rec.Embed.Images {
			b, ok := s.blobs[img.Image.Ref.Link]
			switch {
			case img.Alt == nil:
				return fmt.Sprintf(`Record/embed/images/%d must have the property "alt"`, i)
			case !ok:
				return fmt.Sprintf("Could not find blob: %s", img.Image.Ref.Link)
			case b.size > 1000000:
				return fmt.Sprintf("Record/embed/images/%d/image file too large (%d bytes, max 1000000)", i, b.size)
			case !strings.HasPrefix(b.mime, "image/"):
				return fmt.Sprintf("Record/embed/images/%d/image has the wrong mime type %s", i, b.mime)
			}
		}
	}
	return ""
}

func (s *Server) getRecord(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	repo, coll, rkey := q.Get("repo"), q.Get("collection"), q.Get("rkey")
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.getRecordDown {
		fail(w, "InternalServerError")
		return
	}
	did := repo
	for _, u := range s.users {
		if strings.EqualFold(u.handle, repo) {
			did = u.did
		}
	}
	if did != s.DID && s.appViewDown {
		// Only the account's repo lives here: the reference PDS answers a
		// record of another repo through its AppView (getRecord.ts →
		// pipethrough).
		fail(w, "UpstreamFailure")
		return
	}
	if _, known := s.users[did]; !known {
		// Not hosted here, so the AppView answers; it knows no such
		// account (bsky getRecord.ts: "Could not find repo").
		fail(w, "InvalidRequest", "Could not find repo: "+repo)
		return
	}
	uri := "at://" + did + "/" + coll + "/" + rkey
	p, ok := s.posts[uri]
	if !ok {
		// Both the PDS (its own repo) and the AppView answer 400
		// RecordNotFound for a record that is not there or was deleted.
		fail(w, "RecordNotFound", uri)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"uri": p.URI, "cid": p.CID, "value": p.Record})
}

func (s *Server) uploadBlob(w http.ResponseWriter, r *http.Request) {
	if did, _ := s.auth(w, r, false); did == "" {
		return
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, 50<<20))
	if err != nil {
		fail(w, "InvalidRequest", "could not read the blob")
		return
	}
	mime := r.Header.Get("Content-Type")
	if mime == "" || mime == "*/*" {
		mime = http.DetectContentType(data)
	}
	cid := fakeCID("bafkrei", data)
	s.mu.Lock()
	s.blobs[cid] = blob{mime: mime, size: len(data)}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"blob": map[string]any{
		"$type": "blob", "ref": map[string]string{"$link": cid}, "mimeType": mime, "size": len(data),
	}})
}

func (s *Server) resolveHandle(w http.ResponseWriter, r *http.Request) {
	h := strings.ToLower(r.URL.Query().Get("handle"))
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		if u.handle == h {
			writeJSON(w, http.StatusOK, map[string]string{"did": u.did})
			return
		}
	}
	fail(w, "UnresolvableHandle")
}

func (s *Server) findUserLocked(actor string) *user {
	if u, ok := s.users[actor]; ok {
		return u
	}
	for _, u := range s.users {
		if strings.EqualFold(u.handle, strings.TrimPrefix(actor, "@")) {
			return u
		}
	}
	return nil
}

func (s *Server) getProfile(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.findUserLocked(r.URL.Query().Get("actor"))
	if u == nil {
		fail(w, "ProfileNotFound")
		return
	}
	posts := 0
	for _, p := range s.posts {
		if p.AuthorDID == u.did {
			posts++
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"did": u.did, "handle": u.handle, "displayName": u.name,
		"followersCount": u.followers, "followsCount": u.follows, "postsCount": posts,
		"indexedAt": "2024-01-01T00:00:00.000Z", "labels": []any{},
	})
}

func (s *Server) postViewLocked(p *Post) map[string]any {
	u := s.users[p.AuthorDID]
	replies := 0
	for _, o := range s.posts {
		if o.ReplyParent == p.URI {
			replies++
		}
	}
	c := s.postCounts[p.URI]
	return map[string]any{
		"uri": p.URI, "cid": p.CID,
		"author":     map[string]any{"did": u.did, "handle": u.handle, "displayName": u.name, "labels": []any{}},
		"record":     p.Record,
		"replyCount": replies, "repostCount": c.reposts, "likeCount": c.likes, "quoteCount": c.quotes,
		"indexedAt": p.IndexedAt.Format("2006-01-02T15:04:05.000Z"), "labels": []any{},
	}
}

func (s *Server) getPosts(w http.ResponseWriter, r *http.Request) {
	uris := r.URL.Query()["uris"]
	if len(uris) > 25 {
		fail(w, "InvalidRequest", "Error: uris must not have more than 25 elements")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	posts := []any{}
	for _, uri := range uris {
		if !strings.HasPrefix(uri, "at://") {
			fail(w, "InvalidRequest", "Error: uris/0 must be a valid at-uri")
			return
		}
		if p, ok := s.posts[uri]; ok {
			posts = append(posts, s.postViewLocked(p))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"posts": posts})
}

func (s *Server) listNotifications(w http.ResponseWriter, r *http.Request) {
	if did, _ := s.auth(w, r, false); did == "" {
		return
	}
	q := r.URL.Query()
	limit := 50
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 100 {
			fail(w, "InvalidRequest", "Error: limit must be between 1 and 100")
			return
		}
		limit = n
	}
	// As the AppView's data plane (notifs.ts getNotifications, IsoSortAtKey):
	// newest sortAt first, the cursor the sortAt of the last one returned,
	// and the next page the notifications sorted strictly before it; the
	// view's indexedAt is the sortAt.
	var before time.Time
	if c := q.Get("cursor"); c != "" {
		t, err := time.Parse(time.RFC3339Nano, c)
		if err != nil {
			fail(w, "InvalidRequest", "Malformed cursor")
			return
		}
		before = t.UTC()
	}
	reasons := map[string]bool{}
	for _, rs := range q["reasons"] {
		reasons[rs] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	notes := append([]notification(nil), s.notes...)
	sort.SliceStable(notes, func(i, j int) bool { return notes[i].sortAt.After(notes[j].sortAt) })
	out := []any{}
	cursor := ""
	var last time.Time
	for _, n := range notes {
		if !before.IsZero() && !n.sortAt.Before(before) {
			continue
		}
		if len(reasons) > 0 && !reasons[n.reason] {
			continue
		}
		if len(out) == limit {
			// More remain: the cursor is the last sortAt returned.
			cursor = last.Format("2006-01-02T15:04:05.000Z")
			break
		}
		last = n.sortAt
		u := s.users[n.authorDID]
		item := map[string]any{
			"uri": n.uri, "cid": n.cid,
			"author":    map[string]any{"did": u.did, "handle": u.handle, "displayName": u.name, "labels": []any{}},
			"reason":    n.reason,
			"record":    n.record,
			"isRead":    false,
			"indexedAt": n.sortAt.Format("2006-01-02T15:04:05.000Z"),
			"labels":    []any{},
		}
		if n.subject != "" {
			item["reasonSubject"] = n.subject
		}
		out = append(out, item)
	}
	body := map[string]any{"notifications": out, "priority": false}
	if cursor != "" {
		body["cursor"] = cursor
	}
	writeJSON(w, http.StatusOK, body)
}

// nextTIDLocked returns a fresh TID from the clock, always increasing.
func (s *Server) nextTIDLocked() string {
	us := time.Now().UnixMicro()
	if us <= s.tidSeq {
		us = s.tidSeq + 1
	}
	s.tidSeq = us
	return encodeTID(uint64(us)<<10 | uint64(s.rng.Intn(1024)))
}

const tidAlphabet = "234567abcdefghijklmnopqrstuvwxyz"

func encodeTID(v uint64) string {
	var b [13]byte
	for i := 12; i >= 0; i-- {
		b[i] = tidAlphabet[v&31]
		v >>= 5
	}
	return string(b[:])
}

// ValidTID reports whether s has TID syntax: 13 characters of
// base32-sortable, the first of which keeps the top bit 0.
func ValidTID(s string) bool {
	if len(s) != 13 || !strings.ContainsRune("234567abcdefghij", rune(s[0])) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if strings.IndexByte(tidAlphabet, s[i]) < 0 {
			return false
		}
	}
	return true
}

// canonical re-encodes JSON with sorted keys, so equal records hash
// equally however they were spelled.
func canonical(raw json.RawMessage) []byte {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return raw
	}
	out, _ := json.Marshal(v)
	return out
}

// fakeCID makes a CID-looking string from the content's hash.
func fakeCID(prefix string, data []byte) string {
	sum := sha256.Sum256(data)
	enc := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:]))
	return prefix + enc
}

// graphemeLen counts extended grapheme clusters by Unicode 17, as the
// reference PDS does (@atproto/common-web graphemeLen: Intl.Segmenter, whose
// ICU data is Unicode 17 in current Node). It is the segmentation library,
// not crier's own counting code, so a test against this fake can catch
// crier counting differently.
func graphemeLen(s string) int {
	n := 0
	for g := graphemes.FromString(s); g.Next(); {
		n++
	}
	return n
}
