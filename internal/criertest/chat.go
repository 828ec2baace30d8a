package criertest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crier-bot/crier/internal/crier"
)

// Posted is a message crier posted to the fake chat.
type Posted struct {
	Channel crier.ChannelRef
	Ref     crier.MessageRef
	crier.Message
}

// Chat is a fake crier.Chat: it records each message posted and numbers it,
// as a chat does, and can be made unreachable.
type Chat struct {
	mu      sync.Mutex
	posted  []Posted
	updates []Posted
	down    bool
	lost    map[string]int   // answers to lose per channel: the message is posted, the caller hears an error
	refused map[string]error // threads and channels that refuse messages, with the error
	// byText makes FindMessage match a message's text and lines, as
	// Discord's finder must (Discord gives no key back), not its key.
	byText  bool
	handler crier.ThreadHandler
}

var (
	_ crier.Chat          = (*Chat)(nil)
	_ crier.MessageFinder = (*Chat)(nil)
)

// Platform is "shell".
func (c *Chat) Platform() string { return "shell" }

// Post records m; it fails while the chat is down.
func (c *Chat) Post(_ context.Context, ch crier.ChannelRef, m crier.Message) (crier.MessageRef, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.down {
		return crier.MessageRef{}, errors.New("chat is down")
	}
	where := ch.ID
	if ch.Thread != "" {
		where = ch.Thread
	}
	if err := c.refused[where]; err != nil {
		return crier.MessageRef{}, err
	}
	ref := crier.MessageRef{Platform: ch.Platform, Channel: ch.ID, ID: fmt.Sprint(len(c.posted) + 1), Thread: ch.Thread}
	c.posted = append(c.posted, Posted{Channel: ch, Ref: ref, Message: m})
	if c.lost[ch.ID] > 0 {
		c.lost[ch.ID]--
		return crier.MessageRef{}, errors.New("chat did not answer in time")
	}
	return ref, nil
}

// RefuseThread makes posts into thread (or into a channel, by its id)
// fail with err (a thread a moderator locked, a channel crier may not post
// in); a nil err lets them through again.
func (c *Chat) RefuseThread(thread string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.refused == nil {
		c.refused = map[string]error{}
	}
	c.refused[thread] = err
}

// MatchByText makes FindMessage match a message's text and lines rather
// than its key, as Discord's finder does.
func (c *Chat) MatchByText() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byText = true
}

// LoseAnswers makes the next n posts to channel (and its threads) get
// through while the caller hears an error, as when a chat's answer times
// out.
func (c *Chat) LoseAnswers(channel string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lost == nil {
		c.lost = map[string]int{}
	}
	c.lost[channel] = n
}

// FindMessage finds a message posted to ch (its thread) with m's Key, as
// Slack's metadata and Discord's nonce let crier do.
func (c *Chat) FindMessage(_ context.Context, ch crier.ChannelRef, m crier.Message, _ time.Time) (crier.MessageRef, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.down {
		return crier.MessageRef{}, false, errors.New("chat is down")
	}
	for _, p := range c.posted {
		if p.Channel.ID != ch.ID || p.Channel.Thread != ch.Thread || m.Key == "" {
			continue
		}
		if c.byText && p.Text == m.Text && slices.Equal(p.Lines, m.Lines) || !c.byText && p.Key == m.Key {
			return p.Ref, true, nil
		}
	}
	return crier.MessageRef{}, false, nil
}

// Update records the new content of a message.
func (c *Chat) Update(_ context.Context, ref crier.MessageRef, m crier.Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.down {
		return errors.New("chat is down")
	}
	c.updates = append(c.updates, Posted{Ref: ref, Message: m})
	return nil
}

// React does nothing.
func (c *Chat) React(context.Context, crier.MessageRef, string) error { return nil }

// Reply hands r to the thread handler, as a person answering in a thread.
func (c *Chat) Reply(ctx context.Context, r crier.ThreadReply) {
	c.mu.Lock()
	h := c.handler
	c.mu.Unlock()
	if h != nil {
		h(ctx, r)
	}
}

// OnThreadReply keeps h; Reply calls it.
func (c *Chat) OnThreadReply(h crier.ThreadHandler) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.handler = h
}

// SetDown makes the chat unreachable (or reachable again).
func (c *Chat) SetDown(down bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.down = down
}

// Messages returns what was posted, in order.
func (c *Chat) Messages() []Posted {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Posted(nil), c.posted...)
}

// Updates returns the updates made to posted messages, in order.
func (c *Chat) Updates() []Posted {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Posted(nil), c.updates...)
}

// Texts returns the text of each message posted, in order.
func (c *Chat) Texts() []string {
	var out []string
	for _, m := range c.Messages() {
		out = append(out, m.Text)
	}
	return out
}

// Find returns the first message whose text starts with prefix, failing
// the test when there is none.
func (c *Chat) Find(t testing.TB, prefix string) Posted {
	t.Helper()
	ms := c.Messages()
	for _, m := range ms {
		if strings.HasPrefix(m.Text, prefix) {
			return m
		}
	}
	var texts []string
	for _, m := range ms {
		texts = append(texts, m.Text)
	}
	t.Fatalf("no message starts with %q; got %q", prefix, texts)
	return Posted{}
}
