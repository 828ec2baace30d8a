package crier

import (
	"context"
	"time"
)

// Tx is a store's open transaction as it hands it to the job engine, so that
// a service's rows and the jobs that act on them are written together or not
// at all.
// Services pass it through without looking inside: the store and the job
// engine agree on what it is (a *sql.Tx with SQLite and riversqlite, a pgx.Tx
// with PostgreSQL and riverpgxv5).
type Tx any

// PostFilter selects posts for listing.
type PostFilter struct {
	Statuses []PostStatus
	Approval Approval // ApprovalAwaiting: only posts that wait for approval; "": any
	// From and To, when set, keep the posts due in [From, To) (drafts,
	// which have no time, are left out then).
	From, To time.Time
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

// DeliveryEnd is how one publish attempt of a claimed delivery ended.
type DeliveryEnd struct {
	ID int64 // the delivery
	// Status is the delivery's new status: published; pending (a retry
	// will come, at NextAt); or failed, maybe (final).
	Status DeliveryStatus
	Result PublishResult // when published
	Reason string        // why not, when not published
	// Unclear says the attempt may have published; the first such attempt
	// is remembered (Delivery.UnclearAt).
	Unclear bool
	// Counted says the failed attempt counts toward the attempt limit
	// (Delivery.Failures); a rate limit or a refused token does not.
	Counted bool
	// NextAt is when a pending delivery may be attempted again.
	NextAt time.Time
	// Released gives back a claim no attempt was made for (crier stopped
	// first): the delivery is pending again, due at NextAt, its attempt
	// count (and first start) as before the claim.
	Released bool
}

// Claim is one delivery taken for a publish attempt, with its post (without
// the post's deliveries; claims of one post share it).
type Claim struct {
	Post     *Post
	Delivery Delivery
}

// DeliveryRules are what a post store asks of the publishing service inside
// its own transaction: which key a delivery gets, and what a post's status
// becomes.
type DeliveryRules interface {
	// Key returns the idempotency key of a new delivery (its ID is not
	// known yet). installation is the store's random id.
	Key(installation string, dl Delivery) string
	// Rekey returns the key of a delivery a person asked to publish again
	// after an attempt whose outcome was unknown.
	Rekey(installation string, dl Delivery) string
	// Settle returns the status p should have, given its deliveries. When
	// a store settles many posts at once, p may hold only its ID and
	// status, and its deliveries only their ID, target and status.
	Settle(p *Post) PostStatus
}

// PostStore keeps posts and their deliveries. Each method is one
// transaction of the store's own; a refusal is a *PostError (the facts, not
// the words: the commands say it to a person).
type PostStore interface {
	// CreatePost stores p (a draft, or a scheduled post with one delivery
	// per target, due at its time) and sets its ID and deliveries.
	CreatePost(ctx context.Context, p *Post, r DeliveryRules) error
	// CreatePosts stores posts as CreatePost does, all in one transaction:
	// all of them or, on an error, none (and no IDs are set).
	CreatePosts(ctx context.Context, posts []*Post, r DeliveryRules) error
	// FindPost returns a post with its deliveries.
	FindPost(ctx context.Context, id int64) (*Post, error)
	// ListPosts returns posts matching f, scheduled ones by due time, then
	// the rest newest first, with their deliveries.
	ListPosts(ctx context.Context, f PostFilter) ([]*Post, error)
	// QueuePage returns one page of scheduled posts (by due time, then id)
	// and drafts (newest first), and how many of each the filter matches,
	// in one snapshot.
	QueuePage(ctx context.Context, f QueueFilter) (*Queue, error)
	// SchedulePost turns a draft into a scheduled post due at due; with
	// awaiting, its deliveries are held until an approver approves it.
	SchedulePost(ctx context.Context, id int64, due time.Time, awaiting bool, r DeliveryRules) (*Post, error)
	// EditPost changes a post none of whose deliveries has started, and
	// bumps its revision; e.Hold sends it back to its approvers (its
	// deliveries are held).
	EditPost(ctx context.Context, id int64, e PostEdit) (*Post, error)
	// DecideApproval approves or rejects post id at revision (refused when
	// it was edited since, or does not wait for approval); an approved
	// post's deliveries are due at their time, or at now when it passed.
	DecideApproval(ctx context.Context, id int64, revision int, approve bool, by, note string, now time.Time) (*Post, error)
	// ReschedulePost moves a scheduled post that has not started publishing.
	ReschedulePost(ctx context.Context, id int64, due time.Time) (*Post, error)
	// CancelPost cancels a draft or a scheduled post that has not started publishing.
	CancelPost(ctx context.Context, id int64) (*Post, error)

	// Deliveries are the publish queue: a pending delivery is due at its
	// NextAt (its post's time, then each retry's).
	//
	// NextDelivery returns when the earliest pending delivery is due; ok is
	// false when none is pending.
	NextDelivery(ctx context.Context) (at time.Time, ok bool, err error)
	// ClaimDeliveries marks up to limit pending deliveries due at or before
	// now as publishing (one more attempt, started now), in one
	// transaction, and returns them with their posts, in their posts' due
	// order.
	ClaimDeliveries(ctx context.Context, now time.Time, limit int) ([]Claim, error)
	// RecoverDeliveries makes deliveries a crash left publishing pending
	// again, due now and unclear since their last attempt (it may have
	// published); it runs before the first claim and returns how many.
	RecoverDeliveries(ctx context.Context) (int, error)
	// EndDeliveries records how claimed attempts ended and settles their
	// posts by r's rule, all in one transaction. An end for a delivery
	// already finished (published, failed, maybe, cancelled) changes
	// nothing, and so does a release of one not publishing.
	EndDeliveries(ctx context.Context, ends []DeliveryEnd, r DeliveryRules) error
	// MarkAsked records that the channel was asked about a "maybe
	// published" delivery; Unasked returns the posts with one nobody was
	// asked about yet.
	MarkAsked(ctx context.Context, id int64) error
	Unasked(ctx context.Context) ([]*Post, error)
	// Paused returns whether publishing is paused, since when and by whom;
	// SetPaused pauses or resumes it. While paused, due deliveries wait.
	Paused(ctx context.Context) (paused bool, since time.Time, by string, err error)
	SetPaused(ctx context.Context, paused bool, by string) error
	// ResolveMaybe settles a "maybe published" delivery as a person decided:
	// published, or publish again (with the rules' new key, due now).
	ResolveMaybe(ctx context.Context, postID int64, target string, published bool, r DeliveryRules) (*Post, error)
}
