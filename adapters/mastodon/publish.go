package mastodon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	gomastodon "github.com/mattn/go-mastodon"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/netcall"
)

// Image fetching bounds.
const (
	imageTimeout = 10 * time.Second
	maxImage     = 16 << 20
)

// Publish posts req.Text (with req.Images, answering req.InReplyTo when
// set) as a status. The idempotency key goes in the Idempotency-Key header:
// Mastodon answers a repeat within an hour with the status it created first.
func (n *Network) Publish(ctx context.Context, req crier.PublishRequest) (crier.PublishResult, error) {
	return n.post(ctx, "publish", req, n.visibility)
}

// Reply answers req.InReplyTo (a status id) with req.Text. It mentions the
// author of the answered status first unless the text already does, and
// posts no more widely than the answered status: a reply to a followers-only
// status stays followers-only.
func (n *Network) Reply(ctx context.Context, req crier.PublishRequest) (crier.PublishResult, error) {
	if req.InReplyTo == "" {
		return crier.PublishResult{}, crier.Permanent(fmt.Errorf("mastodon %s reply: nothing to reply to (no in_reply_to)", n.name))
	}
	if req.IdempotencyKey == "" {
		return crier.PublishResult{}, n.noKey("reply")
	}
	parent, err := n.api.GetStatus(ctx, gomastodon.ID(req.InReplyTo))
	if err != nil {
		if status, _, ok := statusOf(err); ok && status == http.StatusNotFound {
			return crier.PublishResult{}, crier.Permanent(n.wrap("reply", crier.Errorf(crier.EPERMANENT,
				"The comment being answered is no longer on Mastodon (%s; %s): it was deleted or hidden, so there is nothing to reply to. Mark the conversation handled.", n.name, req.InReplyTo), err))
		}
		return crier.PublishResult{}, n.readFailed("read the post being answered", err)
	}
	if acct := parent.Account.Acct; acct != "" && !strings.EqualFold(acct, n.self(ctx)) && !n.mentions(req.Text, acct) {
		req.Text = "@" + acct + " " + req.Text
	}
	return n.post(ctx, "reply", req, narrower(n.visibility, parent.Visibility))
}

// CheckReply counts an answer to a comment as Reply will send it: with the
// comment's author mentioned first, unless the text mentions them already.
func (n *Network) CheckReply(text string, to crier.Comment) crier.Count {
	if acct := strings.TrimPrefix(to.AuthorHandle, "@"); acct != "" && !n.mentions(text, acct) {
		text = "@" + acct + " " + text
	}
	return n.Check(text)
}

// post creates the status.
func (n *Network) post(ctx context.Context, what string, req crier.PublishRequest, visibility string) (crier.PublishResult, error) {
	if !utf8.ValidString(req.Text) {
		return crier.PublishResult{}, crier.Permanent(crier.Errorf(crier.EPERMANENT,
			"The text for %s is not valid UTF-8 (it may have been pasted from a damaged file); retype it and schedule it again.", n.name))
	}
	if req.IdempotencyKey == "" {
		return crier.PublishResult{}, n.noKey(what)
	}
	n.refreshIfStale(ctx)
	mediaIDs, err := n.uploadImages(ctx, req.Images)
	if err != nil {
		return crier.PublishResult{}, err
	}
	toot := &gomastodon.Toot{
		Status: req.Text, Visibility: visibility, Language: n.language,
		InReplyToID: gomastodon.ID(req.InReplyTo), MediaIDs: mediaIDs,
	}
	st, err := n.api.PostStatus(withKey(ctx, req.IdempotencyKey), toot)
	if err != nil {
		if status, msg, ok := statusOf(err); ok && status == http.StatusUnprocessableEntity {
			if long, limit := tooLong(msg); long {
				return crier.PublishResult{}, n.textTooLong(ctx, what, req.Text, limit, err)
			}
		}
		return crier.PublishResult{}, n.createFailed(what, req.InReplyTo, err)
	}
	if st.ID == "" {
		return crier.PublishResult{}, crier.Unclear(n.wrap(what, crier.Errorf(crier.EUNAVAIL,
			"Mastodon (%s) sent an answer crier could not read, so it is not known whether it stored the post.", n.name),
			errors.New("status without an id")))
	}
	res := crier.PublishResult{RemoteID: string(st.ID), URL: st.URL}
	if res.URL == "" {
		res.URL = st.URI
	}
	return res, nil
}

// textTooLong explains a refusal for length: the instance may have lowered
// its limit since the text was checked, so read the limits again and say
// what they are now.
func (n *Network) textTooLong(ctx context.Context, what, text string, named int, cause error) error {
	before, _, _ := n.limits()
	if err := n.Refresh(ctx); err != nil {
		n.log.Warn("mastodon instance limits not refreshed", slog.String(keyNetwork, n.name), slog.Any(keyError, err))
	}
	n.lowerLimit(named) // the refusal is the latest word, even if the instance page lags
	c := n.Check(text)
	var user *crier.Error
	if c.Used > c.Limit || c.Limit != before {
		user = crier.Errorf(crier.EPERMANENT, "Mastodon (%s) now allows %d characters; the text has %d. Shorten it and schedule it again.",
			n.name, c.Limit, c.Used)
	} else {
		user = crier.Errorf(crier.EPERMANENT, "Mastodon (%s) allows %d characters and says the text is longer (crier counts %d). Shorten it and schedule it again.",
			n.name, c.Limit, c.Used)
	}
	return crier.Permanent(n.wrap(what, user, cause))
}

// self returns the acct crier posts as ("" when it cannot be read now).
func (n *Network) self(ctx context.Context) string {
	n.mu.Lock()
	acct := n.selfAcct
	n.mu.Unlock()
	if acct != "" {
		return acct
	}
	a, err := n.api.GetAccountCurrentUser(ctx)
	if err != nil {
		return ""
	}
	n.mu.Lock()
	n.selfAcct = a.Acct
	n.mu.Unlock()
	return a.Acct
}

var mentionToken = regexp.MustCompile(`(?i)(?:^|[^\p{L}\p{N}_/=])@([a-z0-9_]+(?:[a-z0-9_.-]*[a-z0-9_])?(?:@[\p{L}\p{N}_.-]*[\p{L}\p{N}_])?)`)

// mentions reports whether text mentions acct ("ana@example.social", or
// "bob" for an account on this instance, also written @bob@instance).
func (n *Network) mentions(text, acct string) bool {
	for _, m := range mentionToken.FindAllStringSubmatch(text, -1) {
		got := m[1]
		if strings.EqualFold(got, acct) {
			return true
		}
		if !strings.Contains(acct, "@") {
			n.mu.Lock()
			domain := n.domain
			n.mu.Unlock()
			if strings.EqualFold(got, acct+"@"+domain) || strings.EqualFold(got, acct+"@"+n.server.Hostname()) {
				return true
			}
		}
	}
	return false
}

var visibilityRank = map[string]int{
	gomastodon.VisibilityPublic: 0, gomastodon.VisibilityUnlisted: 1,
	gomastodon.VisibilityFollowersOnly: 2, gomastodon.VisibilityDirectMessage: 3,
}

// narrower returns the narrower of two visibilities.
func narrower(a, b string) string {
	rb, ok := visibilityRank[b]
	if ok && rb > visibilityRank[a] {
		return b
	}
	return a
}

// uploadImages fetches and uploads the images, waiting until Mastodon has
// processed each, and returns their media ids.
func (n *Network) uploadImages(ctx context.Context, images []crier.Image) ([]gomastodon.ID, error) {
	if len(images) == 0 {
		return nil, nil
	}
	_, _, maxMedia := n.limits()
	if len(images) > maxMedia {
		return nil, crier.Permanent(crier.Errorf(crier.EPERMANENT,
			"Mastodon (%s) takes at most %d images per post; this one has %d. Remove some and schedule it again.", n.name, maxMedia, len(images)))
	}
	ids := make([]gomastodon.ID, 0, len(images))
	for _, img := range images {
		data, ctype, err := n.fetchImage(ctx, img.URL)
		if err != nil {
			return nil, err
		}
		id, err := n.uploadImage(ctx, img, data, ctype)
		if err != nil {
			return nil, err
		}
		ids = append(ids, gomastodon.ID(id))
	}
	return ids, nil
}

// fetchImage downloads an image: at most 16 MB, within 10 seconds.
func (n *Network) fetchImage(ctx context.Context, rawURL string) ([]byte, string, error) {
	const what = "fetch image"
	data, ctype, err := netcall.FetchImage(ctx, n.fetch, rawURL, netcall.ImageLimits{MaxBytes: maxImage, Timeout: imageTimeout})
	var ie *netcall.ImageError
	if err == nil || !errors.As(err, &ie) {
		return data, ctype, err
	}
	switch ie.Problem {
	case netcall.BadAddress:
		return nil, "", crier.Permanent(crier.Errorf(crier.EPERMANENT,
			"The image address %q is not a web address (http:// or https://); fix it and schedule the post again.", rawURL))
	case netcall.Unanswered:
		return nil, "", n.wrapNoDeadline(what, crier.Errorf(crier.EUNAVAIL,
			"crier could not fetch the image %s (%s).", rawURL, reason(ie.Err)), ie.Err)
	case netcall.BadStatus:
		cause := fmt.Errorf("GET %s: %s", rawURL, statusText(ie.Status))
		if ie.Temporary() {
			return nil, "", n.wrap(what, crier.Errorf(crier.EUNAVAIL,
				"crier could not fetch the image %s: the server answered %s.", rawURL, statusText(ie.Status)), cause)
		}
		return nil, "", crier.Permanent(n.wrap(what, crier.Errorf(crier.EPERMANENT,
			"crier could not fetch the image %s: the server answered %s. Fix the link and schedule the post again.", rawURL, statusText(ie.Status)), cause))
	case netcall.TooLarge:
		return nil, "", n.imageTooLarge(rawURL)
	}
	header, _, _ := mime.ParseMediaType(ie.Header)
	if header == "" {
		header = ie.Sniffed
	}
	return nil, "", crier.Permanent(crier.Errorf(crier.EPERMANENT,
		"The address %s is not an image (the server sent %s, status %s). Fix the link and schedule the post again.",
		rawURL, header, statusText(ie.Status)))
}

func (n *Network) imageTooLarge(rawURL string) error {
	return crier.Permanent(crier.Errorf(crier.EPERMANENT,
		"The image %s is larger than 16 MB; use a smaller one and schedule the post again.", rawURL))
}

// uploadImage sends one image to POST /api/v2/media and waits until it is
// processed. A failure here is never unclear: media that no status uses is
// harmless (Mastodon deletes it after a day).
func (n *Network) uploadImage(ctx context.Context, img crier.Image, data []byte, ctype string) (string, error) {
	const what = "upload image"
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	ext := ".img"
	if exts, _ := mime.ExtensionsByType(ctype); len(exts) > 0 {
		ext = exts[0]
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="image%s"`, ext))
	h.Set("Content-Type", ctype)
	part, err := mw.CreatePart(h)
	if err != nil {
		return "", fmt.Errorf("mastodon %s %s: %w", n.name, what, err)
	}
	_, _ = part.Write(data)
	if img.Alt != "" {
		_ = mw.WriteField("description", img.Alt)
	}
	if err := mw.Close(); err != nil {
		return "", fmt.Errorf("mastodon %s %s: %w", n.name, what, err)
	}
	var att struct {
		ID  string  `json:"id"`
		URL *string `json:"url"`
	}
	status, _, err := n.do(ctx, http.MethodPost, n.url("/api/v2/media"), bytes.NewReader(body.Bytes()), mw.FormDataContentType(), &att)
	if err != nil {
		return "", n.mediaFailed(img.URL, err)
	}
	if att.ID == "" {
		return "", n.wrap(what, crier.Errorf(crier.EUNAVAIL,
			"Mastodon (%s) sent an answer crier could not read after the image %s was uploaded.", n.name, img.URL),
			errors.New("attachment without an id"))
	}
	if status == http.StatusAccepted || att.URL == nil {
		if err := n.waitProcessed(ctx, img.URL, att.ID); err != nil {
			return "", err
		}
	}
	return att.ID, nil
}

// waitProcessed polls GET /api/v1/media/:id until Mastodon has processed the
// upload (200; 206 means not yet), within ctx.
func (n *Network) waitProcessed(ctx context.Context, imageURL, id string) error {
	delay := n.pollEvery
	for {
		status, _, err := n.do(ctx, http.MethodGet, n.url("/api/v1/media/"+url.PathEscape(id)), nil, "", nil)
		if err != nil {
			return n.mediaFailed(imageURL, err)
		}
		if status == http.StatusOK {
			return nil
		}
		if err := crier.Sleep(ctx, n.clock, delay); err != nil {
			return n.wrapNoDeadline("upload image", crier.Errorf(crier.EUNAVAIL,
				"Mastodon (%s) was still processing the image %s when time ran out.", n.name, imageURL), err)
		}
		delay = min(2*delay, 5*time.Second)
	}
}

// mediaFailed classifies a failed upload or processing poll.
func (n *Network) mediaFailed(imageURL string, err error) error {
	const what = "upload image"
	status, msg, ok := statusOf(err)
	switch {
	case !ok:
		return n.readFailed(what, err)
	case status == http.StatusUnprocessableEntity && !appToken(status, msg), status == http.StatusRequestEntityTooLarge:
		if msg == "" {
			msg = statusText(status)
		}
		return crier.Permanent(n.wrap(what, crier.Errorf(crier.EPERMANENT,
			"Mastodon (%s) refused the image %s: %s. Use another image and schedule the post again.", n.name, imageURL, strings.TrimRight(msg, ".")), err))
	case status == http.StatusNotFound:
		return n.wrap(what, crier.Errorf(crier.EUNAVAIL,
			"Mastodon (%s) lost the image %s while processing it.", n.name, imageURL), err)
	}
	return n.readFailed(what, err)
}
