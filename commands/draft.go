package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/crier-bot/crier/internal/crier"
)

func (r *Router) draftDef() Definition {
	return Definition{
		Name:     "draft",
		Usage:    "/draft <text>",
		Summary:  "Save a post without a time; schedule it later with /schedule #id <when>.",
		Examples: []string{"/draft Our spring collection drops Friday"},
		Composes: true,
		Handler:  r.draft,
	}
}

func (r *Router) draft(ctx context.Context, req Request) (Response, error) {
	if _, err := r.mayCompose(req.User, "draft"); err != nil {
		return Response{}, err
	}
	text := strings.TrimSpace(req.Text)
	if brief, ok := strings.CutPrefix(text, "ai "); ok || text == "ai" {
		return r.draftAI(ctx, req, brief)
	}
	if text == "" {
		return Response{}, crier.Errorf(crier.EINVALID, "There is no text to save. Type it after the command, like: /draft Our spring collection drops Friday")
	}
	text, images, campaign, targets, err := r.takePostLines(ctx, text)
	if err != nil {
		return Response{}, err
	}
	text, variants := r.takeVariants(text)
	if targets == nil {
		targets = r.targetsFor(req.Channel)
	}
	if text == "" {
		return Response{}, crier.Errorf(crier.EINVALID, "There is no text to save besides the picture. Type it too, like: /draft Our spring collection drops Friday")
	}
	p := &crier.Post{
		Text: text, Images: images, Campaign: campaign, Status: crier.PostDraft, Targets: targets, Variants: variants,
		AuthorID: req.User.ID, AuthorName: req.User.Name, Origin: req.Channel,
	}
	previews, err := r.deps.Publisher.Schedule(ctx, p)
	if err != nil {
		return Response{}, err
	}
	lines := previewLines(p.Text, previews)
	for _, im := range p.Images {
		lines = append(lines, "picture: "+im.URL)
	}
	return Response{
		Text:    fmt.Sprintf("✓ Draft #%d saved. /schedule #%d <when> to schedule it.", p.ID, p.ID),
		Lines:   lines,
		Buttons: r.draftButtons(p),
	}, nil
}
