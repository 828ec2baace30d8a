package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/bluesky"
	"github.com/crier-bot/crier/adapters/sqlite"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/publish"
)

// socialConfig is a bot.yaml publishing to the four fakes.
func (f *socialFakes) config() string {
	return fmt.Sprintf(`timezone: UTC
database: data/crier.db
chat:
  shell: {user: ana, channel: general}
roles:
  scheduler: [ana]
networks:
  - {name: masto, kind: mastodon, server: %q, access_token: %q}
  - {name: sky, kind: bluesky, pds: %q, handle: %q, app_password: %q}
  - {name: hook, kind: webhook, url: %q, secret: %q, rate: 1000, deduplicates: true}
  - {name: raw, kind: webhook, url: %q, secret: %q, rate: 1000, deduplicates: false}
publish:
  max_attempts: 8
  attempt_timeout: 10s
`, f.masto.URL, f.masto.Token, f.sky.URL, f.sky.Handle, f.sky.Password, f.hook.URL, hookSecret, f.raw.URL, hookSecret)
}

// TestCrashWhilePublishingToSocialNetworks runs the real crier binary
// against fake Mastodon, Bluesky and webhook services, SIGKILLs it at random
// moments while it publishes, and starts it again, several times. At the
// end every post crier confirmed is on Mastodon, Bluesky and the
// deduplicating webhook exactly once; on the receiver that cannot
// deduplicate it is there at most once, and a delivery whose attempt a crash
// cut short waits for a person instead of being sent again.
func TestCrashWhilePublishingToSocialNetworks(t *testing.T) {
	if testing.Short() {
		t.Skip("starts crier many times")
	}
	t.Parallel()
	fakes := newSocialFakes(t, 0, crier.SystemClock{})
	cfg := writeConfig(t, fakes.config())
	confirmed := map[string]bool{}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 11))
	const rounds, perRound = 8, 100
	for round := range rounds {
		cmd, stdin, out := startShell(t, cfg)
		go func() {
			for i := range perRound {
				if _, err := fmt.Fprintf(stdin, "/schedule now Social crash round %d post %d\n", round, i); err != nil {
					return
				}
			}
			// At the end of its input the shell drains and exits, so the
			// loop below ends even if fewer notices come than it waits for.
			_ = stdin.Close()
		}()
		killAfter := 5 + rng.IntN(3*perRound) // publish notices to see before the kill
		published := 0
		for out.Scan() {
			line := out.Text()
			if m := scheduledRE.FindStringSubmatch(line); m != nil {
				confirmed[m[1]] = true
			}
			if strings.Contains(line, " published to ") {
				published++
				if published >= killAfter {
					break
				}
			}
		}
		_ = cmd.Process.Signal(syscall.SIGKILL) // it may have exited at the end of its input
		_ = cmd.Wait()
	}
	// Last starts with no input publish whatever is left, then exit. A
	// delivery can still be waiting for a retry (an attempt that got no
	// answer is retried only after a pause), so crier starts again until
	// nothing is pending, as a person would run it again.
	dbPath := filepath.Join(filepath.Dir(cfg), "data/crier.db")
	var posts []*crier.Post
	var finals []string
	for deadline := time.Now().Add(4 * time.Minute); ; {
		final := exec.Command(binary, "shell", "-config", cfg)
		final.Stdin = strings.NewReader("")
		res, err := final.CombinedOutput()
		require.NoError(t, err, "%s", res)
		finals = append(finals, string(res))
		db, err := sqlite.Open(context.Background(), dbPath, crier.SystemClock{})
		require.NoError(t, err)
		posts, err = db.ListPosts(context.Background(), publish.PostFilter{})
		require.NoError(t, db.Close())
		require.NoError(t, err)
		pending := slices.ContainsFunc(posts, func(p *crier.Post) bool {
			return slices.ContainsFunc(p.Deliveries, func(dl crier.Delivery) bool { return dl.Status == crier.DeliveryPending })
		})
		if !pending || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Second)
	}

	require.NotEmpty(t, confirmed)
	masto, sky, hook, raw := fakes.masto.CreatesByKey(), fakes.sky.CreatesByKey(), fakes.hook.CreatesByKey(), fakes.raw.CreatesByKey()
	stored := map[string]bool{}
	maybe := 0
	for _, p := range posts {
		id := strconv.FormatInt(p.ID, 10)
		stored[id] = true
		for _, dl := range p.Deliveries {
			if dl.Status == crier.DeliveryPending {
				t.Fatalf("post #%s on %s is still pending after %d attempts (last error %q); the last starts said:\n%s",
					id, dl.Target, dl.Attempts, dl.LastError, strings.Join(finals, "\n---\n"))
			}
		}
		key := func(network string) string { // the key crier stored for the delivery to network
			for _, dl := range p.Deliveries {
				if dl.Target == network {
					require.Regexp(t, `^crier-[0-9a-f]{12}-`+id+`-`+network+`-0$`, dl.IdempotencyKey)
					return dl.IdempotencyKey
				}
			}
			t.Fatalf("post #%s has no delivery to %s", id, network)
			return ""
		}
		require.Equal(t, 1, masto[key("masto")], "post #%s on Mastodon", id)
		require.Equal(t, 1, hook[key("hook")], "post #%s on the webhook", id)
		rkey, err := bluesky.RecordKey(key("sky"), p.DueAt)
		require.NoError(t, err)
		require.Equal(t, 1, sky[rkey], "post #%s on Bluesky", id)
		require.LessOrEqual(t, raw[key("raw")], 1, "post #%s on the webhook that cannot deduplicate", id)
		for _, dl := range p.Deliveries {
			switch {
			case dl.Status == crier.DeliveryMaybe && dl.Target == "raw":
				maybe++
			case dl.Status != crier.DeliveryPublished:
				t.Errorf("post #%s on %s ended %s", id, dl.Target, dl.Status)
			case dl.Target == "raw":
				require.Equal(t, 1, raw[key("raw")], "post #%s is published on the webhook that cannot deduplicate", id)
			}
		}
	}
	for id := range confirmed {
		require.True(t, stored[id], "post #%s was confirmed but is not stored", id)
	}
	// Bluesky: no text twice, whatever the record key.
	texts := map[string]int{}
	for _, p := range fakes.sky.Posts() {
		texts[p.Text]++
		require.Equal(t, 1, texts[p.Text], "on Bluesky twice: %s", p.Text)
	}
	require.Len(t, texts, len(posts))
	require.Equal(t, 1, fakes.sky.Logins(), "the session is stored: one login across %d starts", rounds+len(finals))
	t.Logf("%d posts stored (%d confirmed) over %d crashes and %d last starts; %d on the non-deduplicating webhook wait for a person", len(posts), len(confirmed), rounds, len(finals), maybe)
}

func TestCheckLogsInToEachSocialNetwork(t *testing.T) {
	t.Parallel()
	fakes := newSocialFakes(t, 0, crier.SystemClock{})
	cfg := writeConfig(t, fakes.config())
	code, out, errOut := run(t, nil, "", "check", "-config", cfg)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "network:   masto (mastodon): posts as @crier@")
	require.Contains(t, out, "; 500 characters (links count as 23), 4 images\n")
	require.Contains(t, out, "network:   sky (bluesky): posts as crier.test (https://bsky.app/profile/crier.test); 300 graphemes and 3000 bytes")
	require.Contains(t, out, "network:   hook (webhook): posts to http://127.0.0.1:")
	require.Contains(t, out, "the receiver does not deduplicate")
	require.Equal(t, 1, fakes.hook.Pings(), "check sends the webhook one signed ping")

	fakes.masto.SetAccountStatus(http.StatusUnauthorized, `{"error":"The access token was revoked"}`)
	fakes.sky.SetAccountState("takendown")
	code, out, errOut = run(t, nil, "", "check", "-config", cfg)
	require.Equal(t, 1, code)
	require.Contains(t, out, "network:   masto (mastodon): ✗ Mastodon refused the access token for masto")
	require.Contains(t, out, "network:   sky (bluesky): ✗ ")
	require.Contains(t, errOut, "crier could not use masto, sky; see above for why")
	require.NotContains(t, out+errOut, fakes.masto.Token, "the token never shows")
	require.NotContains(t, out+errOut, fakes.sky.Password)
}

func TestShellPreviewsAndPublishesToSocialNetworks(t *testing.T) {
	t.Parallel()
	fakes := newSocialFakes(t, 0, crier.SystemClock{})
	cfg := writeConfig(t, fakes.config())
	long := strings.Repeat("é", 301)
	code, out, errOut := run(t, nil, "/schedule now "+long+"\n/schedule now Launch day 🚀 with @crier.test and #launch https://example.com/launch\n",
		"shell", "-config", cfg)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "✗ The text is 1 grapheme too long for sky (301/300). Shorten it and try again.")
	require.Contains(t, out, "sky    68/300 · 71/3000 bytes")
	require.Contains(t, out, "masto  65/500  “Launch day")
	require.Regexp(t, `✓ Post #1 published to masto: http://127\.0\.0\.1:\d+/@crier/\d+`, out)
	require.Regexp(t, `✓ Post #1 published to sky: https://bsky\.app/profile/crier\.test/post/[a-z2-7]{13}`, out)
	require.Len(t, fakes.sky.Posts(), 1, "the refused text was stored nowhere")
	require.Contains(t, string(fakes.sky.Posts()[0].Record), `"app.bsky.richtext.facet#mention"`)
}
