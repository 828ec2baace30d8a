package main

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/bluesky/blueskytest"
)

// TestTwoCriersPostingToOneBlueskyAccountKeepBothPosts is a staging and a
// production crier, each with its own database, posting their post #1 to the
// same Bluesky account: both posts are out, each with its own text, and
// neither crier reports the other's post as its own.
func TestTwoCriersPostingToOneBlueskyAccountKeepBothPosts(t *testing.T) {
	t.Parallel()
	sky := blueskytest.New()
	t.Cleanup(sky.Close)
	config := fmt.Sprintf(`timezone: UTC
database: data/crier.db
chat:
  shell: {user: ana, channel: general}
roles:
  scheduler: [ana]
networks:
  - {name: sky, kind: bluesky, pds: %q, handle: %q, app_password: %q}
`, sky.URL, sky.Handle, sky.Password)
	staging, production := writeConfig(t, config), writeConfig(t, config)

	code, out, errOut := run(t, nil, "/schedule now Staging: testing the launch post\n", "shell", "-config", staging)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "✓ Post #1 published to sky", out)
	code, out, errOut = run(t, nil, "/schedule now Launch day is here!\n", "shell", "-config", production)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "✓ Post #1 published to sky", out)

	var texts []string
	for _, p := range sky.Posts() {
		texts = append(texts, p.Text)
	}
	require.ElementsMatch(t, []string{"Staging: testing the launch post", "Launch day is here!"}, texts)
	require.Zero(t, sky.InvalidSwaps(), "the two criers wrote at different record keys")
}
