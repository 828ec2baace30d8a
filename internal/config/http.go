package config

import (
	"net"
	"net/url"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The http section: crier's HTTP listener, which Slack's http mode,
// Discord's http interactions and POST /api/metrics need (see across).

// apiToken is the bearer token senders of POST /api/metrics put after
// "Bearer ". Anything random goes, as long as it is not short.
var apiToken = secret{"api_token", "CRIER_API_TOKEN", "an API token", "", "16 characters or more; make one with openssl rand -hex 32, and senders put it after Bearer", ""}

// minAPIToken is the shortest API token accepted, in bytes.
const minAPIToken = 16

func httpFields() []field[*HTTP] {
	return []field[*HTTP]{
		{key: "listen", decode: func(d *decoder, e entry, h *HTTP) (err error) {
			h.Listen, err = d.listen(e.v, e.path)
			return err
		}},
		{key: "public_url", decode: func(d *decoder, e entry, h *HTTP) error {
			v, err := d.text(e.v, e.path, "crier's address as others reach it, like https://crier.example.com")
			if err != nil {
				return err
			}
			u, perr := url.Parse(v)
			local := perr == nil && (u.Hostname() == "localhost" || u.Hostname() == "127.0.0.1" || u.Hostname() == "::1")
			switch {
			case perr != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && local)):
				return d.errorf(e.v, e.path, "%s is not an https address; write crier's address as others reach it, like https://crier.example.com (http only for localhost)", written(e.v))
			case u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/"):
				return d.errorf(e.v, e.path, "%s has a path, query or fragment; write the address alone, like https://crier.example.com", written(e.v))
			}
			d.publicURL, h.PublicURL = e.v, strings.TrimSuffix(v, "/")
			return nil
		}},
		{key: "api_token", decode: func(d *decoder, e entry, h *HTTP) error {
			v, err := d.secretValue(e.v, e.path, apiToken)
			if err != nil {
				return err
			}
			if len(v) < minAPIToken {
				how := "set the variable to"
				if !strings.Contains(e.v.Value, "${") {
					how = "write ${" + apiToken.envVar + "} and set that variable to"
				}
				return d.errorf(e.v, e.path, "too short; %s %s", how, apiToken.describe())
			}
			d.apiToken, h.APIToken = e.v, v
			return nil
		}},
	}
}

func (d *decoder) http(e entry, c *Config) error {
	c.HTTP.Line = e.k.Line
	_, err := section(d, e.v, e.path, `a mapping like {listen: ":8080"}`, httpFields(), &c.HTTP)
	return err
}

// httpAcross checks that http.api_token has a listener to be used on.
func (d *decoder) httpAcross(c *Config) error {
	if c.HTTP.PublicURL != "" && c.HTTP.Listen == "" {
		return d.errorf(d.publicURL, "http.public_url", `needs http.listen, the address crier serves /calendar.ics on behind it; add listen: ":8080" under http, or remove public_url`)
	}
	if c.HTTP.APIToken != "" && c.HTTP.Listen == "" {
		return d.errorf(d.apiToken, "http.api_token", `needs http.listen, the address POST /api/metrics is served on; add listen: ":8080" under http, behind an HTTPS proxy, or remove api_token`)
	}
	return nil
}

// listen reads a host:port to listen on; the host may be empty (every
// interface) and the port is a number from 0 to 65535.
func (d *decoder) listen(n *yaml.Node, path string) (string, error) {
	const example = ":8080 (every interface) or 127.0.0.1:8080"
	v, err := d.text(n, path, "a host:port like "+example+", or leave listen out for no listener")
	if err != nil {
		return "", err
	}
	host, port, err := net.SplitHostPort(v)
	if err != nil || !validPort(port) || strings.ContainsAny(host, " \t\r\n/") {
		return "", d.errorf(n, path, "%s is not a host:port with a port from 0 to 65535; write one like %s", written(n), example)
	}
	return v, nil
}

// validPort reports whether port is a number from 0 to 65535, in digits only.
func validPort(port string) bool {
	if port == "" || len(port) > 5 {
		return false
	}
	for _, c := range []byte(port) {
		if c < '0' || c > '9' {
			return false
		}
	}
	p, err := strconv.Atoi(port)
	return err == nil && p <= 65535
}
