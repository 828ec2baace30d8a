package crier

import "context"

// Notice is a message crier sends by itself (not as an answer to a command):
// a post was published, a publish failed.
type Notice struct {
	Channel ChannelRef
	Text    string
}

// Notifier delivers notices to chat channels. Each chat adapter implements it
// for its own platform.
type Notifier interface {
	Notify(ctx context.Context, n Notice) error
}
