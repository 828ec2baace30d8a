package discord_test

import (
	"context"
	"errors"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/discord"
)

func TestTokenRefused(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	wrong, err := discord.New(discord.Options{Token: "not-the-token", ApplicationID: appID, APIURL: f.url()})
	require.NoError(t, err)
	_, _, refused := wrong.Check(context.Background())
	require.Error(t, refused)
	require.True(t, discord.TokenRefused(refused), "the fake answers a wrong token with 401, as Discord does")

	for _, tt := range []struct {
		name string
		err  error
		want bool
	}{
		{"no error is no refusal", nil, false},
		{"an unreachable Discord is no refusal", errors.New("dial tcp: connection refused"), false},
		{"the gateway closing with 4004 is a refusal", &websocket.CloseError{Code: 4004}, true},
		{"the gateway closing otherwise is no refusal", &websocket.CloseError{Code: 4000}, false},
		{"discordgo's unauthorized error is a refusal", discordgo.ErrUnauthorized, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, discord.TokenRefused(tt.err))
		})
	}
}
