package crier

import (
	"context"
	"time"
)

// Button is an action offered with a response or a message. Pressing it runs
// Command as the person who pressed it (their roles apply), so a platform
// without buttons shows Command as text to type.
type Button struct {
	Label   string
	Action  string // "publish_now", "reschedule", "cancel", "confirm_published", "publish_again"
	PostID  int64
	Target  string // the network a delivery button is about; "" for a post button
	Ref     string // what later features point at (a comment, a conversation); "" for none
	Command string // "/reschedule #12 now", "/published #12 mastodon"
}

// MessageRef names a message crier posted, so it can be answered in its
// thread, updated or reacted to.
type MessageRef struct {
	Platform string `json:"platform"`
	Channel  string `json:"channel"`
	ID       string `json:"id"`               // Slack's ts, Discord's message id, the shell's message number
	Thread   string `json:"thread,omitempty"` // the thread it is in; "" for a message in the channel itself
}

// File is a file attached to a message: a PNG chart for the digest.
type File struct {
	Name        string // "digest-2026-12-06.png"
	ContentType string // "image/png"
	Data        []byte
	Alt         string // what it shows, for people who cannot see it
}

// Message is something crier posts by itself (not an answer to a command):
// a notice, a comment relayed from a network, a digest.
type Message struct {
	// Mention are the people to notify, by their chat user id (Slack U…
	// or a user group S…; Discord user id), shown before the text. Nothing
	// else in a message notifies anyone: text is shown as it is.
	Mention []string
	Text    string
	Lines   []string // detail lines, shown under the text
	Buttons []Button
	File    *File // nil: no attachment
	// Key, when set, names this message for good, so that a message an
	// earlier attempt may have posted (a crash, a timeout) can be found
	// again by a MessageFinder rather than posted twice. Adapters carry it
	// where people do not see it (Slack's message metadata; Discord's
	// nonce, which Discord honours for a few minutes and never gives back,
	// so Discord's finder matches the message's text and buttons).
	Key string
}

// Chat is a chat platform crier posts to and reads thread replies from.
// Slack, Discord and the shell implement it; no SDK type appears in it.
type Chat interface {
	// Platform is "slack", "discord" or "shell": the ChannelRef.Platform of
	// the channels this chat serves.
	Platform() string
	// Post posts m to ch, into the thread ch.Thread names when it is not
	// "", and returns the message's reference (start a thread on a message
	// by posting with Thread set to its ref's ID).
	Post(ctx context.Context, ch ChannelRef, m Message) (MessageRef, error)
	// Update replaces the text, lines and buttons of a message crier posted.
	Update(ctx context.Context, ref MessageRef, m Message) error
	// React adds a reaction (an emoji name such as "white_check_mark") to
	// a message.
	React(ctx context.Context, ref MessageRef, emoji string) error
	// OnThreadReply sets the handler of what people type in threads crier
	// started.
	OnThreadReply(h ThreadHandler)
}

// MessageFinder is a Chat that can find a message it posted with a Key.
// Chat messages have no idempotency key a platform keeps for good, so before
// posting again a message whose earlier attempt may have got through (a
// crash, a timeout), the relay asks.
type MessageFinder interface {
	// FindMessage looks in ch (in its thread when ch.Thread is set) for a
	// message crier posted since since with m's Key, and returns its
	// reference; ok is false when there is none.
	FindMessage(ctx context.Context, ch ChannelRef, m Message, since time.Time) (ref MessageRef, ok bool, err error)
}

// ThreadReply is a message a person typed in a thread crier started, on any
// chat platform; the comment relay turns it into a reply on the network.
type ThreadReply struct {
	Platform  string // "slack", "discord"
	Channel   string // the channel the thread is in
	Thread    string // the thread: Slack's parent ts, Discord's thread channel id
	MessageID string // the reply itself: Slack's ts, Discord's message id
	UserID    string
	UserName  string // "" when the chat did not say
	// Roles are the person's roles as the chat resolved them from bot.yaml
	// (user ids, Slack user groups, Discord roles); nil when it could not.
	Roles []Role
	Text  string
}

// ThreadHandler receives thread replies from every chat adapter.
type ThreadHandler func(ctx context.Context, r ThreadReply)
