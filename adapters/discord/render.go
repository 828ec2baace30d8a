package discord

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/crier-bot/crier/commands"
)

// Embed colours: green for done (✓), red for errors, blurple for the rest.
const (
	colorSuccess = 0x57F287
	colorError   = 0xED4245
	colorInfo    = 0x5865F2
)

// Discord limits, in characters. A character is counted as a UTF-16 code
// unit, which is never fewer than runes: text that fits by this count fits
// however Discord counts. (All embeds together may hold 6,000; one title and
// one description stay below that.)
const (
	limitEmbedTitle       = 256
	limitEmbedDescription = 4096
	limitRowButtons       = 5 // components in an action row
	limitRows             = 5 // action rows in a message
	limitButtonLabel      = 80
	limitContent          = 2000 // a message's content
)

const ellipsis = "…" // one character wide

// noPings allows no mention of anyone, whatever the text says.
func noPings() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// Message renders a response as Discord message data: one embed with the
// text as its title and the lines as a list in its description, coloured
// green for ✓ responses, red for errors and blurple otherwise, and the
// buttons in an action row. Error responses get no buttons. Text from people
// is escaped, so it cannot mention anyone, make a link or format; everything
// is cut to Discord's limits. AllowedMentions allows no pings at all.
//
// Embeds and Components are never nil: an empty list is sent as [], so that
// updating a message with a response without buttons removes the old ones.
// A blank response has no embed.
func Message(resp commands.Response) *discordgo.InteractionResponseData {
	data := &discordgo.InteractionResponseData{
		Embeds:          []*discordgo.MessageEmbed{},
		Components:      []discordgo.MessageComponent{},
		AllowedMentions: noPings(),
	}
	if resp.Ephemeral {
		data.Flags = discordgo.MessageFlagsEphemeral
	}
	embed := &discordgo.MessageEmbed{Color: color(resp)}
	if strings.TrimSpace(resp.Text) != "" {
		embed.Title = clipText(escapeMarkdown(resp.Text), limitEmbedTitle)
	}
	embed.Description = renderLines(resp.Lines, limitEmbedDescription)
	if embed.Title != "" || embed.Description != "" {
		data.Embeds = append(data.Embeds, embed)
	}
	if !resp.Error {
		data.Components = renderButtons(resp.Buttons)
	}
	return data
}

// Content is the plain version of a response, for a message without an
// embed: the text on the first line, then the lines as a list. It is escaped
// like Message's embed and cut to Discord's 2,000 characters; post it with
// AllowedMentions allowing nothing as well.
func Content(resp commands.Response) string {
	head := clipText(escapeMarkdown(resp.Text), limitContent)
	if len(resp.Lines) == 0 {
		return head
	}
	if strings.TrimSpace(resp.Text) == "" {
		return renderLines(resp.Lines, limitContent)
	}
	lines := renderLines(resp.Lines, limitContent-width(head)-1)
	if lines == "" {
		return head
	}
	return head + "\n" + lines
}

func color(resp commands.Response) int {
	switch {
	case resp.Error:
		return colorError
	case strings.HasPrefix(strings.TrimSpace(resp.Text), "✓"):
		return colorSuccess
	}
	return colorInfo
}

// renderButtons puts the buttons in action rows of five, at most five rows.
// A button commands cannot encode as a custom_id, or which
// repeats another's, is left out: Discord rejects the whole message for it.
func renderButtons(buttons []commands.Button) []discordgo.MessageComponent {
	rows := []discordgo.MessageComponent{}
	var row []discordgo.MessageComponent
	seen := map[string]bool{}
	for _, b := range buttons {
		id, ok := customID(b)
		if !ok || seen[id] {
			continue
		}
		seen[id] = true
		row = append(row, renderButton(b, id))
		if len(row) == limitRowButtons {
			rows = append(rows, discordgo.ActionsRow{Components: row})
			row = nil
		}
		if len(rows) == limitRows {
			return rows
		}
	}
	if len(row) > 0 {
		rows = append(rows, discordgo.ActionsRow{Components: row})
	}
	return rows
}

// customID is b's custom_id, the value commands encodes for it, and
// whether commands can encode it (within Discord's 100 characters).
func customID(b commands.Button) (string, bool) {
	return commands.EncodeButton(b)
}

func renderButton(b commands.Button, customID string) discordgo.Button {
	label := b.Label
	if strings.TrimSpace(label) == "" {
		label = b.Action // Discord rejects a button with neither label nor emoji
	}
	style := discordgo.SecondaryButton
	switch b.Action {
	case "publish_now", "confirm_published":
		style = discordgo.SuccessButton
	case "cancel":
		style = discordgo.DangerButton
	}
	// Labels are plain text: Discord shows them as they are.
	return discordgo.Button{Label: clipText(strings.ToValidUTF8(label, "\uFFFD"), limitButtonLabel), Style: style, CustomID: customID}
}

// renderLines makes the details a Markdown list, one item per line,
// indented lines nested, within limit characters. Columns padded for a
// monospace terminal ("sandbox  46/500  “Hi”") are joined with " · "
// instead, as Discord's font is proportional. When the list is too long the
// last lines give way to a count of those left out.
func renderLines(lines []string, limit int) string {
	if len(lines) == 0 || limit <= 0 {
		return ""
	}
	items := make([]string, len(lines))
	for i, l := range lines {
		bullet := "- "
		if strings.TrimLeft(l, " \t") != l {
			bullet = "  - "
		}
		items[i] = bullet + escapeMarkdown(columns(l))
	}
	more := func(left int) string {
		if left == 0 {
			return ""
		}
		return fmt.Sprintf("\n- …and %d more.", left)
	}
	for keep := len(items); keep > 0; keep-- {
		if text := strings.Join(items[:keep], "\n") + more(len(items)-keep); width(text) <= limit {
			return text
		}
	}
	tail := more(len(items) - 1)
	if room := limit - width(tail); room > width("- x"+ellipsis) {
		return clipText(items[0], room) + tail
	}
	return ""
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

// urlPattern finds the links Discord makes of bare URLs; they are left
// unescaped, as a backslash in a URL would break the link.
var urlPattern = regexp.MustCompile(`(?i)https?://[^\s<]+`)

// escapeMarkdown makes text from people show as typed: a backslash before
// the characters Discord's Markdown uses (emphasis, code, spoilers, masked
// links, and "<" that starts mentions, channels, emoji and timestamps), and
// before the markers of headings, subtext, lists and quotes at the start of
// a line ("#3" there is kept); URLs are left as they are. "@everyone" and "@here" get a zero-width space
// after the @ so that they never ping, even where mentions are allowed.
func escapeMarkdown(s string) string {
	s = neutraliseMentions(strings.ToValidUTF8(s, "\uFFFD"))
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	last := 0
	for _, loc := range urlPattern.FindAllStringIndex(s, -1) {
		escapeText(&b, s[last:loc[0]], last == 0 || s[last-1] == '\n')
		b.WriteString(s[loc[0]:loc[1]])
		last = loc[1]
	}
	escapeText(&b, s[last:], last == 0 || s[last-1] == '\n')
	return b.String()
}

// escapeText writes s escaped; lineStart says whether s starts a line.
func escapeText(b *strings.Builder, s string, lineStart bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case strings.IndexByte("\\*_~`|[]<", c) >= 0:
			b.WriteByte('\\')
		case lineStart && (c == '-' || c == '>' || c == '+'):
			b.WriteByte('\\')
		case lineStart && c == '#':
			// "# ", "## " and "### " start headings; "#3" does not.
			j := i
			for j < len(s) && s[j] == '#' {
				j++
			}
			if j < len(s) && s[j] != ' ' && s[j] != '\t' {
				b.WriteString(s[i:j])
			} else {
				b.WriteString(strings.Repeat(`\#`, j-i))
			}
			i = j - 1
			lineStart = false
			continue
		case lineStart && c >= '0' && c <= '9':
			// "1. " starts an ordered list: escape its dot.
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			b.WriteString(s[i:j])
			if j < len(s) && s[j] == '.' {
				b.WriteByte('\\')
			}
			i = j - 1
			lineStart = false
			continue
		}
		b.WriteByte(c)
		switch {
		case c == '\n':
			lineStart = true
		case c != ' ' && c != '\t':
			lineStart = false
		}
	}
}

// neutraliseMentions puts a zero-width space after the @ of "@everyone" and
// "@here", in any case.
func neutraliseMentions(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '@')
		if i < 0 {
			break
		}
		b.WriteString(s[:i+1])
		s = s[i+1:]
		if hasPrefixFold(s, "everyone") || hasPrefixFold(s, "here") {
			b.WriteString("\u200b")
		}
	}
	b.WriteString(s)
	return b.String()
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// width is the length of s as Discord may count it: UTF-16 code units.
func width(s string) int {
	n := 0
	for _, r := range s {
		n += max(utf16.RuneLen(r), 1)
	}
	return n
}

// clipText cuts s to at most limit characters (see width), on a rune
// boundary, ending it with "…". The cut never leaves the backslash of an
// escape without the character it escapes.
func clipText(s string, limit int) string {
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
	for {
		// A space or a joiner left at the end reads badly before the
		// ellipsis; a lone backslash would escape it.
		trimmed := strings.TrimRightFunc(out, func(r rune) bool { return unicode.IsSpace(r) || r == '\u200d' || r == '\u200b' })
		if n := len(trimmed) - len(strings.TrimRight(trimmed, `\`)); n%2 == 1 {
			trimmed = trimmed[:len(trimmed)-1]
		}
		if trimmed == out {
			return out + ellipsis
		}
		out = trimmed
	}
}
