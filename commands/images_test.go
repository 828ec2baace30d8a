package commands_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/internal/crier"
)

func TestImageLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		line string
		want []crier.Image
	}{
		{"a trailing bar with nothing after it means no description, and the address stays as typed",
			"/draft Mural\nimage: https://example.com/a.jpg |", []crier.Image{{URL: "https://example.com/a.jpg"}}},
		{"a bar with only spaces after it means no description",
			"/draft Mural\nimage: https://example.com/a.jpg |   ", []crier.Image{{URL: "https://example.com/a.jpg"}}},
		{"a bar without spaces around it still separates the description",
			"/draft Mural\nimage: https://example.com/a.jpg|A blue wall", []crier.Image{{URL: "https://example.com/a.jpg", Alt: "A blue wall"}}},
		{"a description may contain a bar of its own",
			"/draft Mural\nimage: https://example.com/a.jpg | Before | after", []crier.Image{{URL: "https://example.com/a.jpg", Alt: "Before | after"}}},
		{"the address is stored exactly as typed, escapes and all",
			"/draft Mural\nimage: https://example.com/a%20b.jpg?s=1&t=2", []crier.Image{{URL: "https://example.com/a%20b.jpg?s=1&t=2"}}},
		{"Slack's link markup with a description after it",
			"/draft Mural\nimage: <https://example.com/m.jpg|m.jpg> | A blue wall", []crier.Image{{URL: "https://example.com/m.jpg", Alt: "A blue wall"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			resp := b.say(t, ana, tt.line)
			require.False(t, resp.Error, resp.Text)
			p, err := b.pub.Post(context.Background(), 1)
			require.NoError(t, err)
			require.Equal(t, tt.want, p.Images)
		})
	}
}

func TestAnImageAddressWithASpaceAsksForTheBar(t *testing.T) {
	t.Parallel()
	b := setup(t)
	resp := b.say(t, ana, "/draft Mural\nimage: https://example.com/a.jpg A blue wall")
	require.True(t, resp.Error)
	require.Equal(t, `✗ "https://example.com/a.jpg A blue wall" is not a web address of a picture. Write the image line like: image: https://example.com/photo.jpg | A red bicycle`, resp.Text)
}
