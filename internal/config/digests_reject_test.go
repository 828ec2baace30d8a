package config

import (
	"strings"
	"testing"
)

func TestParseDigestsRejects(t *testing.T) {
	t.Parallel()
	// base has the shell set up and two networks on lines 1 and 2; the
	// digests section follows on line 3.
	const base = "chat: {shell: {}}\nnetworks: [{name: sandbox, kind: file, outbox: o}, {name: mastodon, kind: file, outbox: m}]\n"
	const (
		keys        = "name, channel, time, timezone, accounts, metrics, weekly, now_replaces"
		metricNames = "followers, engagement, posts, failed, comments, replies, response, open, reach, impressions, clicks, conversions, revenue, spend, campaigns"
		timeHelp    = `write one like "09:00" (24 h) or 9am or "9:30 pm"`
		dayHelp     = "write a day like monday or mon, or off for no weekly digest"
		channelHelp = "<platform>:<channel id>, like slack:C0123456789, discord:123456789012345678 or shell:inbox"
	)
	tests := []struct {
		name  string
		input string
		want  string
	}{
		// The list and its entries.
		{"a mapping where the list goes is refused", base + "digests:\n  channel: shell:kpis\n  time: \"09:00\"\n",
			`bot.yaml:4: digests: expected a list of digests like [{channel: shell:kpis, time: "09:00"}], got a mapping; start each digest with "- "`},
		{"a string where the list goes is refused", base + "digests: shell:kpis\n",
			`bot.yaml:3: digests: expected a list of digests like [{channel: shell:kpis, time: "09:00"}], got a string`},
		{"an entry that is not a mapping is refused", base + "digests:\n  - shell:kpis\n",
			`bot.yaml:4: digests[0]: expected a mapping like {channel: shell:kpis, time: "09:00"}, got a string`},
		{"an empty entry is refused", base + "digests:\n  -\n  - {channel: shell:kpis, time: \"09:00\"}\n",
			`bot.yaml:4: digests[0]: empty digest; write one like {channel: shell:kpis, time: "09:00"}`},
		{"an unknown key gets the closest suggested", base + "digests:\n  - channel: shell:kpis\n    time: \"09:00\"\n    timzone: UTC\n",
			"bot.yaml:6: digests[0].timzone: unknown key (known: " + keys + "); did you mean timezone?"},
		{"an unknown key with nothing close lists the keys", base + "digests:\n  - channel: shell:kpis\n    time: \"09:00\"\n    colour: red\n",
			"bot.yaml:6: digests[0].colour: unknown key (known: " + keys + ")"},

		// Required keys.
		{"a digest without a channel is refused", base + "digests:\n  - time: \"09:00\"\n",
			"bot.yaml:4: digests[0].channel: required; write channel: " + channelHelp},
		{"a digest without a time is refused", base + "digests:\n  - channel: shell:kpis\n",
			`bot.yaml:4: digests[0].time: required; write the local time to post at, like time: "09:00" or time: 9am`},
		{"a digest with an empty time is refused", base + "digests:\n  - channel: shell:kpis\n    time:\n",
			`bot.yaml:4: digests[0].time: required; write the local time to post at, like time: "09:00" or time: 9am`},

		// time.
		{"an hour past 23 is refused", base + "digests: [{channel: shell:kpis, time: \"25:00\"}]\n",
			`bot.yaml:3: digests[0].time: "25:00" is not a time of day: hours go from 00 to 23 and minutes from 00 to 59; ` + timeHelp},
		{"24:00 is refused", base + "digests: [{channel: shell:kpis, time: \"24:00\"}]\n",
			`bot.yaml:3: digests[0].time: "24:00" is not a time of day: hours go from 00 to 23 and minutes from 00 to 59; ` + timeHelp},
		{"minutes past 59 are refused", base + "digests: [{channel: shell:kpis, time: \"9:60\"}]\n",
			`bot.yaml:3: digests[0].time: "9:60" is not a time of day: hours go from 00 to 23 and minutes from 00 to 59; ` + timeHelp},
		{"an hour alone is refused with what to write", base + "digests: [{channel: shell:kpis, time: \"9\"}]\n",
			`bot.yaml:3: digests[0].time: "9" has no minutes and no am or pm; write "09:00" or 9am`},
		{"an afternoon hour alone is refused with what to write", base + "digests: [{channel: shell:kpis, time: 17}]\n",
			`bot.yaml:3: digests[0].time: "17" has no minutes and no am or pm; write "17:00" or 5pm`},
		{"13pm is refused", base + "digests: [{channel: shell:kpis, time: 13pm}]\n",
			`bot.yaml:3: digests[0].time: "13pm" is not a time of day: with am or pm, hours go from 1 to 12; ` + timeHelp},
		{"words are refused", base + "digests: [{channel: shell:kpis, time: noon-ish}]\n",
			`bot.yaml:3: digests[0].time: "noon-ish" is not a time of day; ` + timeHelp},
		{"a list where the time goes is refused", base + "digests: [{channel: shell:kpis, time: [9]}]\n",
			`bot.yaml:3: digests[0].time: expected a time like "09:00" or 9am, got a list`},

		// timezone.
		{"an unknown timezone is refused", base + "digests: [{channel: shell:kpis, time: \"09:00\", timezone: Europe/Lisbn}]\n",
			`bot.yaml:3: digests[0].timezone: unknown timezone "Europe/Lisbn"; write an IANA name like "Europe/Bucharest" or "UTC", or leave timezone out for the top-level one`},

		// channel.
		{"a channel without a platform is refused", base + "digests: [{channel: kpis, time: \"09:00\"}]\n",
			`bot.yaml:3: digests[0].channel: "kpis" names no platform; write it as ` + channelHelp},
		{"a channel on a platform not set up under chat is refused", base + "digests:\n  - channel: slack:C0123456789\n    time: \"09:00\"\n",
			"bot.yaml:4: digests[0].channel: chat.slack is not set, so crier cannot post there; add chat.slack or use a platform that is set (shell)"},
		{"a channel with no chat at all is refused", "networks: [{name: sandbox, kind: file, outbox: o}]\ndigests:\n  - {channel: shell:kpis, time: \"09:00\"}\n",
			"bot.yaml:3: digests[0].channel: chat.shell is not set, so crier cannot post there; add chat.shell first"},

		// accounts.
		{"an account not in networks gets the closest suggested", base + "digests:\n  - channel: shell:kpis\n    time: \"09:00\"\n    accounts: [sandbox, mastodn]\n",
			`bot.yaml:6: digests[0].accounts[1]: unknown network "mastodn" (known: sandbox, mastodon); use a name from networks:; did you mean mastodon?`},
		{"an account far from any network lists them", base + "digests:\n  - channel: shell:kpis\n    time: \"09:00\"\n    accounts: [twitter]\n",
			`bot.yaml:6: digests[0].accounts[0]: unknown network "twitter" (known: sandbox, mastodon); use a name from networks:`},
		{"an account listed twice is refused", base + "digests:\n  - channel: shell:kpis\n    time: \"09:00\"\n    accounts: [sandbox, sandbox]\n",
			`bot.yaml:6: digests[0].accounts[1]: "sandbox" is listed twice`},
		{"an empty list of accounts is refused", base + "digests:\n  - channel: shell:kpis\n    time: \"09:00\"\n    accounts: []\n",
			"bot.yaml:6: digests[0].accounts: empty list; write the networks to show, like [sandbox], or leave accounts out for all of them"},
		{"a mapping where accounts go is refused", base + "digests:\n  - channel: shell:kpis\n    time: \"09:00\"\n    accounts: {sandbox: 1}\n",
			"bot.yaml:6: digests[0].accounts: expected a list of network names like [sandbox], got a mapping"},

		// metrics.
		{"an unknown metric gets the closest suggested", base + "digests:\n  - channel: shell:kpis\n    time: \"09:00\"\n    metrics: [folowers]\n",
			`bot.yaml:6: digests[0].metrics[0]: unknown metric "folowers" (known: ` + metricNames + "); did you mean followers?"},
		{"a metric listed twice is refused", base + "digests:\n  - channel: shell:kpis\n    time: \"09:00\"\n    metrics: [spend, Spend]\n",
			`bot.yaml:6: digests[0].metrics[1]: "Spend" is listed twice`},
		{"an empty list of metrics is refused", base + "digests:\n  - channel: shell:kpis\n    time: \"09:00\"\n    metrics: []\n",
			"bot.yaml:6: digests[0].metrics: empty list; write the numbers to show, like [followers, engagement], or leave metrics out for all of them"},

		// weekly and now_replaces.
		{"a day that is not one is refused", base + "digests: [{channel: shell:kpis, time: \"09:00\", weekly: funday}]\n",
			`bot.yaml:3: digests[0].weekly: "funday" is not a day of the week; ` + dayHelp + "; did you mean sunday?"},
		{"a number where a day goes is refused", base + "digests: [{channel: shell:kpis, time: \"09:00\", weekly: 1}]\n",
			`bot.yaml:3: digests[0].weekly: "1" is not a day of the week; ` + dayHelp},
		{"now_replaces that is not true or false is refused", base + "digests: [{channel: shell:kpis, time: \"09:00\", now_replaces: yes}]\n",
			`bot.yaml:3: digests[0].now_replaces: "yes" is not true or false; write true or false`},

		// Several digests.
		{"a second digest without a name is refused", base + "digests:\n  - {channel: shell:kpis, time: \"09:00\"}\n  - {channel: shell:team, time: \"10:00\"}\n",
			"bot.yaml:4: digests[0].name: required when there are several digests; give each one its own name, like daily or weekly"},
		{"two digests with one name are refused", base + "digests:\n  - {name: daily, channel: shell:kpis, time: \"09:00\"}\n  - {name: daily, channel: shell:team, time: \"10:00\"}\n",
			`bot.yaml:5: digests[1].name: duplicate name "daily" (first on line 4); give each digest its own name`},
		{"a name that is not a word is refused", base + "digests: [{name: Daily KPIs, channel: shell:kpis, time: \"09:00\"}]\n",
			`bot.yaml:3: digests[0].name: invalid name "Daily KPIs"; use 1 to 32 of a-z, 0-9, _ and -, like daily`},
		{"two digests in one channel at one time are refused", base + "digests:\n  - {name: daily, channel: shell:kpis, time: \"09:00\"}\n  - {name: again, channel: shell:kpis, time: 9am}\n",
			"bot.yaml:5: digests[1].time: digests[0] (daily, line 4) already posts in shell:kpis at 09:00 UTC; give one of them another time or channel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := parse(tt.input, nil)
			if err == nil {
				t.Fatalf("parsed to %+v, want error %q", c, tt.want)
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

func TestParseMetricsAndAPITokenRejects(t *testing.T) {
	t.Parallel()
	const network = "networks: [{name: sandbox, kind: file, outbox: o}]\n"
	const tokenHelp = "an API token (16 characters or more; make one with openssl rand -hex 32, and senders put it after Bearer)"
	tests := []struct {
		name  string
		input string
		want  string
	}{
		{"a short api token is refused", network + "http:\n  listen: \":8080\"\n  api_token: ${API_TOKEN_SHORT}\n",
			"bot.yaml:4: http.api_token: too short; set the variable to " + tokenHelp},
		{"an api token written in the file is refused when short", network + "http: {listen: \":8080\", api_token: abc}\n",
			"bot.yaml:2: http.api_token: too short; write ${CRIER_API_TOKEN} and set that variable to " + tokenHelp},
		{"an empty api token is refused", network + "http: {listen: \":8080\", api_token: ''}\n",
			"bot.yaml:2: http.api_token: empty; write ${CRIER_API_TOKEN} and set that variable to " + tokenHelp},
		{"an api token with a space is refused", network + "http: {listen: \":8080\", api_token: '${API_TOKEN} '}\n",
			"bot.yaml:2: http.api_token: contains a space or line break, which an API token never has; check the variable for stray spaces or a trailing newline"},
		{"an api token without a listener is refused", network + "http:\n  api_token: ${API_TOKEN}\n",
			`bot.yaml:3: http.api_token: needs http.listen, the address POST /api/metrics is served on; add listen: ":8080" under http, behind an HTTPS proxy, or remove api_token`},
		{"an unknown key in http gets the closest suggested", network + "http: {listen: \":8080\", api_tokn: x}\n",
			"bot.yaml:2: http.api_tokn: unknown key (known: listen, public_url, api_token); did you mean api_token?"},

		{"a list where metrics go is refused", network + "metrics: [followers]\n",
			"bot.yaml:2: metrics: expected a mapping like {collect: 1h, currency: EUR}, got a list"},
		{"an unknown key in metrics is refused", network + "metrics: {colect: 1h}\n",
			"bot.yaml:2: metrics.colect: unknown key (known: collect, currency); did you mean collect?"},
		{"collecting more often than every 10 minutes is refused", network + "metrics: {collect: 5m}\n",
			`bot.yaml:2: metrics.collect: "5m" is out of range; write a duration from 10m to 24h, or off`},
		{"collecting less often than daily is refused", network + "metrics: {collect: 48h}\n",
			`bot.yaml:2: metrics.collect: "48h" is out of range; write a duration from 10m to 24h, or off`},
		{"a collect that is not a duration is refused", network + "metrics: {collect: hourly}\n",
			`bot.yaml:2: metrics.collect: "hourly" is not a duration; write one like 1h or 30m, from 10m to 24h, or off`},
		{"a currency of four letters is refused", network + "metrics: {currency: EURO}\n",
			`bot.yaml:2: metrics.currency: "EURO" is not a currency code; write its three letters, like EUR or USD`},
		{"a currency symbol is refused", network + "metrics: {currency: €}\n",
			`bot.yaml:2: metrics.currency: "€" is not a currency code; write its three letters, like EUR or USD`},
	}
	vars := map[string]string{"API_TOKEN_SHORT": "0123456789abcde", "API_TOKEN": "0123456789abcdef0123"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := parse(tt.input, vars)
			if err == nil {
				t.Fatalf("parsed to %+v, want error %q", c, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", err, tt.want)
			}
			for _, v := range vars {
				if strings.Contains(err.Error(), v) {
					t.Errorf("error shows the token: %s", err)
				}
			}
		})
	}
}
