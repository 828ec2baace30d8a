package shell_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/file"
	"github.com/crier-bot/crier/adapters/shell"
	"github.com/crier-bot/crier/adapters/sqlite"
	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/publish"
	"github.com/crier-bot/crier/internal/timeparse"
)

func router(t *testing.T) *commands.Router {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	clock := crier.NewManualClock(time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC))
	db, err := sqlite.Open(ctx, filepath.Join(dir, "crier.db"), clock)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	fn, err := file.Open("sandbox", filepath.Join(dir, "outbox.jsonl"), 500, clock)
	require.NoError(t, err)
	pub, err := publish.New(ctx, publish.Options{DB: db.SQL(), Store: db, Networks: []crier.Network{fn}, Clock: clock})
	require.NoError(t, err)
	return commands.New(commands.Deps{Publisher: pub, Times: timeparse.New(timeparse.Options{}), Clock: clock})
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
	require.NoError(t, sh.Notify(context.Background(), crier.Notice{Channel: crier.ChannelRef{Platform: "shell", ID: "general"}, Text: "✓ here"}))
	require.NoError(t, sh.Notify(context.Background(), crier.Notice{Channel: crier.ChannelRef{Platform: "shell", ID: "launches"}, Text: "✓ there"}))
	require.Equal(t, "✓ here\n[#launches] ✓ there\n", out.String())
}

func TestNoticeButtonsBecomeCommandsToType(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	sh := shell.New(strings.NewReader(""), &out, crier.User{Name: "you"}, "general")
	require.NoError(t, sh.Notify(context.Background(), crier.Notice{
		Channel: crier.ChannelRef{Platform: "shell", ID: "general"}, Text: "❓ Post #3 may or may not be on masto.",
		Buttons: []crier.Button{
			{Label: "It is published", Command: "/published #3 masto"},
			{Label: "Publish again", Command: "/republish #3 masto"},
		},
	}))
	require.Equal(t, "❓ Post #3 may or may not be on masto.\n  It is published: type /published #3 masto\n  Publish again: type /republish #3 masto\n", out.String())
}

func TestATypedBackslashNIsALineBreak(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	r := router(t)
	sh := shell.New(strings.NewReader("/draft Mural\\nimage: https://example.com/m.jpg | A blue wall\n"), &out, crier.User{ID: "you", Name: "you", Roles: []crier.Role{crier.RoleScheduler}}, "general")
	require.NoError(t, sh.Run(context.Background(), r))
	require.Contains(t, out.String(), "  sandbox  5/500  “Mural”\n  picture: https://example.com/m.jpg\n")
}
