package config

import (
	"strings"
	"testing"
)

func TestParsePublicURL(t *testing.T) {
	t.Parallel()
	const nets = "networks:\n  - {name: sandbox, kind: file, outbox: out.jsonl}\n"
	c, err := Parse(strings.NewReader("http:\n  listen: \":8080\"\n  public_url: https://crier.example.com/\n"+nets), Options{Name: "bot.yaml", Getenv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.PublicURL != "https://crier.example.com" {
		t.Fatalf("PublicURL = %q", c.HTTP.PublicURL)
	}
	for yaml, want := range map[string]string{
		"http:\n  listen: \":8080\"\n  public_url: http://crier.example.com\n":      `bot.yaml:3: http.public_url: "http://crier.example.com" is not an https address; write crier's address as others reach it, like https://crier.example.com (http only for localhost)`,
		"http:\n  listen: \":8080\"\n  public_url: https://crier.example.com/x?y\n": `bot.yaml:3: http.public_url: "https://crier.example.com/x?y" has a path, query or fragment; write the address alone, like https://crier.example.com`,
		"http:\n  public_url: https://crier.example.com\n":                          `bot.yaml:2: http.public_url: needs http.listen, the address crier serves /calendar.ics on behind it; add listen: ":8080" under http, or remove public_url`,
	} {
		_, err := Parse(strings.NewReader(yaml+nets), Options{Name: "bot.yaml", Getenv: func(string) (string, bool) { return "", false }})
		if err == nil || err.Error() != want {
			t.Errorf("got %v\nwant %s", err, want)
		}
	}
}
