package config

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/crier-bot/crier/internal/crier"
	"go.yaml.in/yaml/v3"
)

// The approvals section: posts by people who may draft but not schedule
// (roles.drafter) wait for an approver (roles.approver, or admin), who is
// asked in approvals.channel. Without the section there are no approvals.
// That the channel's platform is set up under chat and that someone may
// approve are checked once the whole file is read (approvalsAcross).

const (
	approvalsExample = "{channel: slack:C0123456789, self_approve: false, late_after: 1h}"
	defaultLateAfter = time.Hour
	minLateAfter     = time.Minute
	maxLateAfter     = 7 * 24 * time.Hour
)

// inDays matches a duration written in days, which Go durations do not have.
var inDays = regexp.MustCompile(`^([0-9]{1,3})\s*d$`)

func approvalsFields() []field[*Approvals] {
	return []field[*Approvals]{
		{key: "channel", decode: func(d *decoder, e entry, a *Approvals) (err error) {
			d.approvalsChannel = e.v
			a.Channel, err = d.chatChannel(e.v, e.path)
			return err
		}},
		{key: "self_approve", decode: func(d *decoder, e entry, a *Approvals) (err error) {
			a.SelfApprove, err = d.boolean(e.v, e.path)
			return err
		}},
		{key: "late_after", decode: func(d *decoder, e entry, a *Approvals) (err error) {
			a.LateAfter, err = d.lateAfter(e.v, e.path)
			return err
		}},
	}
}

func (d *decoder) approvals(e entry, c *Config) error {
	c.Approvals.On, d.approvalsKey = true, e.k
	if _, err := section(d, e.v, e.path, "a mapping like "+approvalsExample, approvalsFields(), &c.Approvals); err != nil {
		return err
	}
	if d.approvalsChannel == nil {
		return d.errorf(e.k, join(e.path, "channel"), "required when approvals: is set; write the channel approvers are asked in, like channel: %s, or remove approvals: to publish without approval", channelSyntax)
	}
	return nil
}

// lateAfter reads approvals.late_after: a duration from minLateAfter to
// maxLateAfter. Days, which Go durations lack, are refused with the hours
// to write.
func (d *decoder) lateAfter(n *yaml.Node, path string) (time.Duration, error) {
	if n.Kind == yaml.ScalarNode {
		if g := inDays.FindStringSubmatch(strings.TrimSpace(n.Value)); g != nil {
			days, _ := strconv.Atoi(g[1])
			return 0, d.errorf(n, path, "%s is in days, which crier does not read; write it in hours, %dh, from %s to %s", written(n), days*24, shortDuration(minLateAfter), shortDuration(maxLateAfter))
		}
	}
	return d.duration(n, path, minLateAfter, maxLateAfter)
}

// approvalsAcross checks that approvals.channel is on a platform set up
// under chat, and that someone may approve: with nobody under roles.approver
// or roles.admin, posts that wait for approval would wait for ever.
func (d *decoder) approvalsAcross(c *Config) error {
	if !c.Approvals.On {
		return nil
	}
	if err := d.chatPlatformSet(c, d.approvalsChannel, "approvals.channel", c.Approvals.Channel); err != nil {
		return err
	}
	if len(c.Roles[crier.RoleApprover]) == 0 && len(c.Roles[crier.RoleAdmin]) == 0 {
		return d.errorf(d.approvalsKey, "approvals", "nobody may approve, so posts that wait for approval would wait for ever; add roles: {approver: [U012AB3CD]} with who approves, or remove approvals:")
	}
	return nil
}
