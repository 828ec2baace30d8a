package commands_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/openai"
	"github.com/crier-bot/crier/adapters/openai/openaitest"
	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/criertest"
)

// writerBundle has the networks "long" (500) and "short" (40) and an AI
// writer against the OpenAI fake.
func writerBundle(t *testing.T) (*criertest.Bundle, *openaitest.Server) {
	t.Helper()
	srv := openaitest.New(t)
	w, err := openai.New(openai.Options{BaseURL: srv.BaseURL(), Model: srv.Model(), APIKey: openaitest.Key, Timeout: 10 * time.Second})
	require.NoError(t, err)
	b := criertest.Setup(t, criertest.WithFileNetwork("long", 500), criertest.WithFileNetwork("short", 40),
		criertest.WithCommands(func(d *commands.Deps) {
			d.Writer = w
			d.Voice = crier.Voice{Tone: "warm", Language: "pt"}
		}))
	return b, srv
}

func TestDraftAIWritesATextPerNetworkWithinItsLimit(t *testing.T) {
	t.Parallel()
	b, srv := writerBundle(t)
	srv.Script(openaitest.Variants(
		crier.Variant{Network: "long", Text: "A nossa loja nova abre sexta às 10h. Venha conhecer a equipa e leve um café por nossa conta!"},
		crier.Variant{Network: "short", Text: "Loja nova: sexta, 10h! ☕"},
	))
	resp := b.Say(t, "shell", scheduler, "/draft ai new shop opens friday 10am, free coffee")
	require.False(t, resp.Error, resp.Text)
	require.True(t, strings.HasPrefix(resp.Text, "✓ Draft #1 written from your brief."), resp.Text)
	p := b.Post(t, 1)
	require.Equal(t, crier.PostDraft, p.Status, "a draft: nothing goes out by itself")
	require.Equal(t, "A nossa loja nova abre sexta às 10h. Venha conhecer a equipa e leve um café por nossa conta!", p.TextFor("long"))
	require.Equal(t, "Loja nova: sexta, 10h! ☕", p.TextFor("short"))
	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	require.Contains(t, reqs[0].Text("system"), "Portuguese", "the brand voice's language")
}

func TestAVariantOverItsLimitIsAskedForAgainOnceNeverCut(t *testing.T) {
	t.Parallel()
	b, srv := writerBundle(t)
	long := strings.Repeat("Muito texto ", 5) // 60 characters: over short's 40
	srv.Script(
		openaitest.Variants(crier.Variant{Network: "long", Text: "Ok"}, crier.Variant{Network: "short", Text: long}),
		openaitest.Variants(crier.Variant{Network: "long", Text: "Ok"}, crier.Variant{Network: "short", Text: "Curto!"}),
	)
	resp := b.Say(t, "shell", scheduler, "/draft ai sale")
	require.False(t, resp.Error, resp.Text)
	require.Equal(t, "Curto!", b.Post(t, 1).TextFor("short"))
	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	require.Contains(t, reqs[1].Text("user"), "too long for short", "the second request says what was wrong")

	srv.Script(
		openaitest.Variants(crier.Variant{Network: "long", Text: "Ok"}, crier.Variant{Network: "short", Text: long}),
		openaitest.Variants(crier.Variant{Network: "long", Text: "Ok"}, crier.Variant{Network: "short", Text: long}),
	)
	resp = b.Say(t, "shell", scheduler, "/draft ai sale")
	require.Equal(t, "✗ The AI writer's text is 19 characters too long for short (59/40), even after being asked again; crier does not cut it. Write that one yourself, or try again.", resp.Text)
}

func TestTheWriterFailingLeavesTheDraftAndSaysSoInOneLine(t *testing.T) {
	t.Parallel()
	b, srv := writerBundle(t)
	b.Say(t, "shell", scheduler, "/draft Our spring sale starts Friday")
	for _, tc := range []struct {
		answer openaitest.Answer
		says   string
	}{
		{openaitest.RateLimited("20"), "try again in 20 s"},
		{openaitest.Error(http.StatusInternalServerError, "boom"), "HTTP 500"},
		{openaitest.Refusal("I can't help with that."), "The AI writer refused: I can't help with that."},
		{openaitest.Content("not json at all"), "not the JSON crier asked for"},
	} {
		srv.Script(tc.answer)
		resp := b.Say(t, "shell", scheduler, "/write #1")
		require.True(t, resp.Error, resp.Text)
		require.Contains(t, resp.Text, tc.says)
		require.NotContains(t, resp.Text, "\n")
		require.NotContains(t, resp.Text, openaitest.Key)
		p := b.Post(t, 1)
		require.Equal(t, "Our spring sale starts Friday", p.Text, "the draft stays")
		require.Empty(t, p.Variants)
	}
}

func TestWithoutAWriterCrierSaysHowToSetOneUp(t *testing.T) {
	t.Parallel()
	b := criertest.Setup(t)
	require.Equal(t, "✗ AI writing is off: add a writer: section to bot.yaml with an OpenAI-compatible base_url, model and api_key (the README shows OpenAI, Azure, Ollama and others).",
		b.Say(t, "shell", scheduler, "/draft ai sale friday").Text)
}

func TestWriteVariantsAdaptsADraftPerNetwork(t *testing.T) {
	t.Parallel()
	b, srv := writerBundle(t)
	b.Say(t, "shell", scheduler, "/draft Spring sale Friday, 20% off")
	srv.Script(openaitest.Variants(crier.Variant{Network: "long", Text: "Spring sale Friday: 20% off everything!"}, crier.Variant{Network: "short", Text: "Sale Friday: 20% off!"}))
	resp := b.Say(t, "shell", scheduler, "/write #1")
	require.Equal(t, "✓ Post #1 changed.", resp.Text)
	p := b.Post(t, 1)
	require.Equal(t, "Sale Friday: 20% off!", p.TextFor("short"))
	require.Equal(t, "Spring sale Friday, 20% off", p.Text, "the main text stays")
}
