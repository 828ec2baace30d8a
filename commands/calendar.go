package commands

import (
	"context"
	"strings"

	"github.com/crier-bot/crier/internal/crier"
)

// The content calendar (issue 10).

func (r *Router) calendarDef() Definition {
	return Definition{
		Name:     "calendar",
		Usage:    "/calendar [week|month]",
		Summary:  "The plan day by day in your timezone; /calendar link gives a feed for your calendar app.",
		Examples: []string{"/calendar", "/calendar month", "/calendar link"},
		Handler:  r.calendar,
	}
}

func (r *Router) calendar(ctx context.Context, req Request) (Response, error) {
	verb, rest, _ := strings.Cut(strings.TrimSpace(req.Text), " ")
	switch strings.ToLower(verb) {
	case "link", "revoke":
		return r.calendarLink(ctx, req, strings.ToLower(verb), strings.TrimSpace(rest))
	}
	return r.calendarView(ctx, req)
}

// calendarView shows the plan (issue 10).
func (r *Router) calendarView(context.Context, Request) (Response, error) {
	return Response{}, crier.Errorf(crier.EINVALID, "The calendar is not ready yet; /queue lists what is scheduled.")
}
