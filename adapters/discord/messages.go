package discord

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
	"golang.org/x/time/rate"

	"github.com/crier-bot/crier/internal/crier"
)

// onMessage passes a person's message in a thread crier started to the
// thread handler; it ignores bots (crier included), other threads and
// channels, and messages without text.
func (a *Adapter) onMessage(_ *discordgo.Session, m *discordgo.MessageCreate) {
	defer a.recoverPanic("message")
	if m.Author == nil || m.Author.Bot || m.Author.ID == a.bot() || m.GuildID == "" {
		return
	}
	info, err := a.threadInfo(m.ChannelID)
	if err != nil {
		a.log.Warn("discord channel lookup failed", slog.Any("error", err))
		return
	}
	if !info.isThread || info.owner == "" || info.owner != a.bot() {
		return
	}
	a.mu.Lock()
	h := a.onThread
	a.mu.Unlock()
	if h != nil {
		var memberRoles []string
		if m.Member != nil {
			memberRoles = m.Member.Roles
		}
		h(context.Background(), crier.ThreadReply{Platform: Platform, Channel: info.parent, Thread: m.ChannelID, MessageID: m.ID,
			UserID: m.Author.ID, UserName: m.Author.Username, Roles: a.rolesOf(m.Author.ID, memberRoles), Text: m.Content})
	}
}

// threadInfo tells whether a channel is a thread and who started it.
func (a *Adapter) threadInfo(channelID string) (threadInfo, error) {
	a.mu.Lock()
	info, ok := a.threads[channelID]
	a.mu.Unlock()
	if ok {
		return info, nil
	}
	ch, err := a.channel(context.Background(), channelID)
	if err != nil {
		return threadInfo{}, err
	}
	return threadInfo{owner: ch.OwnerID, parent: ch.ParentID, isThread: ch.IsThread()}, nil
}

// channel looks a channel up once: its guild, type, parent and owner do not
// change, so neither thread replies nor publishes ask Discord again.
func (a *Adapter) channel(ctx context.Context, id string) (*discordgo.Channel, error) {
	a.mu.Lock()
	ch, ok := a.channels[id]
	a.mu.Unlock()
	if ok {
		return ch, nil
	}
	ch, err := a.s.Channel(id, discordgo.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("discord channel %s: %w", id, err)
	}
	a.mu.Lock()
	a.channels[id] = ch
	a.mu.Unlock()
	return ch, nil
}

// send posts m to a channel or thread, paced per channel (discordgo also
// honours Discord's rate-limit buckets and Retry-After), and returns the
// message id. With a nonce (and no file), Discord returns the message the
// same nonce created in the past few minutes instead of posting it again.
func (a *Adapter) send(ctx context.Context, channelID string, m *discordgo.MessageSend, nonce string) (string, error) {
	if err := a.limiter(channelID).Wait(ctx); err != nil {
		return "", fmt.Errorf("discord post to %s: %w", channelID, err)
	}
	var id string
	if nonce != "" && len(m.Files) == 0 {
		body := messageWithNonce{Content: m.Content, Components: m.Components, AllowedMentions: m.AllowedMentions, Nonce: nonce, EnforceNonce: true}
		raw, err := a.s.RequestWithBucketID(http.MethodPost, discordgo.EndpointChannelMessages(channelID), body,
			discordgo.EndpointChannelMessages(channelID), discordgo.WithContext(ctx))
		if err != nil {
			return "", fmt.Errorf("discord post to %s: %w", channelID, err)
		}
		var msg discordgo.Message
		if err := json.Unmarshal(raw, &msg); err != nil {
			return "", fmt.Errorf("discord post to %s: %w", channelID, err)
		}
		id = msg.ID
	} else {
		msg, err := a.s.ChannelMessageSendComplex(channelID, m, discordgo.WithContext(ctx))
		if err != nil {
			return "", fmt.Errorf("discord post to %s: %w", channelID, err)
		}
		id = msg.ID
	}
	a.opts.Metrics.MessageSent(Platform)
	return id, nil
}

func (a *Adapter) limiter(channel string) *rate.Limiter {
	a.mu.Lock()
	defer a.mu.Unlock()
	l, ok := a.limiters[channel]
	if !ok {
		l = rate.NewLimiter(a.opts.PerChannel, 3)
		a.limiters[channel] = l
	}
	return l
}

// Network publishes posts to a Discord channel; in an announcement channel
// it also crossposts them to the channels that follow it.
type Network struct {
	a         *Adapter
	name      string
	channel   string
	limit     int
	crosspost bool
}

var (
	_ crier.Network     = (*Network)(nil)
	_ crier.KeyWindower = (*Network)(nil)
)

// Network returns a network that publishes to channel through this adapter.
func (a *Adapter) Network(name, channel string, limit int, crosspost bool) *Network {
	return &Network{a: a, name: name, channel: channel, limit: limit, crosspost: crosspost}
}

// Name returns the network's name in bot.yaml.
func (n *Network) Name() string { return n.name }

// Kind returns "discord".
func (n *Network) Kind() string { return "discord" }

// Check counts characters against the limit (Discord: 2000).
func (n *Network) Check(text string) crier.Count {
	return crier.Count{Used: utf8.RuneCountInString(text), Limit: n.limit, Unit: "characters"}
}

// KeyWindow is how long Discord recognises a nonce: "a few minutes", so
// crier counts on 3. A publish that got no answer is retried inside it, and
// after it a person is asked.
func (n *Network) KeyWindow() time.Duration { return 3 * time.Minute }

// messageWithNonce is Discord's create-message body with the nonce fields
// discordgo's MessageSend lacks: with enforce_nonce, a second create with the
// same nonce (within Discord's few-minute window) returns the first message
// instead of posting again.
type messageWithNonce struct {
	Content         string                            `json:"content"`
	Components      []discordgo.MessageComponent      `json:"components,omitempty"`
	AllowedMentions *discordgo.MessageAllowedMentions `json:"allowed_mentions"`
	Nonce           string                            `json:"nonce"`
	EnforceNonce    bool                              `json:"enforce_nonce"`
}

// Nonce derives a delivery's Discord nonce (at most 25 characters) from its
// idempotency key.
func Nonce(key string) string {
	sum := sha256.Sum256([]byte(key))
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:])[:25])
}

// Publish posts the text once per idempotency key and crossposts it from an
// announcement channel.
func (n *Network) Publish(ctx context.Context, req crier.PublishRequest) (crier.PublishResult, error) {
	if err := n.a.limiter(n.channel).Wait(ctx); err != nil {
		return crier.PublishResult{}, err
	}
	body := messageWithNonce{Content: req.Text, AllowedMentions: noPings(), Nonce: Nonce(req.IdempotencyKey), EnforceNonce: true}
	raw, err := n.a.s.RequestWithBucketID(http.MethodPost, discordgo.EndpointChannelMessages(n.channel), body,
		discordgo.EndpointChannelMessages(n.channel), discordgo.WithContext(ctx))
	if err != nil {
		return crier.PublishResult{}, n.explain(err)
	}
	var msg discordgo.Message
	if err := json.Unmarshal(raw, &msg); err != nil {
		return crier.PublishResult{}, fmt.Errorf("discord message: %w", err)
	}
	n.a.opts.Metrics.MessageSent(Platform)
	// Discord's REST message objects carry no guild_id (only the gateway's
	// do): the channel tells the guild for the link, and its type whether
	// to crosspost.
	var ch *discordgo.Channel
	if msg.GuildID == "" || n.crosspost {
		if ch, err = n.a.channel(ctx, n.channel); err != nil {
			n.a.log.Warn("discord channel lookup failed", slog.String("channel", n.channel), slog.Any("error", err))
			ch = nil
		}
	}
	if n.crosspost && ch != nil && ch.Type == discordgo.ChannelTypeGuildNews && msg.Flags&discordgo.MessageFlagsCrossPosted == 0 {
		if _, err := n.a.s.ChannelMessageCrosspost(n.channel, msg.ID, discordgo.WithContext(ctx)); err != nil {
			n.a.log.Warn("discord crosspost failed", slog.String("channel", n.channel), slog.Any("error", err))
		}
	}
	res := crier.PublishResult{RemoteID: msg.ID}
	guild := msg.GuildID
	if guild == "" && ch != nil {
		guild = ch.GuildID
		if guild == "" {
			guild = "@me" // a direct message channel
		}
	}
	if guild != "" { // without it there is no link, only the id
		res.URL = fmt.Sprintf("https://discord.com/channels/%s/%s/%s", guild, n.channel, msg.ID)
	}
	return res, nil
}

// explain turns Discord's refusals into plain words; those retrying cannot
// fix are permanent.
func (n *Network) explain(err error) error {
	var re *discordgo.RESTError
	if !errors.As(err, &re) || re.Response == nil {
		return err
	}
	switch re.Response.StatusCode {
	case http.StatusUnauthorized:
		return crier.Permanent(crier.Errorf(crier.EPERMANENT, "Discord refused crier's bot token; set a new chat.discord.token"))
	case http.StatusForbidden:
		return crier.Permanent(crier.Errorf(crier.EPERMANENT, "crier may not post in channel %s; give its role Send Messages there", n.channel))
	case http.StatusNotFound:
		return crier.Permanent(crier.Errorf(crier.EPERMANENT, "Discord says channel %s does not exist; check channel: in bot.yaml", n.channel))
	case http.StatusBadRequest:
		reason := "the request was malformed"
		if re.Message != nil && re.Message.Message != "" {
			reason = re.Message.Message
		}
		return crier.Permanent(crier.Errorf(crier.EPERMANENT, "Discord refused the post: %s", reason))
	}
	return err
}
