package crier

import (
	"context"
	"errors"
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
}

// PublishResult is what a network says about a published post.
type PublishResult struct {
	RemoteID string
	URL      string
}

// PermanentError marks a network error that retrying cannot fix (the text was
// refused, the token was revoked). Other network errors are retried.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent wraps err as a PermanentError.
func Permanent(err error) error { return &PermanentError{Err: err} }

// IsPermanent reports whether err is marked permanent.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}
