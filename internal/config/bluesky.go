package config

import (
	"fmt"
	"regexp"
	"strings"
)

// Bluesky networks.

// blueskyPassword describes a Bluesky app password, for messages that never
// show it.
var blueskyPassword = secret{"app_password", "BLUESKY_APP_PASSWORD", "an app password",
	"", "bsky.app → Settings → Privacy and security → App passwords", ""}

// blueskyHandle matches a handle: a domain name like crier.bsky.social.
var blueskyHandle = regexp.MustCompile(`^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$`)

// appViewService matches an atproto-proxy service: a DID, then # and the
// service id, like did:web:api.bsky.app#bsky_appview.
var appViewService = regexp.MustCompile(`^did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]#[a-zA-Z0-9_-]+$`)

// appPassword matches the app passwords Bluesky makes: xxxx-xxxx-xxxx-xxxx.
var appPassword = regexp.MustCompile(`^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$`)

func blueskyKind() kind {
	return kind{
		name:     "bluesky",
		defaults: func(n *Network) { n.PDS = defaultBlueskyPDS },
		fields: []kindField{
			{key: "pds", decode: func(d *decoder, e entry, n *Network) (err error) {
				if n.PDS, err = d.apiURL(e.v, e.path, defaultBlueskyPDS); err != nil {
					return err
				}
				n.PDS = strings.TrimSuffix(n.PDS, "/")
				return nil
			}},
			{key: "handle", required: "required for kind bluesky; write the account's handle like crier.bsky.social",
				decode: func(d *decoder, e entry, n *Network) (err error) {
					if n.Handle, err = d.text(e.v, e.path, "a handle like crier.bsky.social"); err != nil {
						return err
					}
					n.Handle = strings.TrimPrefix(n.Handle, "@")
					switch {
					case strings.Contains(n.Handle, "@"):
						return d.errorf(e.v, e.path, "%s looks like an e-mail address; write the handle instead, like crier.bsky.social", written(e.v))
					case !blueskyHandle.MatchString(n.Handle):
						return d.errorf(e.v, e.path, "%s is not a handle; write one like crier.bsky.social", written(e.v))
					}
					return nil
				}},
			{key: "app_password", required: fmt.Sprintf("required for kind bluesky; write app_password: ${%s} and set that variable to %s", blueskyPassword.envVar, blueskyPassword.describe()),
				decode: func(d *decoder, e entry, n *Network) (err error) {
					if n.AppPassword, err = d.secretValue(e.v, e.path, blueskyPassword); err != nil {
						return err
					}
					if !appPassword.MatchString(n.AppPassword) {
						// Only the shape is described, never the value.
						return d.errorf(e.v, e.path, "is not shaped like an app password (four groups of four letters or digits: xxxx-xxxx-xxxx-xxxx); use an app password from %s, never the account's own password", blueskyPassword.where)
					}
					return nil
				}},
			{key: "language", decode: language(true), last: true},
			// No appview: the PDS sends app.bsky reads to the AppView it is
			// set up with, which is the right one for almost every PDS.
			{key: "appview", decode: func(d *decoder, e entry, n *Network) (err error) {
				const want = "a DID and service like did:web:api.bsky.app#bsky_appview"
				if n.AppView, err = d.text(e.v, e.path, want); err != nil {
					return err
				}
				if !appViewService.MatchString(n.AppView) {
					return d.errorf(e.v, e.path, "%s is not an AppView service; write %s, or remove the key to use the one the PDS is set up with", written(e.v), want)
				}
				return nil
			}},
		},
	}
}
