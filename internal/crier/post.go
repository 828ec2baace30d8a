package crier

import (
	"fmt"
	"time"
)

// PostStatus is where a post is in its life.
type PostStatus string

// Post statuses.
const (
	PostDraft     PostStatus = "draft"
	PostScheduled PostStatus = "scheduled"
	PostPublished PostStatus = "published" // every delivery published
	PostPartial   PostStatus = "partial"   // some deliveries published, some failed
	PostFailed    PostStatus = "failed"    // no delivery published
	PostCanceled  PostStatus = "canceled"
)

// DeliveryStatus is where one delivery (a post to one network) is.
type DeliveryStatus string

// Delivery statuses.
const (
	DeliveryPending    DeliveryStatus = "pending"    // waiting for its time or a retry
	DeliveryPublishing DeliveryStatus = "publishing" // a publish attempt is under way
	DeliveryPublished  DeliveryStatus = "published"
	DeliveryFailed     DeliveryStatus = "failed"
	DeliveryMaybe      DeliveryStatus = "maybe" // outcome unknown; a person must decide
	DeliveryCanceled   DeliveryStatus = "canceled"
)

// Terminal reports whether nothing more will happen to the delivery by itself.
func (s DeliveryStatus) Terminal() bool {
	return s == DeliveryPublished || s == DeliveryFailed || s == DeliveryCanceled || s == DeliveryMaybe
}

// Post is something a team wants published to one or more networks.
type Post struct {
	ID         int64
	Text       string
	Status     PostStatus
	DueAt      time.Time // zero for drafts
	CreatedAt  time.Time
	UpdatedAt  time.Time
	AuthorID   string
	AuthorName string
	Origin     ChannelRef // where it was scheduled from; results are reported there
	Targets    []string   // network names
	Images     []Image    // pictures to attach, by URL
	Campaign   string     // the campaign it belongs to ("campaign: launch"); "" for none
	// Variants are the networks' own texts (network name → text); a network
	// without one gets Text.
	Variants map[string]string
	// Approval is where the post stands with its approvers; "" when it
	// needs none. Only an approved post (or one that needs no approval) is
	// ever published: the deliveries of one awaiting approval, or rejected,
	// are held.
	Approval     Approval
	Revision     int    // 1, and one more with every edit: an approval names the revision it saw
	EditedBy     string // who wrote the last change (user id); "" when nobody changed it
	Sequence     int    // goes up with every change a calendar shows (an ICS feed's SEQUENCE)
	ApprovalBy   string // who approved or rejected it
	ApprovalNote string // why it was rejected
	ApprovalAt   time.Time
	Deliveries   []Delivery // filled by the store when asked
}

// Approval is where a post stands with its approvers.
type Approval string

// The approval states.
const (
	ApprovalNone     Approval = ""
	ApprovalAwaiting Approval = "awaiting"
	ApprovalApproved Approval = "approved"
	ApprovalRejected Approval = "rejected"
)

// Held says whether the post's deliveries wait for an approval.
func (p *Post) Held() bool {
	return p.Approval == ApprovalAwaiting || p.Approval == ApprovalRejected
}

// TextFor is the text network gets: its own variant, else the main text.
func (p *Post) TextFor(network string) string {
	if v, ok := p.Variants[network]; ok && v != "" {
		return v
	}
	return p.Text
}

// PostEdit is a change to a post that has not gone out: nil fields stay.
type PostEdit struct {
	Text     *string
	Variants map[string]string // network → new text; "" removes that network's own text
	Targets  []string          // nil: unchanged (a draft's networks only)
	// NeedsApproval says the editor's posts wait for an approver. A
	// scheduled post goes back to its approvers when it had been through
	// them, or when NeedsApproval: decided in the store's transaction.
	NeedsApproval bool
	By            string // who makes the change (user id)
}

// Delivery is one post going to one network at one occurrence.
type Delivery struct {
	ID             int64
	PostID         int64
	Target         string
	Occurrence     int
	IdempotencyKey string
	Status         DeliveryStatus
	DueAt          time.Time
	Attempts       int
	RemoteID       string
	URL            string
	LastError      string
	StartedAt      time.Time // first publish attempt
	UnclearAt      time.Time // when an attempt first ended without a clear answer; zero if none did
	AskedAt        time.Time // when the channel was asked about a "maybe published" delivery
	PublishedAt    time.Time
	// NextAt is when a pending delivery is due: its post's time, then each
	// retry's. Zero when it is not pending.
	NextAt time.Time
	// Failures counts the failed attempts that count toward the attempt
	// limit (a rate limit or a refused token does not).
	Failures int
}

// IdempotencyKey is the stable key of a delivery: the same installation,
// post, target and occurrence always give the same key, across retries,
// restarts and crashes. installation is the database's random id, so two
// databases posting to one account never share a key.
func IdempotencyKey(installation string, postID int64, target string, occurrence int) string {
	return fmt.Sprintf("crier-%s-%d-%s-%d", installation, postID, target, occurrence)
}

// Why a store refused to change a post (PostError.Reason).
const (
	RefusedNoPost           = "no_post"            // there is no such post (ENOTFOUND)
	RefusedNoDelivery       = "no_delivery"        // the post was not going to that target (ENOTFOUND)
	RefusedNotUndecided     = "not_undecided"      // the delivery is not waiting for a person's decision
	RefusedNotDraft         = "not_draft"          // only a draft can be scheduled this way
	RefusedDraft            = "draft"              // a draft cannot be rescheduled
	RefusedNotScheduled     = "not_scheduled"      // the post is finished or cancelled
	RefusedCanceled         = "canceled"           // the post is already cancelled
	RefusedPublishing       = "publishing"         // a delivery is being published right now
	RefusedPublished        = "published"          // a delivery was already published
	RefusedUnclear          = "unclear"            // an attempt got no answer; the delivery is being retried
	RefusedUndecided        = "undecided"          // a delivery waits for a person to say whether it is out
	RefusedNotAwaiting      = "not_awaiting"       // the post does not wait for approval
	RefusedRevision         = "revision"           // the post was edited since the approver was asked
	RefusedNotDraftNetworks = "not_draft_networks" // only a draft's networks can change
)

// PostError is a store's refusal to find or change a post, with the facts a
// command needs to say why in words: the post, its status, and the delivery
// that stood in the way, if one did.
type PostError struct {
	Code     string // ENOTFOUND or ECONFLICT
	Reason   string // one of the Refused constants
	PostID   int64
	Status   PostStatus     // the post's status
	Target   string         // the delivery that stood in the way
	Delivery DeliveryStatus // and its status
}

func (e *PostError) Error() string {
	if e.Target != "" {
		return fmt.Sprintf("post %d (%s) to %s (%s): %s", e.PostID, e.Status, e.Target, e.Delivery, e.Reason)
	}
	return fmt.Sprintf("post %d (%s): %s", e.PostID, e.Status, e.Reason)
}

// Unwrap gives the refusal its code (ErrorCode); the commands replace the
// message with the sentence for the command a person typed.
func (e *PostError) Unwrap() error {
	return &Error{Code: e.Code, Message: fmt.Sprintf("Post #%d cannot be changed that way now. Type /queue to see your posts.", e.PostID)}
}
