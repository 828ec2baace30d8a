package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/publish"
	"github.com/crier-bot/crier/internal/timeparse"
)

func (r *Router) scheduleDef() Definition {
	return Definition{
		Name:    "schedule",
		Usage:   "/schedule <when> <text>",
		Summary: "Schedule a post: the time first, then the text.",
		Details: "The time comes first and the text after it; put a | between them to be explicit. " +
			"/schedule #id <when> schedules a draft. A line \"image: <url> | <description>\" attaches a picture (up to 4). The answer shows the time and the text as crier understood them, " +
			"and how each network counts the text. \"to mastodon,bluesky |\" after the time chooses the networks; a line \"bluesky: <text>\" gives one network a text of its own.",
		Examples: []string{
			"/schedule tomorrow 9am Launch day is here! https://example.com/launch",
			"/schedule friday 3pm | Our spring collection drops today",
			"/schedule in 2 hours Doors open soon",
			"/schedule 2026-12-24 10:00 Happy holidays!",
			"/schedule #2 next monday 9am",
			"/schedule tomorrow 9am New mural! (new line) image: https://example.com/mural.jpg | A blue mural",
			"/schedule tomorrow 9am to mastodon,bluesky | Launch day! (new line) bluesky: Launch day 🦋",
		},
		Composes: true,
		Handler:  r.schedule,
	}
}

func (r *Router) schedule(ctx context.Context, req Request) (Response, error) {
	args := strings.TrimSpace(req.Text)
	if args == "" {
		return Response{}, crier.Errorf(crier.EINVALID, "Tell me when and what, like: /schedule tomorrow 9am Launch day is here!")
	}
	awaiting, err := r.mayCompose(req.User, "schedule")
	if err != nil {
		return Response{}, err
	}
	loc, now := r.location(req.User), r.deps.Clock.Now()
	if strings.HasPrefix(args, "#") {
		id, phrase, err := postID(args, "/schedule #2 tomorrow 9am")
		if err != nil {
			return Response{}, err
		}
		if phrase == "" {
			return Response{}, crier.Errorf(crier.EINVALID, "Say when, like: /schedule #%d tomorrow 9am", id)
		}
		due, err := r.deps.Times.Parse(phrase, loc, now)
		if err != nil {
			return Response{}, err
		}
		p, previews, err := r.deps.Publisher.ScheduleDraft(ctx, id, due, awaiting)
		if err != nil {
			return Response{}, refusal(err, "scheduled")
		}
		return r.scheduledOrAsked(ctx, p, previews, loc, now), nil
	}

	// "next" takes the next free posting slot; "every" makes a series.
	if rest, ok := cutWord(args, "next"); ok {
		// "next monday 9am …" is a time; "next Launch day!" a slot.
		if _, _, _, err := r.deps.Times.ParseLeading(args, loc, now); err != nil {
			return r.scheduleNext(ctx, req, rest)
		}
	}
	if r.deps.Times.IsRecurrence(args) {
		return r.scheduleEvery(ctx, req, args)
	}
	args, images, campaign, targets, err := r.takePostLines(ctx, args)
	if err != nil {
		return Response{}, err
	}
	due, phrase, text, err := r.deps.Times.ParseLeading(args, loc, now)
	if err != nil {
		return Response{}, err
	}
	if strings.TrimSpace(text) == "" {
		return Response{}, crier.Errorf(crier.EINVALID, "There is no text after the time. Type it after the time, like: /schedule %s Launch day is here!", phrase)
	}
	text, variants := r.takeVariants(text)
	if targets == nil {
		targets = r.targetsFor(req.Channel)
	}
	p := &crier.Post{
		Text: text, Images: images, Campaign: campaign, Status: crier.PostScheduled, DueAt: due, Targets: targets, Variants: variants,
		AuthorID: req.User.ID, AuthorName: req.User.Name, Origin: req.Channel,
	}
	if awaiting {
		p.Approval = crier.ApprovalAwaiting
	}
	previews, err := r.deps.Publisher.Schedule(ctx, p)
	if err != nil {
		return Response{}, err
	}
	return r.scheduledOrAsked(ctx, p, previews, loc, now), nil
}

// scheduledOrAsked confirms a scheduled post, or, when it waits for
// approval, says so and asks the approvers.
func (r *Router) scheduledOrAsked(ctx context.Context, p *crier.Post, previews []publish.Preview, loc *time.Location, now time.Time) Response {
	resp := scheduled(p, previews, loc, now)
	if p.Approval == crier.ApprovalAwaiting {
		resp.Text = fmt.Sprintf("✓ Post #%d waits for approval; once approved it goes out %s to %s.", p.ID,
			timeparse.Human(p.DueAt, loc, now), strings.Join(p.Targets, ", "))
		resp.Buttons = nil // publishing now or moving it is not the author's to do
		r.askApprovers(ctx, p, previews, loc)
	}
	return resp
}

// scheduled is the confirmation of a scheduled post: when (in the person's
// timezone), where, and the text as each network counts it.
func scheduled(p *crier.Post, previews []publish.Preview, loc *time.Location, now time.Time) Response {
	when := "for " + timeparse.Human(p.DueAt, loc, now)
	if !p.DueAt.After(now) {
		when = "to go out now"
	}
	lines := previewLines(p.Text, previews)
	for _, im := range p.Images {
		lines = append(lines, "picture: "+im.URL)
	}
	return Response{
		Text:    fmt.Sprintf("✓ Post #%d scheduled %s to %s.", p.ID, when, strings.Join(p.Targets, ", ")),
		Lines:   lines,
		Buttons: postButtons(p.ID),
	}
}

func previewLines(text string, previews []publish.Preview) []string {
	width := 0
	for _, pv := range previews {
		width = max(width, len(pv.Target))
	}
	lines := make([]string, 0, len(previews))
	for _, pv := range previews {
		count := fmt.Sprintf("%d/%d", pv.Count.Used, pv.Count.Limit)
		for _, c := range pv.Count.Also {
			count += fmt.Sprintf(" · %d/%d %s", c.Used, c.Limit, c.Unit)
		}
		own := text
		if pv.Text != "" {
			own = pv.Text // the network's own text
		}
		lines = append(lines, fmt.Sprintf("%-*s  %s  %s", width, pv.Target, count, crier.Quote(own, 0)))
	}
	return lines
}

func postButtons(id int64) []Button {
	return []Button{
		{Label: "Publish now", Action: "publish_now", PostID: id, Command: fmt.Sprintf("/reschedule #%d now", id)},
		{Label: "Reschedule", Action: "reschedule", PostID: id, Command: fmt.Sprintf("/reschedule #%d <when>", id)},
		{Label: "Cancel", Action: "cancel", PostID: id, Command: fmt.Sprintf("/cancel #%d", id)},
	}
}

// refusal puts a store's refusal (a *crier.PostError: the facts) into the
// sentence a person reads; verb is what the command would have done to the
// post ("cancelled", "rescheduled", "scheduled", "decided"). Other errors pass
// unchanged.
func refusal(err error, verb string) error {
	var e *crier.PostError
	if !errors.As(err, &e) {
		return err
	}
	id := e.PostID
	switch e.Reason {
	case crier.RefusedNoPost:
		return crier.Errorf(e.Code, "There is no post #%d. Type /queue to see the upcoming posts and their numbers.", id)
	case crier.RefusedNoDelivery:
		return crier.Errorf(e.Code, "Post #%d was not going to %q. Type /queue to see your posts.", id, e.Target)
	case crier.RefusedNotUndecided:
		return crier.Errorf(e.Code, "Post #%d on %s is %s, not waiting for a decision, so there is nothing to do.", id, e.Target, deliveryWord(e.Delivery))
	case crier.RefusedNotDraft:
		return crier.Errorf(e.Code, "Post #%d is not a draft (it is %s). To move it, type /reschedule #%d <when>.", id, statusWord(e.Status), id)
	case crier.RefusedDraft:
		return crier.Errorf(e.Code, "Post #%d is a draft. To schedule it, type /schedule #%d <when>.", id, id)
	case crier.RefusedNotScheduled:
		if verb == "cancelled" {
			return crier.Errorf(e.Code, "Post #%d was already %s, so it cannot be cancelled; delete it on the network itself if it must go.", id, statusWord(e.Status))
		}
		return crier.Errorf(e.Code, "Post #%d is %s, so it cannot be %s. Type /queue to see what is still upcoming.", id, statusWord(e.Status), verb)
	case crier.RefusedCanceled:
		return crier.Errorf(e.Code, "Post #%d is already cancelled. Type /queue to see what is upcoming.", id)
	case crier.RefusedPublishing:
		return crier.Errorf(e.Code, "Post #%d is being published to %s right now, so it cannot be %s.", id, e.Target, verb)
	case crier.RefusedPublished:
		return crier.Errorf(e.Code, "Post #%d was already published to %s, so it cannot be %s.", id, e.Target, verb)
	case crier.RefusedUnclear:
		return crier.Errorf(e.Code, "Post #%d may already be on %s (an attempt got no answer), so it cannot be moved; crier is retrying it. Type /cancel #%d to stop it instead.", id, e.Target, id)
	case crier.RefusedNotDraftNetworks:
		return crier.Errorf(e.Code, "Post #%d is scheduled already, so its networks are fixed; /cancel #%d and schedule it again with to <networks> |.", id, id)
	case crier.RefusedUndecided:
		return crier.Errorf(e.Code, "Post #%d may already be on %s; first say whether it is: type /published #%d %s or /republish #%d %s.", id, e.Target, id, e.Target, id, e.Target)
	}
	return err
}

// statusWord is a post's status as a sentence says it.
func statusWord(s crier.PostStatus) string {
	switch s {
	case crier.PostPartial:
		return "partly published"
	case crier.PostCanceled:
		return "cancelled"
	}
	return string(s)
}

// deliveryWord is a delivery's status as a sentence says it.
func deliveryWord(s crier.DeliveryStatus) string {
	switch s {
	case crier.DeliveryPending:
		return "still scheduled"
	case crier.DeliveryPublishing:
		return "being published right now"
	case crier.DeliveryCanceled:
		return "cancelled"
	}
	return string(s)
}

// cutWord cuts word (any case) and the spaces after it off the start of s.
func cutWord(s, word string) (string, bool) {
	if len(s) <= len(word) || !strings.EqualFold(s[:len(word)], word) || (s[len(word)] != ' ' && s[len(word)] != '\t') {
		return s, false
	}
	return strings.TrimSpace(s[len(word):]), true
}
