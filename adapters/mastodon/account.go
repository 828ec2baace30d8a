package mastodon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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

// statusIndexMax is how many ids GET /api/v1/statuses takes at once:
// Mastodon's DEFAULT_STATUSES_LIMIT (app/controllers/api/base_controller.rb);
// more is refused with a 422.
const statusIndexMax = 20

// PostStats reads each status's replies, boosts, favourites and quotes, 20
// statuses a request (GET /api/v1/statuses?id[]=…, Mastodon 4.3 and later);
// an instance without that endpoint is read one status at a time, and
// remembered as such until crier restarts. Statuses the instance no longer
// has (or no longer shows) are left out. On any failure, a 429 included,
// nothing is returned: what was read before it is read again on the next
// try.
func (n *Network) PostStats(ctx context.Context, remoteIDs []string) ([]crier.PostStats, error) {
	ids := make([]string, 0, len(remoteIDs))
	seen := make(map[string]bool, len(remoteIDs))
	for _, id := range remoteIDs {
		if id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	n.mu.Lock()
	old := n.noStatusIndex
	n.mu.Unlock()
	if !old && len(ids) > 0 {
		out, err := n.postStatsBatched(ctx, ids)
		if !errors.Is(err, errNoStatusIndex) {
			return out, err
		}
		n.mu.Lock()
		n.noStatusIndex = true
		n.mu.Unlock()
		n.log.Info("the instance has no GET /api/v1/statuses (Mastodon before 4.3): post counts are read one status at a time",
			slog.String(keyNetwork, n.name))
	}
	return n.postStatsOneByOne(ctx, ids)
}

// errNoStatusIndex says the instance answered GET /api/v1/statuses as a
// path it has no route for.
var errNoStatusIndex = errors.New("no GET /api/v1/statuses on the instance")

// postStatsBatched reads the counts with GET /api/v1/statuses?id[]=…, which
// leaves out statuses that are gone and answers in no particular order.
func (n *Network) postStatsBatched(ctx context.Context, ids []string) ([]crier.PostStats, error) {
	byID := make(map[string]crier.PostStats, len(ids))
	for start := 0; start < len(ids); start += statusIndexMax {
		batch := ids[start:min(start+statusIndexMax, len(ids))]
		var sts []statusJSON
		_, _, err := n.do(ctx, http.MethodGet, n.url("/api/v1/statuses?"+url.Values{"id[]": batch}.Encode()), nil, "", &sts)
		if err != nil {
			// Mastodon before 4.3 answers 404 (no route); other servers
			// may say 405 or 501. Only the first request can tell.
			if status, _, ok := statusOf(err); ok && start == 0 &&
				(status == http.StatusNotFound || status == http.StatusMethodNotAllowed || status == http.StatusNotImplemented) {
				return nil, fmt.Errorf("mastodon %s read post counts: %w: %w", n.name, errNoStatusIndex, err)
			}
			return nil, n.readFailed("read post counts", err)
		}
		for _, st := range sts {
			byID[st.ID] = postStats(st)
		}
	}
	out := make([]crier.PostStats, 0, len(byID))
	for _, id := range ids {
		if ps, ok := byID[id]; ok {
			ps.RemoteID = id
			out = append(out, ps)
		}
	}
	return out, nil
}

// postStatsOneByOne reads the counts with GET /api/v1/statuses/:id, which
// every Mastodon has.
func (n *Network) postStatsOneByOne(ctx context.Context, ids []string) ([]crier.PostStats, error) {
	out := make([]crier.PostStats, 0, len(ids))
	for _, id := range ids {
		var st statusJSON
		_, _, err := n.do(ctx, http.MethodGet, n.url("/api/v1/statuses/"+url.PathEscape(id)), nil, "", &st)
		if err != nil {
			if status, _, ok := statusOf(err); ok && (status == http.StatusNotFound || status == http.StatusGone) {
				continue
			}
			return nil, n.readFailed("read a post's counts", err)
		}
		ps := postStats(st)
		ps.RemoteID = id
		out = append(out, ps)
	}
	return out, nil
}

func postStats(st statusJSON) crier.PostStats {
	ps := crier.PostStats{RemoteID: st.ID, Replies: st.RepliesCount, Reposts: st.ReblogsCount, Likes: st.FavouritesCount}
	if st.QuotesCount != nil {
		ps.Quotes = *st.QuotesCount
	}
	return ps
}
