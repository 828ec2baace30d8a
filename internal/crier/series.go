package crier

import (
	"context"
	"time"
)

// SeriesStatus is where a series of recurring posts is.
type SeriesStatus string

// Series statuses.
const (
	SeriesActive   SeriesStatus = "active"   // more occurrences may be made
	SeriesEnded    SeriesStatus = "ended"    // every occurrence was made
	SeriesCanceled SeriesStatus = "canceled" // cancelled: its future occurrences were cancelled
)

// Series is a recurring post (issue 10): a rule, and the post every
// occurrence copies. Each occurrence is a post of its own, with its own id,
// deliveries and idempotency keys, made ahead of time (see internal/series).
type Series struct {
	ID int64
	// Rule is the recurrence as an RFC 5545 RRULE with its DTSTART
	// (timeparse.Rule.String); Timezone is the IANA zone it is computed in.
	Rule     string
	Timezone string
	// Template is what every occurrence copies: text, networks, pictures,
	// campaign, the networks' own texts, author, origin and approval (an
	// author whose posts wait for approval makes occurrences that wait).
	Template Post
	// Evergreen series re-post the posts marked evergreen in turn: each
	// occurrence copies the next one's text, networks, networks' own
	// texts, pictures and campaign (Template keeps the author, origin and
	// approval, and the networks for a post that names none).
	Evergreen bool
	Status    SeriesStatus
	// Made is how many occurrences were made, LastAt the due time of the
	// last one made.
	Made      int
	LastAt    time.Time
	CreatedAt time.Time
}

// SeriesStore keeps series. Each method is one transaction.
type SeriesStore interface {
	EvergreenStore
	// AddSeries stores s and its first occurrences (scheduled posts, with
	// their deliveries by r) in one transaction: all or nothing. It sets
	// s.ID and each post's ID and deliveries; posts are numbered 1, 2, …
	// Of an evergreen series, each occurrence copies the next evergreen
	// post (EvergreenStore) and advances the rotation in the same
	// transaction; when none is marked, no series is stored (ENOTFOUND).
	AddSeries(ctx context.Context, s *Series, first []*Post, r DeliveryRules) error
	// AddOccurrences adds the next occurrences of an active series
	// (numbered on from made), and marks it ended when ended is true, in
	// one transaction. made is the Made the caller planned from: a series
	// that made others meanwhile (another top-up), or was cancelled, gets
	// none (ECONFLICT). Of an evergreen series, occurrences are made while
	// evergreen posts are marked: those not made keep ID 0, and the series
	// does not end.
	AddOccurrences(ctx context.Context, id int64, made int, posts []*Post, ended bool, r DeliveryRules) error
	// ApproveSeries approves series id when its first occurrence is
	// approved (the approvers were asked about the series once): its
	// occurrences awaiting approval are approved and released, and
	// Template.Approval becomes approved, so occurrences made later are
	// made approved; occurrences other than the first whose time passed
	// while they waited are cancelled (skipped, not posted late) and
	// returned, by time. It reports whether the series was approved now; a
	// series not awaiting approval, or whose first occurrence is not
	// approved, is left as it is.
	ApproveSeries(ctx context.Context, id int64) (approved bool, skipped []int64, err error)
	// FindSeries returns a series.
	FindSeries(ctx context.Context, id int64) (*Series, error)
	// SeriesOf returns the series post id is an occurrence of and its
	// number, or nil when it is not part of one.
	SeriesOf(ctx context.Context, postID int64) (s *Series, occurrence int, err error)
	// ActiveSeries returns the series that may need more occurrences.
	ActiveSeries(ctx context.Context) ([]*Series, error)
	// CancelSeries cancels series id and its scheduled occurrences whose
	// deliveries have had no attempt: those due from from on, and overdue
	// ones (due before from) that have not gone out, which would otherwise
	// still go out. Occurrences published, publishing or with an attempt
	// are left as they are. It returns the cancelled posts' ids and those
	// left because they had started.
	CancelSeries(ctx context.Context, id int64, from time.Time) (canceled, started []int64, err error)
}

// Evergreen is a post marked evergreen and its place in the rotation.
type Evergreen struct {
	Post     *Post
	MarkedBy string // user id
	MarkedAt time.Time
	// Reposts is how many re-posts were made of it; LastRepostID and
	// LastRepostAt the last one's post id and due time.
	Reposts      int
	LastRepostID int64
	LastRepostAt time.Time
}

// Skipped says why the rotation passes over a marked post ("" when it does
// not): a cancelled post, or one held for approval, is not re-posted.
func (e *Evergreen) Skipped() string {
	switch {
	case e.Post.Status == PostCanceled:
		return "cancelled"
	case e.Post.Approval == ApprovalRejected:
		return "rejected"
	case e.Post.Approval == ApprovalAwaiting:
		return "awaiting approval"
	}
	return ""
}

// EvergreenStore keeps the posts marked evergreen, the rotation evergreen
// series re-post them in. Each method is one transaction.
type EvergreenStore interface {
	// MarkEvergreen marks post id evergreen (on) or unmarks it, and
	// returns it. A cancelled post, or a re-post made by an evergreen
	// series, cannot be marked (ECONFLICT). Unmarking keeps its place: a
	// post marked again does not jump the rotation.
	MarkEvergreen(ctx context.Context, id int64, on bool, by string) (*Evergreen, error)
	// EvergreenPosts returns the marked posts in rotation order: least
	// recently re-posted first (never re-posted first of all), ties by id.
	EvergreenPosts(ctx context.Context) ([]*Evergreen, error)
}
