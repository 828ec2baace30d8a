package digest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/jobs"
)

// Options configure a Service.
type Options struct {
	Jobs  *jobs.Engine // required
	Store crier.KPIStore
	Chat  crier.Chat
	Specs []Spec
	// Networks are read for their numbers (those that are a
	// crier.StatsReader) every Collect.
	Networks []crier.Network
	Collect  time.Duration // default 1 h; negative: never (CollectOnce by hand)
	// Installation is the store's random id, part of every digest
	// message's key.
	Installation string
	Clock        crier.Clock  // nil: the system clock
	Logger       *slog.Logger // nil discards
}

// Service posts each digest at its local time every day (and every week),
// once, and reads the networks' numbers on a schedule.
type Service struct {
	opts  Options
	store crier.KPIStore
	clock crier.Clock
	log   *slog.Logger
	runs  *jobs.DueQueue[crier.DigestRun, crier.DigestEnd]

	mu      sync.Mutex
	cancel  context.CancelFunc
	readers sync.WaitGroup
}

// maxDigestAttempts bounds the attempts at posting one digest.
const maxDigestAttempts = 6

// lateAfter is how long after its time a digest counts as late.
const lateAfter = 15 * time.Minute

// New registers the digest queue with the job engine.
func New(opts Options) (*Service, error) {
	if opts.Jobs == nil || opts.Store == nil || opts.Chat == nil {
		return nil, errors.New("digest: job engine, store and chat are required")
	}
	if opts.Clock == nil {
		opts.Clock = crier.SystemClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Collect == 0 {
		opts.Collect = time.Hour
	}
	for i := range opts.Specs {
		if opts.Specs[i].Location == nil {
			opts.Specs[i].Location = time.UTC
		}
	}
	s := &Service{opts: opts, store: opts.Store, clock: opts.Clock, log: opts.Logger}
	var err error
	s.runs, err = jobs.NewDueQueue(opts.Jobs, "digest", runQueue{store: opts.Store, plan: s.plan}, jobs.DueWork[crier.DigestRun, crier.DigestEnd]{
		Work:    s.post,
		Release: func(r crier.DigestRun) crier.DigestEnd { return crier.DigestEnd{ID: r.ID, Released: true} },
		Record: func(ctx context.Context, ends []crier.DigestEnd) error {
			return s.store.EndDigestRuns(ctx, ends)
		},
		After: func(ctx context.Context, _ crier.DigestEnd) {
			if err := s.Plan(ctx); err != nil {
				s.log.Warn("plan the next digests", slog.Any("error", err))
			}
		},
	}, jobs.DueOptions{Workers: 2, Batch: 4})
	if err != nil {
		return nil, err
	}
	return s, nil
}

type runQueue struct {
	store crier.KPIStore
	plan  func(ctx context.Context) error
}

// Recover gives back runs a crash left claimed, and plans the digests
// before the first claim: a run a downtime made late must stand for older
// ones before any of them is taken.
func (q runQueue) Recover(ctx context.Context) (int, error) {
	n, err := q.store.RecoverDigestRuns(ctx)
	if err != nil {
		return n, err
	}
	return n, q.plan(ctx)
}
func (q runQueue) Next(ctx context.Context) (time.Time, bool, error) {
	return q.store.NextDigestRun(ctx)
}
func (q runQueue) Claim(ctx context.Context, now time.Time, n int) ([]crier.DigestRun, error) {
	return q.store.ClaimDigestRuns(ctx, now, n)
}

// Accounts are the network accounts whose numbers crier reads.
func (s *Service) Accounts() []string {
	var out []string
	for _, n := range s.opts.Networks {
		if _, ok := n.(crier.StatsReader); ok {
			out = append(out, n.Name())
		}
	}
	return out
}

// Spec returns the digest named name ("" for the first).
func (s *Service) Spec(name string) (Spec, bool) {
	for _, sp := range s.opts.Specs {
		if name == "" || sp.Name == name {
			return sp, true
		}
	}
	return Spec{}, false
}

// Start plans the digests and reads the networks now and every Collect.
// The queue starts with the job engine.
func (s *Service) Start(ctx context.Context) error {
	s.mu.Lock()
	if s.cancel != nil {
		s.mu.Unlock()
		return nil
	}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	s.mu.Unlock()
	if err := s.Plan(ctx); err != nil {
		return err
	}
	if len(s.Accounts()) > 0 && s.opts.Collect > 0 {
		s.readers.Add(1)
		go func() {
			defer s.readers.Done()
			for {
				s.CollectOnce(rctx)
				if crier.Sleep(rctx, s.clock, s.opts.Collect) != nil {
					return
				}
			}
		}()
	}
	return nil
}

// Stop stops reading the networks.
func (s *Service) Stop() {
	s.mu.Lock()
	cancel := s.cancel
	s.cancel = nil
	s.mu.Unlock()
	if cancel != nil {
		cancel()
		s.readers.Wait()
	}
}

// due is the instant a digest is posted on the calendar date day (a time
// the clocks skip moves past the jump; one they repeat is the first).
func (sp Spec) due(day time.Time) time.Time { return at(day, sp.Hour, sp.Minute, sp.Location) }

// Plan makes sure each digest has a run for its next time, and one for the
// time it last missed while crier was not running (posted at once, marked
// late, standing for any older one still waiting). A digest never posted
// before is not late: it starts at its next time. A run already planned
// takes bot.yaml's time, should it have changed.
func (s *Service) Plan(ctx context.Context) error {
	if err := s.plan(ctx); err != nil {
		return err
	}
	s.runs.Wake()
	return nil
}

func (s *Service) plan(ctx context.Context) error {
	now := s.clock.Now()
	for _, sp := range s.opts.Specs {
		kinds := []string{"daily"}
		if sp.Weekly != nil {
			kinds = append(kinds, "weekly")
		}
		for _, kind := range kinds {
			last, next := sp.occurrences(kind, now)
			before, err := s.store.LastDigestRun(ctx, sp.Name, kind)
			if err != nil {
				return err
			}
			if day := last.Format("2006-01-02"); before != "" && !last.IsZero() && before < day {
				late := now.Sub(sp.due(last)) > lateAfter
				if _, err := s.store.AddDigestRun(ctx, crier.DigestRun{Digest: sp.Name, Kind: kind, Day: day, DueAt: now, Late: late}); err != nil {
					return err
				}
				if err := s.store.SkipDigestRuns(ctx, sp.Name, kind, day); err != nil {
					return err
				}
			}
			if _, err := s.store.AddDigestRun(ctx, crier.DigestRun{Digest: sp.Name, Kind: kind, Day: next.Format("2006-01-02"), DueAt: sp.due(next)}); err != nil {
				return err
			}
		}
	}
	return nil
}

// occurrences returns the calendar date of the kind's latest time at or
// before now (zero when there is none in the last 8 days), and of its next
// time after now.
func (sp Spec) occurrences(kind string, now time.Time) (last, next time.Time) {
	today := dateOf(now, sp.Location)
	ok := func(d time.Time) bool { return kind == "daily" || d.Weekday() == *sp.Weekly }
	for d := today; ; d = addDays(d, 1) {
		if ok(d) && sp.due(d).After(now) {
			next = d
			break
		}
	}
	for i := 0; i < 8; i++ {
		if d := addDays(today, -i); ok(d) && !sp.due(d).After(now) {
			return d, next
		}
	}
	return time.Time{}, next
}

// Now posts digest name's numbers for yesterday at once. With NowReplaces
// that is today's scheduled digest, posted early; otherwise an extra one.
func (s *Service) Now(ctx context.Context, name string) (Spec, error) {
	if len(s.opts.Specs) == 0 {
		return Spec{}, crier.Errorf(crier.EINVALID, "There is no digest to post: add a digests: section to bot.yaml (the README shows how).")
	}
	sp, ok := s.Spec(name)
	if !ok {
		var names []string
		for _, x := range s.opts.Specs {
			names = append(names, x.Name)
		}
		return Spec{}, crier.Errorf(crier.EINVALID, "There is no digest named %s; bot.yaml has %s.", name, strings.Join(names, ", "))
	}
	now := s.clock.Now()
	day := dateOf(now, sp.Location).Format("2006-01-02")
	run := crier.DigestRun{Digest: sp.Name, Kind: "now", Day: day, Seq: int(now.UnixMilli() % 1_000_000_000), DueAt: now, Manual: true}
	if sp.NowReplaces {
		run.Kind, run.Seq = "daily", 0
	}
	added, err := s.store.AddDigestRun(ctx, run)
	if err != nil {
		return sp, err
	}
	if !added {
		return sp, crier.Errorf(crier.ECONFLICT, "Today's digest has been posted already, or is being posted now; /kpi shows the same numbers.")
	}
	s.runs.Wake()
	return sp, nil
}

// WaitIdle returns when no digest is due and none is being posted.
func (s *Service) WaitIdle(ctx context.Context) error {
	for {
		idle, err := s.runs.Idle(ctx, s.clock.Now())
		if err != nil || idle {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for digests: %w", ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// post posts one digest run: as its first attempt rendered it, so a retry
// posts (and looks for) the same message.
func (s *Service) post(ctx context.Context, run crier.DigestRun) crier.DigestEnd {
	end := crier.DigestEnd{ID: run.ID}
	if ctx.Err() != nil {
		end.Released = true
		return end
	}
	sp, ok := s.Spec(run.Digest)
	if !ok || run.Digest == "" {
		end.Failed, end.Reason = true, "the digest is no longer in bot.yaml"
		return end
	}
	m, err := s.message(ctx, sp, run)
	if err != nil {
		return s.retry(run, end, err)
	}
	where := crier.ChannelRef{Platform: sp.Channel.Platform, ID: sp.Channel.ID}
	if !run.TriedSince.IsZero() {
		if f, ok := s.opts.Chat.(crier.MessageFinder); ok {
			ref, found, err := f.FindMessage(ctx, where, m, run.TriedSince)
			if err != nil {
				return s.retry(run, end, err)
			}
			if found {
				end.Message = ref
				return end
			}
		}
	}
	ref, err := s.opts.Chat.Post(ctx, where, m)
	if err != nil {
		return s.retry(run, end, err)
	}
	end.Message = ref
	return end
}

// rendered is what a digest run keeps of its message.
type rendered struct {
	Text  string   `json:"text"`
	Lines []string `json:"lines"`
}

// message is run's message: the one its first attempt rendered and kept,
// else rendered now and kept, with a chart drawn for it.
func (s *Service) message(ctx context.Context, sp Spec, run crier.DigestRun) (crier.Message, error) {
	var m crier.Message
	if run.Rendered != "" {
		var r rendered
		if err := json.Unmarshal([]byte(run.Rendered), &r); err != nil {
			return m, fmt.Errorf("digest kept message: %w", err)
		}
		m = crier.Message{Text: r.Text, Lines: r.Lines}
	} else {
		// Late when crier was not running at its time (a run planned the
		// day before and claimed only now).
		late := run.Late || (!run.Manual && s.clock.Now().Sub(run.DueAt) > lateAfter)
		var err error
		if m, err = s.Render(ctx, sp, run, late); err != nil {
			return m, err
		}
		raw, err := json.Marshal(rendered{Text: m.Text, Lines: m.Lines})
		if err != nil {
			return m, fmt.Errorf("digest keep message: %w", err)
		}
		if err := s.store.SaveDigestRender(ctx, run.ID, string(raw), late); err != nil {
			return m, err
		}
	}
	m.Key = fmt.Sprintf("crier-%s-digest-%d", s.opts.Installation, run.ID)
	p, err := s.period(sp, run)
	if err != nil {
		return m, err
	}
	accounts := s.Accounts()
	if len(sp.Accounts) > 0 {
		accounts = sp.Accounts
	}
	fs, es, err := ChartSeries(ctx, s.store, p, slices.Clone(accounts))
	if err != nil {
		return m, err
	}
	png, err := Chart(fs, es, ChartOptions{Title: fmt.Sprintf("Last 30 days to %s", dayName(p.To.Add(-time.Nanosecond)))})
	switch {
	case errors.Is(err, ErrNothingToDraw):
		if run.Rendered == "" {
			m.Lines = append(m.Lines, "No chart yet: crier has no followers or engagement numbers for the last 30 days.")
		}
	case err != nil:
		s.log.Warn("draw the digest chart; posting without it", slog.Any("error", err))
	default:
		m.File = &crier.File{Name: fmt.Sprintf("digest-%s-%s-%s.png", sp.Name, run.Kind, p.Last), ContentType: "image/png", Data: png,
			Alt: "Followers and engagement per account over the last 30 days"}
	}
	return m, nil
}

// retry makes a failed attempt due again later, or ends it: at once when
// the chat refused for good (a channel crier may not post in), else after
// maxDigestAttempts.
func (s *Service) retry(run crier.DigestRun, end crier.DigestEnd, err error) crier.DigestEnd {
	end.Reason = crier.ErrorMessage(err)
	if crier.IsPermanent(err) || run.Attempts >= maxDigestAttempts {
		s.log.Error("the digest could not be posted; crier gave up on it", slog.String("digest", run.Digest), slog.String("day", run.Day),
			slog.Any("error", err))
		end.Failed = true
		return end
	}
	wait := time.Minute << min(run.Attempts-1, 4)
	if w, limited := crier.RetryAfter(err); limited {
		wait = max(w, time.Second)
	}
	s.log.Warn("the digest could not be posted; trying again", slog.String("digest", run.Digest), slog.Duration("in", wait), slog.Any("error", err))
	end.RetryAt = s.clock.Now().Add(wait)
	return end
}

// period is the local days run's digest covers: the day before the one it
// is posted on, or the 7 days before for a weekly one.
func (s *Service) period(sp Spec, run crier.DigestRun) (Period, error) {
	today, err := civil(run.Day)
	if err != nil {
		return Period{}, err
	}
	days := 1
	if run.Kind == "weekly" {
		days = 7
	}
	return periodOf(addDays(today, -days), days, sp.Location), nil
}

// Render computes a run's digest as a message (without its chart).
func (s *Service) Render(ctx context.Context, sp Spec, run crier.DigestRun, late bool) (crier.Message, error) {
	p, err := s.period(sp, run)
	if err != nil {
		return crier.Message{}, err
	}
	status, err := s.Statuses(ctx)
	if err != nil {
		return crier.Message{}, err
	}
	r, err := Compute(ctx, s.store, sp, p, s.Accounts(), status)
	if err != nil {
		return crier.Message{}, err
	}
	r.Late = late
	return r.Message(s.clock.Now()), nil
}

// Statuses returns how the last reading of each account's numbers went.
func (s *Service) Statuses(ctx context.Context) (map[string]Status, error) {
	sts, err := s.store.CollectStatuses(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Status, len(sts))
	for _, st := range sts {
		out[st.Account] = Status{Account: st.Account, Error: st.Error, At: st.At}
	}
	return out, nil
}

// measureWindow is how long after publishing a post's counts are read.
const measureWindow = 30 * 24 * time.Hour

// CollectOnce reads every account's followers and its recent posts' counts.
// An account that cannot be read is remembered with the reason, which the
// digest shows.
func (s *Service) CollectOnce(ctx context.Context) {
	for _, n := range s.opts.Networks {
		sr, ok := n.(crier.StatsReader)
		if !ok {
			continue
		}
		err := s.collect(ctx, n.Name(), sr)
		if ctx.Err() != nil {
			return
		}
		reason := ""
		if err != nil {
			reason = crier.Sentence(crier.ErrorMessage(err))
			s.log.Warn("read the account's numbers", slog.String("network", n.Name()), slog.Any("error", err))
		}
		if err := s.store.SetCollectStatus(ctx, n.Name(), s.clock.Now(), reason); err != nil {
			s.log.Warn("record how reading the account went", slog.String("network", n.Name()), slog.Any("error", err))
		}
	}
}

func (s *Service) collect(ctx context.Context, name string, sr crier.StatsReader) error {
	now := s.clock.Now()
	st, err := sr.AccountStats(ctx)
	if err != nil {
		return err
	}
	if err := s.store.AddSamples(ctx, []crier.Sample{
		{Metric: "followers", Account: name, At: now, Value: float64(st.Followers)},
		{Metric: "following", Account: name, At: now, Value: float64(st.Following)},
		{Metric: "statuses", Account: name, At: now, Value: float64(st.Posts)},
	}); err != nil {
		return err
	}
	ids, err := s.store.PostsToMeasure(ctx, name, now.Add(-measureWindow))
	if err != nil || len(ids) == 0 {
		return err
	}
	stats, err := sr.PostStats(ctx, ids)
	if err != nil {
		return err
	}
	return s.store.SetPostStats(ctx, name, now, stats)
}
