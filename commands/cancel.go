package commands

import (
	"context"
	"fmt"

	"github.com/crier-bot/crier/internal/crier"
)

func (r *Router) cancelDef() Definition {
	return Definition{
		Name:     "cancel",
		Usage:    "/cancel #id",
		Summary:  "Cancel a scheduled post or a draft before it goes out.",
		Examples: []string{"/cancel #2"},
		Role:     crier.RoleScheduler,
		Handler:  r.cancel,
	}
}

func (r *Router) cancel(ctx context.Context, req Request) (Response, error) {
	id, rest, err := postID(req.Text, "/cancel #2")
	if err != nil {
		return Response{}, err
	}
	if rest != "" {
		return Response{}, crier.Errorf(crier.EINVALID, "/cancel takes only the post's number, like: /cancel #%d", id)
	}
	p, err := r.deps.Publisher.Cancel(ctx, id)
	if err != nil {
		return Response{}, refusal(err, "cancelled")
	}
	// No confirmation was asked in the shell: say how to have it back.
	return Response{Text: fmt.Sprintf("✓ Post #%d cancelled; it will not be published. To schedule it again, type /schedule <when> and its text:", p.ID),
		Lines: []string{crier.Quote(p.Text, 0)}}, nil
}
