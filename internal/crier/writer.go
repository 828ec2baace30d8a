package crier

import "context"

// Voice is the brand voice bot.yaml gives the writer: how the team sounds.
type Voice struct {
	Tone     string   // "friendly, plain, no hype"
	Use      []string // words to use
	Avoid    []string // words never to use
	Hashtags []string // hashtags the team adds
	Language string   // the language posts are written in ("en", "pt", "ro"); "" lets the brief decide
}

// NetworkRule is what the writer must respect for one network: its limit,
// counted the network's way.
type NetworkRule struct {
	Network string // the network's name in bot.yaml
	Kind    string // mastodon, bluesky, webhook, …
	Limit   int
	Unit    string // "characters", "graphemes"
}

// WriteRequest asks for one variant of a post per network.
type WriteRequest struct {
	Brief    string // what the person asked for, or the post's main text to adapt
	Networks []NetworkRule
	Voice    Voice
	// Feedback, on a second request, says what was wrong with the first
	// answer ("bluesky's text is 340 graphemes; its limit is 300").
	Feedback string
}

// Variant is one network's text.
type Variant struct {
	Network string
	Text    string
}

// ReplyRequest asks for a suggested answer to a customer's comment.
type ReplyRequest struct {
	Post    string // crier's post the comment is on; "" for none
	Comment string // the customer's words
	Author  string // the customer's name or handle
	Network NetworkRule
	Voice   Voice
}

// Writer writes copy with AI through an OpenAI-compatible endpoint
// (adapters/openai). Nothing it writes is published by itself: a person
// edits and sends it.
type Writer interface {
	// Variants writes one text per network of req.Networks, in order. An
	// error is a *crier.Error a person can read (the endpoint is down, it
	// refused, it answered what crier cannot use), with no API key in it.
	Variants(ctx context.Context, req WriteRequest) ([]Variant, error)
	// SuggestReply drafts an answer to a comment.
	SuggestReply(ctx context.Context, req ReplyRequest) (string, error)
}
