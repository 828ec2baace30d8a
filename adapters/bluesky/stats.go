package bluesky

import (
	"context"
	"net/url"
	"strings"

	"github.com/crier-bot/crier/internal/crier"
)

// getPostsMax is how many URIs app.bsky.feed.getPosts takes per call.
const getPostsMax = 25

type profileView struct {
	DID            string `json:"did"`
	Handle         string `json:"handle"`
	DisplayName    string `json:"displayName"`
	FollowersCount int    `json:"followersCount"`
	FollowsCount   int    `json:"followsCount"`
	PostsCount     int    `json:"postsCount"`
}

func (n *Network) profile(ctx context.Context) (session, profileView, error) {
	s, err := n.session(ctx)
	if err != nil {
		return session{}, profileView{}, n.explain("login", err)
	}
	var p profileView
	err = n.xrpc(ctx, call{nsid: "app.bsky.actor.getProfile", query: url.Values{"actor": {s.DID}}, appView: true}, &p)
	if err != nil {
		return session{}, profileView{}, n.explain("read profile", err)
	}
	return s, p, nil
}

// Verify logs in (or reuses the stored session) and says who crier posts
// as.
func (n *Network) Verify(ctx context.Context) (crier.Account, error) {
	s, p, err := n.profile(ctx)
	if err != nil {
		return crier.Account{}, err
	}
	handle := p.Handle
	if handle == "" {
		handle = s.Handle
	}
	acc := crier.Account{
		Name:   handle,
		URL:    "https://bsky.app/profile/" + handle,
		Limits: "300 graphemes and 3000 bytes, 4 images up to 1 MB each",
	}
	if handle == "handle.invalid" {
		acc.Problems = append(acc.Problems, "Bluesky cannot verify the account's handle (it shows as handle.invalid); check its domain's DNS record or well-known file.")
	}
	return acc, nil
}

// AccountStats returns the account's followers, follows and posts.
func (n *Network) AccountStats(ctx context.Context) (crier.AccountStats, error) {
	_, p, err := n.profile(ctx)
	if err != nil {
		return crier.AccountStats{}, err
	}
	return crier.AccountStats{Followers: p.FollowersCount, Following: p.FollowsCount, Posts: p.PostsCount}, nil
}

// PostStats returns the counts of the given posts (at:// URIs), 25 per
// call; posts Bluesky no longer has are left out.
func (n *Network) PostStats(ctx context.Context, remoteIDs []string) ([]crier.PostStats, error) {
	var uris []string
	for _, id := range remoteIDs {
		if strings.HasPrefix(id, "at://") {
			uris = append(uris, id)
		}
	}
	var out []crier.PostStats
	for start := 0; start < len(uris); start += getPostsMax {
		batch := uris[start:min(start+getPostsMax, len(uris))]
		var res struct {
			Posts []postView `json:"posts"`
		}
		err := n.xrpc(ctx, call{nsid: "app.bsky.feed.getPosts", query: url.Values{"uris": batch}, appView: true}, &res)
		if err != nil {
			return nil, n.explain("read post counts", err)
		}
		for _, p := range res.Posts {
			out = append(out, crier.PostStats{RemoteID: p.URI, Replies: p.ReplyCount, Reposts: p.RepostCount, Likes: p.LikeCount, Quotes: p.QuoteCount})
		}
	}
	return out, nil
}
