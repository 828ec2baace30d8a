package publish

import (
	"context"
	"errors"
	"time"

	"github.com/crier-bot/crier/internal/crier"
)

// Jobs is how the store asks the job engine to enqueue and cancel publish
// jobs inside the store's own transaction, so that a post, its deliveries and
// their jobs are written together or not at all.
type Jobs interface {
	// Enqueue inserts one publish job per delivery and returns their job ids,
	// in the order of ds.
	Enqueue(ctx context.Context, tx crier.Tx, ds []crier.Delivery) ([]int64, error)
	// Cancel cancels the given jobs (ids of 0 are skipped).
	Cancel(ctx context.Context, tx crier.Tx, jobIDs []int64) error
}

// ErrSkip is returned by Store.StartDelivery when a job no longer has
// anything to do: the delivery was cancelled, rescheduled or already finished.
var ErrSkip = errors.New("delivery needs no work")

// PostFilter selects posts for listing.
type PostFilter struct {
	Statuses []crier.PostStatus
	Limit    int
}

// Store is what publishing needs from the database.
type Store interface {
	// CreatePost stores p (a draft, or a scheduled post with its deliveries
	// and jobs) and sets its ID and deliveries.
	CreatePost(ctx context.Context, p *crier.Post, jobs Jobs) error
	FindPost(ctx context.Context, id int64) (*crier.Post, error)
	ListPosts(ctx context.Context, f PostFilter) ([]*crier.Post, error)
	// QueuePage returns one page of scheduled posts (by due time, then id)
	// and drafts (newest first), and how many of each the filter matches.
	QueuePage(ctx context.Context, f QueueFilter) (*Queue, error)
	// SchedulePost turns a draft into a scheduled post due at due.
	SchedulePost(ctx context.Context, id int64, due time.Time, jobs Jobs) (*crier.Post, error)
	// ReschedulePost moves a scheduled post that has not started publishing.
	ReschedulePost(ctx context.Context, id int64, due time.Time, jobs Jobs) (*crier.Post, error)
	// CancelPost cancels a draft or a scheduled post that has not started publishing.
	CancelPost(ctx context.Context, id int64, jobs Jobs) (*crier.Post, error)

	// StartDelivery marks a delivery as being published (one more attempt)
	// if it is still due at dueAt and not finished; ErrSkip otherwise.
	StartDelivery(ctx context.Context, id int64, dueAt time.Time) (*crier.Post, *crier.Delivery, error)
	// FinishDelivery records a published delivery and returns its post.
	FinishDelivery(ctx context.Context, id int64, res crier.PublishResult) (*crier.Post, error)
	// FailDelivery records a failed attempt: status goes back to pending
	// (a retry will come) or to final (failed, maybe). unclear says the
	// attempt may have published (the first such attempt is remembered).
	FailDelivery(ctx context.Context, id int64, reason string, status crier.DeliveryStatus, unclear bool) (*crier.Post, error)
	// MarkAsked records that the channel was asked about a "maybe
	// published" delivery; Unasked returns the posts with one nobody was
	// asked about yet.
	MarkAsked(ctx context.Context, id int64) error
	Unasked(ctx context.Context) ([]*crier.Post, error)
	// ResolveMaybe settles a "maybe published" delivery as a person decided:
	// published, or publish again (with a new key and a job due now).
	ResolveMaybe(ctx context.Context, postID int64, target string, published bool, jobs Jobs) (*crier.Post, error)
}
