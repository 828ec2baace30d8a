package slack_test

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

	slackapi "github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/slack"
	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/publish"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/render from the current output")

// postButtons are the buttons commands offer with a scheduled post.
func postButtons(id int64) []commands.Button {
	return []commands.Button{
		{Label: "Publish now", Action: "publish_now", PostID: id, Command: fmt.Sprintf("/reschedule #%d now", id)},
		{Label: "Reschedule", Action: "reschedule", PostID: id, Command: fmt.Sprintf("/reschedule #%d <when>", id)},
		{Label: "Cancel", Action: "cancel", PostID: id, Command: fmt.Sprintf("/cancel #%d", id)},
	}
}

// queueLines are 25 rows and the "…and more" line, as /queue makes them.
func queueLines() []string {
	var lines []string
	for i := range 25 {
		id := 40 - i
		if i%5 == 4 {
			lines = append(lines, fmt.Sprintf("#%d  draft  “Idea %d: a thread about <tags> & shortcuts”", id, i))
			continue
		}
		lines = append(lines, fmt.Sprintf("#%d  Tue 24 Nov %02d:00 EET (in %d h)  sandbox, bluesky  “Post %d of the week”", id, 9+i%12, 23+i, i))
	}
	return append(lines, "…and more; only the first 25 are shown.")
}

// maybeNoticeText is the publish worker's notice for a delivery whose outcome
// is unknown, with a reason that needs escaping.
const maybeNoticeText = "❓ Post #12 may or may not be on mastodon: mastodon did not answer within 30 s <timeout> & the connection closed. " +
	"crier cannot tell without risking a second copy, so it stopped. Check mastodon, then choose."

// goldenCases are the shapes of response crier sends, named after their
// golden files.
var goldenCases = []struct {
	name string
	resp commands.Response
}{
	{"scheduled", commands.Response{
		Text:    "✓ Post #12 scheduled for Fri 27 Nov 15:00 EET (in 4 days) to sandbox.",
		Lines:   []string{"sandbox  46/500  “Launch day is here! Tea & cake at https://example.com/launch”"},
		Buttons: postButtons(12),
	}},
	{"draft_saved", commands.Response{
		Text:  "✓ Draft #3 saved. /schedule #3 <when> to schedule it.",
		Lines: []string{"sandbox  33/500  “Our spring collection drops Friday”"},
	}},
	{"queue", commands.Response{
		Text:      "20 scheduled, 5 drafts:",
		Lines:     queueLines(),
		Ephemeral: true,
	}},
	{"error", commands.Response{
		Text:      "✗ You need the scheduler role to use /schedule. Ask whoever runs crier to add you under roles: in bot.yaml.",
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
	{"notice_maybe", commands.Response{
		Text:    maybeNoticeText,
		Buttons: publish.MaybeButtons(12, "mastodon"),
	}},
	{"long", commands.Response{
		Text:  "✓ Post #7 scheduled for Fri 27 Nov 15:00 EET (in 4 days) to sandbox. " + strings.Repeat("Fish & chips <3 ", 300),
		Lines: longLines(),
		Buttons: []commands.Button{
			{Label: "Publish now " + strings.Repeat("and again ", 10), Action: "publish_now", PostID: 7},
			{Label: "Cancel", Action: "cancel", PostID: 7},
		},
	}},
}

// longLines are more preview lines than one section holds.
func longLines() []string {
	lines := make([]string, 120)
	for i := range lines {
		lines[i] = fmt.Sprintf("network%03d  46/500  “Fish & chips <3 on the pier, row %d”", i, i)
	}
	return lines
}

func marshalBlocks(t *testing.T, blocks []slackapi.Block) []byte {
	t.Helper()
	data, err := json.MarshalIndent(slackapi.Blocks{BlockSet: blocks}, "", "  ")
	require.NoError(t, err)
	return append(data, '\n')
}

func goldenPath(name string) string {
	return filepath.Join("testdata", "render", name+".golden.json")
}

func TestRenderGolden(t *testing.T) {
	for _, tt := range goldenCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := marshalBlocks(t, slack.Blocks(tt.resp))
			path := goldenPath(tt.name)
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
				require.NoError(t, os.WriteFile(path, got, 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test -run TestRenderGolden -update to create it")
			require.Equal(t, string(want), string(got))
		})
	}
}

// Slack's own structs read every golden file back and write it out the same,
// so nothing in it is unknown to slack-go, and every text is valid for it.
func TestRenderGoldenRoundTrip(t *testing.T) {
	for _, tt := range goldenCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(goldenPath(tt.name))
			require.NoError(t, err)
			var blocks slackapi.Blocks
			require.NoError(t, json.Unmarshal(data, &blocks))
			require.NotEmpty(t, blocks.BlockSet)
			require.Equal(t, string(data), string(marshalBlocks(t, blocks.BlockSet)))
			for _, text := range textObjects(t, blocks.BlockSet) {
				require.NoError(t, text.Validate(), "%+v", text)
			}
		})
	}
}

// textObjects returns every text object in blocks, failing on a kind of block or
// element Blocks does not make.
func textObjects(t *testing.T, blocks []slackapi.Block) []*slackapi.TextBlockObject {
	t.Helper()
	var out []*slackapi.TextBlockObject
	for _, b := range blocks {
		switch b := b.(type) {
		case *slackapi.SectionBlock:
			out = append(out, b.Text)
		case *slackapi.ActionBlock:
			for _, e := range b.Elements.ElementSet {
				button, ok := e.(*slackapi.ButtonBlockElement)
				require.True(t, ok, "element %T", e)
				out = append(out, button.Text)
				if c := button.Confirm; c != nil {
					out = append(out, c.Title, c.Text, c.Confirm, c.Deny)
				}
			}
		default:
			t.Fatalf("unexpected block %T", b)
		}
	}
	return out
}

func sectionText(t *testing.T, blocks []slackapi.Block, blockID string) string {
	t.Helper()
	for _, b := range blocks {
		if s, ok := b.(*slackapi.SectionBlock); ok && s.BlockID == blockID {
			require.Equal(t, slackapi.MarkdownType, s.Text.Type)
			return s.Text.Text
		}
	}
	t.Fatalf("no section %q", blockID)
	return ""
}

func actionButtons(t *testing.T, blocks []slackapi.Block) []*slackapi.ButtonBlockElement {
	t.Helper()
	var out []*slackapi.ButtonBlockElement
	for _, b := range blocks {
		if a, ok := b.(*slackapi.ActionBlock); ok {
			require.Equal(t, "crier_actions", a.BlockID)
			for _, e := range a.Elements.ElementSet {
				out = append(out, e.(*slackapi.ButtonBlockElement))
			}
		}
	}
	return out
}

func TestRenderEscapesMentionsAndLinks(t *testing.T) {
	t.Parallel()
	typed := "Hi <@U123> and <!channel> & <https://evil.example|bank>"
	escaped := "Hi &lt;@U123&gt; and &lt;!channel&gt; &amp; &lt;https://evil.example|bank&gt;"
	resp := commands.Response{Text: "✓ " + typed, Lines: []string{"sandbox  50/500  “" + typed + "”"}}

	blocks := slack.Blocks(resp)
	require.Equal(t, "✓ "+escaped, sectionText(t, blocks, "crier_text"))
	require.Equal(t, "• sandbox · 50/500 · “"+escaped+"”", sectionText(t, blocks, "crier_lines"))
	require.Equal(t, "✓ "+escaped+"\n  sandbox  50/500  “"+escaped+"”", slack.FallbackText(resp))
	for _, s := range []string{sectionText(t, blocks, "crier_text"), sectionText(t, blocks, "crier_lines"), slack.FallbackText(resp)} {
		require.NotContains(t, s, "<")
		require.NotContains(t, s, ">")
	}
}

func TestRenderLines(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		line string
		want string
	}{
		{"padded columns are joined with dots", "sandbox  46/500  “Hi”", "• sandbox · 46/500 · “Hi”"},
		{"double spaces inside the quote are kept", "#3  draft  “a  b”", "• #3 · draft · “a  b”"},
		{"a lone quote is an item", "“Launch day”", "• “Launch day”"},
		{"prose stays one column", "Needs the scheduler role.", "• Needs the scheduler role."},
		{"indented lines are nested", "  /schedule in 2 hours Doors open", "    ◦ /schedule in 2 hours Doors open"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := sectionText(t, slack.Blocks(commands.Response{Lines: []string{tt.line}}), "crier_lines")
			require.Equal(t, tt.want, got)
		})
	}
}

func TestRenderButtons(t *testing.T) {
	t.Parallel()
	buttons := actionButtons(t, slack.Blocks(commands.Response{Text: "✓ Post #12 scheduled.", Buttons: postButtons(12)}))
	require.Len(t, buttons, 3)

	publish, reschedule, cancel := buttons[0], buttons[1], buttons[2]
	require.Equal(t, "crier_publish_now", publish.ActionID)
	require.Equal(t, slackapi.StylePrimary, publish.Style)
	require.Equal(t, "crier_reschedule", reschedule.ActionID)
	require.Empty(t, reschedule.Style)
	require.Nil(t, reschedule.Confirm)
	require.Equal(t, "crier_cancel", cancel.ActionID)
	require.Equal(t, slackapi.StyleDanger, cancel.Style)
	require.NotNil(t, cancel.Confirm)
	require.Equal(t, "Cancel post #12?", cancel.Confirm.Title.Text)
	require.Equal(t, "It will not be published.", cancel.Confirm.Text.Text)
	require.Equal(t, "Cancel post", cancel.Confirm.Confirm.Text)
	require.Equal(t, "Keep it", cancel.Confirm.Deny.Text)
	for i, b := range buttons {
		require.Equal(t, postButtons(12)[i].Label, b.Text.Text)
		require.Equal(t, slackapi.PlainTextType, b.Text.Type)
		action := postButtons(12)[i].Action
		require.Equal(t, "crier:"+action+":12", b.Value)
		v, err := commands.ParseButton(b.Value)
		require.NoError(t, err)
		require.Equal(t, commands.ButtonValue{Action: action, PostID: 12}, v)
	}
}

func TestRenderErrorHasNoButtons(t *testing.T) {
	t.Parallel()
	resp := commands.Response{Text: "✗ Post #12 was already published.", Buttons: postButtons(12), Ephemeral: true, Error: true}
	blocks := slack.Blocks(resp)
	require.Empty(t, actionButtons(t, blocks))
	require.Len(t, blocks, 1)
	require.Equal(t, resp.Text, sectionText(t, blocks, "crier_text"))
	require.Equal(t, resp.Text, slack.FallbackText(resp))
}

func TestRenderEmptyTextMakesNoSection(t *testing.T) {
	t.Parallel()
	require.Empty(t, slack.Blocks(commands.Response{Text: "  "}))
	blocks := slack.Blocks(commands.Response{Lines: []string{"x"}})
	require.Len(t, blocks, 1)
	require.Equal(t, "crier_lines", blocks[0].ID())
}

// utf16Width counts as Slack may: UTF-16 code units.
func utf16Width(s string) int { return len(utf16.Encode([]rune(s))) }

func TestRenderLimits(t *testing.T) {
	t.Parallel()
	var buttons []commands.Button
	for i := range 40 {
		buttons = append(buttons, commands.Button{Label: strings.Repeat("Ç😀 ", 40), Action: fmt.Sprintf("act%d", i), PostID: int64(1 + i)})
	}
	var lines []string
	for i := range 1000 {
		lines = append(lines, fmt.Sprintf("row %d  “%s”", i, strings.Repeat("<&>😀", 10)))
	}
	resp := commands.Response{Text: strings.Repeat("a<b&c😀", 2000), Lines: lines, Buttons: buttons}

	blocks := slack.Blocks(resp)
	require.LessOrEqual(t, len(blocks), 50)
	for _, id := range []string{"crier_text", "crier_lines"} {
		s := sectionText(t, blocks, id)
		require.True(t, utf8.ValidString(s), id)
		requireWholeEntities(t, s)
		require.LessOrEqual(t, utf16Width(s), 3000, id)
		require.Greater(t, utf16Width(s), 2900, id)
	}
	require.True(t, strings.HasSuffix(sectionText(t, blocks, "crier_text"), "…"))
	require.Contains(t, sectionText(t, blocks, "crier_lines"), "more.")
	got := actionButtons(t, blocks)
	require.Len(t, got, 25)
	for _, b := range got {
		require.True(t, utf8.ValidString(b.Text.Text))
		require.LessOrEqual(t, utf16Width(b.Text.Text), 75)
		require.True(t, strings.HasSuffix(b.Text.Text, "…"))
		require.LessOrEqual(t, len(b.Value), 2000)
		require.LessOrEqual(t, len(b.ActionID), 255)
	}
	for _, text := range textObjects(t, blocks) {
		require.NoError(t, text.Validate())
	}
	fallback := slack.FallbackText(resp)
	require.True(t, utf8.ValidString(fallback))
	requireWholeEntities(t, fallback)
	require.LessOrEqual(t, utf16Width(fallback), 4000)
}

// requireWholeEntities fails if an & in escaped text does not start one of
// the three entities.
func requireWholeEntities(t *testing.T, s string) {
	t.Helper()
	for rest := s; ; rest = rest[1:] {
		i := strings.IndexByte(rest, '&')
		if i < 0 {
			return
		}
		rest = rest[i:]
		require.True(t, strings.HasPrefix(rest, "&amp;") || strings.HasPrefix(rest, "&lt;") || strings.HasPrefix(rest, "&gt;"),
			"broken entity: %q", rest[:min(len(rest), 8)])
	}
}

func TestRenderTruncation(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		text string
		want string
	}{
		{"text that fits is kept whole", strings.Repeat("a", 3000), strings.Repeat("a", 3000)},
		{"escaped text that fits is kept whole", strings.Repeat("a", 2995) + "&", strings.Repeat("a", 2995) + "&amp;"},
		{"an entity is never cut in half", strings.Repeat("a", 2997) + "&", strings.Repeat("a", 2997) + "…"},
		{"a rune is never cut in half", strings.Repeat("a", 2998) + "😀😀", strings.Repeat("a", 2998) + "…"},
		{"runes outside the BMP count twice and fit", strings.Repeat("😀", 1500), strings.Repeat("😀", 1500)},
		{"runes outside the BMP count twice and are cut", strings.Repeat("😀", 1501), strings.Repeat("😀", 1499) + "…"},
		{"a trailing space is trimmed before the ellipsis", strings.Repeat("a", 2998) + " bcd", strings.Repeat("a", 2998) + "…"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := sectionText(t, slack.Blocks(commands.Response{Text: tt.text}), "crier_text")
			require.Equal(t, tt.want, got)
		})
	}
}

func TestParseButtonValue(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		value  string
		want   int64
		target string
		ok     bool
	}{
		{"a post id is read", "post:12", 12, "", true},
		{"post one is read", "post:1", 1, "", true},
		{"the largest id is read", "post:9223372036854775807", 9223372036854775807, "", true},
		{"a post id and a network are read", "post:12:mastodon", 12, "mastodon", true},
		{"a network with digits, dashes and underscores is read", "post:3:my_site-2", 3, "my_site-2", true},
		{"a network of 32 characters is read", "post:3:" + strings.Repeat("a", 32), 3, strings.Repeat("a", 32), true},
		{"an empty value is rejected", "", 0, "", false},
		{"a value without an id is rejected", "post:", 0, "", false},
		{"a bare number is rejected", "12", 0, "", false},
		{"another prefix is rejected", "user:12", 0, "", false},
		{"the prefix is case sensitive", "Post:12", 0, "", false},
		{"zero is rejected", "post:0", 0, "", false},
		{"a negative id is rejected", "post:-3", 0, "", false},
		{"a plus sign is rejected", "post:+12", 0, "", false},
		{"a leading zero is rejected", "post:012", 0, "", false},
		{"spaces are rejected", "post: 12", 0, "", false},
		{"trailing text is rejected", "post:12x", 0, "", false},
		{"a hash is rejected", "post:#12", 0, "", false},
		{"an overflowing id is rejected", "post:9223372036854775808", 0, "", false},
		{"an empty network is rejected", "post:12:", 0, "", false},
		{"a network without a post is rejected", "post::mastodon", 0, "", false},
		{"a network in capitals is rejected", "post:12:Mastodon", 0, "", false},
		{"a network with a space is rejected, so it cannot add words to the command", "post:12:mastodon now", 0, "", false},
		{"a third field is rejected", "post:12:mastodon:x", 0, "", false},
		{"a network of 33 characters is rejected", "post:3:" + strings.Repeat("a", 33), 0, "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, target, err := slack.ParseButtonValue(tt.value)
			if !tt.ok {
				require.Error(t, err)
				require.Contains(t, err.Error(), "parse button value")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
			require.Equal(t, tt.target, target)
			require.Equal(t, tt.value, slack.ButtonValue(got, target))
		})
	}
}

func FuzzParseButtonValue(f *testing.F) {
	for _, v := range []string{"post:12", "post:0", "post:-1", "post:012", "post:", "", "post:9223372036854775808",
		"post:12:mastodon", "post:12:", "post:12:a:b", "post:12:A"} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		id, target, err := slack.ParseButtonValue(v)
		if err != nil {
			return
		}
		if id <= 0 || slack.ButtonValue(id, target) != v {
			t.Fatalf("ParseButtonValue(%q) = %d, %q, which ButtonValue writes as %q", v, id, target, slack.ButtonValue(id, target))
		}
	})
}
