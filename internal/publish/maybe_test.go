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

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/criertest"
	"github.com/crier-bot/crier/internal/publish"
)

// unsure is a network whose answers the test scripts, one per call; it
// recognises a repeated key only within window (0: never).
type unsure struct {
	name    string
	window  time.Duration
	mu      sync.Mutex
	answers []error // one per call; nil publishes; past the end publishes
	calls   atomic.Int32
	keys    []string
}

func (u *unsure) Name() string { return u.name }
func (u *unsure) Kind() string { return "test" }
func (u *unsure) Check(text string) crier.Count {
	return crier.Count{Used: len(text), Limit: 1000, Unit: "characters"}
}
func (u *unsure) KeyWindow() time.Duration { return u.window }
func (u *unsure) Publish(_ context.Context, req crier.PublishRequest) (crier.PublishResult, error) {
	n := int(u.calls.Add(1))
	u.mu.Lock()
	defer u.mu.Unlock()
	u.keys = append(u.keys, req.IdempotencyKey)
	if n <= len(u.answers) && u.answers[n-1] != nil {
		return crier.PublishResult{}, u.answers[n-1]
	}
	return crier.PublishResult{RemoteID: fmt.Sprintf("r%d", n), URL: fmt.Sprintf("https://unsure.example/%d", n)}, nil
}

var timeout = crier.Unclear(crier.Errorf(crier.EUNAVAIL, "the network did not answer within 30 s"))

func (b *bundle) notice(t *testing.T, prefix string) criertest.Posted {
	t.Helper()
	return b.Chat.Find(t, prefix)
}

func TestAnUnclearFailureOnANetworkThatCannotDeduplicateAsksAPerson(t *testing.T) {
	t.Parallel()
	u := &unsure{name: "hook", window: 0, answers: []error{timeout}}
	b := setup(t, withNetwork(u))
	p := &crier.Post{Text: "Once at most", DueAt: start, Targets: []string{"hook"}}
	_, err := b.Publish.Schedule(context.Background(), p)
	require.NoError(t, err)
	b.settle(t)
	b.Clock.Add(2 * time.Hour)
	b.settle(t)

	require.EqualValues(t, 1, u.calls.Load(), "no retry without a person's decision")
	got, err := b.Publish.Post(context.Background(), p.ID)
	require.NoError(t, err)
	require.Equal(t, crier.DeliveryMaybe, got.Deliveries[0].Status)
	require.Equal(t, crier.PostScheduled, got.Status, "the post waits for the decision")
	n := b.notice(t, "❓")
	require.Equal(t, fmt.Sprintf("❓ Post #%d “Once at most” may or may not be on hook: the network did not answer within 30 s, and crier cannot tell without risking a second copy. Check hook, then choose.", p.ID), n.Text)
	require.Equal(t, publish.MaybeButtons(p.ID, "hook"), n.Buttons)
	require.Equal(t, "/published #1 hook", n.Buttons[0].Command)

	got, err = b.Publish.Resolve(context.Background(), p.ID, "hook", true)
	require.NoError(t, err)
	require.Equal(t, crier.PostPublished, got.Status)
	require.EqualValues(t, 1, u.calls.Load())

	_, err = b.Publish.Resolve(context.Background(), p.ID, "hook", true)
	require.Equal(t, crier.ECONFLICT, crier.ErrorCode(err), "a second press finds nothing to decide")
}

func TestPublishAgainUsesANewKeyAndPublishesNow(t *testing.T) {
	t.Parallel()
	u := &unsure{name: "hook", window: 0, answers: []error{timeout}}
	b := setup(t, withNetwork(u))
	p := &crier.Post{Text: "Again", DueAt: start, Targets: []string{"hook"}}
	_, err := b.Publish.Schedule(context.Background(), p)
	require.NoError(t, err)
	b.settle(t)

	_, err = b.Publish.Resolve(context.Background(), p.ID, "hook", false)
	require.NoError(t, err)
	b.settle(t)
	got, err := b.Publish.Post(context.Background(), p.ID)
	require.NoError(t, err)
	require.Equal(t, crier.PostPublished, got.Status)
	require.EqualValues(t, 2, u.calls.Load())
	require.Len(t, u.keys, 2)
	require.Regexp(t, `^crier-[0-9a-f]{12}-1-hook-0$`, u.keys[0])
	require.Equal(t, u.keys[0]+"-again1", u.keys[1])
}

func TestAnUnclearFailureIsRetriedWhileTheNetworkRemembersTheKey(t *testing.T) {
	t.Parallel()
	u := &unsure{name: "masto", window: time.Hour, answers: []error{timeout}}
	b := setup(t, withNetwork(u))
	p := &crier.Post{Text: "Retried safely", DueAt: start, Targets: []string{"masto"}}
	_, err := b.Publish.Schedule(context.Background(), p)
	require.NoError(t, err)
	b.settle(t)
	b.Clock.Add(11 * time.Second)
	b.settle(t)
	require.EqualValues(t, 1, u.calls.Load(), "the network may still be working on the first request: not yet")
	b.Clock.Add(2 * time.Minute)
	b.settle(t)

	got, err := b.Publish.Post(context.Background(), p.ID)
	require.NoError(t, err)
	require.Equal(t, crier.PostPublished, got.Status)
	require.Len(t, u.keys, 2)
	require.Regexp(t, `^crier-[0-9a-f]{12}-1-masto-0$`, u.keys[0])
	require.Equal(t, u.keys[0], u.keys[1], "the same key, inside the window")
}

func TestAnUnclearFailureIsNotRetriedOnceTheNetworkForgotTheKey(t *testing.T) {
	t.Parallel()
	u := &unsure{name: "masto", window: 150 * time.Second, answers: []error{timeout, errors.New("503 service unavailable")}}
	b := setup(t, withNetwork(u))
	p := &crier.Post{Text: "Too late to be sure", DueAt: start, Targets: []string{"masto"}}
	_, err := b.Publish.Schedule(context.Background(), p)
	require.NoError(t, err)
	b.settle(t) // attempt 1: unclear
	b.Clock.Add(2*time.Minute + time.Second)
	b.settle(t) // attempt 2 (121 s later, inside the window): a clear 503
	b.Clock.Add(31 * time.Second)
	b.settle(t) // attempt 3 would be 152 s after the unclear one: outside the window

	require.EqualValues(t, 2, u.calls.Load())
	got, err := b.Publish.Post(context.Background(), p.ID)
	require.NoError(t, err)
	require.Equal(t, crier.DeliveryMaybe, got.Deliveries[0].Status)
	require.Equal(t, fmt.Sprintf("❓ Post #%d “Too late to be sure” may or may not be on masto: the attempt at 08:00 UTC got no answer, and crier cannot tell without risking a second copy. Check masto, then choose.", p.ID),
		b.notice(t, "❓").Text)
}

func TestARefusedTokenIsReportedOncePerNetworkAndRetried(t *testing.T) {
	t.Parallel()
	revoked := crier.AuthFailed(crier.Errorf(crier.EPERMANENT, "Mastodon refused the access token for masto (it expired or was revoked). Make a new one and put it in bot.yaml."))
	u := &unsure{name: "masto", window: time.Hour, answers: []error{revoked, revoked, revoked, revoked}}
	b := setup(t, withNetwork(u))
	for _, text := range []string{"one", "two"} {
		_, err := b.Publish.Schedule(context.Background(), &crier.Post{Text: text, DueAt: start, Targets: []string{"masto"}})
		require.NoError(t, err)
	}
	b.settle(t)
	require.EqualValues(t, 2, u.calls.Load())
	var auth []string
	for _, txt := range b.Chat.Texts() {
		if strings.HasPrefix(txt, "✗ crier cannot") {
			auth = append(auth, txt)
		}
	}
	require.Equal(t, []string{"✗ crier cannot post to masto: Mastodon refused the access token for masto (it expired or was revoked). Make a new one and put it in bot.yaml. Posts for masto wait and are retried; crier says this once, and again when it works."}, auth)

	b.Clock.Add(11 * time.Second) // attempts 2: refused again, quietly
	b.settle(t)
	b.Clock.Add(31 * time.Second) // attempts 3: the token was fixed
	b.settle(t)
	require.Contains(t, b.Chat.Texts(), "✓ crier can post to masto again.")
	published := 0
	for _, txt := range b.Chat.Texts() {
		if strings.HasPrefix(txt, "✓ Post #") {
			published++
		}
	}
	require.Equal(t, 2, published, "both posts went out once the token worked")
}

func TestARateLimitWaitsAsLongAsTheNetworkSaysWithoutSpendingAttempts(t *testing.T) {
	t.Parallel()
	limited := crier.RateLimited(crier.Errorf(crier.EUNAVAIL, "Mastodon asked crier to slow down"), 2*time.Minute)
	u := &unsure{name: "masto", window: time.Hour, answers: []error{limited, limited, limited, limited}}
	b := setup(t, withNetwork(u))
	p := &crier.Post{Text: "Slow down", DueAt: start, Targets: []string{"masto"}}
	_, err := b.Publish.Schedule(context.Background(), p)
	require.NoError(t, err)
	b.settle(t)
	require.Contains(t, b.Chat.Texts(), "⚠ Post #1 could not be published to masto yet: Mastodon asked crier to slow down. crier will retry at 08:02:00 UTC (in 2 min).")
	for i := 0; i < 4; i++ {
		b.Clock.Add(2*time.Minute + time.Second)
		b.settle(t)
	}
	got, err := b.Publish.Post(context.Background(), p.ID)
	require.NoError(t, err)
	require.Equal(t, crier.PostPublished, got.Status, "four rate limits did not use up the three attempts")
	require.EqualValues(t, 5, u.calls.Load())
}

func TestAQuestionThatDidNotReachTheChannelIsAskedAtTheNextStart(t *testing.T) {
	t.Parallel()
	u := &unsure{name: "hook", window: 0, answers: []error{timeout}}
	b := setup(t, withNetwork(u))
	b.Chat.SetDown(true)
	p := &crier.Post{Text: "Asked later", DueAt: start, Targets: []string{"hook"}}
	_, err := b.Publish.Schedule(context.Background(), p)
	require.NoError(t, err)
	b.settle(t)
	require.Empty(t, b.Chat.Texts())

	b.Close(t)
	b.Chat.SetDown(false)
	b.Open(t)
	n := b.notice(t, "❓")
	require.Equal(t, fmt.Sprintf("❓ Post #%d “Asked later” may or may not be on hook: the network did not answer within 30 s, and crier cannot tell without risking a second copy. Check hook, then choose.", p.ID), n.Text)
	require.Len(t, n.Buttons, 2)

	b.Close(t)
	b.Open(t)
	require.Len(t, b.Chat.Texts(), 1, "asked once: a question that reached the channel is not asked again")
}

func TestASecondQuestionAfterPublishAgainIsAskedAtTheNextStartToo(t *testing.T) {
	t.Parallel()
	u := &unsure{name: "hook", window: 0, answers: []error{timeout, timeout}}
	b := setup(t, withNetwork(u))
	p := &crier.Post{Text: "Twice unsure", DueAt: start, Targets: []string{"hook"}}
	_, err := b.Publish.Schedule(context.Background(), p)
	require.NoError(t, err)
	b.settle(t)
	b.notice(t, "❓") // the first question reached the channel

	b.Chat.SetDown(true)
	_, err = b.Publish.Resolve(context.Background(), p.ID, "hook", false)
	require.NoError(t, err)
	b.settle(t)
	require.EqualValues(t, 2, u.calls.Load(), "published again, and again no answer")

	b.Close(t)
	b.Chat.SetDown(false)
	b.Open(t)
	var asked int
	for _, txt := range b.Chat.Texts() {
		if strings.HasPrefix(txt, "❓") {
			asked++
		}
	}
	require.Equal(t, 2, asked, "the second question, lost while chat was down, is asked at the next start")
}
