package slack

import "testing"

func TestTypedTextIsWhatThePersonTyped(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Q&amp;A -&gt; &lt;soon&gt;":            "Q&A -> <soon>",
		"see <https://x.io/launch>":             "see https://x.io/launch",
		"see <http://x.io|x.io> now":            "see x.io now",
		"the <https://x.io/doc|docs>":           "the docs (https://x.io/doc)",
		"write to <mailto:help@x.io|help@x.io>": "write to help@x.io",
		"no markup at all, 100% plain":          "no markup at all, 100% plain",
		// Slack's mentions become names, never a mention on the network.
		"thanks <@U0ANA|ana> and <@U0RUI>":       "thanks ana and",
		"in <#C0GEN|general> or <#C0X|>":         "in general or",
		"<!here> ask <!subteam^S0TEAM|@support>": "ask support",
	} {
		if got := typedText(in); got != want {
			t.Errorf("typedText(%q) = %q, want %q", in, got, want)
		}
	}
}
