package crier

import (
	"context"
	"time"
)

// ConversationStatus is where a conversation with a customer stands, as in
// Hootsuite's Inbox: open (the team owes an answer), waiting (the team
// answered; the customer has not written since), handled (closed by hand).
type ConversationStatus string

// The conversation statuses.
const (
	ConversationOpen    ConversationStatus = "open"
	ConversationWaiting ConversationStatus = "waiting"
	ConversationHandled ConversationStatus = "handled"
)

// Conversation is every comment under one post on one network (or, for a
// mention of no post crier published, one thread of its own), with its chat
// thread.
type Conversation struct {
	ID           int64
	Network      string
	RootRemoteID string // the network post it hangs on
	PostID       int64  // crier's post, 0 when the root is not one of crier's
	PostText     string // crier's post's text, "" when PostID is 0
	PostURL      string // the post on the network, when known
	Status       ConversationStatus
	AssigneeID   string
	AssigneeName string
	// Thread is the chat message whose thread holds the conversation; zero
	// until crier has posted it.
	Thread          MessageRef
	OpenedAt        time.Time // the first comment
	LastCustomerAt  time.Time // the latest comment
	FirstResponseAt time.Time // the team's first reply published; zero before
	Comments        int
}

// StoredComment is a comment as crier keeps it: in a conversation, scored,
// and relayed to chat.
type StoredComment struct {
	Comment
	ID             int64
	ConversationID int64
	Sentiment      string     // "positive", "neutral", "negative"
	Message        MessageRef // the relayed chat message; zero until relayed
}

// Reply is a teammate's answer to a comment, published on the comment's
// network exactly once.
type Reply struct {
	ID             int64
	ConversationID int64
	CommentID      int64 // the comment it answers
	Network        string
	Text           string
	AuthorID       string // the chat user who wrote it
	AuthorName     string
	IdempotencyKey string
	Status         DeliveryStatus // pending, publishing, published, failed, maybe
	Attempts       int
	RemoteID       string
	URL            string
	LastError      string
	UnclearAt      time.Time
	NextAt         time.Time
	// Asked is the chat message the teammate typed (marked ✅ once
	// published); its Thread is where errors are answered.
	Asked     MessageRef
	CreatedAt time.Time
}

// ReplyEnd is how one attempt to publish a reply ended.
type ReplyEnd struct {
	ID       int64
	Status   DeliveryStatus // published; pending (retry at NextAt); failed, maybe (final)
	Result   PublishResult
	Reason   string
	Unclear  bool
	NextAt   time.Time
	Released bool // claimed, never attempted: pending again as before
}

// CommentClaim is a comment to relay to chat, with its conversation.
type CommentClaim struct {
	Comment      StoredComment
	Conversation Conversation
	// TriedSince is when the first attempt to relay the comment began,
	// when this is not the first: that attempt may have posted the message
	// (a crash, a timeout), so the relay looks for it before posting.
	// Zero on the first attempt.
	TriedSince time.Time
	// StartedAt is when the first attempt began (this one, on the first):
	// the message is rendered as of then on every attempt, so one looked
	// for reads as the one posted.
	StartedAt time.Time
}

// ReplyClaim is a reply to publish, with the comment it answers.
type ReplyClaim struct {
	Reply   Reply
	Comment StoredComment
}

// ChoiceLife is how long a comment chosen with its Reply button waits for
// the answer: after it, a message in the thread answers the latest comment
// again.
const ChoiceLife = 15 * time.Minute

// InboxFilter selects conversations for /inbox.
type InboxFilter struct {
	Statuses []ConversationStatus // none: open and waiting
	Limit    int
}

// InboxStore keeps comments, conversations and replies. Each method is one
// transaction of the store's own. Comments and replies are queues, as
// deliveries are: a comment is due to be relayed once stored, a reply once
// typed.
type InboxStore interface {
	// AddComments stores the comments read from network (each once: a
	// comment already stored is skipped), files each in its conversation
	// (opened when it is the first, reopened when it was waiting or
	// handled), and saves the network's new cursor, all in one transaction;
	// it returns the comments stored now. score gives each new comment's
	// sentiment.
	AddComments(ctx context.Context, network string, cs []Comment, cursor string, score func(Comment) string) ([]StoredComment, error)
	// NegativeSince returns when each negative comment stored since then
	// was stored, oldest first: the crisis alarm's memory across restarts.
	NegativeSince(ctx context.Context, since time.Time) ([]time.Time, error)
	// InboxCursor returns the cursor saved for network ("" for none).
	InboxCursor(ctx context.Context, network string) (string, error)

	// NextComment returns when the earliest comment not yet relayed was
	// stored (ok false: none waits).
	NextComment(ctx context.Context) (time.Time, bool, error)
	// ClaimComments takes up to n comments not yet relayed, oldest first.
	ClaimComments(ctx context.Context, n int) ([]CommentClaim, error)
	// RecoverComments gives back comments a crash left claimed.
	RecoverComments(ctx context.Context) (int, error)
	// CommentRelayed records the chat message a comment was relayed as (and
	// the conversation's thread, when this opened it); failed gives the
	// comment back to be relayed at retryAt.
	CommentRelayed(ctx context.Context, id int64, thread, msg MessageRef, retryAt time.Time, failed bool) error

	// OpenConversation returns the conversation under root on network,
	// opening it (with no comment yet) when there is none: crier opens one
	// for each post it publishes. postID is crier's post, 0 for none.
	OpenConversation(ctx context.Context, network, root string, postID int64) (*Conversation, error)
	// StartThread records that crier is about to post the message that
	// opens conversation id's thread, and returns when an earlier attempt
	// began (zero when none did): that attempt may have posted it.
	StartThread(ctx context.Context, id int64) (triedSince time.Time, err error)
	// SetThread records the chat thread of conversation id, unless it has
	// one already; the conversation comes back with its thread.
	SetThread(ctx context.Context, id int64, thread MessageRef) (*Conversation, error)
	// PostThread returns the thread another conversation of post postID
	// already has in channel ch (ok false: none), so that comments from
	// every network on one post share one thread.
	PostThread(ctx context.Context, postID int64, ch ChannelRef) (thread MessageRef, ok bool, err error)
	// ConversationByThread returns the conversation in ch's thread
	// (ch.Thread) with the latest comment, and that comment; ENOTFOUND when
	// crier started no such thread.
	ConversationByThread(ctx context.Context, ch ChannelRef) (*Conversation, *StoredComment, error)
	// Conversation returns conversation id with its latest comment.
	Conversation(ctx context.Context, id int64) (*Conversation, *StoredComment, error)
	// ConversationComments returns the latest limit comments of
	// conversation id, oldest first.
	ConversationComments(ctx context.Context, id int64, limit int) ([]StoredComment, error)
	// Comment returns comment id.
	Comment(ctx context.Context, id int64) (*StoredComment, error)
	// Conversations lists conversations by f, oldest waiting first.
	Conversations(ctx context.Context, f InboxFilter) ([]Conversation, error)
	// Assign gives conversation id to a teammate ("" takes it back).
	Assign(ctx context.Context, id int64, userID, userName string) (*Conversation, error)
	// MarkHandled closes conversation id until the customer writes again.
	MarkHandled(ctx context.Context, id int64) (*Conversation, error)

	// ChooseComment records that a teammate's next message in the thread
	// of comment id's conversation answers that comment; ChosenComment
	// returns (and forgets) the choice, nil when there is none.
	// The comment must be in conversation conversationID and that
	// conversation must have a thread (ENOTFOUND otherwise); a choice is
	// forgotten after ChoiceLife.
	ChooseComment(ctx context.Context, platform, userID string, conversationID, id int64) (*StoredComment, *Conversation, error)
	ChosenComment(ctx context.Context, platform, userID string, thread MessageRef) (*StoredComment, error)
	// AddReply stores a reply to a comment, due now, with its idempotency
	// key (key gets the reply's id).
	AddReply(ctx context.Context, r *Reply, key func(id int64) string) error
	// NextReply returns when the earliest pending reply is due.
	NextReply(ctx context.Context) (time.Time, bool, error)
	// ClaimReplies takes up to n pending replies due at or before now.
	ClaimReplies(ctx context.Context, now time.Time, n int) ([]ReplyClaim, error)
	// RecoverReplies makes replies a crash left publishing pending and
	// unclear since their attempt.
	RecoverReplies(ctx context.Context) (int, error)
	// EndReplies records how attempts ended; a published reply moves its
	// conversation to waiting and sets its first response time.
	EndReplies(ctx context.Context, ends []ReplyEnd) error
}
