package commands

import (
	"context"
	"fmt"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/timeparse"
)

func (r *Router) rescheduleDef() Definition {
	return Definition{
		Name:     "reschedule",
		Usage:    "/reschedule #id <when>",
		Summary:  "Move a scheduled post to another time; \"now\" publishes it at once.",
		Examples: []string{"/reschedule #1 in 2 minutes", "/reschedule #1 friday 10am", "/reschedule #1 now"},
		Role:     crier.RoleScheduler,
		Handler:  r.reschedule,
	}
}

func (r *Router) reschedule(ctx context.Context, req Request) (Response, error) {
	id, phrase, err := postID(req.Text, "/reschedule #1 tomorrow 10am")
	if err != nil {
		return Response{}, err
	}
	if phrase == "" {
		return Response{}, crier.Errorf(crier.EINVALID, "Say when, like: /reschedule #%d tomorrow 10am", id)
	}
	loc, now := r.location(req.User), r.deps.Clock.Now()
	due, err := r.deps.Times.Parse(phrase, loc, now)
	if err != nil {
		return Response{}, err
	}
	p, err := r.deps.Publisher.Reschedule(ctx, id, due)
	if err != nil {
		return Response{}, refusal(err, "rescheduled")
	}
	text := fmt.Sprintf("✓ Post #%d moved to %s.", p.ID, timeparse.Human(p.DueAt, loc, now))
	switch {
	case p.Held():
		text = fmt.Sprintf("✓ Post #%d moved to %s; it still waits for approval and goes out only once approved.", p.ID, timeparse.Human(p.DueAt, loc, now))
	case !p.DueAt.After(now):
		text = fmt.Sprintf("✓ Post #%d goes out now.", p.ID)
	}
	return Response{Text: text, Lines: []string{crier.Quote(p.Text, 80)}, Buttons: postButtons(p.ID)}, nil
}
