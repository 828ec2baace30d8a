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
	Deliveries []Delivery // filled by the store when asked
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
	JobID          int64
}

// IdempotencyKey is the stable key of a delivery: the same installation,
// post, target and occurrence always give the same key, across retries,
// restarts and crashes. installation is the database's random id, so two
// databases posting to one account never share a key.
func IdempotencyKey(installation string, postID int64, target string, occurrence int) string {
	return fmt.Sprintf("crier-%s-%d-%s-%d", installation, postID, target, occurrence)
}
