// Package relay answers customers from chat: it reads comments from the
// networks (polling each account, and streaming where the network offers a
// stream), stores each once in its conversation, relays it into that
// conversation's chat thread, and publishes what a teammate types in the
// thread as a reply on the network, exactly once. Comments and replies are
// queues in the job engine (jobs.DueQueue), as deliveries are.
package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/jobs"
)

// Options configure a Service.
type Options struct {
	Jobs     *jobs.Engine // required
	Store    crier.InboxStore
	Networks []crier.Network // those that are a crier.Inbox are read; a crier.Replier answered
	// Chat posts to every connected platform, by the channel's platform,
	// and hands over what people type in threads.
	Chat crier.Chat
	// Channel is where a network's comments appear (bot.yaml inbox.channel,
	// or inbox.channels for that network).
	Channel func(network string) crier.ChannelRef
	// MayReply says whether the person who typed in a thread holds the
	// replier role, when the chat did not resolve their roles itself
	// (ThreadReply.Roles).
	MayReply func(r crier.ThreadReply) bool
	// Installation is the store's random id, part of every reply's
	// idempotency key.
	Installation string
	Poll         time.Duration // how often each network is read (default 30 s)
	// Score labels a comment's text "positive", "neutral" or "negative";
	// nil labels every comment neutral.
	Score func(text string) string
	// Crisis, when set, is told of every comment as it is stored and says
	// when negative ones start a crisis episode; crier then posts an alert
	// in the inbox channel, naming Alert (the people with the alert role).
	Crisis func(at time.Time, negative bool) (start bool)
	// CrisisHistory is how far back Prime tells Crisis of the negative
	// comments already stored (its baseline and window).
	CrisisHistory time.Duration
	Alert         []string
	// Suggest offers a "Suggest a reply" button on each relayed comment
	// (an AI writer is set up).
	Suggest  bool
	Location func(crier.ChannelRef) *time.Location // for times in threads; nil or nil result: UTC
	Clock    crier.Clock                           // nil: the system clock
	Logger   *slog.Logger                          // nil discards
}

// Service runs the relay.
type Service struct {
	opts     Options
	store    crier.InboxStore
	clock    crier.Clock
	log      *slog.Logger
	networks map[string]crier.Network
	comments *jobs.DueQueue[crier.CommentClaim, relayed]
	replies  *jobs.DueQueue[crier.ReplyClaim, replyOutcome]

	threadMu sync.Mutex // one thread opened at a time
	mu       sync.Mutex
	cancel   context.CancelFunc
	readers  sync.WaitGroup
	recent   []crier.StoredComment     // negative comments, for the crisis alarm's list
	told     map[crier.MessageRef]bool // threads the channel was told refuse comments
}

// New registers the relay's queues with the job engine and its thread
// handler with each chat. Start reads the networks.
func New(opts Options) (*Service, error) {
	if opts.Jobs == nil || opts.Store == nil || opts.Channel == nil || opts.Chat == nil {
		return nil, errors.New("relay: job engine, store, chat and channel are required")
	}
	if opts.Clock == nil {
		opts.Clock = crier.SystemClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Poll <= 0 {
		opts.Poll = 30 * time.Second
	}
	if opts.MayReply == nil {
		opts.MayReply = func(crier.ThreadReply) bool { return false }
	}
	s := &Service{opts: opts, store: opts.Store, clock: opts.Clock, log: opts.Logger, networks: map[string]crier.Network{}}
	for _, n := range opts.Networks {
		s.networks[n.Name()] = n
	}
	var err error
	// One worker: comments reach each thread in the order they were written;
	// the chat adapters pace each channel at its platform's limit.
	s.comments, err = jobs.NewDueQueue(opts.Jobs, "relay", commentQueue{opts.Store}, jobs.DueWork[crier.CommentClaim, relayed]{
		Work: s.relay, Release: func(c crier.CommentClaim) relayed { return relayed{id: c.Comment.ID, released: true} },
		Record: s.recordRelayed,
	}, jobs.DueOptions{Workers: 1, Batch: 20})
	if err != nil {
		return nil, err
	}
	s.replies, err = jobs.NewDueQueue(opts.Jobs, "reply", replyQueue{opts.Store}, jobs.DueWork[crier.ReplyClaim, replyOutcome]{
		Work: s.reply, Release: func(c crier.ReplyClaim) replyOutcome {
			return replyOutcome{end: crier.ReplyEnd{ID: c.Reply.ID, Released: true, NextAt: s.clock.Now()}}
		},
		Record: s.recordReplies, After: func(ctx context.Context, o replyOutcome) {
			if o.after != nil {
				o.after(ctx)
			}
		},
	}, jobs.DueOptions{Workers: 10, Batch: 10})
	if err != nil {
		return nil, err
	}
	opts.Chat.OnThreadReply(s.threadReply)
	return s, nil
}

// Prime tells the crisis alarm of the negative comments already stored
// within CrisisHistory, so a restart neither forgets the usual rate nor
// alerts again for an episode already raised. Call it once, before anything
// can bring comments in (the webhook endpoint, Start).
func (s *Service) Prime(ctx context.Context) error {
	if s.opts.Crisis == nil || s.opts.CrisisHistory <= 0 {
		return nil
	}
	times, err := s.store.NegativeSince(ctx, s.clock.Now().Add(-s.opts.CrisisHistory))
	if err != nil {
		return fmt.Errorf("prime the crisis alarm: %w", err)
	}
	for _, at := range times {
		_ = s.opts.Crisis(at, true) // raised before the restart, if at all
	}
	return nil
}

// Start reads every network that has an inbox, until Stop. The queues start
// with the job engine.
func (s *Service) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancel != nil {
		return nil
	}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	for _, n := range s.opts.Networks {
		in, ok := n.(crier.Inbox)
		if !ok {
			continue
		}
		s.readers.Add(1)
		go func() {
			defer s.readers.Done()
			s.poll(rctx, n.Name(), in)
		}()
		if st, ok := n.(crier.Streamer); ok {
			s.readers.Add(1)
			go func() {
				defer s.readers.Done()
				s.stream(rctx, n.Name(), st)
			}()
		}
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

// poll reads a network's inbox every Poll. The cursor lives in the store
// and moves only with the comments it covers, so a poll that fails or a
// crash loses nothing; the loop itself is a schedule, not work to keep.
func (s *Service) poll(ctx context.Context, network string, in crier.Inbox) {
	for {
		if err := s.ReadOnce(ctx, network, in); err != nil && ctx.Err() == nil {
			s.log.Warn("read comments", slog.String("network", network), slog.Any("error", err))
		}
		if crier.Sleep(ctx, s.clock, s.opts.Poll) != nil {
			return
		}
	}
}

// Take stores one comment a network sent by itself (a signed webhook
// POST), as a streamed one: the network's read cursor stays where it is.
func (s *Service) Take(ctx context.Context, network string, c crier.Comment) error {
	cursor, err := s.store.InboxCursor(ctx, network)
	if err != nil {
		return err
	}
	_, err = s.add(ctx, network, []crier.Comment{c}, cursor)
	return err
}

// stream takes comments a network pushes; when the stream drops it is
// opened again after a pause (polling covers the gap).
func (s *Service) stream(ctx context.Context, network string, st crier.Streamer) {
	for {
		err := st.Stream(ctx, func(c crier.Comment) {
			if err := s.Take(ctx, network, c); err != nil && ctx.Err() == nil {
				s.log.Warn("store a streamed comment; the next poll reads it", slog.String("network", network), slog.Any("error", err))
			}
		})
		if ctx.Err() != nil {
			return
		}
		wait := s.opts.Poll
		if crier.IsAuth(err) {
			wait = 10 * s.opts.Poll // a refused token needs a person; polling says so too
		}
		s.log.Warn("comment stream dropped; polling meanwhile", slog.String("network", network), slog.Any("error", err))
		if crier.Sleep(ctx, s.clock, wait) != nil {
			return
		}
	}
}

// ReadAll reads every network that has an inbox once, and waits until what
// it read is relayed (bounded by ctx). The shell calls it as it starts and
// ends, so comments already waiting show without waiting for a poll.
func (s *Service) ReadAll(ctx context.Context) error {
	var errs []error
	for _, n := range s.opts.Networks {
		if in, ok := n.(crier.Inbox); ok {
			if err := s.ReadOnce(ctx, n.Name(), in); err != nil {
				errs = append(errs, fmt.Errorf("read comments on %s: %w", n.Name(), err))
			}
		}
	}
	if err := s.WaitIdle(ctx); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// ReadOnce reads one page of a network's new comments and stores them.
func (s *Service) ReadOnce(ctx context.Context, network string, in crier.Inbox) error {
	cursor, err := s.store.InboxCursor(ctx, network)
	if err != nil {
		return err
	}
	cs, next, err := in.Comments(ctx, cursor)
	if err != nil {
		return err
	}
	_, err = s.add(ctx, network, cs, next)
	return err
}

// add stores comments and the new cursor, wakes the relay and tells the
// crisis alarm.
func (s *Service) add(ctx context.Context, network string, cs []crier.Comment, cursor string) ([]crier.StoredComment, error) {
	score := func(c crier.Comment) string {
		if s.opts.Score == nil {
			return "neutral"
		}
		return s.opts.Score(c.Text)
	}
	added, err := s.store.AddComments(ctx, network, cs, cursor, score)
	if err != nil {
		return nil, err
	}
	if len(added) > 0 {
		s.comments.Wake()
	}
	s.watch(ctx, network, added)
	return added, nil
}

// watch tells the crisis alarm of new comments and raises it when they
// start an episode.
func (s *Service) watch(ctx context.Context, network string, added []crier.StoredComment) {
	if s.opts.Crisis == nil {
		return
	}
	for _, c := range added {
		negative := c.Sentiment == "negative"
		s.mu.Lock()
		if negative {
			s.recent = append(s.recent, c)
			if len(s.recent) > 20 {
				s.recent = s.recent[len(s.recent)-20:]
			}
		}
		// The time crier read it, not the time its author's client claims:
		// one comment dated next year must not blind the alarm.
		start := s.opts.Crisis(s.clock.Now(), negative)
		recent := append([]crier.StoredComment(nil), s.recent...)
		s.mu.Unlock()
		if start {
			// Not bound to the request that brought the comment (a webhook
			// sender may hang up): the alert still goes out.
			actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			s.alert(actx, network, recent)
			cancel()
		}
	}
}

// WaitIdle returns when no comment waits to be relayed and no reply to be
// published (bounded by ctx). Tests and the shell use it.
func (s *Service) WaitIdle(ctx context.Context) error {
	for {
		a, err := s.comments.Idle(ctx, s.clock.Now())
		if err != nil {
			return err
		}
		b, err := s.replies.Idle(ctx, s.clock.Now())
		if err != nil {
			return err
		}
		if a && b {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for comments and replies: %w", ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

type commentQueue struct{ store crier.InboxStore }

func (q commentQueue) Recover(ctx context.Context) (int, error) { return q.store.RecoverComments(ctx) }
func (q commentQueue) Next(ctx context.Context) (time.Time, bool, error) {
	return q.store.NextComment(ctx)
}
func (q commentQueue) Claim(ctx context.Context, _ time.Time, n int) ([]crier.CommentClaim, error) {
	return q.store.ClaimComments(ctx, n)
}

type replyQueue struct{ store crier.InboxStore }

func (q replyQueue) Recover(ctx context.Context) (int, error) { return q.store.RecoverReplies(ctx) }
func (q replyQueue) Next(ctx context.Context) (time.Time, bool, error) {
	return q.store.NextReply(ctx)
}
func (q replyQueue) Claim(ctx context.Context, now time.Time, n int) ([]crier.ReplyClaim, error) {
	return q.store.ClaimReplies(ctx, now, n)
}

// unwanted returns what in text has no place in a reply (crier.Unwanted),
// "" when nothing.
func unwanted(text string) string {
	for _, r := range text {
		if what := crier.Unwanted(r); what != "" {
			return what
		}
	}
	return ""
}
