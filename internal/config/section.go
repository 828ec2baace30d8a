package config

import (
	"go.yaml.in/yaml/v3"
)

// A field is one key of a section and how its value is read into what the
// section fills in, of type T. A section's table of fields is the only list
// of its keys: "unknown key (known: …)" shows the table's keys in table
// order, so a key cannot be read without being listed, nor listed (and
// silently accepted) without being read.
type field[T any] struct {
	key    string
	decode func(d *decoder, e entry, into T) error
	first  bool // read before the other keys, because what they need depends on it (chat.slack.mode)
	null   bool // also read when its value is null; otherwise a null value leaves the key out, keeping the default
}

// keysOf lists the keys of fields in table order.
func keysOf[T any](fields []field[T]) []string {
	keys := make([]string, len(fields))
	for i, f := range fields {
		keys[i] = f.key
	}
	return keys
}

// section reads n, the mapping at path, into into: every key must be one of
// fields', none repeated, and each is read with its field's decode, in file
// order, those marked first before the others. want describes n in messages
// ("a mapping like {listen: \":8080\"}"); a null n is an empty mapping.
//
// It returns every entry in file order, those with a null value included, for
// checks that span keys (a required key, a message about where a key is).
func section[T any](d *decoder, n *yaml.Node, path, want string, fields []field[T], into T) ([]entry, error) {
	entries, err := d.mapping(n, path, want, "key", keysOf(fields))
	if err != nil {
		return nil, err
	}
	for _, first := range []bool{true, false} {
		for _, e := range entries {
			f, ok := fieldOf(fields, e.key)
			if !ok || f.first != first || (isNull(e.v) && !f.null) {
				continue
			}
			if err := f.decode(d, e, into); err != nil {
				return nil, err
			}
		}
	}
	return entries, nil
}

// fieldOf returns the field of fields called key.
func fieldOf[T any](fields []field[T], key string) (field[T], bool) {
	for _, f := range fields {
		if f.key == key {
			return f, true
		}
	}
	return field[T]{}, false
}

// entryOf returns the entry for key among entries, if the file has it.
func entryOf(entries []entry, key string) (entry, bool) {
	for _, e := range entries {
		if e.key == key {
			return e, true
		}
	}
	return entry{}, false
}
