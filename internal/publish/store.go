package publish

import (
	"fmt"

	"github.com/crier-bot/crier/internal/crier"
)

// Store is what publishing needs from the database: the domain's post
// store contract.
type Store = crier.PostStore

// PostFilter selects posts for listing.
type PostFilter = crier.PostFilter

// key is the idempotency key of a new delivery: the same installation,
// post, target and occurrence always give the same key, across retries,
// restarts and crashes.
func key(installation string, dl crier.Delivery) string {
	return crier.IdempotencyKey(installation, dl.PostID, dl.Target, dl.Occurrence)
}

// rekey is the key of a delivery a person asked to publish again after an
// attempt whose outcome was unknown: new, so a network that remembers the
// old key does not swallow it; the attempt number keeps it unique and stable.
func rekey(installation string, dl crier.Delivery) string {
	return fmt.Sprintf("%s-again%d", key(installation, dl), dl.Attempts)
}

// settle derives a scheduled post's status from its deliveries once none is
// left to happen by itself (or to be decided by a person): published when
// every delivery is, partial when some are, failed when none is.
func settle(p *crier.Post) crier.PostStatus {
	if p.Status != crier.PostScheduled {
		return p.Status
	}
	var published int
	for _, dl := range p.Deliveries {
		switch dl.Status {
		case crier.DeliveryPending, crier.DeliveryPublishing, crier.DeliveryMaybe:
			return p.Status
		case crier.DeliveryPublished:
			published++
		}
	}
	switch {
	case published == len(p.Deliveries):
		return crier.PostPublished
	case published > 0:
		return crier.PostPartial
	default:
		return crier.PostFailed
	}
}
