package commands

import (
	"context"

	"github.com/crier-bot/crier/internal/crier"
)

// calendarLink makes (verb "link") or revokes (verb "revoke") the person's
// calendar feed address (issue 10).
func (r *Router) calendarLink(context.Context, Request, string, string) (Response, error) {
	return Response{}, crier.Errorf(crier.EINVALID, "Calendar feeds are not ready yet.")
}
