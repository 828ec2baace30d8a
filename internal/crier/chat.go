package crier

import "context"

// Notice is a message crier sends by itself (not as an answer to a command):
// a post was published, a publish failed.
type Notice struct {
	Channel ChannelRef
	Text    string
	Buttons []Button // actions offered with the notice ("It is published", "Publish again")
}

// Button is an action offered with a response or a notice. Pressing it runs
// Command as the person who pressed it (their roles apply), so a platform
// without buttons shows Command as text to type.
type Button struct {
	Label   string
	Action  string // "publish_now", "reschedule", "cancel", "confirm_published", "publish_again"
	PostID  int64
	Target  string // the network a delivery button is about; "" for a post button
	Command string // "/reschedule #12 now", "/published #12 mastodon"
}

// Notifier delivers notices to chat channels. Each chat adapter implements it
// for its own platform.
type Notifier interface {
	Notify(ctx context.Context, n Notice) error
}

// ThreadReply is a message a person typed in a thread crier started, on any
// chat platform; the comment relay turns it into a reply on the network.
type ThreadReply struct {
	Platform  string // "slack", "discord"
	Channel   string // the channel the thread is in
	Thread    string // the thread: Slack's parent ts, Discord's thread channel id
	MessageID string // the reply itself: Slack's ts, Discord's message id
	UserID    string
	Text      string
}

// ThreadHandler receives thread replies from every chat adapter.
type ThreadHandler func(ctx context.Context, r ThreadReply)
