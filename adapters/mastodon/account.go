package mastodon

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/crier-bot/crier/internal/crier"
)

// Verify logs in (GET /api/v1/accounts/verify_credentials), reads the
// instance's limits and says who crier posts as.
func (n *Network) Verify(ctx context.Context) (crier.Account, error) {
	acc, err := n.api.GetAccountCurrentUser(ctx)
	if err != nil {
		return crier.Account{}, n.readFailed("verify the access token", err)
	}
	n.mu.Lock()
	n.selfAcct = acc.Acct
	n.mu.Unlock()
	var problems []string
	if err := n.Refresh(ctx); err != nil {
		maxChars, _, _ := n.limits()
		problems = append(problems, fmt.Sprintf("crier could not read the instance's limits (%s); it counts %d characters until it can.",
			crier.ErrorMessage(err), maxChars))
	}
	if acc.Locked {
		problems = append(problems, fmt.Sprintf(
			"The account is locked, so every new follower needs approval; turn off \"Require follow requests\" in Preferences on %s if that is not intended.", n.host()))
	}
	if acc.Moved != nil && acc.Moved.Acct != "" {
		problems = append(problems, fmt.Sprintf("The account has moved to @%s; crier still posts to the old one. Put a token of the new account in bot.yaml.", acc.Moved.Acct))
	}
	maxChars, urlLength, maxMedia := n.limits()
	n.mu.Lock()
	domain := n.domain
	n.mu.Unlock()
	images := "images"
	if maxMedia == 1 {
		images = "image"
	}
	return crier.Account{
		Name:     "@" + acc.Username + "@" + domain,
		URL:      acc.URL,
		Limits:   fmt.Sprintf("%d characters (links count as %d), %d %s", maxChars, urlLength, maxMedia, images),
		Problems: problems,
	}, nil
}

// AccountStats reads the account's follower, following and status counts.
func (n *Network) AccountStats(ctx context.Context) (crier.AccountStats, error) {
	acc, err := n.api.GetAccountCurrentUser(ctx)
	if err != nil {
		return crier.AccountStats{}, n.readFailed("read the account's counts", err)
	}
	return crier.AccountStats{
		Followers: int(acc.FollowersCount), Following: int(acc.FollowingCount), Posts: int(acc.StatusesCount),
	}, nil
}

// PostStats reads each status's replies, boosts, favourites and quotes;
// statuses the instance no longer has are left out.
func (n *Network) PostStats(ctx context.Context, remoteIDs []string) ([]crier.PostStats, error) {
	out := make([]crier.PostStats, 0, len(remoteIDs))
	for _, id := range remoteIDs {
		if id == "" {
			continue
		}
		var st statusJSON
		_, _, err := n.do(ctx, http.MethodGet, n.url("/api/v1/statuses/"+url.PathEscape(id)), nil, "", &st)
		if err != nil {
			if status, _, ok := statusOf(err); ok && (status == http.StatusNotFound || status == http.StatusGone) {
				continue
			}
			return nil, n.readFailed("read a post's counts", err)
		}
		ps := crier.PostStats{RemoteID: id, Replies: st.RepliesCount, Reposts: st.ReblogsCount, Likes: st.FavouritesCount}
		if st.QuotesCount != nil {
			ps.Quotes = *st.QuotesCount
		}
		out = append(out, ps)
	}
	return out, nil
}
