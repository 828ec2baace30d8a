package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/publish"
	"github.com/crier-bot/crier/internal/timeparse"
)

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// queueMax is how many posts /queue lists.
const queueMax = 25

func (r *Router) queueDef() Definition {
	return Definition{
		Name:     "queue",
		Usage:    "/queue",
		Summary:  "List the upcoming posts and the drafts, in your timezone.",
		Examples: []string{"/queue"},
		Handler:  r.queue,
	}
}

func (r *Router) queue(ctx context.Context, req Request) (Response, error) {
	posts, err := r.deps.Publisher.Upcoming(ctx, queueMax+1)
	if err != nil {
		return Response{}, err
	}
	if len(posts) == 0 {
		return Response{Text: "Nothing is scheduled. Try: /schedule tomorrow 9am Your text", Ephemeral: true}, nil
	}
	loc, now := r.location(req.User), r.deps.Clock.Now()
	more := len(posts) > queueMax
	if more {
		posts = posts[:queueMax]
	}
	var lines []string
	scheduled := 0
	for _, p := range posts {
		if p.Status == crier.PostDraft {
			lines = append(lines, fmt.Sprintf("#%d  draft  %s", p.ID, publish.Quote(p.Text, 60)))
			continue
		}
		scheduled++
		lines = append(lines, fmt.Sprintf("#%d  %s  %s  %s", p.ID, timeparse.Human(p.DueAt, loc, now), strings.Join(p.Targets, ", "), publish.Quote(p.Text, 60)))
		for _, dl := range p.Deliveries {
			if dl.Status == crier.DeliveryMaybe {
				lines = append(lines, fmt.Sprintf("    ❓ may or may not be on %s: check it, then /published #%d %s or /republish #%d %s", dl.Target, p.ID, dl.Target, p.ID, dl.Target))
			}
		}
	}
	if more {
		lines = append(lines, fmt.Sprintf("…and more; only the first %d are shown.", queueMax))
	}
	drafts := len(posts) - scheduled
	return Response{
		Text:      fmt.Sprintf("%d scheduled, %d %s:", scheduled, drafts, plural(drafts, "draft", "drafts")),
		Lines:     lines,
		Ephemeral: true,
	}, nil
}
