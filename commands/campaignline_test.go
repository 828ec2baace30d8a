package commands

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/sqlite"
	"github.com/crier-bot/crier/internal/crier"
)

func TestTakeCampaign(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		text  string
		rest  string
		camp  string
		found bool
		err   string
	}{
		{name: "a line at the end", text: "Launch day!\ncampaign: launch", rest: "Launch day!", camp: "launch", found: true},
		{name: "a line at the start", text: "campaign: launch\nLaunch day!", rest: "Launch day!", camp: "launch", found: true},
		{name: "a line in the middle keeps the lines around it", text: "Launch day!\n  Campaign :  Launch \nSee you\nthere",
			rest: "Launch day!\nSee you\nthere", camp: "launch", found: true},
		{name: "the key in capitals", text: "Hi\nCAMPAIGN: spring_2027", rest: "Hi", camp: "spring_2027", found: true},
		{name: "next to an image line", text: "Hi\ncampaign: launch\nimage: https://example.com/a.jpg", rest: "Hi\nimage: https://example.com/a.jpg", camp: "launch", found: true},
		{name: "no campaign line leaves the text as it is", text: "Launch day!\n\nimage: https://example.com/a.jpg\n", rest: "Launch day!\n\nimage: https://example.com/a.jpg\n"},
		{name: "a sentence with the word campaign stays", text: "Our campaign: save the whales", rest: "Our campaign: save the whales"},
		{name: "a line of several words after campaign: is the post's own text", text: "Campaign: save the whales\nJoin us", rest: "Campaign: save the whales\nJoin us"},
		{name: "campaign: inside a line is not a campaign line", text: "the campaign: launch is on", rest: "the campaign: launch is on"},
		{name: "a campaigns: line is not a campaign line", text: "Hi\ncampaigns: launch", rest: "Hi\ncampaigns: launch"},
		{name: "two campaign lines", text: "Hi\ncampaign: launch\ncampaign: spring",
			err: "A post joins one campaign; remove one of the campaign: lines."},
		{name: "the same campaign twice is still two lines", text: "campaign: launch\nHi\ncampaign: launch",
			err: "A post joins one campaign; remove one of the campaign: lines."},
		{name: "a campaign line without a name", text: "Hi\ncampaign:",
			err: "Say which campaign after campaign:, like campaign: launch; /campaign list shows them."},
		{name: "a name crier cannot take", text: "Hi\ncampaign: été",
			err: `"été" cannot be a campaign name: use 2 to 40 letters a-z, digits, - or _, like campaign: spring-launch.`},
		{name: "a name with punctuation is suggested plain", text: "Hi\ncampaign: black.friday",
			err: `"black.friday" cannot be a campaign name: use 2 to 40 letters a-z, digits, - or _, like campaign: black-friday.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rest, name, found, err := takeCampaign(tt.text)
			if tt.err != "" {
				require.Error(t, err)
				require.Equal(t, crier.EINVALID, crier.ErrorCode(err))
				require.Equal(t, tt.err, crier.ErrorMessage(err))
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.rest, rest)
			require.Equal(t, tt.camp, name)
			require.Equal(t, tt.found, found)
		})
	}
}

func TestCampaignForNeedsAnOpenCampaign(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := crier.NewManualClock(time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC))
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "crier.db"), clock)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	require.NoError(t, db.AddCampaign(ctx, &crier.Campaign{Name: "launch"}))
	require.NoError(t, db.AddCampaign(ctx, &crier.Campaign{Name: "spring"}))
	_, err = db.CloseCampaign(ctx, "spring")
	require.NoError(t, err)
	r := New(Deps{KPIs: db, Clock: clock})

	name, err := r.campaignFor(ctx, "Launch")
	require.NoError(t, err)
	require.Equal(t, "launch", name)

	_, err = r.campaignFor(ctx, "spring")
	require.Equal(t, crier.EINVALID, crier.ErrorCode(err))
	require.Equal(t, "Campaign spring is closed; remove the campaign: line, or make a new campaign with /campaign new <name>.", crier.ErrorMessage(err))

	_, err = r.campaignFor(ctx, "nope")
	require.Equal(t, crier.EINVALID, crier.ErrorCode(err))
	require.Equal(t, "There is no campaign named nope; make it with /campaign new nope, or see them with /campaign list.", crier.ErrorMessage(err))

	_, err = New(Deps{Clock: clock}).campaignFor(ctx, "launch")
	require.Equal(t, "crier keeps no campaigns here; ask whoever runs crier to add a digests: section to bot.yaml.", crier.ErrorMessage(err))
}
