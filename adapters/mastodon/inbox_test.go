package mastodon

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/mastodon/mastodontest"
	"github.com/crier-bot/crier/internal/crier"
)

func TestCommentsPageForwardFromTheCursor(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := testContext(t)
	post, err := b.net.Publish(ctx, publishReq("p", "Our launch post"))
	require.NoError(t, err)

	first := b.srv.AddMention(mastodontest.Mention{From: "ana@example.social", Name: "Ana", Text: "@crier hello"})
	comments, cursor, err := b.net.Comments(ctx, "")
	require.NoError(t, err)
	require.Len(t, comments, 1)
	require.Equal(t, first, comments[0].RemoteID)
	require.NotEmpty(t, cursor)

	// 95 more: three full pages of 40 and a short one, read oldest first.
	var want []string
	for i := range 95 {
		m := mastodontest.Mention{From: "bob", Text: fmt.Sprintf("@crier comment %d", i)}
		if i%2 == 0 {
			m.From, m.InReplyTo = "ana@example.social", post.RemoteID
		}
		want = append(want, b.srv.AddMention(m))
	}
	before := len(requestsTo(b.srv, http.MethodGet, "/api/v1/notifications"))
	comments, next, err := b.net.Comments(ctx, cursor)
	require.NoError(t, err)
	got := make([]string, len(comments))
	for i, c := range comments {
		got[i] = c.RemoteID
	}
	require.Equal(t, want, got)
	require.NotEqual(t, cursor, next)
	pages := requestsTo(b.srv, http.MethodGet, "/api/v1/notifications")[before:]
	require.Len(t, pages, 4, "three full pages, then an empty one ends it")
	require.Equal(t, cursor, pages[0].Query.Get("min_id"))
	require.Equal(t, []string{"mention"}, pages[1].Query["types[]"], "the Link header keeps the filter")

	reply, mention := comments[0], comments[1]
	require.Equal(t, "reply", reply.Kind)
	require.Equal(t, post.RemoteID, reply.ParentID)
	require.Equal(t, "@ana@example.social", reply.AuthorHandle)
	require.Equal(t, "Ana", reply.AuthorName)
	require.Equal(t, "@crier comment 0", reply.Text)
	require.Equal(t, "social", reply.Network)
	require.Equal(t, "https://example.social/@ana/"+reply.RemoteID, reply.URL)
	require.Equal(t, "mention", mention.Kind)
	require.Empty(t, mention.ParentID)
	require.Equal(t, "@bob", mention.AuthorHandle)
	require.Equal(t, "bob", mention.AuthorName)
	require.False(t, mention.CreatedAt.IsZero())

	// Nothing new: nothing returned, the cursor stays.
	comments, again, err := b.net.Comments(ctx, next)
	require.NoError(t, err)
	require.Empty(t, comments)
	require.Equal(t, next, again)

	// Only what arrived after the cursor.
	late := b.srv.AddMention(mastodontest.Mention{From: "cat@other.example", Text: "@crier late"})
	comments, _, err = b.net.Comments(ctx, next)
	require.NoError(t, err)
	require.Len(t, comments, 1)
	require.Equal(t, late, comments[0].RemoteID)
}

func TestCommentTextIsPlain(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.srv.AddMention(mastodontest.Mention{From: "ana@example.social",
		Text: "@crier love it & <3 https://example.com/a/b?c=d\nsecond line\n\nnew paragraph"})
	comments, _, err := b.net.Comments(testContext(t), "")
	require.NoError(t, err)
	require.Len(t, comments, 1)
	require.Equal(t, "@crier love it & <3 https://example.com/a/b?c=d\nsecond line\n\nnew paragraph", comments[0].Text)
}

func TestCommentsFromTheDocumentationsExample(t *testing.T) {
	t.Parallel()
	srv := docsServer(t, http.StatusOK)
	n, err := New(Options{Name: "social", Server: srv.URL, AccessToken: "t"})
	require.NoError(t, err)
	comments, cursor, err := n.Comments(testContext(t), "")
	require.NoError(t, err)
	require.Equal(t, "34975861", cursor)
	require.Len(t, comments, 1, "the favourite is not a comment")
	c := comments[0]
	require.Equal(t, "103186126728896492", c.RemoteID)
	require.Equal(t, "reply", c.Kind)
	require.Equal(t, "103186038209478945", c.ParentID)
	require.Equal(t, "971724", c.AuthorID)
	require.Equal(t, "@zsc", c.AuthorHandle)
	require.Equal(t, "@trwnh sup!", c.Text)
}

func TestCommentsWhenTheTokenIsRevoked(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.srv.SetAccountStatus(401, `{"error":"The access token was revoked"}`)
	comments, cursor, err := b.net.Comments(testContext(t), "123")
	require.True(t, crier.IsAuth(err), "%v", err)
	require.Nil(t, comments)
	require.Equal(t, "123", cursor)
}

func TestHTMLToText(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, html, want string }{
		{"a paragraph", "<p>Hello world</p>", "Hello world"},
		{"line breaks in every spelling", "<p>a<br>b<br/>c<br />d</p>", "a\nb\nc\nd"},
		{"paragraphs become blank lines", "<p>one</p><p>two</p>", "one\n\ntwo"},
		{"a mention reads as its handle", `<p><span class="h-card" translate="no"><a href="https://m.example/@ana" class="u-url mention">@<span>ana</span></a></span> hi</p>`, "@ana hi"},
		{"a link's hidden parts come back", `<p><a href="https://www.example.com/very/long/path" rel="nofollow noopener" target="_blank"><span class="invisible">https://www.</span><span class="ellipsis">example.com/very/lo</span><span class="invisible">ng/path</span></a></p>`, "https://www.example.com/very/long/path"},
		{"entities are decoded", "<p>&lt;b&gt; &amp; &quot;x&quot; &#39;y&#39;</p>", `<b> & "x" 'y'`},
		{"a quote's fallback line is dropped", `<p class="quote-inline">RE: <a href="https://m.example/@a/1">https://m.example/@a/1</a></p><p>so true</p>`, "so true"},
		{"a list keeps its items", "<ul><li>one</li><li>two</li></ul>", "• one\n• two"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, htmlToText(tt.html))
		})
	}
}

func TestLinkRel(t *testing.T) {
	t.Parallel()
	h := `<https://m.example/api/v1/notifications?max_id=34975535>; rel="next", <https://m.example/api/v1/notifications?min_id=34975861>; rel="prev"`
	require.Equal(t, "https://m.example/api/v1/notifications?max_id=34975535", linkRel(h, "next"))
	require.Equal(t, "https://m.example/api/v1/notifications?min_id=34975861", linkRel(h, "prev"))
	require.Equal(t, "", linkRel(h, "last"))
	require.Equal(t, "", linkRel("", "prev"))
	require.Equal(t, "https://x/a", linkRel(`<https://x/a>; rel=prev`, "prev"))
}

func TestCompareIDs(t *testing.T) {
	t.Parallel()
	require.Negative(t, compareIDs("999", "1000"))
	require.Positive(t, compareIDs("113000000000001000", "113000000000000999"))
	require.Zero(t, compareIDs("5", "5"))
	require.True(t, idAfter("1", ""))
	require.False(t, idAfter("9", "10"))
}
