package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/crier-bot/crier/internal/crier"
)

func (r *Router) cancelDef() Definition {
	return Definition{
		Name:    "cancel",
		Usage:   "/cancel #id [only|series]",
		Summary: "Cancel a scheduled post or a draft before it goes out.",
		Details: "A drafter may cancel their own drafts and posts that wait for approval. " +
			"For a post of a recurring series, crier asks: \"only\" cancels that one, \"series\" cancels the whole series from now on (posts already out stay).",
		Examples: []string{"/cancel #2", "/cancel #12 only", "/cancel #12 series"},
		Composes: true,
		Handler:  r.cancel,
	}
}

func (r *Router) cancel(ctx context.Context, req Request) (Response, error) {
	id, rest, err := postID(req.Text, "/cancel #2")
	if err != nil {
		return Response{}, err
	}
	scope := strings.ToLower(rest)
	switch scope {
	case "", "only", "series":
	default:
		return Response{}, crier.Errorf(crier.EINVALID, "/cancel takes only the post's number, like: /cancel #%d", id)
	}
	if !req.User.Can(crier.RoleScheduler) {
		if !req.User.Can(crier.RoleDrafter) {
			return Response{}, crier.Errorf(crier.EFORBIDDEN, "You need the scheduler role to use /cancel. Ask whoever runs crier to add you under roles: in bot.yaml.")
		}
		own, err := r.deps.Publisher.Post(ctx, id)
		if err != nil {
			return Response{}, refusal(err, "cancelled")
		}
		if own.AuthorID != req.User.ID || (own.Status != crier.PostDraft && !own.Held()) {
			return Response{}, crier.Errorf(crier.EFORBIDDEN, "You can cancel your own drafts and posts waiting for approval; post #%d needs someone with the scheduler role.", id)
		}
	}
	// A post of a series: this one, or the whole series?
	if svc := r.seriesService(); svc != nil && scope != "only" {
		sr, _, err := svc.SeriesOf(ctx, id)
		if err != nil {
			return Response{}, refusal(err, "cancelled")
		}
		switch {
		case sr != nil && scope == "series":
			return r.cancelSeries(ctx, svc, id, sr)
		case sr != nil:
			p, err := r.deps.Publisher.Post(ctx, id)
			if err != nil {
				return Response{}, refusal(err, "cancelled")
			}
			if p.Status == crier.PostScheduled && sr.Status != crier.SeriesCanceled {
				return cancelAsk(p, sr), nil
			}
		}
	}
	if scope == "series" {
		return Response{}, crier.Errorf(crier.EINVALID, "Post #%d is not part of a series. To cancel it, type /cancel #%d", id, id)
	}
	p, err := r.deps.Publisher.Cancel(ctx, id)
	if err != nil {
		return Response{}, refusal(err, "cancelled")
	}
	// No confirmation was asked in the shell: say how to have it back.
	return Response{Text: fmt.Sprintf("✓ Post #%d cancelled; it will not be published. To schedule it again, type /schedule <when> and its text:", p.ID),
		Lines: []string{crier.Quote(p.Text, 0)}}, nil
}
