package publish_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/file"
	"github.com/crier-bot/crier/adapters/sqlite"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/publish"
)

// start is Mon 2026-11-23 10:00 in Bucharest.
var start = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// notices is the chat publish reports to: it records each message posted
// (as a notice: channel, text, buttons) and numbers it, as a chat does.
type notices struct {
	mu   sync.Mutex
	list []crier.Notice
	down bool // chat is unreachable: every notice fails
}

var _ crier.Chat = (*notices)(nil)

func (n *notices) Platform() string { return "shell" }

func (n *notices) Post(_ context.Context, ch crier.ChannelRef, m crier.Message) (crier.MessageRef, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.down {
		return crier.MessageRef{}, errors.New("chat is down")
	}
	n.list = append(n.list, crier.Notice{Channel: ch, Text: m.Text, Buttons: m.Buttons})
	return crier.MessageRef{Platform: ch.Platform, Channel: ch.ID, ID: fmt.Sprint(len(n.list)), Thread: ch.Thread}, nil
}

func (n *notices) Update(context.Context, crier.MessageRef, crier.Message) error { return nil }
func (n *notices) React(context.Context, crier.MessageRef, string) error         { return nil }
func (n *notices) OnThreadReply(crier.ThreadHandler)                             {}

func (n *notices) setDown(down bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.down = down
}

func (n *notices) texts() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for _, x := range n.list {
		out = append(out, x.Text)
	}
	return out
}

type bundle struct {
	dir     string
	clock   *crier.ManualClock
	db      *sqlite.DB
	svc     *publish.Service
	outbox  string
	notices *notices
	extra   []crier.Network
}

type option func(*bundle)

func withNetwork(n crier.Network) option { return func(b *bundle) { b.extra = append(b.extra, n) } }

func setup(t *testing.T, opts ...option) *bundle {
	t.Helper()
	b := &bundle{dir: t.TempDir(), clock: crier.NewManualClock(start), notices: &notices{}}
	for _, o := range opts {
		o(b)
	}
	b.outbox = filepath.Join(b.dir, "outbox.jsonl")
	b.open(t)
	return b
}

// open opens the database, the file network and the service, as crier does at start.
func (b *bundle) open(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.dir, "crier.db"), b.clock)
	require.NoError(t, err)
	fn, err := file.Open("sandbox", b.outbox, 500, b.clock)
	require.NoError(t, err)
	svc, err := publish.New(ctx, publish.Options{
		DB: db.SQL(), Store: db, Networks: append([]crier.Network{fn}, b.extra...), Chat: b.notices,
		Clock: b.clock, MaxAttempts: 3, AttemptTimeout: 2 * time.Second, PollInterval: 20 * time.Millisecond,
		Logger: b.logger(t),
	})
	require.NoError(t, err)
	require.NoError(t, svc.Start(ctx))
	b.db, b.svc = db, svc
	t.Cleanup(func() { b.close(t) })
}

// logger keeps the service's (and River's) log, and shows it when the test
// fails: a failure under load says what happened.
func (b *bundle) logger(t *testing.T) *slog.Logger {
	t.Helper()
	buf := &lockedBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the log:\n%s", buf.String())
		}
	})
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (b *bundle) close(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if b.svc == nil {
		return
	}
	require.NoError(t, b.svc.Stop(ctx))
	require.NoError(t, b.db.Close())
	b.svc = nil
}

// settle waits (bounded) until nothing due is left. River moves scheduled jobs
// on a 5 s tick, so this can take a few seconds of real time after the clock moves.
func (b *bundle) settle(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(t, b.svc.WaitIdle(ctx))
}

func (b *bundle) outboxRecords(t *testing.T) []file.Record {
	t.Helper()
	recs, err := file.ReadOutbox(b.outbox)
	require.NoError(t, err)
	return recs
}

func (b *bundle) schedule(t *testing.T, text string, in time.Duration) *crier.Post {
	t.Helper()
	p := &crier.Post{Text: text, DueAt: b.clock.Now().Add(in), AuthorID: "u1", AuthorName: "ana",
		Origin: crier.ChannelRef{Platform: "shell", ID: "general"}}
	_, err := b.svc.Schedule(context.Background(), p)
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

	b.clock.Add(time.Hour)
	b.settle(t)
	recs := b.outboxRecords(t)
	require.Len(t, recs, 1)
	require.Equal(t, "Launch day is here!", recs[0].Text)
	got, err := b.svc.Post(context.Background(), p.ID)
	require.NoError(t, err)
	require.Equal(t, got.Deliveries[0].IdempotencyKey, recs[0].IdempotencyKey)
	require.Regexp(t, fmt.Sprintf(`^crier-[0-9a-f]{12}-%d-sandbox-0$`, p.ID), recs[0].IdempotencyKey)
	require.Equal(t, crier.PostPublished, got.Status)
	require.Equal(t, crier.DeliveryPublished, got.Deliveries[0].Status)
	require.Equal(t, []string{fmt.Sprintf("✓ Post #%d published to sandbox: file://%s#1", p.ID, b.outbox)}, b.notices.texts())
}

func TestWaitIdleWithinWaitsForWhatIsDueSoon(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.schedule(t, "Soon", 10*time.Second)
	ctx := context.Background()

	require.NoError(t, b.svc.WaitIdle(ctx), "nothing is due now")
	require.NoError(t, b.svc.WaitIdleWithin(ctx, 5*time.Second), "nothing is due in the next 5 s")
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, b.svc.WaitIdleWithin(short, 30*time.Second), context.DeadlineExceeded, "a post due in 10 s is waited for")

	b.clock.Add(10 * time.Second)
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	require.NoError(t, b.svc.WaitIdleWithin(wctx, 30*time.Second))
	require.Len(t, b.outboxRecords(t), 1)
}

func TestRescheduledPostIsPublishedOnceAtTheNewTime(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.schedule(t, "Moved", time.Hour)
	_, err := b.svc.Reschedule(context.Background(), p.ID, start.Add(3*time.Hour))
	require.NoError(t, err)

	b.clock.Add(time.Hour + time.Minute)
	b.settle(t)
	require.Empty(t, b.outboxRecords(t), "the old time publishes nothing")

	b.clock.Set(start.Add(3 * time.Hour))
	b.settle(t)
	require.Len(t, b.outboxRecords(t), 1)
}

func TestCancelledPostIsNeverPublished(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.schedule(t, "Never", time.Minute)
	_, err := b.svc.Cancel(context.Background(), p.ID)
	require.NoError(t, err)
	b.clock.Add(time.Hour)
	b.settle(t)
	require.Empty(t, b.outboxRecords(t))

	_, err = b.svc.Cancel(context.Background(), p.ID)
	require.Equal(t, crier.ECONFLICT, crier.ErrorCode(err))
}

func TestPublishedPostCannotBeCancelledOrRescheduled(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.schedule(t, "Now", 0)
	b.settle(t)
	require.Len(t, b.outboxRecords(t), 1)

	_, err := b.svc.Cancel(context.Background(), p.ID)
	require.Equal(t, crier.ECONFLICT, crier.ErrorCode(err))
	var refused *crier.PostError
	require.ErrorAs(t, err, &refused)
	require.Equal(t, crier.PostPublished, refused.Status, "already published (the words are the command's: commands' TestRefusalsReadAsBefore)")
	_, err = b.svc.Reschedule(context.Background(), p.ID, start.Add(time.Hour))
	require.Equal(t, crier.ECONFLICT, crier.ErrorCode(err))
}

func TestPostDueWhileCrierWasDownIsPublishedAtStartAndSaysHowLate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.schedule(t, "While you slept", 30*time.Minute)
	b.close(t)

	b.clock.Add(2*time.Hour + 35*time.Minute)
	b.open(t)
	b.settle(t)
	require.Len(t, b.outboxRecords(t), 1)
	texts := b.notices.texts()
	require.Len(t, texts, 1)
	require.Contains(t, texts[0], fmt.Sprintf("✓ Post #%d published to sandbox", p.ID))
	require.Contains(t, texts[0], "(2 h 5 min late: crier was not running when it was due)")
}

func TestOverLimitTextIsRefusedAndNothingIsStored(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := &crier.Post{Text: strings.Repeat("é", 512), DueAt: start.Add(time.Hour)}
	_, err := b.svc.Schedule(context.Background(), p)
	require.Equal(t, crier.EINVALID, crier.ErrorCode(err))
	require.Equal(t, "The text is 12 characters too long for sandbox (512/500). Shorten it and try again.", crier.ErrorMessage(err))
	posts, err := b.svc.Upcoming(context.Background(), 10)
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

	got, err := b.svc.Post(context.Background(), p.ID)
	require.NoError(t, err)
	require.Equal(t, crier.PostScheduled, got.Status, "the flaky delivery is still waiting for its retry")

	b.clock.Add(11 * time.Second)
	b.settle(t)
	got, err = b.svc.Post(context.Background(), p.ID)
	require.NoError(t, err)
	require.Equal(t, crier.PostPublished, got.Status)
	require.EqualValues(t, 2, fl.calls.Load())
	texts := b.notices.texts()
	require.Contains(t, texts, fmt.Sprintf("⚠ Post #%d could not be published to flaky yet: 503 service unavailable. crier will retry at 08:00:10 UTC (in 10 s, attempt 2 of 3).", p.ID))
	require.Contains(t, texts, fmt.Sprintf("✓ Post #%d published to flaky: https://flaky.example/r1", p.ID))
}

func TestPermanentFailureGivesUpAtOnce(t *testing.T) {
	t.Parallel()
	fl := &flaky{permanent: true}
	b := setup(t, withNetwork(fl))
	p := b.schedule(t, "Refused", 0)
	b.settle(t)

	got, err := b.svc.Post(context.Background(), p.ID)
	require.NoError(t, err)
	require.Equal(t, crier.PostPartial, got.Status, "sandbox published, flaky failed")
	require.EqualValues(t, 1, fl.calls.Load())
	require.Contains(t, b.notices.texts(), fmt.Sprintf("✗ Post #%d was not published to flaky: the network refused the token. This will not fix itself, so crier stopped trying.", p.ID))
}

func TestTemporaryFailuresGiveUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	fl := &flaky{failures: 100}
	b := setup(t, withNetwork(fl))
	p := b.schedule(t, "Down", 0)
	b.settle(t)
	b.clock.Add(11 * time.Second)
	b.settle(t)
	b.clock.Add(31 * time.Second)
	b.settle(t)

	got, err := b.svc.Post(context.Background(), p.ID)
	require.NoError(t, err)
	require.Equal(t, crier.DeliveryFailed, got.Deliveries[1].Status)
	require.EqualValues(t, 3, fl.calls.Load())
	require.Contains(t, b.notices.texts(), fmt.Sprintf("✗ Post #%d was not published to flaky: 503 service unavailable. crier gave up after 3 attempts; schedule it again when flaky works.", p.ID))
}

func TestAPostPublishedToOneNetworkCannotBeCancelled(t *testing.T) {
	t.Parallel()
	fl := &flaky{failures: 100}
	b := setup(t, withNetwork(fl))
	p := b.schedule(t, "Stuck", 0)
	b.settle(t)
	require.EqualValues(t, 1, fl.calls.Load())

	_, err := b.svc.Cancel(context.Background(), p.ID)
	require.Error(t, err, "sandbox already published it")
	var refused *crier.PostError
	require.ErrorAs(t, err, &refused)
	require.Equal(t, crier.RefusedPublished, refused.Reason, "already published (the words are the command's: commands' TestRefusalsReadAsBefore)")
	require.Equal(t, "sandbox", refused.Target)
}

func TestARetryingPostCanBeMovedOrCancelled(t *testing.T) {
	t.Parallel()
	fl := &flaky{failures: 100}
	b := &bundle{dir: t.TempDir(), clock: crier.NewManualClock(start), notices: &notices{}, extra: []crier.Network{fl}}
	b.outbox = filepath.Join(b.dir, "outbox.jsonl")
	b.open(t)
	p := &crier.Post{Text: "Only flaky", DueAt: start, Targets: []string{"flaky"}}
	_, err := b.svc.Schedule(context.Background(), p)
	require.NoError(t, err)
	b.settle(t)
	require.EqualValues(t, 1, fl.calls.Load())

	_, err = b.svc.Cancel(context.Background(), p.ID)
	require.NoError(t, err, "a post waiting for a retry can still be stopped")
	b.clock.Add(time.Hour)
	b.settle(t)
	require.EqualValues(t, 1, fl.calls.Load(), "no retry after the cancel")
}
