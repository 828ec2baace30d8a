package config

import (
	"reflect"
	"testing"
	"time"

	"github.com/crier-bot/crier/internal/crier"
)

func weekday(d time.Weekday) *time.Weekday { return &d }

func TestParseDigests(t *testing.T) {
	t.Parallel()
	// base has the shell and Slack set up and two networks on lines 1 to 4;
	// digests follow from line 5.
	const base = "chat:\n  shell: {}\n  slack: {bot_token: \"${SLACK_BOT_TOKEN}\", app_token: \"${SLACK_APP_TOKEN}\"}\n" +
		"networks: [{name: sandbox, kind: file, outbox: o}, {name: fediverse, kind: file, outbox: f}]\n"
	kpis := crier.ChannelRef{Platform: "shell", ID: "kpis"}
	tests := []struct {
		name  string
		input string
		zone  []string // each digest's Location, by name
		want  []Digest // Location left out
	}{
		{"no digests section means none", base, nil, nil},
		{"an empty list means none", base + "digests: []\n", nil, nil},
		{"an empty section means none", base + "digests:\n", nil, nil},
		{"one digest is called daily and takes the top-level timezone, written after it",
			base + "digests:\n  - channel: shell:kpis\n    time: \"09:00\"\ntimezone: Europe/Lisbon\n",
			[]string{"Europe/Lisbon"}, []Digest{{Name: "daily", Channel: kpis, Hour: 9, Line: 6}}},
		{"a digest with no top-level timezone is in UTC",
			base + "digests: [{channel: shell:kpis, time: 7:05}]\n",
			[]string{"UTC"}, []Digest{{Name: "daily", Channel: kpis, Hour: 7, Minute: 5, Line: 5}}},
		{"every key",
			base + "digests:\n  - name: team\n    channel: slack:C0123456789\n    time: 9:30 pm\n    timezone: America/Sao_Paulo\n" +
				"    accounts: [fediverse, sandbox]\n    metrics: [Followers, spend, campaigns]\n    weekly: Mon\n    now_replaces: true\n",
			[]string{"America/Sao_Paulo"}, []Digest{{Name: "team", Channel: crier.ChannelRef{Platform: "slack", ID: "C0123456789"}, Hour: 21, Minute: 30,
				Accounts: []string{"fediverse", "sandbox"}, Metrics: []string{"followers", "spend", "campaigns"}, Weekly: weekday(time.Monday), NowReplaces: true, Line: 6}}},
		{"12am is midnight", base + "digests: [{channel: shell:kpis, time: 12am}]\n",
			[]string{"UTC"}, []Digest{{Name: "daily", Channel: kpis, Line: 5}}},
		{"12pm is noon", base + "digests: [{channel: shell:kpis, time: 12 PM}]\n",
			[]string{"UTC"}, []Digest{{Name: "daily", Channel: kpis, Hour: 12, Line: 5}}},
		{"am with dots", base + "digests: [{channel: shell:kpis, time: 9:15 a.m.}]\n",
			[]string{"UTC"}, []Digest{{Name: "daily", Channel: kpis, Hour: 9, Minute: 15, Line: 5}}},
		{"23:59 is the last minute", base + "digests: [{channel: shell:kpis, time: \"23:59\"}]\n",
			[]string{"UTC"}, []Digest{{Name: "daily", Channel: kpis, Hour: 23, Minute: 59, Line: 5}}},
		{"a time from a variable", base + "digests: [{channel: shell:kpis, time: '${DIGEST_TIME}'}]\n",
			[]string{"UTC"}, []Digest{{Name: "daily", Channel: kpis, Hour: 8, Minute: 45, Line: 5}}},
		{"weekly in whole words and any case", base + "digests: [{channel: shell:kpis, time: 9am, weekly: THURSDAY}]\n",
			[]string{"UTC"}, []Digest{{Name: "daily", Channel: kpis, Hour: 9, Weekly: weekday(time.Thursday), Line: 5}}},
		{"weekly sunday is day 0", base + "digests: [{channel: shell:kpis, time: 9am, weekly: sun}]\n",
			[]string{"UTC"}, []Digest{{Name: "daily", Channel: kpis, Hour: 9, Weekly: weekday(time.Sunday), Line: 5}}},
		{"weekly off is no weekly digest", base + "digests: [{channel: shell:kpis, time: 9am, weekly: off, now_replaces: false}]\n",
			[]string{"UTC"}, []Digest{{Name: "daily", Channel: kpis, Hour: 9, Line: 5}}},
		{"several digests, in file order, one channel at two times or in two zones",
			base + "timezone: Europe/Lisbon\ndigests:\n" +
				"  - {name: morning, channel: shell:kpis, time: \"09:00\"}\n" +
				"  - {name: evening, channel: shell:kpis, time: \"18:00\"}\n" +
				"  - {name: brazil, channel: shell:kpis, time: \"09:00\", timezone: America/Sao_Paulo}\n" +
				"  - {name: other, channel: shell:team, time: \"09:00\"}\n",
			[]string{"Europe/Lisbon", "Europe/Lisbon", "America/Sao_Paulo", "Europe/Lisbon"}, []Digest{
				{Name: "morning", Channel: kpis, Hour: 9, Line: 7},
				{Name: "evening", Channel: kpis, Hour: 18, Line: 8},
				{Name: "brazil", Channel: kpis, Hour: 9, Line: 9},
				{Name: "other", Channel: crier.ChannelRef{Platform: "shell", ID: "team"}, Hour: 9, Line: 10},
			}},
	}
	vars := slackVars()
	vars["DIGEST_TIME"] = "08:45"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := parse(tt.input, vars)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Digests) != len(tt.zone) {
				t.Fatalf("got %d digests, want %d: %+v", len(c.Digests), len(tt.zone), c.Digests)
			}
			got := make([]Digest, len(c.Digests))
			for i, dg := range c.Digests {
				if dg.Location == nil || dg.Location.String() != tt.zone[i] {
					t.Errorf("digests[%d].Location = %v, want %s", i, dg.Location, tt.zone[i])
				}
				dg.Location = nil
				got[i] = dg
			}
			if tt.want == nil {
				got = nil
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Digests\n got: %+v\nwant: %+v", got, tt.want)
			}
		})
	}
}

func TestParseDigestTakesTheConfigsLocation(t *testing.T) {
	t.Parallel()
	c, err := parse("chat: {shell: {}}\nnetworks: [{name: sandbox, kind: file, outbox: o}]\ndigests: [{channel: shell:kpis, time: 9am}]\ntimezone: Asia/Tokyo\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Digests[0].Location != c.Location {
		t.Errorf("digest's Location is %p (%v), want the config's %p (%v)", c.Digests[0].Location, c.Digests[0].Location, c.Location, c.Location)
	}
}

func TestParseMetrics(t *testing.T) {
	t.Parallel()
	const network = "networks: [{name: sandbox, kind: file, outbox: o}]\n"
	tests := []struct {
		name  string
		input string
		want  Metrics
	}{
		{"no section collects hourly in no currency", network, Metrics{Collect: time.Hour}},
		{"an empty section keeps the defaults", network + "metrics:\n", Metrics{Collect: time.Hour}},
		{"empty keys keep the defaults", network + "metrics: {collect: , currency: }\n", Metrics{Collect: time.Hour}},
		{"collect and currency", network + "metrics: {collect: 30m, currency: EUR}\n", Metrics{Collect: 30 * time.Minute, Currency: "EUR"}},
		{"the shortest and longest collect are allowed", network + "metrics: {collect: 10m}\n", Metrics{Collect: 10 * time.Minute}},
		{"a day is the longest", network + "metrics: {collect: 24h}\n", Metrics{Collect: 24 * time.Hour}},
		{"collect off", network + "metrics: {collect: off}\n", Metrics{Collect: -1}},
		{"collect Off in capitals", network + "metrics: {collect: Off}\n", Metrics{Collect: -1}},
		{"a currency in lower case is upper-cased", network + "metrics: {currency: brl}\n", Metrics{Collect: time.Hour, Currency: "BRL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := parse(tt.input, nil)
			if err != nil {
				t.Fatal(err)
			}
			if c.Metrics != tt.want {
				t.Errorf("Metrics = %+v, want %+v", c.Metrics, tt.want)
			}
		})
	}
}

func TestParseAPIToken(t *testing.T) {
	t.Parallel()
	const token = "0123456789abcdef0123456789abcdef"
	c, err := parse("networks: [{name: sandbox, kind: file, outbox: o}]\nhttp: {listen: \":8080\", api_token: \"${CRIER_API_TOKEN}\"}\n",
		map[string]string{"CRIER_API_TOKEN": token})
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.APIToken != token {
		t.Errorf("APIToken = %q, want the variable's value", c.HTTP.APIToken)
	}
	c, err = parse("networks: [{name: sandbox, kind: file, outbox: o}]\nhttp: {listen: \":8080\"}\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.APIToken != "" {
		t.Errorf("APIToken = %q with no api_token, want \"\" (POST /api/metrics off)", c.HTTP.APIToken)
	}
}
