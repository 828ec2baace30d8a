package crier

import (
	"context"
	"time"
)

// Where a number came from.
const (
	SourceCollected = "collected" // read from a network account
	SourceChat      = "chat"      // /kpi set
	SourceImport    = "import"    // crier import kpis.csv
	SourceAPI       = "api"       // POST /api/metrics
)

// Sample is one reading of a network account's gauge (followers, following,
// posts) at one instant, collected on a schedule.
type Sample struct {
	Metric  string // "followers"
	Account string // the network's name in bot.yaml
	At      time.Time
	Value   float64
}

// Value is one number for one day that no network API gives (reach,
// conversions, spend, revenue…), fed in by the team: through chat, a CSV
// file or crier's API. A value set again for the same day, metric, account
// and campaign replaces the one before.
type Value struct {
	Day      string // the calendar date it is for, "2026-12-05"
	Metric   string
	Account  string // a network's name, "" for none
	Campaign string // a campaign's name, "" for none
	Value    float64
	Currency string // for money metrics ("EUR"); "" otherwise
	Source   string // SourceChat, SourceImport, SourceAPI
	SetBy    string // who set it (a chat user, "import", the API token's name)
}

// Reading is a gauge's latest value before an instant, and when it was
// read; OK is false when there was none.
type Reading struct {
	Value float64
	At    time.Time
	OK    bool
}

// CollectStatus is how the last reading of an account's numbers went.
type CollectStatus struct {
	Account string
	At      time.Time
	Error   string // in plain words; "" when it worked
}

// PublishedPost is one of crier's posts published on one network, with
// the latest counts read from it (zero until they are read).
type PublishedPost struct {
	PostID      int64
	Network     string
	RemoteID    string
	URL         string
	Text        string
	Campaign    string
	PublishedAt time.Time
	Stats       PostStats
	Measured    bool // counts were read at least once
}

// Engagement is what people did with a post: likes, reposts, replies and
// quotes.
func (p PublishedPost) Engagement() int {
	return p.Stats.Likes + p.Stats.Reposts + p.Stats.Replies + p.Stats.Quotes
}

// Activity is what crier itself did and saw between two instants.
type Activity struct {
	Published     int             // posts published (on any of their networks)
	Failed        int             // deliveries that failed for good
	Comments      int             // comments received
	RepliesSent   int             // answers published
	FirstResponse []time.Duration // of each conversation first answered in the period
	Open          int             // conversations open now (the team owes an answer)
	Scheduled     []Post          // posts due in the period, still to go out
}

// Campaign is a marketing campaign: posts join it with a "campaign: name"
// line; spend, conversions and revenue are fed in for it.
type Campaign struct {
	ID        int64
	Name      string // lower case, letters, digits, - and _
	Budget    float64
	HasBudget bool
	Currency  string // "EUR"; "" when no budget was given
	EndsOn    string // the last day, "2026-12-31"; "" for none
	Closed    bool
	ClosedAt  time.Time // zero while open
	CreatedBy string
	CreatedAt time.Time
}

// DigestRun is one posting of a digest: daily or weekly for one local day
// (unique), or one asked for with /digest now.
type DigestRun struct {
	ID         int64
	Digest     string // its name in bot.yaml
	Kind       string // "daily", "weekly", "now"
	Day        string // the local day it is posted on, "2026-12-06"
	Seq        int    // tells apart /digest now runs of one day; 0 for daily and weekly
	DueAt      time.Time
	Late       bool      // posted after crier was down at its time
	Manual     bool      // asked for (or moved earlier) with /digest now
	TriedSince time.Time // when an earlier attempt began; zero on the first
	Attempts   int
	// Rendered is the message as its first attempt rendered it (JSON),
	// "" until then: every later attempt posts (and looks for) the same.
	Rendered string
}

// DigestEnd is how posting a digest run ended.
type DigestEnd struct {
	ID       int64
	Message  MessageRef // where it was posted
	Failed   bool       // for good: the channel refused it
	Reason   string
	RetryAt  time.Time // not zero: post again then
	Released bool      // never started (a stop): due again as it was
}

// KPIStore keeps the numbers the digest reads. SQLite implements it; the
// queries are plain SQL over indexed tables, so PostgreSQL could too.
type KPIStore interface {
	// AddSamples stores gauge readings.
	AddSamples(ctx context.Context, ss []Sample) error
	// Gauge returns metric's latest value for account before each of ends.
	Gauge(ctx context.Context, metric, account string, ends []time.Time) ([]Reading, error)
	// PostsToMeasure returns the remote ids of the posts published on
	// network since since, whose counts are to be read.
	PostsToMeasure(ctx context.Context, network string, since time.Time) ([]string, error)
	// SetPostStats stores the counts read from network at at.
	SetPostStats(ctx context.Context, network string, at time.Time, stats []PostStats) error
	// Published returns the deliveries published in [from, to), oldest
	// first, with their latest counts.
	Published(ctx context.Context, from, to time.Time) ([]PublishedPost, error)
	// Activity counts what crier did and saw in [from, to); Scheduled
	// lists the posts due in [to, scheduledUntil).
	Activity(ctx context.Context, from, to, scheduledUntil time.Time) (Activity, error)

	// SetCollectStatus records how reading account's numbers went at at
	// (errText "" when it worked).
	SetCollectStatus(ctx context.Context, account string, at time.Time, errText string) error
	// CollectStatuses returns the last reading's outcome of each account.
	CollectStatuses(ctx context.Context) ([]CollectStatus, error)

	// SetValues stores fed-in values, all or none.
	SetValues(ctx context.Context, vs []Value) error
	// Values returns the values of the days from first to last
	// (inclusive, "2026-12-01"), in day order.
	Values(ctx context.Context, first, last string) ([]Value, error)

	// CampaignPosts counts campaign's posts published before end and the
	// engagement they got.
	CampaignPosts(ctx context.Context, campaign string, end time.Time) (posts, engagement int, err error)
	// CampaignValues returns campaign's values up to day last.
	CampaignValues(ctx context.Context, campaign, last string) ([]Value, error)

	// AddCampaign stores a new campaign; ECONFLICT when its name is taken.
	AddCampaign(ctx context.Context, c *Campaign) error
	// Campaign returns a campaign by name; ENOTFOUND when there is none.
	Campaign(ctx context.Context, name string) (*Campaign, error)
	// Campaigns lists campaigns, open ones first, by name.
	Campaigns(ctx context.Context, withClosed bool) ([]Campaign, error)
	// CloseCampaign closes a campaign.
	CloseCampaign(ctx context.Context, name string) (*Campaign, error)

	// AddDigestRun stores a run unless one of that digest, kind, day and
	// seq exists (daily and weekly runs are unique per local day). A
	// pending one takes r's time (bot.yaml's time may have changed), unless
	// /digest now moved it; a Manual r (/digest now) moves a pending one
	// earlier only. added says whether a run was stored or moved.
	AddDigestRun(ctx context.Context, r DigestRun) (added bool, err error)
	// SkipDigestRuns marks the pending runs of a digest and kind for days
	// before day as skipped: a later one, posted late, stands for them.
	SkipDigestRuns(ctx context.Context, digest, kind, day string) error
	// SaveDigestRender keeps run id's message as first rendered, and
	// whether it is late.
	SaveDigestRender(ctx context.Context, id int64, rendered string, late bool) error
	// LastDigestRun returns the latest day a digest of kind has a run
	// for; "" when none.
	LastDigestRun(ctx context.Context, digest, kind string) (string, error)
	// NextDigestRun returns when the earliest pending run is due.
	NextDigestRun(ctx context.Context) (time.Time, bool, error)
	// ClaimDigestRuns claims up to n pending runs due by now: only one
	// claimer gets each, however many crier processes share the store.
	ClaimDigestRuns(ctx context.Context, now time.Time, n int) ([]DigestRun, error)
	// RecoverDigestRuns makes runs a crash left claimed due again.
	RecoverDigestRuns(ctx context.Context) (int, error)
	// EndDigestRuns records how runs ended.
	EndDigestRuns(ctx context.Context, ends []DigestEnd) error
}
