package commands_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
)

// fakeInbox is the relay as /inbox and /reply see it.
type fakeInbox struct {
	convs   []crier.Conversation
	replied []string
}

func (f *fakeInbox) Conversations(context.Context, crier.InboxFilter) ([]crier.Conversation, error) {
	return f.convs, nil
}

func (f *fakeInbox) Conversation(_ context.Context, id int64) (*crier.Conversation, *crier.StoredComment, error) {
	for _, v := range f.convs {
		if v.ID == id {
			c := &crier.StoredComment{ID: 7, Comment: crier.Comment{Network: v.Network, AuthorHandle: "bo", Text: "when?"}}
			return &v, c, nil
		}
	}
	return nil, nil, crier.Errorf(crier.ENOTFOUND, "no conversation")
}

func (f *fakeInbox) Assign(_ context.Context, id int64, userID, userName string) (*crier.Conversation, error) {
	v, _, err := f.Conversation(context.Background(), id)
	if err != nil {
		return nil, err
	}
	v.AssigneeName = userName
	return v, nil
}

func (f *fakeInbox) MarkHandled(_ context.Context, id int64) (*crier.Conversation, error) {
	v, _, err := f.Conversation(context.Background(), id)
	return v, err
}

func (f *fakeInbox) ConversationComments(_ context.Context, id int64, limit int) ([]crier.StoredComment, error) {
	if id != 3 {
		return nil, nil
	}
	at := time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC)
	return []crier.StoredComment{
		{Comment: crier.Comment{AuthorName: "Bo", AuthorHandle: "bo", Text: "When?", CreatedAt: at}},
		{Comment: crier.Comment{AuthorHandle: "cy", Text: "Me too", CreatedAt: at.Add(time.Minute)}},
	}, nil
}

func (f *fakeInbox) Choose(_ context.Context, _, _ string, conversationID, commentID int64) (*crier.StoredComment, *crier.Conversation, error) {
	if commentID != 7 || conversationID != 3 {
		return nil, nil, crier.Errorf(crier.ENOTFOUND, "no comment")
	}
	return &crier.StoredComment{ID: 7, Comment: crier.Comment{AuthorHandle: "bo", Text: "when?"}}, &f.convs[0], nil
}

func (f *fakeInbox) Reply(_ context.Context, v *crier.Conversation, c *crier.StoredComment, who crier.User, text string, _ crier.MessageRef, may bool) (*crier.Reply, error) {
	if !may {
		return nil, crier.Errorf(crier.EFORBIDDEN, "not a replier")
	}
	f.replied = append(f.replied, text)
	return &crier.Reply{Network: c.Network, Text: text}, nil
}

func TestInboxListsTakesClosesAndAnswers(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	in := &fakeInbox{convs: []crier.Conversation{
		{ID: 3, Network: "mastodon", Status: crier.ConversationOpen, PostID: 12, PostText: "Launch day", LastCustomerAt: now.Add(-2 * time.Hour), Comments: 1},
		{ID: 4, Network: "bluesky", Status: crier.ConversationWaiting, LastCustomerAt: now.Add(-time.Hour), Comments: 2, AssigneeName: "ana"},
	}}
	r := commands.New(commands.Deps{Inbox: in, Clock: crier.NewManualClock(now)})
	replier := crier.User{ID: "U1", Name: "ana", Roles: []crier.Role{crier.RoleReplier}}
	other := crier.User{ID: "U2", Name: "rui"}
	say := func(u crier.User, cmd, text string) commands.Response {
		return r.Handle(context.Background(), commands.Request{Platform: "shell", User: u, Channel: crier.ChannelRef{Platform: "shell", ID: "general"}, Command: cmd, Text: text})
	}

	resp := say(other, "inbox", "")
	require.Equal(t, "1 open, 1 waiting for the customer:", resp.Text)
	require.Equal(t, []string{
		"3  mastodon  open for 2 h  post #12 “Launch day”  (1 comment, nobody on it)",
		"4  bluesky  answered, waiting for the customer  a post crier did not publish  (2 comments, on it: ana)",
	}, resp.Lines)
	require.Equal(t, "✓ Conversation 3 on mastodon is yours, ana.", say(replier, "inbox", "take 3").Text)
	require.Equal(t, "✗ You need the replier role to take or close conversations. Ask whoever runs crier to add you under roles: in bot.yaml.", say(other, "inbox", "done 3").Text)
	require.Equal(t, "✗ There is no conversation 9. Type /inbox to see them.", say(replier, "inbox", "take 9").Text)
	require.Equal(t, "✗ Give the conversation's number from /inbox, like: /inbox take 3", say(replier, "inbox", "take three").Text)
	require.Equal(t, "✓ Your answer to bo on mastodon is on its way.", say(replier, "reply", "3 Friday!").Text)
	require.Equal(t, "✗ You need the replier role to use /reply. Ask whoever runs crier to add you under roles: in bot.yaml.", say(other, "reply", "3 Friday!").Text)
	require.Equal(t, []string{"Friday!"}, in.replied)
	require.Equal(t, "Type your answer in the thread within 15 minutes: it goes to bo's comment “when?”.", say(replier, "reply", "3 ^7").Text)
	require.Equal(t, "✗ That comment is not in conversation 3's thread here. Type /thread 3 to see the conversation.", say(replier, "reply", "3 ^9").Text)

	resp = say(other, "thread", "3")
	require.Equal(t, "Conversation 3 on mastodon, about post #12 “Launch day”:", resp.Text)
	require.Equal(t, []string{"Bo, 07:00 UTC: “When?”", "cy, 07:01 UTC: “Me too”"}, resp.Lines)
	require.Equal(t, "✗ Give the conversation's number from /inbox, like: /thread 3", say(other, "thread", "").Text)

	off := commands.New(commands.Deps{Clock: crier.NewManualClock(now)})
	resp = off.Handle(context.Background(), commands.Request{Platform: "shell", User: replier, Command: "inbox"})
	require.Equal(t, "✗ The comment inbox is off. Add an inbox: section with a channel to bot.yaml (the README shows how).", resp.Text)
}

func TestInboxButtonsRunTheirCommands(t *testing.T) {
	t.Parallel()
	r := commands.New(commands.Deps{})
	for value, want := range map[string][2]string{
		"crier:take:3":    {"inbox", "take 3"},
		"crier:done:3":    {"inbox", "done 3"},
		"crier:reply:3":   {"reply", "3"},
		"crier:reply:3/7": {"reply", "3 ^7"},
		"crier:pause:41":  {"pause", ""},
	} {
		p, err := r.Press(value)
		require.NoError(t, err, value)
		require.Equal(t, want, [2]string{p.Command, p.Text}, value)
	}
}
