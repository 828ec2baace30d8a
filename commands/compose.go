package commands

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/publish"
	"github.com/crier-bot/crier/internal/timeparse"
)

// Composing (issue 9): a post's networks ("to mastodon,bluesky |"), a text
// of its own per network ("bluesky: …" lines, /variant), edits, and
// approvals.

// toNetworks reads "… to mastodon, bluesky" at the end of what comes before
// a "|".
var toNetworks = regexp.MustCompile(`(?i)^(.*?)\s*\bto\s+([a-z0-9_-]+(?:\s*,\s*[a-z0-9_-]+)*)\s*$`)

// takeNetworks takes "to a,b" off the part before "|" in args, returning
// args without it and the networks named; none named: nil.
func takeNetworks(args string) (string, []string) {
	head, tail, ok := strings.Cut(args, "|")
	if !ok {
		return args, nil
	}
	g := toNetworks.FindStringSubmatch(head)
	if g == nil {
		return args, nil
	}
	var names []string
	for n := range strings.SplitSeq(g[2], ",") {
		if n = strings.ToLower(strings.TrimSpace(n)); n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	rest := strings.TrimSpace(g[1])
	if rest == "" {
		return strings.TrimSpace(tail), names
	}
	return rest + " |" + tail, names
}

// takeVariants takes the lines "<network>: <text>" (a network of bot.yaml)
// out of text: each is that network's own text.
func (r *Router) takeVariants(text string) (string, map[string]string) {
	known := r.deps.Publisher.Targets()
	var keep []string
	var variants map[string]string
	for line := range strings.SplitSeq(text, "\n") {
		name, rest, ok := strings.Cut(line, ":")
		name = strings.ToLower(strings.TrimSpace(name))
		if ok && slices.Contains(known, name) && strings.TrimSpace(rest) != "" {
			if variants == nil {
				variants = map[string]string{}
			}
			variants[name] = strings.TrimSpace(rest)
			continue
		}
		keep = append(keep, line)
	}
	return strings.TrimSpace(strings.Join(keep, "\n")), variants
}

// targetsFor are the networks of a post from ch that names none: the
// channel's defaults (bot.yaml channels:), else nil (every network).
func (r *Router) targetsFor(ch crier.ChannelRef) []string {
	if r.deps.DefaultNetworks == nil {
		return nil
	}
	return r.deps.DefaultNetworks(crier.ChannelRef{Platform: ch.Platform, ID: ch.ID})
}

// mayCompose says whether u may draft or schedule, and whether their posts
// wait for an approver.
func (r *Router) mayCompose(u crier.User, command string) (awaiting bool, err error) {
	switch {
	case u.Can(crier.RoleScheduler):
		return false, nil
	case r.deps.Approvals.On && u.Can(crier.RoleDrafter):
		return true, nil
	case u.Can(crier.RoleDrafter):
		if command == "draft" {
			return false, nil
		}
		return false, crier.Errorf(crier.EFORBIDDEN, "You can write drafts, but scheduling needs the scheduler role (or approvals: in bot.yaml, so an approver can say yes). Ask whoever runs crier.")
	}
	if r.deps.Approvals.On {
		return false, crier.Errorf(crier.EFORBIDDEN, "You need the scheduler or drafter role to use /%s. Ask whoever runs crier to add you under roles: in bot.yaml.", command)
	}
	return false, crier.Errorf(crier.EFORBIDDEN, "You need the scheduler role to use /%s. Ask whoever runs crier to add you under roles: in bot.yaml.", command)
}

// askApprovers posts p in the approvals channel with Approve, Reject and
// Edit.
func (r *Router) askApprovers(ctx context.Context, p *crier.Post, previews []publish.Preview, loc *time.Location) {
	if r.deps.Chat == nil || r.deps.Approvals.Channel.ID == "" {
		return
	}
	m := crier.Message{
		Text: fmt.Sprintf("📝 Post #%d by %s waits for approval; it goes out %s.", p.ID, cmpName(p.AuthorName, p.AuthorID),
			timeparse.Human(p.DueAt, loc, r.deps.Clock.Now())),
		Lines:   previewLines(p.Text, previews),
		Buttons: approvalButtons(p),
	}
	if _, err := r.deps.Chat.Post(ctx, r.deps.Approvals.Channel, m); err != nil {
		r.deps.Logger.Warn("ask the approvers", slog.Int64("post_id", p.ID), slog.Any("error", err))
	}
}

func approvalButtons(p *crier.Post) []Button {
	rev := strconv.Itoa(p.Revision)
	return []Button{
		{Label: "Approve", Action: "approve", PostID: p.ID, Ref: rev, Command: fmt.Sprintf("/approve #%d ^%s", p.ID, rev)},
		{Label: "Reject", Action: "reject", PostID: p.ID, Command: fmt.Sprintf("/reject #%d <reason>", p.ID)},
		{Label: "Edit", Action: "edit", PostID: p.ID, Command: fmt.Sprintf("/edit #%d <new text>", p.ID)},
	}
}

func cmpName(name, id string) string {
	if name != "" {
		return name
	}
	return id
}

// tell says text in the channel (and thread) a post came from.
func (r *Router) tell(ctx context.Context, p *crier.Post, text string) {
	if r.deps.Chat == nil || p.Origin.ID == "" {
		return
	}
	if _, err := r.deps.Chat.Post(ctx, p.Origin, crier.Message{Text: text}); err != nil {
		r.deps.Logger.Warn("tell the author", slog.Int64("post_id", p.ID), slog.Any("error", err))
	}
}

func (r *Router) variantDef() Definition {
	return Definition{
		Name:     "variant",
		Usage:    "/variant #id <network> <text>",
		Summary:  "Give a post its own text on one network (without text: back to the main text).",
		Details:  "Each network is checked against its own text. Lines like bluesky: <text> in /schedule or /draft do the same.",
		Examples: []string{"/variant #12 bluesky Launch day! Our shop opens at 10 🎉"},
		Composes: true,
		Handler:  r.variant,
	}
}

func (r *Router) editDef() Definition {
	return Definition{
		Name:     "edit",
		Usage:    "/edit #id [network:] <text>",
		Summary:  "Change a post's text (or one network's) before it goes out.",
		Details:  "The counts come back. An approved post goes back to its approvers after an edit.",
		Examples: []string{"/edit #12 Launch day is here!", "/edit #12 mastodon: Launch day is here, fediverse!"},
		Composes: true,
		Handler:  r.edit,
	}
}

func (r *Router) networksDef() Definition {
	return Definition{
		Name:     "networks",
		Usage:    "/networks #id add|drop <net>",
		Summary:  "Add or drop a network of a draft.",
		Examples: []string{"/networks #12 add bluesky", "/networks #12 drop mastodon"},
		Composes: true,
		Handler:  r.networks,
	}
}

func (r *Router) approveDef() Definition {
	return Definition{
		Name:     "approve",
		Usage:    "/approve #id [now]",
		Summary:  "Approve a post that waits for approval; it goes out at its time (or at once when that has passed).",
		Details:  "A post approved long after its time asks first; /approve #id now sends it at once.",
		Examples: []string{"/approve #12"},
		Role:     crier.RoleApprover,
		Handler:  r.approve,
	}
}

func (r *Router) rejectDef() Definition {
	return Definition{
		Name:     "reject",
		Usage:    "/reject #id <reason>",
		Summary:  "Reject a post that waits for approval, saying why; its author is told.",
		Examples: []string{"/reject #12 The price is wrong; it is 49 EUR."},
		Role:     crier.RoleApprover,
		Handler:  r.reject,
	}
}

func (r *Router) approvalsDef() Definition {
	return Definition{
		Name:     "approvals",
		Usage:    "/approvals",
		Summary:  "List the posts that wait for approval, soonest first.",
		Examples: []string{"/approvals"},
		Handler:  r.approvals,
	}
}

// postAndRest reads "#12 rest" for a command.
func postAndRest(text, example string) (int64, string, error) {
	return postID(strings.TrimSpace(text), example)
}

func (r *Router) variant(ctx context.Context, req Request) (Response, error) {
	id, rest, err := postAndRest(req.Text, "/variant #12 bluesky <text>")
	if err != nil {
		return Response{}, err
	}
	network, text, _ := strings.Cut(strings.TrimSpace(rest), " ")
	if network == "" {
		return Response{}, crier.Errorf(crier.EINVALID, "Say which network, like: /variant #%d bluesky <text>", id)
	}
	return r.applyEdit(ctx, req, id, crier.PostEdit{Variants: map[string]string{strings.ToLower(network): strings.TrimSpace(text)}})
}

func (r *Router) edit(ctx context.Context, req Request) (Response, error) {
	id, rest, err := postAndRest(req.Text, "/edit #12 <new text>")
	if err != nil {
		return Response{}, err
	}
	rest = strings.TrimSpace(rest)
	if rest == "" {
		return Response{}, crier.Errorf(crier.EINVALID, "Type the new text after the number, like: /edit #%d Launch day is here!", id)
	}
	// "mastodon: <text>" changes that network's own text; the colon keeps
	// a text that starts with a network's name ("Short is what we are")
	// the main text.
	if name, after, ok := strings.Cut(rest, ":"); ok && !strings.Contains(name, " ") &&
		slices.Contains(r.deps.Publisher.Targets(), strings.ToLower(name)) && strings.TrimSpace(after) != "" {
		return r.applyEdit(ctx, req, id, crier.PostEdit{Variants: map[string]string{strings.ToLower(name): strings.TrimSpace(after)}})
	}
	return r.applyEdit(ctx, req, id, crier.PostEdit{Text: &rest})
}

func (r *Router) networks(ctx context.Context, req Request) (Response, error) {
	id, rest, err := postAndRest(req.Text, "/networks #12 add bluesky")
	if err != nil {
		return Response{}, err
	}
	words := strings.Fields(strings.ToLower(rest))
	if len(words) != 2 || (words[0] != "add" && words[0] != "drop") {
		// Buttons say "#12 bluesky add".
		if len(words) == 2 && (words[1] == "add" || words[1] == "drop") {
			words[0], words[1] = words[1], words[0]
		} else {
			return Response{}, crier.Errorf(crier.EINVALID, "Type /networks #%d add bluesky or /networks #%d drop mastodon.", id, id)
		}
	}
	p, err := r.deps.Publisher.Post(ctx, id)
	if err != nil {
		return Response{}, refusal(err, "changed")
	}
	targets := slices.Clone(p.Targets)
	switch words[0] {
	case "add":
		if slices.Contains(targets, words[1]) {
			return Response{}, crier.Errorf(crier.EINVALID, "Post #%d goes to %s already.", id, words[1])
		}
		targets = append(targets, words[1])
	case "drop":
		if !slices.Contains(targets, words[1]) {
			return Response{}, crier.Errorf(crier.EINVALID, "Post #%d does not go to %s.", id, words[1])
		}
		targets = slices.DeleteFunc(targets, func(t string) bool { return t == words[1] })
		if len(targets) == 0 {
			return Response{}, crier.Errorf(crier.EINVALID, "Post #%d would go nowhere; add another network first, or /cancel #%d.", id, id)
		}
	}
	e := crier.PostEdit{Targets: targets}
	if _, own := p.Variants[words[1]]; own && words[0] == "drop" {
		e.Variants = map[string]string{words[1]: ""} // its own text goes with it
	}
	return r.applyEdit(ctx, req, id, e)
}

// applyEdit checks and stores an edit, sending the post back to its
// approvers when it had been through them (or its editor needs them).
func (r *Router) applyEdit(ctx context.Context, req Request, id int64, e crier.PostEdit) (Response, error) {
	p, err := r.deps.Publisher.Post(ctx, id)
	if err != nil {
		return Response{}, refusal(err, "edited")
	}
	if err := r.mayChange(req.User, p); err != nil {
		return Response{}, err
	}
	e.By = req.User.ID
	e.NeedsApproval = r.deps.Approvals.On && !req.User.Can(crier.RoleScheduler)
	wasAwaiting := p.Approval == crier.ApprovalAwaiting
	p, previews, err := r.deps.Publisher.Edit(ctx, id, e)
	if err != nil {
		return Response{}, refusal(err, "edited")
	}
	resp := Response{Text: fmt.Sprintf("✓ Post #%d changed.", p.ID), Lines: previewLines(p.Text, previews)}
	if p.Approval == crier.ApprovalAwaiting {
		if wasAwaiting {
			resp.Text = fmt.Sprintf("✓ Post #%d changed; it still waits for approval.", p.ID)
		} else {
			resp.Text = fmt.Sprintf("✓ Post #%d changed; it waits for approval again.", p.ID)
		}
		r.askApprovers(ctx, p, previews, r.location(req.User))
		if p.AuthorID != req.User.ID {
			r.tell(ctx, p, fmt.Sprintf("✎ %s changed post #%d; it waits for approval.", cmpName(req.User.Name, req.User.ID), p.ID))
		}
	}
	if p.Status == crier.PostDraft {
		resp.Buttons = r.draftButtons(p)
	}
	return resp, nil
}

// mayChange says whether u may change post p: a scheduler any post, an
// approver one that waits for approval, a drafter their own.
func (r *Router) mayChange(u crier.User, p *crier.Post) error {
	switch {
	case u.Can(crier.RoleScheduler):
		return nil
	case u.Can(crier.RoleApprover) && p.Approval == crier.ApprovalAwaiting:
		return nil
	case u.Can(crier.RoleDrafter) && p.AuthorID == u.ID:
		return nil
	case u.Can(crier.RoleDrafter):
		return crier.Errorf(crier.EFORBIDDEN, "Post #%d is %s's; you can change your own posts only. Ask them, or someone with the scheduler role.", p.ID, cmpName(p.AuthorName, p.AuthorID))
	}
	return crier.Errorf(crier.EFORBIDDEN, "You need the scheduler or drafter role to change posts. Ask whoever runs crier to add you under roles: in bot.yaml.")
}

// networkButtons add or drop a draft's networks.
func (r *Router) networkButtons(p *crier.Post) []Button {
	var out []Button
	for _, t := range r.deps.Publisher.Targets() {
		if slices.Contains(p.Targets, t) {
			if len(p.Targets) > 1 {
				out = append(out, Button{Label: "− " + t, Action: "drop_network", PostID: p.ID, Target: t, Command: fmt.Sprintf("/networks #%d drop %s", p.ID, t)})
			}
		} else {
			out = append(out, Button{Label: "+ " + t, Action: "add_network", PostID: p.ID, Target: t, Command: fmt.Sprintf("/networks #%d add %s", p.ID, t)})
		}
	}
	return out
}

func (r *Router) approve(ctx context.Context, req Request) (Response, error) {
	id, rest, err := postAndRest(req.Text, "/approve #12")
	if err != nil {
		return Response{}, err
	}
	p, err := r.deps.Publisher.Post(ctx, id)
	if err != nil {
		return Response{}, refusal(err, "approved")
	}
	rev, now := 0, false
	for _, w := range strings.Fields(rest) {
		switch {
		case strings.EqualFold(w, "now"):
			now = true
		case strings.HasPrefix(w, "^"):
			if n, err := strconv.Atoi(w[1:]); err == nil {
				rev = n // the revision the button showed
			}
		}
	}
	if err := r.mayDecide(req.User, p); err != nil {
		return Response{}, err
	}
	if rev == 0 && p.Approval == crier.ApprovalAwaiting {
		// An approval is of a text: show the one there is now.
		previews, err := r.deps.Publisher.CheckPost(p)
		if err != nil {
			previews = nil
		}
		return Response{
			Text:    fmt.Sprintf("Post #%d, as it is now; approve this text with /approve #%d ^%d:", p.ID, p.ID, p.Revision),
			Lines:   previewLines(p.Text, previews),
			Buttons: approvalButtons(p),
		}, nil
	}
	late := r.deps.Approvals.LateAfter
	if late <= 0 {
		late = time.Hour
	}
	if !now && p.Approval == crier.ApprovalAwaiting && r.deps.Clock.Now().Sub(p.DueAt) > late {
		return Response{
			Text: fmt.Sprintf("Post #%d was due %s. Send it now with /approve #%d ^%d now, or have it moved first with /reschedule #%d <when>.",
				p.ID, timeparse.Human(p.DueAt, r.location(req.User), r.deps.Clock.Now()), p.ID, rev, p.ID),
			Ephemeral: true,
		}, nil
	}
	p, err = r.deps.Publisher.Decide(ctx, id, rev, true, cmpName(req.User.Name, req.User.ID), "")
	if err != nil {
		return Response{}, approvalRefusal(err, id)
	}
	when := "at " + timeparse.Human(p.DueAt, r.location(req.User), r.deps.Clock.Now())
	if !p.DueAt.After(r.deps.Clock.Now()) {
		when = "now"
	}
	skippedNote := ""
	if svc := r.seriesService(); svc != nil {
		// The first post of a series stands for the series.
		skipped, err := svc.Approved(ctx, p.ID)
		if err != nil {
			r.deps.Logger.Warn("approve the series", slog.Int64("post_id", p.ID), slog.Any("error", err))
		}
		if len(skipped) > 0 {
			skippedNote = fmt.Sprintf(" Its series is approved too; %s fell due while it waited, so %s skipped, not sent late.",
				postList(skipped), plural(len(skipped), "it is", "they are"))
		}
	}
	r.tell(ctx, p, fmt.Sprintf("✅ Post #%d was approved by %s; it goes out %s.%s", p.ID, cmpName(req.User.Name, req.User.ID), when, skippedNote))
	return Response{Text: fmt.Sprintf("✓ Post #%d approved; it goes out %s.%s", p.ID, when, skippedNote)}, nil
}

func (r *Router) reject(ctx context.Context, req Request) (Response, error) {
	id, reason, err := postAndRest(req.Text, "/reject #12 <reason>")
	if err != nil {
		return Response{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Response{}, crier.Errorf(crier.EINVALID, "Say why, so the author can fix it: /reject #%d <reason>", id)
	}
	p, err := r.deps.Publisher.Post(ctx, id)
	if err != nil {
		return Response{}, refusal(err, "rejected")
	}
	if err := r.mayDecide(req.User, p); err != nil {
		return Response{}, err
	}
	p, err = r.deps.Publisher.Decide(ctx, id, p.Revision, false, cmpName(req.User.Name, req.User.ID), reason)
	if err != nil {
		return Response{}, approvalRefusal(err, id)
	}
	if r.firstOfWaitingSeries(ctx, p.ID) {
		// The approvers were asked about the series through its first
		// post: the rest wait with it.
		r.tell(ctx, p, fmt.Sprintf("✗ Post #%d, the first of a series, was not approved by %s: %s The whole series waits: change it with /edit #%d <text> to ask again (approving it approves the series), or /cancel #%d series to stop it.",
			p.ID, cmpName(req.User.Name, req.User.ID), crier.Sentence(reason), p.ID, p.ID))
		return Response{Text: fmt.Sprintf("✓ Post #%d rejected, and its series waits with it; its author is told why.", p.ID)}, nil
	}
	r.tell(ctx, p, fmt.Sprintf("✗ Post #%d was not approved by %s: %s Change it with /edit #%d <text> to ask again, or /cancel #%d.",
		p.ID, cmpName(req.User.Name, req.User.ID), crier.Sentence(reason), p.ID, p.ID))
	return Response{Text: fmt.Sprintf("✓ Post #%d rejected; its author is told why.", p.ID)}, nil
}

// firstOfWaitingSeries reports whether post id is the first occurrence of a
// series that waits for approval (the one the approvers were asked about).
func (r *Router) firstOfWaitingSeries(ctx context.Context, id int64) bool {
	svc := r.seriesService()
	if svc == nil {
		return false
	}
	sr, no, err := svc.SeriesOf(ctx, id)
	if err != nil {
		r.deps.Logger.Warn("series of a rejected post", slog.Int64("post_id", id), slog.Any("error", err))
		return false
	}
	return sr != nil && no == 1 && sr.Template.Approval == crier.ApprovalAwaiting
}

// mayDecide refuses an author's own post unless bot.yaml lets them.
func (r *Router) mayDecide(u crier.User, p *crier.Post) error {
	if r.deps.Approvals.SelfApprove || u.Can(crier.RoleAdmin) {
		return nil
	}
	if p.AuthorID == u.ID || p.EditedBy == u.ID {
		return crier.Errorf(crier.EFORBIDDEN, "Post #%d has your words in it, and bot.yaml does not let authors approve their own posts; ask another approver.", p.ID)
	}
	return nil
}

// approvalRefusal puts the store's refusal of a decision in words.
func approvalRefusal(err error, id int64) error {
	var e *crier.PostError
	if !errors.As(err, &e) {
		return refusal(err, "decided")
	}
	switch e.Reason {
	case crier.RefusedNotAwaiting:
		return crier.Errorf(e.Code, "Post #%d does not wait for approval (it was decided already, or never needed it). Type /approvals to see what waits.", id)
	case crier.RefusedRevision:
		return crier.Errorf(e.Code, "Post #%d was edited after you were asked; read the new text with /approvals and decide again.", id)
	case crier.RefusedCanceled:
		return crier.Errorf(e.Code, "Post #%d was cancelled, so there is nothing to approve.", id)
	}
	return refusal(err, "decided")
}

func (r *Router) approvals(ctx context.Context, req Request) (Response, error) {
	posts, err := r.deps.Publisher.AwaitingApproval(ctx)
	if err != nil {
		return Response{}, err
	}
	loc, now := r.location(req.User), r.deps.Clock.Now()
	var resp Response
	for _, p := range posts {
		if p.Approval != crier.ApprovalAwaiting || p.Status != crier.PostScheduled {
			continue
		}
		resp.Lines = append(resp.Lines, fmt.Sprintf("#%d  %s  by %s  to %s  %s", p.ID, timeparse.Human(p.DueAt, loc, now),
			cmpName(p.AuthorName, p.AuthorID), strings.Join(p.Targets, ", "), crier.Quote(p.Text, 60)))
		if len(resp.Buttons) < 5 {
			resp.Buttons = append(resp.Buttons, approvalButtons(p)[0])
			resp.Buttons[len(resp.Buttons)-1].Label = fmt.Sprintf("Approve #%d", p.ID)
		}
	}
	switch n := len(resp.Lines); n {
	case 0:
		resp.Text = "Nothing waits for approval."
	case 1:
		resp.Text = "1 post waits for approval:"
	default:
		resp.Text = fmt.Sprintf("%d posts wait for approval, soonest first:", n)
	}
	return resp, nil
}

// draftButtons are a draft's: its networks to add or drop, and Write
// variants when a writer is set up.
func (r *Router) draftButtons(p *crier.Post) []Button {
	out := r.networkButtons(p)
	if r.deps.Writer != nil {
		out = append(out, Button{Label: "Write variants", Action: "write", PostID: p.ID, Command: fmt.Sprintf("/write #%d", p.ID)})
	}
	return out
}
