package config

import (
	"reflect"
	"strings"
	"testing"

	"github.com/crier-bot/crier/internal/crier"
)

func TestParseVoice(t *testing.T) {
	t.Parallel()
	const network = "networks: [{name: sandbox, kind: file, outbox: o}]\n"
	tests := []struct {
		name  string
		input string
		want  crier.Voice
	}{
		{"no voice section is no voice", network, crier.Voice{}},
		{"every key", network + "voice:\n  tone: \"  friendly, plain, no hype \"\n  use: [community, open source]\n  avoid: [synergy, disrupt]\n  hashtags: [\"#crier\", \"#OpenSource\"]\n  language: pt\n",
			crier.Voice{Tone: "friendly, plain, no hype", Use: []string{"community", "open source"}, Avoid: []string{"synergy", "disrupt"},
				Hashtags: []string{"#crier", "#OpenSource"}, Language: "pt"}},
		{"hashtags in block style, quoted", network + "voice:\n  hashtags:\n    - \"#crier\"\n    - '#comunicação'\n    - \"#dev_rel2\"\n",
			crier.Voice{Hashtags: []string{"#crier", "#comunicação", "#dev_rel2"}}},
		{"Romanian", network + "voice: {language: ro}\n", crier.Voice{Language: "ro"}},
		{"a language with a region", network + "voice: {language: pt-BR}\n", crier.Voice{Language: "pt-BR"}},
		{"any two-letter code", network + "voice: {language: es}\n", crier.Voice{Language: "es"}},
		{"a tone written over lines", network + "voice:\n  tone: >\n    warm and direct,\n    never salesy\n", crier.Voice{Tone: "warm and direct, never salesy"}},
		{"an empty voice is no voice", network + "voice:\n", crier.Voice{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := parse(tt.input, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c.Voice, tt.want) {
				t.Errorf("Voice\n got: %+v\nwant: %+v", c.Voice, tt.want)
			}
		})
	}
}

func TestParseVoiceRejects(t *testing.T) {
	t.Parallel()
	const network = "networks: [{name: sandbox, kind: file, outbox: o}]\n"
	const quote = `quote each hashtag, since YAML reads # as the start of a comment: hashtags: ["#crier", "#opensource"]`
	tests := []struct {
		name  string
		input string
		want  string
	}{
		{"an unknown key in voice gets the closest suggested", network + "voice:\n  hashtag: [\"#crier\"]\n",
			"bot.yaml:3: voice.hashtag: unknown key (known: tone, use, avoid, hashtags, language); did you mean hashtags?"},
		{"a list where voice goes is refused", network + "voice: [friendly]\n",
			`bot.yaml:2: voice: expected a mapping like {tone: "friendly, plain, no hype", use: [community], avoid: [synergy], hashtags: ["#crier"], language: en}, got a list`},

		// hashtags.
		{"a hashtag without # gets it suggested", network + "voice: {hashtags: [crier]}\n",
			`bot.yaml:2: voice.hashtags[0]: "crier" does not start with #; write "#crier"`},
		{"a hashtag with a space is refused", network + "voice: {hashtags: [\"#crier bot\"]}\n",
			`bot.yaml:2: voice.hashtags[0]: "#crier bot" has a space; a hashtag is one word, like "#crierbot"`},
		{"words without # and with a space are refused", network + "voice: {hashtags: [open source]}\n",
			`bot.yaml:2: voice.hashtags[0]: "open source" does not start with # and has a space; a hashtag is # and one word, like "#opensource"`},
		{"a lone # is refused", network + "voice: {hashtags: [\"#\"]}\n",
			`bot.yaml:2: voice.hashtags[0]: "#" has no word after #; write one like "#crier"`},
		{"a hashtag with punctuation is refused", network + "voice: {hashtags: [\"#crier-bot\"]}\n",
			`bot.yaml:2: voice.hashtags[0]: "#crier-bot" has a character a hashtag cannot hold; use letters, digits and _ after one #, like "#crier_bot"`},
		{"two hashtags run together are refused", network + "voice: {hashtags: [\"#crier#bot\"]}\n",
			`bot.yaml:2: voice.hashtags[0]: "#crier#bot" has a character a hashtag cannot hold; use letters, digits and _ after one #, like "#crier_bot"`},
		{"a repeated hashtag is refused, in any case", network + "voice: {hashtags: [\"#crier\", \"#Crier\"]}\n",
			`bot.yaml:2: voice.hashtags[1]: "#Crier" is listed twice`},
		{"unquoted hashtags are a comment, and the message says to quote them", network + "voice:\n  hashtags: #crier #opensource\n",
			"bot.yaml:3: voice.hashtags: empty; " + quote + ", or leave hashtags out"},
		{"an unquoted hashtag in a block list is a comment too", network + "voice:\n  hashtags:\n    - \"#crier\"\n    - #opensource\n",
			"bot.yaml:5: voice.hashtags[1]: empty; " + quote},
		{"an empty list of hashtags is refused", network + "voice: {hashtags: []}\n",
			`bot.yaml:2: voice.hashtags: empty list; write the team's hashtags, like ["#crier"], or leave hashtags out`},
		{"one hashtag not in a list is refused", network + "voice: {hashtags: \"#crier\"}\n",
			`bot.yaml:2: voice.hashtags: expected a list like ["#crier", "#opensource"], got a string`},

		// use and avoid.
		{"a word both to use and to avoid is refused", network + "voice:\n  use: [community, Launch]\n  avoid:\n    - synergy\n    - launch\n",
			`bot.yaml:6: voice.avoid[1]: "Launch" is also in use; keep it in one of the two lists`},
		{"a repeated word is refused", network + "voice: {use: [community, Community]}\n",
			`bot.yaml:2: voice.use[1]: "Community" is listed twice`},
		{"an empty list of words to avoid is refused", network + "voice: {avoid: []}\n",
			`bot.yaml:2: voice.avoid: empty list; write words never to use, like [synergy, disrupt], or leave avoid out`},
		{"a blank word is refused", network + "voice: {use: [\"  \"]}\n",
			`bot.yaml:2: voice.use[0]: blank; write a word or a short phrase`},
		{"a sentence of words to use in one string is refused", network + "voice:\n  use: community, open source\n",
			`bot.yaml:3: voice.use: expected a list of words to use, like [community, open source], got a string`},

		// tone and language.
		{"a tone too long is refused", network + "voice: {tone: " + strings.Repeat("a", 501) + "}\n",
			`bot.yaml:2: voice.tone: 501 characters; keep the tone to 500 or fewer, like "friendly, plain, no hype"`},
		{"an empty tone is refused", network + "voice: {tone: ''}\n",
			`bot.yaml:2: voice.tone: empty; write a few words like "friendly, plain, no hype"`},
		{"a language by name gets its code", network + "voice: {language: Portuguese}\n",
			`bot.yaml:2: voice.language: "Portuguese" is a language's name; write its code, pt`},
		{"a language in capitals gets it in lower case", network + "voice: {language: RO}\n",
			`bot.yaml:2: voice.language: "RO" is not written as a language code is; write ro`},
		{"a region in lower case gets it in capitals", network + "voice: {language: pt-br}\n",
			`bot.yaml:2: voice.language: "pt-br" is not written as a language code is; write pt-BR`},
		{"a three-letter code is refused", network + "voice: {language: por}\n",
			`bot.yaml:2: voice.language: "por" is not a language code; write its two-letter code, like en, pt or ro (or pt-BR with a region)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := parse(tt.input, nil)
			if err == nil {
				t.Fatalf("parsed to %+v, want error %q", c.Voice, tt.want)
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
