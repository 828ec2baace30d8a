package commands

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/slots"
	"github.com/crier-bot/crier/internal/timeparse"
)

// Posting slots (issue 10): bot.yaml's slots: are a weekday and a local time,
// for every network or one. /schedule next <text> takes the next free one;
// /slots shows the week's; /slots suggest proposes hours from the numbers.

const (
	// slotHorizon is how far ahead /schedule next looks for a free slot.
	slotHorizon = 28 * 24 * time.Hour
	// slotWeek is what /slots and /queue show.
	slotWeek = 7 * 24 * time.Hour
	// slotsHow is what to add to bot.yaml when there are no slots.
	slotsHow = `add them under slots: in bot.yaml, like slots: {all: {mon: ["09:00"], thu: ["17:30"]}}`
)

func (r *Router) slotsDef() Definition {
	return Definition{
		Name:    "slots",
		Usage:   "/slots [suggest]",
		Summary: "The posting slots of the week, which are free, and suggestions from your numbers.",
		Details: "Posting slots are times of the week set under slots: in bot.yaml, for every network or one. " +
			"/schedule next <text> puts a post in the next free slot. /slots suggest proposes the weekday hours " +
			fmt.Sprintf("whose posts got the most engagement per follower over the last %d days.", int(slots.DefaultWindow/(24*time.Hour))),
		Examples: []string{"/slots", "/slots suggest"},
		Handler:  r.slots,
	}
}

func (r *Router) slots(ctx context.Context, req Request) (Response, error) {
	switch arg := strings.ToLower(strings.TrimSpace(req.Text)); arg {
	case "":
		return r.slotsWeek(ctx, req)
	case "suggest", "suggestions":
		return r.slotsSuggest(ctx)
	}
	return Response{}, crier.Errorf(crier.EINVALID, "%q is not something /slots does. Type /slots to see this week's slots, or /slots suggest for the best hours from your numbers.", oneLine(req.Text, 30))
}

// slotsWeek lists the slots of the next 7 days, free or with their post.
func (r *Router) slotsWeek(ctx context.Context, req Request) (Response, error) {
	if len(r.deps.Slots) == 0 {
		return Response{Text: "No posting slots are set; " + slotsHow + ". Then /schedule next <text> takes the next free one.", Ephemeral: true}, nil
	}
	loc, now := r.location(req.User), r.deps.Clock.Now()
	times, posts, err := r.slotsAhead(ctx, now, slotWeek)
	if err != nil {
		return Response{}, err
	}
	free := 0
	lines := make([]string, 0, len(times)+1)
	for _, st := range times {
		state := "free"
		if p := slotTaker(st, posts); p != nil {
			state = fmt.Sprintf("#%d %s", p.ID, crier.Quote(p.Text, 40))
		} else {
			free++
		}
		lines = append(lines, fmt.Sprintf("%s  %s  %s", timeparse.Stamp(st.At, loc, now), slotWhere(st.Slot), state))
	}
	how := "/schedule next <text> puts a post in the next free slot; slots are set under slots: in bot.yaml"
	if zone := slotZone(r.deps.Slots); zone != loc.String() {
		how += " (in " + zone + ")"
	}
	if r.deps.SlotsShared {
		how += ", where two posts may share one"
	}
	lines = append(lines, how+".")
	return Response{
		Text:      fmt.Sprintf("%d posting %s in the next 7 days, %d free:", len(times), plural(len(times), "slot", "slots"), free),
		Lines:     lines,
		Ephemeral: true,
	}, nil
}

// slotsSuggest proposes slots from the engagement of published posts.
func (r *Router) slotsSuggest(ctx context.Context) (Response, error) {
	if r.deps.KPIs == nil {
		return Response{}, crier.Errorf(crier.EINVALID, "crier keeps no numbers here, so it has nothing to suggest slots from.")
	}
	loc := r.deps.Location
	if len(r.deps.Slots) > 0 && r.deps.Slots[0].Location != nil {
		loc = r.deps.Slots[0].Location
	}
	s, err := slots.Suggest(ctx, r.deps.KPIs, r.deps.Clock.Now(), slots.Options{Location: loc})
	if err != nil {
		return Response{}, err
	}
	days := int(slots.DefaultWindow / (24 * time.Hour))
	if len(s.Best) == 0 {
		return Response{Text: fmt.Sprintf("Not enough posts yet to suggest slots (%d measured in the last %d days; need at least %d at one weekday hour on one network). Ask again after a few more weeks of posts.",
			s.Measured, days, s.MinPosts), Ephemeral: true}, nil
	}
	lines := make([]string, 0, len(s.Best)+1)
	for _, h := range s.Best {
		lines = append(lines, fmt.Sprintf("%s  %s %02d:00  %.1f engagement per 1,000 followers  (%d %s)",
			h.Network, h.Weekday.String()[:3], h.Hour, h.PerK, h.Posts, plural(h.Posts, "post", "posts")))
	}
	best := s.Best[0]
	lines = append(lines, fmt.Sprintf(`To post then, add it under slots: in bot.yaml, like %s: {%s: ["%02d:00"]}.`,
		best.Network, strings.ToLower(best.Weekday.String()[:3]), best.Hour))
	return Response{
		Text: fmt.Sprintf("Best hours to post, from %d measured %s of the last %d days (times in %s; hours with fewer than %d posts left out):",
			s.Measured, plural(s.Measured, "post", "posts"), days, loc, s.MinPosts),
		Lines:     lines,
		Ephemeral: true,
	}, nil
}

// scheduleNext schedules a post in the next free slot: /schedule next <text>.
func (r *Router) scheduleNext(ctx context.Context, req Request, text string) (Response, error) {
	// One at a time: choosing the free slot and taking it are two steps,
	// and two people typing /schedule next at once must not share a slot.
	r.slotMu.Lock()
	defer r.slotMu.Unlock()
	return r.scheduleNextFree(ctx, req, text)
}

func (r *Router) scheduleNextFree(ctx context.Context, req Request, text string) (Response, error) {
	if len(r.deps.Slots) == 0 {
		return Response{}, crier.Errorf(crier.EINVALID, "There are no posting slots yet; %s, or say when: /schedule tomorrow 9am <text>", slotsHow)
	}
	awaiting, err := r.mayCompose(req.User, "schedule")
	if err != nil {
		return Response{}, err
	}
	loc, now := r.location(req.User), r.deps.Clock.Now()
	args, images, campaign, targets, err := r.takePostLines(ctx, text)
	if err != nil {
		return Response{}, err
	}
	args = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(args), "|"))
	if args == "" {
		return Response{}, crier.Errorf(crier.EINVALID, "There is no text. Type it after next, like: /schedule next Launch day is here!")
	}
	body, variants := r.takeVariants(args)

	times, posts, err := r.slotsAhead(ctx, now, slotHorizon)
	if err != nil {
		return Response{}, err
	}
	var slot *crier.SlotTime
	for i, st := range times {
		if st.Slot.Network != "" && targets != nil && !slices.Equal(targets, []string{st.Slot.Network}) {
			continue // a slot of one network, for a post meant for others
		}
		if !r.deps.SlotsShared && slotTaker(st, posts) != nil {
			continue
		}
		slot = &times[i]
		break
	}
	if slot == nil {
		return Response{}, crier.Errorf(crier.EINVALID, "Every posting slot in the next 4 weeks is taken. Say when instead, like: /schedule tomorrow 9am <text>, or add slots under slots: in bot.yaml.")
	}
	switch {
	case slot.Slot.Network != "":
		targets = []string{slot.Slot.Network}
	case targets == nil:
		targets = r.targetsFor(req.Channel)
	}
	p := &crier.Post{
		Text: body, Images: images, Campaign: campaign, Status: crier.PostScheduled, DueAt: slot.At, Targets: targets, Variants: variants,
		AuthorID: req.User.ID, AuthorName: req.User.Name, Origin: req.Channel,
	}
	if awaiting {
		p.Approval = crier.ApprovalAwaiting
	}
	previews, err := r.deps.Publisher.Schedule(ctx, p)
	if err != nil {
		return Response{}, err
	}
	resp := r.scheduledOrAsked(ctx, p, previews, loc, now)
	stamp := timeparse.Stamp(p.DueAt, loc, now)
	if awaiting {
		resp.Text = fmt.Sprintf("✓ Post #%d waits for approval; once approved it goes out in the next free slot, %s, to %s.", p.ID, stamp, strings.Join(p.Targets, ", "))
	} else {
		resp.Text = fmt.Sprintf("✓ Post #%d scheduled for the next free slot, %s, to %s.", p.ID, stamp, strings.Join(p.Targets, ", "))
	}
	return resp, nil
}

// slotsAhead returns the slot instants after now and within d, and the
// posts due then that take slots.
func (r *Router) slotsAhead(ctx context.Context, now time.Time, d time.Duration) ([]crier.SlotTime, []*crier.Post, error) {
	from := now.Add(time.Nanosecond) // a slot at this very instant has passed
	times := crier.SlotTimes(r.deps.Slots, from, now.Add(d))
	if len(times) == 0 {
		return nil, nil, nil
	}
	posts, err := r.deps.Publisher.Posts(ctx, crier.PostFilter{
		Statuses: []crier.PostStatus{crier.PostScheduled, crier.PostPublished, crier.PostPartial},
		From:     from, To: now.Add(d),
	})
	if err != nil {
		return nil, nil, err
	}
	return times, posts, nil
}

// slotTaker returns the post that takes the slot at st: one due then that
// goes to its network (any network, for a slot for all); nil when it is
// free. Cancelled and failed posts take none.
func slotTaker(st crier.SlotTime, posts []*crier.Post) *crier.Post {
	for _, p := range posts {
		if !p.DueAt.Equal(st.At) || p.Status == crier.PostCanceled || p.Status == crier.PostFailed {
			continue
		}
		if st.Slot.Network == "" || slices.Contains(p.Targets, st.Slot.Network) {
			return p
		}
	}
	return nil
}

// slotWhere is who a slot is for: a network's name, or "all networks".
func slotWhere(s crier.Slot) string {
	if s.Network == "" {
		return "all networks"
	}
	return s.Network
}

// slotZone is the name of the slots' timezone.
func slotZone(ss []crier.Slot) string {
	if len(ss) == 0 || ss[0].Location == nil {
		return "UTC"
	}
	return ss[0].Location.String()
}

// freeSlots returns the slots with no post in [from, to) (within a week
// of now), at most limit of them, and how many more there are.
func (r *Router) freeSlots(ctx context.Context, now, from, to time.Time, limit int) ([]crier.SlotTime, int, error) {
	times, posts, err := r.slotsAhead(ctx, now, slotWeek)
	if err != nil {
		return nil, 0, err
	}
	var free []crier.SlotTime
	more := 0
	for _, st := range times {
		if st.At.Before(from) || !st.At.Before(to) || slotTaker(st, posts) != nil {
			continue
		}
		if len(free) == limit {
			more++
			continue
		}
		free = append(free, st)
	}
	return free, more, nil
}

// freeSlotLine is a free slot's row in /queue.
func freeSlotLine(st crier.SlotTime, loc *time.Location) string {
	return fmt.Sprintf("· free slot %s (%s)", st.At.In(loc).Format("Mon 2 Jan 15:04"), slotWhere(st.Slot))
}
