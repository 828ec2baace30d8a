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
	// bot.yaml:8: networks[0].kind: unknown kind "mastodn" (known: file, slack)
}
