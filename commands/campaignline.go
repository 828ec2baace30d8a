package commands

import (
	"context"
	"strings"
	"unicode"

	"github.com/crier-bot/crier/internal/crier"
)

// takeCampaign takes the line "campaign: <name>" out of a post's text (the
// key in any case, spaces around anything) and returns the text without it
// and the name in lower case. A line whose value is more than one word
// ("Campaign: save the whales") is the post's own text and stays. Two
// campaign lines, or one with a name crier cannot take, are an error that
// says what to type. Without a campaign line the text is returned as it is.
func takeCampaign(text string) (rest, name string, found bool, err error) {
	if !strings.Contains(strings.ToLower(text), "campaign") {
		return text, "", false, nil
	}
	lines := strings.Split(text, "\n")
	keep := lines[:0:0]
	for _, line := range lines {
		head, value, ok := strings.Cut(strings.TrimSpace(line), ":")
		value = strings.TrimSpace(value)
		if !ok || !strings.EqualFold(strings.TrimSpace(head), "campaign") || strings.ContainsFunc(value, unicode.IsSpace) {
			keep = append(keep, line)
			continue
		}
		if found {
			return text, "", false, crier.Errorf(crier.EINVALID, "A post joins one campaign; remove one of the campaign: lines.")
		}
		if value == "" {
			return text, "", false, crier.Errorf(crier.EINVALID, "Say which campaign after campaign:, like campaign: launch; /campaign list shows them.")
		}
		if err := checkCampaignName(value, "campaign: "); err != nil {
			return text, "", false, err
		}
		name, found = strings.ToLower(value), true
	}
	if !found {
		return text, "", false, nil
	}
	return strings.TrimSpace(strings.Join(keep, "\n")), name, true, nil
}

// campaignFor returns the name of the open campaign a post may join, or an
// error that says what to type instead.
func (r *Router) campaignFor(ctx context.Context, name string) (string, error) {
	if r.deps.KPIs == nil {
		return "", noCampaigns()
	}
	c, err := r.deps.KPIs.Campaign(ctx, name)
	if crier.ErrorCode(err) == crier.ENOTFOUND {
		return "", crier.Errorf(crier.EINVALID, "There is no campaign named %s; make it with /campaign new %s, or see them with /campaign list.", name, strings.ToLower(name))
	}
	if err != nil {
		return "", err
	}
	if c.Closed {
		return "", crier.Errorf(crier.EINVALID, "Campaign %s is closed; remove the campaign: line, or make a new campaign with /campaign new <name>.", c.Name)
	}
	return c.Name, nil
}

// takeCampaignLine takes a post's campaign: line out of text and returns
// the campaign's name, checked to exist and be open ("" when there is no
// such line).
func (r *Router) takeCampaignLine(ctx context.Context, text string) (string, string, error) {
	rest, name, found, err := takeCampaign(text)
	if err != nil || !found {
		return rest, "", err
	}
	name, err = r.campaignFor(ctx, name)
	return rest, name, err
}

// takePostLines cuts off a post command's lines besides its time and text:
// the picture lines (first: their " | description" is not the time's "|"),
// the campaign line and the networks (nil when none are named).
func (r *Router) takePostLines(ctx context.Context, text string) (rest string, images []crier.Image, campaign string, targets []string, err error) {
	text, images, err = splitImages(text)
	if err != nil {
		return "", nil, "", nil, err
	}
	text, campaign, err = r.takeCampaignLine(ctx, text)
	if err != nil {
		return "", nil, "", nil, err
	}
	text, targets = takeNetworks(text)
	return text, images, campaign, targets, nil
}
