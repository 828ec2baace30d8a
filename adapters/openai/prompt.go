package openai

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/crier-bot/crier/internal/crier"
)

// variantsSchema is the strict JSON schema of a Variants answer: one object
// per network, its name one of names.
func variantsSchema(names []string) json.RawMessage {
	schema := map[string]any{
		"type": "object",
		"properties": map[string]any{
			"variants": map[string]any{
				"type": "array",
				"items": map[string]any{
					"type": "object",
					"properties": map[string]any{
						"network": map[string]any{"type": "string", "enum": names},
						"text":    map[string]any{"type": "string"},
					},
					"required":             []string{"network", "text"},
					"additionalProperties": false,
				},
			},
		},
		"required":             []string{"variants"},
		"additionalProperties": false,
	}
	b, err := json.Marshal(schema)
	if err != nil {
		panic(err) // maps of strings always marshal
	}
	return b
}

// languages names the languages the team's posts are written in.
var languages = map[string]string{
	"en": "English", "pt": "Portuguese", "ro": "Romanian", "es": "Spanish", "fr": "French", "de": "German", "it": "Italian",
}

func languageName(code string) string {
	code = strings.TrimSpace(code)
	base, region, _ := strings.Cut(strings.ReplaceAll(code, "_", "-"), "-")
	name, ok := languages[strings.ToLower(base)]
	if !ok {
		return code
	}
	switch strings.ToUpper(region) {
	case "BR":
		return "Brazilian Portuguese"
	case "PT":
		return "European Portuguese"
	}
	return name
}

// voiceLines describes the brand voice.
func voiceLines(v crier.Voice) string {
	var b strings.Builder
	b.WriteString("The team's voice:\n")
	if t := strings.TrimSpace(v.Tone); t != "" {
		fmt.Fprintf(&b, "- Tone: %s.\n", strings.TrimSuffix(t, "."))
	}
	if len(v.Use) > 0 {
		fmt.Fprintf(&b, "- Words to use where they fit: %s.\n", strings.Join(v.Use, ", "))
	}
	if len(v.Avoid) > 0 {
		fmt.Fprintf(&b, "- Words never to use: %s.\n", strings.Join(v.Avoid, ", "))
	}
	return b.String()
}

// unitLine says how a network counts its limit.
func unitLine(n crier.NetworkRule) string {
	if n.Limit <= 0 {
		return "no fixed limit; keep it short"
	}
	switch n.Unit {
	case "graphemes":
		return fmt.Sprintf("at most %d graphemes (each character a reader sees counts as one, an emoji or an accented letter included)", n.Limit)
	case "", "characters":
		return fmt.Sprintf("at most %d characters", n.Limit)
	}
	return fmt.Sprintf("at most %d %s", n.Limit, n.Unit)
}

// variantsSystemPrompt tells the model who it writes as and what to answer.
// schema is "" when response_format carries it, else the schema to follow
// (the json_object fallback).
func variantsSystemPrompt(req crier.WriteRequest, schema string) string {
	var b strings.Builder
	b.WriteString("You are the community manager of a team and write its social media posts.\n\n")
	b.WriteString(voiceLines(req.Voice))
	if len(req.Voice.Hashtags) > 0 {
		fmt.Fprintf(&b, "- Hashtags the team adds where they fit within the limit: %s.\n", strings.Join(req.Voice.Hashtags, " "))
	}
	if lang := strings.TrimSpace(req.Voice.Language); lang != "" {
		fmt.Fprintf(&b, "- Write every post in %s, whatever the language of the brief.\n", languageName(lang))
	} else {
		b.WriteString("- Write in the language of the brief.\n")
	}
	b.WriteString("\nWrite one post for each of these networks, adapted to how people read there, each within its limit. ")
	b.WriteString("The limit counts the whole text: words, hashtags, links and emoji. Never cut a sentence to fit: write it shorter.\n")
	for _, n := range req.Networks {
		kind := n.Kind
		if kind == "" {
			kind = "social network"
		}
		fmt.Fprintf(&b, "- %s (%s): %s.\n", n.Network, kind, unitLine(n))
	}
	b.WriteString("\nAnswer with JSON only: {\"variants\":[{\"network\":\"<network name>\",\"text\":\"<post>\"}]}, ")
	b.WriteString("one entry per network above, in that order, with the network's name exactly as written above.")
	if schema != "" {
		b.WriteString(" The JSON must follow this JSON schema:\n")
		b.WriteString(schema)
		b.WriteString("\nDo not wrap it in a code block.")
	}
	return b.String()
}

func variantsUserPrompt(req crier.WriteRequest) string {
	s := "Brief:\n" + strings.TrimSpace(req.Brief)
	if f := strings.TrimSpace(req.Feedback); f != "" {
		s += "\n\nYour previous answer could not be used: " + f + "\nWrite all the posts again, each within its limit."
	}
	return s
}

// replySystemPrompt asks for a plain-text answer to a comment.
func replySystemPrompt(req crier.ReplyRequest) string {
	var b strings.Builder
	kind := req.Network.Kind
	if kind == "" {
		kind = req.Network.Network
	}
	fmt.Fprintf(&b, "You are the community manager of a team and draft a reply to a comment on %s. ", kind)
	b.WriteString("A person on the team will read, edit and send it; nothing is sent without them.\n\n")
	b.WriteString(voiceLines(req.Voice))
	if lang := strings.TrimSpace(req.Voice.Language); lang != "" {
		fmt.Fprintf(&b, "- Write in %s, unless the comment is in another language: then answer in the comment's language.\n", languageName(lang))
	} else {
		b.WriteString("- Answer in the language of the comment.\n")
	}
	b.WriteString("\nBe helpful and kind, answer what was asked, promise nothing the post does not say, and do not add hashtags. ")
	fmt.Fprintf(&b, "The reply must fit: %s. ", unitLine(req.Network))
	b.WriteString("Answer with the reply's text only: no quotes, no greeting line of your own, no explanation.")
	return b.String()
}

func replyUserPrompt(req crier.ReplyRequest) string {
	var b strings.Builder
	if p := strings.TrimSpace(req.Post); p != "" {
		fmt.Fprintf(&b, "Our post:\n%s\n\n", p)
	}
	author := strings.TrimSpace(req.Author)
	if author == "" {
		author = "a customer"
	}
	fmt.Fprintf(&b, "Comment from %s:\n%s", author, strings.TrimSpace(req.Comment))
	return b.String()
}

// extractJSON returns the JSON object in a model's answer: the answer
// itself, or the inside of a ```json fence, or the text from the first { to
// the last }.
func extractJSON(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, "```"); i >= 0 {
		rest := s[i+3:]
		if nl := strings.IndexByte(rest, '\n'); nl >= 0 && !strings.Contains(rest[:nl], "{") {
			rest = rest[nl+1:] // the fence's language tag
		}
		if j := strings.Index(rest, "```"); j >= 0 {
			rest = rest[:j]
		}
		s = strings.TrimSpace(rest)
	}
	if !strings.HasPrefix(s, "{") {
		if i, j := strings.IndexByte(s, '{'), strings.LastIndexByte(s, '}'); i >= 0 && j > i {
			s = s[i : j+1]
		}
	}
	return s
}

// parseVariants reads a Variants answer: every name in names exactly once,
// with text, and nothing else. The result follows names' order.
func parseVariants(content string, names []string) ([]crier.Variant, error) {
	var answer struct {
		Variants []struct {
			Network string `json:"network"`
			Text    string `json:"text"`
		} `json:"variants"`
	}
	if err := json.Unmarshal([]byte(extractJSON(content)), &answer); err != nil {
		return nil, &answerError{
			person: crier.Errorf(crier.EUNAVAIL, "The AI writer's answer was not the JSON crier asked for; try again."),
			cause:  fmt.Errorf("decode variants: %w", err),
		}
	}
	byName := make(map[string]string, len(names))
	asked := make(map[string]bool, len(names))
	for _, n := range names {
		asked[n] = true
	}
	for _, v := range answer.Variants {
		name := strings.TrimSpace(v.Network)
		switch {
		case !asked[name]:
			return nil, schemaError(fmt.Sprintf("named a network crier did not ask for (%q)", clip(oneLine(name), 40)))
		case byName[name] != "":
			return nil, schemaError("gave " + name + " twice")
		}
		text := strings.TrimSpace(v.Text)
		if text == "" {
			return nil, schemaError("has an empty text for " + name)
		}
		byName[name] = text
	}
	var missing []string
	out := make([]crier.Variant, 0, len(names))
	for _, n := range names {
		if byName[n] == "" {
			missing = append(missing, n)
			continue
		}
		out = append(out, crier.Variant{Network: n, Text: byName[n]})
	}
	if len(missing) > 0 {
		return nil, schemaError("left out " + joinAnd(missing))
	}
	return out, nil
}

func schemaError(what string) error {
	return &answerError{
		person: crier.Errorf(crier.EUNAVAIL, "The AI writer's answer %s; try again.", what),
		cause:  errors.New("variants " + what),
	}
}

func joinAnd(s []string) string {
	if len(s) == 1 {
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// cleanReply trims a suggested reply and the quotes a model may put around
// it.
func cleanReply(s string) string {
	s = strings.TrimSpace(s)
	for _, q := range [][2]string{{`"`, `"`}, {"“", "”"}, {"«", "»"}, {"„", "“"}} {
		if len(s) > len(q[0])+len(q[1]) && strings.HasPrefix(s, q[0]) && strings.HasSuffix(s, q[1]) &&
			!strings.Contains(s[len(q[0]):len(s)-len(q[1])], q[0]) {
			s = strings.TrimSpace(s[len(q[0]) : len(s)-len(q[1])])
			break
		}
	}
	return s
}
