package discord_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/discord"
	"github.com/crier-bot/crier/commands"
)

var updateDiscordGolden = flag.Bool("update", false, "rewrite the golden files in testdata/render from the current output")

// renderPostButtons are the buttons commands offer with a scheduled post.
func renderPostButtons(id int64) []commands.Button {
	return []commands.Button{
		{Label: "Publish now", Action: "publish_now", PostID: id, Command: fmt.Sprintf("/reschedule #%d now", id)},
		{Label: "Reschedule", Action: "reschedule", PostID: id, Command: fmt.Sprintf("/reschedule #%d <when>", id)},
		{Label: "Cancel", Action: "cancel", PostID: id, Command: fmt.Sprintf("/cancel #%d", id)},
	}
}

// renderQueueLines are 25 rows and the "…and more" line, as /queue makes them.
func renderQueueLines() []string {
	var lines []string
	for i := range 25 {
		id := 40 - i
		if i%5 == 4 {
			lines = append(lines, fmt.Sprintf("#%d  draft  “Idea %d: a thread about <tags> & **shortcuts**”", id, i))
			continue
		}
		lines = append(lines, fmt.Sprintf("#%d  Tue 24 Nov %02d:00 EET (in %d h)  sandbox, bluesky  “Post %d of the week”", id, 9+i%12, 23+i, i))
	}
	return append(lines, "…and more; only the first 25 are shown.")
}

// renderLongLines are more preview lines than one description holds.
func renderLongLines() []string {
	lines := make([]string, 120)
	for i := range lines {
		lines[i] = fmt.Sprintf("network%03d  46/500  “Fish & chips <3 on the pier, row %d”", i, i)
	}
	return lines
}

// renderGoldenCases are the shapes of response crier sends, named after
// their golden files.
var renderGoldenCases = []struct {
	name string
	resp commands.Response
}{
	{"scheduled", commands.Response{
		Text:    "✓ Post #12 scheduled for Fri 27 Nov 15:00 EET (in 4 days) to sandbox.",
		Lines:   []string{"sandbox  46/500  “Launch day is here! Tea & cake at https://example.com/launch_party”"},
		Buttons: renderPostButtons(12),
	}},
	{"draft_saved", commands.Response{
		Text:  "✓ Draft #3 saved. /schedule #3 <when> to schedule it.",
		Lines: []string{"sandbox  33/500  “Our spring collection drops Friday”"},
	}},
	{"queue", commands.Response{
		Text:      "20 scheduled, 5 drafts:",
		Lines:     renderQueueLines(),
		Ephemeral: true,
	}},
	{"error", commands.Response{
		Text:      "✗ You need the scheduler role to use /schedule. Ask whoever runs crier to add you under roles: in bot.yaml.",
		Buttons:   renderPostButtons(12),
		Ephemeral: true,
		Error:     true,
	}},
	{"help", commands.Response{
		Text: "crier schedules posts from chat. Commands:",
		Lines: []string{
			"/schedule <when> <text>  Schedule a post: the time first, then the text.",
			"/draft <text>            Save a post without a time; schedule it later with /schedule #id <when>.",
			"/queue                   List the upcoming posts and the drafts, in your timezone.",
			"/reschedule #id <when>   Move a scheduled post to another time; \"now\" publishes it at once.",
			"/cancel #id              Cancel a scheduled post or a draft before it goes out.",
			"/help [command]          Show what crier can do, or how to use one command.",
			"Type /help <command> for examples, like /help schedule.",
		},
		Ephemeral: true,
	}},
	{"help_command", commands.Response{
		Text: "/schedule <when> <text>",
		Lines: []string{
			"Schedule a post: the time first, then the text.",
			"Needs the scheduler role.",
			"Examples:",
			"  /schedule tomorrow 9am Launch day is here! https://example.com/launch",
			"  /schedule friday 3pm | Our spring collection drops today",
		},
		Ephemeral: true,
	}},
	{"long", commands.Response{
		Text:  "✓ Post #7 scheduled for Fri 27 Nov 15:00 EET (in 4 days) to sandbox. " + strings.Repeat("Fish & chips <3 ", 300),
		Lines: renderLongLines(),
		Buttons: []commands.Button{
			{Label: "Publish now " + strings.Repeat("and again ", 10), Action: "publish_now", PostID: 7},
			{Label: "Cancel", Action: "cancel", PostID: 7},
		},
	}},
}

func marshalMessage(t *testing.T, msg *discordgo.InteractionResponseData) []byte {
	t.Helper()
	data, err := json.MarshalIndent(msg, "", "  ")
	require.NoError(t, err)
	return append(data, '\n')
}

// unmarshalMessage reads message data as Discord would send it back.
// discordgo's InteractionResponseData cannot unmarshal components by itself
// (they are an interface), so they are read with MessageComponentFromJSON.
func unmarshalMessage(t *testing.T, data []byte) *discordgo.InteractionResponseData {
	t.Helper()
	var raw struct {
		discordgo.InteractionResponseData
		Components []json.RawMessage `json:"components"`
	}
	require.NoError(t, json.Unmarshal(data, &raw))
	msg := raw.InteractionResponseData
	if raw.Components != nil {
		msg.Components = make([]discordgo.MessageComponent, 0, len(raw.Components))
	}
	for _, c := range raw.Components {
		mc, err := discordgo.MessageComponentFromJSON(c)
		require.NoError(t, err)
		msg.Components = append(msg.Components, mc)
	}
	return &msg
}

func renderGoldenPath(name string) string {
	return filepath.Join("testdata", "render", name+".golden.json")
}

func TestRenderGolden(t *testing.T) {
	for _, tt := range renderGoldenCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := marshalMessage(t, discord.Message(tt.resp))
			path := renderGoldenPath(tt.name)
			if *updateDiscordGolden {
				require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
				require.NoError(t, os.WriteFile(path, got, 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test -run TestRenderGolden -update to create it")
			require.Equal(t, string(want), string(got))
		})
	}
}

// discordgo's own types read every golden file back and write it out the
// same, so nothing in it is unknown to discordgo, and it keeps Discord's
// limits.
func TestRenderGoldenRoundTrip(t *testing.T) {
	for _, tt := range renderGoldenCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(renderGoldenPath(tt.name))
			require.NoError(t, err)
			msg := unmarshalMessage(t, data)
			require.Len(t, msg.Embeds, 1)
			require.Equal(t, string(data), string(marshalMessage(t, msg)))
			requireWithinLimits(t, msg)
			require.NotNil(t, msg.AllowedMentions)
			require.Empty(t, msg.AllowedMentions.Parse)
			if tt.resp.Ephemeral {
				require.Equal(t, discordgo.MessageFlagsEphemeral, msg.Flags)
			} else {
				require.Zero(t, msg.Flags)
			}
		})
	}
}

// requireWithinLimits fails if msg breaks one of Discord's limits, counted
// in UTF-16 code units, or has text that is not valid UTF-8.
func requireWithinLimits(t *testing.T, msg *discordgo.InteractionResponseData) {
	t.Helper()
	require.True(t, utf8.ValidString(msg.Content))
	require.LessOrEqual(t, utf16Len(msg.Content), 2000)
	total := 0
	for _, e := range msg.Embeds {
		require.True(t, utf8.ValidString(e.Title))
		require.True(t, utf8.ValidString(e.Description))
		require.LessOrEqual(t, utf16Len(e.Title), 256)
		require.LessOrEqual(t, utf16Len(e.Description), 4096)
		total += utf16Len(e.Title) + utf16Len(e.Description)
	}
	require.LessOrEqual(t, total, 6000)
	require.LessOrEqual(t, len(msg.Components), 5)
	ids := map[string]bool{}
	for _, row := range msg.Components {
		buttons := rowButtons(t, row)
		require.NotEmpty(t, buttons)
		require.LessOrEqual(t, len(buttons), 5)
		for _, b := range buttons {
			require.True(t, utf8.ValidString(b.Label))
			require.NotEmpty(t, strings.TrimSpace(b.Label))
			require.LessOrEqual(t, utf16Len(b.Label), 80)
			require.NotEmpty(t, b.CustomID)
			require.LessOrEqual(t, len(b.CustomID), 100)
			require.False(t, ids[b.CustomID], "custom_id %q twice", b.CustomID)
			ids[b.CustomID] = true
		}
	}
}

// rowButtons returns the buttons of an action row, failing on anything
// Message does not make. Rows and buttons are values from Message and
// pointers when read back from JSON.
func rowButtons(t *testing.T, c discordgo.MessageComponent) []discordgo.Button {
	t.Helper()
	var row discordgo.ActionsRow
	switch c := c.(type) {
	case discordgo.ActionsRow:
		row = c
	case *discordgo.ActionsRow:
		row = *c
	default:
		t.Fatalf("unexpected component %T", c)
	}
	var out []discordgo.Button
	for _, e := range row.Components {
		switch e := e.(type) {
		case discordgo.Button:
			out = append(out, e)
		case *discordgo.Button:
			out = append(out, *e)
		default:
			t.Fatalf("unexpected row component %T", e)
		}
	}
	return out
}

func messageButtons(t *testing.T, msg *discordgo.InteractionResponseData) []discordgo.Button {
	t.Helper()
	var out []discordgo.Button
	for _, row := range msg.Components {
		out = append(out, rowButtons(t, row)...)
	}
	return out
}

func onlyEmbed(t *testing.T, msg *discordgo.InteractionResponseData) *discordgo.MessageEmbed {
	t.Helper()
	require.Len(t, msg.Embeds, 1)
	return msg.Embeds[0]
}

// utf16Len counts as Discord may: UTF-16 code units.
func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

func TestRenderColorsAndFlags(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name      string
		resp      commands.Response
		color     int
		ephemeral bool
	}{
		{"a done response is green", commands.Response{Text: "✓ Post #1 goes out now."}, 0x57F287, false},
		{"an error is red", commands.Response{Text: "✗ No post #9.", Error: true, Ephemeral: true}, 0xED4245, true},
		{"an error is red even with a tick", commands.Response{Text: "✓ but not really", Error: true}, 0xED4245, false},
		{"anything else is blurple", commands.Response{Text: "20 scheduled, 5 drafts:", Ephemeral: true}, 0x5865F2, true},
		{"lines alone are blurple", commands.Response{Lines: []string{"x"}}, 0x5865F2, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg := discord.Message(tt.resp)
			require.Equal(t, tt.color, onlyEmbed(t, msg).Color)
			if tt.ephemeral {
				require.Equal(t, discordgo.MessageFlagsEphemeral, msg.Flags)
			} else {
				require.Zero(t, msg.Flags)
			}
			require.Empty(t, msg.Content)
			require.False(t, msg.TTS)
		})
	}
}

func TestRenderButtons(t *testing.T) {
	t.Parallel()
	msg := discord.Message(commands.Response{Text: "✓ Post #12 scheduled.", Buttons: renderPostButtons(12)})
	require.Len(t, msg.Components, 1, "one action row")
	buttons := messageButtons(t, msg)
	require.Len(t, buttons, 3)

	for i, want := range []struct {
		label    string
		style    discordgo.ButtonStyle
		customID string
		action   string
	}{
		{"Publish now", discordgo.SuccessButton, "crier:publish_now:12", "publish_now"},
		{"Reschedule", discordgo.SecondaryButton, "crier:reschedule:12", "reschedule"},
		{"Cancel", discordgo.DangerButton, "crier:cancel:12", "cancel"},
	} {
		b := buttons[i]
		require.Equal(t, want.label, b.Label)
		require.Equal(t, want.style, b.Style)
		require.Equal(t, want.customID, b.CustomID)
		require.False(t, b.Disabled)
		require.Empty(t, b.URL)
		v, err := commands.ParseButton(b.CustomID)
		require.NoError(t, err)
		require.Equal(t, commands.ButtonValue{Action: want.action, PostID: 12}, v)
	}
}

func TestRenderButtonRows(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		buttons []commands.Button
		rows    []int // buttons in each row
	}{
		{"no buttons make no row", nil, []int{}},
		{"five buttons fill one row", renderButtonsFor(5), []int{5}},
		{"six buttons take two rows", renderButtonsFor(6), []int{5, 1}},
		{"more than 25 buttons are cut to five full rows", renderButtonsFor(40), []int{5, 5, 5, 5, 5}},
		{"a repeated button is shown once", append(renderPostButtons(3), renderPostButtons(3)...), []int{3}},
		{"a button without a post is left out", []commands.Button{{Label: "Cancel", Action: "cancel"}}, []int{}},
		{"a button with an action commands cannot encode is left out", []commands.Button{
			{Label: "Odd", Action: "Publish Now", PostID: 1},
			{Label: "Colon", Action: "cancel:1", PostID: 1},
			{Label: "Long", Action: strings.Repeat("a", 100), PostID: 1},
			{Label: "Fine", Action: "cancel", PostID: 1},
		}, []int{1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg := discord.Message(commands.Response{Text: "✓ Done.", Buttons: tt.buttons})
			require.NotNil(t, msg.Components, "an empty list, so that an update removes old buttons")
			var got []int
			for _, row := range msg.Components {
				got = append(got, len(rowButtons(t, row)))
			}
			if got == nil {
				got = []int{}
			}
			require.Equal(t, tt.rows, got)
			requireWithinLimits(t, msg)
		})
	}
}

func renderButtonsFor(n int) []commands.Button {
	var out []commands.Button
	for i := range n {
		out = append(out, commands.Button{Label: fmt.Sprintf("Post %d", i+1), Action: "publish_now", PostID: int64(i + 1)})
	}
	return out
}

func TestRenderButtonWithoutLabelShowsItsAction(t *testing.T) {
	t.Parallel()
	buttons := messageButtons(t, discord.Message(commands.Response{Buttons: []commands.Button{{Label: " ", Action: "reschedule", PostID: 4}}}))
	require.Len(t, buttons, 1)
	require.Equal(t, "reschedule", buttons[0].Label)
}

func TestRenderErrorHasNoButtons(t *testing.T) {
	t.Parallel()
	resp := commands.Response{Text: "✗ Post #12 was already published.", Buttons: renderPostButtons(12), Ephemeral: true, Error: true}
	msg := discord.Message(resp)
	require.NotNil(t, msg.Components)
	require.Empty(t, msg.Components)
	require.Contains(t, string(marshalMessage(t, msg)), `"components": []`)
	require.Equal(t, resp.Text, onlyEmbed(t, msg).Title)
	require.Equal(t, discordgo.MessageFlagsEphemeral, msg.Flags)
	require.Equal(t, resp.Text, discord.Content(resp))
}

func TestRenderBlankResponseHasNoEmbed(t *testing.T) {
	t.Parallel()
	msg := discord.Message(commands.Response{Text: "  "})
	require.NotNil(t, msg.Embeds)
	require.Empty(t, msg.Embeds)
	require.Contains(t, string(marshalMessage(t, msg)), `"embeds": []`)

	embed := onlyEmbed(t, discord.Message(commands.Response{Lines: []string{"x"}}))
	require.Empty(t, embed.Title)
	require.Equal(t, "- x", embed.Description)
}

func TestRenderNeutralisesMentions(t *testing.T) {
	t.Parallel()
	typed := "Hi @everyone and @here, @Everyone, <@123>, <@!124>, <@&456>, <#789> and [bank](https://evil.example)"
	shown := "Hi @\u200beveryone and @\u200bhere, @\u200bEveryone, \\<@123>, \\<@!124>, \\<@&456>, \\<#789> and \\[bank\\](https://evil.example)"
	resp := commands.Response{Text: "✓ " + typed, Lines: []string{"sandbox  50/500  “" + typed + "”"}}

	msg := discord.Message(resp)
	embed := onlyEmbed(t, msg)
	require.Equal(t, "✓ "+shown, embed.Title)
	require.Equal(t, "- sandbox · 50/500 · “"+shown+"”", embed.Description)
	require.Equal(t, "✓ "+shown+"\n- sandbox · 50/500 · “"+shown+"”", discord.Content(resp))

	for _, s := range []string{embed.Title, embed.Description, discord.Content(resp)} {
		lower := strings.ToLower(s)
		require.NotContains(t, lower, "@everyone")
		require.NotContains(t, lower, "@here")
		for i := range len(s) {
			if s[i] == '<' {
				require.True(t, i > 0 && s[i-1] == '\\', "unescaped < in %q", s)
			}
		}
	}

	// Discord allows no pings whatever the text: "parse" is sent, empty.
	require.Equal(t, &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}, msg.AllowedMentions)
	require.Contains(t, string(marshalMessage(t, msg)), `"parse": []`)
	require.NotSame(t, msg.AllowedMentions, discord.Message(resp).AllowedMentions, "each message has its own, so no caller can change another's")
}

func TestRenderEscapesMarkdown(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		typed string
		shown string
	}{
		{"plain text is kept", "Launch day is here!", "Launch day is here!"},
		{"emphasis is escaped", "*bold* _it_ ~~gone~~", `\*bold\* \_it\_ \~\~gone\~\~`},
		{"code and spoilers are escaped", "`x` ||secret||", "\\`x\\` \\|\\|secret\\|\\|"},
		{"a backslash is escaped", `a\*b`, `a\\\*b`},
		{"a masked link is escaped", "[bank](https://evil.example)", `\[bank\](https://evil.example)`},
		{"a mention is escaped", "<@123> <t:1700000000:R> <:emoji:1>", `\<@123> \<t:1700000000:R> \<:emoji:1>`},
		{"a heading is escaped", "# Big", `\# Big`},
		{"every hash of a heading is escaped", "### Big", `\#\#\# Big`},
		{"a hash alone is a heading", "#", `\#`},
		{"a post number is kept", "#3 is out", "#3 is out"},
		{"subtext is escaped", "-# small", `\-# small`},
		{"a list is escaped", "- item", `\- item`},
		{"a numbered list is escaped", "12. item", `12\. item`},
		{"a quote is escaped", "> quoted", `\> quoted`},
		{"markers after leading spaces are escaped", "  # Big", `  \# Big`},
		{"markers on a later line are escaped", "a\n# b\n> c", "a\n\\# b\n\\> c"},
		{"markers inside a line are kept", "Post #3 - a > b at 9.30", "Post #3 - a > b at 9.30"},
		{"a URL is kept as typed", "see https://example.com/a_b*c~d|e", "see https://example.com/a_b*c~d|e"},
		{"text after a URL is escaped", "https://example.com/x *y*", `https://example.com/x \*y\*`},
		{"a URL stops at <", "https://example.com/x<y>", `https://example.com/x\<y>`},
		{"invalid UTF-8 is replaced", "a\xffb", "a\uFFFDb"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.shown, discord.Content(commands.Response{Text: tt.typed}))
			require.Equal(t, tt.shown, onlyEmbed(t, discord.Message(commands.Response{Text: tt.typed})).Title)
		})
	}
}

func TestRenderLines(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		line string
		want string
	}{
		{"padded columns are joined with dots", "sandbox  46/500  “Hi”", "- sandbox · 46/500 · “Hi”"},
		{"double spaces inside the quote are kept", "#3  draft  “a  b”", "- #3 · draft · “a  b”"},
		{"a lone quote is an item", "“Launch day”", "- “Launch day”"},
		{"prose stays one column", "Needs the scheduler role.", "- Needs the scheduler role."},
		{"indented lines are nested", "  /schedule in 2 hours Doors open", "  - /schedule in 2 hours Doors open"},
		{"a heading in an item is escaped", "# not big", `- \# not big`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := onlyEmbed(t, discord.Message(commands.Response{Lines: []string{tt.line}})).Description
			require.Equal(t, tt.want, got)
		})
	}
}

func TestRenderLimits(t *testing.T) {
	t.Parallel()
	var buttons []commands.Button
	for i := range 40 {
		buttons = append(buttons, commands.Button{Label: strings.Repeat("Ç😀 ", 40), Action: fmt.Sprintf("act%d", i), PostID: int64(1 + i)})
	}
	var lines []string
	for i := range 1000 {
		lines = append(lines, fmt.Sprintf("row %d  “%s”", i, strings.Repeat("*_😀@here", 10)))
	}
	resp := commands.Response{Text: strings.Repeat("a*b_c😀", 2000), Lines: lines, Buttons: buttons}

	msg := discord.Message(resp)
	requireWithinLimits(t, msg)
	embed := onlyEmbed(t, msg)
	require.Greater(t, utf16Len(embed.Title), 250)
	require.Greater(t, utf16Len(embed.Description), 4000)
	require.True(t, strings.HasSuffix(embed.Title, "…"))
	require.Contains(t, embed.Description, "more.")
	requireWholeEscapes(t, embed.Title)
	requireWholeEscapes(t, embed.Description)
	got := messageButtons(t, msg)
	require.Len(t, got, 25)
	for _, b := range got {
		require.True(t, strings.HasSuffix(b.Label, "…"))
	}

	content := discord.Content(resp)
	require.True(t, utf8.ValidString(content))
	require.LessOrEqual(t, utf16Len(content), 2000)
	require.Greater(t, utf16Len(content), 1950)
	requireWholeEscapes(t, content)

	// A short text leaves the rest of the 2,000 to the lines.
	content = discord.Content(commands.Response{Text: "20 scheduled:", Lines: lines})
	require.LessOrEqual(t, utf16Len(content), 2000)
	require.Greater(t, utf16Len(content), 1800)
	require.True(t, strings.HasPrefix(content, "20 scheduled:\n- row 0 · “"))
	require.Contains(t, content, "more.")
	requireWholeEscapes(t, content)
}

// requireWholeEscapes fails if s ends in a backslash that escapes nothing
// but the ellipsis.
func requireWholeEscapes(t *testing.T, s string) {
	t.Helper()
	body := strings.TrimSuffix(s, "…")
	n := len(body) - len(strings.TrimRight(body, `\`))
	require.Zero(t, n%2, "lone backslash before the ellipsis: %q", s[max(0, len(s)-12):])
}

func TestRenderTruncation(t *testing.T) {
	t.Parallel()
	a := func(n int) string { return strings.Repeat("a", n) }
	for _, tt := range []struct {
		name string
		text string
		want string
	}{
		{"a title that fits is kept whole", a(256), a(256)},
		{"a long title is cut with an ellipsis", a(257), a(255) + "…"},
		{"an escaped title that fits is kept whole", a(254) + "*", a(254) + `\*`},
		{"an escape is never cut in half", a(254) + "**", a(254) + "…"},
		{"an escaped backslash is kept whole", a(253) + `\\`, a(253) + `\\` + "…"},
		{"a rune is never cut in half", a(254) + "é😀😀", a(254) + "é…"},
		{"runes outside the BMP count twice and fit", strings.Repeat("😀", 128), strings.Repeat("😀", 128)},
		{"runes outside the BMP count twice and are cut", strings.Repeat("😀", 129), strings.Repeat("😀", 127) + "…"},
		{"a trailing space is trimmed before the ellipsis", a(254) + " bcd", a(254) + "…"},
		{"a mention cut after its @ stays harmless", a(254) + "@everyone", a(254) + "@…"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := onlyEmbed(t, discord.Message(commands.Response{Text: tt.text})).Title
			require.Equal(t, tt.want, got)
			require.LessOrEqual(t, utf16Len(got), 256)
		})
	}
}

func TestRenderButtonLabelTruncation(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		label string
		want  string
	}{
		{"a label that fits is kept whole", strings.Repeat("b", 80), strings.Repeat("b", 80)},
		{"a long label is cut", strings.Repeat("b", 81), strings.Repeat("b", 79) + "…"},
		{"a label is not escaped", "*Now* <@1>", "*Now* <@1>"},
		{"a rune is never cut in half", strings.Repeat("b", 78) + "😀😀", strings.Repeat("b", 78) + "…"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			buttons := messageButtons(t, discord.Message(commands.Response{Buttons: []commands.Button{{Label: tt.label, Action: "cancel", PostID: 1}}}))
			require.Len(t, buttons, 1)
			require.Equal(t, tt.want, buttons[0].Label)
		})
	}
}

func TestContent(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		resp commands.Response
		want string
	}{
		{"text alone is one line", commands.Response{Text: "✓ Post #4 published to sandbox."}, "✓ Post #4 published to sandbox."},
		{"lines follow as a list", commands.Response{Text: "✓ Post #4 published:", Lines: []string{"sandbox  https://example.com/@crier/1", "bluesky  failed"}},
			"✓ Post #4 published:\n- sandbox · https://example.com/@crier/1\n- bluesky · failed"},
		{"lines without text are the list alone", commands.Response{Lines: []string{"x"}}, "- x"},
		{"buttons are not shown", commands.Response{Text: "✓ Post #12 scheduled.", Buttons: renderPostButtons(12)}, "✓ Post #12 scheduled."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, discord.Content(tt.resp))
		})
	}
}

// FuzzMessage checks that any text keeps Discord's limits, stays valid
// UTF-8, never pings and never leaves a "<" unescaped.
func FuzzMessage(f *testing.F) {
	f.Add("✓ Post #1 scheduled.", "sandbox  46/500  “Hi @everyone <@1> [x](https://e.example)”", "Publish now")
	f.Add(strings.Repeat("*😀", 200), "# big\n> quote\n1. list", strings.Repeat("é", 90))
	f.Add("a\xff\\", `\\\`, "")
	f.Fuzz(func(t *testing.T, text, line, label string) {
		resp := commands.Response{Text: text, Lines: []string{line, line}, Buttons: []commands.Button{{Label: label, Action: "cancel", PostID: 1}}}
		msg := discord.Message(resp)
		requireWithinLimits(t, msg)
		content := discord.Content(resp)
		require.True(t, utf8.ValidString(content))
		require.LessOrEqual(t, utf16Len(content), 2000)
		texts := []string{content}
		for _, e := range msg.Embeds {
			texts = append(texts, e.Title, e.Description)
		}
		for _, s := range texts {
			lower := strings.ToLower(s)
			require.NotContains(t, lower, "@everyone")
			require.NotContains(t, lower, "@here")
			for i := range len(s) {
				if s[i] == '<' {
					n := len(s[:i]) - len(strings.TrimRight(s[:i], `\`))
					require.Equal(t, 1, n%2, "unescaped < in %q", s)
				}
			}
		}
	})
}
