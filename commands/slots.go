package commands

import (
	"context"

	"github.com/crier-bot/crier/internal/crier"
)

// Posting slots (issue 10).

func (r *Router) slotsDef() Definition {
	return Definition{
		Name:     "slots",
		Usage:    "/slots [suggest]",
		Summary:  "The posting slots of the week, which are free, and suggestions from your numbers.",
		Examples: []string{"/slots", "/slots suggest"},
		Handler:  r.slots,
	}
}

func (r *Router) slots(context.Context, Request) (Response, error) {
	return Response{}, crier.Errorf(crier.EINVALID, "Posting slots are not ready yet.")
}

// scheduleNext schedules a post in the next free slot: /schedule next <text>.
func (r *Router) scheduleNext(context.Context, Request, string) (Response, error) {
	return Response{}, crier.Errorf(crier.EINVALID, "Posting slots are not ready yet; say when, like: /schedule tomorrow 9am <text>")
}
