// Package slots suggests posting slots from crier's own numbers: the
// weekdays and hours at which the team's published posts got the most
// engagement per follower, per network.
package slots

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/crier-bot/crier/internal/crier"
)

// Defaults of Options.
const (
	DefaultWindow   = 90 * 24 * time.Hour
	DefaultMinPosts = 3
	DefaultTop      = 5
)

// Options say what a suggestion is based on.
type Options struct {
	Location *time.Location // the weekdays and hours are this zone's (nil: UTC)
	Window   time.Duration  // how far back posts count; 0: DefaultWindow
	MinPosts int            // the fewest posts an hour needs to be suggested; 0: DefaultMinPosts
	Top      int            // how many hours to suggest; 0: DefaultTop
}

// Hour is one network's posts published at one weekday and hour.
type Hour struct {
	Network string
	Weekday time.Weekday
	Hour    int
	Posts   int     // how many posts the number is based on
	PerK    float64 // their average engagement per 1,000 followers
}

// Suggestions are the best hours to post, best first.
type Suggestions struct {
	Best     []Hour
	Measured int       // posts with counts and a follower number, in the window
	MinPosts int       // the fewest posts an hour needed
	Since    time.Time // the window's start
}

// Suggest reads the posts published in the window before now and their
// networks' followers at the time, and returns the hours with at least
// MinPosts posts whose engagement per follower was highest. A post counts
// when its counts were read and its network had followers before it went
// out.
func Suggest(ctx context.Context, store crier.KPIStore, now time.Time, o Options) (Suggestions, error) {
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Window <= 0 {
		o.Window = DefaultWindow
	}
	if o.MinPosts <= 0 {
		o.MinPosts = DefaultMinPosts
	}
	if o.Top <= 0 {
		o.Top = DefaultTop
	}
	s := Suggestions{MinPosts: o.MinPosts, Since: now.Add(-o.Window)}
	posts, err := store.Published(ctx, s.Since, now)
	if err != nil {
		return Suggestions{}, fmt.Errorf("suggest slots: %w", err)
	}
	byNetwork := map[string][]crier.PublishedPost{}
	var networks []string
	for _, p := range posts {
		if !p.Measured {
			continue
		}
		if _, ok := byNetwork[p.Network]; !ok {
			networks = append(networks, p.Network)
		}
		byNetwork[p.Network] = append(byNetwork[p.Network], p)
	}
	type key struct {
		network string
		weekday time.Weekday
		hour    int
	}
	sums := map[key]*Hour{}
	for _, network := range networks {
		ps := byNetwork[network]
		ends := make([]time.Time, len(ps))
		for i, p := range ps {
			ends[i] = p.PublishedAt
		}
		followers, err := store.Gauge(ctx, "followers", network, ends)
		if err != nil {
			return Suggestions{}, fmt.Errorf("suggest slots: %w", err)
		}
		for i, p := range ps {
			if i >= len(followers) || !followers[i].OK || followers[i].Value <= 0 {
				continue
			}
			s.Measured++
			at := p.PublishedAt.In(o.Location)
			k := key{network, at.Weekday(), at.Hour()}
			h := sums[k]
			if h == nil {
				h = &Hour{Network: network, Weekday: k.weekday, Hour: k.hour}
				sums[k] = h
			}
			h.Posts++
			h.PerK += float64(p.Engagement()) / followers[i].Value * 1000
		}
	}
	for _, h := range sums {
		if h.Posts < o.MinPosts {
			continue
		}
		h.PerK /= float64(h.Posts)
		s.Best = append(s.Best, *h)
	}
	slices.SortFunc(s.Best, func(a, b Hour) int {
		return cmp.Or(cmp.Compare(b.PerK, a.PerK), cmp.Compare(b.Posts, a.Posts), cmp.Compare(a.Network, b.Network),
			cmp.Compare(a.Weekday, b.Weekday), cmp.Compare(a.Hour, b.Hour))
	})
	if len(s.Best) > o.Top {
		s.Best = s.Best[:o.Top]
	}
	return s, nil
}
