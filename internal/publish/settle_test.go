package publish

import (
	"testing"

	"github.com/crier-bot/crier/internal/crier"
)

func TestSettle(t *testing.T) {
	t.Parallel()
	post := func(status crier.PostStatus, ds ...crier.DeliveryStatus) *crier.Post {
		p := &crier.Post{Status: status}
		for _, d := range ds {
			p.Deliveries = append(p.Deliveries, crier.Delivery{Status: d})
		}
		return p
	}
	tests := []struct {
		name string
		post *crier.Post
		want crier.PostStatus
	}{
		{"a post with a delivery still pending stays scheduled", post(crier.PostScheduled, crier.DeliveryPublished, crier.DeliveryPending), crier.PostScheduled},
		{"a post with a delivery being published stays scheduled", post(crier.PostScheduled, crier.DeliveryPublishing), crier.PostScheduled},
		{"a post waiting for a person stays scheduled", post(crier.PostScheduled, crier.DeliveryPublished, crier.DeliveryMaybe), crier.PostScheduled},
		{"every delivery published is published", post(crier.PostScheduled, crier.DeliveryPublished, crier.DeliveryPublished), crier.PostPublished},
		{"one published and one failed is partly published", post(crier.PostScheduled, crier.DeliveryPublished, crier.DeliveryFailed), crier.PostPartial},
		{"none published is failed", post(crier.PostScheduled, crier.DeliveryFailed, crier.DeliveryCanceled), crier.PostFailed},
		{"a cancelled post stays cancelled", post(crier.PostCanceled, crier.DeliveryCanceled), crier.PostCanceled},
		{"a draft stays a draft", post(crier.PostDraft), crier.PostDraft},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := settle(tt.post); got != tt.want {
				t.Fatalf("settle = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestKeys(t *testing.T) {
	t.Parallel()
	dl := crier.Delivery{PostID: 12, Target: "mastodon", Occurrence: 0, Attempts: 3}
	if got, want := key("0a1b2c3d4e5f", dl), "crier-0a1b2c3d4e5f-12-mastodon-0"; got != want {
		t.Fatalf("key = %q, want %q", got, want)
	}
	if got, want := rekey("0a1b2c3d4e5f", dl), "crier-0a1b2c3d4e5f-12-mastodon-0-again3"; got != want {
		t.Fatalf("rekey = %q, want %q", got, want)
	}
}
