package commands_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/criertest"
)

// composeBundle has two file networks: "long" (500) and "short" (40).
func composeBundle(t *testing.T, approvals bool) *criertest.Bundle {
	t.Helper()
	return criertest.Setup(t, criertest.WithFileNetwork("long", 500), criertest.WithFileNetwork("short", 40), criertest.Started(),
		criertest.WithCommands(func(d *commands.Deps) {
			d.Approvals = commands.Approvals{On: approvals, Channel: crier.ChannelRef{Platform: "shell", ID: "approvals"}, LateAfter: time.Hour}
		}))
}

var (
	scheduler = criertest.User("U1", "ana", crier.RoleScheduler)
	drafter   = criertest.User("U2", "bo", crier.RoleDrafter)
	approver  = criertest.User("U3", "cy", crier.RoleApprover)
)

func TestAPostGoesToTheNetworksItNamesEachWithItsOwnText(t *testing.T) {
	t.Parallel()
	b := composeBundle(t, false)
	resp := b.Say(t, "shell", scheduler, "/schedule in 1 minute to short | Launch day is here, and it is a long one for a short network\nshort: Launch day!")
	require.False(t, resp.Error, resp.Text)
	require.Equal(t, []string{"short  11/40  “Launch day!”"}, resp.Lines, "only the chosen network, with its own text and count")
	p := b.Post(t, 1)
	require.Equal(t, []string{"short"}, p.Targets)

	resp = b.Say(t, "shell", scheduler, "/schedule in 1 minute | A text that fits the long network but is much too long for the short one\nshort: Short!")
	require.False(t, resp.Error, resp.Text)
	require.Len(t, resp.Lines, 2, "every network, each checked against its own text: %q", resp.Lines)

	b.Clock.Add(2 * time.Minute)
	b.WaitIdle(t)
	short := b.OutboxRecords(t, "short")
	require.Len(t, short, 2)
	require.ElementsMatch(t, []string{"Launch day!", "Short!"}, []string{short[0].Text, short[1].Text})
	long := b.OutboxRecords(t, "long")
	require.Len(t, long, 1, "the first post did not go to long")
	require.Equal(t, "A text that fits the long network but is much too long for the short one", long[0].Text)

	for line, want := range map[string]string{
		"/schedule in 1 minute to shrot | Hi": `✗ There is no network called "shrot"; did you mean short? Known: long, short.`,
		"/schedule in 1 minute | A text that fits the long network but is much too long for the short one": "✗ The text is 32 characters too long for short (72/40). Shorten it and try again.",
		"/schedule in 1 minute to long | Hi\nshort: Hey":                                                   "✗ This post does not go to short, so it needs no text of its own there; add short to its networks first, or drop the short: line.",
	} {
		require.Equal(t, want, b.Say(t, "shell", scheduler, line).Text, line)
	}
}

func TestEditAndVariantChangeAPostBeforeItGoesOut(t *testing.T) {
	t.Parallel()
	b := composeBundle(t, false)
	b.Say(t, "shell", scheduler, "/schedule in 1 hour | Launch day")
	resp := b.Say(t, "shell", scheduler, "/edit #1 Launch day is here!")
	require.Equal(t, "✓ Post #1 changed.", resp.Text)
	resp = b.Say(t, "shell", scheduler, "/variant #1 short Launch 🚀")
	require.Equal(t, "✓ Post #1 changed.", resp.Text)
	require.Contains(t, resp.Lines, "short  8/40  “Launch 🚀”")
	require.Equal(t, "✗ The text is 5 characters too long for short (45/40). Shorten it and try again.",
		b.Say(t, "shell", scheduler, "/edit #1 short: "+strings.Repeat("x", 45)).Text)
	p := b.Post(t, 1)
	require.Equal(t, "Launch day is here!", p.Text)
	require.Equal(t, map[string]string{"short": "Launch 🚀"}, p.Variants, "a refused edit stores nothing")
	require.Equal(t, 3, p.Revision)

	b.Say(t, "shell", scheduler, "/draft to long | Draft text")
	resp = b.Say(t, "shell", scheduler, "/networks #2 add short")
	require.Equal(t, []string{"long", "short"}, b.Post(t, 2).Targets, resp.Text)
	require.Equal(t, "✓ Post #2 changed.", b.Say(t, "shell", scheduler, "/networks #2 drop long").Text)
	require.Equal(t, "✗ Post #2 would go nowhere; add another network first, or /cancel #2.", b.Say(t, "shell", scheduler, "/networks #2 drop short").Text)
	require.Equal(t, []string{"short"}, b.Post(t, 2).Targets)
}

func TestADrafterNeedsAnApproverAndNothingUnapprovedGoesOut(t *testing.T) {
	t.Parallel()
	b := composeBundle(t, true)
	resp := b.Say(t, "shell", drafter, "/schedule in 10 minutes | Launch day")
	require.True(t, strings.HasPrefix(resp.Text, "✓ Post #1 waits for approval; once approved it goes out Mon 23 Nov 08:10 UTC"), resp.Text)
	require.True(t, strings.HasSuffix(resp.Text, " to long, short."), resp.Text)
	asked := b.Chat.Find(t, "📝 Post #1 by bo waits for approval")
	require.Equal(t, crier.ChannelRef{Platform: "shell", ID: "approvals"}, asked.Channel)
	require.Equal(t, []string{"Approve", "Reject", "Edit"}, []string{asked.Buttons[0].Label, asked.Buttons[1].Label, asked.Buttons[2].Label})

	b.Clock.Add(2 * time.Hour)
	b.WaitIdle(t)
	require.Empty(t, b.OutboxRecords(t, "long"), "nothing unapproved is published, though its time passed")

	require.Equal(t, "✗ Post #1 has your words in it, and bot.yaml does not let authors approve their own posts; ask another approver.",
		b.Say(t, "shell", criertest.User("U2", "bo", crier.RoleDrafter, crier.RoleApprover), "/approve #1 ^1 now").Text)
	require.Equal(t, "✗ You need the approver role to use /approve. Ask whoever runs crier to add you under roles: in bot.yaml.",
		b.Say(t, "shell", drafter, "/approve #1").Text)
	shown := b.Say(t, "shell", approver, "/approve #1")
	require.Equal(t, "Post #1, as it is now; approve this text with /approve #1 ^1:", shown.Text, "a typed approval shows the text first")
	require.True(t, strings.HasPrefix(b.Say(t, "shell", approver, "/approve #1 ^1").Text, "Post #1 was due "), "approved long after its time: asked first")
	require.Equal(t, "✓ Post #1 approved; it goes out now.", b.Say(t, "shell", approver, "/approve #1 ^1 now").Text)
	b.WaitIdle(t)
	require.Len(t, b.OutboxRecords(t, "long"), 1)
	require.Len(t, b.OutboxRecords(t, "short"), 1)
	b.Chat.Find(t, "✅ Post #1 was approved by cy")
	require.Equal(t, "✗ Post #1 does not wait for approval (it was decided already, or never needed it). Type /approvals to see what waits.",
		b.Say(t, "shell", approver, "/approve #1 ^1 now").Text, "approving twice")
}

func TestAnEditRacingAnApprovalIsNotApprovedUnseen(t *testing.T) {
	t.Parallel()
	b := composeBundle(t, true)
	b.Say(t, "shell", drafter, "/schedule in 1 hour | Launch day")
	asked := b.Chat.Find(t, "📝 Post #1")
	press, err := b.Router.Press(mustValue(t, asked.Buttons[0]))
	require.NoError(t, err)
	require.Equal(t, "#1 ^1", press.Text, "the button names the revision the approver saw")

	b.Say(t, "shell", drafter, "/edit #1 Launch day, with the wrong price")
	require.Equal(t, "✗ Post #1 was edited after you were asked; read the new text with /approvals and decide again.",
		b.Say(t, "shell", approver, "/approve "+press.Text).Text)

	resp := b.Say(t, "shell", approver, "/approvals")
	require.Equal(t, "1 post waits for approval:", resp.Text)
	require.Contains(t, resp.Lines[0], "“Launch day, with the wrong price”")

	require.Equal(t, "✗ Say why, so the author can fix it: /reject #1 <reason>", b.Say(t, "shell", approver, "/reject #1").Text)
	require.Equal(t, "✓ Post #1 rejected; its author is told why.", b.Say(t, "shell", approver, "/reject #1 The price is wrong").Text)
	b.Chat.Find(t, "✗ Post #1 was not approved by cy: The price is wrong.")
	b.Clock.Add(2 * time.Hour)
	b.WaitIdle(t)
	require.Empty(t, b.OutboxRecords(t, "long"), "a rejected post is not published")

	// The author fixes it: it waits for approval again; an approved post
	// edited goes back too.
	require.Equal(t, "✓ Post #1 changed; it waits for approval again.", b.Say(t, "shell", drafter, "/edit #1 Launch day, 49 EUR").Text)
	require.Equal(t, "✓ Post #1 approved; it goes out now.", b.Say(t, "shell", approver, "/approve #1 ^3 now").Text)
	b.Say(t, "shell", drafter, "/schedule in 1 hour | Second")
	require.True(t, strings.HasPrefix(b.Say(t, "shell", approver, "/approve #2 ^1").Text, "✓ Post #2 approved"))
	require.Equal(t, "✓ Post #2 changed; it waits for approval again.", b.Say(t, "shell", scheduler, "/edit #2 Second, edited").Text)
	b.Clock.Add(2 * time.Hour)
	b.WaitIdle(t)
	require.Len(t, b.OutboxRecords(t, "long"), 1, "only post #1: #2 waits for approval again after its edit")

	b.Say(t, "shell", scheduler, "/cancel #2")
	require.Equal(t, "✗ Post #2 was cancelled, so there is nothing to approve.", b.Say(t, "shell", approver, "/approve #2 ^2 now").Text)
}

// An approver who changed a post's words may not approve them: another
// approver must.
func TestAnApproverWhoEditedAPostMayNotApproveIt(t *testing.T) {
	t.Parallel()
	b := composeBundle(t, true)
	ed := criertest.User("U4", "ed", crier.RoleApprover, crier.RoleDrafter)
	b.Say(t, "shell", drafter, "/schedule in 1 hour | Launch day")
	require.Equal(t, "✓ Post #1 changed; it still waits for approval.", b.Say(t, "shell", ed, "/edit #1 Buy crypto now").Text)
	require.Equal(t, "✗ Post #1 has your words in it, and bot.yaml does not let authors approve their own posts; ask another approver.",
		b.Say(t, "shell", ed, "/approve #1 ^2 now").Text)
	require.Equal(t, "✗ Post #1 is bo's; you can change your own posts only. Ask them, or someone with the scheduler role.",
		b.Say(t, "shell", criertest.User("U5", "fi", crier.RoleDrafter), "/edit #1 Mine now").Text)
	require.Equal(t, "✓ Post #1 cancelled; it will not be published. To schedule it again, type /schedule <when> and its text:",
		b.Say(t, "shell", drafter, "/cancel #1").Text, "an author may cancel their own waiting post")
}

func mustValue(t *testing.T, b crier.Button) string {
	t.Helper()
	v, ok := commands.EncodeButton(b)
	require.True(t, ok)
	return v
}

func TestAChannelsDefaultNetworksApplyWhenAPostNamesNone(t *testing.T) {
	t.Parallel()
	b := criertest.Setup(t, criertest.WithFileNetwork("long", 500), criertest.WithFileNetwork("short", 40),
		criertest.WithCommands(func(d *commands.Deps) {
			d.DefaultNetworks = func(ch crier.ChannelRef) []string {
				if ch.ID == "C1" {
					return []string{"short"}
				}
				return nil
			}
		}))
	resp := b.Say(t, "shell", scheduler, "/draft Hello")
	require.False(t, resp.Error, resp.Text)
	require.Equal(t, []string{"short"}, b.Post(t, 1).Targets, "the channel's default")
	b.Say(t, "shell", scheduler, "/draft to long | Hello")
	require.Equal(t, []string{"long"}, b.Post(t, 2).Targets, "a post that names its networks")
}
