package commands

import (
	"errors"
	"testing"

	"github.com/crier-bot/crier/internal/crier"
)

// The store refuses with facts; these are the sentences people read, word
// for word as the store wrote them before issue 6.
func TestRefusalsReadAsBefore(t *testing.T) {
	t.Parallel()
	conflict := func(reason string, status crier.PostStatus, target string, dl crier.DeliveryStatus) *crier.PostError {
		return &crier.PostError{Code: crier.ECONFLICT, Reason: reason, PostID: 1, Status: status, Target: target, Delivery: dl}
	}
	tests := []struct {
		name string
		err  error
		verb string
		want string
	}{
		{"an unknown post", &crier.PostError{Code: crier.ENOTFOUND, Reason: crier.RefusedNoPost, PostID: 42}, "cancelled",
			"There is no post #42. Type /queue to see the upcoming posts and their numbers."},
		{"a network the post was not going to", &crier.PostError{Code: crier.ENOTFOUND, Reason: crier.RefusedNoDelivery, PostID: 3, Target: "myspace"}, "decided",
			`Post #3 was not going to "myspace". Type /queue to see your posts.`},
		{"a decision nobody waits for", conflict(crier.RefusedNotUndecided, crier.PostScheduled, "hook", crier.DeliveryPending), "decided",
			"Post #1 on hook is still scheduled, not waiting for a decision, so there is nothing to do."},
		{"a post that is not a draft", conflict(crier.RefusedNotDraft, crier.PostScheduled, "", ""), "scheduled",
			"Post #1 is not a draft (it is scheduled). To move it, type /reschedule #1 <when>."},
		{"a draft rescheduled", conflict(crier.RefusedDraft, crier.PostDraft, "", ""), "rescheduled",
			"Post #1 is a draft. To schedule it, type /schedule #1 <when>."},
		{"a finished post rescheduled", conflict(crier.RefusedNotScheduled, crier.PostCanceled, "", ""), "rescheduled",
			"Post #1 is cancelled, so it cannot be rescheduled. Type /queue to see what is still upcoming."},
		{"a cancelled post cancelled", conflict(crier.RefusedCanceled, crier.PostCanceled, "", ""), "cancelled",
			"Post #1 is already cancelled. Type /queue to see what is upcoming."},
		{"a partly published post cancelled", conflict(crier.RefusedNotScheduled, crier.PostPartial, "", ""), "cancelled",
			"Post #1 was already partly published, so it cannot be cancelled; delete it on the network itself if it must go."},
		{"a published post cancelled", conflict(crier.RefusedNotScheduled, crier.PostPublished, "", ""), "cancelled",
			"Post #1 was already published, so it cannot be cancelled; delete it on the network itself if it must go."},
		{"a post being published cancelled", conflict(crier.RefusedPublishing, crier.PostScheduled, "sandbox", crier.DeliveryPublishing), "cancelled",
			"Post #1 is being published to sandbox right now, so it cannot be cancelled."},
		{"a post published on one network moved", conflict(crier.RefusedPublished, crier.PostScheduled, "sandbox", crier.DeliveryPublished), "rescheduled",
			"Post #1 was already published to sandbox, so it cannot be rescheduled."},
		{"a post whose attempt got no answer moved", conflict(crier.RefusedUnclear, crier.PostScheduled, "other", crier.DeliveryPending), "rescheduled",
			"Post #1 may already be on other (an attempt got no answer), so it cannot be moved; crier is retrying it. Type /cancel #1 to stop it instead."},
		{"a post waiting for a person moved", conflict(crier.RefusedUndecided, crier.PostScheduled, "hook", crier.DeliveryMaybe), "rescheduled",
			"Post #1 may already be on hook; first say whether it is: type /published #1 hook or /republish #1 hook."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := refusal(tt.err, tt.verb)
			if got := crier.ErrorMessage(err); got != tt.want {
				t.Fatalf("refusal says\n%q\nwant\n%q", got, tt.want)
			}
			var pe *crier.PostError
			errors.As(tt.err, &pe)
			if crier.ErrorCode(err) != pe.Code {
				t.Fatalf("code %s, want %s", crier.ErrorCode(err), pe.Code)
			}
		})
	}
	other := errors.New("disk full")
	if refusal(other, "cancelled") != other {
		t.Fatal("an error that is not a refusal passes unchanged")
	}
}
