package slack

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"

	"github.com/crier-bot/crier/internal/crier"
)

// metadataType marks crier's posts in a channel; their payload carries the
// delivery's idempotency key.
const metadataType = "crier_post"

// Network publishes posts to a Slack channel, such as an announcements
// channel. Slack has no idempotency keys, so each message carries its
// delivery's key as message metadata, and a publish first looks for a
// message with that key posted since the post was due: a retry after an
// unclear failure finds the first message instead of posting a second.
type Network struct {
	a       *Adapter
	name    string
	channel string
	limit   int

	joined atomic.Bool
}

var _ crier.Network = (*Network)(nil)

// Network returns a network that publishes to channel through this adapter.
func (a *Adapter) Network(name, channel string, limit int) *Network {
	return &Network{a: a, name: name, channel: channel, limit: limit}
}

// Name returns the network's name in bot.yaml.
func (n *Network) Name() string { return n.name }

// Kind returns "slack".
func (n *Network) Kind() string { return "slack" }

// Check counts characters against the configured limit.
func (n *Network) Check(text string) crier.Count {
	return crier.Count{Used: utf8.RuneCountInString(text), Limit: n.limit, Unit: "characters"}
}

// Publish posts the text to the channel once per idempotency key.
func (n *Network) Publish(ctx context.Context, req crier.PublishRequest) (crier.PublishResult, error) {
	if err := n.join(ctx); err != nil {
		return crier.PublishResult{}, n.explain(err)
	}
	ts, err := n.find(ctx, req)
	if err != nil {
		return crier.PublishResult{}, n.explain(err)
	}
	if ts == "" {
		ts, err = n.a.post(ctx, n.channel, "", req.Text, slackapi.MsgOptionMetadata(slackapi.SlackMetadata{
			EventType:    metadataType,
			EventPayload: map[string]any{"idempotency_key": req.IdempotencyKey, "post_id": strconv.FormatInt(req.PostID, 10)},
		}))
		if err != nil {
			return crier.PublishResult{}, n.explain(err)
		}
	}
	res := crier.PublishResult{RemoteID: ts}
	if link, err := n.a.client.GetPermalinkContext(ctx, &slackapi.PermalinkParameters{Channel: n.channel, Ts: ts}); err == nil {
		res.URL = link
	}
	return res, nil
}

// join makes crier a member of a public channel (it must be, to read the
// channel's history); private channels need /invite @crier.
func (n *Network) join(ctx context.Context) error {
	if n.joined.Load() {
		return nil
	}
	if _, _, _, err := n.a.client.JoinConversationContext(ctx, n.channel); err != nil {
		var se slackapi.SlackErrorResponse
		if errors.As(err, &se) && se.Err == "method_not_supported_for_channel_type" {
			return crier.Permanent(crier.Errorf(crier.EPERMANENT, "channel %s is private; type /invite @crier there", n.channel))
		}
		return fmt.Errorf("slack join %s: %w", n.channel, err)
	}
	n.joined.Store(true)
	return nil
}

// find returns the ts of a message in the channel that carries req's key,
// posted since the post was due or first tried, whichever is earlier (a
// rescheduled retry still finds the first message), with a minute of slack
// for clocks; or "".
func (n *Network) find(ctx context.Context, req crier.PublishRequest) (string, error) {
	params := &slackapi.GetConversationHistoryParameters{
		ChannelID: n.channel, Limit: 200, IncludeAllMetadata: true,
		Oldest: strconv.FormatInt(since(req).Unix()-60, 10),
	}
	for page := 0; page < 5; page++ {
		hist, err := n.a.client.GetConversationHistoryContext(ctx, params)
		if err != nil {
			return "", fmt.Errorf("slack history of %s: %w", n.channel, err)
		}
		for _, m := range hist.Messages {
			if m.Metadata.EventType == metadataType && m.Metadata.EventPayload["idempotency_key"] == req.IdempotencyKey {
				return m.Timestamp, nil
			}
		}
		if !hist.HasMore || hist.ResponseMetaData.NextCursor == "" {
			return "", nil
		}
		params.Cursor = hist.ResponseMetaData.NextCursor
	}
	return "", nil
}

// explain turns Slack's error codes into plain words; the ones retrying
// cannot fix are permanent.
func (n *Network) explain(err error) error {
	var se slackapi.SlackErrorResponse
	code := ""
	if errors.As(err, &se) {
		code = se.Err
	}
	if refusedCode(code) {
		return crier.Permanent(crier.Errorf(crier.EPERMANENT, "Slack refused crier's bot token (%s); set a new chat.slack.bot_token", code))
	}
	switch code {
	case "channel_not_found":
		return crier.Permanent(crier.Errorf(crier.EPERMANENT, "Slack says channel %s does not exist or crier cannot see it; check channel: in bot.yaml", n.channel))
	case "not_in_channel":
		return crier.Permanent(crier.Errorf(crier.EPERMANENT, "crier is not in channel %s; type /invite @crier there", n.channel))
	case "is_archived":
		return crier.Permanent(crier.Errorf(crier.EPERMANENT, "channel %s is archived", n.channel))
	case "msg_too_long":
		return crier.Permanent(crier.Errorf(crier.EPERMANENT, "Slack says the text is too long"))
	case "missing_scope":
		return crier.Permanent(crier.Errorf(crier.EPERMANENT, "crier's Slack app lacks a permission (scope); update it from the manifest in slack/ and reinstall it"))
	}
	return err
}

// since is when a message for req can first have been posted.
func since(req crier.PublishRequest) time.Time {
	if !req.StartedAt.IsZero() && req.StartedAt.Before(req.DueAt) {
		return req.StartedAt
	}
	return req.DueAt
}
