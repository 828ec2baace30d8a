package slack

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/crier-bot/crier/internal/crier"
)

// messageType marks a chat message crier posted with a Key; its payload
// carries the key ({"key": ...}). Slack shows metadata to apps, not people.
const messageType = "crier_message"

// Reading back what crier posted.
const (
	findSkew = time.Minute // how much earlier than since a message may be stamped (crier's clock against Slack's)
	findPage = 200         // messages asked for a page; Slack's reference recommends no more than 200
)

var _ crier.MessageFinder = (*Adapter)(nil)

// keyMetadata is the message metadata that carries a message's Key.
func keyMetadata(key string) slackapi.MsgOption {
	return slackapi.MsgOptionMetadata(slackapi.SlackMetadata{EventType: messageType, EventPayload: map[string]any{"key": key}})
}

// FindMessage looks for the message crier posted with m's Key in ch since
// since (a few seconds earlier, for clocks): in the thread ch.Thread names
// with conversations.replies, or among the channel's messages with
// conversations.history (which lists no thread replies), asking for message
// metadata (include_all_metadata) and following next_cursor to the last
// page. A message without a Key is never found. A 429 is a
// crier.RateLimitError with Slack's Retry-After, for the caller to retry.
//
// Slack lets crier read only channels it is a member of (not_in_channel
// otherwise), with the channels:history or groups:history scope: crier joins
// a public channel it posted in without joining, and reads again.
func (a *Adapter) FindMessage(ctx context.Context, ch crier.ChannelRef, m crier.Message, since time.Time) (crier.MessageRef, bool, error) {
	if m.Key == "" {
		return crier.MessageRef{}, false, nil
	}
	var oldest string
	var from float64
	if !since.IsZero() {
		from = float64(since.Add(-findSkew).Unix())
		oldest = strconv.FormatInt(int64(from), 10)
	}
	cursor, joined := "", false
	for {
		msgs, next, err := a.readPage(ctx, ch, oldest, cursor)
		var se slackapi.SlackErrorResponse
		if err != nil && !joined && errors.As(err, &se) && se.Err == "not_in_channel" {
			// crier may post in a public channel it has not joined
			// (chat:write.public) but not read it: it joins
			// (channels:join) and reads again. A private channel it could
			// not have posted in without an invitation.
			joined = true
			if _, _, _, jerr := a.client.JoinConversationContext(ctx, ch.ID); jerr != nil {
				return crier.MessageRef{}, false, fmt.Errorf("slack join %s to look for a message: %w", ch.ID, jerr)
			}
			continue
		}
		if err != nil {
			return crier.MessageRef{}, false, a.findErr(ch, err)
		}
		for _, msg := range msgs {
			if ts, err := strconv.ParseFloat(msg.Timestamp, 64); err != nil || ts < from {
				continue // a thread's parent may come back from before oldest
			}
			if msg.Metadata.EventType == messageType && msg.Metadata.EventPayload["key"] == m.Key {
				return crier.MessageRef{Platform: Platform, Channel: ch.ID, ID: msg.Timestamp, Thread: ch.Thread}, true, nil
			}
		}
		if next == "" {
			return crier.MessageRef{}, false, nil
		}
		if next == cursor {
			return crier.MessageRef{}, false, fmt.Errorf("slack find %s in %s: the same next_cursor twice", m.Key, ch.ID)
		}
		cursor = next
	}
}

// readPage reads one page of ch's thread or channel from cursor on, with
// metadata, and returns its messages and the next page's cursor ("" after
// the last).
func (a *Adapter) readPage(ctx context.Context, ch crier.ChannelRef, oldest, cursor string) ([]slackapi.Message, string, error) {
	if ch.Thread != "" {
		msgs, _, next, err := a.api.GetConversationRepliesContext(ctx, &slackapi.GetConversationRepliesParameters{
			ChannelID: ch.ID, Timestamp: ch.Thread, Oldest: oldest, Cursor: cursor, Limit: findPage, IncludeAllMetadata: true,
		})
		if err != nil {
			return nil, "", fmt.Errorf("slack replies to %s in %s: %w", ch.Thread, ch.ID, err)
		}
		return msgs, next, nil
	}
	hist, err := a.api.GetConversationHistoryContext(ctx, &slackapi.GetConversationHistoryParameters{
		ChannelID: ch.ID, Oldest: oldest, Cursor: cursor, Limit: findPage, IncludeAllMetadata: true,
	})
	if err != nil {
		return nil, "", fmt.Errorf("slack history of %s: %w", ch.ID, err)
	}
	return hist.Messages, hist.ResponseMetaData.NextCursor, nil
}

// findErr marks Slack's 429 as a rate limit the caller waits out.
func (a *Adapter) findErr(ch crier.ChannelRef, err error) error {
	var limited *slackapi.RateLimitedError
	if errors.As(err, &limited) {
		a.opts.Metrics.RateLimited(Platform)
		return crier.RateLimited(fmt.Errorf("slack find in %s: %w", ch.ID, err), limited.RetryAfter)
	}
	return fmt.Errorf("slack find in %s: %w", ch.ID, err)
}
