package config

import (
	"fmt"
	"math"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// The values inside a section: each reader takes a node and its key path,
// expands ${VAR}, checks the value and says what to write instead.

// scalar returns the value of n with ${VAR} expanded. want describes the
// expected value in messages ("a string").
func (d *decoder) scalar(n *yaml.Node, path, want string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		return "", d.errorf(n, path, "expected %s, got %s", want, kindName(n))
	}
	v, err := expand(n.Value, d.getenv)
	if err != nil {
		return "", &parseError{name: d.name, line: n.Line, key: path, msg: err.Error(), err: err}
	}
	return v, nil
}

// text returns a string value that must not be empty; example says what to
// write instead ("a name like \"you\"").
func (d *decoder) text(n *yaml.Node, path, example string) (string, error) {
	v, err := d.scalar(n, path, "a string")
	if err != nil {
		return "", err
	}
	if v == "" {
		if n.Value != "" {
			return "", d.errorf(n, path, "%s is empty; set the variable or write %s", written(n), example)
		}
		return "", d.errorf(n, path, "empty; write %s", example)
	}
	return v, nil
}

// integer returns a whole number from lo to hi.
func (d *decoder) integer(n *yaml.Node, path string, lo, hi int) (int, error) {
	v, err := d.scalar(n, path, fmt.Sprintf("a number from %d to %d", lo, hi))
	if err != nil {
		return 0, err
	}
	i, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, d.errorf(n, path, "%s is not a whole number; write a number from %d to %d", written(n), lo, hi)
	}
	if i < lo || i > hi {
		return 0, d.errorf(n, path, "%s is out of range; write a number from %d to %d", written(n), lo, hi)
	}
	return i, nil
}

// number returns a number from lo to hi, fractions allowed; help is added to
// messages ("like 2 for twice the usual rate").
func (d *decoder) number(n *yaml.Node, path string, lo, hi float64, help string) (float64, error) {
	want := fmt.Sprintf("a number from %g to %g, %s", lo, hi, help)
	v, err := d.scalar(n, path, want)
	if err != nil {
		return 0, err
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || strings.ContainsAny(v, "xXpP_") {
		return 0, d.errorf(n, path, "%s is not a number; write %s", written(n), want)
	}
	if f < lo || f > hi {
		return 0, d.errorf(n, path, "%s is out of range; write %s", written(n), want)
	}
	return f, nil
}

// boolean returns true or false. After ${VAR} expansion the value must be
// true or false in any case; YAML 1.1's yes, no, on and off are rejected, as
// readers disagree on them.
func (d *decoder) boolean(n *yaml.Node, path string) (bool, error) {
	v, err := d.scalar(n, path, "true or false")
	if err != nil {
		return false, err
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, d.errorf(n, path, "%s is not true or false; write true or false", written(n))
}

// duration returns a Go duration ("30s") from lo to hi.
func (d *decoder) duration(n *yaml.Node, path string, lo, hi time.Duration) (time.Duration, error) {
	v, err := d.scalar(n, path, "a duration like 30s")
	if err != nil {
		return 0, err
	}
	dur, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil {
		return 0, d.errorf(n, path, "%s is not a duration; write one like 30s or 2m, from %s to %s", written(n), shortDuration(lo), shortDuration(hi))
	}
	if dur < lo || dur > hi {
		return 0, d.errorf(n, path, "%s is out of range; write a duration from %s to %s", written(n), shortDuration(lo), shortDuration(hi))
	}
	return dur, nil
}

// shortDuration formats d without zero units: 10m rather than 10m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// path resolves a path from the file against the config's folder.
func (d *decoder) path(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(d.dir, p)
}

// pathValue reads a path that must not be empty and resolves it.
func (d *decoder) pathValue(n *yaml.Node, path, example string) (string, error) {
	v, err := d.text(n, path, example)
	if err != nil {
		return "", err
	}
	return d.path(v), nil
}

// zone reads an IANA timezone name and loads it; "Local", the machine's
// zone, is not one. or is added to what to write ("", or ", or remove …").
func (d *decoder) zone(n *yaml.Node, path, or string) (string, *time.Location, error) {
	const example = `an IANA name like "Europe/Bucharest" or "UTC"`
	v, err := d.text(n, path, example+or)
	if err != nil {
		return "", nil, err
	}
	loc, err := time.LoadLocation(v)
	if err != nil || v == "Local" {
		return "", nil, d.errorf(n, path, "unknown timezone %s; write %s%s", written(n), example, or)
	}
	return v, loc, nil
}

// apiURL reads the base URL of a chat platform's web API, adding the final
// "/" the API method names are appended after. example is a URL to write.
func (d *decoder) apiURL(n *yaml.Node, path, example string) (string, error) {
	v, err := d.text(n, path, "a URL like "+example)
	if err != nil {
		return "", err
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(v, " \t\r\n") {
		return "", d.errorf(n, path, "%s is not an absolute http(s) URL; write one like %s", written(n), example)
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(v, "#") {
		return "", d.errorf(n, path, "%s has a query or a fragment; write the URL API methods go under, like %s", written(n), example)
	}
	if !strings.HasSuffix(v, "/") {
		v += "/"
	}
	return v, nil
}
