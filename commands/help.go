package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/crier-bot/crier/internal/crier"
)

func (r *Router) helpDef() Definition {
	return Definition{
		Name:     "help",
		Usage:    "/help [command]",
		Summary:  "Show what crier can do, or how to use one command.",
		Examples: []string{"/help", "/help schedule"},
		Handler:  r.help,
	}
}

func (r *Router) help(_ context.Context, req Request) (Response, error) {
	name := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(req.Text)), "/")
	if name == "" {
		lines := make([]string, 0, len(r.defs)+1)
		width := 0
		for _, d := range r.defs {
			width = max(width, len(d.Usage))
		}
		for _, d := range r.defs {
			lines = append(lines, fmt.Sprintf("%-*s  %s", width, d.Usage, d.Summary))
		}
		lines = append(lines, fmt.Sprintf("Type %s <command> for examples, like %s schedule.", req.help(), req.help()))
		return Response{Text: "crier schedules posts from chat. Commands:", Lines: lines, Ephemeral: true}, nil
	}
	i, ok := r.byName[name]
	if !ok {
		return Response{}, crier.Errorf(crier.EINVALID, "There is no /%s command. Type %s to see them all.", name, req.help())
	}
	d := r.defs[i]
	lines := []string{d.Summary}
	if d.Details != "" {
		lines = append(lines, d.Details)
	}
	switch {
	case d.Role != "":
		lines = append(lines, fmt.Sprintf("Needs the %s role.", d.Role))
	case d.Composes && r.deps.Approvals.On:
		lines = append(lines, "Needs the scheduler role, or the drafter role (an approver then says yes).")
	case d.Composes:
		lines = append(lines, "Needs the scheduler role.")
	}
	lines = append(lines, "Examples:")
	for _, e := range d.Examples {
		lines = append(lines, "  "+e)
	}
	return Response{Text: d.Usage, Lines: lines, Ephemeral: true}, nil
}
