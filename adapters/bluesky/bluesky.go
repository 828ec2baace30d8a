// Package bluesky is a crier Network that publishes to Bluesky through a
// PDS, with a handful of hand-written XRPC calls (no SDK).
//
// Exactly once: a post is written with com.atproto.repo.putRecord at a
// record key (a TID) derived from the delivery's idempotency key and due
// time, with a record that is the same on every attempt. A retry therefore
// lands on the same record instead of making a second post, and Bluesky
// remembers the key for ever. createRecord is never used: at an existing
// key the reference PDS fails with HTTP 500 (bluesky-social/atproto#3718).
//
// The login session is kept in the StateStore, because Bluesky allows only
// a few logins a day; an expired access token is refreshed, once at a time.
package bluesky

import (
	"cmp"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/crier-bot/crier/internal/compose"
	"github.com/crier-bot/crier/internal/crier"
)

// Bluesky's limits.
const (
	maxGraphemes = 300
	maxBytes     = 3000
	maxImages    = 4
	maxImageSize = 1_000_000

	// DefaultPDS is where accounts made on bsky.app live.
	DefaultPDS = "https://bsky.social"

	postCollection = "app.bsky.feed.post"
	stateSession   = "session"

	// A PDS counts writes in points: 5000 an hour, 3 per created record.
	defaultWritePoints = 5000
	createPoints       = 3
)

// Options configures a Bluesky network.
type Options struct {
	Name        string // the network's name in bot.yaml
	PDS         string // https://bsky.social by default
	Handle      string // the account, e.g. crier.bsky.social (or its DID or e-mail)
	AppPassword string
	Language    string // BCP-47 tag for the posts' langs; "" = none
	// AppView is the atproto-proxy service Bluesky reads (app.bsky.*) are
	// sent to, like did:web:api.bsky.app#bsky_appview; "" (the default)
	// sends no header, so the PDS uses the AppView it is set up with.
	AppView string
	// State stores the session so that crier does not log in at every
	// start (Bluesky allows few logins a day); nil keeps it in memory only.
	State      crier.StateStore
	HTTPClient *http.Client
	Clock      crier.Clock
	Logger     *slog.Logger
	// WritePoints is the account's write budget per hour (0: Bluesky's
	// 5000; a post costs 3); negative turns the limiter off (tests).
	WritePoints int
}

// Network publishes to one Bluesky account.
type Network struct {
	name     string
	pds      string
	ident    string
	password string
	appView  string // atproto-proxy of app.bsky.* reads; "" = the PDS's own AppView
	langs    []string
	state    crier.StateStore
	client   *http.Client
	clock    crier.Clock
	log      *slog.Logger
	writes   *rate.Limiter

	sessTurn chan struct{} // one login or refresh at a time

	mu           sync.Mutex // guards sess, blockedUntil and refused
	sess         *session
	blockedUntil time.Time // ratelimit-remaining reached 0 until then
	// refused is the answer to a login Bluesky refused: the same handle and
	// password are refused again, and every refusal spends one of the few
	// logins a day Bluesky allows, so crier does not ask again until
	// refusedUntil (for ever for a wrong password: bot.yaml must change).
	refused      error
	refusedUntil time.Time
}

var (
	_ crier.Network     = (*Network)(nil)
	_ crier.Replier     = (*Network)(nil)
	_ crier.Verifier    = (*Network)(nil)
	_ crier.Inbox       = (*Network)(nil)
	_ crier.StatsReader = (*Network)(nil)
)

// New returns a Bluesky network. It makes no network call: the first
// publish (or Verify) loads the stored session or logs in.
func New(opts Options) (*Network, error) {
	if opts.Name == "" {
		return nil, errors.New("bluesky: no network name")
	}
	if strings.TrimSpace(opts.Handle) == "" || opts.AppPassword == "" {
		return nil, crier.Errorf(crier.EINVALID, "network %s needs a handle and an app password (make one in Bluesky: Settings → Privacy and security → App passwords)", opts.Name)
	}
	if opts.Language != "" && !validLanguage(opts.Language) {
		return nil, crier.Errorf(crier.EINVALID, "network %s: language %q is not a language tag such as en or pt-BR", opts.Name, opts.Language)
	}
	if opts.AppView != "" && !validService(opts.AppView) {
		return nil, crier.Errorf(crier.EINVALID, "network %s: appview %q is not an AppView service; write one like did:web:api.bsky.app#bsky_appview, or none to use the PDS's own", opts.Name, opts.AppView)
	}
	pds := strings.TrimRight(opts.PDS, "/")
	if pds == "" {
		pds = DefaultPDS
	}
	if !strings.HasPrefix(pds, "https://") && !strings.HasPrefix(pds, "http://") {
		return nil, crier.Errorf(crier.EINVALID, "network %s: pds %q must start with https://", opts.Name, opts.PDS)
	}
	n := &Network{
		name:     opts.Name,
		pds:      pds,
		ident:    strings.TrimPrefix(strings.TrimSpace(opts.Handle), "@"),
		password: opts.AppPassword,
		appView:  opts.AppView,
		state:    opts.State,
		client:   opts.HTTPClient,
		clock:    opts.Clock,
		log:      opts.Logger,
		sessTurn: make(chan struct{}, 1),
	}
	if opts.Language != "" {
		n.langs = []string{opts.Language}
	}
	if n.client == nil {
		n.client = &http.Client{Timeout: time.Minute}
	}
	if n.clock == nil {
		n.clock = crier.SystemClock{}
	}
	if n.log == nil {
		n.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	// The PDS counts points in an hourly window, so a full hour's budget
	// may go at once (a launch-day batch); after that, writes are paced to
	// the hourly rate, and the server's own ratelimit-* headers still rule.
	switch points := cmp.Or(opts.WritePoints, defaultWritePoints); {
	case points < 0:
		n.writes = rate.NewLimiter(rate.Inf, 0)
	default:
		n.writes = rate.NewLimiter(rate.Limit(float64(points)/3600), points)
	}
	return n, nil
}

// Name returns the network's name in bot.yaml.
func (n *Network) Name() string { return n.name }

// Kind returns "bluesky".
func (n *Network) Kind() string { return "bluesky" }

// Check counts the text as Bluesky does: 300 graphemes and 3000 bytes.
func (n *Network) Check(text string) crier.Count {
	return crier.Count{
		Used: compose.Graphemes(text), Limit: maxGraphemes, Unit: "graphemes",
		Also: []crier.Count{{Used: len(text), Limit: maxBytes, Unit: "bytes"}},
	}
}

// validService accepts an atproto-proxy value: a DID, "#", a service id.
func validService(s string) bool {
	did, id, ok := strings.Cut(s, "#")
	return ok && strings.HasPrefix(did, "did:") && strings.Count(did, ":") >= 2 && !strings.HasSuffix(did, ":") &&
		id != "" && !strings.Contains(id, "#") && !strings.ContainsAny(s, " \t\r\n")
}

// validLanguage accepts the shape of a BCP-47 tag: letters, then
// hyphen-separated letters and digits.
func validLanguage(tag string) bool {
	for i, part := range strings.Split(tag, "-") {
		if part == "" || len(part) > 8 {
			return false
		}
		for _, c := range part {
			letter := (c|0x20) >= 'a' && (c|0x20) <= 'z'
			if !letter && (i == 0 || c < '0' || c > '9') {
				return false
			}
		}
	}
	return true
}
