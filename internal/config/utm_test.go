package config

import (
	"strings"
	"testing"
)

func TestParseUTM(t *testing.T) {
	t.Parallel()
	const network = "networks: [{name: sandbox, kind: file, outbox: o}]\n"
	fifty := strings.Repeat("a", 50)
	tests := []struct {
		name  string
		input string
		want  UTM
	}{
		{"no section tags links with each network's name and social", network, UTM{Medium: "social"}},
		{"an empty section keeps the defaults", network + "utm:\n", UTM{Medium: "social"}},
		{"an empty mapping keeps the defaults", network + "utm: {}\n", UTM{Medium: "social"}},
		{"empty keys keep the defaults", network + "utm: {off: , source: , medium: }\n", UTM{Medium: "social"}},
		{"utm off", network + "utm: off\n", UTM{Off: true, Medium: "social"}},
		{"utm Off in capitals", network + "utm: Off\n", UTM{Off: true, Medium: "social"}},
		{"utm false", network + "utm: false\n", UTM{Off: true, Medium: "social"}},
		{"off: true in a mapping", network + "utm:\n  off: true\n", UTM{Off: true, Medium: "social"}},
		{"off: true keeps the other keys, to turn back on later", network + "utm: {off: true, source: crier, medium: email}\n",
			UTM{Off: true, Source: "crier", Medium: "email"}},
		{"off: false, source and medium", network + "utm: {off: false, source: crier, medium: organic-social}\n",
			UTM{Source: "crier", Medium: "organic-social"}},
		{"letters, digits, -, _ and . in any case", network + "utm: {source: My_Bot-2.0, medium: Social.Paid}\n",
			UTM{Source: "My_Bot-2.0", Medium: "Social.Paid"}},
		{"a number is a source", network + "utm: {source: 2025}\n", UTM{Source: "2025", Medium: "social"}},
		{"50 characters are allowed", network + "utm: {medium: " + fifty + "}\n", UTM{Medium: fifty}},
		{"values from variables", network + "utm: {source: '${UTM_SOURCE}', medium: '${UTM_MEDIUM}'}\n",
			UTM{Source: "newsletter", Medium: "email"}},
	}
	vars := map[string]string{"UTM_SOURCE": "newsletter", "UTM_MEDIUM": "email"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := parse(tt.input, vars)
			if err != nil {
				t.Fatal(err)
			}
			if c.UTM != tt.want {
				t.Errorf("UTM = %+v, want %+v", c.UTM, tt.want)
			}
		})
	}
}

func TestParseUTMRejects(t *testing.T) {
	t.Parallel()
	const network = "networks: [{name: sandbox, kind: file, outbox: o}]\n"
	const (
		want      = "a mapping like {medium: social}, or off"
		chars     = "letters, digits, -, _ or ."
		leaveSrc  = "or leave source out for each network's name"
		leaveMed  = "or leave medium out for social"
		sourceFix = "write 1 to 50 " + chars + ", like newsletter, " + leaveSrc
		mediumFix = "write 1 to 50 " + chars + ", like social, " + leaveMed
	)
	tests := []struct {
		name  string
		input string
		want  string
	}{
		// The section.
		{"a list is refused", network + "utm: [social]\n",
			"bot.yaml:2: utm: expected " + want + ", got a list"},
		{"a word other than off is refused", network + "utm: social\n",
			`bot.yaml:2: utm: expected ` + want + `, got "social"`},
		{"utm on is refused, saying it is on already", network + "utm: on\n",
			`bot.yaml:2: utm: "on": links in campaign posts are tagged unless utm is off; remove utm: to tag them, or write utm: off to leave them as they are`},
		{"utm true is refused, saying it is on already", network + "utm: true\n",
			`bot.yaml:2: utm: "true": links in campaign posts are tagged unless utm is off; remove utm: to tag them, or write utm: off to leave them as they are`},
		{"an unknown key gets the closest suggested", network + "utm:\n  sorce: crier\n",
			"bot.yaml:3: utm.sorce: unknown key (known: off, source, medium); did you mean source?"},
		{"an unknown key with nothing close lists the keys", network + "utm: {campaign: launch}\n",
			"bot.yaml:2: utm.campaign: unknown key (known: off, source, medium)"},
		{"a repeated key is refused", network + "utm:\n  medium: social\n  medium: email\n",
			"bot.yaml:4: utm.medium: duplicate key (first on line 3)"},

		// off.
		{"off: yes is refused", network + "utm: {off: yes}\n",
			`bot.yaml:2: utm.off: "yes" is not true or false; write true or false`},
		{"off: a word is refused", network + "utm: {off: off}\n",
			`bot.yaml:2: utm.off: "off" is not true or false; write true or false`},

		// source and medium.
		{"a source with a space is refused", network + "utm: {source: my bot}\n",
			`bot.yaml:2: utm.source: "my bot" has a space or a character a link would have to encode; ` + sourceFix},
		{"a source with & is refused", network + "utm: {source: 'a&b=c'}\n",
			`bot.yaml:2: utm.source: "a&b=c" has a space or a character a link would have to encode; ` + sourceFix},
		{"a source with an accent is refused", network + "utm: {source: ação}\n",
			`bot.yaml:2: utm.source: "ação" has a space or a character a link would have to encode; ` + sourceFix},
		{"a medium with a slash is refused", network + "utm: {medium: social/paid}\n",
			`bot.yaml:2: utm.medium: "social/paid" has a space or a character a link would have to encode; ` + mediumFix},
		{"a medium with a trailing space from a variable is refused", network + "utm: {medium: '${UTM_MEDIUM_SPACE}'}\n",
			`bot.yaml:2: utm.medium: the value of "${UTM_MEDIUM_SPACE}" has a space or a character a link would have to encode; set the variable to 1 to 50 ` + chars + ", like social, " + leaveMed},
		{"a source of 51 characters is refused", network + "utm: {source: " + strings.Repeat("a", 51) + "}\n",
			`bot.yaml:2: utm.source: "` + strings.Repeat("a", 51) + `" is 51 characters; ` + sourceFix},
		{"a source of 51 characters from a variable is refused", network + "utm: {source: '${UTM_LONG}'}\n",
			`bot.yaml:2: utm.source: the value of "${UTM_LONG}" is 51 characters; set the variable to 1 to 50 ` + chars + ", like newsletter, " + leaveSrc},
		{"an empty source is refused", network + "utm: {source: ''}\n",
			"bot.yaml:2: utm.source: empty; " + sourceFix},
		{"an empty medium is refused", network + "utm: {medium: \"\"}\n",
			"bot.yaml:2: utm.medium: empty; " + mediumFix},
		{"a source from an empty variable is refused", network + "utm: {source: '${EMPTY}'}\n",
			`bot.yaml:2: utm.source: "${EMPTY}" is empty; set the variable or ` + sourceFix},
		{"a mapping as the medium is refused", network + "utm: {medium: {name: social}}\n",
			"bot.yaml:2: utm.medium: expected a string, got a mapping"},
		{"a list as the source is refused", network + "utm: {source: [mastodon, bluesky]}\n",
			"bot.yaml:2: utm.source: expected a string, got a list"},
	}
	vars := map[string]string{"UTM_MEDIUM_SPACE": "social ", "UTM_LONG": strings.Repeat("b", 51), "EMPTY": ""}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := parse(tt.input, vars)
			if err == nil {
				t.Fatalf("parsed to %+v, want error %q", c.UTM, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", err, tt.want)
			}
		})
	}
}
