package discord

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
)

var _ crier.Chat = (*Adapter)(nil)

// Platform returns "discord", the platform of the channels the adapter
// serves.
func (a *Adapter) Platform() string { return Platform }

// Discord's JSON error codes crier reads.
const (
	codeUnknownChannel   = 10003
	codeThreadArchived   = 50083  // "Tried to perform an operation on an archived thread"
	codeThreadExists     = 160004 // "A thread has already been created for this message"
	codeThreadLocked     = 160005 // "Thread is locked"
	codeMaxActiveThreads = 160006 // "Maximum number of active threads reached"
)

// Post posts m to ch and returns the message's reference. In Discord a
// thread is a channel, and a thread started on a message has the message's
// id: so ch.Thread names both the message a thread hangs from and the
// thread, and when no thread hangs from that message yet, Post starts one
// (named after m's first line) and posts into it. The text and lines are the
// message's content, escaped and cut like every answer, the buttons are in
// action rows, and nothing pings anyone. A button that cannot be made is
// offered as the command to type instead; a file is attached to the message
// itself. A message with a Key carries its Nonce, with enforce_nonce: posted
// again within Discord's few minutes, it is not shown twice (a message with
// a file is sent without a nonce). A thread that was archived takes the
// message all the same (see retryInThread); a locked one does not.
func (a *Adapter) Post(ctx context.Context, ch crier.ChannelRef, m crier.Message) (crier.MessageRef, error) {
	target := ch.ID
	if ch.Thread != "" {
		if err := a.ensureThread(ctx, ch.ID, ch.Thread, threadName(m.Text)); err != nil {
			return crier.MessageRef{}, err
		}
		target = ch.Thread
	}
	var roles map[string]bool
	if len(m.Mention) > 0 {
		roles = a.guildRoles(ctx, ch.ID)
	}
	nonce := ""
	if m.Key != "" {
		nonce = Nonce(m.Key)
	}
	post := func() (string, error) { return a.send(ctx, target, chatMessage(m, roles), nonce) }
	id, err := post()
	if err != nil && ch.Thread != "" {
		id, err = a.retryInThread(ctx, ch, err, post)
	}
	if err != nil {
		return crier.MessageRef{}, err
	}
	return crier.MessageRef{Platform: Platform, Channel: ch.ID, ID: id, Thread: ch.Thread}, nil
}

// retryInThread posts again into thread ch.Thread after Discord refused it
// with err, when something can be done. Discord's docs (Threads, "Active &
// Archived Threads") say "sending a message will automatically unarchive the
// thread, unless the thread has been locked by a moderator", and that at the
// guild's active thread limit threads "cannot be created or unarchived"
// (Channel resource). So:
//   - 160006, the guild is full: crier archives its own quietest thread in
//     the channel and posts again;
//   - 50083, the thread is archived: when it is locked, crier says so; else
//     (Discord did not unarchive it itself) crier unarchives it and posts
//     again;
//   - 160005, the thread is locked: crier says so.
func (a *Adapter) retryInThread(ctx context.Context, ch crier.ChannelRef, err error, post func() (string, error)) (string, error) {
	locked := crier.Permanent(crier.Errorf(crier.EPERMANENT,
		"the Discord thread %s is locked, so crier cannot post comments in it; unlock the thread in Discord, or give crier's role Manage Threads", ch.Thread))
	switch {
	case restCode(err, codeMaxActiveThreads):
		if err := a.archiveQuietestThread(ctx, ch.ID, ch.Thread); err != nil {
			return "", err
		}
	case restCode(err, codeThreadArchived):
		th, gerr := a.s.Channel(ch.Thread, discordgo.WithContext(ctx)) // not the cache: archived and locked change
		if gerr == nil && th.ThreadMetadata != nil && th.ThreadMetadata.Locked {
			return "", fmt.Errorf("discord post to %s: %w", ch.Thread, locked)
		}
		archived := false
		if _, uerr := a.s.ChannelEditComplex(ch.Thread, &discordgo.ChannelEdit{Archived: &archived}, discordgo.WithContext(ctx)); uerr != nil {
			return "", fmt.Errorf("discord unarchive thread %s: %w", ch.Thread, uerr)
		}
	case restCode(err, codeThreadLocked):
		return "", fmt.Errorf("discord post to %s: %w", ch.Thread, locked)
	default:
		return "", err
	}
	id, err := post()
	if restCode(err, codeThreadLocked) || restCode(err, codeThreadArchived) {
		return "", fmt.Errorf("discord post to %s: %w", ch.Thread, locked)
	}
	return id, err
}

// Update replaces a message's content and buttons; an update without
// buttons removes the old ones.
func (a *Adapter) Update(ctx context.Context, ref crier.MessageRef, m crier.Message) error {
	send := chatMessage(crier.Message{Text: m.Text, Lines: m.Lines, Buttons: m.Buttons}, nil)
	if send.Components == nil {
		send.Components = []discordgo.MessageComponent{}
	}
	channel := messageChannel(ref)
	if _, err := a.s.ChannelMessageEditComplex(&discordgo.MessageEdit{
		ID: ref.ID, Channel: channel, Content: &send.Content, Components: &send.Components, AllowedMentions: noPings(),
	}, discordgo.WithContext(ctx)); err != nil {
		return fmt.Errorf("discord update %s in %s: %w", ref.ID, channel, err)
	}
	return nil
}

// React adds a reaction to a message. emoji is a Slack-style name
// ("white_check_mark") from the short list crier uses, a unicode emoji, or a
// server's own emoji as "name:id".
func (a *Adapter) React(ctx context.Context, ref crier.MessageRef, emoji string) error {
	e, ok := Emoji(emoji)
	if !ok {
		return fmt.Errorf("discord react: no emoji named %q", emoji)
	}
	channel := messageChannel(ref)
	if err := a.s.MessageReactionAdd(channel, ref.ID, e, discordgo.WithContext(ctx)); err != nil {
		return fmt.Errorf("discord react to %s in %s: %w", ref.ID, channel, err)
	}
	return nil
}

// messageChannel is the channel a message is in: its thread, if any.
func messageChannel(ref crier.MessageRef) string {
	if ref.Thread != "" {
		return ref.Thread
	}
	return ref.Channel
}

// emojiByName maps the reaction names crier uses (Slack's, which are also
// the names Discord shows) to their unicode emoji.
var emojiByName = map[string]string{
	"white_check_mark":        "\u2705",
	"heavy_check_mark":        "\u2714\ufe0f",
	"x":                       "\u274c",
	"eyes":                    "\U0001f440",
	"warning":                 "\u26a0\ufe0f",
	"hourglass":               "\u231b",
	"hourglass_flowing_sand":  "\u23f3",
	"+1":                      "\U0001f44d",
	"thumbsup":                "\U0001f44d",
	"-1":                      "\U0001f44e",
	"thumbsdown":              "\U0001f44e",
	"speech_balloon":          "\U0001f4ac",
	"arrows_counterclockwise": "\U0001f504",
	"no_entry_sign":           "\U0001f6ab",
	"tada":                    "\U0001f389",
}

// Emoji is the emoji Discord's reaction endpoint takes for name: the
// unicode emoji of a name crier knows (":eyes:" or "eyes"), a unicode emoji
// as it is, or a server emoji "name:id" as it is.
func Emoji(name string) (string, bool) {
	trimmed := strings.Trim(name, ":")
	if e, ok := emojiByName[trimmed]; ok {
		return e, true
	}
	if _, id, ok := strings.Cut(name, ":"); ok && id != "" && strings.Trim(id, "0123456789") == "" {
		return name, true // a server's emoji
	}
	for _, r := range name {
		if r > 0x7f {
			return name, true // unicode already
		}
	}
	return "", false
}

// ensureThread makes sure a thread hangs from message thread in channel:
// a thread crier knows, a channel Discord says is a thread, or one crier
// starts now.
func (a *Adapter) ensureThread(ctx context.Context, channel, thread, name string) error {
	a.mu.Lock()
	_, known := a.threads[thread]
	a.mu.Unlock()
	if known {
		return nil
	}
	ch, err := a.channel(ctx, thread)
	if err == nil && ch.IsThread() {
		return nil
	}
	if err != nil && !restCode(err, codeUnknownChannel) {
		return err
	}
	if _, err := a.startThread(ctx, channel, thread, name); err != nil && !restCode(err, codeThreadExists) {
		return err
	}
	return nil
}

// startThread starts a thread on a message crier posted and returns its id
// (Discord gives it the message's id). When the guild has as many active
// threads as Discord allows (1,000), crier archives its own thread that has
// been quiet longest in the same channel and tries once more.
func (a *Adapter) startThread(ctx context.Context, channelID, messageID, name string) (string, error) {
	start := func() (*discordgo.Channel, error) {
		return a.s.MessageThreadStartComplex(channelID, messageID, &discordgo.ThreadStart{
			Name: clipText(name, 100), AutoArchiveDuration: 10080,
		}, discordgo.WithContext(ctx))
	}
	th, err := start()
	if restCode(err, codeMaxActiveThreads) {
		if err := a.archiveQuietestThread(ctx, channelID, ""); err != nil {
			return "", err
		}
		th, err = start()
	}
	if err != nil {
		return "", fmt.Errorf("discord start thread: %w", err)
	}
	// Before the gateway's Ready crier does not know its own user id: the
	// thread is then looked up (owner_id) when someone writes in it, rather
	// than kept as nobody's, which would drop every answer in it.
	if bot := a.bot(); bot != "" {
		a.mu.Lock()
		a.threads[th.ID] = threadInfo{owner: bot, parent: channelID, isThread: true}
		a.mu.Unlock()
	}
	return th.ID, nil
}

// archiveQuietestThread makes room for one more active thread in the guild
// of channel: of the active threads crier's bot started in channel (but
// keep), it archives the one whose last message is oldest. Archived, a
// thread still takes comments: Discord unarchives it when one is posted.
func (a *Adapter) archiveQuietestThread(ctx context.Context, channel, keep string) error {
	full := crier.Errorf(crier.EUNAVAIL, "Discord: the server has as many active threads as Discord allows, and crier has none of its own in channel %s to archive; archive some threads in the server and crier will try again", channel)
	ch, err := a.channel(ctx, channel)
	if err != nil {
		return err
	}
	me, err := a.self(ctx)
	if err != nil {
		return err
	}
	list, err := a.s.GuildThreadsActive(ch.GuildID, discordgo.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("discord active threads: %w", err)
	}
	var quietest *discordgo.Channel
	lastActive := func(th *discordgo.Channel) string {
		if th.LastMessageID != "" && snowflakeLess(th.ID, th.LastMessageID) {
			return th.LastMessageID
		}
		return th.ID // no message since it started
	}
	for _, th := range list.Threads {
		if th.OwnerID != me || th.ParentID != channel || th.ID == keep || th.ThreadMetadata != nil && (th.ThreadMetadata.Archived || th.ThreadMetadata.Locked) {
			continue
		}
		if quietest == nil || snowflakeLess(lastActive(th), lastActive(quietest)) {
			quietest = th
		}
	}
	if quietest == nil {
		return fmt.Errorf("discord: %w", full)
	}
	archived := true
	if _, err := a.s.ChannelEditComplex(quietest.ID, &discordgo.ChannelEdit{Archived: &archived}, discordgo.WithContext(ctx)); err != nil {
		return fmt.Errorf("discord archive thread %s: %w", quietest.ID, err)
	}
	a.log.Info("discord: archived crier's quietest thread to make room for another", slog.String("thread", quietest.ID), slog.String("channel", channel))
	return nil
}

// restCode reports whether err is Discord's answer with JSON error code.
func restCode(err error, code int) bool {
	var re *discordgo.RESTError
	return errors.As(err, &re) && re.Message != nil && re.Message.Code == code &&
		re.Response != nil && re.Response.StatusCode != http.StatusTooManyRequests
}

// threadName names a thread after the first line of the message that
// starts it (Discord requires a name of 1 to 100 characters).
func threadName(text string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(text), "\n")
	if line = strings.TrimSpace(line); line == "" {
		return "crier"
	}
	return line
}

// chatMessage is the message m is posted as.
// chatMessage renders m; roles are the ids in its guild that are roles (a
// mention of one is a role mention), nil when unknown.
func chatMessage(m crier.Message, roles map[string]bool) *discordgo.MessageSend {
	resp := commands.Response{Text: m.Text, Lines: append([]string(nil), m.Lines...)}
	for _, b := range m.Buttons {
		if _, ok := customID(b); ok {
			resp.Buttons = append(resp.Buttons, b)
		} else if b.Command != "" {
			resp.Lines = append(resp.Lines, "Type "+b.Command)
		}
	}
	send := &discordgo.MessageSend{Content: Content(resp), Components: renderButtons(resp.Buttons), AllowedMentions: noPings()}
	// The people to notify, and only they: Discord user ids, and role ids
	// (bot.yaml's roles may list a Discord role).
	var users, roleIDs []string
	prefix := ""
	for _, id := range m.Mention {
		switch {
		case !isSnowflake(id):
		case roles[id]:
			roleIDs = append(roleIDs, id)
			prefix += "<@&" + id + "> "
		default:
			users = append(users, id)
			prefix += "<@" + id + "> "
		}
	}
	if prefix != "" {
		send.Content = prefix + send.Content
		send.AllowedMentions = &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}, Users: users, Roles: roleIDs}
	}
	if m.File != nil {
		send.Files = []*discordgo.File{{Name: m.File.Name, ContentType: m.File.ContentType, Reader: bytes.NewReader(m.File.Data)}}
	}
	return send
}

// isSnowflake reports whether id looks like a Discord id: 17 to 20 digits.
func isSnowflake(id string) bool {
	if len(id) < 17 || len(id) > 20 {
		return false
	}
	for _, c := range id {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// rolesTTL is how long a guild's role ids are kept.
const rolesTTL = time.Hour

type cachedRoles struct {
	ids     map[string]bool
	fetched time.Time
}

// guildRoles returns the role ids of the guild channelID is in (cached an
// hour); nil when Discord cannot say, and mentions are then of users.
func (a *Adapter) guildRoles(ctx context.Context, channelID string) map[string]bool {
	ch, err := a.s.Channel(channelID, discordgo.WithContext(ctx))
	if err != nil || ch.GuildID == "" {
		return nil
	}
	now := a.opts.Clock.Now()
	a.mu.Lock()
	c, ok := a.roles[ch.GuildID]
	a.mu.Unlock()
	if ok && now.Sub(c.fetched) < rolesTTL {
		return c.ids
	}
	rs, err := a.s.GuildRoles(ch.GuildID, discordgo.WithContext(ctx))
	if err != nil {
		a.log.Warn("discord roles of the guild; mentions are of users", slog.Any("error", err))
		return nil
	}
	ids := make(map[string]bool, len(rs))
	for _, r := range rs {
		ids[r.ID] = true
	}
	a.mu.Lock()
	a.roles[ch.GuildID] = cachedRoles{ids: ids, fetched: now}
	a.mu.Unlock()
	return ids
}
