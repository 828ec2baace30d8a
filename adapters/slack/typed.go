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
// words for a network reply: links become their visible words; &amp; &lt;
// &gt; become & < >. Slack's mentions of people, groups and channels become
// their names without "@" (on Mastodon "@ana" would mention whoever holds
// that name there), and @here, @channel and @everyone are dropped. (A
// customer on Mastodon must not read "Q&amp;A".)
func typedText(s string) string {
	s = slackMarkup.ReplaceAllStringFunc(s, func(m string) string {
		inner := m[1 : len(m)-1]
		target, label, hasLabel := strings.Cut(inner, "|")
		switch {
		case strings.HasPrefix(target, "@"), strings.HasPrefix(target, "#"):
			return strings.TrimLeft(label, "@#") // a person's or channel's name; "" without one
		case strings.HasPrefix(target, "!subteam"):
			return strings.TrimLeft(label, "@")
		case strings.HasPrefix(target, "!"):
			return "" // @here, @channel, @everyone, dates: nothing for a customer
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
	s = strings.Join(strings.Fields(s), " ") // what a dropped mention leaves
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}
