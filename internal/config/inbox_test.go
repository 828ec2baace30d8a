package config

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/crier-bot/crier/internal/crier"
)

// defaultCrisis is the crisis alarm bot.yaml gets when it says nothing of it.
func defaultCrisis() Crisis {
	return Crisis{Negative: 5, Window: 30 * time.Minute, Ratio: 2, Baseline: 168 * time.Hour}
}

func TestParseInbox(t *testing.T) {
	t.Parallel()
	// withChat has a shell, Slack and Discord set up and two networks, on
	// lines 1 to 10; inbox sections follow from line 11.
	const withChat = "chat:\n" +
		"  shell: {}\n" +
		"  slack: {bot_token: \"${SLACK_BOT_TOKEN}\", app_token: \"${SLACK_APP_TOKEN}\"}\n" +
		"  discord:\n" +
		"    token: ${DISCORD_TOKEN}\n" +
		"    application_id: \"123456789012345678\"\n" +
		"    guilds: [{id: \"223456789012345678\"}]\n" +
		"networks:\n" +
		"  - {name: sandbox, kind: file, outbox: outbox.jsonl}\n" +
		"  - {name: fediverse, kind: file, outbox: fedi.jsonl}\n"
	on := func(edit func(*Inbox)) Inbox {
		in := Inbox{On: true, Poll: 30 * time.Second, Crisis: defaultCrisis(), Line: 11}
		if edit != nil {
			edit(&in)
		}
		return in
	}
	tests := []struct {
		name  string
		input string
		want  Inbox
	}{
		{"no inbox section turns the relay off and keeps the defaults", withChat,
			Inbox{Poll: 30 * time.Second, Crisis: defaultCrisis()}},
		{"a shell channel", withChat + "inbox:\n  channel: shell:inbox\n", on(func(in *Inbox) {
			in.Channel = crier.ChannelRef{Platform: "shell", ID: "inbox"}
		})},
		{"a slack public channel", withChat + "inbox: {channel: slack:C0123456789}\n", on(func(in *Inbox) {
			in.Channel = crier.ChannelRef{Platform: "slack", ID: "C0123456789"}
		})},
		{"a slack private channel", withChat + "inbox: {channel: \"slack:G0123ABCD\"}\n", on(func(in *Inbox) {
			in.Channel = crier.ChannelRef{Platform: "slack", ID: "G0123ABCD"}
		})},
		{"a discord channel", withChat + "inbox:\n  channel: discord:723456789012345678\n", on(func(in *Inbox) {
			in.Channel = crier.ChannelRef{Platform: "discord", ID: "723456789012345678"}
		})},
		{"a channel from a variable", withChat + "inbox:\n  channel: slack:${INBOX_CHANNEL}\n", on(func(in *Inbox) {
			in.Channel = crier.ChannelRef{Platform: "slack", ID: "C0123456789"}
		})},
		{"channels per network override channel", withChat + "inbox:\n  channel: shell:inbox\n  channels:\n    fediverse: discord:723456789012345678\n    sandbox: slack:C0123456789\n", on(func(in *Inbox) {
			in.Channel = crier.ChannelRef{Platform: "shell", ID: "inbox"}
			in.Channels = map[string]crier.ChannelRef{
				"fediverse": {Platform: "discord", ID: "723456789012345678"},
				"sandbox":   {Platform: "slack", ID: "C0123456789"},
			}
		})},
		{"empty channels are none", withChat + "inbox: {channel: shell:inbox, channels: {}}\n", on(func(in *Inbox) {
			in.Channel = crier.ChannelRef{Platform: "shell", ID: "inbox"}
		})},
		{"poll", withChat + "inbox: {channel: shell:inbox, poll: 2m}\n", on(func(in *Inbox) {
			in.Channel = crier.ChannelRef{Platform: "shell", ID: "inbox"}
			in.Poll = 2 * time.Minute
		})},
		{"the shortest poll is allowed", withChat + "inbox: {channel: shell:inbox, poll: 5s}\n", on(func(in *Inbox) {
			in.Channel = crier.ChannelRef{Platform: "shell", ID: "inbox"}
			in.Poll = 5 * time.Second
		})},
		{"every crisis key", withChat + "inbox:\n  channel: shell:inbox\n  crisis:\n    negative: 12\n    window: 1h\n    ratio: 3.5\n    baseline: 720h\n", on(func(in *Inbox) {
			in.Channel = crier.ChannelRef{Platform: "shell", ID: "inbox"}
			in.Crisis = Crisis{Negative: 12, Window: time.Hour, Ratio: 3.5, Baseline: 720 * time.Hour}
		})},
		{"the smallest crisis values are allowed", withChat + "inbox:\n  channel: shell:inbox\n  crisis: {negative: 1, ratio: 1}\n", on(func(in *Inbox) {
			in.Channel = crier.ChannelRef{Platform: "shell", ID: "inbox"}
			in.Crisis.Negative, in.Crisis.Ratio = 1, 1
		})},
		{"crisis keys left out keep their defaults", withChat + "inbox:\n  channel: shell:inbox\n  crisis: {window: 10m}\n", on(func(in *Inbox) {
			in.Channel = crier.ChannelRef{Platform: "shell", ID: "inbox"}
			in.Crisis.Window = 10 * time.Minute
		})},
		{"an empty crisis keeps the defaults", withChat + "inbox:\n  channel: shell:inbox\n  crisis:\n  poll:\n", on(func(in *Inbox) {
			in.Channel = crier.ChannelRef{Platform: "shell", ID: "inbox"}
		})},
		{"crisis off turns the alarm off", withChat + "inbox:\n  channel: shell:inbox\n  crisis: off\n", on(func(in *Inbox) {
			in.Channel = crier.ChannelRef{Platform: "shell", ID: "inbox"}
			in.Crisis.Off = true
		})},
		{"crisis false turns the alarm off too", withChat + "inbox:\n  channel: shell:inbox\n  crisis: false\n", on(func(in *Inbox) {
			in.Channel = crier.ChannelRef{Platform: "shell", ID: "inbox"}
			in.Crisis.Off = true
		})},
	}
	vars := slackVars()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := parse(tt.input, vars)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c.Inbox, tt.want) {
				t.Errorf("Inbox\n got: %+v\nwant: %+v", c.Inbox, tt.want)
			}
		})
	}
}

func TestInboxChannelFor(t *testing.T) {
	t.Parallel()
	c, err := parse("chat: {shell: {}}\n"+
		"networks: [{name: sandbox, kind: file, outbox: o}, {name: fediverse, kind: file, outbox: f}]\n"+
		"inbox: {channel: shell:inbox, channels: {fediverse: shell:fedi}}\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	for network, want := range map[string]crier.ChannelRef{
		"fediverse": {Platform: "shell", ID: "fedi"},
		"sandbox":   {Platform: "shell", ID: "inbox"},
		"":          {Platform: "shell", ID: "inbox"}, // a mention that belongs to no network crier knows
	} {
		if got := c.Inbox.ChannelFor(network); got != want {
			t.Errorf("ChannelFor(%q) = %+v, want %+v", network, got, want)
		}
	}
}

func TestParseInboxRejects(t *testing.T) {
	t.Parallel()
	// shell has the shell set up and one network on lines 1 and 2; the inbox
	// section follows on line 3.
	const shell = "chat: {shell: {}}\nnetworks: [{name: sandbox, kind: file, outbox: o}, {name: fediverse, kind: file, outbox: f}]\n"
	const slack = "chat: {slack: {bot_token: \"${SLACK_BOT_TOKEN}\", app_token: \"${SLACK_APP_TOKEN}\"}}\nnetworks: [{name: sandbox, kind: file, outbox: o}]\n"
	const (
		channelSyntax = "write it as <platform>:<channel id>, like slack:C0123456789, discord:123456789012345678 or shell:inbox"
		crisisKeys    = "negative, window, ratio, baseline"
	)
	tests := []struct {
		name  string
		input string
		want  string
	}{
		// The section and its keys.
		{"an empty inbox section needs a channel", shell + "inbox:\n", "bot.yaml:3: inbox.channel: required when inbox: is set; write channel: <platform>:<channel id>, like slack:C0123456789, discord:123456789012345678 or shell:inbox, or remove inbox: to turn the comment relay off"},
		{"an inbox without a channel is refused", shell + "inbox:\n  poll: 1m\n", "bot.yaml:3: inbox.channel: required when inbox: is set; write channel: <platform>:<channel id>, like slack:C0123456789, discord:123456789012345678 or shell:inbox, or remove inbox: to turn the comment relay off"},
		{"a list where inbox goes is refused", shell + "inbox: [shell:inbox]\n", "bot.yaml:3: inbox: expected a mapping like {channel: slack:C0123456789, poll: 30s}, got a list"},
		{"an unknown key in inbox is refused", shell + "inbox:\n  channel: shell:inbox\n  pol: 1m\n", "bot.yaml:5: inbox.pol: unknown key (known: channel, channels, poll, crisis); did you mean poll?"},
		{"an unknown key in crisis is refused", shell + "inbox:\n  channel: shell:inbox\n  crisis: {negatives: 3}\n", "bot.yaml:5: inbox.crisis.negatives: unknown key (known: " + crisisKeys + "); did you mean negative?"},

		// channel.
		{"a channel without a platform is refused", shell + "inbox: {channel: inbox}\n", `bot.yaml:3: inbox.channel: "inbox" names no platform; ` + channelSyntax},
		{"a slack id without a platform gets slack suggested", shell + "inbox: {channel: C0123456789}\n", `bot.yaml:3: inbox.channel: "C0123456789" names no platform; write slack:C0123456789`},
		{"a discord id without a platform gets discord suggested", shell + "inbox: {channel: \"723456789012345678\"}\n", `bot.yaml:3: inbox.channel: "723456789012345678" names no platform; write discord:723456789012345678`},
		{"a number where a channel goes is refused", shell + "inbox: {channel: 723456789012345678}\n", `bot.yaml:3: inbox.channel: "723456789012345678" names no platform; write discord:723456789012345678`},
		{"an unknown platform is refused", shell + "inbox: {channel: teams:abc}\n", `bot.yaml:3: inbox.channel: unknown platform "teams" (known: shell, slack, discord); ` + channelSyntax},
		{"a platform in capitals is refused", shell + "inbox: {channel: Slack:C0123456789}\n", `bot.yaml:3: inbox.channel: unknown platform "Slack" (known: shell, slack, discord); ` + channelSyntax},
		{"a platform with no id is refused", shell + "inbox: {channel: 'slack:'}\n", `bot.yaml:3: inbox.channel: "slack:" has no channel id after "slack:"; ` + channelSyntax},
		{"a short slack id is refused", slack + "inbox:\n  channel: slack:C12\n", `bot.yaml:4: inbox.channel: "C12" is not a Slack channel id; copy it from the channel's details, like slack:C0123456789`},
		{"a slack direct message is not a channel", slack + "inbox:\n  channel: slack:D0123456789\n", `bot.yaml:4: inbox.channel: "D0123456789" is not a Slack channel id; copy it from the channel's details, like slack:C0123456789`},
		{"a slack channel name is refused", slack + "inbox:\n  channel: 'slack:#inbox'\n", `bot.yaml:4: inbox.channel: "#inbox" is a channel name, not its id; copy the id from the channel's details, like slack:C0123456789`},
		{"a discord id that is too short is refused", shell + "inbox: {channel: discord:12345}\n", `bot.yaml:3: inbox.channel: "12345" is not a Discord channel id (17 to 20 digits); copy it with right-click the channel → Copy Channel ID, with Developer Mode on, like discord:123456789012345678`},
		{"a discord channel name is refused", shell + "inbox: {channel: 'discord:#inbox'}\n", `bot.yaml:3: inbox.channel: "#inbox" is a channel name, not its id; copy the id with right-click the channel → Copy Channel ID, with Developer Mode on, like discord:123456789012345678`},
		{"a shell channel with a space is refused", shell + "inbox: {channel: 'shell:my inbox'}\n", `bot.yaml:3: inbox.channel: "my inbox" is not a shell channel name; write one word, like shell:inbox`},
		{"the channel is quoted as written, not expanded", shell + "inbox: {channel: '${CHANNEL}'}\n", `bot.yaml:3: inbox.channel: "${CHANNEL}" names no platform; ` + channelSyntax},
		{"an empty channel is refused", shell + "inbox: {channel: ''}\n", `bot.yaml:3: inbox.channel: empty; write <platform>:<channel id>, like slack:C0123456789, discord:123456789012345678 or shell:inbox`},
		{"a platform not set up under chat is refused", shell + "inbox:\n  channel: slack:C0123456789\n", `bot.yaml:4: inbox.channel: chat.slack is not set, so crier cannot post there; add chat.slack or use a platform that is set (shell)`},
		{"a platform with no chat at all is refused", "networks: [{name: sandbox, kind: file, outbox: o}]\ninbox:\n  channel: shell:inbox\n", `bot.yaml:3: inbox.channel: chat.shell is not set, so crier cannot post there; add chat.shell first`},

		// channels.
		{"an unknown network in channels is refused", shell + "inbox:\n  channel: shell:inbox\n  channels:\n    mastodn: shell:fedi\n", `bot.yaml:6: inbox.channels.mastodn: unknown network (known: sandbox, fediverse); use a name from networks:`},
		{"a bad channel in channels is refused", shell + "inbox:\n  channel: shell:inbox\n  channels:\n    sandbox: slack\n", `bot.yaml:6: inbox.channels.sandbox: "slack" names no platform; ` + channelSyntax},
		{"a channel in channels on a platform not set up is refused", shell + "inbox:\n  channel: shell:inbox\n  channels:\n    sandbox: discord:723456789012345678\n", `bot.yaml:6: inbox.channels.sandbox: chat.discord is not set, so crier cannot post there; add chat.discord or use a platform that is set (shell)`},
		{"a network with no channel in channels is refused", shell + "inbox:\n  channel: shell:inbox\n  channels:\n    sandbox:\n", `bot.yaml:6: inbox.channels.sandbox: empty; write <platform>:<channel id>, like slack:C0123456789, discord:123456789012345678 or shell:inbox`},
		{"a duplicate network in channels is refused", shell + "inbox:\n  channel: shell:inbox\n  channels:\n    sandbox: shell:a\n    sandbox: shell:b\n", `bot.yaml:7: inbox.channels.sandbox: duplicate key (first on line 6)`},
		{"a list where channels go is refused", shell + "inbox:\n  channel: shell:inbox\n  channels: [shell:a]\n", `bot.yaml:5: inbox.channels: expected a mapping of network names to channels like {mastodon: slack:C0123456789}, got a list`},

		// poll.
		{"a too short poll is refused", shell + "inbox: {channel: shell:inbox, poll: 1s}\n", `bot.yaml:3: inbox.poll: "1s" is out of range; write a duration from 5s to 1h`},
		{"a negative poll is refused", shell + "inbox: {channel: shell:inbox, poll: -30s}\n", `bot.yaml:3: inbox.poll: "-30s" is out of range; write a duration from 5s to 1h`},
		{"a poll without a unit is refused", shell + "inbox: {channel: shell:inbox, poll: 30}\n", `bot.yaml:3: inbox.poll: "30" is not a duration; write one like 30s or 2m, from 5s to 1h`},

		// crisis.
		{"a negative count of negative comments is refused", shell + "inbox: {channel: shell:inbox, crisis: {negative: -1}}\n", `bot.yaml:3: inbox.crisis.negative: "-1" is out of range; write a number from 1 to 10000`},
		{"zero negative comments is refused", shell + "inbox: {channel: shell:inbox, crisis: {negative: 0}}\n", `bot.yaml:3: inbox.crisis.negative: "0" is out of range; write a number from 1 to 10000`},
		{"a fraction of a comment is refused", shell + "inbox: {channel: shell:inbox, crisis: {negative: 2.5}}\n", `bot.yaml:3: inbox.crisis.negative: "2.5" is not a whole number; write a number from 1 to 10000`},
		{"a negative window is refused", shell + "inbox: {channel: shell:inbox, crisis: {window: -30m}}\n", `bot.yaml:3: inbox.crisis.window: "-30m" is out of range; write a duration from 1m to 24h`},
		{"a ratio under 1 is refused", shell + "inbox: {channel: shell:inbox, crisis: {ratio: 0.5}}\n", `bot.yaml:3: inbox.crisis.ratio: "0.5" is out of range; write a number from 1 to 100, like 2 for twice the usual rate`},
		{"a negative ratio is refused", shell + "inbox: {channel: shell:inbox, crisis: {ratio: -2}}\n", `bot.yaml:3: inbox.crisis.ratio: "-2" is out of range; write a number from 1 to 100, like 2 for twice the usual rate`},
		{"a ratio that is not a number is refused", shell + "inbox: {channel: shell:inbox, crisis: {ratio: twice}}\n", `bot.yaml:3: inbox.crisis.ratio: "twice" is not a number; write a number from 1 to 100, like 2 for twice the usual rate`},
		{"a ratio of infinity is refused", shell + "inbox: {channel: shell:inbox, crisis: {ratio: .inf}}\n", `bot.yaml:3: inbox.crisis.ratio: ".inf" is not a number; write a number from 1 to 100, like 2 for twice the usual rate`},
		{"a ratio of NaN is refused", shell + "inbox: {channel: shell:inbox, crisis: {ratio: .nan}}\n", `bot.yaml:3: inbox.crisis.ratio: ".nan" is not a number; write a number from 1 to 100, like 2 for twice the usual rate`},
		{"a negative baseline is refused", shell + "inbox: {channel: shell:inbox, crisis: {baseline: -168h}}\n", `bot.yaml:3: inbox.crisis.baseline: "-168h" is out of range; write a duration from 1h to 720h`},
		{"a baseline no longer than the window is refused", shell + "inbox:\n  channel: shell:inbox\n  crisis:\n    window: 2h\n    baseline: 2h\n", `bot.yaml:7: inbox.crisis.baseline: "2h" is not longer than window (2h); the usual rate is measured over a longer time, like 168h (a week)`},
		{"crisis on is not a way to write crisis", shell + "inbox: {channel: shell:inbox, crisis: on}\n", `bot.yaml:3: inbox.crisis: expected a mapping like {negative: 5, window: 30m, ratio: 2, baseline: 168h}, or off, got "on"`},
		{"a list where crisis goes is refused", shell + "inbox: {channel: shell:inbox, crisis: [5]}\n", `bot.yaml:3: inbox.crisis: expected a mapping like {negative: 5, window: 30m, ratio: 2, baseline: 168h}, or off, got a list`},
	}
	vars := slackVars()
	vars["CHANNEL"] = "#inbox"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := parse(tt.input, vars)
			if err == nil {
				t.Fatalf("parsed to %+v, want error %q", c.Inbox, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

func TestParseAlertRole(t *testing.T) {
	t.Parallel()
	c, err := parse("networks: [{name: sandbox, kind: file, outbox: o}]\nroles: {alert: [U123]}\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.RoleMembers(crier.RoleAlert); !reflect.DeepEqual(got, []string{"U123"}) {
		t.Errorf("alert role = %q, want [U123]", got)
	}
	if got := c.RolesFor("U123", ""); !reflect.DeepEqual(got, []crier.Role{crier.RoleAlert}) {
		t.Errorf("RolesFor(U123) = %v, want [alert]", got)
	}
}
