package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// This file holds what every section is read with: the decoder, its error
// type and the walk over YAML nodes. section.go reads a section through its
// table of keys; values.go reads the values inside one.

// parseError is an error about a place in a configuration file. It reads
// "name:line: key: message", leaving out the line and the key when unknown.
type parseError struct {
	name string
	line int
	key  string
	msg  string
	err  error // the cause, when there is one
}

func (e *parseError) Error() string {
	var b strings.Builder
	b.WriteString(e.name)
	if e.line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.line))
	}
	b.WriteString(": ")
	if e.key != "" {
		b.WriteString(e.key)
		b.WriteString(": ")
	}
	b.WriteString(e.msg)
	return b.String()
}

func (e *parseError) Unwrap() error { return e.err }

// decoder turns a YAML node tree into a Config.
type decoder struct {
	name   string
	dir    string
	getenv func(string) (string, bool)

	// Values read in one section that another's checks point at (see across).
	slackMode           *yaml.Node     // chat.slack.mode's value when the file sets it
	discordInteractions *yaml.Node     // chat.discord.interactions's value when the file sets it
	inboxChannel        *yaml.Node     // inbox.channel's value when the file sets it
	inboxChannels       []entry        // inbox.channels's entries, whose keys are network names
	apiToken            *yaml.Node     // http.api_token's value when the file sets it
	publicURL           *yaml.Node     // http.public_url's value when the file sets it
	digestEntries       []digestNodes  // each digest's nodes, in the order of Config.Digests
	writerBaseURL       *yaml.Node     // writer.base_url's value when the file sets it
	voiceAvoid          []*yaml.Node   // the items of voice.avoid, in the order of Config.Voice.Avoid
	approvalsKey        *yaml.Node     // the approvals key, when the file has it
	approvalsChannel    *yaml.Node     // approvals.channel's value when the file sets it
	channelEntries      []channelNodes // each entry of channels, in file order
}

// errorf returns an error about node n (which may be nil) at key path.
func (d *decoder) errorf(n *yaml.Node, path, format string, args ...any) error {
	e := &parseError{name: d.name, key: path, msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.line = n.Line
	}
	return e
}

// document parses data as one YAML document and returns its root node.
func (d *decoder) document(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, d.empty()
		}
		return nil, d.yamlError(err)
	}
	for {
		var next yaml.Node
		err := dec.Decode(&next)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, d.yamlError(err)
		}
		if !isNull(docRoot(&next)) {
			return nil, d.errorf(&next, "", `a second YAML document starts here; a config is one document, so remove this "---" and what follows`)
		}
	}
	root := docRoot(&doc)
	if isNull(root) {
		return nil, d.empty()
	}
	return root, nil
}

func (d *decoder) empty() error {
	return d.errorf(nil, "", "the file is empty; it needs at least a networks: list, like networks: [{name: sandbox, kind: file, outbox: data/sandbox/outbox.jsonl}]")
}

// yamlError turns an error of the YAML library ("yaml: line 3: …") into one
// in the form of the others ("bot.yaml:3: invalid YAML: …").
func (d *decoder) yamlError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if n, convErr := strconv.Atoi(num); convErr == nil && n > 0 {
				line, msg = n, text
			}
		}
	}
	msg = strings.Join(strings.Fields(msg), " ")
	return &parseError{name: d.name, line: line, msg: "invalid YAML: " + msg, err: err}
}

// docRoot returns the content of a document node (nil when it has none).
func docRoot(doc *yaml.Node) *yaml.Node {
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			return nil
		}
		return deref(doc.Content[0])
	}
	return deref(doc)
}

// deref follows an alias to its anchored node, keeping the alias's position
// so that errors point at where the value is used.
func deref(n *yaml.Node) *yaml.Node {
	if n == nil || n.Kind != yaml.AliasNode || n.Alias == nil {
		return n
	}
	c := *n.Alias
	c.Line, c.Column = n.Line, n.Column
	return &c
}

// isNull reports whether n is missing or an explicit null ("~", "null" or
// nothing at all after the colon).
func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// kindName describes what n is, for "expected …, got …" messages. It never
// includes the value.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!int", "!!float":
			return "a number"
		case "!!bool":
			return "true/false"
		case "!!null":
			return "nothing"
		}
		return "a string"
	}
	return "something else"
}

// join appends a key to a key path: "chat" + "shell" is "chat.shell". Keys that
// are not plain words are quoted, so a path is always one readable line.
func join(path, key string) string {
	if !plainKey(key) {
		key = strconv.Quote(key)
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

func plainKey(key string) bool {
	for _, c := range []byte(key) {
		if !(c == '_' || c == '-' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return key != ""
}

// index appends a list index to a key path: "networks" + 1 is "networks[1]".
func index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// written quotes a value as written in the file, before ${VAR} expansion, so
// that no secret from the environment ends up in a message.
func written(n *yaml.Node) string {
	return strconv.Quote(n.Value)
}

// entry is one key of a mapping and its value.
type entry struct {
	key  string     // the key as written
	path string     // the key's path, for messages: "chat.shell.user"
	k    *yaml.Node // the key
	v    *yaml.Node // the value, aliases followed
}

// mapping checks that n is a mapping (null counts as an empty one) whose keys
// are all known and none repeated, and returns its entries in file order.
// want describes the expected value in messages ("a mapping like …"); noun
// is what a key is ("key", "role").
func (d *decoder) mapping(n *yaml.Node, path, want, noun string, known []string) ([]entry, error) {
	return d.entries(n, path, want, noun, known, true)
}

// entries is mapping, with the check that each key is known only when
// check is set: a mapping whose keys are names checked elsewhere (network
// names in inbox.channels, once the networks are read) is read with none.
func (d *decoder) entries(n *yaml.Node, path, want, noun string, known []string, check bool) ([]entry, error) {
	if isNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, d.errorf(n, path, "expected %s, got %s", want, kindName(n))
	}
	seen := make(map[string]int, len(n.Content)/2)
	entries := make([]entry, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			return nil, d.errorf(k, path, "expected a %s name, got %s", noun, kindName(k))
		}
		p := join(path, k.Value)
		if k.ShortTag() == "!!merge" {
			return nil, d.errorf(k, p, "merge keys are not supported; write the settings out")
		}
		if first, ok := seen[k.Value]; ok {
			return nil, d.errorf(k, p, "duplicate key (first on line %d)", first)
		}
		seen[k.Value] = k.Line
		if check && !slices.Contains(known, k.Value) {
			return nil, d.errorf(k, p, "unknown %s (known: %s)%s", noun, strings.Join(known, ", "), didYouMean(k.Value, known))
		}
		entries = append(entries, entry{key: k.Value, path: p, k: k, v: v})
	}
	return entries, nil
}

// list checks that n is a list and returns its items. A null n is an empty
// list; callers that need to tell the two apart check isNull first.
func (d *decoder) list(n *yaml.Node, path, want string) ([]*yaml.Node, error) {
	if isNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, d.errorf(n, path, "expected %s, got %s", want, kindName(n))
	}
	items := make([]*yaml.Node, len(n.Content))
	for i, item := range n.Content {
		items[i] = deref(item)
	}
	return items, nil
}
