package publish

import (
	"context"

	"github.com/crier-bot/crier/internal/crier"
)

// QueueFilter selects one page of the queue (see crier.QueueFilter).
type QueueFilter = crier.QueueFilter

// Queue is one page of the queue (see crier.Queue).
type Queue = crier.Queue

// Queue returns one page of the scheduled posts and drafts, read in one
// snapshot so the totals match the page.
func (s *Service) Queue(ctx context.Context, f QueueFilter) (*Queue, error) {
	return s.store.QueuePage(ctx, f)
}
