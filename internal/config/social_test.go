package config

import (
	"strings"
	"testing"
)

// socialVars are the variables the social network examples use.
func socialVars() map[string]string {
	return map[string]string{
		"MASTODON_TOKEN":       "mToken-0123456789abcdef",
		"BLUESKY_APP_PASSWORD": "abcd-efgh-ijkl-mnop",
		"WEBHOOK_SECRET":       "0123456789abcdef0123",
		"SHORT":                "short",
		"MAIN_PASSWORD":        "hunter2-my-real-password",
		"EMPTY":                "",
	}
}

func TestSocialNetworksParse(t *testing.T) {
	t.Parallel()
	c, err := parse(`networks:
  - name: masto
    kind: mastodon
    server: https://mastodon.social/
    access_token: ${MASTODON_TOKEN}
    visibility: unlisted
    language: pt
  - name: sky
    kind: bluesky
    handle: "@crier.bsky.social"
    app_password: ${BLUESKY_APP_PASSWORD}
    appview: did:web:appview.example.com#bsky_appview
  - name: hook
    kind: webhook
    url: https://hooks.example.com/crier?token=abc
    secret: ${WEBHOOK_SECRET}
    deduplicates: false
    rate: 20
`, socialVars())
	if err != nil {
		t.Fatal(err)
	}
	m, b, w := c.Networks[0], c.Networks[1], c.Networks[2]
	if m.Server != "https://mastodon.social" || m.AccessToken != "mToken-0123456789abcdef" || m.Visibility != "unlisted" || m.Language != "pt" || m.Limit != 0 {
		t.Errorf("mastodon: %+v", m)
	}
	if b.PDS != "https://bsky.social" || b.Handle != "crier.bsky.social" || b.AppPassword != "abcd-efgh-ijkl-mnop" || b.AppView != "did:web:appview.example.com#bsky_appview" {
		t.Errorf("bluesky: %+v", b)
	}
	if w.URL != "https://hooks.example.com/crier?token=abc" || w.Secret != "0123456789abcdef0123" || w.Deduplicates || w.Limit != 10000 || w.Rate != 20 {
		t.Errorf("webhook: %+v", w)
	}

	c, err = parse("networks:\n  - {name: hook, kind: webhook, url: \"https://h.example\", secret: \"${WEBHOOK_SECRET}\"}\n  - {name: m, kind: mastodon, server: \"https://m.example\", access_token: \"${MASTODON_TOKEN}\"}\n", socialVars())
	if err != nil {
		t.Fatal(err)
	}
	if c.Networks[0].Deduplicates || c.Networks[0].Rate != 5 || c.Networks[1].Visibility != "public" {
		t.Errorf("defaults: %+v", c.Networks)
	}

	// No appview: the PDS sends Bluesky reads to the AppView it is set up
	// with.
	c, err = parse("networks:\n  - {name: sky, kind: bluesky, handle: crier.bsky.social, app_password: \"${BLUESKY_APP_PASSWORD}\"}\n", socialVars())
	if err != nil {
		t.Fatal(err)
	}
	if c.Networks[0].AppView != "" {
		t.Errorf("appview defaults to %q, want none", c.Networks[0].AppView)
	}
}

func TestSocialNetworksReject(t *testing.T) {
	t.Parallel()
	const m = "networks:\n  - name: masto\n    kind: mastodon\n"
	const b = "networks:\n  - name: sky\n    kind: bluesky\n"
	const w = "networks:\n  - name: hook\n    kind: webhook\n"
	tests := []struct{ name, input, want string }{
		{"a mastodon network needs its server", m + "    access_token: ${MASTODON_TOKEN}\n",
			"bot.yaml:2: networks[0].server: required for kind mastodon; write your instance's address like https://mastodon.social"},
		{"a mastodon server is an address, not a profile", m + "    server: https://mastodon.social/@crier\n    access_token: ${MASTODON_TOKEN}\n",
			`bot.yaml:4: networks[0].server: "https://mastodon.social/@crier" has a path; write only the instance's address, like https://mastodon.social`},
		{"a mastodon network needs a token", m + "    server: https://mastodon.social\n",
			"bot.yaml:2: networks[0].access_token: required for kind mastodon; write access_token: ${MASTODON_TOKEN} and set that variable to an access token (your instance → Preferences → Development → New application, with the read and write scopes → Your access token)"},
		{"an empty token variable names the variable, not a value", m + "    server: https://mastodon.social\n    access_token: ${EMPTY}\n",
			`bot.yaml:5: networks[0].access_token: "${EMPTY}" is empty; set the variable to an access token (your instance → Preferences → Development → New application, with the read and write scopes → Your access token)`},
		{"an unknown visibility lists the known ones", m + "    server: https://mastodon.social\n    access_token: ${MASTODON_TOKEN}\n    visibility: friends\n",
			`bot.yaml:6: networks[0].visibility: unknown visibility "friends"; write one of public, unlisted, private, direct`},
		{"a language is a code", m + "    server: https://mastodon.social\n    access_token: ${MASTODON_TOKEN}\n    language: English\n",
			`bot.yaml:6: networks[0].language: "English" is not a language code; write one like en, de or pt-BR`},
		{"a mastodon language has no region", m + "    server: https://mastodon.social\n    access_token: ${MASTODON_TOKEN}\n    language: pt-BR\n",
			`bot.yaml:6: networks[0].language: "pt-BR" has a region, which Mastodon does not take; write only the language, like pt`},
		{"a bluesky handle is not an e-mail", b + "    handle: ana@example.com\n    app_password: ${BLUESKY_APP_PASSWORD}\n",
			`bot.yaml:4: networks[0].handle: "ana@example.com" looks like an e-mail address; write the handle instead, like crier.bsky.social`},
		{"a bluesky account password is refused without showing it", b + "    handle: crier.bsky.social\n    app_password: ${MAIN_PASSWORD}\n",
			"bot.yaml:5: networks[0].app_password: is not shaped like an app password (four groups of four letters or digits: xxxx-xxxx-xxxx-xxxx); use an app password from bsky.app → Settings → Privacy and security → App passwords, never the account's own password"},
		{"bluesky has no limit key", b + "    handle: crier.bsky.social\n    app_password: ${BLUESKY_APP_PASSWORD}\n    limit: 500\n",
			"bot.yaml:6: networks[0].limit: not used by kind bluesky; remove it (bluesky networks take name, kind, pds, handle, app_password, language, appview)"},
		{"a bluesky appview is a service, not an address", b + "    handle: crier.bsky.social\n    app_password: ${BLUESKY_APP_PASSWORD}\n    appview: https://api.bsky.app\n",
			`bot.yaml:6: networks[0].appview: "https://api.bsky.app" is not an AppView service; write a DID and service like did:web:api.bsky.app#bsky_appview, or remove the key to use the one the PDS is set up with`},
		{"a bluesky appview names its service", b + "    handle: crier.bsky.social\n    app_password: ${BLUESKY_APP_PASSWORD}\n    appview: did:web:api.bsky.app\n",
			`bot.yaml:6: networks[0].appview: "did:web:api.bsky.app" is not an AppView service; write a DID and service like did:web:api.bsky.app#bsky_appview, or remove the key to use the one the PDS is set up with`},
		{"a webhook needs a url", w + "    secret: ${WEBHOOK_SECRET}\n",
			"bot.yaml:2: networks[0].url: required for kind webhook; write the address posts go to, like https://hooks.example.com/crier"},
		{"a webhook url is absolute", w + "    url: hooks.example.com\n    secret: ${WEBHOOK_SECRET}\n",
			`bot.yaml:4: networks[0].url: "hooks.example.com" is not an absolute http(s) URL; write one like https://hooks.example.com/crier`},
		{"a short webhook secret is refused without showing it", w + "    url: https://h.example\n    secret: ${SHORT}\n",
			"bot.yaml:5: networks[0].secret: is too short to be safe; use a signing secret of at least 16 characters (make one with: openssl rand -hex 32, and give the receiver the same value)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := parse(tt.input, socialVars())
			if err == nil {
				t.Fatalf("parsed, want error %q", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", err, tt.want)
			}
			for _, v := range socialVars() {
				if len(v) > 6 && strings.Contains(err.Error(), v) {
					t.Errorf("the error shows a secret: %s", err)
				}
			}
		})
	}
}
