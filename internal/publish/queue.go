package publish

import (
	"context"
	"time"

	"github.com/crier-bot/crier/internal/crier"
)

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
	Scheduled      []*crier.Post // with their deliveries
	Drafts         []*crier.Post
	ScheduledTotal int
	DraftTotal     int
}

// Queue returns one page of the scheduled posts and drafts, read in one
// snapshot so the totals match the page.
func (s *Service) Queue(ctx context.Context, f QueueFilter) (*Queue, error) {
	return s.store.QueuePage(ctx, f)
}
