package main

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/bluesky/blueskytest"
	"github.com/crier-bot/crier/adapters/mastodon/mastodontest"
	"github.com/crier-bot/crier/adapters/sqlite"
	"github.com/crier-bot/crier/internal/crier"
)

// TestCommentCursorsSurviveARestart reads replies and mentions from the
// Mastodon and Bluesky fakes, keeps each network's cursor in crier's
// database, and after a restart reads only what arrived since.
func TestCommentCursorsSurviveARestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := crier.SystemClock{}
	fakes := newSocialFakes(t, 0, clock)
	path := filepath.Join(t.TempDir(), "crier.db")

	// poll reads new comments of every network that has an inbox, as the
	// relay does, saving each cursor; it returns the texts read.
	poll := func(db *sqlite.DB) []string {
		var texts []string
		for _, n := range fakes.networks(t, clock) {
			in, ok := n.(crier.Inbox)
			if !ok {
				continue
			}
			cursor, err := db.LoadState(ctx, n.Name(), "comments_cursor")
			require.NoError(t, err)
			comments, next, err := in.Comments(ctx, cursor)
			require.NoError(t, err, n.Name())
			for _, c := range comments {
				texts = append(texts, n.Name()+": "+c.Text)
			}
			require.NoError(t, db.SaveState(ctx, n.Name(), "comments_cursor", next))
		}
		return texts
	}

	db, err := sqlite.Open(ctx, path, clock)
	require.NoError(t, err)
	poll(db) // the first read only sets the cursors
	for i := range 3 {
		fakes.masto.AddMention(mastodontest.Mention{From: "ana@example.social", Text: fmt.Sprintf("@crier first %d", i)})
		fakes.sky.AddNotification(blueskytest.Notification{Reason: "mention", AuthorHandle: "ana.test", Text: fmt.Sprintf("@crier.test first %d", i)})
	}
	require.Len(t, poll(db), 6)
	require.Empty(t, poll(db), "nothing new")
	require.NoError(t, db.Close())

	fakes.masto.AddMention(mastodontest.Mention{From: "bo@example.social", Text: "@crier while crier was down"})
	fakes.sky.AddNotification(blueskytest.Notification{Reason: "mention", AuthorHandle: "bo.test", Text: "@crier.test while crier was down",
		IndexedAt: time.Now().Add(time.Second)})
	db, err = sqlite.Open(ctx, path, clock)
	require.NoError(t, err)
	defer db.Close()
	require.ElementsMatch(t, []string{"masto: @crier while crier was down", "sky: @crier.test while crier was down"}, poll(db))
}
