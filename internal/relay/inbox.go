package relay

import (
	"context"

	"github.com/crier-bot/crier/internal/crier"
)

// Conversations lists conversations for /inbox.
func (s *Service) Conversations(ctx context.Context, f crier.InboxFilter) ([]crier.Conversation, error) {
	return s.store.Conversations(ctx, f)
}

// Conversation returns conversation id with its latest comment.
func (s *Service) Conversation(ctx context.Context, id int64) (*crier.Conversation, *crier.StoredComment, error) {
	return s.store.Conversation(ctx, id)
}

// Assign gives conversation id to a teammate.
func (s *Service) Assign(ctx context.Context, id int64, userID, userName string) (*crier.Conversation, error) {
	return s.store.Assign(ctx, id, userID, userName)
}

// MarkHandled closes conversation id until the customer writes again.
func (s *Service) MarkHandled(ctx context.Context, id int64) (*crier.Conversation, error) {
	return s.store.MarkHandled(ctx, id)
}

// ConversationComments returns the latest limit comments of conversation id.
func (s *Service) ConversationComments(ctx context.Context, id int64, limit int) ([]crier.StoredComment, error) {
	return s.store.ConversationComments(ctx, id, limit)
}

// Choose makes userID's next message in the thread of comment id answer that
// comment (its Reply button).
func (s *Service) Choose(ctx context.Context, platform, userID string, conversationID, id int64) (*crier.StoredComment, *crier.Conversation, error) {
	return s.store.ChooseComment(ctx, platform, userID, conversationID, id)
}
