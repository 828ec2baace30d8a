package main

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/crier-bot/crier/adapters/bluesky"
	"github.com/crier-bot/crier/adapters/bluesky/blueskytest"
	"github.com/crier-bot/crier/adapters/mastodon"
	"github.com/crier-bot/crier/adapters/mastodon/mastodontest"
	"github.com/crier-bot/crier/adapters/webhook"
	"github.com/crier-bot/crier/adapters/webhook/webhooktest"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/criertest"
	"github.com/crier-bot/crier/internal/publish"
)

const hookSecret = "0123456789abcdef0123456789abcdef"

// socialFakes are fake Mastodon, Bluesky and webhook services failing a share
// of their creates.
type socialFakes struct {
	masto *mastodontest.Server
	sky   *blueskytest.Server
	hook  *webhooktest.Server
	raw   *webhooktest.Server // a receiver that does not deduplicate
}

func newSocialFakes(t testing.TB, faultRate float64, clock crier.Clock) *socialFakes {
	t.Helper()
	f := &socialFakes{masto: mastodontest.New(), sky: blueskytest.New(), hook: webhooktest.New(hookSecret), raw: webhooktest.New(hookSecret)}
	t.Cleanup(f.masto.Close)
	t.Cleanup(f.sky.Close)
	t.Cleanup(f.hook.Close)
	t.Cleanup(f.raw.Close)
	// Bluesky's fake counts 5000 points an hour like the real PDS; the
	// benchmarks publish more than that.
	f.sky.SetRateLimit(1<<30, time.Now().Add(time.Hour))
	f.masto.SetClock(clock)
	f.hook.SetClock(clock)
	f.raw.SetClock(clock)
	f.raw.SetDedupe(false)
	if faultRate > 0 {
		f.masto.SetFaults(mastodontest.Faults{Rate: faultRate, Seed: 7, Modes: []mastodontest.Fault{
			mastodontest.Fault500BeforeStore, mastodontest.Fault500AfterStore, mastodontest.Fault429,
			mastodontest.Fault429NoHeader, mastodontest.FaultHangAfterStore, mastodontest.FaultMalformedJSONAfterStore,
			mastodontest.FaultDropAfterStore,
		}})
		f.sky.SetFaults(blueskytest.Faults{Rate: faultRate, Seed: 7, Modes: blueskytest.AllFaults()})
		f.hook.SetFaults(webhooktest.Faults{Rate: faultRate, Seed: 7, Modes: webhooktest.AllFaults()})
		f.raw.SetFaults(webhooktest.Faults{Rate: faultRate, Seed: 8, Modes: webhooktest.AllFaults()})
	}
	return f
}

// networks opens crier's adapters against the fakes, without rate limits
// (the fakes have none; Mastodon's real 300 per 5 minutes would make a
// thousand posts take an hour).
func (f *socialFakes) networks(t testing.TB, clock crier.Clock) []crier.Network {
	t.Helper()
	m, err := mastodon.New(mastodon.Options{Name: "masto", Server: f.masto.URL, AccessToken: f.masto.Token,
		HTTPClient: client(f.masto.Client()), Clock: clock, Limiter: rate.NewLimiter(rate.Inf, 0)})
	require.NoError(t, err)
	b, err := bluesky.New(bluesky.Options{Name: "sky", PDS: f.sky.URL, Handle: f.sky.Handle, AppPassword: f.sky.Password,
		HTTPClient: client(f.sky.Client()), Clock: clock, WritePoints: -1})
	require.NoError(t, err)
	h, err := webhook.New(webhook.Options{Name: "hook", URL: f.hook.URL, Secret: hookSecret, Deduplicates: true,
		RatePerSecond: float64(rate.Inf), HTTPClient: client(f.hook.Client()), Clock: clock})
	require.NoError(t, err)
	raw, err := webhook.New(webhook.Options{Name: "raw", URL: f.raw.URL, Secret: hookSecret, Deduplicates: false,
		RatePerSecond: float64(rate.Inf), HTTPClient: client(f.raw.Client()), Clock: clock})
	require.NoError(t, err)
	return []crier.Network{m, b, h, raw}
}

// client is the fake's client with room for many connections at once.
func client(c *http.Client) *http.Client {
	tr := c.Transport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 100
	return &http.Client{Transport: tr}
}

// created returns how many times the fake of network created the post of
// the delivery with this key and due time.
func (f *socialFakes) created(network, key string, due time.Time) int {
	switch network {
	case "masto":
		return f.masto.CreatesByKey()[key]
	case "sky":
		rkey, err := bluesky.RecordKey(key, due)
		if err != nil {
			panic(err)
		}
		return f.sky.CreatesByKey()[rkey]
	case "hook":
		return f.hook.CreatesByKey()[key]
	case "raw":
		return f.raw.CreatesByKey()[key]
	}
	panic("unknown network " + network)
}

// TestFaultyNetworksPublishEveryPostExactlyOnce publishes 1,000 posts to
// Mastodon, Bluesky and a webhook whose fakes fail 30% of creates (5xx
// before and after storing, 429 with and without Retry-After, hangs until
// the attempt times out, broken JSON, dropped connections). Every post must
// end on every network exactly once, or, where the network could not have
// recognised a retry, be flagged "maybe published" and be there at most once.
func TestFaultyNetworksPublishEveryPostExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("publishes 4,000 deliveries")
	}
	t.Parallel()
	ctx := context.Background()
	// Real time to start with: the fakes put real instants in their
	// rate-limit headers.
	clock := crier.NewManualClock(time.Now().UTC().Truncate(time.Second))
	fakes := newSocialFakes(t, 0.3, clock)
	opts := []criertest.Option{criertest.WithClock(clock), criertest.Started(), criertest.WithPublish(func(o *publish.Options) {
		o.MaxAttempts, o.AttemptTimeout = 8, time.Second
	})}
	for _, n := range fakes.networks(t, clock) {
		opts = append(opts, criertest.WithNetwork(n))
	}
	core := criertest.Setup(t, opts...)
	svc, db, asked := core.Publish, core.DB, askedChat{core.Chat}

	const posts = 1000
	for i := range posts {
		_, err := svc.Schedule(ctx, &crier.Post{Text: fmt.Sprintf("Fault test post %d", i), DueAt: clock.Now(),
			Origin: crier.ChannelRef{Platform: "shell", ID: "general"}})
		require.NoError(t, err)
	}
	for round := 0; ; round++ {
		wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		if err := svc.WaitIdle(wctx); err != nil {
			rows, _ := db.SQL().Query("SELECT status, count(*), coalesce(min(next_at), 0), max(attempts) FROM deliveries GROUP BY status")
			for rows.Next() {
				var st string
				var n, a int
				var at int64
				_ = rows.Scan(&st, &n, &at, &a)
				t.Logf("round %d: %s %d next %s attempts %d (now %s)", round, st, n, time.UnixMilli(at).UTC(), a, clock.Now())
			}
			t.FailNow()
		}
		cancel()
		open, err := svc.Upcoming(ctx, 1)
		require.NoError(t, err)
		if round == 9 || len(open) == 0 {
			break
		}
		clock.Add(publish.RetryDelay(round+1) + time.Second) // to the next round of retries
	}

	counts := map[crier.DeliveryStatus]int{}
	for id := int64(1); id <= posts; id++ {
		p, err := svc.Post(ctx, id)
		require.NoError(t, err)
		for _, dl := range p.Deliveries {
			counts[dl.Status]++
			n := fakes.created(dl.Target, dl.IdempotencyKey, dl.DueAt)
			switch dl.Status {
			case crier.DeliveryPublished:
				require.Equal(t, 1, n, "post #%d on %s: published %d times", id, dl.Target, n)
			case crier.DeliveryMaybe:
				require.LessOrEqual(t, n, 1, "post #%d on %s: published %d times", id, dl.Target, n)
				require.True(t, asked.asked(id, dl.Target), "post #%d on %s: nobody was asked", id, dl.Target)
			default:
				t.Fatalf("post #%d on %s ended %s (%s), on the network %d times", id, dl.Target, dl.Status, dl.LastError, n)
			}
		}
	}
	t.Logf("deliveries: %v", counts)
	require.GreaterOrEqual(t, counts[crier.DeliveryPublished], 3*posts*99/100, "nearly all are published")
	require.Positive(t, counts[crier.DeliveryMaybe], "the receiver that cannot deduplicate leaves some for a person")
	// Each text once on Bluesky, whatever its record key.
	texts := map[string]int{}
	for _, p := range fakes.sky.Posts() {
		texts[p.Text]++
		require.Equal(t, 1, texts[p.Text], "on Bluesky twice: %s", p.Text)
	}
	require.Equal(t, 1, fakes.sky.Logins(), "one login for a thousand posts")
}

// askedChat tells which deliveries a person was asked about.
type askedChat struct{ chat *criertest.Chat }

func (a askedChat) asked(postID int64, target string) bool {
	for _, m := range a.chat.Messages() {
		for _, b := range m.Buttons {
			if b.Action == "publish_again" && b.PostID == postID && b.Target == target {
				return true
			}
		}
	}
	return false
}
