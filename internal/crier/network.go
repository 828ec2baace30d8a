package crier

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Network is somewhere posts are published: a social network, a chat channel,
// a webhook or a file.
type Network interface {
	// Name is the name given in bot.yaml.
	Name() string
	// Kind is the adapter kind: file, mastodon, bluesky, slack, …
	Kind() string
	// Check validates text against the network's rules before anything is
	// stored, returning how the network counts it.
	Check(text string) Count
	// Publish publishes a post. Calling it again with the same idempotency
	// key must not publish twice.
	Publish(ctx context.Context, req PublishRequest) (PublishResult, error)
}

// Count is how a network counts a text.
type Count struct {
	Used  int    // characters (as the network counts them) used
	Limit int    // the network's limit
	Unit  string // "characters", "graphemes", …
	// Also holds further limits the same text must fit: Bluesky counts 300
	// graphemes and, separately, 3000 bytes.
	Also []Count
}

// Overs says, for network, by how much the text is over each limit it
// breaks ("3 characters too long for mastodon (503/500)"); none when it
// fits every one.
func (c Count) Overs(network string) []string {
	var out []string
	for _, k := range append([]Count{c}, c.Also...) {
		if n := k.Over(); n > 0 {
			unit := k.Unit
			if n == 1 {
				unit = strings.TrimSuffix(unit, "s")
			}
			out = append(out, fmt.Sprintf("%d %s too long for %s (%d/%d)", n, unit, network, k.Used, k.Limit))
		}
	}
	return out
}

// Over returns by how much the text is over the limit (0 when it fits).
func (c Count) Over() int {
	if c.Used > c.Limit {
		return c.Used - c.Limit
	}
	return 0
}

// PublishRequest is one delivery handed to a network.
type PublishRequest struct {
	IdempotencyKey string
	PostID         int64
	Text           string
	DueAt          time.Time
	// StartedAt is when the first attempt started; it stays the same across
	// retries, so a network can stamp the post with it (Bluesky's createdAt)
	// and still write the same record every time. Zero means DueAt.
	StartedAt time.Time
	Images    []Image // images to upload and attach, given by URL
	// InReplyTo is the remote id (PublishResult.RemoteID or Comment.RemoteID)
	// of the post or comment this one answers; "" for a post of its own.
	InReplyTo string
	// InReplyToRef is the Comment.ReplyRef of InReplyTo, kept from when the
	// comment was read: with it a network answers without looking the
	// comment up (Bluesky: no AppView call). "" makes it look up what it
	// needs.
	InReplyToRef string
}

// Image is a picture attached to a post, fetched from URL when published.
type Image struct {
	URL string
	Alt string // description for people who cannot see it
}

// PublishResult is what a network says about a published post.
type PublishResult struct {
	RemoteID string
	URL      string
}

// KeyWindower is implemented by networks that recognise a repeated
// idempotency key only for a while (Mastodon keeps keys about an hour). A
// publish whose outcome was unclear is retried only inside the window; after
// it the delivery becomes "maybe published" and a person decides. A window of
// 0 means the network cannot deduplicate at all. Networks without this method
// recognise their keys for ever (Bluesky's record key, Slack's metadata).
type KeyWindower interface {
	KeyWindow() time.Duration
}

// Replier is a network that can answer a comment or a post.
type Replier interface {
	// Reply publishes req.Text as an answer to req.InReplyTo. The same
	// idempotency key must not answer twice.
	Reply(ctx context.Context, req PublishRequest) (PublishResult, error)
}

// ReplyChecker is a network that counts an answer differently from a post
// (Mastodon puts the answered author's @handle first).
type ReplyChecker interface {
	// CheckReply counts text as the network will when it answers to.
	CheckReply(text string, to Comment) Count
}

// Account is who crier posts as on a network, for `crier check`.
type Account struct {
	Name     string   // "@crier@mastodon.social", "crier.bsky.social", "https://hooks.example.com/…"
	URL      string   // the profile, when there is one
	Limits   string   // "500 characters, URLs count 23, 4 images", in plain words
	Problems []string // things that will not stop publishing but need a look
}

// Verifier is a network that can log in and say who it posts as.
type Verifier interface {
	Verify(ctx context.Context) (Account, error)
}

// Comment is a reply to one of crier's posts, or a mention, read from a
// network.
type Comment struct {
	Network      string
	RemoteID     string // the comment's own id (Bluesky: its at:// URI)
	URL          string
	Kind         string // "reply", "mention", "quote"
	RootRemoteID string // the top post of the conversation; "" when unknown
	ParentID     string // what it answers directly; "" for a plain mention
	AuthorID     string // network account id (Bluesky DID, Mastodon account id)
	AuthorHandle string // "@ana@example.social", "ana.bsky.social"
	AuthorName   string
	Text         string
	CreatedAt    time.Time
	// ReplyRef is opaque: what the network needs to answer this comment,
	// read with it (Bluesky: the comment's and its thread's uri and cid).
	// Keep it with the comment and pass it back as
	// PublishRequest.InReplyToRef; "" when the network needs none.
	ReplyRef string
}

// Inbox is a network whose replies and mentions crier can read.
type Inbox interface {
	// Comments returns the comments that arrived after cursor (all recent
	// ones for ""), oldest first, and the cursor to pass next time. A network
	// that cannot be read right now returns an error, never an empty page.
	Comments(ctx context.Context, cursor string) ([]Comment, string, error)
}

// Streamer is a network that pushes comments as they happen (Mastodon's
// streaming API), so they reach chat in seconds rather than at the next poll.
type Streamer interface {
	// Stream calls fn with each comment as it arrives, until ctx ends or the
	// stream drops; it returns why it ended (ctx.Err() when ctx ended). The
	// caller polls Comments meanwhile and after, so a comment the stream
	// missed is still read; it may see a comment twice.
	Stream(ctx context.Context, fn func(Comment)) error
}

// AccountStats are an account's counts at one moment.
type AccountStats struct {
	Followers int
	Following int
	Posts     int
}

// PostStats are one published post's counts at one moment.
type PostStats struct {
	RemoteID string
	Replies  int
	Reposts  int // boosts, reblogs
	Likes    int // favourites
	Quotes   int
}

// StatsReader is a network whose counts crier can read for the digest.
type StatsReader interface {
	AccountStats(ctx context.Context) (AccountStats, error)
	// PostStats returns counts for the given remote ids; ids the network no
	// longer has are left out.
	PostStats(ctx context.Context, remoteIDs []string) ([]PostStats, error)
}

// StateStore keeps the few values a network adapter must remember across
// restarts: a login session, a notifications cursor. Values may be secret
// (a session token): they are stored, never logged.
type StateStore interface {
	// LoadState returns the value saved under (network, key), "" if none.
	LoadState(ctx context.Context, network, key string) (string, error)
	SaveState(ctx context.Context, network, key, value string) error
}

// PermanentError marks a network error that retrying cannot fix (the text was
// refused, the token was revoked). Other network errors are retried.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent wraps err as a PermanentError.
func Permanent(err error) error { return &PermanentError{Err: err} }

// IsPermanent reports whether err is marked permanent. Auth errors are not:
// a fixed token makes the retry work.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// AuthError marks a network error caused by the credentials: the token
// expired or was revoked, the password is wrong, the account is suspended.
// The message says how to fix it. crier reports it once per network, not once
// per post, and keeps retrying (a fixed token makes the retry work).
type AuthError struct{ Err error }

func (e *AuthError) Error() string { return e.Err.Error() }
func (e *AuthError) Unwrap() error { return e.Err }

// AuthFailed wraps err as an AuthError.
func AuthFailed(err error) error { return &AuthError{Err: err} }

// IsAuth reports whether err is marked as an auth error.
func IsAuth(err error) bool {
	var a *AuthError
	return errors.As(err, &a)
}

// UnclearError marks a failure after which the post may or may not have been
// published: the request was sent and no clear answer came back (a timeout,
// a dropped connection, a 5xx from a server that may have stored it).
type UnclearError struct{ Err error }

func (e *UnclearError) Error() string { return e.Err.Error() }
func (e *UnclearError) Unwrap() error { return e.Err }

// Unclear wraps err as an UnclearError.
func Unclear(err error) error { return &UnclearError{Err: err} }

// IsUnclear reports whether err is marked unclear.
func IsUnclear(err error) bool {
	var u *UnclearError
	return errors.As(err, &u)
}

// RateLimitError marks a refusal because of a rate limit, with how long the
// network asked to wait (0 when it did not say).
type RateLimitError struct {
	Err   error
	After time.Duration
}

func (e *RateLimitError) Error() string { return e.Err.Error() }
func (e *RateLimitError) Unwrap() error { return e.Err }

// RateLimited wraps err as a RateLimitError asking to wait after.
func RateLimited(err error, after time.Duration) error {
	return &RateLimitError{Err: err, After: after}
}

// RetryAfter returns how long the network asked to wait, if err is a rate
// limit error that said so.
func RetryAfter(err error) (time.Duration, bool) {
	var r *RateLimitError
	if errors.As(err, &r) && r.After > 0 {
		return r.After, true
	}
	return 0, false
}

// ValidNetworkName reports whether name can name a network in bot.yaml: 1 to
// 32 of a-z, 0-9, _ and -. Button values carry the name, so the chat
// adapters check what comes back with the same rule.
func ValidNetworkName(name string) bool {
	if name == "" || len(name) > 32 {
		return false
	}
	for _, c := range []byte(name) {
		if !(c == '_' || c == '-' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}
