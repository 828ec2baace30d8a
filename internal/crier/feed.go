package crier

import "context"

// MaxFeedTokens is how many calendar feed addresses one person may hold at
// once (a phone, a laptop, a shared team calendar, …); /calendar revoke
// stops them all.
const MaxFeedTokens = 5

// FeedStore keeps the tokens of people's calendar feeds (GET
// /calendar.ics?token=…, made with /calendar link). It stores only a
// SHA-256 of each token, never the token: a copy of the database opens no
// feed.
type FeedStore interface {
	// CreateFeedToken makes a new random token for the person and returns
	// it; it is refused (ECONFLICT) when the person already holds
	// MaxFeedTokens.
	CreateFeedToken(ctx context.Context, platform, userID, userName string) (string, error)
	// RevokeFeedTokens forgets every token of the person and says how
	// many there were.
	RevokeFeedTokens(ctx context.Context, platform, userID string) (int, error)
	// RevokeAllFeedTokens forgets every token of everyone (an admin's
	// /calendar revoke everyone, when someone left the team) and says how
	// many there were.
	RevokeAllFeedTokens(ctx context.Context) (int, error)
	// FeedUser finds whose token it is; ok is false for a token that is
	// wrong, revoked or empty, alike.
	FeedUser(ctx context.Context, token string) (platform, userID string, ok bool, err error)
}
