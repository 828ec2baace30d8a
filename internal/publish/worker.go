package publish

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/crier-bot/crier/internal/compose"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/timeparse"
)

// lateAfter is how late a start must be before the report says so.
const lateAfter = time.Minute

// RetryDelay is the wait before retry number attempt: short at first (a
// blip), then longer (an outage), never a storm.
func RetryDelay(attempt int) time.Duration {
	switch {
	case attempt <= 1:
		return 10 * time.Second
	case attempt == 2:
		return 30 * time.Second
	case attempt == 3:
		return time.Minute
	case attempt == 4:
		return 2 * time.Minute
	case attempt == 5:
		return 5 * time.Minute
	case attempt == 6:
		return 10 * time.Minute
	case attempt == 7:
		return 30 * time.Minute
	default:
		return time.Hour
	}
}

// unclearPause is the least time between an attempt that got no answer and
// the next one: the network may still be working on the first request (a
// Mastodon instance records the Idempotency-Key only once the status is
// stored), and a repeat that arrives meanwhile would not be recognised.
const unclearPause = 2 * time.Minute

// outcome is how one attempt ended: the end the store records (with
// others, in one transaction), and what to say once it is recorded.
type outcome struct {
	end   crier.DeliveryEnd
	after func(ctx context.Context) // nil says nothing
}

// release gives back a claim no attempt was made for.
func (s *Service) release(c crier.Claim) outcome {
	return outcome{end: crier.DeliveryEnd{ID: c.Delivery.ID, Status: crier.DeliveryPending, Released: true, NextAt: s.clock.Now()}}
}

// record writes the ends of many attempts in one transaction.
func (s *Service) record(ctx context.Context, os []outcome) error {
	ends := make([]crier.DeliveryEnd, len(os))
	for i, o := range os {
		ends[i] = o.end
	}
	return s.store.EndDeliveries(ctx, ends, rules{})
}

// afterRecorded says what an attempt's outcome calls for, once it is
// recorded.
func (s *Service) afterRecorded(ctx context.Context, o outcome) {
	if o.after != nil {
		o.after(ctx)
	}
}

// attempt publishes one claimed delivery. The network receives the
// delivery's stable idempotency key, so an attempt repeated after a crash
// cannot post twice.
func (s *Service) attempt(ctx context.Context, c crier.Claim) (o outcome) {
	p, dl := c.Post, &c.Delivery
	if ctx.Err() != nil {
		return s.release(c) // crier is stopping: this attempt never started
	}
	log := s.log.With(slog.Int64("post_id", p.ID), slog.String("target", dl.Target), slog.Int("attempt", dl.Attempts))
	defer func() {
		// A bug in a network adapter: the attempt may have sent the post,
		// so it is unclear, and retried (with its key) like one that got
		// no answer, rather than ending crier.
		if v := recover(); v != nil {
			log.Error("publish panicked", slog.Any("panic", v))
			o = outcome{end: crier.DeliveryEnd{ID: dl.ID, Status: crier.DeliveryPending, Reason: "crier hit an internal error",
				Unclear: true, Counted: true, NextAt: s.clock.Now().Add(max(RetryDelay(dl.Failures+1), unclearPause))}}
		}
	}()
	end := func(e crier.DeliveryEnd, after func(ctx context.Context)) outcome {
		e.ID = dl.ID
		return outcome{end: e, after: after}
	}

	network, ok := s.networks[dl.Target]
	if !ok {
		reason := fmt.Sprintf("there is no network called %q in bot.yaml any more", dl.Target)
		return end(crier.DeliveryEnd{Status: crier.DeliveryFailed, Reason: reason}, func(ctx context.Context) {
			s.notify(ctx, p, fmt.Sprintf("✗ Post #%d was not published to %s: %s. Add the network back and schedule the text again.", p.ID, dl.Target, reason))
		})
	}

	// An earlier attempt may have published, and the network no longer
	// recognises the key (or never did): retrying could post twice.
	if !dl.UnclearAt.IsZero() && keyForgotten(network, dl.UnclearAt, s.clock.Now()) {
		return s.askPerson(p, dl, s.earlier(p, dl), log)
	}

	pctx, cancel := context.WithTimeout(ctx, s.opts.AttemptTimeout)
	res, perr := network.Publish(pctx, crier.PublishRequest{
		IdempotencyKey: dl.IdempotencyKey, PostID: p.ID, Text: compose.TagLinks(p.TextFor(dl.Target), dl.Target, p.Campaign, s.opts.UTM),
		DueAt: dl.DueAt, StartedAt: dl.StartedAt, Images: p.Images,
	})
	cancel()
	if perr == nil {
		// Recorded even if crier is stopping: it is published. Should the
		// record fail for good, the next start finds the key on the network
		// and records the same result.
		return end(crier.DeliveryEnd{Status: crier.DeliveryPublished, Result: res}, func(ctx context.Context) {
			log.Info("published", slog.String("remote_id", res.RemoteID))
			if s.authRecovered(dl.Target) {
				s.notify(ctx, p, fmt.Sprintf("✓ crier can post to %s again.", dl.Target))
			}
			s.notify(ctx, p, s.publishedText(p, dl, res))
			if s.opts.OnPublished != nil {
				s.opts.OnPublished(ctx, p, dl.Target, res)
			}
		})
	}

	reason := crier.ErrorMessage(perr)
	if crier.ErrorCode(perr) == crier.EINTERNAL {
		reason = perr.Error()
	}
	unclear := crier.IsUnclear(perr)
	if s.stopping.Load() && ctx.Err() != nil {
		// crier is stopping: the attempt runs again as soon as crier starts,
		// without counting against the attempts (the key makes it safe).
		return end(crier.DeliveryEnd{Status: crier.DeliveryPending, Reason: "interrupted by shutdown", Unclear: unclear, NextAt: s.clock.Now()}, nil)
	}
	log.Warn("publish failed", slog.Bool("unclear", unclear), slog.Any("error", perr))
	window, windowed := keyWindow(network)
	if unclear && windowed && window == 0 {
		// The network cannot recognise a repeat at all: at most once.
		return s.askPerson(p, dl, reason, log)
	}
	wait, limited := crier.RetryAfter(perr)
	// n is this attempt's number among those that count: a rate limit (the
	// network said how long) or a refused token (until someone fixes it)
	// does not spend the post's attempts; the delivery's own count still
	// ends it after 3× as many.
	n := dl.Failures + 1
	counted := !limited && !crier.IsAuth(perr)
	final := crier.IsPermanent(perr) || (counted && n >= s.opts.MaxAttempts) || dl.Attempts >= 3*s.opts.MaxAttempts
	if final && (unclear || !dl.UnclearAt.IsZero()) {
		if !unclear {
			reason = s.earlier(p, dl) // the clear failure says nothing of the earlier one
		}
		return s.askPerson(p, dl, reason, log)
	}
	if final {
		var text string
		if crier.IsPermanent(perr) {
			text = fmt.Sprintf("✗ Post #%d was not published to %s: %s This will not fix itself, so crier stopped trying.", p.ID, dl.Target, crier.Sentence(reason))
		} else {
			text = fmt.Sprintf("✗ Post #%d was not published to %s: %s crier gave up after %d attempts; schedule it again when %s works.", p.ID, dl.Target, crier.Sentence(reason), dl.Attempts, dl.Target)
		}
		return end(crier.DeliveryEnd{Status: crier.DeliveryFailed, Reason: reason, Unclear: unclear, Counted: counted},
			func(ctx context.Context) { s.notify(ctx, p, text) })
	}

	next := RetryDelay(n)
	switch {
	case limited:
		next = wait
	case crier.IsAuth(perr):
		next = RetryDelay(dl.Attempts)
	case unclear:
		pause := unclearPause
		if windowed {
			pause = min(pause, window/2) // and retry while it still remembers
		}
		next = max(next, pause)
	}
	now := s.clock.Now()
	retry := crier.DeliveryEnd{Status: crier.DeliveryPending, Reason: reason, Unclear: unclear, Counted: counted, NextAt: now.Add(next)}
	var text string
	switch {
	case crier.IsAuth(perr):
		// Said once per network until a publish works again, not per post.
		if s.authFailed(dl.Target) {
			text = fmt.Sprintf("✗ crier cannot post to %s: %s Posts for %s wait and are retried; crier says this once, and again when it works.", dl.Target, crier.Sentence(reason), dl.Target)
		}
	case limited && dl.Attempts == 1:
		text = fmt.Sprintf("⚠ Post #%d could not be published to %s yet: %s crier will retry at %s (in %s).",
			p.ID, dl.Target, crier.Sentence(reason), s.at(p, now.Add(next), next < 5*time.Minute), timeparse.Duration(next))
	case n == 1 && !limited:
		// Report the first failure; later retries stay quiet until the outcome.
		text = fmt.Sprintf("⚠ Post #%d could not be published to %s yet: %s crier will retry at %s (in %s, attempt %d of %d).",
			p.ID, dl.Target, crier.Sentence(reason), s.at(p, now.Add(next), next < 5*time.Minute), timeparse.Duration(next), n+1, s.opts.MaxAttempts)
	}
	if text == "" {
		return end(retry, nil)
	}
	return end(retry, func(ctx context.Context) { s.notify(ctx, p, text) })
}

// askPerson marks a delivery whose outcome cannot be known as "maybe
// published" and asks the channel to decide; nothing is retried until then.
// Recorded, then asked, then marked asked: a question that does not reach
// the channel (crier stopped, chat down) is asked at the next start.
func (s *Service) askPerson(p *crier.Post, dl *crier.Delivery, reason string, log *slog.Logger) outcome {
	log.Warn("publish outcome unknown: asking a person", slog.String("reason", reason))
	return outcome{
		end:   crier.DeliveryEnd{ID: dl.ID, Status: crier.DeliveryMaybe, Reason: reason, Unclear: true},
		after: func(ctx context.Context) { s.ask(ctx, p, dl.ID, dl.Target, reason) },
	}
}

// ask puts the "maybe published" question to the post's channel and
// records that it was asked.
func (s *Service) ask(ctx context.Context, p *crier.Post, deliveryID int64, target, reason string) {
	if s.chat == nil {
		return
	}
	m := crier.Message{Text: fmt.Sprintf(
		"❓ Post #%d %s may or may not be on %s: %s, and crier cannot tell without risking a second copy. Check %s, then choose.",
		p.ID, crier.Quote(p.Text, 100), target, lowerFirst(strings.TrimSuffix(strings.TrimSpace(reason), ".")), target),
		Buttons: MaybeButtons(p.ID, target),
	}
	if _, err := s.chat.Post(ctx, p.Origin, m); err != nil {
		s.log.Warn("asking the channel failed; crier asks again at its next start", slog.Int64("post_id", p.ID), slog.Any("error", err))
		return
	}
	if err := s.store.MarkAsked(ctx, deliveryID); err != nil {
		s.log.Warn("record that the channel was asked", slog.Int64("post_id", p.ID), slog.Any("error", err))
	}
}

// askAgain asks the questions that did not reach their channel before crier
// stopped.
func (s *Service) askAgain(ctx context.Context) {
	posts, err := s.store.Unasked(ctx)
	if err != nil {
		s.log.Warn("find unasked questions", slog.Any("error", err))
		return
	}
	for _, p := range posts {
		for _, dl := range p.Deliveries {
			if dl.Status == crier.DeliveryMaybe && dl.AskedAt.IsZero() {
				s.ask(ctx, p, dl.ID, dl.Target, dl.LastError)
			}
		}
	}
}

// lowerFirst lowers the first letter of a reason that goes mid-sentence,
// unless it starts an acronym or a name ("Mastodon", "Bluesky").
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || !unicode.IsUpper(r) {
		return s
	}
	if r2, _ := utf8.DecodeRuneInString(s[n:]); unicode.IsUpper(r2) {
		return s
	}
	for _, name := range []string{"Mastodon", "Bluesky", "Slack", "Discord"} {
		if strings.HasPrefix(s, name) {
			return s
		}
	}
	return string(unicode.ToLower(r)) + s[n:]
}

// earlier describes the attempt whose outcome is unknown.
func (s *Service) earlier(p *crier.Post, dl *crier.Delivery) string {
	return fmt.Sprintf("the attempt at %s got no answer", s.at(p, dl.UnclearAt, false))
}

// MaybeButtons are the choices offered for a delivery that may have been
// published.
func MaybeButtons(postID int64, target string) []crier.Button {
	return []crier.Button{
		{Label: "It is published", Action: "confirm_published", PostID: postID, Target: target,
			Command: fmt.Sprintf("/published #%d %s", postID, target)},
		{Label: "Publish again", Action: "publish_again", PostID: postID, Target: target,
			Command: fmt.Sprintf("/republish #%d %s", postID, target)},
	}
}

// keyWindow returns how long n recognises a repeated idempotency key (0:
// not at all); limited is false for networks that recognise keys for ever.
func keyWindow(n crier.Network) (window time.Duration, limited bool) {
	w, ok := n.(crier.KeyWindower)
	if !ok {
		return 0, false
	}
	return max(w.KeyWindow(), 0), true
}

// keyForgotten reports whether, at now, n would no longer recognise an
// idempotency key first sent at since.
func keyForgotten(n crier.Network, since, now time.Time) bool {
	window, limited := keyWindow(n)
	return limited && now.Sub(since) >= window
}

// at renders an instant in the origin channel's timezone (see
// timeparse.Clock).
func (s *Service) at(p *crier.Post, t time.Time, seconds bool) string {
	var loc *time.Location
	if s.opts.Location != nil {
		loc = s.opts.Location(p.Origin)
	}
	return timeparse.Clock(t, loc, s.clock.Now(), seconds)
}

// authFailed records that a network refused crier's credentials and reports
// whether this is the first time since it last worked.
func (s *Service) authFailed(network string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.authDown[network] {
		return false
	}
	s.authDown[network] = true
	return true
}

// authRecovered clears a network's auth failure and reports whether there
// was one.
func (s *Service) authRecovered(network string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	was := s.authDown[network]
	delete(s.authDown, network)
	return was
}

func (s *Service) publishedText(p *crier.Post, dl *crier.Delivery, res crier.PublishResult) string {
	where := res.URL
	if where == "" {
		where = res.RemoteID
	}
	msg := fmt.Sprintf("✓ Post #%d published to %s: %s", p.ID, dl.Target, where)
	late := dl.StartedAt.Sub(dl.DueAt)
	switch {
	case late < lateAfter:
	case dl.DueAt.Before(s.startedAt):
		msg += fmt.Sprintf(" (%s late: crier was not running when it was due)", timeparse.Duration(late))
	default:
		msg += fmt.Sprintf(" (%s late)", timeparse.Duration(late))
	}
	return msg
}

func (s *Service) notify(ctx context.Context, p *crier.Post, text string) {
	if s.chat == nil {
		return
	}
	if _, err := s.chat.Post(ctx, p.Origin, crier.Message{Text: text}); err != nil {
		s.log.Warn("report to chat failed", slog.Int64("post_id", p.ID), slog.Any("error", err))
	}
}
