package commands_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/criertest"
)

// A post with a campaign: line joins the campaign, and its links reach the
// network tagged for web analytics (a link followed by ! stays as it is).
func TestACampaignPostsLinksAreTaggedWhenPublished(t *testing.T) {
	t.Parallel()
	b := criertest.Setup(t, criertest.WithFileNetwork("sandbox", 500), criertest.Started())
	ana := criertest.User("U1", "ana", crier.RoleScheduler)
	require.Equal(t, "✓ Campaign launch made (budget 500.00 EUR, until Thu 31 Dec 2026). A post joins it with the line campaign: launch; /campaign show launch gives its numbers.", b.Say(t, "shell", ana, "/campaign new launch budget 500 EUR until 2026-12-31").Text)

	resp := b.Say(t, "shell", ana, "/schedule in 1 minute | Launch day! https://shop.example/new?ref=a#top and https://partner.example!\ncampaign: launch")
	require.False(t, resp.Error, resp.Text)
	p := b.Post(t, 1)
	require.Equal(t, "launch", p.Campaign)
	require.Equal(t, "Launch day! https://shop.example/new?ref=a#top and https://partner.example!", p.Text, "the campaign: line is not part of the text")

	b.Clock.Add(2 * time.Minute)
	b.WaitIdle(t)
	recs := b.OutboxRecords(t, "sandbox")
	require.Len(t, recs, 1)
	require.Equal(t, "Launch day! https://shop.example/new?ref=a&utm_source=sandbox&utm_medium=social&utm_campaign=launch#top and https://partner.example", recs[0].Text)

	for line, want := range map[string]string{
		"/schedule tomorrow 9am Hi\ncampaign: winter":  "✗ There is no campaign named winter; make it with /campaign new winter, or see them with /campaign list.",
		"/draft Hi\ncampaign: launch\ncampaign: other": "✗ A post joins one campaign; remove one of the campaign: lines.",
	} {
		require.Equal(t, want, b.Say(t, "shell", ana, line).Text, line)
	}
	_, err := b.DB.CloseCampaign(context.Background(), "launch")
	require.NoError(t, err)
	require.Equal(t, "✗ Campaign launch is closed; remove the campaign: line, or make a new campaign with /campaign new <name>.",
		b.Say(t, "shell", ana, "/draft Hi\ncampaign: launch").Text)
}
