package commands

import (
	"context"

	"github.com/crier-bot/crier/internal/crier"
)

func (r *Router) campaignDef() Definition {
	return Definition{
		Name:     "campaign",
		Usage:    "/campaign new <name> [budget <amount> <currency>] [until <date>] · list · show <name> · close <name>",
		Summary:  "Make and follow marketing campaigns: posts, engagement, spend against budget, conversions and ROI.",
		Examples: []string{"/campaign new launch budget 500 EUR until 31 dec", "/campaign show launch"},
		Handler:  r.campaign,
	}
}

func (r *Router) campaign(ctx context.Context, req Request) (Response, error) {
	return Response{}, crier.Errorf(crier.EINVALID, "Campaigns are not ready yet.")
}
