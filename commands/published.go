package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/crier-bot/crier/internal/crier"
)

func (r *Router) publishedDef() Definition {
	return Definition{
		Name:    "published",
		Usage:   "/published #id <network>",
		Summary: "Say that a post crier was unsure about is on the network.",
		Details: "When crier cannot tell whether a post went out (the network did not answer), it asks in the channel " +
			"instead of risking a second copy. Check the network; if the post is there, say so with this command " +
			"(or the \"It is published\" button).",
		Examples: []string{"/published #12 mastodon"},
		Role:     crier.RoleScheduler,
		Handler:  r.resolver(true),
	}
}

func (r *Router) republishDef() Definition {
	return Definition{
		Name:     "republish",
		Usage:    "/republish #id <network>",
		Summary:  "Publish again a post crier was unsure about, once you checked it is not there.",
		Details:  "Use it only after checking the network: if the first attempt did go out, this makes a second copy.",
		Examples: []string{"/republish #12 mastodon"},
		Role:     crier.RoleScheduler,
		Handler:  r.resolver(false),
	}
}

func (r *Router) resolver(published bool) Handler {
	name := "republish"
	if published {
		name = "published"
	}
	return func(ctx context.Context, req Request) (Response, error) {
		usage := fmt.Sprintf("/%s #12 mastodon", name)
		id, target, err := postID(req.Text, usage)
		if err != nil {
			return Response{}, err
		}
		if target == "" || strings.ContainsAny(target, " \t") {
			return Response{}, crier.Errorf(crier.EINVALID, "Name one network after the number, like: /%s #%d %s", name, id, firstTarget(r))
		}
		p, err := r.deps.Publisher.Resolve(ctx, id, target, published)
		if err != nil {
			return Response{}, refusal(err, "decided")
		}
		if published {
			return Response{Text: fmt.Sprintf("✓ Noted: post #%d is on %s (marked by %s).", p.ID, target, req.User.Name), Lines: []string{crier.Quote(p.Text, 80)}}, nil
		}
		return Response{Text: fmt.Sprintf("✓ Post #%d will be published to %s again now (asked by %s).", p.ID, target, req.User.Name), Lines: []string{crier.Quote(p.Text, 80)}}, nil
	}
}

func firstTarget(r *Router) string {
	if t := r.deps.Publisher.Targets(); len(t) > 0 {
		return t[0]
	}
	return "mastodon"
}
