// Package mastodon is the Mastodon network: it publishes statuses (exactly
// once per idempotency key, through Mastodon's Idempotency-Key header),
// answers comments, reads mentions and replies from the notifications (by
// polling, and live from the streaming API), and reads account and status
// counts for the digest.
//
// It uses github.com/mattn/go-mastodon for the calls that library covers
// (creating and reading statuses, the account) and plain HTTP through the same
// client for the rest (instance v2, media v2 with processing polls,
// notifications with Link pagination, quote counts, status counts 20 at a
// time with GET /api/v1/statuses?id[]=). Every request goes
// through one RoundTripper per account that paces requests (300 per 5
// minutes, Mastodon's default), honours X-RateLimit-Remaining: 0, adds the
// Idempotency-Key to status creation and turns a 429 into
// crier.RateLimited at once: go-mastodon's own 429 handling would otherwise
// sleep and retry for up to an hour.
package mastodon

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	gomastodon "github.com/mattn/go-mastodon"
	"golang.org/x/time/rate"

	"github.com/crier-bot/crier/internal/compose"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/netcall"
)

// Log attribute keys.
const (
	keyNetwork = "network"
	keyError   = "error"
)

// Defaults used until the instance has been read.
const (
	defaultMaxChars = 500
	defaultMaxMedia = 4
	refreshEvery    = time.Hour
)

// Options configure a Mastodon network.
type Options struct {
	Name        string // network name in bot.yaml
	Server      string // instance URL, https://mastodon.social
	AccessToken string
	Visibility  string // public (default), unlisted, private, direct
	Language    string // ISO 639-1, "" = let the server decide
	Limit       int    // 0 = read from the instance (500 until read); otherwise at most this many
	HTTPClient  *http.Client
	// State may be nil. When set, the instance's limits are remembered there
	// so a restart that cannot reach the instance still counts right.
	State  crier.StateStore
	Clock  crier.Clock
	Logger *slog.Logger
	// Limiter paces this account's requests; nil is 300 requests per 5
	// minutes (Mastodon's default), in bursts of up to 300. Networks that
	// post as the same account should share one.
	Limiter *rate.Limiter
}

// Network publishes to one Mastodon account.
type Network struct {
	name       string
	server     *url.URL
	token      string
	visibility string
	language   string
	cfgLimit   int
	state      crier.StateStore
	clock      crier.Clock
	log        *slog.Logger
	limiter    *rate.Limiter
	api        *gomastodon.Client
	http       *http.Client // the API client: paced, keyed, 429 → RateLimited
	fetch      *http.Client // fetches images from anywhere: no token, no pacing
	stream     *http.Client // the streaming API: no overall timeout, no size bound
	pollEvery  time.Duration
	streamIdle time.Duration // a stream silent this long has dropped

	mu          sync.Mutex
	maxChars    int
	urlLength   int
	maxMedia    int
	known       bool // limits were read from the instance (or State)
	domain      string
	refreshedAt time.Time
	// streamingURL is the instance's configuration.urls.streaming
	// (urls.streaming_api before 4.0); "" when it names none.
	streamingURL string
	remaining    int // X-RateLimit-Remaining of the last answer; -1 unknown
	resetAt      time.Time
	selfAcct     string
	// noStatusIndex: the instance has no GET /api/v1/statuses?id[]=
	// (before Mastodon 4.3); post counts are read one status at a time.
	noStatusIndex bool
}

var (
	_ crier.Network     = (*Network)(nil)
	_ crier.KeyWindower = (*Network)(nil)
	_ crier.Replier     = (*Network)(nil)
	_ crier.Verifier    = (*Network)(nil)
	_ crier.Inbox       = (*Network)(nil)
	_ crier.StatsReader = (*Network)(nil)
	_ crier.Streamer    = (*Network)(nil)
)

// New checks the options and returns the network. It makes no network
// calls; Refresh (or the first Publish) reads the instance's limits.
func New(opts Options) (*Network, error) {
	if strings.TrimSpace(opts.Name) == "" {
		return nil, crier.Errorf(crier.EINVALID, "a mastodon network needs a name")
	}
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(opts.Server), "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, crier.Errorf(crier.EINVALID, "mastodon %s: server must be the instance's address, like https://mastodon.social", opts.Name)
	}
	if strings.TrimSpace(opts.AccessToken) == "" {
		return nil, crier.Errorf(crier.EINVALID, "mastodon %s: access_token is required; make one in Preferences → Development on %s", opts.Name, u.Host)
	}
	vis := opts.Visibility
	switch vis {
	case "":
		vis = gomastodon.VisibilityPublic
	case gomastodon.VisibilityPublic, gomastodon.VisibilityUnlisted, gomastodon.VisibilityFollowersOnly, gomastodon.VisibilityDirectMessage:
	default:
		return nil, crier.Errorf(crier.EINVALID, "mastodon %s: visibility %q is not one of public, unlisted, private, direct", opts.Name, vis)
	}
	if !validLanguage(opts.Language) {
		return nil, crier.Errorf(crier.EINVALID, "mastodon %s: language %q is not an ISO 639-1 code like en or pt", opts.Name, opts.Language)
	}
	if opts.Limit < 0 {
		return nil, crier.Errorf(crier.EINVALID, "mastodon %s: limit must not be negative", opts.Name)
	}
	n := &Network{
		name: opts.Name, server: u, token: strings.TrimSpace(opts.AccessToken),
		visibility: vis, language: opts.Language, cfgLimit: opts.Limit,
		state: opts.State, clock: opts.Clock, log: opts.Logger, limiter: opts.Limiter,
		pollEvery: 250 * time.Millisecond, streamIdle: defaultStreamIdle,
		maxChars: defaultMaxChars, urlLength: compose.MastodonURLLength, maxMedia: defaultMaxMedia,
		domain: u.Hostname(), remaining: -1,
	}
	if n.clock == nil {
		n.clock = crier.SystemClock{}
	}
	if n.log == nil {
		n.log = slog.New(slog.DiscardHandler)
	}
	if n.limiter == nil {
		n.limiter = rate.NewLimiter(rate.Every(time.Second), 300)
	}
	base := opts.HTTPClient
	if base == nil {
		base = defaultHTTPClient()
	}
	rt := base.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	n.http = &http.Client{
		Transport: &transport{n: n, base: rt}, CheckRedirect: base.CheckRedirect,
		Jar: base.Jar, Timeout: base.Timeout,
	}
	n.fetch = &http.Client{Transport: rt, Timeout: imageTimeout}
	// A stream stays open for hours: no Timeout (it would cut it), no
	// transport (it bounds answers to maxJSON); Stream paces the connect and
	// watches the heartbeats itself.
	n.stream = &http.Client{Transport: rt, CheckRedirect: base.CheckRedirect, Jar: base.Jar}
	n.api = gomastodon.NewClient(&gomastodon.Config{Server: u.String(), AccessToken: n.token})
	n.api.Client = *n.http
	n.api.UserAgent = userAgent
	return n, nil
}

const userAgent = netcall.UserAgent

// defaultHTTPClient has timeouts for each step, so a silent server cannot
// hold a call for ever even without a context deadline.
func defaultHTTPClient() *http.Client {
	return &http.Client{
		Timeout: 2 * time.Minute, // a 16 MB image upload on a slow line
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: 60 * time.Second,
			ExpectContinueTimeout: time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConnsPerHost:   8,
			ForceAttemptHTTP2:     true,
		},
	}
}

func validLanguage(s string) bool {
	if s == "" {
		return true
	}
	if len(s) != 2 && len(s) != 3 {
		return false
	}
	for _, c := range s {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// Name returns the network's name in bot.yaml.
func (n *Network) Name() string { return n.name }

// Kind returns "mastodon".
func (n *Network) Kind() string { return "mastodon" }

// KeyWindow returns 55 minutes: Mastodon remembers an Idempotency-Key for an
// hour, and the margin covers clocks and a slow request.
func (n *Network) KeyWindow() time.Duration { return 55 * time.Minute }

// Check counts text as the instance does, against its limit as last read.
func (n *Network) Check(text string) crier.Count {
	limit, urlLen, _ := n.limits()
	return crier.Count{Used: compose.MastodonLength(text, urlLen), Limit: limit, Unit: "characters"}
}

// limits returns the character limit, the length of a link and the number
// of images per post, as last read from the instance (and the configured
// limit, which can only lower it).
func (n *Network) limits() (maxChars, urlLength, maxMedia int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	maxChars = n.maxChars
	if n.cfgLimit > 0 && (!n.known || n.cfgLimit < maxChars) {
		maxChars = n.cfgLimit
	}
	return maxChars, n.urlLength, n.maxMedia
}

// host is the instance's host name, for messages.
func (n *Network) host() string { return n.server.Host }

// url returns the absolute URL of an API path.
func (n *Network) url(path string) string { return n.server.String() + path }

// sameOrigin reports whether u points at the instance (a Link header that
// does not is not followed: it would get the token).
func (n *Network) sameOrigin(u *url.URL) bool {
	return u.Scheme == n.server.Scheme && strings.EqualFold(u.Host, n.server.Host)
}

// errNoKey is returned for a publish without an idempotency key: crier
// always sends one, so this is a bug, not something a person can fix.
var errNoKey = errors.New("no idempotency key")

func (n *Network) noKey(what string) error {
	return crier.Permanent(fmt.Errorf("mastodon %s %s: %w", n.name, what, errNoKey))
}
