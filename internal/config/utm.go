package config

import (
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The utm section: how links in a campaign's posts are tagged for web
// analytics (utm_source, utm_medium; utm_campaign is the campaign's name).
// Without the section links are tagged with each network's name and social;
// utm: off leaves them as they are.

const utmExample = "{medium: social}"

// utmValue matches what utm_source and utm_medium may say: what analytics
// tools take in a link without encoding.
var utmValue = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// maxUTMValue is the longest utm_source or utm_medium, in characters.
const maxUTMValue = 50

func utmFields() []field[*UTM] {
	return []field[*UTM]{
		{key: "off", decode: func(d *decoder, e entry, u *UTM) (err error) {
			u.Off, err = d.boolean(e.v, e.path)
			return err
		}},
		{key: "source", decode: func(d *decoder, e entry, u *UTM) (err error) {
			u.Source, err = d.utmValue(e.v, e.path, "newsletter", "or leave source out for each network's name")
			return err
		}},
		{key: "medium", decode: func(d *decoder, e entry, u *UTM) (err error) {
			u.Medium, err = d.utmValue(e.v, e.path, "social", "or leave medium out for social")
			return err
		}},
	}
}

// utm reads the utm section: a mapping, or off (or false) to leave campaign
// links as they are.
func (d *decoder) utm(e entry, c *Config) error {
	const want = "a mapping like " + utmExample + ", or off"
	if e.v.Kind == yaml.ScalarNode {
		switch strings.ToLower(e.v.Value) {
		case "off", "false":
			c.UTM.Off = true
			return nil
		case "on", "true":
			return d.errorf(e.v, e.path, "%s: links in campaign posts are tagged unless utm is off; remove utm: to tag them, or write utm: off to leave them as they are", written(e.v))
		}
		return d.errorf(e.v, e.path, "expected %s, got %s", want, written(e.v))
	}
	_, err := section(d, e.v, e.path, want, utmFields(), &c.UTM)
	return err
}

// utmValue reads utm.source or utm.medium: 1 to maxUTMValue letters, digits,
// -, _ and ., as written (analytics tools tell cases apart). like is a value
// to write; or how to get the default.
func (d *decoder) utmValue(n *yaml.Node, path, like, or string) (string, error) {
	what := "1 to " + strconv.Itoa(maxUTMValue) + " letters, digits, -, _ or ., like " + like + ", " + or
	v, err := d.text(n, path, what)
	if err != nil {
		return "", err
	}
	subject, fix := written(n), "write "+what
	if v != n.Value {
		// From ${VAR}: the message names the variable, never its value.
		subject, fix = "the value of "+written(n), "set the variable to "+what
	}
	if !utmValue.MatchString(v) {
		return "", d.errorf(n, path, "%s has a space or a character a link would have to encode; %s", subject, fix)
	}
	if len(v) > maxUTMValue {
		return "", d.errorf(n, path, "%s is %d characters; %s", subject, len(v), fix)
	}
	return v, nil
}
