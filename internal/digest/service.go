package digest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
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
	status  map[string]Status
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
	s := &Service{opts: opts, store: opts.Store, clock: opts.Clock, log: opts.Logger, status: map[string]Status{}}
	var err error
	s.runs, err = jobs.NewDueQueue(opts.Jobs, "digest", runQueue{opts.Store}, jobs.DueWork[crier.DigestRun, crier.DigestEnd]{
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

type runQueue struct{ store crier.KPIStore }

func (q runQueue) Recover(ctx context.Context) (int, error) { return q.store.RecoverDigestRuns(ctx) }
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

// due is the instant a digest is posted on local day day.
func (sp Spec) due(day time.Time) time.Time {
	// time.Date moves a time that does not exist (a spring-forward gap)
	// past the gap, and takes the first of a time that exists twice.
	return time.Date(day.Year(), day.Month(), day.Day(), sp.Hour, sp.Minute, 0, 0, sp.Location)
}

// Plan makes sure each digest has a run for its next time, and one for the
// time it last missed while crier was not running (posted at once, marked
// late). A digest never posted before is not late: it starts at its next
// time.
func (s *Service) Plan(ctx context.Context) error {
	now := s.clock.Now()
	for _, sp := range s.opts.Specs {
		if sp.Location == nil {
			sp.Location = time.UTC
		}
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
			if before != "" && !last.IsZero() && before < last.Format("2006-01-02") {
				late := now.Sub(sp.due(last)) > lateAfter
				if _, err := s.store.AddDigestRun(ctx, crier.DigestRun{Digest: sp.Name, Kind: kind, Day: last.Format("2006-01-02"), DueAt: now, Late: late}); err != nil {
					return err
				}
			}
			if _, err := s.store.AddDigestRun(ctx, crier.DigestRun{Digest: sp.Name, Kind: kind, Day: next.Format("2006-01-02"), DueAt: sp.due(next)}); err != nil {
				return err
			}
		}
	}
	s.runs.Wake()
	return nil
}

// occurrences returns the local day of the kind's latest time at or before
// now (zero when it is the next one), and of its next time after now.
func (sp Spec) occurrences(kind string, now time.Time) (last, next time.Time) {
	local := now.In(sp.Location)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, sp.Location)
	ok := func(d time.Time) bool { return kind == "daily" || d.Weekday() == *sp.Weekly }
	for d := day; ; d = d.AddDate(0, 0, 1) {
		if ok(d) && sp.due(d).After(now) {
			next = d
			break
		}
	}
	for d := day; d.After(day.AddDate(0, 0, -8)); d = d.AddDate(0, 0, -1) {
		if ok(d) && !sp.due(d).After(now) {
			return d, next
		}
	}
	return time.Time{}, next
}

// Now posts digest name's numbers for yesterday at once. With NowReplaces
// that is today's scheduled digest, posted early; otherwise an extra one.
func (s *Service) Now(ctx context.Context, name string) (Spec, error) {
	sp, ok := s.Spec(name)
	if !ok {
		return Spec{}, crier.Errorf(crier.EINVALID, "There is no digest named %s in bot.yaml.", name)
	}
	now := s.clock.Now()
	day := now.In(sp.Location).Format("2006-01-02")
	run := crier.DigestRun{Digest: sp.Name, Kind: "now", Day: day, Seq: int(now.UnixMilli() % 1_000_000_000), DueAt: now}
	if sp.NowReplaces {
		run.Kind, run.Seq = "daily", 0
	}
	added, err := s.store.AddDigestRun(ctx, run)
	if err != nil {
		return sp, err
	}
	if !added {
		return sp, crier.Errorf(crier.ECONFLICT, "Today's digest for %s is out already.", channelName(sp.Channel))
	}
	s.runs.Wake()
	return sp, nil
}

func channelName(ch crier.ChannelRef) string { return "#" + ch.ID }

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

// post posts one digest run.
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
	m, err := s.Render(ctx, sp, run)
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

// retry makes a failed attempt due again a minute later, or ends it after
// maxDigestAttempts.
func (s *Service) retry(run crier.DigestRun, end crier.DigestEnd, err error) crier.DigestEnd {
	end.Reason = crier.ErrorMessage(err)
	if run.Attempts >= maxDigestAttempts {
		s.log.Error("the digest could not be posted; crier gave up", slog.String("digest", run.Digest), slog.String("day", run.Day), slog.Any("error", err))
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

// Render computes a run's digest and renders it with its chart.
func (s *Service) Render(ctx context.Context, sp Spec, run crier.DigestRun) (crier.Message, error) {
	today, err := time.ParseInLocation("2006-01-02", run.Day, sp.Location)
	if err != nil {
		return crier.Message{}, fmt.Errorf("digest day: %w", err)
	}
	days := 1
	if run.Kind == "weekly" {
		days = 7
	}
	p, err := DaysPeriod(today.AddDate(0, 0, -1).Format("2006-01-02"), days, sp.Location)
	if err != nil {
		return crier.Message{}, err
	}
	accounts := s.Accounts()
	r, err := Compute(ctx, s.store, sp, p, accounts, s.Status())
	if err != nil {
		return crier.Message{}, err
	}
	// Late when crier was not running at its time (a run planned the day
	// before and claimed only now), not when a retry made it a bit later.
	r.Late = run.Late || (run.Attempts <= 1 && s.clock.Now().Sub(run.DueAt) > lateAfter)
	m := r.Message(s.clock.Now())
	m.Key = fmt.Sprintf("crier-%s-digest-%d", s.opts.Installation, run.ID)
	if len(sp.Accounts) > 0 {
		accounts = sp.Accounts
	}
	fs, es, err := ChartSeries(ctx, s.store, p, slices.Clone(accounts))
	if err != nil {
		return crier.Message{}, err
	}
	png, err := Chart(fs, es, ChartOptions{Title: fmt.Sprintf("Last 30 days to %s", dayName(p.To.AddDate(0, 0, -1)))})
	switch {
	case errors.Is(err, ErrNothingToDraw):
		m.Lines = append(m.Lines, "No chart yet: crier has no followers or engagement numbers for the last 30 days.")
	case err != nil:
		s.log.Warn("draw the digest chart; posting without it", slog.Any("error", err))
	default:
		m.File = &crier.File{Name: fmt.Sprintf("digest-%s.png", p.Last), ContentType: "image/png", Data: png,
			Alt: "Followers and engagement per account over the last 30 days"}
	}
	return m, nil
}

// Status returns what is known about reading each account's numbers.
func (s *Service) Status() map[string]Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]Status, len(s.status))
	for k, v := range s.status {
		out[k] = v
	}
	return out
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
		st := Status{Account: n.Name(), At: s.clock.Now()}
		if err != nil {
			st.Error = crier.Sentence(crier.ErrorMessage(err))
			s.log.Warn("read the account's numbers", slog.String("network", n.Name()), slog.Any("error", err))
		}
		s.mu.Lock()
		s.status[n.Name()] = st
		s.mu.Unlock()
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
