package relay_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/crier-bot/crier/adapters/file"
	"github.com/crier-bot/crier/adapters/sqlite"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/criertest"
	"github.com/crier-bot/crier/internal/jobs"
	"github.com/crier-bot/crier/internal/relay"
	"github.com/crier-bot/crier/internal/sentiment"
)

// BenchmarkIngest measures comments ingested per second with
// de-duplication (issue 7 asks for at least 5,000/s): the relay reads a
// file network's inbox of 5,000 comments (four of five on a post, every
// fifth a mention that opens a conversation of its own), stores them, and
// reads the same 5,000 again from the start, as an overlap window does, so
// that 10,000 comments are ingested of which half are duplicates. Each is
// scored by the sentiment lexicon, as crier run does. Nothing is relayed:
// the job engine is not started. "empty" starts from a new database;
// "history" from one with a year of publishing and answering in it (2,000
// posts on four networks, 5,000 answers sent), which every comment is
// checked against so that crier never relays its own posts and answers.
func BenchmarkIngest(b *testing.B) {
	b.Run("empty", func(b *testing.B) { benchIngest(b, false) })
	b.Run("history", func(b *testing.B) { benchIngest(b, true) })
}

func benchIngest(b *testing.B, history bool) {
	const unique = 5000
	ctx := context.Background()
	dir := b.TempDir()
	inbox := filepath.Join(dir, "inbox.jsonl")
	benchInbox(b, inbox, unique)
	scorer, err := sentiment.New()
	if err != nil {
		b.Fatal(err)
	}
	score := func(text string) string { return string(scorer.Score(text).Label) }
	var fresh, again time.Duration
	for i := range b.N {
		b.StopTimer()
		svc, db, n := benchRelay(b, filepath.Join(dir, fmt.Sprintf("crier-%d.db", i)), inbox, score)
		if history {
			benchHistory(b, db)
		}
		b.StartTimer()

		t0 := time.Now()
		if err := svc.ReadOnce(ctx, "sandbox", n); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		// Back to the start of the inbox: every comment is read again.
		if _, err := db.AddComments(ctx, "sandbox", nil, "", nil); err != nil {
			b.Fatal(err)
		}
		if err := svc.ReadOnce(ctx, "sandbox", n); err != nil {
			b.Fatal(err)
		}
		fresh, again = fresh+t1.Sub(t0), again+time.Since(t1)

		b.StopTimer()
		var stored int
		if err := db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM comments").Scan(&stored); err != nil {
			b.Fatal(err)
		}
		if history {
			stored-- // the answered comment of the history
		}
		if stored != unique {
			b.Fatalf("%d comments stored, want %d: each once", stored, unique)
		}
		_ = n.Close()
		_ = db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(2*unique*b.N)/(fresh+again).Seconds(), "comments/s")
	b.ReportMetric(float64(unique*b.N)/fresh.Seconds(), "new/s")
	b.ReportMetric(float64(unique*b.N)/again.Seconds(), "duplicates/s")
}

// benchInbox writes n comments to a file network's inbox.
func benchInbox(b *testing.B, path string, n int) {
	b.Helper()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for k := range n {
		switch {
		case k%5 == 4:
			fmt.Fprintf(w, `{"id":"c%d","author":"user%d","text":"@crier is the launch today? I love the new colours","created_at":"2026-11-23T09:30:00Z"}`+"\n", k, k)
		default:
			fmt.Fprintf(w, `{"id":"c%d","post_id":"1","author":"user%d","author_name":"User %d","text":"When does it ship? The link is broken for me","created_at":"2026-11-23T09:30:00Z"}`+"\n", k, k, k)
		}
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

// benchRelay opens a new database and the relay over the sandbox file
// network reading inbox, as crier run wires it (without starting it).
func benchRelay(b *testing.B, dbPath, inbox string, score func(string) string) (*relay.Service, *sqlite.DB, *file.Network) {
	b.Helper()
	ctx := context.Background()
	clock := crier.SystemClock{}
	db, err := sqlite.Open(ctx, dbPath, clock)
	if err != nil {
		b.Fatal(err)
	}
	n, err := file.New(file.Options{Name: "sandbox", Outbox: filepath.Join(filepath.Dir(dbPath), "outbox.jsonl"), Inbox: inbox, Limit: 500, Clock: clock})
	if err != nil {
		b.Fatal(err)
	}
	engine, err := jobs.New(ctx, jobs.Options{DB: db.SQL(), Clock: clock})
	if err != nil {
		b.Fatal(err)
	}
	svc, err := relay.New(relay.Options{
		Jobs: engine, Store: db, Networks: []crier.Network{n}, Chat: &criertest.Chat{},
		Channel:      func(string) crier.ChannelRef { return crier.ChannelRef{Platform: "shell", ID: "inbox"} },
		Installation: db.Installation(), Score: score, Clock: clock,
	})
	if err != nil {
		b.Fatal(err)
	}
	return svc, db, n
}

// benchHistory stores a year of publishing and answering: 2,000 posts
// published on four networks (sandbox among them, outbox ids 1 to 2,000)
// and 5,000 answers sent on another network.
func benchHistory(b *testing.B, db *sqlite.DB) {
	b.Helper()
	ctx := context.Background()
	added, err := db.AddComments(ctx, "masto", []crier.Comment{{RemoteID: "seed", Text: "Hello", AuthorHandle: "bo"}}, "", nil)
	if err != nil || len(added) != 1 {
		b.Fatal(err, added)
	}
	for _, q := range []string{
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
		INSERT INTO posts (text, status, due_at, created_at, updated_at, author_id, author_name, origin_platform, origin_channel, targets)
		SELECT 'Post ' || i, 'published', i, i, i, 'ana', 'ana', 'shell', 'general', '["sandbox","masto","sky","hook"]' FROM n`,
		`INSERT INTO deliveries (post_id, target, idempotency_key, status, due_at, remote_id)
		SELECT p.id, t.value, 'key-' || p.id || '-' || t.value, 'published', p.due_at,
			CASE t.value WHEN 'sandbox' THEN CAST(p.id AS TEXT) ELSE t.value || '-' || p.id END
		FROM posts p, json_each(p.targets) t`,
		fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
		INSERT INTO replies (conversation_id, comment_id, network, text, author_id, author_name, idempotency_key, status, remote_id, created_at)
		SELECT %d, %d, 'masto', 'Thanks!', 'ana', 'ana', 'reply-key-' || i, 'published', 'reply-' || i, i FROM n`, added[0].ConversationID, added[0].ID),
	} {
		if _, err := db.SQL().ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
}
