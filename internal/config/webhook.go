package config

import (
	"fmt"
	"net/url"
	"strings"
)

// Webhook networks.

// webhookSecret describes a webhook's signing secret, for messages that never
// show it.
var webhookSecret = secret{"secret", "WEBHOOK_SECRET", "a signing secret of at least 16 characters",
	"", "make one with: openssl rand -hex 32, and give the receiver the same value", ""}

func webhookKind() kind {
	const example = "https://hooks.example.com/crier"
	return kind{
		name:     "webhook",
		defaults: func(n *Network) { n.Rate, n.Limit = 5, defaultWebhookLimit },
		fields: []kindField{
			{key: "url", required: "required for kind webhook; write the address posts go to, like " + example,
				decode: func(d *decoder, e entry, n *Network) (err error) {
					if n.URL, err = d.text(e.v, e.path, "a URL like "+example); err != nil {
						return err
					}
					parsed, perr := url.Parse(n.URL)
					if perr != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" || strings.ContainsAny(n.URL, " \t\r\n") {
						return d.errorf(e.v, e.path, "%s is not an absolute http(s) URL; write one like %s", written(e.v), example)
					}
					return nil
				}},
			{key: "secret", required: fmt.Sprintf("required for kind webhook; write secret: ${%s} and set that variable to %s", webhookSecret.envVar, webhookSecret.describe()),
				decode: func(d *decoder, e entry, n *Network) (err error) {
					if n.Secret, err = d.secretValue(e.v, e.path, webhookSecret); err != nil {
						return err
					}
					if len(n.Secret) < 16 {
						return d.errorf(e.v, e.path, "is too short to be safe; use %s", webhookSecret.describe())
					}
					return nil
				}},
			// Off (the zero value) unless the receiver says it ignores a
			// repeated Idempotency-Key; while off, a timeout is asked about
			// instead of retried (never twice).
			{key: "deduplicates", decode: func(d *decoder, e entry, n *Network) (err error) {
				n.Deduplicates, err = d.boolean(e.v, e.path)
				return err
			}},
			{key: "rate", decode: func(d *decoder, e entry, n *Network) (err error) {
				n.Rate, err = d.integer(e.v, e.path, 1, 1000)
				return err
			}},
			{key: "limit", decode: limit(maxFileLimit)},
		},
	}
}
