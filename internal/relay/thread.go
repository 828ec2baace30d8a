package relay

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/timeparse"
)

// relayed is how relaying one comment ended.
type relayed struct {
	id       int64
	thread   crier.MessageRef // the conversation's thread, when this comment opened it
	msg      crier.MessageRef // the comment's message
	failed   bool
	retryAt  time.Time
	released bool
	recorded bool // the relay recorded it already
}

// relay posts a comment into its conversation's chat thread, opening the
// thread first when the conversation has none.
func (s *Service) relay(ctx context.Context, c crier.CommentClaim) relayed {
	out := relayed{id: c.Comment.ID}
	if ctx.Err() != nil {
		out.released = true
		return out
	}
	chat := s.opts.Chat
	thread := c.Conversation.Thread
	if thread.ID == "" {
		v, err := s.ensureThread(ctx, c.Conversation)
		if err != nil {
			s.log.Warn("open a comment thread; trying again", slog.Any("error", err))
			out.failed, out.retryAt = true, s.clock.Now().Add(relayRetry(err))
			return out
		}
		thread = v.Thread
	}
	where := crier.ChannelRef{Platform: thread.Platform, ID: thread.Channel, Thread: thread.ID}
	m := s.commentMessage(c)
	msg, found, err := s.find(ctx, where, m, c.TriedSince)
	if err == nil && !found {
		msg, err = chat.Post(ctx, where, m)
	}
	if err != nil {
		s.log.Warn("relay a comment; trying again", slog.Int64("comment", c.Comment.ID), slog.Any("error", err))
		out.failed, out.retryAt = true, s.clock.Now().Add(relayRetry(err))
		if crier.IsPermanent(err) {
			// The thread refuses (locked by a moderator): a person must
			// act, and is told once in the channel; crier looks again
			// every hour.
			out.retryAt = s.clock.Now().Add(time.Hour)
			s.tellOnce(ctx, thread, err)
		}
		return out
	}
	out.msg = msg
	// Recorded at once, not with the batch: a crash between posting and
	// recording makes the next attempt look for the message (find), and
	// this keeps that to the one comment.
	if err := s.store.CommentRelayed(ctx, c.Comment.ID, crier.MessageRef{}, msg, time.Time{}, false); err != nil {
		s.log.Warn("record a relayed comment; the batch records it", slog.Any("error", err))
		return out
	}
	out.recorded = true
	return out
}

// tellOnce says in the inbox channel, once per thread while crier runs,
// that comments cannot be posted in that thread and why.
func (s *Service) tellOnce(ctx context.Context, thread crier.MessageRef, err error) {
	s.mu.Lock()
	if s.told == nil {
		s.told = map[crier.MessageRef]bool{}
	}
	told := s.told[thread]
	s.told[thread] = true
	s.mu.Unlock()
	if told {
		return
	}
	text := fmt.Sprintf("⚠ Comments cannot be posted in a comment thread here: %s crier tries again every hour; until then, answer on the network directly.", crier.Sentence(crier.ErrorMessage(err)))
	if _, perr := s.opts.Chat.Post(ctx, crier.ChannelRef{Platform: thread.Platform, ID: thread.Channel}, crier.Message{Text: text}); perr != nil {
		s.log.Warn("say that a thread refuses comments", slog.Any("error", perr))
	}
}

// relayRetry is the wait before relaying a comment again after err: 30
// seconds, or what a chat that asked crier to slow down said.
func relayRetry(err error) time.Duration {
	if wait, limited := crier.RetryAfter(err); limited {
		return max(wait, time.Second)
	}
	return 30 * time.Second
}

func (s *Service) recordRelayed(ctx context.Context, rs []relayed) error {
	for _, r := range rs {
		switch {
		case r.recorded:
		case r.released:
			if err := s.store.CommentRelayed(ctx, r.id, crier.MessageRef{}, crier.MessageRef{}, s.clock.Now(), true); err != nil {
				return err
			}
		default:
			if err := s.store.CommentRelayed(ctx, r.id, r.thread, r.msg, r.retryAt, r.failed); err != nil {
				return err
			}
		}
	}
	return nil
}

// OpenThread opens the thread of a post crier just published on network
// (res is what the network said), so the team sees the post in the inbox
// channel and its comments gather under it. A post published on several
// networks whose comments go to one channel has one thread. When the chat
// cannot be reached, the post's first comment opens it.
func (s *Service) OpenThread(ctx context.Context, p *crier.Post, network string, res crier.PublishResult) {
	if res.RemoteID == "" || !s.hearsComments(network) {
		return
	}
	v, err := s.store.OpenConversation(ctx, network, res.RemoteID, p.ID)
	if err == nil {
		_, err = s.ensureThread(ctx, *v)
	}
	if err != nil {
		s.log.Warn("open the post's comment thread; its first comment opens it", slog.Int64("post_id", p.ID), slog.Any("error", err))
	}
}

// hearsComments says whether comments can come from network: one crier
// reads (an inbox or a stream), or a webhook, which sends them. A post to a
// Slack or Discord channel gets none: its comments are already in chat.
func (s *Service) hearsComments(network string) bool {
	n, ok := s.networks[network]
	if !ok {
		return false
	}
	_, inbox := n.(crier.Inbox)
	_, stream := n.(crier.Streamer)
	return inbox || stream || n.Kind() == "webhook"
}

// ensureThread gives conversation v a chat thread: the one its post has in
// the channel already, or a new one opened with the post. One at a time, so
// two networks' first comments do not open two threads.
func (s *Service) ensureThread(ctx context.Context, v crier.Conversation) (*crier.Conversation, error) {
	s.threadMu.Lock()
	defer s.threadMu.Unlock()
	cur, _, err := s.store.Conversation(ctx, v.ID)
	if err != nil {
		return nil, err
	}
	if cur.Thread.ID != "" {
		return cur, nil
	}
	ch := s.opts.Channel(cur.Network)
	if cur.PostID != 0 {
		if thread, ok, err := s.store.PostThread(ctx, cur.PostID, ch); err != nil {
			return nil, err
		} else if ok {
			return s.store.SetThread(ctx, cur.ID, thread)
		}
	}
	since, err := s.store.StartThread(ctx, cur.ID)
	if err != nil {
		return nil, err
	}
	where, m := crier.ChannelRef{Platform: ch.Platform, ID: ch.ID}, s.header(*cur)
	ref, found, err := s.find(ctx, where, m, since)
	if err == nil && !found {
		ref, err = s.opts.Chat.Post(ctx, where, m)
	}
	if err != nil {
		return nil, err
	}
	return s.store.SetThread(ctx, cur.ID, ref)
}

// find looks for message m in where when an earlier attempt to post it began
// at since (zero: there was none, and nothing is looked for). A chat that
// cannot look (no crier.MessageFinder) finds nothing: the message is posted
// again.
func (s *Service) find(ctx context.Context, where crier.ChannelRef, m crier.Message, since time.Time) (crier.MessageRef, bool, error) {
	if since.IsZero() {
		return crier.MessageRef{}, false, nil
	}
	f, ok := s.opts.Chat.(crier.MessageFinder)
	if !ok {
		return crier.MessageRef{}, false, nil
	}
	ref, found, err := f.FindMessage(ctx, where, m, since)
	if err != nil {
		return crier.MessageRef{}, false, fmt.Errorf("look for a message an earlier attempt may have posted: %w", err)
	}
	if found {
		s.log.Info("found the message an earlier attempt posted; not posting it again", slog.String("key", m.Key))
	}
	return ref, found, nil
}

// header is the message that opens a conversation's thread: the post the
// comments are about.
func (s *Service) header(v crier.Conversation) crier.Message {
	var text string
	switch {
	case v.PostID != 0:
		text = fmt.Sprintf("💬 Post #%d %s is out: comments on it appear in this thread; answer here to reply.", v.PostID, crier.Quote(v.PostText, 100))
	default:
		// Numbered: two such threads must not read alike (a chat that
		// finds a message by its text would take one for the other).
		text = fmt.Sprintf("💬 Conversation %d on %s, about a post crier did not publish: comments appear in this thread; answer here to reply.", v.ID, v.Network)
	}
	m := crier.Message{Text: text, Key: fmt.Sprintf("crier-%s-thread-%d", s.opts.Installation, v.ID)}
	if v.PostURL != "" {
		m.Lines = append(m.Lines, v.PostURL)
	}
	return m
}

// commentMessage is a relayed comment: who, where, when, what, and the
// buttons a teammate answers with.
func (s *Service) commentMessage(c crier.CommentClaim) crier.Message {
	cm := c.Comment
	who := cm.AuthorName
	if who == "" {
		who = cm.AuthorHandle
	} else if cm.AuthorHandle != "" {
		who += " (" + cm.AuthorHandle + ")"
	}
	if who == "" {
		who = "someone"
	}
	var loc *time.Location
	if s.opts.Location != nil {
		loc = s.opts.Location(s.opts.Channel(cm.Network))
	}
	// Rendered as at the first attempt, so a message looked for after it
	// reads the same (a chat that matches by text: Discord).
	now := c.StartedAt
	if now.IsZero() {
		now = s.clock.Now()
	}
	mood := ""
	if cm.Sentiment == "negative" {
		mood = " 😟"
	}
	m := crier.Message{
		Text: fmt.Sprintf("%s on %s, %s%s: %s", who, cm.Network, timeparse.Clock(cm.CreatedAt, loc, now, false), mood, cm.Text),
		Key:  fmt.Sprintf("crier-%s-comment-%d", s.opts.Installation, cm.ID),
	}
	if cm.URL != "" {
		m.Lines = append(m.Lines, cm.URL)
	}
	// Inbox buttons carry the conversation's number where post buttons
	// carry the post's (commands/buttons.go).
	id := c.Conversation.ID
	m.Buttons = []crier.Button{
		{Label: "Reply", Action: "reply", PostID: id, Ref: fmt.Sprintf("%d", cm.ID), Command: fmt.Sprintf("/reply %d <your answer>", id)},
		{Label: "Assign to me", Action: "take", PostID: id, Command: fmt.Sprintf("/inbox take %d", id)},
		{Label: "Mark handled", Action: "done", PostID: id, Command: fmt.Sprintf("/inbox done %d", id)},
	}
	if s.opts.Suggest {
		m.Buttons = append(m.Buttons, crier.Button{Label: "Suggest a reply", Action: "suggest", PostID: id, Ref: fmt.Sprintf("%d", cm.ID),
			Command: fmt.Sprintf("/suggest %d", id)})
	}
	return m
}

// threadReply turns what a teammate typed in a conversation's thread into a
// reply to its latest comment. Threads crier did not start are left alone.
func (s *Service) threadReply(ctx context.Context, r crier.ThreadReply) {
	ch := crier.ChannelRef{Platform: r.Platform, ID: r.Channel, Thread: r.Thread}
	v, latest, err := s.store.ConversationByThread(ctx, ch)
	if crier.ErrorCode(err) == crier.ENOTFOUND {
		return
	}
	if err != nil {
		s.log.Warn("find the thread's conversation", slog.Any("error", err))
		return
	}
	// A comment chosen with its Reply button is answered, not the latest.
	chosen, err := s.store.ChosenComment(ctx, r.Platform, r.UserID, crier.MessageRef{Channel: r.Channel, ID: r.Thread})
	if err != nil {
		s.log.Warn("find the chosen comment", slog.Any("error", err))
	}
	if chosen != nil {
		if cv, _, err := s.store.Conversation(ctx, chosen.ConversationID); err == nil {
			v, latest = cv, chosen
		}
	}
	asked := crier.MessageRef{Platform: r.Platform, Channel: r.Channel, Thread: r.Thread, ID: r.MessageID}
	if latest == nil {
		s.say(ctx, asked, "✗ Nobody has commented on this post yet, so there is nothing to answer. Comments appear in this thread as they come.")
		return
	}
	who := crier.User{ID: r.UserID, Name: r.UserName, Roles: r.Roles}
	may := who.Can(crier.RoleReplier) || s.opts.MayReply(r)
	if _, err := s.Reply(ctx, v, latest, who, r.Text, asked, may); err != nil {
		if chosen != nil && crier.ErrorCode(err) == crier.EINVALID {
			// Still the one to answer, once the person fixes the answer.
			_, _, _ = s.store.ChooseComment(ctx, r.Platform, r.UserID, chosen.ConversationID, chosen.ID)
		}
		s.say(ctx, asked, "✗ "+crier.ErrorMessage(err))
	}
}

// Reply stores text as an answer to comment c of conversation v, to be
// published on c's network; a refusal is a one-line *crier.Error saying what
// to do instead.
func (s *Service) Reply(ctx context.Context, v *crier.Conversation, c *crier.StoredComment, who crier.User, text string, asked crier.MessageRef, may bool) (*crier.Reply, error) {
	if !may {
		return nil, crier.Errorf(crier.EFORBIDDEN, "Only people with the replier role can answer customers; ask an admin to add you under roles: replier in bot.yaml.")
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, crier.Errorf(crier.EINVALID, "There is no text to send. Type your answer in the thread.")
	}
	if what := unwanted(text); what != "" {
		return nil, crier.Errorf(crier.EINVALID, "The answer contains %s, which networks show wrongly or not at all. Remove it and send the answer again.", what)
	}
	n, ok := s.networks[c.Network]
	if !ok {
		return nil, crier.Errorf(crier.EINVALID, "%s is no longer in bot.yaml, so crier cannot answer there.", c.Network)
	}
	if _, ok := n.(crier.Replier); !ok {
		return nil, crier.Errorf(crier.EINVALID, "crier cannot answer comments on %s; answer there directly.", c.Network)
	}
	count := n.Check(text)
	if rc, ok := n.(crier.ReplyChecker); ok {
		count = rc.CheckReply(text, c.Comment) // Mastodon's @handle first counts too
	}
	if over := count.Overs(c.Network); len(over) > 0 {
		return nil, crier.Errorf(crier.EINVALID, "The answer is %s. Shorten it and send it again.", strings.Join(over, ", and "))
	}
	rp := &crier.Reply{ConversationID: v.ID, CommentID: c.ID, Network: c.Network, Text: text, AuthorID: who.ID, AuthorName: who.Name, Asked: asked}
	if err := s.store.AddReply(ctx, rp, func(id int64) string { return fmt.Sprintf("crier-%s-reply-%d", s.opts.Installation, id) }); err != nil {
		return nil, err
	}
	s.replies.Wake()
	return rp, nil
}

// say answers in the thread of the message a teammate typed.
func (s *Service) say(ctx context.Context, asked crier.MessageRef, text string) {
	if _, err := s.opts.Chat.Post(ctx, crier.ChannelRef{Platform: asked.Platform, ID: asked.Channel, Thread: asked.Thread}, crier.Message{Text: text}); err != nil {
		s.log.Warn("answer in the thread", slog.Any("error", err))
	}
}

// replyOutcome is how one attempt to publish a reply ended, and what to say
// once it is recorded.
type replyOutcome struct {
	end   crier.ReplyEnd
	after func(ctx context.Context)
}

// replyDelay is the wait before retry number n of a reply.
func replyDelay(n int) time.Duration {
	switch {
	case n <= 1:
		return 10 * time.Second
	case n == 2:
		return 30 * time.Second
	case n == 3:
		return 2 * time.Minute
	default:
		return 10 * time.Minute
	}
}

// maxReplyAttempts bounds the attempts at one reply.
const maxReplyAttempts = 5

// reply publishes one reply with its idempotency key, as an answer to the
// comment, with the reference kept when the comment was read.
func (s *Service) reply(ctx context.Context, c crier.ReplyClaim) replyOutcome {
	rp := c.Reply
	end := crier.ReplyEnd{ID: rp.ID}
	if ctx.Err() != nil {
		end.Released, end.NextAt = true, s.clock.Now()
		return replyOutcome{end: end}
	}
	n := s.networks[rp.Network]
	replier, ok := n.(crier.Replier)
	if !ok {
		end.Status, end.Reason = crier.DeliveryFailed, "the network cannot answer comments"
		return replyOutcome{end: end, after: func(ctx context.Context) {
			s.say(ctx, rp.Asked, fmt.Sprintf("✗ crier cannot answer on %s any more; answer there directly.", rp.Network))
		}}
	}
	// An earlier attempt may have published and the network would not
	// recognise a repeat: a person decides.
	if !rp.UnclearAt.IsZero() {
		if w, ok := n.(crier.KeyWindower); ok && s.clock.Now().Sub(rp.UnclearAt) >= w.KeyWindow() {
			end.Status, end.Reason, end.Unclear = crier.DeliveryMaybe, "the earlier attempt got no answer", true
			return replyOutcome{end: end, after: func(ctx context.Context) {
				s.say(ctx, rp.Asked, fmt.Sprintf("❓ Your answer may or may not be on %s: the attempt got no answer, and trying again could post it twice. Check %s, and send it again if it is not there.", rp.Network, rp.Network))
			}}
		}
	}
	// The reply's own time stands for the post's due time: networks that
	// derive a record key from it (Bluesky) land every retry on one record.
	res, err := replier.Reply(ctx, crier.PublishRequest{
		IdempotencyKey: rp.IdempotencyKey, Text: rp.Text, InReplyTo: c.Comment.RemoteID, InReplyToRef: c.Comment.ReplyRef,
		DueAt: rp.CreatedAt, StartedAt: rp.CreatedAt,
	})
	if err == nil {
		end.Status, end.Result = crier.DeliveryPublished, res
		return replyOutcome{end: end, after: func(ctx context.Context) {
			if rp.Asked.ID != "" {
				if err := s.opts.Chat.React(ctx, rp.Asked, "white_check_mark"); err != nil {
					s.log.Warn("mark the answer sent", slog.Any("error", err))
				}
			}
			where := res.URL
			if where == "" {
				where = res.RemoteID
			}
			s.say(ctx, rp.Asked, fmt.Sprintf("✅ Sent to %s: %s", rp.Network, where))
		}}
	}
	reason := crier.ErrorMessage(err)
	unclear := crier.IsUnclear(err)
	s.log.Warn("reply failed", slog.Int64("reply", rp.ID), slog.Bool("unclear", unclear), slog.Any("error", err))
	if unclear {
		if w, ok := n.(crier.KeyWindower); ok && w.KeyWindow() == 0 {
			end.Status, end.Reason, end.Unclear = crier.DeliveryMaybe, reason, true
			return replyOutcome{end: end, after: func(ctx context.Context) {
				s.say(ctx, rp.Asked, fmt.Sprintf("❓ Your answer may or may not be on %s: %s Check %s, and send it again if it is not there.", rp.Network, crier.Sentence(reason), rp.Network))
			}}
		}
	}
	if crier.IsPermanent(err) || rp.Attempts >= maxReplyAttempts {
		end.Status, end.Reason, end.Unclear = crier.DeliveryFailed, reason, unclear
		return replyOutcome{end: end, after: func(ctx context.Context) {
			s.say(ctx, rp.Asked, fmt.Sprintf("✗ Your answer was not sent to %s: %s", rp.Network, crier.Sentence(reason)))
		}}
	}
	next := replyDelay(rp.Attempts)
	if wait, limited := crier.RetryAfter(err); limited {
		next = wait
	}
	if unclear {
		next = max(next, 2*time.Minute)
	}
	end.Status, end.Reason, end.Unclear, end.NextAt = crier.DeliveryPending, reason, unclear, s.clock.Now().Add(next)
	if rp.Attempts > 1 {
		return replyOutcome{end: end}
	}
	return replyOutcome{end: end, after: func(ctx context.Context) {
		s.say(ctx, rp.Asked, fmt.Sprintf("⚠ Your answer could not be sent to %s yet: %s crier tries again in %s.", rp.Network, crier.Sentence(reason), timeparse.Duration(next)))
	}}
}

func (s *Service) recordReplies(ctx context.Context, os []replyOutcome) error {
	ends := make([]crier.ReplyEnd, len(os))
	for i, o := range os {
		ends[i] = o.end
	}
	return s.store.EndReplies(ctx, ends)
}

// alert posts a crisis alert in the network's inbox channel: who should
// look, the latest negative comments, and a button that pauses publishing.
func (s *Service) alert(ctx context.Context, network string, recent []crier.StoredComment) {
	ch := s.opts.Channel(network)
	var mention []string
	for _, who := range s.opts.Alert {
		if who != "*" {
			mention = append(mention, who)
		}
	}
	m := crier.Message{Mention: mention, Text: fmt.Sprintf("🚨 Negative comments are piling up on %s, more than usual. Take a look; pause scheduled posts while you handle it? The latest:", network)}
	start := max(0, len(recent)-5)
	for _, c := range recent[start:] {
		m.Lines = append(m.Lines, fmt.Sprintf("%s on %s: %s", cmp.Or(c.AuthorName, c.AuthorHandle, "someone"), c.Network, crier.Quote(c.Text, 100)))
	}
	if len(recent) > 0 {
		// The number is the comment that raised the alarm; the button
		// pauses everything.
		m.Buttons = []crier.Button{{Label: "Pause publishing", Action: "pause", PostID: recent[len(recent)-1].ID, Command: "/pause"}}
	}
	if _, err := s.opts.Chat.Post(ctx, crier.ChannelRef{Platform: ch.Platform, ID: ch.ID}, m); err != nil {
		s.log.Warn("post the crisis alert", slog.Any("error", err))
	}
}
