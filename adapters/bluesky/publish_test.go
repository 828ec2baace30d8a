package bluesky_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/bluesky"
	"github.com/crier-bot/crier/internal/crier"
)

func TestCheckCountsGraphemesAndBytes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.net.Check("Olá 👨‍👩‍👧‍👦!")
	require.Equal(t, crier.Count{Used: 6, Limit: 300, Unit: "graphemes",
		Also: []crier.Count{{Used: len("Olá 👨‍👩‍👧‍👦!"), Limit: 3000, Unit: "bytes"}}}, c)
	require.Equal(t, "bluesky", b.net.Kind())
	require.Equal(t, "bsky", b.net.Name())
}

func TestNewRefusesIncompleteOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts bluesky.Options
	}{
		{"a network without a name is refused", bluesky.Options{Handle: "a.test", AppPassword: "x"}},
		{"a network without a handle is refused", bluesky.Options{Name: "b", AppPassword: "x"}},
		{"a network without an app password is refused", bluesky.Options{Name: "b", Handle: "a.test"}},
		{"a language that is not a tag is refused", bluesky.Options{Name: "b", Handle: "a.test", AppPassword: "x", Language: "English!"}},
		{"a PDS that is not a web address is refused", bluesky.Options{Name: "b", Handle: "a.test", AppPassword: "x", PDS: "bsky.social"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := bluesky.New(tt.opts)
			require.Error(t, err)
		})
	}
}

func TestPublish(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ana := b.srv.AddUser("ana.test")
	text := "Olá 🎉 #crier is live! Thanks @ana.test and @nobody.test, see https://example.com/launch."
	req := request("1:bsky:0", text)

	res, err := b.net.Publish(context.Background(), req)
	require.NoError(t, err)

	rkey, err := bluesky.RecordKey("1:bsky:0", dueAt())
	require.NoError(t, err)
	require.Equal(t, "at://"+b.srv.DID+"/app.bsky.feed.post/"+rkey, res.RemoteID)
	require.Equal(t, "https://bsky.app/profile/crier.test/post/"+rkey, res.URL)

	rec := storedRecord(t, b.srv, res.RemoteID)
	require.Equal(t, "app.bsky.feed.post", rec.Type)
	require.Equal(t, text, rec.Text)
	require.Equal(t, []string{"en"}, rec.Langs)
	require.Equal(t, "2026-03-02T09:00:00.000Z", rec.CreatedAt)
	require.Nil(t, rec.Reply)
	require.Nil(t, rec.Embed)

	type facet struct{ span, kind, value string }
	var got []facet
	for _, f := range rec.Facets {
		require.Len(t, f.Features, 1)
		ft := f.Features[0]
		got = append(got, facet{text[f.Index.ByteStart:f.Index.ByteEnd], ft.Type, ft.DID + ft.URI + ft.Tag})
	}
	require.Equal(t, []facet{
		{"#crier", "app.bsky.richtext.facet#tag", "crier"},
		{"@ana.test", "app.bsky.richtext.facet#mention", ana},
		{"https://example.com/launch", "app.bsky.richtext.facet#link", "https://example.com/launch"},
	}, got, "the unresolvable @nobody.test stays plain text")
	// "Olá " is 5 bytes and "🎉 " 5 more: the tag starts at byte 10.
	require.Equal(t, 10, rec.Facets[0].Index.ByteStart)
}

func TestPublishingTwiceMakesOnePost(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	first, err := b.net.Publish(ctx, request("2:bsky:0", "Once only"))
	require.NoError(t, err)
	again, err := b.net.Publish(ctx, request("2:bsky:0", "Once only"))
	require.NoError(t, err)
	require.Equal(t, first, again)

	other, err := b.net.Publish(ctx, request("3:bsky:0", "Same instant, other post"))
	require.NoError(t, err)
	require.NotEqual(t, first.RemoteID, other.RemoteID)

	require.Len(t, b.srv.Posts(), 2)
	require.Zero(t, b.srv.Updates())
	for key, n := range b.srv.CreatesByKey() {
		require.Equal(t, 1, n, "record key %s", key)
	}
	require.Zero(t, b.srv.Calls("com.atproto.repo.createRecord"))
}

func TestReply(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	root := b.srv.AddPost("ana.test", "What do you think of crier?", "")
	mid := b.srv.AddPost("bob.test", "I like it", root)
	rootPost, _ := b.srv.Post(root)
	midPost, _ := b.srv.Post(mid)

	t.Run("an answer to a post has that post as root and parent", func(t *testing.T) {
		req := request("r1", "Thanks!")
		req.InReplyTo = root
		res, err := b.net.Reply(ctx, req)
		require.NoError(t, err)
		rec := storedRecord(t, b.srv, res.RemoteID)
		require.NotNil(t, rec.Reply)
		require.Equal(t, root, rec.Reply.Root.URI)
		require.Equal(t, rootPost.CID, rec.Reply.Root.CID)
		require.Equal(t, root, rec.Reply.Parent.URI)
		require.Equal(t, rootPost.CID, rec.Reply.Parent.CID)
	})
	t.Run("an answer to an answer keeps the thread's root", func(t *testing.T) {
		req := request("r2", "Glad you do, Bob")
		req.InReplyTo = mid
		res, err := b.net.Reply(ctx, req)
		require.NoError(t, err)
		rec := storedRecord(t, b.srv, res.RemoteID)
		require.Equal(t, root, rec.Reply.Root.URI)
		require.Equal(t, rootPost.CID, rec.Reply.Root.CID)
		require.Equal(t, mid, rec.Reply.Parent.URI)
		require.Equal(t, midPost.CID, rec.Reply.Parent.CID)
	})
	t.Run("a reply without a post to answer is refused", func(t *testing.T) {
		_, err := b.net.Reply(ctx, request("r3", "To whom?"))
		require.True(t, crier.IsPermanent(err), "%v", err)
	})
	t.Run("a reply to a post that does not exist is refused", func(t *testing.T) {
		req := request("r4", "Hello?")
		req.InReplyTo = "at://" + b.srv.AddUser("bob.test") + "/app.bsky.feed.post/3jzfcijpj2z2a"
		_, err := b.net.Reply(ctx, req)
		require.True(t, crier.IsPermanent(err), "%v", err)
		require.Contains(t, crier.ErrorMessage(err), "was deleted on Bluesky")
	})
	t.Run("a reply to something that is not a Bluesky post is refused", func(t *testing.T) {
		req := request("r5", "Hello?")
		req.InReplyTo = "12345"
		_, err := b.net.Reply(ctx, req)
		require.True(t, crier.IsPermanent(err), "%v", err)
	})
}

func TestImages(t *testing.T) {
	t.Parallel()
	var pngData bytes.Buffer
	require.NoError(t, png.Encode(&pngData, image.NewRGBA(image.Rect(0, 0, 40, 20))))
	images := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/cat.png":
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write(pngData.Bytes())
		case "/big.jpg":
			w.Header().Set("Content-Type", "image/jpeg")
			_, _ = w.Write(bytes.Repeat([]byte{0xff}, 1_000_001))
		case "/page.html":
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html><body>hi</body></html>"))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(images.Close)
	b := setup(t)
	ctx := context.Background()

	t.Run("an image is uploaded and embedded with its alt text and shape", func(t *testing.T) {
		req := request("i1", "Our new cat")
		req.Images = []crier.Image{{URL: images.URL + "/cat.png", Alt: "A black cat"}}
		res, err := b.net.Publish(ctx, req)
		require.NoError(t, err)
		rec := storedRecord(t, b.srv, res.RemoteID)
		require.NotNil(t, rec.Embed)
		require.Equal(t, "app.bsky.embed.images", rec.Embed.Type)
		require.Len(t, rec.Embed.Images, 1)
		img := rec.Embed.Images[0]
		require.Equal(t, "A black cat", img.Alt)
		require.Equal(t, "blob", img.Image.Type)
		require.Equal(t, "image/png", img.Image.MimeType)
		require.Equal(t, pngData.Len(), img.Image.Size)
		require.NotEmpty(t, img.Image.Ref.Link)
		require.Equal(t, &struct{ Width, Height int }{40, 20}, img.AspectRatio)

		again, err := b.net.Publish(ctx, req)
		require.NoError(t, err)
		require.Equal(t, res, again)
		require.Zero(t, b.srv.Updates(), "the same image gives the same record")
	})
	tests := []struct {
		name   string
		images []crier.Image
		says   string
	}{
		{"an image that is not there is refused, naming it", []crier.Image{{URL: images.URL + "/gone.png"}}, images.URL + "/gone.png"},
		{"an image over 1 MB is refused", []crier.Image{{URL: images.URL + "/big.jpg"}}, "1,000,000 bytes"},
		{"a web page is not an image", []crier.Image{{URL: images.URL + "/page.html"}}, "not an image"},
		{"a file path is not an image address", []crier.Image{{URL: "/tmp/cat.png"}}, "not a web address"},
		{"five images are too many", []crier.Image{{URL: images.URL + "/cat.png"}, {URL: images.URL + "/cat.png"},
			{URL: images.URL + "/cat.png"}, {URL: images.URL + "/cat.png"}, {URL: images.URL + "/cat.png"}}, "at most 4 images"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := request(fmt.Sprintf("bad-image-%d", i), "Look")
			req.Images = tt.images
			_, err := b.net.Publish(ctx, req)
			require.True(t, crier.IsPermanent(err), "%v", err)
			require.Contains(t, crier.ErrorMessage(err), tt.says)
		})
	}
}

func TestTextBlueskyCannotTakeIsRefused(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tests := []struct {
		name string
		text string
		says string
	}{
		{"text that is not UTF-8 is refused", "caf\xe9", "UTF-8"},
		{"301 graphemes are refused", strings.Repeat("é", 301), "301 graphemes"},
		{"more than 3000 bytes are refused", strings.Repeat("👨‍👩‍👧‍👦", 200), "bytes"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.net.Publish(context.Background(), request(fmt.Sprintf("t%d", i), tt.text))
			require.True(t, crier.IsPermanent(err), "%v", err)
			require.Equal(t, crier.EPERMANENT, crier.ErrorCode(err))
			require.Contains(t, crier.ErrorMessage(err), tt.says)
		})
	}
	require.Zero(t, b.srv.Calls("com.atproto.repo.putRecord"))
	_, err := b.net.Publish(context.Background(), request("ok", strings.Repeat("é", 300)))
	require.NoError(t, err, "300 graphemes fit")
	// क्षि is one grapheme for the PDS (Unicode 17); Unicode 15 counted two.
	devanagari := strings.Repeat("क्षि ", 150)
	require.Equal(t, 300, b.net.Check(devanagari).Used)
	_, err = b.net.Publish(context.Background(), request("hi", devanagari))
	require.NoError(t, err, "300 Devanagari graphemes fit")
}

func TestARetryWithDifferentContentKeepsThePostThatIsOut(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	first, err := b.net.Publish(ctx, request("4:bsky:0", "Thanks @ana.test!"))
	require.NoError(t, err)
	// The retry builds a different record of the same text (the mention
	// now resolves): swapRecord null keeps the PDS from overwriting the
	// post, and the post that is out is ours.
	b.srv.AddUser("ana.test")
	again, err := b.net.Publish(ctx, request("4:bsky:0", "Thanks @ana.test!"))
	require.NoError(t, err)
	require.Equal(t, first, again)
	require.Len(t, b.srv.Posts(), 1)
	require.Empty(t, storedRecord(t, b.srv, first.RemoteID).Facets)
	require.Equal(t, 1, b.srv.InvalidSwaps())
	require.Zero(t, b.srv.Updates())
}

func TestOtherTextAtTheRecordKeyIsAConflictNotAPublish(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	// Another crier with the same database (a staging copy, a restored
	// backup) posted its own text at the same key.
	staging, err := b.net.Publish(ctx, request("4:bsky:0", "Staging test, please ignore"))
	require.NoError(t, err)
	_, err = b.another(t).Publish(ctx, request("4:bsky:0", "Launch day"))
	require.Error(t, err)
	require.True(t, crier.IsPermanent(err), "%v", err)
	require.Equal(t, crier.EPERMANENT, crier.ErrorCode(err))
	msg := crier.ErrorMessage(err)
	require.Contains(t, msg, "different text")
	require.Contains(t, msg, staging.URL)
	require.Len(t, b.srv.Posts(), 1)
	require.Equal(t, "Staging test, please ignore", b.srv.Posts()[0].Text)
}

// TestImageFetchFollowsTheSharedRules: the rules Bluesky shares with Mastodon
// (internal/netcall): the bytes name the type, and a 408 is temporary.
func TestImageFetchFollowsTheSharedRules(t *testing.T) {
	t.Parallel()
	var pngData bytes.Buffer
	require.NoError(t, png.Encode(&pngData, image.NewRGBA(image.Rect(0, 0, 4, 2))))
	images := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/mislabelled.jpg":
			w.Header().Set("Content-Type", "image/jpeg")
			_, _ = w.Write(pngData.Bytes())
		case "/slow":
			w.WriteHeader(http.StatusRequestTimeout)
		}
	}))
	t.Cleanup(images.Close)
	b := setup(t)
	ctx := context.Background()

	t.Run("a PNG served as a JPEG is uploaded as a PNG", func(t *testing.T) {
		req := request("mislabelled", "Look")
		req.Images = []crier.Image{{URL: images.URL + "/mislabelled.jpg"}}
		res, err := b.net.Publish(ctx, req)
		require.NoError(t, err)
		rec := storedRecord(t, b.srv, res.RemoteID)
		require.Equal(t, "image/png", rec.Embed.Images[0].Image.MimeType)
	})
	t.Run("a 408 from the image server is tried again, not refused", func(t *testing.T) {
		req := request("slow", "Look")
		req.Images = []crier.Image{{URL: images.URL + "/slow"}}
		_, err := b.net.Publish(ctx, req)
		require.Error(t, err)
		require.False(t, crier.IsPermanent(err), "%v", err)
		require.False(t, crier.IsUnclear(err), "%v", err)
	})
}
