package commands

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/publish"
	"github.com/crier-bot/crier/internal/timeparse"
)

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// A page of /queue lists up to queueScheduled scheduled posts and, beside
// them, up to queueDrafts drafts, so drafts are never pushed off by the
// scheduled list. 12 rows of up to ~130 characters fit the smallest chat
// message crier renders (Discord's 2,000 characters of content; Slack's
// section takes 3,000) with room for a few "waiting for you" rows;
// TestAFullQueuePageFitsOneChatMessage holds it.
const (
	queueScheduled = 8
	queueDrafts    = 4
	queueWeek      = 7 * 24 * time.Hour
	// queueFreeSlots is how many free posting slots a page lists at most.
	queueFreeSlots = 4
)

func (r *Router) queueDef() Definition {
	return Definition{
		Name:    "queue",
		Usage:   "/queue [page | week]",
		Summary: "List the upcoming posts and the drafts, in your timezone.",
		Details: fmt.Sprintf("Each page lists up to %d scheduled posts, soonest first, and up to %d drafts, newest first; "+
			"/queue 2 shows the second page. /queue week lists only what is due in the next 7 days. "+
			"A post crier is unsure about says it is waiting for you. Free posting slots of the next 7 days (slots: in bot.yaml) show among the posts.", queueScheduled, queueDrafts),
		Examples: []string{"/queue", "/queue 2", "/queue week", "/queue week 2"},
		Handler:  r.queue,
	}
}

// queueArgs reads "", "2", "#2", "page 2", "week" and "week 2".
func queueArgs(text string) (page int, week bool, err error) {
	words := strings.Fields(strings.ToLower(text))
	if len(words) > 0 && words[0] == "week" {
		week, words = true, words[1:]
	}
	if len(words) > 0 && words[0] == "page" {
		words = words[1:]
	}
	switch len(words) {
	case 0:
		return 1, week, nil
	case 1:
		if n, err := strconv.Atoi(strings.TrimPrefix(words[0], "#")); err == nil && n > 0 {
			return n, week, nil
		}
	}
	return 0, false, crier.Errorf(crier.EINVALID, "%q is not a page. Type /queue, /queue 2 for the second page, or /queue week for the next 7 days.", oneLine(text, 30))
}

func (r *Router) queue(ctx context.Context, req Request) (Response, error) {
	page, week, err := queueArgs(req.Text)
	if err != nil {
		return Response{}, err
	}
	loc, now := r.location(req.User), r.deps.Clock.Now()
	f := publish.QueueFilter{
		ScheduledOffset: (page - 1) * queueScheduled, ScheduledLimit: queueScheduled,
		DraftOffset: (page - 1) * queueDrafts, DraftLimit: queueDrafts,
	}
	if week {
		f.DueBefore = now.Add(queueWeek)
	}
	q, err := r.deps.Publisher.Queue(ctx, f)
	if err != nil {
		return Response{}, err
	}
	pages := max(1, ceilDiv(q.ScheduledTotal, queueScheduled), ceilDiv(q.DraftTotal, queueDrafts))
	again := "/queue"
	if week {
		again = "/queue week"
	}
	if page > pages {
		return Response{}, crier.Errorf(crier.EINVALID, "There is no page %d; the queue has %d. Type %s to see it.", page, pages, again+pageArg(pages))
	}
	free, more, err := r.queueFreeSlots(ctx, q, page, now)
	if err != nil {
		return Response{}, err
	}
	var freeLines []string
	for _, st := range free {
		freeLines = append(freeLines, freeSlotLine(st, loc))
	}
	if more > 0 {
		freeLines = append(freeLines, fmt.Sprintf("· and %d more free %s in the next 7 days — /slots shows them", more, plural(more, "slot", "slots")))
	}
	if q.ScheduledTotal == 0 && q.DraftTotal == 0 {
		if week {
			return Response{Text: "Nothing is due in the next 7 days. Type /queue to see everything.", Lines: freeLines, Ephemeral: true}, nil
		}
		return Response{Text: "Nothing is scheduled. Try: /schedule tomorrow 9am Your text", Lines: freeLines, Ephemeral: true}, nil
	}

	var lines []string
	for _, p := range q.Scheduled {
		// The free slots before p, among the posts in time order.
		for len(free) > 0 && free[0].At.Before(p.DueAt) {
			lines = append(lines, freeSlotLine(free[0], loc))
			free = free[1:]
		}
		lines = append(lines, queueLines(p, loc, now)...)
	}
	for _, st := range free {
		lines = append(lines, freeSlotLine(st, loc))
	}
	if more > 0 {
		lines = append(lines, freeLines[len(freeLines)-1])
	}
	for _, p := range q.Drafts {
		lines = append(lines, fmt.Sprintf("#%d  draft  %s", p.ID, crier.Quote(p.Text, 60)))
	}
	switch {
	case pages > 1 && page < pages:
		lines = append(lines, fmt.Sprintf("page %d of %d — %s%s for more", page, pages, again, pageArg(page+1)))
	case pages > 1:
		lines = append(lines, fmt.Sprintf("page %d of %d — %s for the first", page, pages, again))
	}
	head := fmt.Sprintf("%d scheduled", q.ScheduledTotal)
	if week {
		all, err := r.deps.Publisher.Queue(ctx, publish.QueueFilter{})
		if err != nil {
			return Response{}, err
		}
		head += " in the next 7 days"
		if all.ScheduledTotal != q.ScheduledTotal {
			head += fmt.Sprintf(" (%d in all)", all.ScheduledTotal)
		}
	}
	if paused, since, by, err := r.deps.Publisher.Paused(ctx); err != nil {
		return Response{}, err
	} else if paused {
		lines = append([]string{fmt.Sprintf("⏸ Publishing is paused since %s by %s: due posts wait. /resume to publish again.",
			timeparse.Clock(since, loc, now, false), by)}, lines...)
	}
	return Response{
		Text:      fmt.Sprintf("%s, %d %s:", head, q.DraftTotal, plural(q.DraftTotal, "draft", "drafts")),
		Lines:     lines,
		Ephemeral: true,
	}, nil
}

// queueLines is a scheduled post's row, and one more for each network a
// person must decide about ("was it published?").
func queueLines(p *crier.Post, loc *time.Location, now time.Time) []string {
	var unsure []string // networks crier is unsure about
	retrying := false
	for _, dl := range p.Deliveries {
		switch {
		case dl.Status == crier.DeliveryMaybe:
			unsure = append(unsure, dl.Target)
		case dl.Status == crier.DeliveryPending && dl.Attempts > 0:
			retrying = true
		}
	}
	// One line a post however many networks are unsure, so a page stays
	// within one chat message.
	var ask []string
	switch len(unsure) {
	case 0:
	case 1:
		ask = []string{fmt.Sprintf("    ❓ waiting for you: was it published? /published #%d %s or /republish #%d %s", p.ID, unsure[0], p.ID, unsure[0])}
	default:
		ask = []string{fmt.Sprintf("    ❓ waiting for you: was it published on %s? For each, /published #%d %s or /republish #%d %s, and so on",
			strings.Join(unsure, ", "), p.ID, unsure[0], p.ID, unsure[0])}
	}
	when := timeparse.Human(p.DueAt, loc, now)
	switch {
	case p.Approval == crier.ApprovalAwaiting:
		when = timeparse.Stamp(p.DueAt, loc, now) + " (waits for approval)"
	case p.Approval == crier.ApprovalRejected:
		when = timeparse.Stamp(p.DueAt, loc, now) + " (not approved: " + crier.Quote(p.ApprovalNote, 40) + ")"
	case len(ask) > 0:
		when = timeparse.Stamp(p.DueAt, loc, now) + " (waiting for you)"
	case !p.DueAt.After(now) && retrying:
		when = timeparse.Stamp(p.DueAt, loc, now) + " (due " + timeparse.Relative(p.DueAt, now) + ", retrying)"
	case !p.DueAt.After(now):
		when = timeparse.Stamp(p.DueAt, loc, now) + " (due " + timeparse.Relative(p.DueAt, now) + ", going out)"
	}
	row := fmt.Sprintf("#%d  %s  %s  %s", p.ID, when, strings.Join(p.Targets, ", "), crier.Quote(p.Text, 60))
	return append([]string{row}, ask...)
}

// queueFreeSlots returns the free posting slots of the next 7 days that
// fall among page's scheduled posts (at most queueFreeSlots of them), and
// how many more there are: from now on the first page, from the page's
// first post on the others, up to the page's last post unless it is the
// last page with scheduled posts.
func (r *Router) queueFreeSlots(ctx context.Context, q *crier.Queue, page int, now time.Time) ([]crier.SlotTime, int, error) {
	if len(r.deps.Slots) == 0 {
		return nil, 0, nil
	}
	last := max(1, ceilDiv(q.ScheduledTotal, queueScheduled))
	if page > last {
		return nil, 0, nil
	}
	from, to := now, now.Add(slotWeek)
	if page > 1 && len(q.Scheduled) > 0 {
		from = q.Scheduled[0].DueAt
	}
	if page < last && len(q.Scheduled) > 0 {
		to = q.Scheduled[len(q.Scheduled)-1].DueAt
	}
	return r.freeSlots(ctx, now, from, to, queueFreeSlots)
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// pageArg is " 2" for page 2, "" for page 1.
func pageArg(page int) string {
	if page <= 1 {
		return ""
	}
	return " " + strconv.Itoa(page)
}
