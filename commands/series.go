package commands

import (
	"context"

	"github.com/crier-bot/crier/internal/crier"
)

// Recurring posts (issue 10).

// scheduleEvery schedules a recurring post: /schedule every monday 9am <text>.
func (r *Router) scheduleEvery(context.Context, Request, string) (Response, error) {
	return Response{}, crier.Errorf(crier.EINVALID, "Recurring posts are not ready yet; schedule each one, like: /schedule monday 9am <text>")
}
