package commands

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/series"
	"github.com/crier-bot/crier/internal/timeparse"
)

// Evergreen posts (issue 10): /evergreen #12 marks a post, and
// "/schedule every 3 weeks from queue evergreen" re-posts the marked ones
// in turn.

func (r *Router) evergreenDef() Definition {
	return Definition{
		Name:    "evergreen",
		Usage:   "/evergreen [#id [off]]",
		Summary: "Mark posts evergreen, to be re-posted in turn by /schedule every … from queue evergreen.",
		Details: "/evergreen #12 marks post #12 (published, scheduled or a draft); /evergreen #12 off unmarks it; /evergreen lists them, the next to be re-posted first. " +
			"/schedule every 3 weeks on monday 9am from queue evergreen (or: a cada 3 semanas da fila evergreen) makes a series whose every post copies the evergreen post re-posted longest ago: its text, networks, pictures and campaign.",
		Examples: []string{"/evergreen #12", "/evergreen #12 off", "/evergreen", "/schedule every 3 weeks on monday 9am from queue evergreen"},
		Role:     crier.RoleScheduler,
		Handler:  r.evergreen,
	}
}

// evergreenUsage is what to type, for refusals.
const evergreenUsage = "Type /evergreen #12 to mark post #12, /evergreen #12 off to unmark it, or /evergreen to list them."

func (r *Router) evergreen(ctx context.Context, req Request) (Response, error) {
	svc := r.seriesService()
	if svc == nil {
		return Response{}, crier.Errorf(crier.EINVALID, "Evergreen posts need crier's store; schedule each re-post yourself, like: /schedule monday 9am <text>")
	}
	if strings.TrimSpace(req.Text) == "" {
		return r.evergreenList(ctx, svc, req)
	}
	id, rest, err := postID(req.Text, "/evergreen #12")
	if err != nil {
		return Response{}, err
	}
	switch strings.ToLower(rest) {
	case "", "on":
		if _, err := svc.MarkEvergreen(ctx, id, true, req.User.ID); err != nil {
			return Response{}, refusal(err, "marked evergreen")
		}
		return Response{Text: fmt.Sprintf("✓ Post #%d is evergreen: evergreen series re-post it in turn. /evergreen lists them; /evergreen #%d off unmarks it.", id, id)}, nil
	case "off":
		if _, err := svc.MarkEvergreen(ctx, id, false, req.User.ID); err != nil {
			return Response{}, refusal(err, "unmarked")
		}
		return Response{Text: fmt.Sprintf("✓ Post #%d is no longer evergreen; re-posts of it already scheduled stay (/queue lists them).", id)}, nil
	}
	return Response{}, crier.Errorf(crier.EINVALID, evergreenUsage)
}

// evergreenList lists the evergreen posts in rotation order.
func (r *Router) evergreenList(ctx context.Context, svc *series.Service, req Request) (Response, error) {
	all, err := svc.Evergreen(ctx)
	if err != nil {
		return Response{}, err
	}
	if len(all) == 0 {
		return Response{Text: "No evergreen posts yet. Mark one with /evergreen #12; /schedule every 3 weeks from queue evergreen then re-posts them in turn.", Ephemeral: true}, nil
	}
	loc, now := r.location(req.User), r.deps.Clock.Now()
	resp := Response{Text: fmt.Sprintf("%d evergreen %s, the next to be re-posted first:", len(all), plural(len(all), "post", "posts")), Ephemeral: true}
	for _, e := range all {
		when := "not re-posted yet"
		if e.Reposts > 0 {
			when = fmt.Sprintf("re-posted %d %s, last %s (#%d)", e.Reposts, plural(e.Reposts, "time", "times"),
				timeparse.Stamp(e.LastRepostAt, loc, now), e.LastRepostID)
		}
		if why := e.Skipped(); why != "" {
			when += ", skipped: " + why
		}
		resp.Lines = append(resp.Lines, fmt.Sprintf("#%d  %s  %s  %s", e.Post.ID, when, strings.Join(e.Post.Targets, ", "), crier.Quote(e.Post.Text, 60)))
	}
	return resp, nil
}

// fromEvergreen reports whether the text after a recurrence names the
// evergreen posts as what to post: "from queue evergreen", "from the
// evergreen queue", "da fila evergreen", "das publicações evergreen".
func fromEvergreen(text string) bool {
	words := strings.Fields(strings.ToLower(strings.Trim(text, " .!")))
	switch strings.Join(words, " ") {
	case "from queue evergreen", "from the queue evergreen", "from the evergreen queue", "from evergreen queue", "from evergreen",
		"from the evergreen posts", "from evergreen posts",
		"da fila evergreen", "fila evergreen", "das publicações evergreen", "das publicacoes evergreen", "publicações evergreen", "dos posts evergreen":
		return true
	}
	return false
}

// scheduleEvergreen makes an evergreen series: each occurrence re-posts the
// next evergreen post in turn, as the author's own post (their approval
// rule, their channel).
func (r *Router) scheduleEvergreen(ctx context.Context, req Request, rule timeparse.Rule, loc *time.Location, now time.Time, awaiting bool) (Response, error) {
	tmpl := &crier.Post{AuthorID: req.User.ID, AuthorName: req.User.Name, Origin: req.Channel, Targets: r.targetsFor(req.Channel)}
	if awaiting {
		tmpl.Approval = crier.ApprovalAwaiting // the series waits: approving its first re-post approves it
	}
	c, err := r.seriesService().CreateEvergreen(ctx, tmpl, rule, loc)
	if err != nil {
		return Response{}, err
	}
	first := c.Posts[0]
	resp := Response{
		Text: fmt.Sprintf("✓ Scheduled %s, re-posting evergreen posts in turn, first %s.", rule.Describe(), timeparse.Human(first.DueAt, loc, now)),
	}
	for _, p := range c.Posts {
		resp.Lines = append(resp.Lines, fmt.Sprintf("#%d  %s  %s  %s", p.ID, timeparse.Stamp(p.DueAt, loc, now), strings.Join(p.Targets, ", "), crier.Quote(p.Text, 60)))
	}
	if c.Count > len(c.Posts) {
		resp.Lines = append(resp.Lines, "each time is a post of its own; the next ones are added as their time nears, each with the next evergreen post.")
	}
	resp.Buttons = []Button{{Label: "Cancel series", Action: "cancel_series", PostID: first.ID, Command: fmt.Sprintf("/cancel #%d series", first.ID)}}
	if first.Approval == crier.ApprovalAwaiting {
		resp.Text = fmt.Sprintf("✓ Scheduled %s, re-posting evergreen posts in turn, first %s; the series waits for approval: approving post #%d approves all of it.",
			rule.Describe(), timeparse.Human(first.DueAt, loc, now), first.ID)
		r.askSeriesApprovers(ctx, c, rule.Describe()+", re-posting evergreen posts", loc)
	}
	return resp, nil
}
