// Package publish schedules posts and publishes them: it stores a post with
// its deliveries and their jobs in one transaction, and runs the jobs that
// publish each delivery exactly once, with retries and reports to chat.
package publish

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/jobs"
)

// QueuePublish is the River queue publish jobs run in.
const QueuePublish = "publish"

// Options configure a Service.
type Options struct {
	// Jobs is the job engine publish registers its worker and queue with
	// (required).
	Jobs     *jobs.Engine
	Store    Store
	Networks []crier.Network
	// Chat is where results are reported, in the channel (and thread) a
	// post came from; nil reports nothing.
	Chat           crier.Chat
	Clock          crier.Clock   // nil means the system clock
	Logger         *slog.Logger  // nil discards
	MaxAttempts    int           // attempts per delivery before giving up (default 8)
	AttemptTimeout time.Duration // bound on one Network.Publish call (default 30 s)
	Workers        int           // concurrent publish jobs (default 50)
	PollInterval   time.Duration // how often idle workers look for due jobs (default 1 s)
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
	jobs     engineJobs
	opts     Options

	startedAt time.Time   // when Start ran: a post due before it was due while crier was down
	stopping  atomic.Bool // set by Stop: interrupted attempts wait for the next start

	mu       sync.Mutex
	authDown map[string]bool     // networks whose credentials were refused, reported once
	notUntil map[int64]time.Time // job id → earliest next attempt (after an unclear one)
}

// New migrates River's tables and builds the service. Start runs the workers.
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
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	s := &Service{
		store:    opts.Store,
		networks: make(map[string]crier.Network, len(opts.Networks)),
		chat:     opts.Chat,
		clock:    opts.Clock,
		log:      opts.Logger,
		opts:     opts,
		authDown: map[string]bool{},
		notUntil: map[int64]time.Time{},
	}
	for _, n := range opts.Networks {
		s.networks[n.Name()] = n
		s.order = append(s.order, n.Name())
	}

	s.engine = opts.Jobs
	if err := jobs.AddWorker(s.engine, &publishWorker{s: s}); err != nil {
		return nil, err
	}
	if err := s.engine.AddQueue(QueuePublish, opts.Workers); err != nil {
		return nil, err
	}
	s.jobs = engineJobs{engine: s.engine, maxAttempts: opts.MaxAttempts}
	return s, nil
}

// RescueAfter is the job engine's stuck-job horizon for publish attempts
// bounded by attemptTimeout (30 s when 0): a job running this long is hung.
func RescueAfter(attemptTimeout time.Duration) time.Duration {
	if attemptTimeout <= 0 {
		attemptTimeout = 30 * time.Second
	}
	return attemptTimeout + 5*time.Minute
}

// Start starts the job engine (it first makes jobs a crash left running
// available again). Posts whose time passed while crier was down are
// published at once.
func (s *Service) Start(ctx context.Context) error {
	s.startedAt = s.clock.Now()
	// Before the workers start: a worker that asks about a recovered
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

// WaitIdle returns when no publish job is running or due (bounded by ctx).
// Tests use it after moving the clock.
func (s *Service) WaitIdle(ctx context.Context) error { return s.WaitIdleWithin(ctx, 0) }

// WaitIdleWithin returns when no publish job is running, due, or due within
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
	return s.engine.Busy(ctx, until, QueuePublish)
}

// Targets returns the names of the networks posts go to, in bot.yaml's order.
func (s *Service) Targets() []string { return slices.Clone(s.order) }

// Network returns the network with the given name.
func (s *Service) Network(name string) (crier.Network, bool) {
	n, ok := s.networks[name]
	return n, ok
}

// Preview is how one network will count a text.
type Preview struct {
	Target string
	Count  crier.Count
}

// Check counts text on each target and refuses it, naming the network and the
// excess, when it is over any limit. Nothing is stored.
func (s *Service) Check(text string, targets []string) ([]Preview, error) {
	if strings.TrimSpace(text) == "" {
		return nil, crier.Errorf(crier.EINVALID, "There is no text to post. Put it after the time, like: /schedule tomorrow 9am Launch day is here!")
	}
	if !utf8.ValidString(text) {
		return nil, crier.Errorf(crier.EINVALID, "The text contains bytes that are not valid characters (it was probably pasted from a file in another encoding). Retype or re-paste it as plain text.")
	}
	var out []Preview
	var over []string
	for _, t := range targets {
		n, ok := s.networks[t]
		if !ok {
			return nil, crier.Errorf(crier.EINVALID, "There is no network called %q. Known: %s.", t, strings.Join(s.order, ", "))
		}
		c := n.Check(text)
		out = append(out, Preview{Target: t, Count: c})
		for _, c := range append([]crier.Count{c}, c.Also...) {
			if c.Over() > 0 {
				unit := c.Unit
				if c.Over() == 1 {
					unit = strings.TrimSuffix(unit, "s")
				}
				over = append(over, fmt.Sprintf("%d %s too long for %s (%d/%d)", c.Over(), unit, t, c.Used, c.Limit))
			}
		}
	}
	if len(over) > 0 {
		return out, crier.Errorf(crier.EINVALID, "The text is %s. Shorten it and try again.", strings.Join(over, ", and "))
	}
	return out, nil
}

// Schedule stores a post due at p.DueAt (or a draft when p.Status is
// PostDraft) after checking its text against every target.
func (s *Service) Schedule(ctx context.Context, p *crier.Post) ([]Preview, error) {
	if len(p.Targets) == 0 {
		p.Targets = s.Targets()
	}
	previews, err := s.Check(p.Text, p.Targets)
	if err != nil {
		return previews, err
	}
	if p.Status == "" {
		p.Status = crier.PostScheduled
	}
	if err := s.store.CreatePost(ctx, p, s.jobs); err != nil {
		return previews, err
	}
	return previews, nil
}

// ScheduleDraft schedules draft #id at due.
func (s *Service) ScheduleDraft(ctx context.Context, id int64, due time.Time) (*crier.Post, []Preview, error) {
	p, err := s.store.FindPost(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	previews, err := s.Check(p.Text, p.Targets)
	if err != nil {
		return p, previews, err
	}
	p, err = s.store.SchedulePost(ctx, id, due, s.jobs)
	return p, previews, err
}

// Reschedule moves post #id to due.
func (s *Service) Reschedule(ctx context.Context, id int64, due time.Time) (*crier.Post, error) {
	return s.store.ReschedulePost(ctx, id, due, s.jobs)
}

// Cancel cancels post #id.
func (s *Service) Cancel(ctx context.Context, id int64) (*crier.Post, error) {
	return s.store.CancelPost(ctx, id, s.jobs)
}

// Resolve settles a "maybe published" delivery of post #id to target as a
// person decided: it is published, or publish it again now.
func (s *Service) Resolve(ctx context.Context, id int64, target string, published bool) (*crier.Post, error) {
	return s.store.ResolveMaybe(ctx, id, target, published, s.jobs)
}

// Post returns post #id.
func (s *Service) Post(ctx context.Context, id int64) (*crier.Post, error) {
	return s.store.FindPost(ctx, id)
}

// Upcoming returns scheduled posts by due time, then drafts.
func (s *Service) Upcoming(ctx context.Context, limit int) ([]*crier.Post, error) {
	return s.store.ListPosts(ctx, PostFilter{Statuses: []crier.PostStatus{crier.PostScheduled, crier.PostDraft}, Limit: limit})
}

// engineJobs is the crier.Scheduler publish hands the store: its key and
// status rules, and publish jobs inserted and cancelled inside the store's
// transaction.
type engineJobs struct {
	engine      *jobs.Engine
	maxAttempts int
}

var _ crier.Scheduler = engineJobs{}

func (engineJobs) Key(installation string, dl crier.Delivery) string { return key(installation, dl) }
func (engineJobs) Rekey(installation string, dl crier.Delivery) string {
	return rekey(installation, dl)
}
func (engineJobs) Settle(p *crier.Post) crier.PostStatus { return settle(p) }

func (j engineJobs) Enqueue(ctx context.Context, tx crier.Tx, ds []crier.Delivery) ([]int64, error) {
	ids := make([]int64, 0, len(ds))
	for _, d := range ds {
		id, err := j.engine.Insert(ctx, tx, PublishArgs{DeliveryID: d.ID, DueAtMS: d.DueAt.UnixMilli()},
			jobs.InsertOpts{Queue: QueuePublish, MaxAttempts: j.maxAttempts, At: d.DueAt})
		if err != nil {
			return nil, fmt.Errorf("insert publish job: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func (j engineJobs) Cancel(ctx context.Context, tx crier.Tx, jobIDs []int64) error {
	for _, id := range jobIDs {
		if id == 0 {
			continue
		}
		if err := j.engine.Cancel(ctx, tx, id); err != nil {
			return err
		}
	}
	return nil
}
