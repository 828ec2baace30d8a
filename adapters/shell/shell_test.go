package shell_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/shell"
	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/criertest"
)

func router(t *testing.T) *commands.Router {
	t.Helper()
	return criertest.Setup(t).Router
}

func TestPipedInputReadsAsATranscript(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	in := strings.NewReader("/draft Hello\n\n#! a comment line\nhi there\n/help draft\n")
	sh := shell.New(in, &out, crier.User{ID: "you", Name: "you", Roles: []crier.Role{crier.RoleScheduler}}, "general")
	require.NoError(t, sh.Run(context.Background(), router(t)))
	require.Equal(t, strings.Join([]string{
		"> /draft Hello",
		"✓ Draft #1 saved. /schedule #1 <when> to schedule it.",
		"  sandbox  5/500  “Hello”",
		"> hi there",
		"Commands start with a slash, like /help or /schedule tomorrow 9am Hello!",
		"> /help draft",
		"/draft <text>",
		"  Save a post without a time; schedule it later with /schedule #id <when>.",
		"  Needs the scheduler role.",
		"  Examples:",
		"    /draft Our spring collection drops Friday",
		"",
	}, "\n"), out.String())
}

func TestNoticesForAnotherChannelNameIt(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	sh := shell.New(strings.NewReader(""), &out, crier.User{Name: "you"}, "general")
	_, err := sh.Post(context.Background(), crier.ChannelRef{Platform: "shell", ID: "general"}, crier.Message{Text: "✓ here"})
	require.NoError(t, err)
	_, err = sh.Post(context.Background(), crier.ChannelRef{Platform: "shell", ID: "launches"}, crier.Message{Text: "✓ there"})
	require.NoError(t, err)
	require.Equal(t, "[#1] ✓ here\n[#2 in #launches] ✓ there\n", out.String())
}

func TestNoticeButtonsBecomeCommandsToType(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	sh := shell.New(strings.NewReader(""), &out, crier.User{Name: "you"}, "general")
	_, err := sh.Post(context.Background(), crier.ChannelRef{Platform: "shell", ID: "general"}, crier.Message{
		Text: "❓ Post #3 may or may not be on masto.",
		Buttons: []crier.Button{
			{Label: "It is published", Command: "/published #3 masto"},
			{Label: "Publish again", Command: "/republish #3 masto"},
		},
	})
	require.NoError(t, err)
	require.Equal(t, "[#1] ❓ Post #3 may or may not be on masto.\n  It is published: type /published #3 masto\n  Publish again: type /republish #3 masto\n", out.String())
}

// crier shell shows the notices of every chat platform; only another shell
// channel is named, as before: a Slack or Discord channel id means nothing
// in the terminal.
func TestNoticesForAnotherPlatformAreNotLabelled(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	sh := shell.New(strings.NewReader(""), &out, crier.User{Name: "you"}, "general")
	ctx := context.Background()
	_, err := sh.Post(ctx, crier.ChannelRef{Platform: "slack", ID: "C0LAUNCH1"}, crier.Message{Text: "✓ on slack"})
	require.NoError(t, err)
	_, err = sh.Post(ctx, crier.ChannelRef{Platform: "discord", ID: "1400000000000000001"}, crier.Message{Text: "✓ on discord"})
	require.NoError(t, err)
	_, err = sh.Post(ctx, crier.ChannelRef{Platform: "discord", ID: "general"}, crier.Message{Text: "✓ same name, other platform"})
	require.NoError(t, err)
	_, err = sh.Post(ctx, crier.ChannelRef{Platform: "shell", ID: "launch"}, crier.Message{Text: "✓ another shell channel"})
	require.NoError(t, err)
	require.Equal(t, "[#1] ✓ on slack\n[#2] ✓ on discord\n[#3] ✓ same name, other platform\n[#4 in #launch] ✓ another shell channel\n", out.String())
}

func TestATypedBackslashNIsALineBreak(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	r := router(t)
	sh := shell.New(strings.NewReader("/draft Mural\\nimage: https://example.com/m.jpg | A blue wall\n"), &out, crier.User{ID: "you", Name: "you", Roles: []crier.Role{crier.RoleScheduler}}, "general")
	require.NoError(t, sh.Run(context.Background(), r))
	require.Contains(t, out.String(), "  sandbox  5/500  “Mural”\n  picture: https://example.com/m.jpg\n")
}

func TestChatNumbersMessagesAndAPersonAnswersOne(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	in := strings.NewReader("#1 when does it ship?\n#2 soon, thanks\n#9 hello?\n#1\n")
	sh := shell.New(in, &out, crier.User{ID: "you", Name: "you"}, "general")
	ctx := context.Background()
	require.Equal(t, "shell", sh.Platform())
	general := crier.ChannelRef{Platform: "shell", ID: "general"}
	top, err := sh.Post(ctx, general, crier.Message{Text: "✓ Post #1 published", Lines: []string{"sandbox"}})
	require.NoError(t, err)
	require.Equal(t, crier.MessageRef{Platform: "shell", Channel: "general", ID: "1"}, top)
	var replies []crier.ThreadReply
	sh.OnThreadReply(func(ctx context.Context, r crier.ThreadReply) {
		replies = append(replies, r)
		general.Thread = r.Thread
		_, err := sh.Post(ctx, general, crier.Message{Text: "Relayed: " + r.Text})
		require.NoError(t, err)
	})
	require.NoError(t, sh.Run(ctx, router(t)))
	require.NoError(t, sh.React(ctx, top, "white_check_mark"))
	require.NoError(t, sh.Update(ctx, top, crier.Message{Text: "✓ Post #1 published (2 comments)"}))
	other, err := sh.Post(ctx, crier.ChannelRef{Platform: "shell", ID: "launch"}, crier.Message{Text: "chart",
		File: &crier.File{Name: "digest.png", Data: []byte("png"), Alt: "posts per day"}})
	require.NoError(t, err)
	require.Equal(t, "6", other.ID)

	require.Equal(t, []crier.ThreadReply{
		{Platform: "shell", Channel: "general", Thread: "1", MessageID: "2", UserID: "you", UserName: "you", Text: "when does it ship?"},
		{Platform: "shell", Channel: "general", Thread: "1", MessageID: "4", UserID: "you", UserName: "you", Text: "soon, thanks"},
	}, replies, "#2 is in the thread of #1, so answering it answers in that thread")
	require.Equal(t, strings.Join([]string{
		"[#1] ✓ Post #1 published",
		"  sandbox",
		"> #1 when does it ship?",
		"[#3 re #1] Relayed: when does it ship?",
		"> #2 soon, thanks",
		"[#5 re #1] Relayed: soon, thanks",
		"> #9 hello?",
		"crier has posted no message #9 here. Answer one of its numbered messages, like: #1 thanks!",
		"> #1",
		"Type your answer after the number, like: #1 thanks!",
		"[#1] :white_check_mark:",
		"[#1 now reads] ✓ Post #1 published (2 comments)",
		"[#6 in #launch] chart",
		"  (file digest.png, 3 bytes: posts per day)",
		"",
	}, "\n"), out.String())
}

func TestThreadsOfAnEarlierRunAndOfAnotherChannelAreAnsweredWhereTheyAre(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	sh := shell.New(strings.NewReader("#1 Friday!\n#2 thanks\n"), &out, crier.User{ID: "you", Name: "you"}, "general")
	sh.UseSession("r2")
	ctx := context.Background()
	header, err := sh.Post(ctx, crier.ChannelRef{Platform: "shell", ID: "inbox"}, crier.Message{Text: "💬 Post #1"})
	require.NoError(t, err)
	require.Equal(t, crier.MessageRef{Platform: "shell", Channel: "inbox", ID: "r2.1"}, header, "ids are this run's")
	_, err = sh.Post(ctx, crier.ChannelRef{Platform: "shell", ID: "inbox", Thread: "r1.7"}, crier.Message{Text: "bo: when?"})
	require.NoError(t, err)
	var replies []crier.ThreadReply
	sh.OnThreadReply(func(_ context.Context, r crier.ThreadReply) { replies = append(replies, r) })
	require.NoError(t, sh.Run(ctx, router(t)))
	require.Equal(t, []crier.ThreadReply{
		{Platform: "shell", Channel: "inbox", Thread: "r2.1", MessageID: "r2.3", UserID: "you", UserName: "you", Text: "Friday!"},
		{Platform: "shell", Channel: "inbox", Thread: "r1.7", MessageID: "r2.4", UserID: "you", UserName: "you", Text: "thanks"},
	}, replies, "an answer goes to the message's channel and thread, also a thread of an earlier run")
	require.Contains(t, out.String(), "[#2 in #inbox re an earlier message] bo: when?")
}

func TestAnAttachedFileIsWrittenAndItsPathShown(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	sh := shell.New(strings.NewReader(""), &out, crier.User{ID: "you"}, "general")
	dir := t.TempDir()
	sh.UseFiles(dir)
	_, err := sh.Post(context.Background(), crier.ChannelRef{Platform: "shell", ID: "kpis"}, crier.Message{Text: "📊 Yesterday",
		File: &crier.File{Name: "../../digest-2026-12-05.png", ContentType: "image/png", Data: []byte("png"), Alt: "Followers and engagement"}})
	require.NoError(t, err)
	path := filepath.Join(dir, "digest-2026-12-05.png")
	require.Equal(t, "[#1 in #kpis] 📊 Yesterday\n  Followers and engagement: "+path+"\n", out.String(), "the name cannot lead out of the directory")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "png", string(data))
}

func TestImportReadsTheNamedFileAsItsAttachment(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "plan.csv")
	require.NoError(t, os.WriteFile(path, []byte("date,time,timezone,networks,text\n2026-11-24,09:00,UTC,sandbox,Launch day\n"), 0o600))
	var out bytes.Buffer
	in := strings.NewReader("/import " + path + "\n/import " + filepath.Join(dir, "nope.csv") + "\n")
	sh := shell.New(in, &out, crier.User{ID: "you", Name: "you", Roles: []crier.Role{crier.RoleScheduler}}, "general")
	require.NoError(t, sh.Run(context.Background(), router(t)))
	require.Contains(t, out.String(), "✓ Imported 1 post from plan.csv (#1). /calendar shows them.")
	require.Contains(t, out.String(), "✗ There is no file "+filepath.Join(dir, "nope.csv")+" here; give its path, like /import data/plan.csv")
}
