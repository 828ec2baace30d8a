package config

import (
	"fmt"
	"regexp"
	"strings"
)

// The chat.slack section and slack networks.

// Slack's secrets, for messages that never show them.
var (
	botToken      = secret{"bot_token", "SLACK_BOT_TOKEN", "a bot token", "xoxb-", "Slack app → OAuth & Permissions → Bot User OAuth Token", ""}
	appToken      = secret{"app_token", "SLACK_APP_TOKEN", "an app-level token", "xapp-", "Slack app → Basic Information → App-Level Tokens, with the connections:write scope", ""}
	signingSecret = secret{"signing_secret", "SLACK_SIGNING_SECRET", "the signing secret", "", "Slack app → Basic Information → Signing Secret", ""}
)

func slackFields() []field[*Slack] {
	return []field[*Slack]{
		// The mode decides what else is required, so it is read first.
		{key: "mode", first: true, decode: func(d *decoder, e entry, s *Slack) (err error) {
			const example = "socket (Socket Mode, no public URL needed) or http (Events API, needs http.listen)"
			if s.Mode, err = d.text(e.v, e.path, example); err != nil {
				return err
			}
			if s.Mode != "socket" && s.Mode != "http" {
				return d.errorf(e.v, e.path, "unknown mode %s; write %s", written(e.v), example)
			}
			d.slackMode = e.v
			return nil
		}},
		{key: "bot_token", decode: func(d *decoder, e entry, s *Slack) (err error) {
			s.BotToken, err = d.secretValue(e.v, e.path, botToken)
			return err
		}},
		{key: "app_token", decode: func(d *decoder, e entry, s *Slack) (err error) {
			s.AppToken, err = d.secretValue(e.v, e.path, appToken)
			return err
		}},
		{key: "signing_secret", decode: func(d *decoder, e entry, s *Slack) (err error) {
			s.SigningSecret, err = d.secretValue(e.v, e.path, signingSecret)
			return err
		}},
		{key: "api_url", decode: func(d *decoder, e entry, s *Slack) (err error) {
			s.APIURL, err = d.apiURL(e.v, e.path, "https://slack.com/api/ (GovSlack: https://slack-gov.com/api/)")
			return err
		}},
	}
}

func (d *decoder) slack(e entry) (*Slack, error) {
	s := &Slack{Mode: defaultSlackMode, APIURL: defaultSlackAPIURL, Line: e.k.Line}
	if _, err := section(d, e.v, e.path, `a mapping like {bot_token: "${SLACK_BOT_TOKEN}", app_token: "${SLACK_APP_TOKEN}"}`, slackFields(), s); err != nil {
		return nil, err
	}

	missing := func(sec secret, when, or string) error {
		return d.errorf(e.k, join(e.path, sec.key), "required%s; write %s: ${%s} and set that variable to %s%s", when, sec.key, sec.envVar, sec.describe(), or)
	}
	if s.BotToken == "" {
		return nil, missing(botToken, "", "")
	}
	if s.Mode == "socket" && s.AppToken == "" {
		return nil, missing(appToken, " in socket mode", ", or use mode: http")
	}
	if s.Mode == "http" && s.SigningSecret == "" {
		return nil, missing(signingSecret, " in http mode", "")
	}
	return s, nil
}

// slackChannelID matches a Slack conversation id: a public (C…) or private
// (G…) channel, or a direct message (D…).
var slackChannelID = regexp.MustCompile(`^[CGD][A-Z0-9]{8,}$`)

const channelHelp = "channel details → bottom of the About tab"

func slackKind() kind {
	return kind{
		name:     "slack",
		defaults: func(n *Network) { n.Limit = defaultSlackLimit },
		fields: []kindField{
			{key: "channel", required: fmt.Sprintf("required for kind slack; write a channel ID like C0123ABCD (%s)", channelHelp),
				decode: func(d *decoder, e entry, n *Network) (err error) {
					if n.Channel, err = d.text(e.v, e.path, "a channel ID like C0123ABCD ("+channelHelp+")"); err != nil {
						return err
					}
					if !slackChannelID.MatchString(n.Channel) {
						if strings.HasPrefix(n.Channel, "#") || strings.ToUpper(n.Channel) != n.Channel {
							return d.errorf(e.v, e.path, "%s looks like a channel name; use the channel ID (%s), not its name, like C0123ABCD", written(e.v), channelHelp)
						}
						return d.errorf(e.v, e.path, "%s is not a channel ID; write one like C0123ABCD (%s)", written(e.v), channelHelp)
					}
					return nil
				}},
			{key: "limit", decode: limit(maxSlackLimit)},
		},
	}
}
