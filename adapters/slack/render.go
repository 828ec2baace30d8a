package slack

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"

	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
)

// ActionPrefix starts the action_id of every crier button: the action_id is
// ActionPrefix + Button.Action, like "crier_publish_now".
const ActionPrefix = "crier_"

// Block IDs: deterministic, so a message can be updated and tested.
const (
	blockIDText    = "crier_text"
	blockIDLines   = "crier_lines"
	blockIDActions = "crier_actions"
)

// Block Kit limits, in characters. A character is counted as a UTF-16 code
// unit, which is never fewer than runes: text that fits by this count fits
// however Slack counts.
const (
	limitSectionText   = 3000 // section text
	limitBlocks        = 50   // blocks in a message; Blocks makes at most 3
	limitActionButtons = 25   // elements in an actions block
	limitButtonText    = 75   // button label
	limitActionID      = 255  // action_id
	limitFallbackText  = 4000 // the message's text; Slack advises at most 4,000
	limitConfirmTitle  = 100  // a confirmation dialog's title
	limitConfirmText   = 300  // a confirmation dialog's text
)

const (
	buttonValuePrefix = "post:"
	ellipsis          = "…" // one character wide
)

// Blocks renders a response as Block Kit blocks: the text as a section, the
// lines as one section holding a list, and the buttons as one actions block.
// Text from people is escaped, so it cannot mention anyone or make a link;
// everything is cut to Slack's limits. Error responses get no buttons, and a
// button commands.EncodeButton cannot encode is left out.
func Blocks(resp commands.Response) []slackapi.Block {
	var blocks []slackapi.Block
	if strings.TrimSpace(resp.Text) != "" {
		blocks = append(blocks, section(blockIDText, clipText(escapeMrkdwn(resp.Text), limitSectionText, true)))
	}
	if len(resp.Lines) > 0 {
		blocks = append(blocks, section(blockIDLines, renderLines(resp.Lines)))
	}
	if !resp.Error {
		var elements []slackapi.BlockElement
		for _, b := range resp.Buttons {
			if len(elements) == limitActionButtons {
				break
			}
			if renderable(b) {
				elements = append(elements, renderButton(b))
			}
		}
		if len(elements) > 0 {
			blocks = append(blocks, slackapi.NewActionBlock(blockIDActions, elements...))
		}
	}
	return blocks[:min(len(blocks), limitBlocks)]
}

// FallbackText is the plain version of a response that Slack shows in
// notifications and where blocks cannot be shown. Slack parses it like
// mrkdwn, so it is escaped as well.
func FallbackText(resp commands.Response) string {
	return clipText(escapeMrkdwn(resp.String()), limitFallbackText, true)
}

// ButtonValue is the value crier gave its buttons before their values were
// commands' own (commands.EncodeButton): "post:12" for a button about a
// post, "post:12:mastodon" for one about the post's delivery to a network,
// with the action in the action_id. Buttons in messages posted then are
// still pressed; ParseButtonValue reads their values.
func ButtonValue(postID int64, target string) string {
	v := buttonValuePrefix + strconv.FormatInt(postID, 10)
	if target != "" {
		v += ":" + target
	}
	return v
}

// ParseButtonValue reads a value made by ButtonValue and returns the post ID
// and the target ("" when the value has none). Anything else, including
// "post:0", "post:+12", "post:012", "post:12:" and a target that is not a
// network name (1 to 32 of a-z, 0-9, _ and -), is an error.
func ParseButtonValue(v string) (postID int64, target string, err error) {
	rest, ok := strings.CutPrefix(v, buttonValuePrefix)
	if !ok {
		return 0, "", fmt.Errorf("parse button value %q: want %s<id>[:<network>]", v, buttonValuePrefix)
	}
	digits, target, hasTarget := strings.Cut(rest, ":")
	if hasTarget && !crier.ValidNetworkName(target) {
		return 0, "", fmt.Errorf("parse button value %q: not a network name", v)
	}
	id, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, "", fmt.Errorf("parse button value %q: %w", v, err)
	}
	if id <= 0 || strconv.FormatInt(id, 10) != digits {
		return 0, "", fmt.Errorf("parse button value %q: not a post id", v)
	}
	return id, target, nil
}

func section(blockID, mrkdwn string) *slackapi.SectionBlock {
	text := slackapi.NewTextBlockObject(slackapi.MarkdownType, mrkdwn, false, false)
	return slackapi.NewSectionBlock(text, nil, nil, slackapi.SectionBlockOptionBlockID(blockID))
}

// renderLines makes the details a list, one item per line, indented lines
// nested. Columns padded for a monospace terminal ("sandbox  46/500  “Hi”")
// are joined with " · " instead, as Slack's font is proportional. When the
// list is too long the last lines give way to a count of those left out.
func renderLines(lines []string) string {
	items := make([]string, len(lines))
	for i, l := range lines {
		bullet := "• "
		if strings.TrimLeft(l, " \t") != l {
			bullet = "    ◦ "
		}
		items[i] = bullet + escapeMrkdwn(columns(l))
	}
	more := func(left int) string {
		if left == 0 {
			return ""
		}
		return fmt.Sprintf("\n• …and %d more.", left)
	}
	for keep := len(items); keep > 0; keep-- {
		if text := strings.Join(items[:keep], "\n") + more(len(items)-keep); width(text) <= limitSectionText {
			return text
		}
	}
	tail := more(len(items) - 1)
	return clipText(items[0], limitSectionText-width(tail), true) + tail
}

// columns trims a line and joins the columns before any quoted text (split
// at two or more spaces) with " · ". The quote is left as it is.
func columns(line string) string {
	line = strings.TrimSpace(line)
	head, quote := line, ""
	if i := strings.Index(line, "\u201c"); i >= 0 {
		head, quote = line[:i], line[i:]
	}
	var cols []string
	for c := range strings.SplitSeq(head, "  ") {
		if c = strings.TrimSpace(c); c != "" {
			cols = append(cols, c)
		}
	}
	if quote != "" {
		if len(cols) == 1 && !strings.Contains(line[:len(head)], "  ") {
			return cols[0] + " " + quote // prose that quotes, not columns
		}
		cols = append(cols, quote)
	}
	return strings.Join(cols, " · ")
}

// renderable reports whether b can be a Slack button: commands must be
// able to encode it.
func renderable(b commands.Button) bool {
	_, ok := commands.EncodeButton(b)
	return ok
}

func renderButton(b commands.Button) *slackapi.ButtonBlockElement {
	label := plainText(clipText(b.Label, limitButtonText, false))
	actionID := clipText(ActionPrefix+b.Action, limitActionID, false)
	value, _ := commands.EncodeButton(b)
	button := slackapi.NewButtonBlockElement(actionID, value, label)
	switch b.Action {
	case "publish_now", "confirm_published":
		button.WithStyle(slackapi.StylePrimary)
	case "publish_again":
		// Default style; a second copy is the risk, so Slack asks first.
		button.WithConfirm(slackapi.NewConfirmationBlockObject(
			plainText(clipText(fmt.Sprintf("Publish post #%d again?", b.PostID), limitConfirmTitle, false)),
			plainText(clipText(fmt.Sprintf("If it is already on %s, this makes a second copy.", b.Target), limitConfirmText, false)),
			plainText("Publish again"),
			plainText("Not yet"),
		))
	case "cancel":
		button.WithStyle(slackapi.StyleDanger)
		button.WithConfirm(slackapi.NewConfirmationBlockObject(
			plainText(fmt.Sprintf("Cancel post #%d?", b.PostID)),
			plainText("It will not be published."),
			plainText("Cancel post"),
			plainText("Keep it"),
		).WithStyle(slackapi.StyleDanger))
	}
	return button
}

// plainText is a plain_text object; Slack shows it as is, so it needs no
// escaping, and turns :shortcodes: into emoji.
func plainText(s string) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.PlainTextType, s, true, false)
}

// escapeMrkdwn escapes the three characters Slack reserves in message text,
// so that "<@U123>", "<!channel>" or "<https://x|y>" typed by a person shows
// as typed instead of mentioning or linking.
func escapeMrkdwn(s string) string {
	return mrkdwnEscaper.Replace(strings.ToValidUTF8(s, "\uFFFD"))
}

var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// width is the length of s as Slack may count it: UTF-16 code units.
func width(s string) int {
	n := 0
	for _, r := range s {
		n += max(utf16.RuneLen(r), 1)
	}
	return n
}

// clipText cuts s to at most limit characters (see width), on a rune
// boundary, ending it with "…". With escaped set, s is escaped mrkdwn and the
// cut never splits an entity such as "&amp;".
func clipText(s string, limit int, escaped bool) string {
	if width(s) <= limit {
		return s
	}
	end, used := 0, 0
	for end < len(s) {
		r, size := utf8.DecodeRuneInString(s[end:])
		w := max(utf16.RuneLen(r), 1)
		if used+w > limit-width(ellipsis) {
			break
		}
		used += w
		end += size
	}
	out := s[:end]
	if escaped {
		if amp := strings.LastIndexByte(out, '&'); amp >= 0 && !strings.Contains(out[amp:], ";") {
			out = out[:amp]
		}
	}
	// A joiner or a space left at the end reads badly before the ellipsis.
	out = strings.TrimRightFunc(out, func(r rune) bool { return unicode.IsSpace(r) || r == '\u200d' })
	return out + ellipsis
}
