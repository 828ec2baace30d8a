package bluesky

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // aspect ratios of attached images
	_ "image/jpeg"
	_ "image/png"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/crier-bot/crier/internal/compose"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/netcall"
)

// imageFetchTimeout bounds fetching one attached image.
const imageFetchTimeout = 10 * time.Second

// postRecord is an app.bsky.feed.post record. Its fields are written in
// this order, so the same request always gives the same bytes.
type postRecord struct {
	Type      string       `json:"$type"`
	Text      string       `json:"text"`
	Facets    []richFacet  `json:"facets,omitempty"`
	Reply     *replyRef    `json:"reply,omitempty"`
	Embed     *imagesEmbed `json:"embed,omitempty"`
	Langs     []string     `json:"langs,omitempty"`
	CreatedAt string       `json:"createdAt"`
}

type richFacet struct {
	Index    byteSlice      `json:"index"`
	Features []facetFeature `json:"features"`
}

type byteSlice struct {
	ByteStart int `json:"byteStart"`
	ByteEnd   int `json:"byteEnd"`
}

type facetFeature struct {
	Type string `json:"$type"`
	DID  string `json:"did,omitempty"`
	URI  string `json:"uri,omitempty"`
	Tag  string `json:"tag,omitempty"`
}

type strongRef struct {
	URI string `json:"uri"`
	CID string `json:"cid"`
}

type replyRef struct {
	Root   strongRef `json:"root"`
	Parent strongRef `json:"parent"`
}

type imagesEmbed struct {
	Type   string          `json:"$type"`
	Images []embeddedImage `json:"images"`
}

type embeddedImage struct {
	Alt         string          `json:"alt"`
	Image       json.RawMessage `json:"image"` // the blob as uploadBlob returned it
	AspectRatio *aspectRatio    `json:"aspectRatio,omitempty"`
}

type aspectRatio struct {
	Width  int `json:"width"`
	Height int `json:"height"`
}

// postView is the part of an AppView post crier reads.
type postView struct {
	URI    string `json:"uri"`
	CID    string `json:"cid"`
	Author struct {
		DID         string `json:"did"`
		Handle      string `json:"handle"`
		DisplayName string `json:"displayName"`
	} `json:"author"`
	Record struct {
		Text      string    `json:"text"`
		CreatedAt string    `json:"createdAt"`
		Reply     *replyRef `json:"reply"`
	} `json:"record"`
	ReplyCount  int `json:"replyCount"`
	RepostCount int `json:"repostCount"`
	LikeCount   int `json:"likeCount"`
	QuoteCount  int `json:"quoteCount"`
}

// Publish posts req.Text (with its images, as an answer when InReplyTo is
// set) at the record key derived from req's idempotency key: calling it
// again with the same request finds or rewrites the same record, never a
// second post.
func (n *Network) Publish(ctx context.Context, req crier.PublishRequest) (crier.PublishResult, error) {
	if err := n.checkRequest(req); err != nil {
		return crier.PublishResult{}, err
	}
	rkey, err := RecordKey(req.IdempotencyKey, req.DueAt)
	if err != nil {
		return crier.PublishResult{}, crier.Permanent(fmt.Errorf("bluesky publish: %w", err))
	}
	s, err := n.session(ctx)
	if err != nil {
		return crier.PublishResult{}, n.explain("login", err)
	}
	// The write budget first: building the record fetches and uploads the
	// images and resolves the mentions, all wasted when nothing can be
	// written. (The points of a record that then fails to build are spent.)
	if err := n.waitWrite(ctx); err != nil {
		return crier.PublishResult{}, fmt.Errorf("bluesky publish: %w", err)
	}
	rec, err := n.buildRecord(ctx, req)
	var gone *goneError
	if errors.As(err, &gone) {
		return n.parentGone(ctx, s.DID, rkey, gone)
	}
	if err != nil {
		return crier.PublishResult{}, err
	}
	// swapRecord null: write only if nothing is at the key yet. The PDS
	// answers an identical record as a no-op (so a retry gets the same URI
	// and CID), and refuses to overwrite a record that differs (a retry
	// whose image or mention resolved differently): that post is out, as is.
	body, err := json.Marshal(struct {
		Repo       string     `json:"repo"`
		Collection string     `json:"collection"`
		Rkey       string     `json:"rkey"`
		Record     postRecord `json:"record"`
		SwapRecord *string    `json:"swapRecord"`
	}{s.DID, postCollection, rkey, rec, nil})
	if err != nil {
		return crier.PublishResult{}, fmt.Errorf("bluesky publish: %w", err)
	}
	var out strongRef
	err = n.xrpc(ctx, call{post: true, nsid: "com.atproto.repo.putRecord", body: body}, &out)
	if err == nil && out.URI != "" {
		return n.result(rkey, out.URI), nil
	}
	if err == nil {
		err = &sendError{NSID: "com.atproto.repo.putRecord", Err: errors.New("answer without a uri"), Decoded: true}
	}
	var xe *xrpcError
	if errors.As(err, &xe) && xe.Name == "InvalidSwap" {
		return n.taken(ctx, s.DID, rkey, rec)
	}
	if !unclear(err) {
		return crier.PublishResult{}, n.explain("publish", err)
	}
	return n.confirm(ctx, s.DID, rkey, err)
}

// Reply answers req.InReplyTo (the at:// URI of a post or comment) with
// req.Text, once per idempotency key. The PDS does not check that a reply's
// parent exists (the reference PDS validates a record against its lexicon
// only), and the AppView hides a reply whose parent is gone
// (invalidReplyRoot), so every attempt first reads the parent with
// getRecord: a parent deleted on Bluesky refuses the answer for good, and a
// parent that cannot be read now makes the attempt fail, to be retried,
// with nothing written. An answer whose root (crier's post) was deleted
// while the comment it answers is still there goes out: the AppView indexes
// it as a valid reply and notifies the comment's author.
func (n *Network) Reply(ctx context.Context, req crier.PublishRequest) (crier.PublishResult, error) {
	if req.InReplyTo == "" {
		return crier.PublishResult{}, crier.Permanent(crier.Errorf(crier.EPERMANENT, "There is no Bluesky post to answer."))
	}
	return n.Publish(ctx, req)
}

// checkRequest refuses what Bluesky would refuse, before any call.
func (n *Network) checkRequest(req crier.PublishRequest) error {
	switch {
	case req.IdempotencyKey == "":
		return crier.Permanent(errors.New("bluesky publish: no idempotency key"))
	case req.DueAt.IsZero():
		return crier.Permanent(errors.New("bluesky publish: no due time"))
	case !utf8.ValidString(req.Text):
		return crier.Permanent(crier.Errorf(crier.EPERMANENT, "The text is not valid UTF-8, so Bluesky cannot take it."))
	case len(req.Images) > maxImages:
		return crier.Permanent(crier.Errorf(crier.EPERMANENT, "Bluesky takes at most %d images per post, not %d.", maxImages, len(req.Images)))
	}
	c := n.Check(req.Text)
	if c.Over() > 0 {
		return crier.Permanent(crier.Errorf(crier.EPERMANENT, "The text is %d graphemes; Bluesky takes %d. Shorten it by %d.", c.Used, c.Limit, c.Over()))
	}
	if b := c.Also[0]; b.Over() > 0 {
		return crier.Permanent(crier.Errorf(crier.EPERMANENT, "The text is %d bytes; Bluesky takes %d. Shorten it.", b.Used, b.Limit))
	}
	return nil
}

// unclear reports a putRecord failure after which the record may have been
// stored: no answer, an unreadable answer, or a server error.
func unclear(err error) bool {
	var se *sendError
	if errors.As(err, &se) {
		return !netcall.NotSent(se.Err)
	}
	var xe *xrpcError
	return errors.As(err, &xe) && xe.Status >= 500
}

// confirm looks up the record key after an unclear putRecord: a record
// there means the post is up; none means it is not, and the publish is
// retried; no answer leaves it unclear.
func (n *Network) confirm(ctx context.Context, did, rkey string, cause error) (crier.PublishResult, error) {
	if ctx.Err() != nil {
		return crier.PublishResult{}, crier.Unclear(fmt.Errorf("bluesky publish: %w: %w", crier.Errorf(crier.EUNAVAIL,
			"Bluesky did not answer in time for %s.", n.name), cause))
	}
	var rec struct {
		URI string `json:"uri"`
		CID string `json:"cid"`
	}
	q := url.Values{"repo": {did}, "collection": {postCollection}, "rkey": {rkey}}
	err := n.do(ctx, call{nsid: "com.atproto.repo.getRecord", query: q}, "", &rec)
	switch {
	case err == nil && rec.URI != "":
		n.log.Info("bluesky post found after an unclear answer", "network", n.name, "rkey", rkey, "error", cause)
		return n.result(rkey, rec.URI), nil
	case isNotFound(err):
		return crier.PublishResult{}, fmt.Errorf("bluesky publish: %w: %w", crier.Errorf(crier.EUNAVAIL,
			"Bluesky did not store the post on %s.", n.name), cause)
	default:
		if err == nil {
			err = errors.New("getRecord answered without a uri")
		}
		return crier.PublishResult{}, crier.Unclear(fmt.Errorf("bluesky publish: %w: %w (and getRecord: %w)", crier.Errorf(crier.EUNAVAIL,
			"Bluesky gave no clear answer for %s.", n.name), cause, err))
	}
}

// taken answers a putRecord refused because another record is at rkey.
// The same text written at the same time is an earlier attempt of this post
// whose image or mention came out differently: that post is out, and is
// kept. Any other text is someone else's post (another crier with a copy of
// this database: a staging copy, a restored backup), never this one.
func (n *Network) taken(ctx context.Context, did, rkey string, rec postRecord) (crier.PublishResult, error) {
	var cur struct {
		URI   string `json:"uri"`
		Value struct {
			Text      string `json:"text"`
			CreatedAt string `json:"createdAt"`
		} `json:"value"`
	}
	q := url.Values{"repo": {did}, "collection": {postCollection}, "rkey": {rkey}}
	err := n.do(ctx, call{nsid: "com.atproto.repo.getRecord", query: q}, "", &cur)
	if isNotFound(err) {
		// Deleted since: the next attempt writes the post.
		return crier.PublishResult{}, fmt.Errorf("bluesky publish: %w", crier.Errorf(crier.EUNAVAIL,
			"A Bluesky post at this post's place on %s went away while crier wrote it; crier tries again.", n.name))
	}
	if err != nil {
		return crier.PublishResult{}, n.explain("read the post at its key", err)
	}
	uri := cmp.Or(cur.URI, "at://"+did+"/"+postCollection+"/"+rkey)
	res := n.result(rkey, uri)
	if cur.Value.Text == rec.Text && cur.Value.CreatedAt == rec.CreatedAt {
		n.log.Info("bluesky post already at its key from an earlier attempt; keeping it", "network", n.name, "rkey", rkey)
		return res, nil
	}
	n.log.Warn("bluesky record key holds another post", "network", n.name, "rkey", rkey, "uri", uri)
	return crier.PublishResult{}, crier.Permanent(fmt.Errorf("bluesky publish: %w", crier.Errorf(crier.EPERMANENT,
		"Another crier (a staging copy or a restored backup?) already posted different text on %s where this post belongs: %s. crier did not post over it; delete that post in Bluesky if it should not be there, then /schedule this text again.",
		n.name, res.URL)))
}

// result names a published post.
func (n *Network) result(rkey, uri string) crier.PublishResult {
	handle := ""
	if s, ok := n.current(); ok {
		handle = s.Handle
	}
	if handle == "" || handle == "handle.invalid" {
		if did, _, ok := strings.Cut(strings.TrimPrefix(uri, "at://"), "/"); ok {
			handle = did
		}
	}
	return crier.PublishResult{RemoteID: uri, URL: "https://bsky.app/profile/" + handle + "/post/" + rkey}
}

// buildRecord makes the post record: facets (mentions resolved to DIDs),
// reply refs, images, language and createdAt (when the first attempt
// started, or the due time: the same for every attempt, so every attempt
// writes the same record; and not the due time of a post that went out late,
// which the app would show as backdated).
func (n *Network) buildRecord(ctx context.Context, req crier.PublishRequest) (postRecord, error) {
	created := req.DueAt
	if req.StartedAt.After(created) {
		created = req.StartedAt
	}
	rec := postRecord{
		Type:      postCollection,
		Text:      req.Text,
		Langs:     n.langs,
		CreatedAt: created.UTC().Format("2006-01-02T15:04:05.000Z"),
	}
	if req.InReplyTo != "" {
		ref, err := n.replyRef(ctx, req.InReplyTo, req.InReplyToRef)
		if err != nil {
			return postRecord{}, err
		}
		rec.Reply = ref
	}
	facets, err := n.facets(ctx, req.Text)
	if err != nil {
		return postRecord{}, err
	}
	rec.Facets = facets
	if len(req.Images) > 0 {
		embed := &imagesEmbed{Type: "app.bsky.embed.images"}
		for _, img := range req.Images {
			e, err := n.attach(ctx, img)
			if err != nil {
				return postRecord{}, err
			}
			embed.Images = append(embed.Images, e)
		}
		rec.Embed = embed
	}
	return rec, nil
}

// facets turns compose.Facets into record facets. A mention whose handle
// does not resolve stays plain text.
func (n *Network) facets(ctx context.Context, text string) ([]richFacet, error) {
	var out []richFacet
	dids := map[string]string{}
	for _, f := range compose.Facets(text) {
		var feat facetFeature
		switch f.Kind {
		case compose.FacetLink:
			feat = facetFeature{Type: "app.bsky.richtext.facet#link", URI: f.Value}
		case compose.FacetTag:
			feat = facetFeature{Type: "app.bsky.richtext.facet#tag", Tag: f.Value}
		case compose.FacetMention:
			did, seen := dids[f.Value]
			if !seen {
				var err error
				if did, err = n.resolve(ctx, f.Value); err != nil {
					return nil, err
				}
				dids[f.Value] = did
			}
			if did == "" {
				continue
			}
			feat = facetFeature{Type: "app.bsky.richtext.facet#mention", DID: did}
		default:
			continue
		}
		out = append(out, richFacet{Index: byteSlice{ByteStart: f.Start, ByteEnd: f.End}, Features: []facetFeature{feat}})
	}
	return out, nil
}

// resolve returns the DID of handle, or "" when Bluesky knows no such
// handle.
func (n *Network) resolve(ctx context.Context, handle string) (string, error) {
	var out struct {
		DID string `json:"did"`
	}
	err := n.do(ctx, call{nsid: "com.atproto.identity.resolveHandle", query: url.Values{"handle": {handle}}}, "", &out)
	var xe *xrpcError
	if errors.As(err, &xe) && xe.Status >= 400 && xe.Status < 500 && xe.Status != http.StatusTooManyRequests {
		n.log.Info("bluesky mention left as text", "network", n.name, "handle", handle, "error", xe.Message)
		return "", nil
	}
	if err != nil {
		return "", n.explain("resolve @"+handle, err)
	}
	return out.DID, nil
}

// replyRef finds the root and parent of an answer to parentURI: from kept,
// the Comment.ReplyRef read with the comment, when it is one for
// parentURI; else from the parent's record. Either way the parent is read
// with getRecord, through crier's PDS, which answers its own repos itself
// and pipes another repo's record from the AppView (getRecord.ts →
// pipethrough); getPosts is never asked. A parent that is gone is a
// *goneError.
func (n *Network) replyRef(ctx context.Context, parentURI, kept string) (*replyRef, error) {
	repo, coll, rkey, ok := splitATURI(parentURI)
	if !ok || coll != postCollection {
		return nil, crier.Permanent(crier.Errorf(crier.EPERMANENT, "%q is not a Bluesky post (at://…/app.bsky.feed.post/…), so crier cannot answer it.", parentURI))
	}
	var ref *replyRef
	if kept != "" {
		var r replyRef
		err := json.Unmarshal([]byte(kept), &r)
		if err == nil && r.Parent.URI == parentURI && r.Parent.CID != "" && r.Root.URI != "" && r.Root.CID != "" {
			ref = &r
		} else {
			n.log.Warn("bluesky kept reply ref unusable; reading the post", "network", n.name, "uri", parentURI)
		}
	}
	var rec struct {
		URI   string `json:"uri"`
		CID   string `json:"cid"`
		Value struct {
			Reply *replyRef `json:"reply"`
		} `json:"value"`
	}
	q := url.Values{"repo": {repo}, "collection": {coll}, "rkey": {rkey}}
	err := n.do(ctx, call{nsid: "com.atproto.repo.getRecord", query: q}, "", &rec)
	switch {
	case isNotFound(err):
		return nil, &goneError{URI: parentURI, Repo: repo, Err: err}
	case isRepoNotFound(err):
		return nil, &goneError{URI: parentURI, Repo: repo, Account: true, Err: err}
	case err != nil && ref != nil:
		// The check could not be made (the AppView behind the PDS is down
		// or the PDS does not pass getRecord on): the refs kept with the
		// comment are enough to answer, and an answer must not wait on a
		// check. At worst it lands under a comment deleted meanwhile.
		n.log.Warn("bluesky could not check that the comment answered is still there; answering with the kept refs",
			"network", n.name, "uri", parentURI, "error", err)
		return ref, nil
	case err != nil:
		return nil, n.explain("read the post answered", err)
	case ref != nil:
		return ref, nil
	}
	if rec.CID == "" {
		return nil, fmt.Errorf("bluesky read the post answered: getRecord answered without a cid")
	}
	parent := strongRef{URI: cmp.Or(rec.URI, parentURI), CID: rec.CID}
	root := parent
	if r := rec.Value.Reply; r != nil && r.Root.URI != "" && r.Root.CID != "" {
		root = r.Root
	}
	return &replyRef{Root: root, Parent: parent}, nil
}

// goneError is a post or comment being answered that is no longer on
// Bluesky: deleted, or its account is.
type goneError struct {
	URI     string
	Repo    string // the DID (or handle) whose repo held it
	Account bool   // the whole account is gone, not just the post
	Err     error  // getRecord's answer
}

func (e *goneError) Error() string { return "the post answered is gone: " + e.Err.Error() }
func (e *goneError) Unwrap() error { return e.Err }

// parentGone answers an attempt whose parent is gone. An earlier attempt
// whose putRecord had no clear answer may have written the answer before
// the parent went: that answer, at this request's record key, is found and
// kept, as confirm would. Otherwise the answer is refused for good, in one
// plain line; and when crier cannot look, the attempt fails, to be retried.
func (n *Network) parentGone(ctx context.Context, did, rkey string, gone *goneError) (crier.PublishResult, error) {
	var own struct {
		URI string `json:"uri"`
	}
	q := url.Values{"repo": {did}, "collection": {postCollection}, "rkey": {rkey}}
	err := n.do(ctx, call{nsid: "com.atproto.repo.getRecord", query: q}, "", &own)
	switch {
	case err == nil && own.URI != "":
		n.log.Info("bluesky answer found at its key; the post it answers is gone since", "network", n.name, "rkey", rkey, "parent", gone.URI)
		return n.result(rkey, own.URI), nil
	case err != nil && !isNotFound(err):
		return crier.PublishResult{}, n.explain("look for the answer at its key", err)
	case err == nil:
		return crier.PublishResult{}, fmt.Errorf("bluesky look for the answer at its key: getRecord answered without a uri")
	}
	what := "comment"
	if gone.Repo == did {
		what = "post" // crier's own: the post the thread is about
	}
	msg := crier.Errorf(crier.EPERMANENT, "The %s was deleted on Bluesky, so there is nothing to answer.", what)
	if gone.Account {
		msg = crier.Errorf(crier.EPERMANENT, "The account that wrote the %s is no longer on Bluesky, so there is nothing to answer.", what)
	}
	n.log.Info("bluesky answer refused: the post answered is gone", "network", n.name, "parent", gone.URI, "error", gone.Err)
	return crier.PublishResult{}, crier.Permanent(fmt.Errorf("bluesky reply: %w: %w", msg, gone))
}

// splitATURI splits at://repo/collection/rkey.
func splitATURI(uri string) (repo, coll, rkey string, ok bool) {
	rest, ok := strings.CutPrefix(uri, "at://")
	if !ok {
		return "", "", "", false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}

// attach fetches an image, uploads it as a blob and returns its embed.
func (n *Network) attach(ctx context.Context, img crier.Image) (embeddedImage, error) {
	data, mimeType, err := n.fetchImage(ctx, img.URL)
	if err != nil {
		return embeddedImage{}, err
	}
	var out struct {
		Blob json.RawMessage `json:"blob"`
	}
	err = n.xrpc(ctx, call{post: true, nsid: "com.atproto.repo.uploadBlob", body: data, contentType: mimeType}, &out)
	if err != nil {
		return embeddedImage{}, n.explain("upload image "+img.URL, err)
	}
	if len(out.Blob) == 0 {
		return embeddedImage{}, fmt.Errorf("bluesky upload image %s: the answer has no blob", img.URL)
	}
	e := embeddedImage{Alt: img.Alt, Image: out.Blob}
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err == nil && cfg.Width > 0 && cfg.Height > 0 {
		e.AspectRatio = &aspectRatio{Width: cfg.Width, Height: cfg.Height}
	}
	return e, nil
}

// fetchImage downloads an image of at most 1,000,000 bytes.
func (n *Network) fetchImage(ctx context.Context, rawURL string) ([]byte, string, error) {
	data, mt, err := netcall.FetchImage(ctx, n.client, rawURL, netcall.ImageLimits{MaxBytes: maxImageSize, Timeout: imageFetchTimeout})
	var ie *netcall.ImageError
	if err == nil || !errors.As(err, &ie) {
		return data, mt, err
	}
	switch ie.Problem {
	case netcall.BadAddress:
		return nil, "", crier.Permanent(crier.Errorf(crier.EPERMANENT, "The image %q is not a web address (https://…).", rawURL))
	case netcall.Unanswered:
		return nil, "", fmt.Errorf("bluesky fetch image %s: %w", rawURL, ie.Err)
	case netcall.BadStatus:
		switch {
		case ie.Temporary():
			return nil, "", fmt.Errorf("bluesky fetch image %s: HTTP %d", rawURL, ie.Status)
		case ie.Status == http.StatusNotFound || ie.Status == http.StatusGone:
			return nil, "", crier.Permanent(crier.Errorf(crier.EPERMANENT, "The image %s does not exist (HTTP %d); fix the link.", rawURL, ie.Status))
		}
		return nil, "", crier.Permanent(crier.Errorf(crier.EPERMANENT, "The image %s cannot be fetched (HTTP %d); fix the link.", rawURL, ie.Status))
	case netcall.TooLarge:
		return nil, "", crier.Permanent(crier.Errorf(crier.EPERMANENT, "The image %s is %d bytes; Bluesky takes images up to 1,000,000 bytes (1 MB). Make it smaller.", rawURL, ie.Size))
	}
	sniffed, _, _ := mime.ParseMediaType(ie.Sniffed)
	return nil, "", crier.Permanent(crier.Errorf(crier.EPERMANENT, "%s is not an image (%s).", rawURL, sniffed))
}
