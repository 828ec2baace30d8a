// Package series makes the posts of recurring series (issue 10): "/schedule
// every monday 9am …". Each occurrence is a post of its own, with its own
// id, deliveries and idempotency keys, made ahead of its time: within
// Horizon (8 weeks) and at most Ahead (10) upcoming at once, so a daily
// series does not fill /queue with 56 posts. TopUp, run at start and once a
// day, makes the next ones as their time nears. No series makes posts for
// more than a year (timeparse caps the rule).
//
// An evergreen series ("/schedule every 3 weeks from queue evergreen")
// re-posts the posts marked evergreen (/evergreen #12) in turn: each
// occurrence, as it is made, copies the post least recently re-posted, and
// the rotation moves on in the same transaction.
package series

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/publish"
	"github.com/crier-bot/crier/internal/timeparse"
)

// Defaults for Options.
const (
	DefaultHorizon = 8 * 7 * 24 * time.Hour
	DefaultAhead   = 10
)

// Publisher is what the service needs of internal/publish: the networks'
// checks of a text, and the networks there are.
type Publisher interface {
	CheckPost(p *crier.Post) ([]publish.Preview, error)
	Targets() []string
}

// Options configure a Service.
type Options struct {
	Store     crier.SeriesStore // required
	Publisher Publisher         // required
	// Rules give the deliveries' idempotency keys; nil means publish's
	// rule, crier.IdempotencyKey (post id, target, occurrence).
	Rules crier.DeliveryRules
	// Wake tells the publish queue that posts were added; nil: it finds
	// them on its next look (within a minute).
	Wake    func()
	Clock   crier.Clock
	Logger  *slog.Logger
	Horizon time.Duration // how far ahead occurrences are made (default 8 weeks)
	Ahead   int           // the most upcoming occurrences of one series (default 10)
}

// Service makes and cancels series.
type Service struct {
	store   crier.SeriesStore
	pub     Publisher
	rules   crier.DeliveryRules
	wake    func()
	clock   crier.Clock
	log     *slog.Logger
	horizon time.Duration
	ahead   int
}

// New returns a Service.
func New(o Options) *Service {
	s := &Service{store: o.Store, pub: o.Publisher, rules: o.Rules, wake: o.Wake, clock: o.Clock, log: o.Logger, horizon: o.Horizon, ahead: o.Ahead}
	if s.rules == nil {
		s.rules = keyRules{}
	}
	if s.wake == nil {
		s.wake = func() {}
	}
	if s.clock == nil {
		s.clock = crier.SystemClock{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.horizon <= 0 {
		s.horizon = DefaultHorizon
	}
	if s.ahead <= 0 {
		s.ahead = DefaultAhead
	}
	return s
}

// Created is a new series and the posts made for it so far.
type Created struct {
	Series   *crier.Series
	Posts    []*crier.Post
	Previews []publish.Preview // of the first post
	Last     time.Time         // the series' last occurrence
	Count    int               // how many occurrences it will have
}

// Create checks tmpl's text with every network, then stores a series of
// it by rule (in loc) with its first occurrences, in one transaction. The
// first occurrence is always made, even beyond the horizon.
func (s *Service) Create(ctx context.Context, tmpl *crier.Post, rule timeparse.Rule, loc *time.Location) (*Created, error) {
	if loc == nil {
		loc = time.UTC
	}
	if len(tmpl.Targets) == 0 {
		tmpl.Targets = s.pub.Targets()
	}
	first := s.occurrence(tmpl, rule.Start)
	previews, err := s.pub.CheckPost(first)
	if err != nil {
		return nil, err
	}
	return s.create(ctx, &crier.Series{Rule: rule.String(), Timezone: loc.String(), Template: *tmpl, Status: crier.SeriesActive}, rule, loc, previews)
}

// CreateEvergreen stores an evergreen series by rule (in loc): each
// occurrence re-posts the next post marked evergreen, in turn. tmpl gives
// the author, origin and approval of every re-post, and the networks of a
// post that names none. With no post marked, nothing is stored and the
// error says to mark some (ENOTFOUND). Previews are of the first re-post.
func (s *Service) CreateEvergreen(ctx context.Context, tmpl *crier.Post, rule timeparse.Rule, loc *time.Location) (*Created, error) {
	if loc == nil {
		loc = time.UTC
	}
	if len(tmpl.Targets) == 0 {
		tmpl.Targets = s.pub.Targets()
	}
	c, err := s.create(ctx, &crier.Series{Rule: rule.String(), Timezone: loc.String(), Template: *tmpl, Evergreen: true, Status: crier.SeriesActive},
		rule, loc, nil)
	if err != nil {
		return nil, err
	}
	// The re-posts passed the networks' checks when they were written;
	// the previews only show them.
	if c.Previews, err = s.pub.CheckPost(c.Posts[0]); err != nil {
		s.log.Warn("evergreen re-post", slog.Int64("post_id", c.Posts[0].ID), slog.Any("error", err))
		c.Previews = nil
	}
	return c, nil
}

func (s *Service) create(ctx context.Context, sr *crier.Series, rule timeparse.Rule, loc *time.Location, previews []publish.Preview) (*Created, error) {
	posts, ended, _ := s.plan(sr, rule, loc, time.Time{}, s.clock.Now(), true)
	if ended {
		sr.Status = crier.SeriesEnded
	}
	if err := s.store.AddSeries(ctx, sr, posts, s.rules); err != nil {
		return nil, fmt.Errorf("create series: %w", err)
	}
	posts = madeOnly(posts)
	s.wake()
	last, count := rule.Last(loc)
	return &Created{Series: sr, Posts: posts, Previews: previews, Last: last, Count: count}, nil
}

// madeOnly drops the occurrences the store did not make (an evergreen
// series' when no post is marked): they have no id.
func madeOnly(posts []*crier.Post) []*crier.Post {
	out := posts[:0:0]
	for _, p := range posts {
		if p.ID != 0 {
			out = append(out, p)
		}
	}
	return out
}

// plan returns the occurrences of sr to make now: after its last one
// (made: the last made) and after now, due within the horizon, up to Ahead
// upcoming; whether the series ends with them; and how many times were
// skipped because they passed before they were made (crier was down).
func (s *Service) plan(sr *crier.Series, rule timeparse.Rule, loc *time.Location, made, now time.Time, atLeastOne bool) ([]*crier.Post, bool, int) {
	upcoming := 0
	if !made.IsZero() {
		_, ts := rule.Occurrences(now, loc, s.ahead)
		for _, t := range ts {
			if !t.After(made) {
				upcoming++
			}
		}
	}
	after := made
	if after.IsZero() {
		after = rule.Start.Add(-time.Nanosecond)
	}
	skipped := 0
	if after.Before(now) {
		// Times that passed before they were made (crier was down, or an
		// evergreen series had no post marked) are not made late: they
		// would all go out at once.
		_, missed := rule.Occurrences(after, loc, timeparse.MaxOccurrences)
		for _, t := range missed {
			if t.After(now) {
				break
			}
			skipped++
		}
		after = now
	}
	var posts []*crier.Post
	horizon := now.Add(s.horizon)
	for upcoming+len(posts) < s.ahead {
		t := rule.Next(after, loc)
		if t.IsZero() || (t.After(horizon) && !(atLeastOne && len(posts) == 0)) {
			break
		}
		posts = append(posts, s.occurrence(&sr.Template, t))
		after = t
	}
	return posts, rule.Next(after, loc).IsZero(), skipped
}

// occurrence is the post of one occurrence: tmpl's text, networks,
// pictures, campaign, networks' own texts, author and approval, due at t.
func (s *Service) occurrence(tmpl *crier.Post, t time.Time) *crier.Post {
	p := &crier.Post{
		Text: tmpl.Text, Status: crier.PostScheduled, DueAt: t.UTC(), AuthorID: tmpl.AuthorID, AuthorName: tmpl.AuthorName,
		Origin: tmpl.Origin, Targets: append([]string(nil), tmpl.Targets...), Images: append([]crier.Image(nil), tmpl.Images...),
		Campaign: tmpl.Campaign, Approval: tmpl.Approval,
	}
	if len(tmpl.Variants) > 0 {
		p.Variants = make(map[string]string, len(tmpl.Variants))
		for k, v := range tmpl.Variants {
			p.Variants[k] = v
		}
	}
	return p
}

// TopUp makes the next occurrences of every active series, as their time
// nears; run it at start and once a day. It returns how many posts it
// made. A series that fails is logged and the others go on.
func (s *Service) TopUp(ctx context.Context, now time.Time) (int, error) {
	all, err := s.store.ActiveSeries(ctx)
	if err != nil {
		return 0, fmt.Errorf("top up series: %w", err)
	}
	made := 0
	var firstErr error
	for _, sr := range all {
		n, err := s.topUp(ctx, sr, now)
		made += n
		if err != nil {
			s.log.Warn("top up series", slog.Int64("series_id", sr.ID), slog.Any("error", err))
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	if made > 0 {
		s.wake()
	}
	return made, firstErr
}

func (s *Service) topUp(ctx context.Context, sr *crier.Series, now time.Time) (int, error) {
	rule, err := timeparse.ParseRule(sr.Rule)
	if err != nil {
		return 0, err
	}
	loc, err := time.LoadLocation(sr.Timezone)
	if err != nil {
		return 0, fmt.Errorf("series %d timezone: %w", sr.ID, err)
	}
	if sr.Template.Approval == crier.ApprovalAwaiting {
		// Approved since (its first occurrence was): the next ones are
		// made approved.
		ok, skipped, err := s.store.ApproveSeries(ctx, sr.ID)
		if err != nil {
			return 0, fmt.Errorf("series %d approval: %w", sr.ID, err)
		}
		if len(skipped) > 0 {
			s.log.Info("series approved after some of its times passed: skipped, not posted late",
				slog.Int64("series_id", sr.ID), slog.Any("post_ids", skipped))
		}
		if ok {
			sr.Template.Approval = crier.ApprovalApproved
		}
	}
	posts, ended, skipped := s.plan(sr, rule, loc, sr.LastAt, now, false)
	if skipped > 0 && !sr.Evergreen {
		s.log.Info("series times passed before they were made: skipped, not posted late", slog.Int64("series_id", sr.ID), slog.Int("skipped", skipped))
	}
	if len(posts) == 0 && !ended {
		return 0, nil
	}
	if err := s.store.AddOccurrences(ctx, sr.ID, sr.Made, posts, ended, s.rules); err != nil {
		return 0, fmt.Errorf("series %d: %w", sr.ID, err)
	}
	made := len(madeOnly(posts))
	if made < len(posts) {
		s.log.Warn("no evergreen posts: mark some with /evergreen #id", slog.Int64("series_id", sr.ID), slog.Int("not_made", len(posts)-made))
	}
	return made, nil
}

// SeriesOf returns the series post id belongs to and its number in it; nil
// when it is a post of its own.
func (s *Service) SeriesOf(ctx context.Context, postID int64) (*crier.Series, int, error) {
	return s.store.SeriesOf(ctx, postID)
}

// Approved approves the series post id is the first occurrence of, once
// that post is approved: the approvers were asked about the series, so
// its other occurrences, made and to be made, are approved alike; those
// whose time passed while it waited are skipped (cancelled, not posted
// late) and returned. Call it after a post is approved; for any other post
// it does nothing.
func (s *Service) Approved(ctx context.Context, postID int64) (skipped []int64, err error) {
	sr, no, err := s.store.SeriesOf(ctx, postID)
	if err != nil {
		return nil, fmt.Errorf("series of post %d: %w", postID, err)
	}
	if sr == nil || no != 1 || sr.Template.Approval != crier.ApprovalAwaiting {
		return nil, nil
	}
	_, skipped, err = s.store.ApproveSeries(ctx, sr.ID)
	if err != nil {
		return nil, fmt.Errorf("approve series %d: %w", sr.ID, err)
	}
	return skipped, nil
}

// Cancel cancels series id from now on: its occurrences due from now that
// have not started are cancelled, and no more are made.
func (s *Service) Cancel(ctx context.Context, id int64) (canceled, started []int64, err error) {
	return s.store.CancelSeries(ctx, id, s.clock.Now())
}

// MarkEvergreen marks post id evergreen, or unmarks it (on false); by is
// who does it (user id).
func (s *Service) MarkEvergreen(ctx context.Context, id int64, on bool, by string) (*crier.Evergreen, error) {
	return s.store.MarkEvergreen(ctx, id, on, by)
}

// Evergreen returns the posts marked evergreen in the order evergreen
// series re-post them: least recently re-posted first, ties by id.
func (s *Service) Evergreen(ctx context.Context) ([]*crier.Evergreen, error) {
	return s.store.EvergreenPosts(ctx)
}

// Describe says a stored series' rule in English ("every Monday at 09:00").
func Describe(sr *crier.Series) string {
	rule, err := timeparse.ParseRule(sr.Rule)
	if err != nil {
		return "a series"
	}
	if sr.Evergreen {
		return rule.Describe() + ", re-posting evergreen posts"
	}
	return rule.Describe()
}

// keyRules are publish's delivery keys (crier.IdempotencyKey), for when no
// Rules are given.
type keyRules struct{}

func (keyRules) Key(installation string, dl crier.Delivery) string {
	return crier.IdempotencyKey(installation, dl.PostID, dl.Target, dl.Occurrence)
}

func (k keyRules) Rekey(installation string, dl crier.Delivery) string {
	return fmt.Sprintf("%s-again%d", k.Key(installation, dl), dl.Attempts)
}

func (keyRules) Settle(p *crier.Post) crier.PostStatus { return p.Status }
