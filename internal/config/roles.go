package config

import "github.com/crier-bot/crier/internal/crier"

// The roles section: who may do what. Its keys are crier's roles, all read
// alike, so they come from crier.Roles rather than a table of fields.

func (d *decoder) roles(e entry, c *Config) error {
	roles := crier.Roles()
	known := make([]string, len(roles))
	for i, r := range roles {
		known[i] = string(r)
	}
	entries, err := d.mapping(e.v, e.path, `a mapping like {scheduler: ["*"]}`, "role", known)
	if err != nil {
		return err
	}
	for _, e := range entries {
		items, err := d.list(e.v, e.path, `a list like ["*"] or [U012AB3CD, S0123ABCD, alice]`)
		if err != nil {
			return err
		}
		who := make([]string, 0, len(items))
		for i, item := range items {
			// A Slack user group id (S…) is kept like any other member;
			// the Slack adapter resolves who is in the group.
			v, err := d.text(item, index(e.path, i), `a user id, a user name, a Slack user group id or "*" for everyone`)
			if err != nil {
				return err
			}
			who = append(who, v)
		}
		c.Roles[crier.Role(e.key)] = who
	}
	return nil
}
