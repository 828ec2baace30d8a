package commands

import (
	"context"
	"log/slog"
	"net/url"
	"strconv"
	"strings"

	"github.com/crier-bot/crier/internal/crier"
)

// FeedTokens makes and revokes the tokens of people's calendar feed
// addresses (crier.FeedStore; the store keeps only their hashes).
type FeedTokens interface {
	CreateFeedToken(ctx context.Context, platform, userID, userName string) (string, error)
	RevokeFeedTokens(ctx context.Context, platform, userID string) (int, error)
	RevokeAllFeedTokens(ctx context.Context) (int, error)
}

// FeedPath is where crier serves the calendar feed.
const FeedPath = "/calendar.ics"

// calendarLink makes (verb "link") or revokes (verb "revoke") the person's
// calendar feed address, answering only them: the address opens the plan to
// whoever has it. An admin's "revoke everyone" stops every address (someone
// left the team, or an address was shared by mistake).
func (r *Router) calendarLink(ctx context.Context, req Request, verb, rest string) (Response, error) {
	everyone := verb == "revoke" && (strings.EqualFold(rest, "everyone") || strings.EqualFold(rest, "all"))
	switch {
	case everyone:
	case rest != "" && verb == "revoke":
		return Response{}, crier.Errorf(crier.EINVALID, "Type /calendar revoke on its own for your addresses (an admin may type /calendar revoke everyone).")
	case rest != "":
		return Response{}, crier.Errorf(crier.EINVALID, "Type /calendar %s on its own, with nothing after it.", verb)
	}
	if r.deps.Feeds == nil || r.deps.FeedBase == "" {
		return Response{}, crier.Errorf(crier.EINVALID, "Calendar feeds are off: ask whoever runs crier to set http.public_url in bot.yaml.")
	}
	if verb == "link" && len(req.User.Roles) == 0 {
		// An address shows the whole plan, waiting posts too: for the team.
		return Response{}, crier.Errorf(crier.EFORBIDDEN, "Calendar addresses are for the team: ask whoever runs crier to give you a role under roles: in bot.yaml.")
	}
	if everyone {
		if !req.User.Can(crier.RoleAdmin) {
			return Response{}, crier.Errorf(crier.EFORBIDDEN, "Only an admin may stop everyone's calendar addresses; type /calendar revoke to stop yours.")
		}
		n, err := r.deps.Feeds.RevokeAllFeedTokens(ctx)
		if err != nil {
			return Response{}, err
		}
		// Other people's calendars stop updating: leave a trace of who did it.
		r.deps.Logger.Info("every calendar address revoked", slog.String("platform", req.Platform),
			slog.String("user_id", req.User.ID), slog.Int("addresses", n))
		if n == 0 {
			return Response{Text: "Nobody had a calendar address; nothing to stop.", Ephemeral: true}, nil
		}
		if n == 1 {
			return Response{Text: "✓ Done: the team's one calendar address stops working. Its owner types /calendar link for a new one.", Ephemeral: true}, nil
		}
		return Response{Text: "✓ Done: all " + strconv.Itoa(n) + " of the team's calendar addresses stop working. Each person types /calendar link for a new one.", Ephemeral: true}, nil
	}
	if verb == "revoke" {
		n, err := r.deps.Feeds.RevokeFeedTokens(ctx, req.Platform, req.User.ID)
		if err != nil {
			return Response{}, err
		}
		if n == 0 {
			return Response{Text: "You had no calendar address; nothing to stop. Type /calendar link for one.", Ephemeral: true}, nil
		}
		text := "✓ Done: the old address stops working. Type /calendar link for a new one."
		if n > 1 {
			text = "✓ Done: your " + strconv.Itoa(n) + " old addresses stop working. Type /calendar link for a new one."
		}
		return Response{Text: text, Ephemeral: true}, nil
	}
	token, err := r.deps.Feeds.CreateFeedToken(ctx, req.Platform, req.User.ID, req.User.Name)
	if err != nil {
		return Response{}, err
	}
	link := strings.TrimRight(r.deps.FeedBase, "/") + FeedPath + "?token=" + url.QueryEscape(token)
	return Response{
		Text: "Your calendar address (only you see this; anyone with it sees the plan):",
		Lines: []string{
			link,
			"Google Calendar: Other calendars → + → From URL, paste the address, Add calendar.",
			"Outlook: Add calendar → Subscribe from web, paste the address, Import.",
			"Apple Calendar: File → New Calendar Subscription, paste the address, Subscribe.",
			"Apps fetch it again on their own schedule (Google: every few hours). /calendar revoke stops it.",
		},
		Ephemeral: true,
	}, nil
}
