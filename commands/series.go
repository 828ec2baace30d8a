package commands

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/series"
	"github.com/crier-bot/crier/internal/timeparse"
)

// Recurring posts (issue 10).

// seriesService returns the service that makes series (Deps.Series), or
// nil when there is none.
func (r *Router) seriesService() *series.Service { return r.deps.Series }

// scheduleEvery schedules a recurring post: /schedule every monday 9am <text>.
// Each occurrence is a post of its own; the first ones are made now, the
// rest as their time nears.
func (r *Router) scheduleEvery(ctx context.Context, req Request, args string) (Response, error) {
	svc := r.seriesService()
	if svc == nil {
		return Response{}, crier.Errorf(crier.EINVALID, "Recurring posts need crier's store; schedule each one, like: /schedule monday 9am <text>")
	}
	awaiting, err := r.mayCompose(req.User, "schedule")
	if err != nil {
		return Response{}, err
	}
	loc, now := r.location(req.User), r.deps.Clock.Now()
	args, images, campaign, targets, err := r.takePostLines(ctx, args)
	if err != nil {
		return Response{}, err
	}
	rule, text, err := r.deps.Times.ParseRecurrence(args, loc, now)
	if err != nil {
		return Response{}, err
	}
	if fromEvergreen(text) {
		if len(images) > 0 || campaign != "" || targets != nil {
			return Response{}, crier.Errorf(crier.EINVALID, "An evergreen series re-posts the evergreen posts as they are (networks, pictures, campaign). Type only when, like: /schedule every 3 weeks on monday 9am from queue evergreen")
		}
		return r.scheduleEvergreen(ctx, req, rule, loc, now, awaiting)
	}
	if strings.TrimSpace(text) == "" {
		return Response{}, crier.Errorf(crier.EINVALID, "There is no text after the repeat. Type it after the time, like: /schedule every monday 9am Weekly tips")
	}
	text, variants := r.takeVariants(text)
	if targets == nil {
		targets = r.targetsFor(req.Channel)
	}
	tmpl := &crier.Post{
		Text: text, Images: images, Campaign: campaign, Targets: targets, Variants: variants,
		AuthorID: req.User.ID, AuthorName: req.User.Name, Origin: req.Channel,
	}
	if awaiting {
		// The series waits for approval: approving its first occurrence
		// approves all of it (series.Service.Approved).
		tmpl.Approval = crier.ApprovalAwaiting
	}
	c, err := svc.Create(ctx, tmpl, rule, loc)
	if err != nil {
		return Response{}, err
	}
	return r.seriesScheduled(ctx, c, rule, loc, now), nil
}

// seriesScheduled confirms a new series: how often, the first time, the
// posts made, and until when it repeats.
func (r *Router) seriesScheduled(ctx context.Context, c *series.Created, rule timeparse.Rule, loc *time.Location, now time.Time) Response {
	first := c.Posts[0]
	made := fmt.Sprintf("post #%d", first.ID)
	if n := len(c.Posts); n > 1 {
		made = fmt.Sprintf("posts #%d–#%d", first.ID, c.Posts[n-1].ID)
	}
	resp := Response{
		Text: fmt.Sprintf("✓ Scheduled %s to %s, first %s (%s).", rule.Describe(), strings.Join(first.Targets, ", "),
			timeparse.Human(first.DueAt, loc, now), made),
		Lines: previewLines(first.Text, c.Previews),
	}
	for _, im := range first.Images {
		resp.Lines = append(resp.Lines, "picture: "+im.URL)
	}
	end := timeparse.Stamp(c.Last, loc, now)
	switch {
	case rule.Capped:
		resp.Lines = append(resp.Lines, fmt.Sprintf("repeats until %s (a year at most); schedule it again then.", c.Last.In(loc).Format("2 Jan 2006")))
	case c.Count == 1:
		resp.Lines = append(resp.Lines, "happens once: "+end+".")
	default:
		resp.Lines = append(resp.Lines, fmt.Sprintf("repeats %d times, the last %s.", c.Count, end))
	}
	if c.Count > len(c.Posts) {
		resp.Lines = append(resp.Lines, "each time is a post of its own; the next ones are added as their time nears.")
	}
	resp.Buttons = []Button{{Label: "Cancel series", Action: "cancel_series", PostID: first.ID, Command: fmt.Sprintf("/cancel #%d series", first.ID)}}
	if first.Approval == crier.ApprovalAwaiting {
		resp.Text = fmt.Sprintf("✓ Scheduled %s, first %s (%s); the series waits for approval: approving post #%d approves all of it.",
			rule.Describe(), timeparse.Human(first.DueAt, loc, now), made, first.ID)
		r.askSeriesApprovers(ctx, c, rule.Describe(), loc)
	}
	return resp
}

// askSeriesApprovers asks the approvers once about a whole series: its
// rule, how many posts, and the first, whose approval approves them all.
func (r *Router) askSeriesApprovers(ctx context.Context, c *series.Created, rule string, loc *time.Location) {
	if r.deps.Chat == nil || r.deps.Approvals.Channel.ID == "" {
		return
	}
	first := c.Posts[0]
	m := crier.Message{
		Text: fmt.Sprintf("📝 A series by %s waits for approval: %s, %d %s, the first %s (post #%d). Approving post #%d approves the whole series.",
			cmpName(first.AuthorName, first.AuthorID), rule, c.Count, plural(c.Count, "post", "posts"),
			timeparse.Human(first.DueAt, loc, r.deps.Clock.Now()), first.ID, first.ID),
		Lines:   previewLines(first.Text, c.Previews),
		Buttons: approvalButtons(first),
	}
	if _, err := r.deps.Chat.Post(ctx, r.deps.Approvals.Channel, m); err != nil {
		r.deps.Logger.Warn("ask the approvers", slog.Int64("post_id", first.ID), slog.Any("error", err))
	}
}

// cancelAsk asks whether to cancel one occurrence of a series or the
// whole series.
func cancelAsk(p *crier.Post, sr *crier.Series) Response {
	return Response{
		Text: fmt.Sprintf("Post #%d is one of a series (%s). Cancel this one only, or the whole series from now on? Type /cancel #%d only or /cancel #%d series.",
			p.ID, series.Describe(sr), p.ID, p.ID),
		Buttons: []Button{
			{Label: "This one only", Action: "cancel_one", PostID: p.ID, Command: fmt.Sprintf("/cancel #%d only", p.ID)},
			{Label: "Whole series", Action: "cancel_series", PostID: p.ID, Command: fmt.Sprintf("/cancel #%d series", p.ID)},
		},
		Ephemeral: true,
	}
}

// cancelSeries cancels the series post id belongs to, from now on.
func (r *Router) cancelSeries(ctx context.Context, svc *series.Service, id int64, sr *crier.Series) (Response, error) {
	if sr.Status == crier.SeriesCanceled {
		return Response{}, crier.Errorf(crier.ECONFLICT, "The series of post #%d is already cancelled. Type /queue to see what is upcoming.", id)
	}
	canceled, started, err := svc.Cancel(ctx, sr.ID)
	if err != nil {
		return Response{}, err
	}
	resp := Response{Text: fmt.Sprintf("✓ Series cancelled (%s): %s will not be published, and no more are made. Posts already out stay.",
		series.Describe(sr), postList(canceled))}
	if len(started) > 0 {
		resp.Lines = append(resp.Lines, fmt.Sprintf("%s is being published right now and was left alone.", postList(started)))
	}
	return resp, nil
}

// postList writes post numbers for people: "post #3", "posts #3, #4 and #5",
// "no upcoming post".
func postList(ids []int64) string {
	switch len(ids) {
	case 0:
		return "no upcoming post"
	case 1:
		return fmt.Sprintf("post #%d", ids[0])
	}
	words := make([]string, len(ids))
	for i, id := range ids {
		words[i] = fmt.Sprintf("#%d", id)
	}
	return "posts " + strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
