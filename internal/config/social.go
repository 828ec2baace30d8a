package config

import (
	"net/url"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The secrets of the social networks, for messages that never show them.
var (
	mastodonToken = secret{"access_token", "MASTODON_TOKEN", "an access token",
		"", "your instance → Preferences → Development → New application, with the read and write scopes → Your access token", ""}
	blueskyPassword = secret{"app_password", "BLUESKY_APP_PASSWORD", "an app password",
		"", "bsky.app → Settings → Privacy and security → App passwords", ""}
	webhookSecret = secret{"secret", "WEBHOOK_SECRET", "a signing secret of at least 16 characters",
		"", "make one with: openssl rand -hex 32, and give the receiver the same value", ""}
)

// The visibilities Mastodon knows.
var mastodonVisibilities = []string{"public", "unlisted", "private", "direct"}

// languageCode matches an ISO 639 language code with an optional region:
// en, pt, pt-BR.
var languageCode = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$`)

// blueskyHandle matches a handle: a domain name like crier.bsky.social.
var blueskyHandle = regexp.MustCompile(`^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$`)

// appViewService matches an atproto-proxy service: a DID, then # and the
// service id, like did:web:api.bsky.app#bsky_appview.
var appViewService = regexp.MustCompile(`^did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]#[a-zA-Z0-9_-]+$`)

// appPassword matches the app passwords Bluesky makes: xxxx-xxxx-xxxx-xxxx.
var appPassword = regexp.MustCompile(`^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$`)

func (d *decoder) mastodonNetwork(item *yaml.Node, path string, values map[string]entry, n *Network) error {
	server, ok := values["server"]
	if !ok {
		return d.errorf(item, path+".server", "required for kind mastodon; write your instance's address like https://mastodon.social")
	}
	var err error
	if n.Server, err = d.apiURL(server.v, server.path, "https://mastodon.social"); err != nil {
		return err
	}
	n.Server = strings.TrimSuffix(n.Server, "/")
	if u, _ := url.Parse(n.Server); u != nil && u.Path != "" {
		return d.errorf(server.v, server.path, "%s has a path; write only the instance's address, like https://mastodon.social", written(server.v))
	}
	token, ok := values["access_token"]
	if !ok {
		return d.errorf(item, path+".access_token", "required for kind mastodon; write access_token: ${%s} and set that variable to %s", mastodonToken.envVar, mastodonToken.describe())
	}
	if n.AccessToken, err = d.secretValue(token.v, token.path, mastodonToken); err != nil {
		return err
	}
	n.Visibility = "public"
	if v, ok := values["visibility"]; ok {
		if n.Visibility, err = d.text(v.v, v.path, strings.Join(mastodonVisibilities, ", ")); err != nil {
			return err
		}
		if !slices.Contains(mastodonVisibilities, n.Visibility) {
			return d.errorf(v.v, v.path, "unknown visibility %s; write one of %s", written(v.v), strings.Join(mastodonVisibilities, ", "))
		}
	}
	if err := d.language(values, n, false); err != nil {
		return err
	}
	// 0: the instance says (read at start, 500 until then).
	if limit, ok := values["limit"]; ok {
		if n.Limit, err = d.integer(limit.v, limit.path, 1, maxFileLimit); err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) blueskyNetwork(item *yaml.Node, path string, values map[string]entry, n *Network) error {
	var err error
	n.PDS = defaultBlueskyPDS
	if pds, ok := values["pds"]; ok {
		if n.PDS, err = d.apiURL(pds.v, pds.path, defaultBlueskyPDS); err != nil {
			return err
		}
		n.PDS = strings.TrimSuffix(n.PDS, "/")
	}
	handle, ok := values["handle"]
	if !ok {
		return d.errorf(item, path+".handle", "required for kind bluesky; write the account's handle like crier.bsky.social")
	}
	if n.Handle, err = d.text(handle.v, handle.path, "a handle like crier.bsky.social"); err != nil {
		return err
	}
	n.Handle = strings.TrimPrefix(n.Handle, "@")
	switch {
	case strings.Contains(n.Handle, "@"):
		return d.errorf(handle.v, handle.path, "%s looks like an e-mail address; write the handle instead, like crier.bsky.social", written(handle.v))
	case !blueskyHandle.MatchString(n.Handle):
		return d.errorf(handle.v, handle.path, "%s is not a handle; write one like crier.bsky.social", written(handle.v))
	}
	pw, ok := values["app_password"]
	if !ok {
		return d.errorf(item, path+".app_password", "required for kind bluesky; write app_password: ${%s} and set that variable to %s", blueskyPassword.envVar, blueskyPassword.describe())
	}
	if n.AppPassword, err = d.secretValue(pw.v, pw.path, blueskyPassword); err != nil {
		return err
	}
	if !appPassword.MatchString(n.AppPassword) {
		// Only the shape is described, never the value.
		return d.errorf(pw.v, pw.path, "is not shaped like an app password (four groups of four letters or digits: xxxx-xxxx-xxxx-xxxx); use an app password from %s, never the account's own password", blueskyPassword.where)
	}
	// No appview: the PDS sends app.bsky reads to the AppView it is set up
	// with, which is the right one for almost every PDS.
	if av, ok := values["appview"]; ok {
		const want = "a DID and service like did:web:api.bsky.app#bsky_appview"
		if n.AppView, err = d.text(av.v, av.path, want); err != nil {
			return err
		}
		if !appViewService.MatchString(n.AppView) {
			return d.errorf(av.v, av.path, "%s is not an AppView service; write %s, or remove the key to use the one the PDS is set up with", written(av.v), want)
		}
	}
	return d.language(values, n, true)
}

func (d *decoder) webhookNetwork(item *yaml.Node, path string, values map[string]entry, n *Network) error {
	const example = "https://hooks.example.com/crier"
	u, ok := values["url"]
	if !ok {
		return d.errorf(item, path+".url", "required for kind webhook; write the address posts go to, like %s", example)
	}
	var err error
	if n.URL, err = d.text(u.v, u.path, "a URL like "+example); err != nil {
		return err
	}
	parsed, perr := url.Parse(n.URL)
	if perr != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" || strings.ContainsAny(n.URL, " \t\r\n") {
		return d.errorf(u.v, u.path, "%s is not an absolute http(s) URL; write one like %s", written(u.v), example)
	}
	sec, ok := values["secret"]
	if !ok {
		return d.errorf(item, path+".secret", "required for kind webhook; write secret: ${%s} and set that variable to %s", webhookSecret.envVar, webhookSecret.describe())
	}
	if n.Secret, err = d.secretValue(sec.v, sec.path, webhookSecret); err != nil {
		return err
	}
	if len(n.Secret) < 16 {
		return d.errorf(sec.v, sec.path, "is too short to be safe; use %s", webhookSecret.describe())
	}
	// Off (the zero value) unless the receiver says it ignores a repeated
	// Idempotency-Key; while off, a timeout is asked about instead of
	// retried (never twice).
	if dd, ok := values["deduplicates"]; ok {
		if n.Deduplicates, err = d.boolean(dd.v, dd.path); err != nil {
			return err
		}
	}
	n.Rate = 5
	if r, ok := values["rate"]; ok {
		if n.Rate, err = d.integer(r.v, r.path, 1, 1000); err != nil {
			return err
		}
	}
	n.Limit = defaultWebhookLimit
	if limit, ok := values["limit"]; ok {
		if n.Limit, err = d.integer(limit.v, limit.path, 1, maxFileLimit); err != nil {
			return err
		}
	}
	return nil
}

// language reads a language code; region says whether the network takes
// one with a region (Bluesky: pt-BR) or only the language (Mastodon: pt).
func (d *decoder) language(values map[string]entry, n *Network, region bool) error {
	lang, ok := values["language"]
	if !ok {
		return nil
	}
	var err error
	if n.Language, err = d.text(lang.v, lang.path, "a language code like en or pt-BR"); err != nil {
		return err
	}
	if !languageCode.MatchString(n.Language) {
		return d.errorf(lang.v, lang.path, "%s is not a language code; write one like en, de or pt-BR", written(lang.v))
	}
	if base, _, hasRegion := strings.Cut(n.Language, "-"); hasRegion && !region {
		return d.errorf(lang.v, lang.path, "%s has a region, which Mastodon does not take; write only the language, like %s", written(lang.v), base)
	}
	return nil
}
