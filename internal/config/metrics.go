package config

import (
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// The metrics section: how the numbers the digests show are gathered.

const (
	metricsExample = "{collect: 1h, currency: EUR}"
	minCollect     = 10 * time.Minute
	maxCollect     = 24 * time.Hour
)

func metricsFields() []field[*Metrics] {
	return []field[*Metrics]{
		{key: "collect", decode: func(d *decoder, e entry, m *Metrics) (err error) {
			m.Collect, err = d.collect(e.v, e.path)
			return err
		}},
		{key: "currency", decode: func(d *decoder, e entry, m *Metrics) (err error) {
			m.Currency, err = d.currency(e.v, e.path)
			return err
		}},
	}
}

func (d *decoder) metrics(e entry, c *Config) error {
	_, err := section(d, e.v, e.path, "a mapping like "+metricsExample, metricsFields(), &c.Metrics)
	return err
}

// collect reads how often the accounts' numbers are read: a duration from
// minCollect to maxCollect, or off (-1).
func (d *decoder) collect(n *yaml.Node, path string) (time.Duration, error) {
	const or = ", or off"
	v, err := d.scalar(n, path, "a duration like 1h"+or)
	if err != nil {
		return 0, err
	}
	v = strings.TrimSpace(v)
	if strings.EqualFold(v, "off") || strings.EqualFold(v, "false") {
		return -1, nil
	}
	dur, err := time.ParseDuration(v)
	if err != nil {
		return 0, d.errorf(n, path, "%s is not a duration; write one like 1h or 30m, from %s to %s%s", written(n), shortDuration(minCollect), shortDuration(maxCollect), or)
	}
	if dur < minCollect || dur > maxCollect {
		return 0, d.errorf(n, path, "%s is out of range; write a duration from %s to %s%s", written(n), shortDuration(minCollect), shortDuration(maxCollect), or)
	}
	return dur, nil
}

// currency reads an ISO 4217 currency code: three letters, returned in
// upper case.
func (d *decoder) currency(n *yaml.Node, path string) (string, error) {
	const example = "its three letters, like EUR or USD"
	v, err := d.text(n, path, example)
	if err != nil {
		return "", err
	}
	v = strings.TrimSpace(v)
	if len(v) != 3 || strings.ContainsFunc(v, func(r rune) bool { return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') }) {
		return "", d.errorf(n, path, "%s is not a currency code; write %s", written(n), example)
	}
	return strings.ToUpper(v), nil
}
