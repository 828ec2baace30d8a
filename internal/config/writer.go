package config

import (
	"net"
	"net/url"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// The writer section: the OpenAI-compatible endpoint crier writes copy with
// (variants per network, suggested replies). OpenAI, Azure OpenAI, Ollama,
// vLLM and llama.cpp's server all speak Chat Completions. Without the section
// there is no writer, and crier says how to configure one.
//
// The API key is a secret and must come from ${VAR}: a key written in
// bot.yaml is refused. It may be left out only for a server on this machine
// or the local network (localService), where Ollama, vLLM and llama.cpp need
// none; Azure always needs one.

const (
	writerExample    = "{base_url: https://api.openai.com/v1, model: gpt-4o-mini, api_key: ${OPENAI_API_KEY}}"
	baseURLExample   = "https://api.openai.com/v1 or http://localhost:11434/v1 (Ollama)"
	defaultWriterOut = 60 * time.Second
	minWriterOut     = 5 * time.Second
	maxWriterOut     = 5 * time.Minute
)

// writerKey describes the endpoint's API key, for messages that never show it.
var writerKey = secret{"api_key", "OPENAI_API_KEY", "an API key",
	"", "from your provider: platform.openai.com → API keys, or Azure portal → your OpenAI resource → Keys and Endpoint", ""}

func writerFields() []field[*Writer] {
	return []field[*Writer]{
		{key: "base_url", decode: func(d *decoder, e entry, w *Writer) (err error) {
			d.writerBaseURL = e.v
			w.BaseURL, err = d.baseURL(e.v, e.path)
			return err
		}},
		{key: "model", decode: func(d *decoder, e entry, w *Writer) error {
			v, err := d.text(e.v, e.path, "a model name like gpt-4o-mini, or on Azure the deployment's name")
			if err != nil {
				return err
			}
			if strings.ContainsFunc(v, isSpace) {
				return d.errorf(e.v, e.path, "%s has a space, which no model name has; write one like gpt-4o-mini or llama3.1:8b", written(e.v))
			}
			w.Model = v
			return nil
		}},
		{key: "api_key", decode: func(d *decoder, e entry, w *Writer) error {
			if e.v.Kind == yaml.ScalarNode && e.v.Value != "" && !strings.Contains(e.v.Value, "${") {
				// The message says nothing of the value, which is the key.
				return d.errorf(e.v, e.path, "written in the file, where anyone who reads bot.yaml sees it; write api_key: ${%s} and set that variable to %s", writerKey.envVar, writerKey.describe())
			}
			v, err := d.secretValue(e.v, e.path, writerKey)
			if err != nil {
				return err
			}
			w.APIKey = v
			return nil
		}},
		{key: "azure", decode: func(d *decoder, e entry, w *Writer) (err error) {
			w.Azure, err = d.boolean(e.v, e.path)
			return err
		}},
		{key: "timeout", decode: func(d *decoder, e entry, w *Writer) (err error) {
			w.Timeout, err = d.duration(e.v, e.path, minWriterOut, maxWriterOut)
			return err
		}},
	}
}

func (d *decoder) writer(e entry, c *Config) error {
	w := &c.Writer
	w.On, w.Line = true, e.k.Line
	entries, err := section(d, e.v, e.path, "a mapping like "+writerExample, writerFields(), w)
	if err != nil {
		return err
	}
	if d.writerBaseURL == nil {
		return d.errorf(e.k, join(e.path, "base_url"), "required when writer: is set; write the endpoint's address, like base_url: %s, or remove writer: to write without AI", baseURLExample)
	}
	if _, ok := entryOf(entries, "model"); !ok || w.Model == "" {
		return d.errorf(e.k, join(e.path, "model"), "required when writer: is set; write the model to use, like model: gpt-4o-mini, or on Azure the deployment's name")
	}
	if w.APIKey != "" {
		return nil
	}
	at := e.k
	if k, ok := entryOf(entries, "api_key"); ok {
		at = k.k
	}
	switch {
	case w.Azure:
		return d.errorf(at, join(e.path, "api_key"), "required with azure: true; write api_key: ${AZURE_OPENAI_API_KEY} and set that variable to the key (Azure portal → your OpenAI resource → Keys and Endpoint)")
	case !localService(w.BaseURL):
		return d.errorf(at, join(e.path, "api_key"), "required for %s; write api_key: ${%s} and set that variable to %s; only a server on this machine or the local network (like Ollama at http://localhost:11434/v1) may go without one",
			written(d.writerBaseURL), writerKey.envVar, writerKey.describe())
	}
	return nil
}

// baseURL reads writer.base_url: the absolute http(s) URL the Chat
// Completions API is under, returned without a trailing "/" (crier appends
// /chat/completions).
func (d *decoder) baseURL(n *yaml.Node, path string) (string, error) {
	v, err := d.text(n, path, "a URL like "+baseURLExample)
	if err != nil {
		return "", err
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(v, " \t\r\n") {
		return "", d.errorf(n, path, "%s is not an absolute http(s) URL; write one like %s", written(n), baseURLExample)
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(v, "#") {
		return "", d.errorf(n, path, "%s has a query or a fragment; write only the address the API is under, like %s (on Azure the API version is crier's to add)", written(n), baseURLExample)
	}
	v = strings.TrimRight(v, "/")
	if under, ok := strings.CutSuffix(v, "/chat/completions"); ok {
		return "", d.errorf(n, path, "%s names the endpoint itself; write the address it is under, %s, and crier adds /chat/completions", written(n), under)
	}
	if u.Port() == "11434" && strings.Trim(u.Path, "/") == "" {
		return "", d.errorf(n, path, "%s is Ollama's own API; its OpenAI-compatible one is under /v1, so write %s/v1", written(n), v)
	}
	return v, nil
}

// localService reports whether the host of baseURL is on this machine or the
// local network, where servers like Ollama, vLLM and llama.cpp's need no API
// key: localhost, a loopback, private or link-local address, a name without
// a dot (a container or machine on the local network, like ollama) or a name
// under .local, .internal, .lan or .home.arpa.
func localService(baseURL string) bool {
	u, err := url.Parse(baseURL)
	if err != nil {
		return false
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast()
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || !strings.Contains(host, ".") {
		return host != ""
	}
	for _, suffix := range []string{".local", ".internal", ".lan", ".home.arpa"} {
		if strings.HasSuffix(host, suffix) {
			return true
		}
	}
	return false
}
