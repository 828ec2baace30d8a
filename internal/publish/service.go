// Package publish schedules posts and publishes them: it stores a post with
// its deliveries in one transaction, and publishes each delivery exactly
// once when it falls due, with retries and reports to chat. The deliveries
// are their own queue in the job engine (jobs.DueQueue): due ones are
// claimed in batches at their instant, published concurrently, and their
// results recorded in batches.
package publish

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/crier-bot/crier/internal/compose"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/jobs"
)

// queueName names publishing's queue in the job engine and its logs.
const queueName = "publish"

// retiredKind is the River job that published one delivery before the
// deliveries became their own queue; a database from then may still hold
// some, which are dropped (their deliveries are due in the queue).
const retiredKind = "publish_delivery"

// Options configure a Service.
type Options struct {
	// Jobs is the job engine publish registers its queue with (required).
	Jobs *jobs.Engine
	// UTM says how the links of a campaign's posts are tagged for web
	// analytics (utm_source, utm_medium, utm_campaign); each network gets
	// its own.
	UTM      compose.UTM
	Store    Store
	Networks []crier.Network
	// Chat is where results are reported, in the channel (and thread) a
	// post came from; nil reports nothing.
	Chat           crier.Chat
	Clock          crier.Clock   // nil means the system clock
	Logger         *slog.Logger  // nil discards
	MaxAttempts    int           // attempts per delivery before giving up (default 8)
	AttemptTimeout time.Duration // bound on one Network.Publish call (default 30 s)
	Workers        int           // concurrent publish attempts (default 50)
	// OnPublished, when set, is told of each delivery published, once it is
	// recorded (the comment relay opens the post's thread).
	OnPublished func(ctx context.Context, p *crier.Post, target string, res crier.PublishResult)
	// Location gives the timezone notices to a channel use for times ("will
	// try again at 09:05 CET"); nil or a nil result means UTC.
	Location func(crier.ChannelRef) *time.Location
}

// Service schedules and publishes posts.
type Service struct {
	store    Store
	networks map[string]crier.Network
	order    []string
	chat     crier.Chat // nil reports nothing
	clock    crier.Clock
	log      *slog.Logger
	engine   *jobs.Engine
	queue    *jobs.DueQueue[crier.Claim, outcome]
	opts     Options

	startedAt time.Time   // when Start ran: a post due before it was due while crier was down
	stopping  atomic.Bool // set by Stop: interrupted attempts wait for the next start

	mu       sync.Mutex
	authDown map[string]bool // networks whose credentials were refused, reported once
}

// New builds the service and registers its queue with the job engine.
// Start runs it.
func New(ctx context.Context, opts Options) (*Service, error) {
	if opts.Jobs == nil {
		return nil, errors.New("publish: no job engine")
	}
	if opts.Clock == nil {
		opts.Clock = crier.SystemClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 8
	}
	if opts.AttemptTimeout <= 0 {
		opts.AttemptTimeout = 30 * time.Second
	}
	if opts.Workers <= 0 {
		opts.Workers = 50
	}
	s := &Service{
		store:    opts.Store,
		networks: make(map[string]crier.Network, len(opts.Networks)),
		chat:     opts.Chat,
		clock:    opts.Clock,
		log:      opts.Logger,
		opts:     opts,
		authDown: map[string]bool{},
	}
	for _, n := range opts.Networks {
		s.networks[n.Name()] = n
		s.order = append(s.order, n.Name())
	}

	s.engine = opts.Jobs
	if _, err := s.engine.Retire(ctx, retiredKind); err != nil {
		return nil, err
	}
	q, err := jobs.NewDueQueue(s.engine, queueName, deliveryQueue{s.store}, jobs.DueWork[crier.Claim, outcome]{
		Work: s.attempt, Release: s.release, Record: s.record, After: s.afterRecorded,
	}, jobs.DueOptions{Workers: opts.Workers, Batch: 200})
	if err != nil {
		return nil, err
	}
	s.queue = q
	return s, nil
}

// deliveryQueue is the store's deliveries as the job engine's due source.
type deliveryQueue struct{ store Store }

func (q deliveryQueue) Recover(ctx context.Context) (int, error) {
	return q.store.RecoverDeliveries(ctx)
}

// Next is the earliest due delivery; none while publishing is paused (a
// resume wakes the queue).
func (q deliveryQueue) Next(ctx context.Context) (time.Time, bool, error) {
	if paused, _, _, err := q.store.Paused(ctx); err != nil || paused {
		return time.Time{}, false, err
	}
	return q.store.NextDelivery(ctx)
}

// Claim claims due deliveries, none while publishing is paused: they wait.
func (q deliveryQueue) Claim(ctx context.Context, now time.Time, n int) ([]crier.Claim, error) {
	if paused, _, _, err := q.store.Paused(ctx); err != nil || paused {
		return nil, err
	}
	return q.store.ClaimDeliveries(ctx, now, n)
}

// Start starts the job engine (it first makes deliveries a crash left
// publishing due again). Posts whose time passed while crier was down are
// published at once.
func (s *Service) Start(ctx context.Context) error {
	s.startedAt = s.clock.Now()
	// Before the queue starts: an attempt that asks about a recovered
	// delivery must not race this into asking twice.
	s.askAgain(ctx)
	if err := s.engine.Start(ctx); err != nil {
		return fmt.Errorf("start publishing: %w", err)
	}
	return nil
}

// Stop lets running publish attempts finish until ctx ends, then cancels
// them; a cancelled attempt is retried at the next start.
func (s *Service) Stop(ctx context.Context) error {
	s.stopping.Store(true)
	if err := s.engine.Stop(ctx); err != nil {
		return fmt.Errorf("stop publishing: %w", err)
	}
	return nil
}

// WaitIdle returns when no publish attempt is running or due (bounded by ctx).
// Tests use it after moving the clock.
func (s *Service) WaitIdle(ctx context.Context) error { return s.WaitIdleWithin(ctx, 0) }

// WaitIdleWithin returns when no publish attempt is running, due, or due within
// the given time from now (bounded by ctx): a retry a few seconds away, or a
// post waiting out a rate limit, is waited for too. The shell calls it at the
// end of its input.
func (s *Service) WaitIdleWithin(ctx context.Context, within time.Duration) error {
	until := s.clock.Now().Add(within)
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		busy, err := s.busy(ctx, until)
		if err != nil {
			return err
		}
		if !busy {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for due posts: %w", ctx.Err())
		case <-t.C:
		}
	}
}

func (s *Service) busy(ctx context.Context, until time.Time) (bool, error) {
	idle, err := s.queue.Idle(ctx, until)
	return !idle, err
}

// Targets returns the names of the networks posts go to, in bot.yaml's order.
func (s *Service) Targets() []string { return slices.Clone(s.order) }

// Network returns the network with the given name.
func (s *Service) Network(name string) (crier.Network, bool) {
	n, ok := s.networks[name]
	return n, ok
}

// Preview is how one network will count its text.
type Preview struct {
	Target string
	Text   string // the network's own text, "" when it gets the main one
	Count  crier.Count
}

// Check counts text on each target and refuses it, naming the network and
// the excess, when it is over any limit. Nothing is stored.
func (s *Service) Check(text, campaign string, targets []string) ([]Preview, error) {
	return s.CheckPost(&crier.Post{Text: text, Campaign: campaign, Targets: targets})
}

// CheckPost counts each target's text (its own variant, else the main
// text) and refuses the post, naming the network and the excess, when one
// is over its limit; a variant for a network the post does not go to, and
// an unknown network, are refused too. Nothing is stored.
func (s *Service) CheckPost(p *crier.Post) ([]Preview, error) {
	if strings.TrimSpace(p.Text) == "" {
		return nil, crier.Errorf(crier.EINVALID, "There is no text to post. Put it after the time, like: /schedule tomorrow 9am Launch day is here!")
	}
	for _, t := range slices.Sorted(maps.Keys(p.Variants)) {
		if !slices.Contains(p.Targets, t) {
			if _, known := s.networks[t]; !known {
				return nil, s.unknownNetwork(t)
			}
			what := "This post"
			if p.ID != 0 {
				what = fmt.Sprintf("Post #%d", p.ID)
			}
			return nil, crier.Errorf(crier.EINVALID, "%s does not go to %s, so it needs no text of its own there; add %s to its networks first, or drop the %s: line.", what, t, t, t)
		}
	}
	var out []Preview
	var over []string
	for _, t := range p.Targets {
		n, ok := s.networks[t]
		if !ok {
			return nil, s.unknownNetwork(t)
		}
		text := p.TextFor(t)
		if !utf8.ValidString(text) {
			return nil, crier.Errorf(crier.EINVALID, "The text contains bytes that are not valid characters (it was probably pasted from a file in another encoding). Retype or re-paste it as plain text.")
		}
		// Counted as published: with the campaign's tags on its links
		// (they cost characters on Bluesky).
		c := n.Check(compose.TagLinks(text, t, p.Campaign, s.opts.UTM))
		pv := Preview{Target: t, Count: c}
		if _, own := p.Variants[t]; own {
			pv.Text = text
		}
		out = append(out, pv)
		over = append(over, c.Overs(t)...)
	}
	if len(over) > 0 {
		return out, crier.Errorf(crier.EINVALID, "The text is %s. Shorten it and try again.", strings.Join(over, ", and "))
	}
	return out, nil
}

// unknownNetwork refuses a network name bot.yaml does not have, suggesting
// the closest.
func (s *Service) unknownNetwork(name string) error {
	if best := crier.Closest(name, s.order); best != "" {
		return crier.Errorf(crier.EINVALID, "There is no network called %q; did you mean %s? Known: %s.", name, best, strings.Join(s.order, ", "))
	}
	return crier.Errorf(crier.EINVALID, "There is no network called %q. Known: %s.", name, strings.Join(s.order, ", "))
}

// Schedule stores a post due at p.DueAt (or a draft when p.Status is
// PostDraft) after checking its text against every target.
func (s *Service) Schedule(ctx context.Context, p *crier.Post) ([]Preview, error) {
	if len(p.Targets) == 0 {
		p.Targets = s.Targets()
	}
	previews, err := s.CheckPost(p)
	if err != nil {
		return previews, err
	}
	if p.Status == "" {
		p.Status = crier.PostScheduled
	}
	if err := s.store.CreatePost(ctx, p, rules{}); err != nil {
		return previews, err
	}
	s.queue.Wake()
	return previews, nil
}

// CheckImported checks an imported post's text against every target as
// Schedule does, and refuses it when the same post (time, text and
// networks) is scheduled already, so that a file imported twice schedules
// nothing twice.
func (s *Service) CheckImported(ctx context.Context, p *crier.Post) error {
	if _, err := s.CheckPost(p); err != nil {
		return err
	}
	if p.DueAt.IsZero() {
		return nil // a draft
	}
	same, err := s.Posts(ctx, PostFilter{Statuses: []crier.PostStatus{crier.PostScheduled}, From: p.DueAt, To: p.DueAt.Add(time.Second)})
	if err != nil {
		return err
	}
	for _, q := range same {
		if q.Text == p.Text && slices.Equal(q.Targets, p.Targets) {
			return crier.Errorf(crier.EINVALID, "the same post is scheduled already, as #%d", q.ID)
		}
	}
	return nil
}

// ScheduleAll stores posts as Schedule does, all or none: every text is
// checked first, and they are stored in one transaction (an imported
// calendar).
func (s *Service) ScheduleAll(ctx context.Context, posts []*crier.Post) error {
	for _, p := range posts {
		if len(p.Targets) == 0 {
			p.Targets = s.Targets()
		}
		if _, err := s.CheckPost(p); err != nil {
			return err
		}
		if p.Status == "" {
			p.Status = crier.PostScheduled
		}
	}
	if err := s.store.CreatePosts(ctx, posts, rules{}); err != nil {
		return err
	}
	s.queue.Wake()
	return nil
}

// ScheduleDraft schedules draft #id at due; with awaiting, it waits for an
// approver.
func (s *Service) ScheduleDraft(ctx context.Context, id int64, due time.Time, awaiting bool) (*crier.Post, []Preview, error) {
	p, err := s.store.FindPost(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	previews, err := s.CheckPost(p)
	if err != nil {
		return p, previews, err
	}
	p, err = s.store.SchedulePost(ctx, id, due, awaiting, rules{})
	if err == nil {
		s.queue.Wake()
	}
	return p, previews, err
}

// Edit changes post #id as e says, after checking every network's text of
// the result; nothing is stored when a text is refused.
func (s *Service) Edit(ctx context.Context, id int64, e crier.PostEdit) (*crier.Post, []Preview, error) {
	p, err := s.store.FindPost(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	next := *p
	if e.Text != nil {
		next.Text = *e.Text
	}
	next.Variants = maps.Clone(p.Variants)
	for network, text := range e.Variants {
		if next.Variants == nil {
			next.Variants = map[string]string{}
		}
		if text == "" {
			delete(next.Variants, network)
		} else {
			next.Variants[network] = text
		}
	}
	if e.Targets != nil {
		next.Targets = e.Targets
	}
	previews, err := s.CheckPost(&next)
	if err != nil {
		return p, previews, err
	}
	p, err = s.store.EditPost(ctx, id, e)
	return p, previews, err
}

// Decide approves or rejects post #id at revision; an approved post's
// deliveries go out at their time, or at once when it has passed.
func (s *Service) Decide(ctx context.Context, id int64, revision int, approve bool, by, note string) (*crier.Post, error) {
	p, err := s.store.DecideApproval(ctx, id, revision, approve, by, note, s.clock.Now())
	if err == nil && approve {
		s.queue.Wake()
	}
	return p, err
}

// Reschedule moves post #id to due.
func (s *Service) Reschedule(ctx context.Context, id int64, due time.Time) (*crier.Post, error) {
	p, err := s.store.ReschedulePost(ctx, id, due)
	if err == nil {
		s.queue.Wake()
	}
	return p, err
}

// Cancel cancels post #id.
func (s *Service) Cancel(ctx context.Context, id int64) (*crier.Post, error) {
	return s.store.CancelPost(ctx, id)
}

// Resolve settles a "maybe published" delivery of post #id to target as a
// person decided: it is published, or publish it again now.
func (s *Service) Resolve(ctx context.Context, id int64, target string, published bool) (*crier.Post, error) {
	p, err := s.store.ResolveMaybe(ctx, id, target, published, rules{})
	if err == nil {
		s.queue.Wake()
	}
	return p, err
}

// Pause stops publishing until Resume: due posts wait (a crisis is being
// handled). by is who paused it, in words ("ana", "the crisis alarm").
func (s *Service) Pause(ctx context.Context, by string) error {
	return s.store.SetPaused(ctx, true, by)
}

// Resume publishes again; posts that fell due meanwhile go out at once.
func (s *Service) Resume(ctx context.Context) error {
	if err := s.store.SetPaused(ctx, false, ""); err != nil {
		return err
	}
	s.queue.Wake()
	return nil
}

// Paused says whether publishing is paused, since when and by whom.
func (s *Service) Paused(ctx context.Context) (bool, time.Time, string, error) {
	return s.store.Paused(ctx)
}

// Post returns post #id.
func (s *Service) Post(ctx context.Context, id int64) (*crier.Post, error) {
	return s.store.FindPost(ctx, id)
}

// Upcoming returns scheduled posts by due time, then drafts.
func (s *Service) Upcoming(ctx context.Context, limit int) ([]*crier.Post, error) {
	return s.store.ListPosts(ctx, PostFilter{Statuses: []crier.PostStatus{crier.PostScheduled, crier.PostDraft}, Limit: limit})
}

// Posts returns the posts f selects, with their deliveries (the calendar's
// days: f.From and f.To).
func (s *Service) Posts(ctx context.Context, f PostFilter) ([]*crier.Post, error) {
	return s.store.ListPosts(ctx, f)
}

// Rules are the delivery rules the store applies (keys, settling), for a
// service that creates posts itself (series).
func (s *Service) Rules() crier.DeliveryRules { return rules{} }

// Wake makes the publish queue look for due deliveries now.
func (s *Service) Wake() { s.queue.Wake() }

// AwaitingApproval returns the posts that wait for approval, soonest first.
func (s *Service) AwaitingApproval(ctx context.Context) ([]*crier.Post, error) {
	return s.store.ListPosts(ctx, PostFilter{Statuses: []crier.PostStatus{crier.PostScheduled}, Approval: crier.ApprovalAwaiting})
}

// rules are publish's delivery rules the store applies inside its own
// transactions: which key a delivery gets, and what a post's status becomes.
type rules struct{}

var _ crier.DeliveryRules = rules{}

func (rules) Key(installation string, dl crier.Delivery) string   { return key(installation, dl) }
func (rules) Rekey(installation string, dl crier.Delivery) string { return rekey(installation, dl) }
func (rules) Settle(p *crier.Post) crier.PostStatus               { return settle(p) }
