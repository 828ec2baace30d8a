package config

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/crier-bot/crier/internal/crier"
)

// composeChat has a shell, Slack and Discord set up, an approver and three
// networks, on lines 1 to 11; the sections under test follow from line 12.
const composeChat = "chat:\n" +
	"  shell: {}\n" +
	"  slack: {bot_token: \"${SLACK_BOT_TOKEN}\", app_token: \"${SLACK_APP_TOKEN}\"}\n" +
	"  discord: {token: \"${DISCORD_TOKEN}\", application_id: \"123456789012345678\", guilds: [{id: \"223456789012345678\"}]}\n" +
	"roles:\n" +
	"  drafter: [U0DRAFTER]\n" +
	"  approver: [U0APPROVER]\n" +
	"networks:\n" +
	"  - {name: mastodon, kind: file, outbox: m}\n" +
	"  - {name: bluesky, kind: file, outbox: b}\n" +
	"  - {name: newsletter, kind: file, outbox: n}\n"

func TestParseApprovals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		input string
		want  Approvals
	}{
		{"no approvals section means none, with their defaults", composeChat, Approvals{LateAfter: time.Hour}},
		{"a channel alone", composeChat + "approvals:\n  channel: slack:C0APPROVALS\n",
			Approvals{On: true, Channel: crier.ChannelRef{Platform: "slack", ID: "C0APPROVALS"}, LateAfter: time.Hour}},
		{"every key", composeChat + "approvals: {channel: discord:723456789012345678, self_approve: true, late_after: 30m}\n",
			Approvals{On: true, Channel: crier.ChannelRef{Platform: "discord", ID: "723456789012345678"}, SelfApprove: true, LateAfter: 30 * time.Minute}},
		{"the shortest and longest late_after", composeChat + "approvals: {channel: shell:approvals, late_after: 168h}\n",
			Approvals{On: true, Channel: crier.ChannelRef{Platform: "shell", ID: "approvals"}, LateAfter: 7 * 24 * time.Hour}},
		{"the shortest late_after", composeChat + "approvals: {channel: shell:approvals, late_after: 1m}\n",
			Approvals{On: true, Channel: crier.ChannelRef{Platform: "shell", ID: "approvals"}, LateAfter: time.Minute}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := parse(tt.input, slackVars())
			if err != nil {
				t.Fatal(err)
			}
			if c.Approvals != tt.want {
				t.Errorf("Approvals\n got: %+v\nwant: %+v", c.Approvals, tt.want)
			}
		})
	}
}

func TestParseDrafterRole(t *testing.T) {
	t.Parallel()
	c, err := parse(composeChat, slackVars())
	if err != nil {
		t.Fatal(err)
	}
	if got := c.RoleMembers(crier.RoleDrafter); !reflect.DeepEqual(got, []string{"U0DRAFTER"}) {
		t.Errorf("drafter role = %q, want [U0DRAFTER]", got)
	}
	if got := c.RolesFor("U0DRAFTER", ""); !reflect.DeepEqual(got, []crier.Role{crier.RoleDrafter}) {
		t.Errorf("RolesFor(U0DRAFTER) = %v, want [drafter]", got)
	}
}

func TestParseChannels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		input string
		want  map[string]ChannelDefaults
	}{
		{"no channels section is none", composeChat, nil},
		{"an empty channels section is none", composeChat + "channels:\n", nil},
		{"a channel per platform", composeChat + "channels:\n" +
			"  slack:C0MARKETING:\n    networks: [mastodon, bluesky]\n" +
			"  discord:723456789012345678: {networks: [newsletter]}\n" +
			"  shell:general: {networks: [bluesky]}\n",
			map[string]ChannelDefaults{
				"slack:C0MARKETING":          {Networks: []string{"mastodon", "bluesky"}},
				"discord:723456789012345678": {Networks: []string{"newsletter"}},
				"shell:general":              {Networks: []string{"bluesky"}},
			}},
		{"a channel from a variable is keyed by its id", composeChat + "channels:\n  slack:${MARKETING}: {networks: [mastodon]}\n",
			map[string]ChannelDefaults{"slack:C0MARKETING": {Networks: []string{"mastodon"}}}},
		{"a quoted channel", composeChat + "channels:\n  \"discord:723456789012345678\": {networks: [mastodon]}\n",
			map[string]ChannelDefaults{"discord:723456789012345678": {Networks: []string{"mastodon"}}}},
	}
	vars := slackVars()
	vars["MARKETING"] = "C0MARKETING"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := parse(tt.input, vars)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c.Channels, tt.want) {
				t.Errorf("Channels\n got: %+v\nwant: %+v", c.Channels, tt.want)
			}
		})
	}
}

func TestParseApprovalsAndChannelsRejects(t *testing.T) {
	t.Parallel()
	const shellOnly = "chat: {shell: {}}\nroles: {approver: [U1]}\nnetworks: [{name: mastodon, kind: file, outbox: m}, {name: bluesky, kind: file, outbox: b}]\n"
	const channelSyntax = "<platform>:<channel id>, like slack:C0123456789, discord:123456789012345678 or shell:inbox"
	tests := []struct {
		name  string
		input string
		want  string
	}{
		// approvals.
		{"an empty approvals section needs a channel", composeChat + "approvals:\n",
			"bot.yaml:12: approvals.channel: required when approvals: is set; write the channel approvers are asked in, like channel: " + channelSyntax + ", or remove approvals: to publish without approval"},
		{"approvals without a channel are refused", composeChat + "approvals:\n  self_approve: true\n",
			"bot.yaml:12: approvals.channel: required when approvals: is set; write the channel approvers are asked in, like channel: " + channelSyntax + ", or remove approvals: to publish without approval"},
		{"an unknown key in approvals gets the closest suggested", composeChat + "approvals:\n  channel: shell:approvals\n  late_afer: 2h\n",
			"bot.yaml:14: approvals.late_afer: unknown key (known: channel, self_approve, late_after); did you mean late_after?"},
		{"a bad channel is refused like inbox.channel", composeChat + "approvals: {channel: C0APPROVALS}\n",
			`bot.yaml:12: approvals.channel: "C0APPROVALS" names no platform; write slack:C0APPROVALS`},
		{"a channel name where its id goes is refused", composeChat + "approvals: {channel: 'slack:#approvals'}\n",
			`bot.yaml:12: approvals.channel: "#approvals" is a channel name, not its id; copy the id from the channel's details, like slack:C0123456789`},
		{"a channel on a platform not set up is refused", shellOnly + "approvals:\n  channel: slack:C0APPROVALS\n",
			"bot.yaml:5: approvals.channel: chat.slack is not set, so crier cannot post there; add chat.slack or use a platform that is set (shell)"},
		{"approvals with nobody to approve are refused", "chat: {shell: {}}\nroles: {drafter: [\"*\"], scheduler: [U1]}\nnetworks: [{name: m, kind: file, outbox: m}]\napprovals: {channel: shell:approvals}\n",
			"bot.yaml:4: approvals: nobody may approve, so posts that wait for approval would wait for ever; add roles: {approver: [U012AB3CD]} with who approves, or remove approvals:"},
		{"an empty list of approvers is nobody", "chat: {shell: {}}\nroles: {approver: []}\nnetworks: [{name: m, kind: file, outbox: m}]\napprovals: {channel: shell:approvals}\n",
			"bot.yaml:4: approvals: nobody may approve, so posts that wait for approval would wait for ever; add roles: {approver: [U012AB3CD]} with who approves, or remove approvals:"},
		{"self_approve yes is refused", composeChat + "approvals: {channel: shell:approvals, self_approve: yes}\n",
			`bot.yaml:12: approvals.self_approve: "yes" is not true or false; write true or false`},
		{"a late_after under a minute is refused", composeChat + "approvals: {channel: shell:approvals, late_after: 30s}\n",
			`bot.yaml:12: approvals.late_after: "30s" is out of range; write a duration from 1m to 168h`},
		{"a late_after over a week is refused", composeChat + "approvals: {channel: shell:approvals, late_after: 200h}\n",
			`bot.yaml:12: approvals.late_after: "200h" is out of range; write a duration from 1m to 168h`},
		{"a negative late_after is refused", composeChat + "approvals: {channel: shell:approvals, late_after: -1h}\n",
			`bot.yaml:12: approvals.late_after: "-1h" is out of range; write a duration from 1m to 168h`},
		{"a late_after in days gets hours suggested", composeChat + "approvals: {channel: shell:approvals, late_after: 2d}\n",
			`bot.yaml:12: approvals.late_after: "2d" is in days, which crier does not read; write it in hours, 48h, from 1m to 168h`},

		// channels.
		{"an unknown network gets the closest suggested", composeChat + "channels:\n  slack:C0MARKETING: {networks: [mastodon, blusky]}\n",
			`bot.yaml:13: channels."slack:C0MARKETING".networks[1]: unknown network "blusky" (known: mastodon, bluesky, newsletter); use a name from networks:; did you mean bluesky?`},
		{"a repeated network is refused", composeChat + "channels:\n  slack:C0MARKETING: {networks: [mastodon, mastodon]}\n",
			`bot.yaml:13: channels."slack:C0MARKETING".networks[1]: "mastodon" is listed twice`},
		{"an empty list of networks is refused", composeChat + "channels:\n  slack:C0MARKETING: {networks: []}\n",
			`bot.yaml:13: channels."slack:C0MARKETING".networks: empty list; write the networks a post from this channel goes to, like [mastodon, bluesky], or leave the channel out for all of them`},
		{"a channel without networks is refused", composeChat + "channels:\n  slack:C0MARKETING: {}\n",
			`bot.yaml:13: channels."slack:C0MARKETING".networks: required; write the networks a post from this channel goes to, like networks: [mastodon, bluesky]`},
		{"a channel with nothing under it is refused", composeChat + "channels:\n  slack:C0MARKETING:\n",
			`bot.yaml:13: channels."slack:C0MARKETING": empty; write {networks: [mastodon, bluesky]}, or leave the channel out to post to every network`},
		{"networks written straight under the channel are refused", composeChat + "channels:\n  slack:C0MARKETING: [mastodon]\n",
			`bot.yaml:13: channels."slack:C0MARKETING": expected a mapping, got a list; write the networks under networks:, like {networks: [mastodon, bluesky]}`},
		{"an unknown key under a channel gets the closest suggested", composeChat + "channels:\n  slack:C0MARKETING: {network: [mastodon]}\n",
			`bot.yaml:13: channels."slack:C0MARKETING".network: unknown key (known: networks); did you mean networks?`},
		{"a channel without a platform is refused", composeChat + "channels:\n  C0MARKETING: {networks: [mastodon]}\n",
			`bot.yaml:13: channels.C0MARKETING: "C0MARKETING" names no platform; write slack:C0MARKETING`},
		{"a channel name where its id goes is refused in channels", composeChat + "channels:\n  \"discord:#news\": {networks: [mastodon]}\n",
			`bot.yaml:13: channels."discord:#news": "#news" is a channel name, not its id; copy the id with right-click the channel → Copy Channel ID, with Developer Mode on, like discord:123456789012345678`},
		{"an unknown platform is refused in channels", composeChat + "channels:\n  teams:abc: {networks: [mastodon]}\n",
			`bot.yaml:13: channels."teams:abc": unknown platform "teams" (known: shell, slack, discord); write it as ` + channelSyntax},
		{"a channel on a platform not set up is refused in channels", shellOnly + "channels:\n  discord:723456789012345678: {networks: [mastodon]}\n",
			`bot.yaml:5: channels."discord:723456789012345678": chat.discord is not set, so crier cannot post there; add chat.discord or use a platform that is set (shell)`},
		{"one channel written twice is refused", composeChat + "channels:\n  slack:C0MARKETING: {networks: [mastodon]}\n  slack:${MARKETING}: {networks: [bluesky]}\n",
			`bot.yaml:14: channels."slack:${MARKETING}": the same channel as on line 13; write each channel once`},
		{"a list where channels go is refused", composeChat + "channels: [slack:C0MARKETING]\n",
			`bot.yaml:12: channels: expected a mapping of channels to their settings like {slack:C0123456789: {networks: [mastodon, bluesky]}}, got a list`},
	}
	vars := slackVars()
	vars["MARKETING"] = "C0MARKETING"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := parse(tt.input, vars)
			if err == nil {
				t.Fatalf("parsed to %+v and %+v, want error %q", c.Approvals, c.Channels, tt.want)
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
