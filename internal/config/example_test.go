package config_test

import (
	"fmt"
	"strings"

	"github.com/crier-bot/crier/internal/config"
)

func ExampleParse() {
	const botYAML = `
timezone: Europe/Bucharest
database: data/crier.db
roles:
  scheduler: ["*"]
networks:
  - name: sandbox
    kind: file
    outbox: ${SANDBOX_DIR}/outbox.jsonl
`
	getenv := func(name string) (string, bool) {
		if name == "SANDBOX_DIR" {
			return "data/sandbox", true
		}
		return "", false
	}
	c, err := config.Parse(strings.NewReader(botYAML), config.Options{Name: "bot.yaml", Dir: "/srv/crier", Getenv: getenv})
	if err != nil {
		fmt.Println(err)
		return
	}
	sandbox, _ := c.Network("sandbox")
	fmt.Println(c.Location, c.Database, sandbox.Outbox, sandbox.Limit)
	fmt.Println(c.RolesFor("U012AB3CD", "ana"))

	_, err = config.Parse(strings.NewReader(strings.Replace(botYAML, "kind: file", "kind: mastodn", 1)), config.Options{Name: "bot.yaml", Getenv: getenv})
	fmt.Println(err)
	// Output:
	// Europe/Bucharest /srv/crier/data/crier.db /srv/crier/data/sandbox/outbox.jsonl 500
	// [scheduler]
	// bot.yaml:8: networks[0].kind: unknown kind "mastodn" (known: file, slack, discord, mastodon, bluesky, webhook)
}

func ExampleConfig_TimezoneFor() {
	const botYAML = `
timezone: Europe/Lisbon
chat:
  discord:
    token: ${DISCORD_TOKEN}
    application_id: "123456789012345678"
    guilds:
      - id: "223456789012345678"
        timezone: America/Sao_Paulo
        channels: {"323456789012345678": Asia/Tokyo}
networks:
  - {name: news, kind: discord, channel: "423456789012345678"}
`
	getenv := func(name string) (string, bool) { return "made-up.bot.token", name == "DISCORD_TOKEN" }
	c, err := config.Parse(strings.NewReader(botYAML), config.Options{Name: "bot.yaml", Getenv: getenv})
	if err != nil {
		fmt.Println(err)
		return
	}
	news, _ := c.Network("news")
	fmt.Println(news.Limit, news.Crosspost)
	fmt.Println(c.TimezoneFor("discord", "223456789012345678", "323456789012345678"))
	fmt.Println(c.TimezoneFor("discord", "223456789012345678", "523456789012345678"))
	fmt.Println(c.TimezoneFor("discord", "", ""))
	fmt.Println(c.TimezoneFor("slack", "", "C0123ABCD"))
	// Output:
	// 2000 true
	// Asia/Tokyo
	// America/Sao_Paulo
	// Europe/Lisbon
	// Europe/Lisbon
}

func ExampleDigest() {
	const botYAML = `
timezone: Europe/Lisbon
chat:
  shell: {}
networks:
  - {name: sandbox, kind: file, outbox: data/sandbox/outbox.jsonl}
digests:
  - channel: shell:kpis
    time: "09:00"
    weekly: monday
metrics:
  currency: eur
`
	c, err := config.Parse(strings.NewReader(botYAML), config.Options{Name: "bot.yaml"})
	if err != nil {
		fmt.Println(err)
		return
	}
	d := c.Digests[0]
	fmt.Printf("%s: %s:%s at %02d:%02d %s, weekly on %s, all accounts %t, all metrics %t\n",
		d.Name, d.Channel.Platform, d.Channel.ID, d.Hour, d.Minute, d.Location, *d.Weekly, d.Accounts == nil, d.Metrics == nil)
	fmt.Println(c.Metrics.Collect, c.Metrics.Currency)

	_, err = config.Parse(strings.NewReader(strings.Replace(botYAML, `"09:00"`, `"9"`, 1)), config.Options{Name: "bot.yaml"})
	fmt.Println(err)
	// Output:
	// daily: shell:kpis at 09:00 Europe/Lisbon, weekly on Monday, all accounts true, all metrics true
	// 1h0m0s EUR
	// bot.yaml:9: digests[0].time: "9" has no minutes and no am or pm; write "09:00" or 9am
}
