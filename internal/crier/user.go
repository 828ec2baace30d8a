package crier

import "slices"

// Role is what a person may do. bot.yaml maps people to roles.
type Role string

// The roles crier knows.
const (
	RoleScheduler Role = "scheduler" // may draft, schedule, reschedule and cancel posts, without approval
	RoleDrafter   Role = "drafter"   // may draft and edit posts; when approvals are on, their posts wait for an approver
	RoleApprover  Role = "approver"  // may approve or reject posts that wait for approval
	RoleReplier   Role = "replier"   // may answer comments, take and close conversations
	RoleAlert     Role = "alert"     // is mentioned in a crisis alert
	RoleAdmin     Role = "admin"     // may do everything
)

// Roles lists every known role, for validation and help.
func Roles() []Role {
	return []Role{RoleScheduler, RoleDrafter, RoleApprover, RoleReplier, RoleAlert, RoleAdmin}
}

// User is a person talking to crier on a chat platform.
type User struct {
	ID       string // platform user id
	Name     string // display name
	Timezone string // IANA zone; "" means the configured default
	// TimezoneFrom says where Timezone comes from, in plain words shown by
	// /timezone ("bot.yaml, for this channel"); "" means the person's chat
	// profile (Slack's).
	TimezoneFrom string
	Roles        []Role
}

// Can reports whether the user holds role r (admins hold every role).
func (u User) Can(r Role) bool {
	return slices.Contains(u.Roles, r) || slices.Contains(u.Roles, RoleAdmin)
}

// ChannelRef names a chat channel (and optionally a thread in it) on a chat
// platform.
type ChannelRef struct {
	Platform string `json:"platform"`
	ID       string `json:"id"`
	Thread   string `json:"thread,omitempty"`
}
