package publish_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/file"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/criertest"
	"github.com/crier-bot/crier/internal/publish"
)

// start is Mon 2026-11-23 10:00 in Bucharest.
var start = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// bundle is crier's core with the sandbox file network first, publishing
// started, and short attempts (3 of 2 s at most).
type bundle struct {
	*criertest.Bundle
}

func withNetwork(n crier.Network) criertest.Option { return criertest.WithNetwork(n) }

func setup(t *testing.T, opts ...criertest.Option) *bundle {
	t.Helper()
	all := append([]criertest.Option{criertest.WithFileNetwork("sandbox", 500)}, opts...)
	all = append(all, criertest.Started(), criertest.WithPublish(func(o *publish.Options) {
		o.MaxAttempts, o.AttemptTimeout = 3, 2*time.Second
	}))
	b := &bundle{criertest.Setup(t, all...)}
	require.Equal(t, start, b.Clock.Now())
	return b
}

// settle waits (bounded) until nothing due is left.
func (b *bundle) settle(t *testing.T) {
	t.Helper()
	b.WaitIdle(t)
}

func (b *bundle) outbox() string { return b.Outbox("sandbox") }

func (b *bundle) outboxRecords(t *testing.T) []file.Record {
	t.Helper()
	return b.OutboxRecords(t, "sandbox")
}

func (b *bundle) schedule(t *testing.T, text string, in time.Duration) *crier.Post {
	t.Helper()
	p := &crier.Post{Text: text, DueAt: b.Clock.Now().Add(in), AuthorID: "u1", AuthorName: "ana",
		Origin: crier.ChannelRef{Platform: "shell", ID: "general"}}
	_, err := b.Publish.Schedule(context.Background(), p)
	require.NoError(t, err)
	return p
}

func TestScheduledPostIsPublishedWhenTheClockReachesItsTime(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.schedule(t, "Launch day is here!", time.Hour)
	require.Len(t, p.Deliveries, 1)

	b.settle(t)
	require.Empty(t, b.outboxRecords(t), "nothing is published before its time")

	b.Clock.Add(time.Hour)
	b.settle(t)
	recs := b.outboxRecords(t)
	require.Len(t, recs, 1)
	require.Equal(t, "Launch day is here!", recs[0].Text)
	got, err := b.Publish.Post(context.Background(), p.ID)
	require.NoError(t, err)
	require.Equal(t, got.Deliveries[0].IdempotencyKey, recs[0].IdempotencyKey)
	require.Regexp(t, fmt.Sprintf(`^crier-[0-9a-f]{12}-%d-sandbox-0$`, p.ID), recs[0].IdempotencyKey)
	require.Equal(t, crier.PostPublished, got.Status)
	require.Equal(t, crier.DeliveryPublished, got.Deliveries[0].Status)
	require.Equal(t, []string{fmt.Sprintf("✓ Post #%d published to sandbox: file://%s#1", p.ID, b.outbox())}, b.Chat.Texts())
}

func TestWaitIdleWithinWaitsForWhatIsDueSoon(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.schedule(t, "Soon", 10*time.Second)
	ctx := context.Background()

	require.NoError(t, b.Publish.WaitIdle(ctx), "nothing is due now")
	require.NoError(t, b.Publish.WaitIdleWithin(ctx, 5*time.Second), "nothing is due in the next 5 s")
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, b.Publish.WaitIdleWithin(short, 30*time.Second), context.DeadlineExceeded, "a post due in 10 s is waited for")

	b.Clock.Add(10 * time.Second)
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	require.NoError(t, b.Publish.WaitIdleWithin(wctx, 30*time.Second))
	require.Len(t, b.outboxRecords(t), 1)
}

func TestRescheduledPostIsPublishedOnceAtTheNewTime(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.schedule(t, "Moved", time.Hour)
	_, err := b.Publish.Reschedule(context.Background(), p.ID, start.Add(3*time.Hour))
	require.NoError(t, err)

	b.Clock.Add(time.Hour + time.Minute)
	b.settle(t)
	require.Empty(t, b.outboxRecords(t), "the old time publishes nothing")

	b.Clock.Set(start.Add(3 * time.Hour))
	b.settle(t)
	require.Len(t, b.outboxRecords(t), 1)
}

func TestCancelledPostIsNeverPublished(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.schedule(t, "Never", time.Minute)
	_, err := b.Publish.Cancel(context.Background(), p.ID)
	require.NoError(t, err)
	b.Clock.Add(time.Hour)
	b.settle(t)
	require.Empty(t, b.outboxRecords(t))

	_, err = b.Publish.Cancel(context.Background(), p.ID)
	require.Equal(t, crier.ECONFLICT, crier.ErrorCode(err))
}

func TestPublishedPostCannotBeCancelledOrRescheduled(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.schedule(t, "Now", 0)
	b.settle(t)
	require.Len(t, b.outboxRecords(t), 1)

	_, err := b.Publish.Cancel(context.Background(), p.ID)
	require.Equal(t, crier.ECONFLICT, crier.ErrorCode(err))
	var refused *crier.PostError
	require.ErrorAs(t, err, &refused)
	require.Equal(t, crier.PostPublished, refused.Status, "already published (the words are the command's: commands' TestRefusalsReadAsBefore)")
	_, err = b.Publish.Reschedule(context.Background(), p.ID, start.Add(time.Hour))
	require.Equal(t, crier.ECONFLICT, crier.ErrorCode(err))
}

func TestPostDueWhileCrierWasDownIsPublishedAtStartAndSaysHowLate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.schedule(t, "While you slept", 30*time.Minute)
	b.Close(t)

	b.Clock.Add(2*time.Hour + 35*time.Minute)
	b.Open(t)
	b.settle(t)
	require.Len(t, b.outboxRecords(t), 1)
	texts := b.Chat.Texts()
	require.Len(t, texts, 1)
	require.Contains(t, texts[0], fmt.Sprintf("✓ Post #%d published to sandbox", p.ID))
	require.Contains(t, texts[0], "(2 h 5 min late: crier was not running when it was due)")
}

func TestOverLimitTextIsRefusedAndNothingIsStored(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := &crier.Post{Text: strings.Repeat("é", 512), DueAt: start.Add(time.Hour)}
	_, err := b.Publish.Schedule(context.Background(), p)
	require.Equal(t, crier.EINVALID, crier.ErrorCode(err))
	require.Equal(t, "The text is 12 characters too long for sandbox (512/500). Shorten it and try again.", crier.ErrorMessage(err))
	posts, err := b.Publish.Upcoming(context.Background(), 10)
	require.NoError(t, err)
	require.Empty(t, posts)
}

// flaky is a network that fails its first failures calls with a temporary
// error, or always with a permanent one.
type flaky struct {
	failures  int32
	permanent bool
	calls     atomic.Int32
	published sync.Map // idempotency key → true
}

func (f *flaky) Name() string { return "flaky" }
func (f *flaky) Kind() string { return "test" }
func (f *flaky) Check(text string) crier.Count {
	return crier.Count{Used: len(text), Limit: 1000, Unit: "characters"}
}
func (f *flaky) Publish(_ context.Context, req crier.PublishRequest) (crier.PublishResult, error) {
	n := f.calls.Add(1)
	if f.permanent {
		return crier.PublishResult{}, crier.Permanent(crier.Errorf(crier.EPERMANENT, "the network refused the token"))
	}
	if n <= f.failures {
		return crier.PublishResult{}, errors.New("503 service unavailable")
	}
	f.published.Store(req.IdempotencyKey, true)
	return crier.PublishResult{RemoteID: "r1", URL: "https://flaky.example/r1"}, nil
}

func TestTemporaryFailureIsReportedOnceAndRetriedUntilPublished(t *testing.T) {
	t.Parallel()
	fl := &flaky{failures: 1}
	b := setup(t, withNetwork(fl))
	p := b.schedule(t, "Try again", 0)
	b.settle(t)

	got, err := b.Publish.Post(context.Background(), p.ID)
	require.NoError(t, err)
	require.Equal(t, crier.PostScheduled, got.Status, "the flaky delivery is still waiting for its retry")

	b.Clock.Add(11 * time.Second)
	b.settle(t)
	got, err = b.Publish.Post(context.Background(), p.ID)
	require.NoError(t, err)
	require.Equal(t, crier.PostPublished, got.Status)
	require.EqualValues(t, 2, fl.calls.Load())
	texts := b.Chat.Texts()
	require.Contains(t, texts, fmt.Sprintf("⚠ Post #%d could not be published to flaky yet: 503 service unavailable. crier will retry at 08:00:10 UTC (in 10 s, attempt 2 of 3).", p.ID))
	require.Contains(t, texts, fmt.Sprintf("✓ Post #%d published to flaky: https://flaky.example/r1", p.ID))
}

func TestPermanentFailureGivesUpAtOnce(t *testing.T) {
	t.Parallel()
	fl := &flaky{permanent: true}
	b := setup(t, withNetwork(fl))
	p := b.schedule(t, "Refused", 0)
	b.settle(t)

	got, err := b.Publish.Post(context.Background(), p.ID)
	require.NoError(t, err)
	require.Equal(t, crier.PostPartial, got.Status, "sandbox published, flaky failed")
	require.EqualValues(t, 1, fl.calls.Load())
	require.Contains(t, b.Chat.Texts(), fmt.Sprintf("✗ Post #%d was not published to flaky: the network refused the token. This will not fix itself, so crier stopped trying.", p.ID))
}

func TestTemporaryFailuresGiveUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	fl := &flaky{failures: 100}
	b := setup(t, withNetwork(fl))
	p := b.schedule(t, "Down", 0)
	b.settle(t)
	b.Clock.Add(11 * time.Second)
	b.settle(t)
	b.Clock.Add(31 * time.Second)
	b.settle(t)

	got, err := b.Publish.Post(context.Background(), p.ID)
	require.NoError(t, err)
	require.Equal(t, crier.DeliveryFailed, got.Deliveries[1].Status)
	require.EqualValues(t, 3, fl.calls.Load())
	require.Contains(t, b.Chat.Texts(), fmt.Sprintf("✗ Post #%d was not published to flaky: 503 service unavailable. crier gave up after 3 attempts; schedule it again when flaky works.", p.ID))
}

func TestAPostPublishedToOneNetworkCannotBeCancelled(t *testing.T) {
	t.Parallel()
	fl := &flaky{failures: 100}
	b := setup(t, withNetwork(fl))
	p := b.schedule(t, "Stuck", 0)
	b.settle(t)
	require.EqualValues(t, 1, fl.calls.Load())

	_, err := b.Publish.Cancel(context.Background(), p.ID)
	require.Error(t, err, "sandbox already published it")
	var refused *crier.PostError
	require.ErrorAs(t, err, &refused)
	require.Equal(t, crier.RefusedPublished, refused.Reason, "already published (the words are the command's: commands' TestRefusalsReadAsBefore)")
	require.Equal(t, "sandbox", refused.Target)
}

func TestARetryingPostCanBeMovedOrCancelled(t *testing.T) {
	t.Parallel()
	fl := &flaky{failures: 100}
	b := setup(t, withNetwork(fl))
	p := &crier.Post{Text: "Only flaky", DueAt: start, Targets: []string{"flaky"}}
	_, err := b.Publish.Schedule(context.Background(), p)
	require.NoError(t, err)
	b.settle(t)
	require.EqualValues(t, 1, fl.calls.Load())

	_, err = b.Publish.Cancel(context.Background(), p.ID)
	require.NoError(t, err, "a post waiting for a retry can still be stopped")
	b.Clock.Add(time.Hour)
	b.settle(t)
	require.EqualValues(t, 1, fl.calls.Load(), "no retry after the cancel")
}

func TestScheduleAllStoresEveryPostOrNone(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	post := func(text string) *crier.Post {
		return &crier.Post{Text: text, DueAt: b.Clock.Now().Add(time.Hour), AuthorID: "import", AuthorName: "crier import"}
	}
	posts := []*crier.Post{post("One"), post("Two"), post(strings.Repeat("x", 501))} // the third is over sandbox's 500
	err := b.Publish.ScheduleAll(ctx, posts)
	require.Equal(t, crier.EINVALID, crier.ErrorCode(err), "%v", err)
	stored, err := b.Publish.Posts(ctx, publish.PostFilter{})
	require.NoError(t, err)
	require.Empty(t, stored, "nothing is stored when one post is refused")

	posts[2].Text = "Three"
	require.NoError(t, b.Publish.ScheduleAll(ctx, posts))
	for _, p := range posts {
		require.NotZero(t, p.ID)
		require.Equal(t, crier.PostScheduled, p.Status)
		require.Equal(t, []string{"sandbox"}, p.Targets, "no networks named: every network")
	}
	b.Clock.Add(time.Hour)
	b.settle(t)
	require.Len(t, b.outboxRecords(t), 3, "the queue was woken for them")
}
