package slack

import (
	"regexp"
	"strings"
)

// slackMarkup finds what Slack puts in angle brackets in the text of a
// message a person typed: links (<https://x.io|x.io>), mentions
// (<@U123|ana>), channels (<#C123|general>) and special mentions
// (<!here>, <!subteam^S123|@team>), as Slack's "Formatting text for app
// surfaces" documents them.
var slackMarkup = regexp.MustCompile(`<([^<>]*)>`)

// typedText turns the text of a message a person typed in Slack back into
// what they typed, for a network reply: the links and mentions Slack wrapped
// in angle brackets become their visible words, and &amp; &lt; &gt; become
// & < >. (A customer on Mastodon must not read "Q&amp;A".)
func typedText(s string) string {
	s = slackMarkup.ReplaceAllStringFunc(s, func(m string) string {
		inner := m[1 : len(m)-1]
		target, label, hasLabel := strings.Cut(inner, "|")
		switch {
		case strings.HasPrefix(target, "@"):
			if hasLabel {
				return "@" + strings.TrimPrefix(label, "@")
			}
			return target
		case strings.HasPrefix(target, "#"):
			if hasLabel {
				return "#" + strings.TrimPrefix(label, "#")
			}
			return target
		case strings.HasPrefix(target, "!"):
			if hasLabel {
				return label
			}
			return "@" + strings.TrimPrefix(target, "!")
		case hasLabel && (strings.Contains(target, label) || label == ""):
			// A link Slack made of what was typed ("x.io" → http://x.io).
			if label == "" {
				return target
			}
			return label
		case hasLabel:
			return label + " (" + strings.TrimPrefix(target, "mailto:") + ")"
		default:
			return strings.TrimPrefix(target, "mailto:")
		}
	})
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}
