package commands

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/timeparse"
)

// Inbox is the comment relay as the commands see it (relay.Service).
type Inbox interface {
	Conversations(ctx context.Context, f crier.InboxFilter) ([]crier.Conversation, error)
	Conversation(ctx context.Context, id int64) (*crier.Conversation, *crier.StoredComment, error)
	Assign(ctx context.Context, id int64, userID, userName string) (*crier.Conversation, error)
	MarkHandled(ctx context.Context, id int64) (*crier.Conversation, error)
	ConversationComments(ctx context.Context, id int64, limit int) ([]crier.StoredComment, error)
	Choose(ctx context.Context, platform, userID string, conversationID, commentID int64) (*crier.StoredComment, *crier.Conversation, error)
	Reply(ctx context.Context, v *crier.Conversation, c *crier.StoredComment, who crier.User, text string, asked crier.MessageRef, may bool) (*crier.Reply, error)
}

// inboxRows is how many conversations /inbox lists.
const inboxRows = 20

func (r *Router) inboxDef() Definition {
	return Definition{
		Name:    "inbox",
		Usage:   "/inbox [take|done <n>]",
		Summary: "List the open conversations with customers, oldest first; take one, or mark it handled.",
		Details: "A conversation is open until the team answers, then waits for the customer, and opens again when they write. " +
			"Answer a comment by typing in its thread (or /reply <n> <text>).",
		Examples: []string{"/inbox", "/inbox take 3", "/inbox done 3"},
		Handler:  r.inbox,
	}
}

func (r *Router) replyDef() Definition {
	return Definition{
		Name:     "reply",
		Usage:    "/reply <n> <text>",
		Summary:  "Answer the latest comment of conversation n on its network (or type in the conversation's thread).",
		Examples: []string{"/reply 3 Thanks! The new version ships on Friday."},
		Role:     crier.RoleReplier,
		Handler:  r.reply,
	}
}

func (r *Router) threadDef() Definition {
	return Definition{
		Name:     "thread",
		Usage:    "/thread <n>",
		Summary:  "Read conversation n: its latest comments, oldest first, with who wrote them and when.",
		Examples: []string{"/thread 3"},
		Handler:  r.thread,
	}
}

// threadRows is how many comments /thread shows.
const threadRows = 10

func (r *Router) thread(ctx context.Context, req Request) (Response, error) {
	if r.deps.Inbox == nil {
		return Response{}, r.noInbox()
	}
	id, err := conversationID(req.Text, "/thread 3")
	if err != nil {
		return Response{}, err
	}
	v, _, err := r.deps.Inbox.Conversation(ctx, id)
	if err != nil {
		return Response{}, inboxRefusal(err, id)
	}
	cs, err := r.deps.Inbox.ConversationComments(ctx, id, threadRows)
	if err != nil {
		return Response{}, err
	}
	about := "a post crier did not publish"
	if v.PostID != 0 {
		about = fmt.Sprintf("post #%d %s", v.PostID, crier.Quote(v.PostText, 60))
	}
	loc, now := r.location(req.User), r.deps.Clock.Now()
	lines := make([]string, 0, len(cs)+1)
	for _, c := range cs {
		lines = append(lines, fmt.Sprintf("%s, %s: %s", cmp.Or(c.AuthorName, c.AuthorHandle, "someone"),
			timeparse.Clock(c.CreatedAt, loc, now, false), crier.Quote(c.Text, 200)))
	}
	if v.Comments > len(cs) {
		lines = append([]string{fmt.Sprintf("(the latest %d of %d)", len(cs), v.Comments)}, lines...)
	}
	return Response{Text: fmt.Sprintf("Conversation %d on %s, about %s:", v.ID, v.Network, about), Lines: lines,
		Ephemeral: true}, nil
}

func (r *Router) pauseDef() Definition {
	return Definition{
		Name:     "pause",
		Usage:    "/pause",
		Summary:  "Pause publishing (a crisis is being handled): due posts wait until /resume; nothing is lost.",
		Examples: []string{"/pause"},
		Role:     crier.RoleScheduler,
		Handler:  r.pause,
	}
}

func (r *Router) resumeDef() Definition {
	return Definition{
		Name:     "resume",
		Usage:    "/resume",
		Summary:  "Publish again after /pause; posts that fell due meanwhile go out at once.",
		Examples: []string{"/resume"},
		Role:     crier.RoleScheduler,
		Handler:  r.resume,
	}
}

func (r *Router) noInbox() error {
	return crier.Errorf(crier.EINVALID, "The comment inbox is off. Add an inbox: section with a channel to bot.yaml (the README shows how).")
}

func (r *Router) inbox(ctx context.Context, req Request) (Response, error) {
	if r.deps.Inbox == nil {
		return Response{}, r.noInbox()
	}
	verb, rest, _ := strings.Cut(strings.TrimSpace(req.Text), " ")
	switch strings.ToLower(verb) {
	case "", "all":
		return r.inboxList(ctx, req, verb != "")
	case "take", "done":
		if !req.User.Can(crier.RoleReplier) {
			return Response{}, crier.Errorf(crier.EFORBIDDEN, "You need the replier role to take or close conversations. Ask whoever runs crier to add you under roles: in bot.yaml.")
		}
		id, err := conversationID(rest, "/inbox "+verb+" 3")
		if err != nil {
			return Response{}, err
		}
		if strings.ToLower(verb) == "take" {
			v, err := r.deps.Inbox.Assign(ctx, id, req.User.ID, req.User.Name)
			if err != nil {
				return Response{}, inboxRefusal(err, id)
			}
			return Response{Text: fmt.Sprintf("✓ Conversation %d on %s is yours, %s.", v.ID, v.Network, name(req.User))}, nil
		}
		v, err := r.deps.Inbox.MarkHandled(ctx, id)
		if err != nil {
			return Response{}, inboxRefusal(err, id)
		}
		return Response{Text: fmt.Sprintf("✓ Conversation %d on %s is handled; it opens again if the customer writes.", v.ID, v.Network)}, nil
	}
	return Response{}, crier.Errorf(crier.EINVALID, "/inbox lists conversations; /inbox take 3 takes one and /inbox done 3 closes it.")
}

func (r *Router) inboxList(ctx context.Context, req Request, all bool) (Response, error) {
	f := crier.InboxFilter{Limit: inboxRows}
	if all {
		f.Statuses = []crier.ConversationStatus{crier.ConversationOpen, crier.ConversationWaiting, crier.ConversationHandled}
	}
	vs, err := r.deps.Inbox.Conversations(ctx, f)
	if err != nil {
		return Response{}, err
	}
	if len(vs) == 0 {
		return Response{Text: "No open conversations: nobody is waiting for an answer.", Ephemeral: true}, nil
	}
	now := r.deps.Clock.Now()
	open, handled := 0, 0
	var lines []string
	for _, v := range vs {
		switch v.Status {
		case crier.ConversationOpen:
			open++
		case crier.ConversationHandled:
			handled++
		}
		about := "a post crier did not publish"
		if v.PostID != 0 {
			about = fmt.Sprintf("post #%d %s", v.PostID, crier.Quote(v.PostText, 40))
		}
		who := "nobody on it"
		if v.AssigneeName != "" || v.AssigneeID != "" {
			who = "on it: " + cmp.Or(v.AssigneeName, v.AssigneeID)
		}
		state := "open for " + timeparse.Duration(now.Sub(v.LastCustomerAt).Truncate(time.Minute))
		if now.Sub(v.LastCustomerAt) < time.Minute {
			state = "open, just in"
		}
		switch v.Status {
		case crier.ConversationWaiting:
			state = "answered, waiting for the customer"
		case crier.ConversationHandled:
			state = "handled"
		}
		lines = append(lines, fmt.Sprintf("%d  %s  %s  %s  (%d %s, %s)", v.ID, v.Network, state, about, v.Comments, plural(v.Comments, "comment", "comments"), who))
	}
	head := fmt.Sprintf("%d open, %d waiting for the customer", open, len(vs)-open-handled)
	if all {
		head += fmt.Sprintf(", %d handled", handled)
	}
	return Response{Text: head + ":", Lines: lines}, nil
}

func (r *Router) reply(ctx context.Context, req Request) (Response, error) {
	if r.deps.Inbox == nil {
		return Response{}, r.noInbox()
	}
	word, text, _ := strings.Cut(strings.TrimSpace(req.Text), " ")
	id, err := conversationID(word, "/reply 3 Thanks, it ships Friday!")
	if err != nil {
		return Response{}, err
	}
	v, latest, err := r.deps.Inbox.Conversation(ctx, id)
	if err != nil {
		return Response{}, inboxRefusal(err, id)
	}
	if ref, ok := strings.CutPrefix(strings.TrimSpace(text), "^"); ok {
		// The Reply button of one comment: the person's next message in
		// the thread answers that comment.
		commentID, err := strconv.ParseInt(ref, 10, 64)
		if err != nil || commentID <= 0 {
			return Response{}, crier.Errorf(crier.EINVALID, "Type your answer after the conversation's number, like: /reply %d Thanks, it ships Friday!", id)
		}
		if !req.User.Can(crier.RoleReplier) {
			return Response{}, crier.Errorf(crier.EFORBIDDEN, "You need the replier role to answer customers. Ask whoever runs crier to add you under roles: in bot.yaml.")
		}
		c, _, err := r.deps.Inbox.Choose(ctx, req.Platform, req.User.ID, id, commentID)
		switch {
		case crier.ErrorCode(err) == crier.ENOTFOUND:
			return Response{}, crier.Errorf(crier.ENOTFOUND, "That comment is not in conversation %d's thread here. Type /thread %d to see the conversation.", id, id)
		case err != nil:
			return Response{}, err
		}
		who := "the customer"
		if n := cmp.Or(c.AuthorName, c.AuthorHandle); n != "" {
			who = n
		}
		return Response{Text: fmt.Sprintf("Type your answer in the thread within 15 minutes: it goes to %s's comment %s.",
			who, crier.Quote(c.Text, 60)), Ephemeral: true}, nil
	}
	if strings.TrimSpace(text) == "" {
		return Response{Text: fmt.Sprintf("Type your answer in the conversation's thread, or: /reply %d <your answer>", id), Ephemeral: true}, nil
	}
	if latest == nil {
		return Response{}, crier.Errorf(crier.EINVALID, "Conversation %d has no comment to answer yet.", id)
	}
	asked := crier.MessageRef{Platform: v.Thread.Platform, Channel: v.Thread.Channel, Thread: v.Thread.ID}
	if asked.Platform == "" {
		asked = crier.MessageRef{Platform: req.Channel.Platform, Channel: req.Channel.ID, Thread: req.Channel.Thread}
	}
	rp, err := r.deps.Inbox.Reply(ctx, v, latest, req.User, text, asked, req.User.Can(crier.RoleReplier))
	if err != nil {
		return Response{}, err
	}
	return Response{Text: fmt.Sprintf("✓ Your answer to %s on %s is on its way.", cmp.Or(latest.AuthorHandle, latest.AuthorName, "the comment"), rp.Network)}, nil
}

func (r *Router) pause(ctx context.Context, req Request) (Response, error) {
	if err := r.deps.Publisher.Pause(ctx, name(req.User)); err != nil {
		return Response{}, err
	}
	return Response{Text: "⏸ Publishing is paused: due posts wait until someone types /resume. Nothing is lost."}, nil
}

func (r *Router) resume(ctx context.Context, req Request) (Response, error) {
	paused, _, _, err := r.deps.Publisher.Paused(ctx)
	if err != nil {
		return Response{}, err
	}
	if !paused {
		return Response{Text: "Publishing is not paused.", Ephemeral: true}, nil
	}
	if err := r.deps.Publisher.Resume(ctx); err != nil {
		return Response{}, err
	}
	return Response{Text: "▶ Publishing again: posts that fell due while paused go out now."}, nil
}

// conversationID reads a conversation's number.
func conversationID(word, example string) (int64, error) {
	word = strings.TrimPrefix(strings.TrimSpace(word), "#")
	n, err := strconv.ParseInt(word, 10, 64)
	if err != nil || n <= 0 {
		return 0, crier.Errorf(crier.EINVALID, "Give the conversation's number from /inbox, like: %s", example)
	}
	return n, nil
}

func inboxRefusal(err error, id int64) error {
	if crier.ErrorCode(err) == crier.ENOTFOUND {
		return crier.Errorf(crier.ENOTFOUND, "There is no conversation %d. Type /inbox to see them.", id)
	}
	return err
}

func name(u crier.User) string { return cmp.Or(u.Name, u.ID, "someone") }
