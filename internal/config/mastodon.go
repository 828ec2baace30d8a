package config

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Mastodon networks.

// mastodonToken describes a Mastodon access token, for messages that never
// show it.
var mastodonToken = secret{"access_token", "MASTODON_TOKEN", "an access token",
	"", "your instance → Preferences → Development → New application, with the read and write scopes → Your access token", ""}

// The visibilities Mastodon knows.
var mastodonVisibilities = []string{"public", "unlisted", "private", "direct"}

func mastodonKind() kind {
	return kind{
		name:     "mastodon",
		defaults: func(n *Network) { n.Visibility = "public" },
		fields: []kindField{
			{key: "server", required: "required for kind mastodon; write your instance's address like https://mastodon.social",
				decode: func(d *decoder, e entry, n *Network) (err error) {
					if n.Server, err = d.apiURL(e.v, e.path, "https://mastodon.social"); err != nil {
						return err
					}
					n.Server = strings.TrimSuffix(n.Server, "/")
					if u, _ := url.Parse(n.Server); u != nil && u.Path != "" {
						return d.errorf(e.v, e.path, "%s has a path; write only the instance's address, like https://mastodon.social", written(e.v))
					}
					return nil
				}},
			{key: "access_token", required: fmt.Sprintf("required for kind mastodon; write access_token: ${%s} and set that variable to %s", mastodonToken.envVar, mastodonToken.describe()),
				decode: func(d *decoder, e entry, n *Network) (err error) {
					n.AccessToken, err = d.secretValue(e.v, e.path, mastodonToken)
					return err
				}},
			{key: "visibility", decode: func(d *decoder, e entry, n *Network) (err error) {
				if n.Visibility, err = d.text(e.v, e.path, strings.Join(mastodonVisibilities, ", ")); err != nil {
					return err
				}
				if !slices.Contains(mastodonVisibilities, n.Visibility) {
					return d.errorf(e.v, e.path, "unknown visibility %s; write one of %s", written(e.v), strings.Join(mastodonVisibilities, ", "))
				}
				return nil
			}},
			{key: "language", decode: language(false)},
			// No default: 0 means the instance says (read at start, 500 until then).
			{key: "limit", decode: limit(maxFileLimit)},
		},
	}
}
