package commands_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/criertest"
)

func TestImportAnAttachedCalendarAllOrNothing(t *testing.T) {
	t.Parallel()
	b := criertest.Setup(t)
	say := func(files ...crier.File) commands.Response {
		return b.Router.Handle(context.Background(), commands.Request{Platform: "discord", User: scheduler,
			Channel: crier.ChannelRef{Platform: "discord", ID: "C1"}, Command: "import", Files: files})
	}
	file := func(body string) crier.File {
		return crier.File{Name: "plan.csv", ContentType: "text/csv", Data: []byte(body)}
	}
	require.Equal(t, "✗ Attach the calendar's CSV file to /import (in Slack, upload it with the message \"crier import\"); crier export writes one to start from.", say().Text)
	require.True(t, strings.HasPrefix(say(file("date,metric,value\n2026-11-20,clicks,3\n")).Text, "✗ plan.csv is not a calendar"))

	bad := say(file("date,time,timezone,networks,text\n2026-11-24,09:00,UTC,sandbox,Launch day\n2026-11-25,25:00,UTC,sandbox,Oops\n2026-11-26,09:00,UTC,sandbx,Typo\n"))
	require.True(t, bad.Error)
	require.Equal(t, "✗ Nothing was imported: 2 rows of plan.csv are wrong. Fix them and attach the file again:", bad.Text)
	require.Len(t, bad.Lines, 2)
	require.True(t, strings.HasPrefix(bad.Lines[0], "line 3: "), bad.Lines[0])
	require.True(t, strings.HasPrefix(bad.Lines[1], "line 4: "), bad.Lines[1])
	require.Contains(t, bad.Lines[1], "sandbox", "the closest network is suggested")

	good := say(file("date,time,timezone,networks,text\n2026-11-24,09:00,UTC,sandbox,Launch day\n,,,,A draft\n"))
	require.Equal(t, "✓ Imported 2 posts from plan.csv (#1, #2). /calendar shows them.", good.Text)
	require.Equal(t, "Launch day", b.Post(t, 1).Text)
	again := say(file("date,time,timezone,networks,text\n2026-11-24,09:00,UTC,sandbox,Launch day\n"))
	require.Contains(t, strings.Join(again.Lines, "\n"), "the same post is scheduled already, as #1")

	rui := criertest.User("U9", "rui")
	resp := b.Router.Handle(context.Background(), commands.Request{Platform: "discord", User: rui, Command: "import", Files: []crier.File{file("x")}})
	require.Equal(t, "✗ You need the scheduler role to use /import. Ask whoever runs crier to add you under roles: in bot.yaml.", resp.Text)
}
