package commands

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/crier-bot/crier/internal/crier"
)

// Writing with AI (issue 9): /draft ai <brief>, /write #id (the Write
// variants button) and /suggest <conversation> (Suggest a reply). Nothing
// the writer writes goes out by itself: drafts wait for a person, and a
// suggested answer is only shown.

func (r *Router) writeDef() Definition {
	return Definition{
		Name:    "write",
		Usage:   "/write #id",
		Summary: "Have the AI writer adapt a post's text to each of its networks (its limits, the brand voice).",
		Details: "Each network gets a text of its own, checked against its limit; read them and change any with /variant. " +
			"/draft ai <brief> writes a new draft from a brief.",
		Examples: []string{"/write #12", "/draft ai our spring sale starts friday, 20% off"},
		Composes: true,
		Handler:  r.write,
	}
}

func (r *Router) suggestDef() Definition {
	return Definition{
		Name:     "suggest",
		Usage:    "/suggest <conversation>",
		Summary:  "Have the AI writer suggest an answer to a conversation's latest comment; nothing is sent.",
		Examples: []string{"/suggest 3"},
		Role:     crier.RoleReplier,
		Handler:  r.suggest,
	}
}

// noWriter says how to set a writer up.
func noWriter() error {
	return crier.Errorf(crier.EINVALID, "AI writing is off: add a writer: section to bot.yaml with an OpenAI-compatible base_url, model and api_key (the README shows OpenAI, Azure, Ollama and others).")
}

// rules are what the writer must respect on each target.
func (r *Router) rules(targets []string) []crier.NetworkRule {
	if len(targets) == 0 {
		targets = r.deps.Publisher.Targets()
	}
	out := make([]crier.NetworkRule, 0, len(targets))
	for _, t := range targets {
		n, ok := r.deps.Publisher.Network(t)
		if !ok {
			continue
		}
		c := n.Check("")
		out = append(out, crier.NetworkRule{Network: t, Kind: n.Kind(), Limit: c.Limit, Unit: c.Unit})
	}
	return out
}

// writeVariants asks the writer for a text per network; one over its limit
// is asked for again once, with the counts, and never cut.
func (r *Router) writeVariants(ctx context.Context, brief string, targets []string, campaign string) (map[string]string, error) {
	req := crier.WriteRequest{Brief: brief, Networks: r.rules(targets), Voice: r.deps.Voice}
	for attempt := 0; ; attempt++ {
		vs, err := r.deps.Writer.Variants(ctx, req)
		if err != nil {
			return nil, err
		}
		out := map[string]string{}
		var over []string
		for _, v := range vs {
			if _, ok := r.deps.Publisher.Network(v.Network); !ok {
				continue
			}
			out[v.Network] = strings.TrimSpace(v.Text)
			// Counted as it will be published (a campaign's tagged links).
			pv, err := r.deps.Publisher.Check(out[v.Network], campaign, []string{v.Network})
			if err != nil && len(pv) == 0 {
				return nil, err
			}
			for _, x := range pv {
				over = append(over, x.Count.Overs(v.Network)...)
			}
		}
		if len(over) == 0 {
			return out, nil
		}
		if attempt == 1 {
			return nil, crier.Errorf(crier.EINVALID, "The AI writer's text is %s, even after being asked again; crier does not cut it. Write that one yourself, or try again.", strings.Join(over, ", and "))
		}
		req.Feedback = "Too long: " + strings.Join(over, "; ") + ". Write each text within its network's limit."
	}
}

// draftAI writes a new draft from a brief: /draft ai [to a,b |] <brief>.
func (r *Router) draftAI(ctx context.Context, req Request, brief string) (Response, error) {
	if r.deps.Writer == nil {
		return Response{}, noWriter()
	}
	brief, targets := takeNetworks(brief)
	brief = strings.TrimSpace(brief)
	if brief == "" {
		return Response{}, crier.Errorf(crier.EINVALID, "Say what the post is about, like: /draft ai our spring sale starts friday, 20%% off")
	}
	if targets == nil {
		targets = r.targetsFor(req.Channel)
	}
	if targets == nil {
		targets = r.deps.Publisher.Targets()
	}
	texts, err := r.writeVariants(ctx, brief, targets, "")
	if err != nil {
		return Response{}, err
	}
	main := texts[targets[0]]
	if main == "" {
		return Response{}, crier.Errorf(crier.EINVALID, "The AI writer wrote nothing for %s; try again, or write the draft yourself.", targets[0])
	}
	variants := map[string]string{}
	for _, t := range targets[1:] {
		if v := texts[t]; v != "" && v != main {
			variants[t] = v
		}
	}
	p := &crier.Post{Text: main, Variants: variants, Targets: targets, Status: crier.PostDraft,
		AuthorID: req.User.ID, AuthorName: req.User.Name, Origin: req.Channel}
	previews, err := r.deps.Publisher.Schedule(ctx, p)
	if err != nil {
		return Response{}, err
	}
	return Response{
		Text:    fmt.Sprintf("✓ Draft #%d written from your brief. Read it; change it with /edit or /variant, and /schedule #%d <when> when it is right.", p.ID, p.ID),
		Lines:   previewLines(p.Text, previews),
		Buttons: r.draftButtons(p),
	}, nil
}

func (r *Router) write(ctx context.Context, req Request) (Response, error) {
	if r.deps.Writer == nil {
		return Response{}, noWriter()
	}
	id, _, err := postAndRest(req.Text, "/write #12")
	if err != nil {
		return Response{}, err
	}
	p, err := r.deps.Publisher.Post(ctx, id)
	if err != nil {
		return Response{}, refusal(err, "rewritten")
	}
	if p.Status != crier.PostDraft && !p.Held() {
		// AI copy is read by a person before it goes out.
		return Response{}, crier.Errorf(crier.EINVALID, "Post #%d is scheduled; AI texts go on drafts (or posts waiting for approval) so that someone reads them first. Cancel it and /draft it, or change it with /variant.", id)
	}
	if err := r.mayChange(req.User, p); err != nil {
		return Response{}, err
	}
	texts, err := r.writeVariants(ctx, "Adapt this post to each network, keeping what it says:\n"+p.Text, p.Targets, p.Campaign)
	if err != nil {
		return Response{}, err
	}
	return r.applyEdit(ctx, req, id, crier.PostEdit{Variants: texts})
}

func (r *Router) suggest(ctx context.Context, req Request) (Response, error) {
	if r.deps.Writer == nil {
		return Response{}, noWriter()
	}
	if r.deps.Inbox == nil {
		return Response{}, r.noInbox()
	}
	word, _, _ := strings.Cut(strings.TrimSpace(req.Text), " ")
	id, err := strconv.ParseInt(strings.TrimPrefix(word, "#"), 10, 64)
	if err != nil || id <= 0 {
		return Response{}, crier.Errorf(crier.EINVALID, "Give the conversation's number from /inbox, like: /suggest 3")
	}
	v, latest, err := r.deps.Inbox.Conversation(ctx, id)
	if err != nil {
		return Response{}, inboxRefusal(err, id)
	}
	if latest == nil {
		return Response{}, crier.Errorf(crier.EINVALID, "Nobody has commented in conversation %d yet, so there is nothing to answer.", id)
	}
	rules := r.rules([]string{latest.Network})
	rq := crier.ReplyRequest{Post: v.PostText, Comment: latest.Text, Author: cmpName(latest.AuthorName, latest.AuthorHandle), Voice: r.deps.Voice}
	if len(rules) > 0 {
		rq.Network = rules[0]
	}
	text, err := r.deps.Writer.SuggestReply(ctx, rq)
	if err != nil {
		return Response{}, err
	}
	return Response{
		Text:      fmt.Sprintf("💡 A suggested answer to %s (nothing is sent: edit it, then type it in the thread or /reply %d <text>):", rq.Author, id),
		Lines:     []string{strings.TrimSpace(text)},
		Ephemeral: true,
	}, nil
}
