package discord

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/crier-bot/crier/internal/crier"
)

var _ crier.MessageFinder = (*Adapter)(nil)

const (
	// discordEpoch is the start of a snowflake's clock: 2015-01-01 in Unix
	// milliseconds (Discord's API reference, Snowflakes).
	discordEpoch = 1420070400000
	// findSlack is how far before since FindMessage looks, for the clocks
	// of crier and Discord to disagree.
	findSlack = 5 * time.Second
	// pageSize is the most messages Get Channel Messages returns at once.
	pageSize = 100
)

// FindMessage looks in ch (in its thread when ch.Thread is set: a thread is
// a channel) for the message m that crier posted since since, and returns
// it. It reads the messages after since, a page of 100 at a time, oldest
// pages first, and takes the first one crier's bot wrote that is m:
//
//   - its nonce is Nonce(m.Key), when Discord gives a nonce; or
//   - when there is none, its content is exactly what Post sends for m.
//
// The second rule is the one that works today. Discord's docs promise the
// nonce only in the create answer and the gateway's Message Create event
// (Create Message: "Value will appear in the Message Create event"); the
// message object lists it as optional, and Discord does not keep it: a
// message read back with Get Channel Messages has none (Rapptz/discord.py
// issue 2451). Content is always there for a bot's own messages (Gateway,
// Message Content Intent: "Content in messages that an app sends" is not
// emptied). So two messages from crier with the same text in the same place
// since since are the same message to FindMessage; the relay's messages
// name the comment and its time, which keeps them apart. A message whose
// text names people to notify is rendered here as if no role were known.
// A thread or channel that does not exist (10003) holds no message: not
// found, no error.
func (a *Adapter) FindMessage(ctx context.Context, ch crier.ChannelRef, m crier.Message, since time.Time) (crier.MessageRef, bool, error) {
	if m.Key == "" {
		return crier.MessageRef{}, false, nil
	}
	where := ch.ID
	if ch.Thread != "" {
		where = ch.Thread
	}
	me, err := a.self(ctx)
	if err != nil {
		return crier.MessageRef{}, false, err
	}
	send := chatMessage(m, nil)
	nonce, content, buttons := Nonce(m.Key), strings.TrimSpace(send.Content), customIDs(send.Components)
	after := snowflakeAt(since.Add(-findSlack))
	for {
		page, err := a.messagesAfter(ctx, where, after)
		if restCode(err, codeUnknownChannel) {
			return crier.MessageRef{}, false, nil
		}
		if err != nil {
			return crier.MessageRef{}, false, err
		}
		// Discord lists a page newest first: read it oldest first.
		for i := len(page) - 1; i >= 0; i-- {
			msg := page[i]
			if msg.Author.ID != me {
				continue
			}
			if got, ok := msg.nonce(); ok && got == nonce || !ok && strings.TrimSpace(msg.Content) == content && slices.Equal(msg.customIDs(), buttons) {
				return crier.MessageRef{Platform: Platform, Channel: ch.ID, ID: msg.ID, Thread: ch.Thread}, true, nil
			}
		}
		next := after
		for _, msg := range page {
			if snowflakeLess(next, msg.ID) {
				next = msg.ID
			}
		}
		if len(page) < pageSize || next == after {
			return crier.MessageRef{}, false, nil
		}
		after = next
	}
}

// listedMessage is what FindMessage reads of a message.
type listedMessage struct {
	ID     string `json:"id"`
	Author struct {
		ID string `json:"id"`
	} `json:"author"`
	Content    string          `json:"content"`
	Nonce      json.RawMessage `json:"nonce"` // a string or an integer, when there is one
	Components []struct {
		Components []struct {
			CustomID string `json:"custom_id"`
		} `json:"components"`
	} `json:"components"`
}

// customIDs are the custom ids of the message's buttons, in order: a
// relayed comment's Reply button names the comment, so two comments that
// read alike are told apart.
func (m listedMessage) customIDs() []string {
	var out []string
	for _, row := range m.Components {
		for _, c := range row.Components {
			if c.CustomID != "" {
				out = append(out, c.CustomID)
			}
		}
	}
	return out
}

// customIDs are the custom ids of rendered buttons, in order.
func customIDs(rows []discordgo.MessageComponent) []string {
	var out []string
	for _, r := range rows {
		row, ok := r.(discordgo.ActionsRow)
		if !ok {
			if p, isPtr := r.(*discordgo.ActionsRow); isPtr {
				row, ok = *p, true
			}
		}
		if !ok {
			continue
		}
		for _, c := range row.Components {
			switch b := c.(type) {
			case discordgo.Button:
				if b.CustomID != "" {
					out = append(out, b.CustomID)
				}
			case *discordgo.Button:
				if b.CustomID != "" {
					out = append(out, b.CustomID)
				}
			}
		}
	}
	return out
}

// nonce is the message's nonce, and whether it has one.
func (m listedMessage) nonce() (string, bool) {
	raw := strings.TrimSpace(string(m.Nonce))
	if raw == "" || raw == "null" {
		return "", false
	}
	var s string
	if err := json.Unmarshal(m.Nonce, &s); err == nil {
		return s, true
	}
	return raw, true // an integer
}

// messagesAfter lists up to a page of the messages after id in channel
// (Discord: newest first).
func (a *Adapter) messagesAfter(ctx context.Context, channel, after string) ([]listedMessage, error) {
	q := url.Values{"after": {after}, "limit": {strconv.Itoa(pageSize)}}
	raw, err := a.s.RequestWithBucketID(http.MethodGet, discordgo.EndpointChannelMessages(channel)+"?"+q.Encode(), nil,
		discordgo.EndpointChannelMessages(channel), discordgo.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("discord messages in %s: %w", channel, err)
	}
	var page []listedMessage
	if err := json.Unmarshal(raw, &page); err != nil {
		return nil, fmt.Errorf("discord messages in %s: %w", channel, err)
	}
	return page, nil
}

// self is crier's own user id: the gateway's, or Discord's answer to
// GET /users/@me before the gateway is up.
func (a *Adapter) self(ctx context.Context) (string, error) {
	if id := a.bot(); id != "" {
		return id, nil
	}
	a.mu.Lock()
	id := a.me
	a.mu.Unlock()
	if id != "" {
		return id, nil
	}
	u, err := a.s.User("@me", discordgo.WithContext(ctx))
	if err != nil {
		return "", fmt.Errorf("discord: crier's own user: %w", err)
	}
	a.mu.Lock()
	a.me = u.ID
	a.mu.Unlock()
	return u.ID, nil
}

// snowflakeAt is the Discord id just before the first of instant t: the
// messages after it were sent at t or later.
func snowflakeAt(t time.Time) string {
	ms := t.UnixMilli() - discordEpoch
	if ms <= 0 {
		return "0"
	}
	return strconv.FormatUint(uint64(ms)<<22-1, 10)
}

// snowflakeLess reports whether id a is older than id b.
func snowflakeLess(a, b string) bool {
	x, _ := strconv.ParseUint(a, 10, 64)
	y, _ := strconv.ParseUint(b, 10, 64)
	return x < y
}
