package commands

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/crier-bot/crier/internal/calendarcsv"
	"github.com/crier-bot/crier/internal/crier"
)

// maxImportBytes bounds a calendar file attached in chat.
const maxImportBytes = 1 << 20

func (r *Router) importDef() Definition {
	return Definition{
		Name:    "import",
		Usage:   "/import (a CSV file attached)",
		Summary: "Schedule a calendar from a CSV file attached to the command; every row is checked first, all or nothing.",
		Details: "Columns: date,time,timezone,networks,text,images,campaign and text:<network>, as crier export writes them. " +
			"In Discord attach the file to /import; in Slack upload it with the message \"crier import\".",
		Examples: []string{"/import"},
		Role:     crier.RoleScheduler,
		Handler:  r.importCalendar,
	}
}

// importCalendar schedules the rows of an attached calendar CSV: every row
// is checked first; one bad row and nothing is stored.
func (r *Router) importCalendar(ctx context.Context, req Request) (Response, error) {
	if len(req.Files) == 0 {
		return Response{}, crier.Errorf(crier.EINVALID, "Attach the calendar's CSV file to /import (in Slack, upload it with the message \"crier import\"); crier export writes one to start from.")
	}
	if len(req.Files) > 1 {
		return Response{}, crier.Errorf(crier.EINVALID, "Attach one CSV file at a time; %d came.", len(req.Files))
	}
	f := req.Files[0]
	if len(f.Data) > maxImportBytes {
		return Response{}, crier.Errorf(crier.EINVALID, "%s is larger than 1 MB; split it, or import it with crier import on the server.", f.Name)
	}
	if !calendarcsv.IsCalendar(f.Data) {
		return Response{}, crier.Errorf(crier.EINVALID, "%s is not a calendar: its first line must name the columns date,time,timezone,networks,text (crier export writes one).", f.Name)
	}
	loc, now := r.location(req.User), r.deps.Clock.Now()
	posts, bad, err := calendarcsv.Read(ctx, bytes.NewReader(f.Data), calendarcsv.Options{
		Now: now, Location: loc, Networks: r.deps.Publisher.Targets(), Campaigns: r.deps.KPIs,
		Check: func(p *crier.Post) error { return r.deps.Publisher.CheckImported(ctx, p) },
	})
	if err != nil {
		return Response{}, err
	}
	if len(bad) > 0 {
		resp := Response{Text: fmt.Sprintf("✗ Nothing was imported: %d %s of %s %s wrong. Fix %s and attach the file again:",
			len(bad), plural(len(bad), "row", "rows"), f.Name, plural(len(bad), "is", "are"), plural(len(bad), "it", "them")), Error: true, Ephemeral: true}
		for _, e := range bad {
			resp.Lines = append(resp.Lines, e.Error())
		}
		return resp, nil
	}
	if len(posts) == 0 {
		return Response{}, crier.Errorf(crier.EINVALID, "%s has no rows under its header; nothing to import.", f.Name)
	}
	for _, p := range posts {
		p.AuthorID, p.AuthorName, p.Origin = req.User.ID, req.User.Name, req.Channel
	}
	// All or nothing: one transaction.
	if err := r.deps.Publisher.ScheduleAll(ctx, posts); err != nil {
		if crier.ErrorCode(err) != crier.EINTERNAL {
			return Response{}, err
		}
		r.deps.Logger.Error("import a calendar", slog.String("file", f.Name), slog.String("user_id", req.User.ID), slog.Any("error", err))
		return Response{}, crier.Errorf(crier.EUNAVAIL, "crier could not save the posts of %s, so nothing was imported; attach the file again in a minute, or tell whoever runs crier if it happens again.", f.Name)
	}
	ids := make([]string, len(posts))
	for i, p := range posts {
		ids[i] = fmt.Sprintf("#%d", p.ID)
	}
	return Response{Text: fmt.Sprintf("✓ Imported %d %s from %s (%s). /calendar shows them.", len(posts), plural(len(posts), "post", "posts"), f.Name, strings.Join(ids, ", "))}, nil
}
