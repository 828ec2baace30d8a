// Package config reads crier's configuration file, bot.yaml.
//
// The file is decoded into a yaml.Node first, so every error names the file,
// the line and the key it is about, on one line:
//
//	bot.yaml:12: networks[1].kind: unknown kind "mastodn" (known: file)
//
// Unknown keys, duplicate keys and values of the wrong type are rejected.
// ${VAR} inside a value is replaced by the environment variable VAR after the
// YAML is parsed, so a variable can never change the structure of the file;
// $$ is a literal $. Error messages quote values as written in the file, never
// their expansion, because secrets come through variables.
package config

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/crier-bot/crier/internal/crier"
)

// Config is a parsed bot.yaml.
type Config struct {
	Path      string         // the file it came from ("" when parsed from a reader with no name)
	Dir       string         // folder relative paths are resolved against
	Timezone  string         // IANA name, default "UTC"
	Location  *time.Location // loaded from Timezone
	DateOrder string         // "dmy" (default) or "mdy"
	Languages []string       // time-phrase languages: subset of {"en","pt"}; default ["en","pt"]
	Database  string         // resolved path (relative → joined with Dir); default "data/crier.db"
	Chat      Chat
	Roles     map[crier.Role][]string // role → user ids or names; "*" means everyone
	Networks  []Network
	Publish   Publish
}

// Chat holds the chat platforms crier listens on. A nil platform is not used.
type Chat struct {
	Shell *Shell
}

// Shell is the terminal chat, for trying crier out and for tests.
type Shell struct {
	User    string // default "you"
	Channel string // default "general"
}

// Network is one place posts are published to.
type Network struct {
	Name   string // unique, [a-z0-9_-]{1,32}
	Kind   string // "file"
	Outbox string // file: required, resolved path
	Inbox  string // file: optional, resolved path
	Limit  int    // file: default 500; 1..100000
	Line   int    // line in the file where this network's entry starts (for messages)
}

// Publish holds how deliveries are attempted.
type Publish struct {
	MaxAttempts    int           // default 8, 1..50
	AttemptTimeout time.Duration // default 30s, 1s..10m
}

// Options tell Parse where the configuration came from.
type Options struct {
	Name   string                      // file name used in error messages, e.g. "bot.yaml"
	Dir    string                      // base folder for relative paths
	Getenv func(string) (string, bool) // nil means os.LookupEnv
}

// Defaults for keys left out of the file.
const (
	defaultTimezone       = "UTC"
	defaultDateOrder      = "dmy"
	defaultDatabase       = "data/crier.db"
	defaultShellUser      = "you"
	defaultShellChannel   = "general"
	defaultFileLimit      = 500
	defaultMaxAttempts    = 8
	defaultAttemptTimeout = 30 * time.Second
)

// Parse reads a configuration from r. Errors start with opts.Name (or
// "config" when it is empty) and, when they are about a place in the file, its
// line: "bot.yaml:12: networks[1].kind: unknown kind …".
func Parse(r io.Reader, opts Options) (*Config, error) {
	d := &decoder{name: opts.Name, dir: opts.Dir, getenv: opts.Getenv}
	if d.name == "" {
		d.name = "config"
	}
	if d.getenv == nil {
		d.getenv = os.LookupEnv
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: read: %w", d.name, err)
	}
	root, err := d.document(data)
	if err != nil {
		return nil, err
	}
	c := &Config{
		Path:      opts.Name,
		Dir:       opts.Dir,
		Timezone:  defaultTimezone,
		Location:  time.UTC,
		DateOrder: defaultDateOrder,
		Languages: knownLanguages(),
		Database:  d.path(defaultDatabase),
		Roles:     make(map[crier.Role][]string),
		Publish: Publish{
			MaxAttempts:    defaultMaxAttempts,
			AttemptTimeout: defaultAttemptTimeout,
		},
	}
	if err := d.config(root, c); err != nil {
		return nil, err
	}
	return c, nil
}

// Load reads the configuration file at path. Relative paths in it are
// resolved against the folder the file is in, and ${VAR} is looked up in the
// process environment.
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	defer f.Close()
	return Parse(f, Options{Name: path, Dir: filepath.Dir(path), Getenv: os.LookupEnv})
}

// RolesFor returns, in the order of crier.Roles, every role whose list holds
// "*", userID or userName.
func (c *Config) RolesFor(userID, userName string) []crier.Role {
	var roles []crier.Role
	for _, role := range crier.Roles() {
		for _, who := range c.Roles[role] {
			if who == "*" || (userID != "" && who == userID) || (userName != "" && who == userName) {
				roles = append(roles, role)
				break
			}
		}
	}
	return roles
}

// Network returns the network called name.
func (c *Config) Network(name string) (Network, bool) {
	for _, n := range c.Networks {
		if n.Name == name {
			return n, true
		}
	}
	return Network{}, false
}
