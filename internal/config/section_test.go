package config

import (
	"strings"
	"testing"
)

// TestEveryListedKeyIsRead checks that each key a table lists is read: a value
// of the wrong shape under it is rejected with a message that names the key.
// A key listed but never read would be accepted and ignored. A new section
// adds its table here.
func TestEveryListedKeyIsRead(t *testing.T) {
	t.Parallel()
	const (
		bad     = "{x: [1]}"
		network = "networks: [{name: z, kind: file, outbox: o}]\n"
	)
	type table struct {
		path  string                  // the table's key path
		keys  []string                // its keys
		input func(key string) string // a file with bad under key
	}
	tables := []table{
		{"", keysOf(topFields()), func(k string) string {
			if k == "networks" {
				return "networks: " + bad + "\n"
			}
			return network + k + ": " + bad + "\n"
		}},
		{"chat", keysOf(chatFields()), func(k string) string { return network + "chat: {" + k + ": " + bad + "}\n" }},
		{"chat.shell", keysOf(shellFields()), func(k string) string { return network + "chat: {shell: {" + k + ": " + bad + "}}\n" }},
		{"chat.slack", keysOf(slackFields()), func(k string) string { return network + "chat: {slack: {" + k + ": " + bad + "}}\n" }},
		{"chat.discord", keysOf(discordFields()), func(k string) string { return network + "chat: {discord: {" + k + ": " + bad + "}}\n" }},
		{"chat.discord.guilds[0]", keysOf(guildFields(nil)), func(k string) string {
			return network + "chat: {discord: {guilds: [{" + k + ": " + bad + "}]}}\n"
		}},
		{"http", keysOf(httpFields()), func(k string) string { return network + "http: {" + k + ": " + bad + "}\n" }},
		{"publish", keysOf(publishFields()), func(k string) string { return network + "publish: {" + k + ": " + bad + "}\n" }},
		{"inbox", keysOf(inboxFields()), func(k string) string { return network + "inbox: {" + k + ": " + bad + "}\n" }},
		{"inbox.crisis", keysOf(crisisFields()), func(k string) string { return network + "inbox: {crisis: {" + k + ": " + bad + "}}\n" }},
		{"digests[0]", keysOf(digestFields()), func(k string) string { return network + "digests: [{" + k + ": " + bad + "}]\n" }},
		{"metrics", keysOf(metricsFields()), func(k string) string { return network + "metrics: {" + k + ": " + bad + "}\n" }},
		{"utm", keysOf(utmFields()), func(k string) string { return network + "utm: {" + k + ": " + bad + "}\n" }},
		{"writer", keysOf(writerFields()), func(k string) string { return network + "writer: {" + k + ": " + bad + "}\n" }},
		{"voice", keysOf(voiceFields()), func(k string) string { return network + "voice: {" + k + ": " + bad + "}\n" }},
		{"approvals", keysOf(approvalsFields()), func(k string) string { return network + "approvals: {" + k + ": " + bad + "}\n" }},
		{"channels.\"shell:general\"", keysOf(channelDefaultsFields()), func(k string) string {
			return network + "channels: {\"shell:general\": {" + k + ": " + bad + "}}\n"
		}},
	}
	// A value each kind's required keys accept, so that the key under test
	// is reached whatever its place in the table.
	valid := map[string]string{
		"file.outbox":           "o",
		"slack.channel":         "C0123ABCD",
		"discord.channel":       `"723456789012345678"`,
		"mastodon.server":       "https://mastodon.example",
		"mastodon.access_token": "abc",
		"bluesky.handle":        "crier.bsky.social",
		"bluesky.app_password":  "abcd-efgh-ijkl-mnop",
		"webhook.url":           "https://hooks.example.com/crier",
		"webhook.secret":        "0123456789abcdef0123",
	}
	for _, k := range kinds() {
		tables = append(tables, table{"networks[0]", k.keys(), func(key string) string {
			fields := []string{"name: z", "kind: " + k.name}
			switch key {
			case "name":
				fields[0] = "name: " + bad
			case "kind":
				fields[1] = "kind: " + bad
			}
			for _, f := range k.fields {
				switch {
				case f.key == key:
					fields = append(fields, key+": "+bad)
				case f.required != "":
					v, ok := valid[k.name+"."+f.key]
					if !ok {
						t.Fatalf("no valid value for %s.%s, which is required; add one to valid", k.name, f.key)
					}
					fields = append(fields, f.key+": "+v)
				}
			}
			return "networks: [{" + strings.Join(fields, ", ") + "}]\n"
		}})
	}
	for _, tb := range tables {
		for _, key := range tb.keys {
			path := join(tb.path, key)
			_, err := parse(tb.input(key), nil)
			if err == nil {
				t.Errorf("%s: %s under it was accepted", path, bad)
				continue
			}
			if msg := err.Error(); !strings.Contains(msg, ": "+path+":") && !strings.Contains(msg, ": "+path+".") {
				t.Errorf("%s: %s under it gave an error about something else: %s", path, bad, msg)
			}
		}
	}
}
