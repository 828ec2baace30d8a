package series_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/series"
)

// evergreenPost stores a published post with its own networks, pictures,
// campaign and networks' texts.
func (b *testBundle) evergreenPost(t *testing.T, text string) *crier.Post {
	t.Helper()
	p := &crier.Post{Text: text, Status: crier.PostScheduled, DueAt: b.clock.Now().Add(-time.Hour), AuthorID: "U9", AuthorName: "rui",
		Targets: []string{"sandbox", "other"}, Images: []crier.Image{{URL: "https://example.com/" + text + ".jpg"}}, Campaign: "spring",
		Variants: map[string]string{"other": text + " (other)"}}
	require.NoError(t, b.db.CreatePost(context.Background(), p, keys{}))
	return p
}

func (b *testBundle) mark(t *testing.T, ids ...int64) {
	t.Helper()
	for _, id := range ids {
		_, err := b.svc.MarkEvergreen(context.Background(), id, true, "U1")
		require.NoError(t, err)
	}
}

func (b *testBundle) createEvergreen(t *testing.T, phrase string) (*series.Created, error) {
	t.Helper()
	rule, _, err := b.times.ParseRecurrence(phrase, b.loc, b.clock.Now())
	require.NoError(t, err)
	return b.svc.CreateEvergreen(context.Background(), &crier.Post{AuthorID: "U1", AuthorName: "ana"}, rule, b.loc)
}

// Three evergreen posts re-posted every 2 weeks: the eight weeks ahead
// make four occurrences, A, B, C (by id: none was re-posted yet) and A
// again; the next one, as its time nears, is the one re-posted longest ago.
func TestEvergreenSeriesRepostsInTurn(t *testing.T) {
	t.Parallel()
	b := setup(t)
	a, c, d := b.evergreenPost(t, "A"), b.evergreenPost(t, "B"), b.evergreenPost(t, "C")
	b.mark(t, d.ID, a.ID, c.ID) // marked out of order: the rotation is by id when none was re-posted

	made, err := b.createEvergreen(t, "every 2 weeks on monday 9am from queue evergreen")
	require.NoError(t, err)
	require.True(t, made.Series.Evergreen)
	var texts []string
	for _, p := range made.Posts {
		texts = append(texts, p.Text)
		require.Equal(t, "U1", p.AuthorID, "a re-post is the series author's post")
	}
	require.Equal(t, []string{"A", "B", "C", "A"}, texts)

	first := made.Posts[0]
	require.Equal(t, []string{"sandbox", "other"}, first.Targets)
	require.Equal(t, "spring", first.Campaign)
	require.Equal(t, "A (other)", first.Variants["other"])
	require.Equal(t, a.Images, first.Images)
	require.NotEqual(t, a.ID, first.ID)
	origKeys := map[string]bool{}
	for _, dl := range a.Deliveries {
		origKeys[dl.IdempotencyKey] = true
	}
	require.Len(t, first.Deliveries, 2)
	for _, dl := range first.Deliveries {
		require.False(t, origKeys[dl.IdempotencyKey], "a re-post has keys of its own: %s", dl.IdempotencyKey)
	}

	// Rotation: B and C were re-posted once, A twice and last.
	list, err := b.svc.Evergreen(context.Background())
	require.NoError(t, err)
	require.Equal(t, []int64{c.ID, d.ID, a.ID}, ids(list))
	require.Equal(t, made.Posts[3].ID, list[2].LastRepostID)
	require.Equal(t, 2, list[2].Reposts)
	require.Equal(t, 1, list[0].Reposts)

	// Two weeks on, the next occurrence comes into the horizon: B.
	b.clock.Add(14 * 24 * time.Hour)
	n, err := b.svc.TopUp(context.Background(), b.clock.Now())
	require.NoError(t, err)
	require.Equal(t, 1, n)
	all := b.scheduled(t)
	require.Equal(t, "B", all[len(all)-1].Text)
	list, err = b.svc.Evergreen(context.Background())
	require.NoError(t, err)
	require.Equal(t, []int64{d.ID, a.ID, c.ID}, ids(list))
}

func TestEvergreenMarkAndUnmark(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	a, c := b.evergreenPost(t, "A"), b.evergreenPost(t, "B")
	b.mark(t, a.ID, c.ID, a.ID) // marking twice is marking once

	list, err := b.svc.Evergreen(ctx)
	require.NoError(t, err)
	require.Equal(t, []int64{a.ID, c.ID}, ids(list))

	_, err = b.svc.MarkEvergreen(ctx, a.ID, false, "U1")
	require.NoError(t, err)
	list, err = b.svc.Evergreen(ctx)
	require.NoError(t, err)
	require.Equal(t, []int64{c.ID}, ids(list))

	made, err := b.createEvergreen(t, "every 3 weeks on monday 9am from queue evergreen")
	require.NoError(t, err)
	for _, p := range made.Posts {
		require.Equal(t, "B", p.Text, "an unmarked post is not re-posted")
	}

	_, err = b.svc.MarkEvergreen(ctx, a.ID, false, "U1")
	require.Equal(t, crier.ENOTFOUND, crier.ErrorCode(err), "unmarking a post that is not evergreen")
	_, err = b.svc.MarkEvergreen(ctx, 99, true, "U1")
	require.Equal(t, crier.ENOTFOUND, crier.ErrorCode(err))
	_, err = b.svc.MarkEvergreen(ctx, made.Posts[0].ID, true, "U1")
	require.Equal(t, crier.ECONFLICT, crier.ErrorCode(err), "a re-post is not marked: its original is")
	_, err = b.db.CancelPost(ctx, a.ID)
	require.NoError(t, err)
	_, err = b.svc.MarkEvergreen(ctx, a.ID, true, "U1")
	require.Equal(t, crier.ECONFLICT, crier.ErrorCode(err), "a cancelled post is not marked")
}

// With nothing marked an evergreen series is not stored; once it exists,
// an occurrence that finds nothing marked is not made, and is made when a
// post is marked again before its time.
func TestEvergreenSeriesWithNoneMarked(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	_, err := b.createEvergreen(t, "every 3 weeks on monday 9am from queue evergreen")
	require.Equal(t, crier.ENOTFOUND, crier.ErrorCode(err))
	require.Contains(t, crier.ErrorMessage(err), "mark some with /evergreen #id")
	active, err := b.db.ActiveSeries(ctx)
	require.NoError(t, err)
	require.Empty(t, active, "nothing stored")

	a := b.evergreenPost(t, "A")
	b.mark(t, a.ID)
	made, err := b.createEvergreen(t, "every 2 weeks on monday 9am from queue evergreen")
	require.NoError(t, err)
	require.Len(t, made.Posts, 4)
	_, err = b.svc.MarkEvergreen(ctx, a.ID, false, "U1")
	require.NoError(t, err)

	b.clock.Add(14 * 24 * time.Hour)
	n, err := b.svc.TopUp(ctx, b.clock.Now())
	require.NoError(t, err)
	require.Zero(t, n, "nothing marked: no occurrence")
	sr, err := b.db.FindSeries(ctx, made.Series.ID)
	require.NoError(t, err)
	require.Equal(t, 4, sr.Made)
	require.Equal(t, crier.SeriesActive, sr.Status)

	b.mark(t, a.ID)
	n, err = b.svc.TopUp(ctx, b.clock.Now())
	require.NoError(t, err)
	require.Equal(t, 1, n, "marked again: the occurrence is made")
}

func TestEvergreenSeriesIsCancelled(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	a := b.evergreenPost(t, "A")
	b.mark(t, a.ID)
	made, err := b.createEvergreen(t, "every 3 weeks on monday 9am from queue evergreen")
	require.NoError(t, err)
	canceled, started, err := b.svc.Cancel(ctx, made.Series.ID)
	require.NoError(t, err)
	require.Empty(t, started)
	require.Len(t, canceled, len(made.Posts))
	orig, err := b.db.FindPost(ctx, a.ID)
	require.NoError(t, err)
	require.Equal(t, crier.PostScheduled, orig.Status, "the evergreen post itself stays")
	require.Equal(t, "every 3 weeks on Monday at 09:00, re-posting evergreen posts", series.Describe(made.Series))

	b.clock.Add(21 * 24 * time.Hour)
	n, err := b.svc.TopUp(ctx, b.clock.Now())
	require.NoError(t, err)
	require.Zero(t, n)
}

func ids(list []*crier.Evergreen) []int64 {
	var out []int64
	for _, e := range list {
		out = append(out, e.Post.ID)
	}
	return out
}

// keys are publish's delivery keys, as the service's own default.
type keys struct{}

func (keys) Key(installation string, dl crier.Delivery) string {
	return crier.IdempotencyKey(installation, dl.PostID, dl.Target, dl.Occurrence)
}
func (keys) Rekey(string, crier.Delivery) string   { return "" }
func (keys) Settle(p *crier.Post) crier.PostStatus { return p.Status }
