package criertest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
)

// People with the roles commands check.
var (
	Ana   = User("U1", "ana", crier.RoleScheduler)
	Admin = User("U2", "joe", crier.RoleAdmin)
	Guest = User("U9", "guest")
)

// User is a person with the given roles.
func User(id, name string, roles ...crier.Role) crier.User {
	return crier.User{ID: id, Name: name, Roles: roles}
}

// Say runs a command line through the router as u, in channel C1 of the
// given platform, and returns the response.
func (b *Bundle) Say(t testing.TB, platform string, u crier.User, line string) commands.Response {
	t.Helper()
	name, args, ok := commands.Parse(line)
	require.True(t, ok, line)
	return b.Router.Handle(context.Background(), commands.Request{
		Platform: platform, User: u, Channel: crier.ChannelRef{Platform: platform, ID: "C1"}, Command: name, Text: args,
	})
}

// Schedule stores a post due in the given time from now, from origin, to
// every network.
func (b *Bundle) Schedule(t testing.TB, text string, in time.Duration, origin crier.ChannelRef) *crier.Post {
	t.Helper()
	p := &crier.Post{Text: text, DueAt: b.Now.Now().Add(in), AuthorID: "u1", AuthorName: "ana", Origin: origin}
	_, err := b.Publish.Schedule(context.Background(), p)
	require.NoError(t, err)
	return p
}

// Post returns post #id with its deliveries.
func (b *Bundle) Post(t testing.TB, id int64) *crier.Post {
	t.Helper()
	p, err := b.DB.FindPost(context.Background(), id)
	require.NoError(t, err)
	return p
}

// EndDelivery ends a delivery's attempt as end says, leaving its post's
// status as it is (as a delivery still pending or waiting for a person
// does under publish's rule).
func (b *Bundle) EndDelivery(t testing.TB, deliveryID int64, end crier.DeliveryEnd) {
	t.Helper()
	end.ID = deliveryID
	err := b.DB.EndDeliveries(context.Background(), []crier.DeliveryEnd{end}, KeepStatus{})
	require.NoError(t, err)
}

// Maybe leaves every delivery of post #id waiting for a person's decision,
// as the publish worker does when an attempt's outcome is unknown.
func (b *Bundle) Maybe(t testing.TB, id int64, reason string) {
	t.Helper()
	for _, dl := range b.Post(t, id).Deliveries {
		b.EndDelivery(t, dl.ID, crier.DeliveryEnd{Status: crier.DeliveryMaybe, Reason: reason, Unclear: true})
	}
}

// DeliveryStatus returns the status of post #id's delivery to target.
func (b *Bundle) DeliveryStatus(t testing.TB, id int64, target string) crier.DeliveryStatus {
	t.Helper()
	for _, dl := range b.Post(t, id).Deliveries {
		if dl.Target == target {
			return dl.Status
		}
	}
	t.Fatalf("post #%d has no delivery to %s", id, target)
	return ""
}

// KeepStatus are crier.DeliveryRules whose rule leaves a post's status as
// it is, for a test that puts a delivery in a state by hand; it has no keys.
type KeepStatus struct{ crier.DeliveryRules }

// Settle returns p's status.
func (KeepStatus) Settle(p *crier.Post) crier.PostStatus { return p.Status }
