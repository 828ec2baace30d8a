// Package mastodontest is a fake Mastodon instance for tests: an
// httptest.Server that answers the part of Mastodon's REST API crier uses
// with Mastodon's paths, methods, status codes, headers, pagination and error
// bodies, counts the statuses created per Idempotency-Key, and injects
// faults deterministically (seeded).
//
// It serves:
//
//	GET  /api/v2/instance, /api/v1/instance   limits (SetLimit; SetInstanceV2(false) makes v2 404, like a server older than 4.0;
//	                                          SetInstanceStatus and SetInstanceHang break both)
//	GET  /api/v1/accounts/verify_credentials  the bot account @crier (SetFollowers)
//	POST /api/v1/statuses                     create, Idempotency-Key dedupe for an hour, 422 over the limit
//	GET  /api/v1/statuses?id[]=1&id[]=2       several statuses at once, as Mastodon 4.3 added it (see statusIndex for
//	                                          the source); SetStatusIndex(false) makes it 404, like an older server
//	GET  /api/v1/statuses/:id                 any status; 404 after Delete
//	POST /api/v2/media                        202 (still processing), like a large upload
//	GET  /api/v1/media/:id                    206 on the first poll, then 200 with the url
//	GET  /api/v1/notifications                mentions (AddMention), max_id/since_id/min_id/limit, types[], Link
//	GET  /api/v1/streaming/user/notification  the user:notification stream as server-sent events: each AddMention
//	                                          pushed as Mastodon's streaming server does (see streaming.go for the
//	                                          source), heartbeats, DropStreams, SendEvent, SeparateStreaming
//
// Every response carries X-RateLimit-Limit, X-RateLimit-Remaining and
// X-RateLimit-Reset (ISO 8601), counted over a fixed window. By default the
// fake never runs out (Remaining stays at 1 or more) so long tests are not
// throttled; SetRateLimit makes it behave like Mastodon's rack-attack:
// Remaining reaches 0 and further requests get 429 until the window resets.
// ThrottleAfter spends the limit all at once after a number of requests, as
// another client of the same account (a phone app) can: the next request
// gets the 429 without Remaining having reached 0 first.
//
// A request must carry "Authorization: Bearer <Token>", except the instance
// endpoints; SetAccountStatus makes every authenticated endpoint answer with
// a fixed status and body instead (a revoked token, a suspended account).
package mastodontest

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/crier-bot/crier/internal/compose"
	"github.com/crier-bot/crier/internal/crier"
)

// Fault is a failure injected into POST /api/v1/statuses.
type Fault int

const (
	// Fault500BeforeStore answers 500 without storing the status.
	Fault500BeforeStore Fault = iota + 1
	// Fault500AfterStore stores the status, then answers 500.
	Fault500AfterStore
	// Fault429 answers 429 with Retry-After: 1 without storing.
	Fault429
	// Fault429NoHeader answers 429 with neither Retry-After nor the
	// X-RateLimit headers, without storing.
	Fault429NoHeader
	// FaultHangAfterStore stores the status, then answers nothing until the
	// client gives up (its request context ends) or the server closes.
	FaultHangAfterStore
	// FaultMalformedJSONAfterStore stores the status, then answers 200 with
	// a body cut off in the middle of the JSON.
	FaultMalformedJSONAfterStore
	// FaultDropAfterStore stores the status, then closes the connection
	// without answering.
	FaultDropAfterStore
)

func (f Fault) String() string {
	switch f {
	case Fault500BeforeStore:
		return "500 before store"
	case Fault500AfterStore:
		return "500 after store"
	case Fault429:
		return "429"
	case Fault429NoHeader:
		return "429 without headers"
	case FaultHangAfterStore:
		return "hang after store"
	case FaultMalformedJSONAfterStore:
		return "malformed JSON after store"
	case FaultDropAfterStore:
		return "dropped connection after store"
	}
	return "fault " + strconv.Itoa(int(f))
}

// Faults says how often POST /api/v1/statuses fails and how: each request
// fails with probability Rate (0..1) with one of Modes, chosen by a random
// source seeded with Seed, so a sequential run is reproducible.
type Faults struct {
	Rate  float64
	Seed  int64
	Modes []Fault
}

// Status is a status on the fake instance.
type Status struct {
	ID             string
	URL            string
	Account        string // the author's acct: "crier" for the bot, "ana@example.social" for a remote account
	Text           string // as posted (plain text)
	Visibility     string
	Language       string
	InReplyToID    string
	MediaIDs       []string
	IdempotencyKey string
	CreatedAt      time.Time
	Replies        int
	Reblogs        int
	Favourites     int
	Quotes         int
}

// Media is an uploaded attachment.
type Media struct {
	ID          string
	Description string
	ContentType string
	Size        int
	Processed   bool
}

// Mention is a status someone else writes that mentions or answers the bot.
type Mention struct {
	From       string // acct: "ana@example.social" (remote) or "bob" (local)
	Name       string // display name; "" uses the username
	Text       string // plain text; the fake renders it as Mastodon's HTML
	InReplyTo  string // id of the status it answers; "" for a plain mention
	Visibility string // "" is public
}

// Request is one request the fake received.
type Request struct {
	Method         string
	Path           string
	Query          url.Values
	IdempotencyKey string
	Host           string // host:port the request was sent to (SeparateStreaming serves a second one)
}

type notification struct {
	id       int64
	typ      string
	created  time.Time
	account  string
	statusID string
}

type media struct {
	Media
	pending int // polls still answered with 206
}

type account struct {
	id, acct, name string
}

// SetClock sets the clock Idempotency-Key expiry (an hour, like Mastodon's)
// is measured by, so a test that moves crier's clock moves the fake's too.
func (s *Server) SetClock(c crier.Clock) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock = c
}

// BotAccount is the acct of the account the Token belongs to.
const BotAccount = "crier"

// Server is a fake Mastodon instance. It is safe for concurrent use.
type Server struct {
	*httptest.Server
	// Token is the only access token the fake accepts.
	Token string

	done chan struct{}

	mu            sync.Mutex
	clock         crier.Clock // for Idempotency-Key expiry
	limit         int
	urlLength     int
	maxMedia      int
	v2            bool
	noIndex       bool // GET /api/v1/statuses answers 404 (SetStatusIndex(false))
	throttle      bool // ThrottleAfter is counting down
	throttleAfter int  // requests still let through before the limit is spent
	instanceCode  int
	instanceHang  bool
	authCode      int
	authBody      string
	followers     int
	following     int
	locked        bool
	faults        Faults
	rng           *rand.Rand
	rateLimit     int
	rateWindow    time.Duration
	rateEnforce   bool
	windowStart   time.Time
	windowCount   int
	nextID        int64
	nextMedia     int64
	nextNote      int64
	statuses      map[string]*Status
	order         []string // ids of the bot's statuses, oldest first
	deleted       map[string]bool
	keys          map[string]keyEntry
	createsByKey  map[string]map[string]bool
	media         map[string]*media
	notifications []notification
	accounts      map[string]account
	requests      []Request
	heartbeat     time.Duration
	streams       map[*streamConn]struct{}
	streaming     *httptest.Server // SeparateStreaming's server; nil when the API host streams
}

type keyEntry struct {
	statusID string
	at       time.Time
}

// New starts a fake instance. Close it when done.
func New() *Server {
	s := &Server{
		Token:        "test-token-" + strconv.FormatInt(time.Now().UnixNano(), 36),
		done:         make(chan struct{}),
		clock:        crier.SystemClock{},
		limit:        500,
		urlLength:    compose.MastodonURLLength,
		maxMedia:     4,
		v2:           true,
		rateLimit:    300,
		rateWindow:   5 * time.Minute,
		nextID:       113000000000000000,
		nextMedia:    22348000,
		nextNote:     34975000,
		statuses:     map[string]*Status{},
		deleted:      map[string]bool{},
		keys:         map[string]keyEntry{},
		createsByKey: map[string]map[string]bool{},
		media:        map[string]*media{},
		accounts:     map[string]account{BotAccount: {id: "1", acct: BotAccount, name: "crier"}},
		heartbeat:    streamHeartbeat,
		streams:      map[*streamConn]struct{}{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v2/instance", s.instanceV2)
	mux.HandleFunc("GET /api/v1/instance", s.instanceV1)
	mux.HandleFunc("GET /api/v1/accounts/verify_credentials", s.authed(s.verifyCredentials))
	mux.HandleFunc("POST /api/v1/statuses", s.authed(s.createStatus))
	mux.HandleFunc("GET /api/v1/statuses", s.authed(s.statusIndex))
	mux.HandleFunc("GET /api/v1/statuses/{id}", s.authed(s.getStatus))
	mux.HandleFunc("POST /api/v2/media", s.authed(s.uploadMedia))
	mux.HandleFunc("GET /api/v1/media/{id}", s.authed(s.getMedia))
	mux.HandleFunc("GET /api/v1/notifications", s.authed(s.listNotifications))
	mux.HandleFunc("GET /api/v1/streaming/", s.streamingOnAPIHost)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "Record not found")
	})
	s.Server = httptest.NewServer(s.recorded(s.rateLimited(mux)))
	return s
}

// Close releases requests held by FaultHangAfterStore and shuts the server
// down.
func (s *Server) Close() {
	select {
	case <-s.done:
	default:
		close(s.done)
	}
	s.mu.Lock()
	streaming := s.streaming
	s.mu.Unlock()
	if streaming != nil {
		streaming.Close()
	}
	s.Server.Close()
}

// SetLimit sets the instance's max_characters (500 by default).
func (s *Server) SetLimit(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limit = n
}

// SetInstanceV2 turns GET /api/v2/instance on (the default) or off (404, as
// on Mastodon before 4.0).
func (s *Server) SetInstanceV2(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.v2 = on
}

// SetStatusIndex turns GET /api/v1/statuses?id[]= on (the default) or off
// (404, as on Mastodon before 4.3, which has no route for it).
func (s *Server) SetStatusIndex(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noIndex = !on
}

// ThrottleAfter lets n more requests through, then spends the rate limit:
// the request after them and every one until the window resets get
// Mastodon's 429 (X-RateLimit-Remaining: 0, X-RateLimit-Reset, no
// Retry-After), as when another client of the account used the limit up.
func (s *Server) ThrottleAfter(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle, s.throttleAfter = true, n
}

// SetInstanceStatus makes GET /api/v2/instance and /api/v1/instance answer
// code with Mastodon's error body (a broken instance page); 0 restores normal
// answers.
func (s *Server) SetInstanceStatus(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.instanceCode = code
}

// SetInstanceHang makes GET /api/v2/instance and /api/v1/instance answer
// nothing until the client gives up (its request context ends) or the
// server closes; false restores normal answers.
func (s *Server) SetInstanceHang(hang bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.instanceHang = hang
}

// instanceFault answers for SetInstanceStatus and SetInstanceHang and
// reports whether it did.
func (s *Server) instanceFault(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	code, hang := s.instanceCode, s.instanceHang
	s.mu.Unlock()
	switch {
	case hang:
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
		return true
	case code != 0:
		writeError(w, code, "We're sorry, but something went wrong on our end")
		return true
	}
	return false
}

// SetAccountStatus makes every authenticated endpoint answer code with body
// (a JSON object like {"error":"The access token was revoked"}); code 0
// restores normal answers.
func (s *Server) SetAccountStatus(code int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.authCode, s.authBody = code, body
}

// SetFollowers sets the bot account's follower and following counts.
func (s *Server) SetFollowers(followers, following int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.followers, s.following = followers, following
}

// SetLocked makes the bot account locked (follow requests need approval).
func (s *Server) SetLocked(locked bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.locked = locked
}

// SetFaults sets the faults injected into POST /api/v1/statuses.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
	s.faults.Modes = slices.Clone(f.Modes)
	s.rng = rand.New(rand.NewPCG(uint64(f.Seed), 0x6d617374))
}

// SetRateLimit makes the fake enforce limit requests per window, starting a
// new window now: once Remaining reaches 0, requests get 429 until
// X-RateLimit-Reset.
func (s *Server) SetRateLimit(limit int, window time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateLimit, s.rateWindow, s.rateEnforce = limit, window, true
	s.windowStart, s.windowCount = time.Time{}, 0
}

// ForgetKeys drops every remembered Idempotency-Key, as Mastodon does after
// an hour.
func (s *Server) ForgetKeys() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.keys)
}

// SetCounts sets a status's replies, boosts, favourites and quotes.
func (s *Server) SetCounts(id string, replies, reblogs, favourites, quotes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.statuses[id]; ok {
		st.Replies, st.Reblogs, st.Favourites, st.Quotes = replies, reblogs, favourites, quotes
	}
}

// Delete deletes a status: GET /api/v1/statuses/:id answers 404 afterwards.
func (s *Server) Delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deleted[id] = true
}

// AddMention stores a status by m.From that mentions (or, with InReplyTo,
// answers) the bot, and the "mention" notification for it. It returns the
// status's id.
func (s *Server) AddMention(m Mention) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	acct := strings.TrimPrefix(m.From, "@")
	if _, ok := s.accounts[acct]; !ok {
		name := m.Name
		if name == "" {
			name, _, _ = strings.Cut(acct, "@")
		}
		s.accounts[acct] = account{id: strconv.Itoa(100 + len(s.accounts)), acct: acct, name: name}
	}
	vis := m.Visibility
	if vis == "" {
		vis = "public"
	}
	st := s.newStatus(acct, m.Text, vis, "", m.InReplyTo)
	if parent, ok := s.statuses[m.InReplyTo]; ok {
		parent.Replies++
	}
	s.nextNote++
	n := notification{id: s.nextNote, typ: "mention", created: st.CreatedAt, account: acct, statusID: st.ID}
	s.notifications = append(s.notifications, n)
	s.pushNotificationLocked(n)
	return st.ID
}

// Statuses returns the statuses the bot created, oldest first.
func (s *Server) Statuses() []Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Status, 0, len(s.order))
	for _, id := range s.order {
		st := *s.statuses[id]
		st.MediaIDs = slices.Clone(st.MediaIDs)
		out = append(out, st)
	}
	return out
}

// Status returns the status with the given id, including other accounts'.
func (s *Server) Status(id string) (Status, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.statuses[id]
	if !ok {
		return Status{}, false
	}
	c := *st
	c.MediaIDs = slices.Clone(st.MediaIDs)
	return c, true
}

// CreatesByKey returns, per Idempotency-Key, how many distinct statuses were
// created with it: 1 for every key when exactly-once holds.
func (s *Server) CreatesByKey() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.createsByKey))
	for k, ids := range s.createsByKey {
		out[k] = len(ids)
	}
	return out
}

// Media returns the uploaded attachments, in no particular order.
func (s *Server) Media() []Media {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Media, 0, len(s.media))
	for _, m := range s.media {
		out = append(out, m.Media)
	}
	return out
}

// Requests returns the requests received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// rateLimited logs the request and adds the rate-limit headers (answering
// 429 when SetRateLimit's limit is spent).
// recorded keeps every request for Requests.
func (s *Server) recorded(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, Request{
			Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), IdempotencyKey: r.Header.Get("Idempotency-Key"),
			Host: r.Host,
		})
		s.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func (s *Server) rateLimited(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isStreaming(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		now := time.Now()
		s.mu.Lock()
		if s.windowStart.IsZero() || !now.Before(s.windowStart.Add(s.rateWindow)) {
			s.windowStart, s.windowCount = now, 0
		}
		if s.throttle {
			if s.throttleAfter == 0 {
				s.throttle = false
				s.rateEnforce, s.windowCount = true, s.rateLimit
			}
			s.throttleAfter--
		}
		s.windowCount++
		remaining := s.rateLimit - s.windowCount
		over := false
		switch {
		case s.rateEnforce && remaining < 0:
			over, remaining = true, 0
		case !s.rateEnforce && remaining < 1:
			remaining = 1
		}
		reset := s.windowStart.Add(s.rateWindow)
		limit := s.rateLimit
		s.mu.Unlock()
		h := w.Header()
		h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
		h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
		h.Set("X-RateLimit-Reset", reset.UTC().Format("2006-01-02T15:04:05.000000Z"))
		if over {
			writeError(w, http.StatusTooManyRequests, "Too many requests")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// authed checks the bearer token (and the account status set by
// SetAccountStatus) before h.
func (s *Server) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		code, body := s.authCode, s.authBody
		s.mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer "+s.Token {
			writeError(w, http.StatusUnauthorized, "The access token is invalid")
			return
		}
		if code != 0 {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(code)
			_, _ = io.WriteString(w, body)
			return
		}
		h(w, r)
	}
}

func (s *Server) instanceV2(w http.ResponseWriter, r *http.Request) {
	if s.instanceFault(w, r) {
		return
	}
	s.mu.Lock()
	v2, limit, urlLength, maxMedia := s.v2, s.limit, s.urlLength, s.maxMedia
	s.mu.Unlock()
	if !v2 {
		writeError(w, http.StatusNotFound, "Record not found")
		return
	}
	u, _ := url.Parse(s.URL)
	streaming := s.streamingBase()
	writeJSON(w, http.StatusOK, map[string]any{
		"domain":      u.Host,
		"title":       "Fake Mastodon",
		"version":     "4.3.0",
		"source_url":  "https://github.com/mastodon/mastodon",
		"description": "A fake Mastodon instance for crier's tests.",
		"languages":   []string{"en"},
		"configuration": map[string]any{
			"urls":     map[string]any{"streaming": streaming},
			"accounts": map[string]any{"max_featured_tags": 10, "max_pinned_statuses": 5},
			"statuses": map[string]any{
				"max_characters":              limit,
				"max_media_attachments":       maxMedia,
				"characters_reserved_per_url": urlLength,
			},
			"media_attachments": map[string]any{
				"supported_mime_types":   []string{"image/jpeg", "image/png", "image/gif", "image/webp", "image/avif"},
				"image_size_limit":       16777216,
				"image_matrix_limit":     33177600,
				"video_size_limit":       103809024,
				"video_frame_rate_limit": 120,
				"video_matrix_limit":     8294400,
			},
			"polls": map[string]any{"max_options": 4, "max_characters_per_option": 50, "min_expiration": 300, "max_expiration": 2629746},
		},
		"registrations": map[string]any{"enabled": false, "approval_required": false, "message": nil},
	})
}

func (s *Server) instanceV1(w http.ResponseWriter, r *http.Request) {
	if s.instanceFault(w, r) {
		return
	}
	s.mu.Lock()
	limit, urlLength, maxMedia := s.limit, s.urlLength, s.maxMedia
	s.mu.Unlock()
	u, _ := url.Parse(s.URL)
	streaming := s.streamingBase()
	writeJSON(w, http.StatusOK, map[string]any{
		"uri":               u.Host,
		"title":             "Fake Mastodon",
		"short_description": "A fake Mastodon instance for crier's tests.",
		"description":       "",
		"email":             "admin@example.com",
		"version":           "3.5.3",
		"urls":              map[string]any{"streaming_api": streaming},
		"stats":             map[string]any{"user_count": 1, "status_count": 1, "domain_count": 1},
		"languages":         []string{"en"},
		"registrations":     false,
		"configuration": map[string]any{
			"statuses": map[string]any{
				"max_characters":              limit,
				"max_media_attachments":       maxMedia,
				"characters_reserved_per_url": urlLength,
			},
		},
	})
}

func (s *Server) verifyCredentials(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	acc := s.accountJSON(BotAccount)
	acc["followers_count"] = s.followers
	acc["following_count"] = s.following
	acc["locked"] = s.locked
	n := 0
	for _, id := range s.order {
		if !s.deleted[id] {
			n++
		}
	}
	acc["statuses_count"] = n
	acc["source"] = map[string]any{"privacy": "public", "sensitive": false, "language": "", "note": "", "fields": []any{}}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, acc)
}

func (s *Server) createStatus(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, "Invalid request parameters")
		return
	}
	key := r.Header.Get("Idempotency-Key")
	text := r.PostForm.Get("status")
	vis := r.PostForm.Get("visibility")
	if vis == "" {
		vis = "public"
	}
	lang := r.PostForm.Get("language")
	reply := r.PostForm.Get("in_reply_to_id")
	mediaIDs := r.PostForm["media_ids[]"]

	s.mu.Lock()
	fault := s.pickFault()
	switch fault {
	case Fault429:
		s.mu.Unlock()
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusTooManyRequests, "Too many requests")
		return
	case Fault429NoHeader:
		s.mu.Unlock()
		for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
			w.Header().Del(h)
		}
		writeError(w, http.StatusTooManyRequests, "Too many requests")
		return
	case Fault500BeforeStore:
		s.mu.Unlock()
		writeError(w, http.StatusInternalServerError, "We're sorry, but something went wrong on our end")
		return
	}
	st, code, msg := s.create(key, text, vis, lang, reply, mediaIDs)
	var body []byte
	if st != nil {
		body, _ = json.Marshal(s.statusJSON(st))
	}
	s.mu.Unlock()
	if st == nil {
		writeError(w, code, msg)
		return
	}
	switch fault {
	case Fault500AfterStore:
		writeError(w, http.StatusInternalServerError, "We're sorry, but something went wrong on our end")
	case FaultHangAfterStore:
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
	case FaultMalformedJSONAfterStore:
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body[:len(body)/2])
	case FaultDropAfterStore:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		writeError(w, http.StatusInternalServerError, "We're sorry, but something went wrong on our end")
	default:
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
	}
}

// pickFault draws the fault for one create; s.mu is held.
func (s *Server) pickFault() Fault {
	if s.faults.Rate <= 0 || len(s.faults.Modes) == 0 || s.rng == nil {
		return 0
	}
	if s.rng.Float64() >= s.faults.Rate {
		return 0
	}
	return s.faults.Modes[s.rng.IntN(len(s.faults.Modes))]
}

// create validates and stores a status by the bot, or returns the one
// created earlier with the same key; s.mu is held. On refusal it returns
// nil with Mastodon's status code and error text.
func (s *Server) create(key, text, vis, lang, reply string, mediaIDs []string) (*Status, int, string) {
	now := s.clock.Now()
	if key != "" {
		if e, ok := s.keys[key]; ok && now.Sub(e.at) < time.Hour {
			return s.statuses[e.statusID], 0, ""
		}
	}
	switch vis {
	case "public", "unlisted", "private", "direct":
	default:
		return nil, http.StatusUnprocessableEntity, "Validation failed: Visibility is not included in the list"
	}
	if strings.TrimSpace(text) == "" && len(mediaIDs) == 0 {
		return nil, http.StatusUnprocessableEntity, "Validation failed: Text can't be blank"
	}
	if compose.MastodonLength(text, s.urlLength) > s.limit {
		return nil, http.StatusUnprocessableEntity, fmt.Sprintf("Validation failed: Text character limit of %d exceeded", s.limit)
	}
	if len(mediaIDs) > s.maxMedia {
		return nil, http.StatusUnprocessableEntity, fmt.Sprintf("Cannot attach more than %d files", s.maxMedia)
	}
	for _, id := range mediaIDs {
		m, ok := s.media[id]
		if !ok {
			return nil, http.StatusNotFound, "Record not found"
		}
		if m.pending > 0 {
			return nil, http.StatusUnprocessableEntity, "Cannot attach files that have not finished processing. Try again in a moment!"
		}
	}
	if reply != "" {
		if _, ok := s.statuses[reply]; !ok || s.deleted[reply] {
			return nil, http.StatusNotFound, "Record not found"
		}
	}
	st := s.newStatus(BotAccount, text, vis, lang, reply)
	st.MediaIDs = slices.Clone(mediaIDs)
	st.IdempotencyKey = key
	s.order = append(s.order, st.ID)
	if parent, ok := s.statuses[reply]; ok {
		parent.Replies++
	}
	if key != "" {
		s.keys[key] = keyEntry{statusID: st.ID, at: now}
		if s.createsByKey[key] == nil {
			s.createsByKey[key] = map[string]bool{}
		}
		s.createsByKey[key][st.ID] = true
	}
	return st, 0, ""
}

// newStatus stores a status; s.mu is held.
func (s *Server) newStatus(acct, text, vis, lang, reply string) *Status {
	s.nextID += 1000
	id := strconv.FormatInt(s.nextID, 10)
	st := &Status{
		ID: id, URL: s.profileURL(acct) + "/" + id, Account: acct, Text: text,
		Visibility: vis, Language: lang, InReplyToID: reply, CreatedAt: time.Now().UTC(),
	}
	s.statuses[id] = st
	return st
}

func (s *Server) profileURL(acct string) string {
	user, domain, remote := strings.Cut(acct, "@")
	if remote {
		return "https://" + domain + "/@" + user
	}
	return s.URL + "/@" + user
}

func (s *Server) accountJSON(acct string) map[string]any {
	a := s.accounts[acct]
	username, _, _ := strings.Cut(acct, "@")
	return map[string]any{
		"id": a.id, "username": username, "acct": acct, "display_name": a.name,
		"locked": false, "bot": acct == BotAccount, "discoverable": true, "group": false,
		"created_at": "2024-01-01T00:00:00.000Z", "note": "", "url": s.profileURL(acct),
		"avatar": s.URL + "/avatars/original/missing.png", "avatar_static": s.URL + "/avatars/original/missing.png",
		"header": s.URL + "/headers/original/missing.png", "header_static": s.URL + "/headers/original/missing.png",
		"followers_count": 0, "following_count": 0, "statuses_count": 0, "last_status_at": nil,
		"emojis": []any{}, "fields": []any{},
	}
}

var mentionOrLink = regexp.MustCompile(`https?://[^\s<]+[^\s<.,!?)]|@[A-Za-z0-9_]+(?:@[A-Za-z0-9.-]+[A-Za-z0-9])?`)

// contentHTML renders plain text the way Mastodon does: paragraphs, <br />,
// h-card mentions and links with invisible scheme spans.
func (s *Server) contentHTML(text string) (string, []map[string]any) {
	var mentions []map[string]any
	render := func(line string) string {
		var b strings.Builder
		last := 0
		for _, m := range mentionOrLink.FindAllStringIndex(line, -1) {
			b.WriteString(html.EscapeString(line[last:m[0]]))
			tok := line[m[0]:m[1]]
			if strings.HasPrefix(tok, "@") {
				acct := tok[1:]
				user, _, _ := strings.Cut(acct, "@")
				u := s.profileURL(acct)
				if a, ok := s.accounts[acct]; ok {
					mentions = append(mentions, map[string]any{"id": a.id, "username": user, "url": u, "acct": acct})
				}
				fmt.Fprintf(&b, `<span class="h-card" translate="no"><a href="%s" class="u-url mention">@<span>%s</span></a></span>`,
					html.EscapeString(u), html.EscapeString(user))
			} else {
				scheme, rest, _ := strings.Cut(tok, "://")
				fmt.Fprintf(&b, `<a href="%s" target="_blank" rel="nofollow noopener" translate="no"><span class="invisible">%s://</span><span class="">%s</span><span class="invisible"></span></a>`,
					html.EscapeString(tok), scheme, html.EscapeString(rest))
			}
			last = m[1]
		}
		b.WriteString(html.EscapeString(line[last:]))
		return b.String()
	}
	var out strings.Builder
	for _, para := range strings.Split(strings.TrimSpace(text), "\n\n") {
		lines := strings.Split(para, "\n")
		for i, l := range lines {
			lines[i] = render(l)
		}
		out.WriteString("<p>" + strings.Join(lines, "<br />") + "</p>")
	}
	return out.String(), mentions
}

// statusJSON renders a status as Mastodon's Status entity; s.mu is held.
func (s *Server) statusJSON(st *Status) map[string]any {
	content, mentions := s.contentHTML(st.Text)
	if mentions == nil {
		mentions = []map[string]any{}
	}
	var replyTo, replyAccount any
	if st.InReplyToID != "" {
		replyTo = st.InReplyToID
		if p, ok := s.statuses[st.InReplyToID]; ok {
			replyAccount = s.accounts[p.Account].id
		}
	}
	var lang any
	if st.Language != "" {
		lang = st.Language
	}
	attachments := []map[string]any{}
	for _, id := range st.MediaIDs {
		if m, ok := s.media[id]; ok {
			attachments = append(attachments, s.mediaJSON(m))
		}
	}
	return map[string]any{
		"id": st.ID, "created_at": st.CreatedAt.Format("2006-01-02T15:04:05.000Z"),
		"in_reply_to_id": replyTo, "in_reply_to_account_id": replyAccount,
		"sensitive": false, "spoiler_text": "", "visibility": st.Visibility, "language": lang,
		"uri": strings.Replace(st.URL, "/@", "/users/", 1), "url": st.URL,
		"replies_count": st.Replies, "reblogs_count": st.Reblogs, "favourites_count": st.Favourites,
		"quotes_count": st.Quotes, "edited_at": nil,
		"favourited": false, "reblogged": false, "muted": false, "bookmarked": false, "pinned": false,
		"content": content, "filtered": []any{}, "reblog": nil,
		"application":       map[string]any{"name": "crier", "website": nil},
		"account":           s.accountJSON(st.Account),
		"media_attachments": attachments, "mentions": mentions, "tags": []any{}, "emojis": []any{},
		"card": nil, "poll": nil,
	}
}

func (s *Server) getStatus(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	st, ok := s.statuses[id]
	var body map[string]any
	if ok && !s.deleted[id] {
		body = s.statusJSON(st)
	}
	s.mu.Unlock()
	if body == nil {
		writeError(w, http.StatusNotFound, "Record not found")
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// statusIndexMax is how many distinct ids GET /api/v1/statuses takes.
const statusIndexMax = 20

// statusIndex answers GET /api/v1/statuses?id[]=…, following Mastodon's
// app/controllers/api/v1/statuses_controller.rb (index, set_statuses,
// check_statuses_limit, status_ids; added in 4.3.0, mastodon/mastodon#27871)
// and app/models/concerns/status/threading_concern.rb
// (permitted_statuses_from_ids):
//   - only id[] counts (params.permit(id: [])); the ids are made distinct,
//     then more than DEFAULT_STATUSES_LIMIT (20, app/controllers/api/
//     base_controller.rb) is a Mastodon::ValidationError, which the base
//     controller answers 422 {"error":"Mastodon::ValidationError"};
//   - each id goes through Ruby's to_i ("12abc" is 12, "abc" is 0);
//   - statuses that do not exist (or were deleted) are left out, with no
//     error: the answer can be shorter than the request, or empty;
//   - the statuses come in the database's order, not the request's
//     (stable: false): the fake returns them newest first, so a client that
//     relies on the request's order fails here too.
func (s *Server) statusIndex(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.noIndex {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	var ids []int64
	for _, raw := range r.URL.Query()["id[]"] {
		id := rubyToI(raw)
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) > statusIndexMax {
		writeError(w, http.StatusUnprocessableEntity, "Mastodon::ValidationError")
		return
	}
	slices.Sort(ids)
	slices.Reverse(ids)
	out := []map[string]any{}
	for _, id := range ids {
		key := strconv.FormatInt(id, 10)
		if st, ok := s.statuses[key]; ok && !s.deleted[key] {
			out = append(out, s.statusJSON(st))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// rubyToI is Ruby's String#to_i: the leading (optionally signed) decimal
// digits after leading whitespace, 0 when there are none.
func rubyToI(s string) int64 {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	end := 0
	if end < len(s) && (s[end] == '-' || s[end] == '+') {
		end++
	}
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n, _ := strconv.ParseInt(s[:end], 10, 64)
	return n
}

func (s *Server) mediaJSON(m *media) map[string]any {
	var u any
	if m.pending == 0 {
		u = fmt.Sprintf("%s/media_attachments/files/original/%s.png", s.URL, m.ID)
	}
	return map[string]any{
		"id": m.ID, "type": "image", "url": u,
		"preview_url": fmt.Sprintf("%s/media_attachments/files/small/%s.png", s.URL, m.ID),
		"remote_url":  nil, "text_url": nil,
		"meta":        map[string]any{"focus": map[string]any{"x": 0.0, "y": 0.0}},
		"description": m.Description, "blurhash": "UFBWY:8_0Jxv4mx]t8t64.%M-:IUWGWAt6M}",
	}
}

func (s *Server) uploadMedia(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: File content type is invalid, File is invalid")
		return
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: File content type is invalid, File is invalid")
		return
	}
	defer f.Close()
	data, _ := io.ReadAll(f)
	ct, _, _ := mime.ParseMediaType(hdr.Header.Get("Content-Type"))
	if !strings.HasPrefix(ct, "image/") || !strings.HasPrefix(http.DetectContentType(data), "image/") {
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: File content type is invalid, File is invalid")
		return
	}
	s.mu.Lock()
	s.nextMedia++
	m := &media{Media: Media{
		ID: strconv.FormatInt(s.nextMedia, 10), Description: r.FormValue("description"),
		ContentType: ct, Size: len(data),
	}, pending: 1}
	s.media[m.ID] = m
	body := s.mediaJSON(m)
	s.mu.Unlock()
	writeJSON(w, http.StatusAccepted, body)
}

func (s *Server) getMedia(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	m, ok := s.media[r.PathValue("id")]
	var body map[string]any
	processing := false
	if ok {
		if m.pending > 0 {
			m.pending--
			processing = true
			m.Processed = m.pending == 0
		} else {
			body = s.mediaJSON(m)
		}
	}
	s.mu.Unlock()
	switch {
	case !ok:
		writeError(w, http.StatusNotFound, "Record not found")
	case processing:
		w.WriteHeader(http.StatusPartialContent)
	default:
		writeJSON(w, http.StatusOK, body)
	}
}

func (s *Server) listNotifications(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 40
	if v, err := strconv.Atoi(q.Get("limit")); err == nil && v > 0 {
		limit = min(v, 80)
	}
	bound := func(name string) (int64, bool) {
		v, err := strconv.ParseInt(q.Get(name), 10, 64)
		return v, err == nil
	}
	maxID, hasMax := bound("max_id")
	sinceID, hasSince := bound("since_id")
	minID, hasMin := bound("min_id")
	types, exclude := q["types[]"], q["exclude_types[]"]

	s.mu.Lock()
	var match []notification // oldest first
	for _, n := range s.notifications {
		switch {
		case len(types) > 0 && !slices.Contains(types, n.typ),
			slices.Contains(exclude, n.typ),
			hasMax && n.id >= maxID,
			hasSince && n.id <= sinceID,
			hasMin && n.id <= minID,
			s.deleted[n.statusID]:
			continue
		}
		match = append(match, n)
	}
	var page []notification
	if hasMin {
		// Immediately newer than min_id: the oldest ones, returned newest first.
		page = match[:min(limit, len(match))]
	} else {
		page = match[max(0, len(match)-limit):]
	}
	page = slices.Clone(page)
	slices.Reverse(page)
	out := make([]map[string]any, 0, len(page))
	for _, n := range page {
		out = append(out, s.notificationJSON(n))
	}
	s.mu.Unlock()
	if len(page) > 0 {
		keep := url.Values{}
		if q.Has("limit") {
			keep.Set("limit", q.Get("limit"))
		}
		for _, t := range types {
			keep.Add("types[]", t)
		}
		for _, t := range exclude {
			keep.Add("exclude_types[]", t)
		}
		link := func(param string, id int64) string {
			v := url.Values{}
			for k, vs := range keep {
				v[k] = vs
			}
			v.Set(param, strconv.FormatInt(id, 10))
			return s.URL + "/api/v1/notifications?" + v.Encode()
		}
		w.Header().Set("Link", fmt.Sprintf(`<%s>; rel="next", <%s>; rel="prev"`,
			link("max_id", page[len(page)-1].id), link("min_id", page[0].id)))
	}
	writeJSON(w, http.StatusOK, out)
}

// notificationJSON is a Notification entity, as the REST list and the
// stream send it. s.mu is held.
func (s *Server) notificationJSON(n notification) map[string]any {
	return map[string]any{
		"id": strconv.FormatInt(n.id, 10), "type": n.typ,
		"created_at": n.created.Format("2006-01-02T15:04:05.000Z"),
		"account":    s.accountJSON(n.account), "status": s.statusJSON(s.statuses[n.statusID]),
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}
