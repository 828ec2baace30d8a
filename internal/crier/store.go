package crier

import (
	"context"
	"errors"
	"time"
)

// Tx is a store's open transaction as it hands it to the job engine, so that
// a post, its deliveries and their jobs are written together or not at all.
// Services pass it through without looking inside: the store and the job
// engine agree on what it is (a *sql.Tx with SQLite and riversqlite, a pgx.Tx
// with PostgreSQL and riverpgxv5).
type Tx any

// ErrSkip is returned by PostStore.StartDelivery (and the delivery updates)
// when a job no longer has anything to do: the delivery was cancelled,
// rescheduled or already finished.
var ErrSkip = errors.New("delivery needs no work")

// PostFilter selects posts for listing.
type PostFilter struct {
	Statuses []PostStatus
	Limit    int
}

// QueueFilter selects one page of the queue: scheduled posts by due time
// and drafts newest first, each list with its own offset and limit, so
// drafts are never pushed off a page by scheduled posts.
type QueueFilter struct {
	DueBefore       time.Time // zero means every scheduled post; else those due before it
	ScheduledOffset int
	ScheduledLimit  int
	DraftOffset     int
	DraftLimit      int
}

// Queue is one page of the queue, with the totals of everything the filter
// matches (not only of this page).
type Queue struct {
	Scheduled      []*Post // with their deliveries
	Drafts         []*Post
	ScheduledTotal int
	DraftTotal     int
}

// DeliveryEnd is how one publish attempt ended.
type DeliveryEnd struct {
	// Status is the delivery's new status: published; pending (a retry
	// will come); or failed, maybe (final).
	Status DeliveryStatus
	Result PublishResult // when published
	Reason string        // why not, when not published
	// Unclear says the attempt may have published; the first such attempt
	// is remembered (Delivery.UnclearAt).
	Unclear bool
}

// Scheduler is what a post store asks of the publishing service inside its
// own transaction: the rules (which key a delivery gets, what a post's status
// becomes) and the jobs that publish deliveries, written with the post.
type Scheduler interface {
	// Key returns the idempotency key of a new delivery (its ID is not
	// known yet). installation is the store's random id.
	Key(installation string, dl Delivery) string
	// Rekey returns the key of a delivery a person asked to publish again
	// after an attempt whose outcome was unknown.
	Rekey(installation string, dl Delivery) string
	// Settle returns the status p should have, given its deliveries.
	Settle(p *Post) PostStatus
	// Enqueue inserts one publish job per delivery inside tx and returns
	// their job ids, in the order of ds.
	Enqueue(ctx context.Context, tx Tx, ds []Delivery) ([]int64, error)
	// Cancel cancels the given jobs inside tx (ids of 0 are skipped).
	Cancel(ctx context.Context, tx Tx, jobIDs []int64) error
}

// PostStore keeps posts and their deliveries. Each method is one
// transaction of the store's own; a refusal is a *PostError (the facts, not
// the words: the commands say it to a person).
type PostStore interface {
	// CreatePost stores p (a draft, or a scheduled post with one delivery
	// per target and their jobs) and sets its ID and deliveries.
	CreatePost(ctx context.Context, p *Post, s Scheduler) error
	// FindPost returns a post with its deliveries.
	FindPost(ctx context.Context, id int64) (*Post, error)
	// ListPosts returns posts matching f, scheduled ones by due time, then
	// the rest newest first, with their deliveries.
	ListPosts(ctx context.Context, f PostFilter) ([]*Post, error)
	// QueuePage returns one page of scheduled posts (by due time, then id)
	// and drafts (newest first), and how many of each the filter matches,
	// in one snapshot.
	QueuePage(ctx context.Context, f QueueFilter) (*Queue, error)
	// SchedulePost turns a draft into a scheduled post due at due.
	SchedulePost(ctx context.Context, id int64, due time.Time, s Scheduler) (*Post, error)
	// ReschedulePost moves a scheduled post that has not started publishing.
	ReschedulePost(ctx context.Context, id int64, due time.Time, s Scheduler) (*Post, error)
	// CancelPost cancels a draft or a scheduled post that has not started publishing.
	CancelPost(ctx context.Context, id int64, s Scheduler) (*Post, error)

	// StartDelivery marks a delivery as being published (one more attempt)
	// if it is still due at dueAt and not finished; ErrSkip otherwise. A
	// delivery still "publishing" (a crash cut its attempt short) is
	// claimed again and marked unclear since that attempt.
	StartDelivery(ctx context.Context, id int64, dueAt time.Time) (*Post, *Delivery, error)
	// EndDelivery records how an attempt ended and settles the delivery's
	// post by s's rule, in one transaction; the post comes back.
	EndDelivery(ctx context.Context, id int64, end DeliveryEnd, s Scheduler) (*Post, error)
	// MarkAsked records that the channel was asked about a "maybe
	// published" delivery; Unasked returns the posts with one nobody was
	// asked about yet.
	MarkAsked(ctx context.Context, id int64) error
	Unasked(ctx context.Context) ([]*Post, error)
	// ResolveMaybe settles a "maybe published" delivery as a person decided:
	// published, or publish again (with the Scheduler's new key and a job
	// due now).
	ResolveMaybe(ctx context.Context, postID int64, target string, published bool, s Scheduler) (*Post, error)
}
