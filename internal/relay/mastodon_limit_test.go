package relay_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/mastodon/mastodontest"
)

// Mastodon puts the author's @handle before an answer: an answer that fits
// only without it is refused with the count, not sent and refused there.
func TestAMastodonAnswerIsCountedWithTheHandleMastodonPutsFirst(t *testing.T) {
	t.Parallel()
	l, srv := mastodonLoop(t)
	l.publish(t, "Launch day is here!")
	post := srv.Statuses()[0]
	srv.AddMention(mastodontest.Mention{From: "bo@example.social", Name: "Bo Lind", Text: "@crier When?", InReplyTo: post.ID})
	l.read(t)
	header := l.chat.Find(t, "💬 Post #1 “Launch day is here!” is out")

	// Mastodon counts a mention by its username: "@bo " is 4 characters.
	l.answer(t, header.Ref, strings.Repeat("a", 497))
	require.Len(t, srv.Statuses(), 1, "nothing was sent")
	require.Contains(t, texts(l.inThread(header.Ref)), "✗ The answer is 1 character too long for masto (501/500). Shorten it and send it again.")
}
