package openai_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/openai"
	"github.com/crier-bot/crier/adapters/openai/openaitest"
	"github.com/crier-bot/crier/internal/crier"
)

var flavours = []struct {
	name string
	f    openaitest.Flavour
	rec  string // prefix of its recordings
}{
	{"OpenAI", openaitest.OpenAI, "openai_"},
	{"Ollama", openaitest.Ollama, "ollama_"},
}

func TestVariantsInThePortugueseVoiceOnBothServers(t *testing.T) {
	t.Parallel()
	for _, fl := range flavours {
		t.Run(fl.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, fl.f)
			b.srv.Script(openaitest.Recorded(fl.rec + "variants_pt"))

			got, err := b.w.Variants(context.Background(), ptRequest())
			require.NoError(t, err)

			want := openaitest.RecordedVariants(fl.f)
			require.Equal(t, []crier.Variant{
				{Network: "mastodon", Text: want["mastodon"]},
				{Network: "bluesky", Text: want["bluesky"]},
			}, got)

			reqs := b.srv.Requests()
			require.Len(t, reqs, 1)
			r := reqs[0]
			require.Equal(t, b.srv.Model(), r.Model)
			require.NotNil(t, r.ResponseFormat)
			require.Equal(t, "json_schema", r.ResponseFormat.Type)
			require.True(t, r.ResponseFormat.JSONSchema.Strict)
			require.Equal(t, []string{"mastodon", "bluesky"}, r.Networks())
			sys := r.Text("system")
			for _, s := range []string{"Portuguese", "caloroso, simples, sem exageros", "comunidade, livros",
				"imperdível, incrível", "#FeiraDeTrocas #Porto", "mastodon (mastodon): at most 500 characters",
				"bluesky (bluesky): at most 300 graphemes"} {
				require.Contains(t, sys, s)
			}
			require.Contains(t, r.Text("user"), ptRequest().Brief)
			if fl.f == openaitest.OpenAI {
				require.Equal(t, "Bearer "+openaitest.Key, r.Header.Get("Authorization"))
			} else {
				require.Empty(t, r.Header.Get("Authorization"), "no key is configured for Ollama")
			}
			require.Contains(t, b.logs.String(), "AI writer call", "calls are logged at debug level")
			require.NotContains(t, b.logs.String(), openaitest.Key)
		})
	}
}

func TestVariantsFollowTheRequestOrderAndCarryFeedback(t *testing.T) {
	t.Parallel()
	b := setup(t, openaitest.OpenAI)
	b.srv.Script(openaitest.Variants(
		crier.Variant{Network: "bluesky", Text: "  Curto.  "},
		crier.Variant{Network: "mastodon", Text: "Mais longo."},
	))
	req := ptRequest()
	req.Feedback = "bluesky's text is 340 graphemes; its limit is 300"
	got, err := b.w.Variants(context.Background(), req)
	require.NoError(t, err)
	require.Equal(t, []crier.Variant{{Network: "mastodon", Text: "Mais longo."}, {Network: "bluesky", Text: "Curto."}}, got)
	require.Contains(t, b.srv.Requests()[0].Text("user"), req.Feedback)
}

func TestSuggestReplyOnBothServers(t *testing.T) {
	t.Parallel()
	for _, fl := range flavours {
		t.Run(fl.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, fl.f)
			b.srv.Script(openaitest.Recorded(fl.rec + "reply_pt"))
			got, err := b.w.SuggestReply(context.Background(), ptReply())
			require.NoError(t, err)
			require.Equal(t, openaitest.RecordedReply(fl.f), got)

			r := b.srv.Requests()[0]
			require.Nil(t, r.ResponseFormat, "a reply is plain text")
			require.Contains(t, r.Text("system"), "at most 500 characters")
			require.Contains(t, r.Text("system"), "Portuguese")
			require.Contains(t, r.Text("user"), "Comment from Marta:\nPosso levar livros infantis?")
			require.Contains(t, r.Text("user"), ptReply().Post)
		})
	}
}

func TestSuggestReplyDropsQuotesAroundTheAnswer(t *testing.T) {
	t.Parallel()
	b := setup(t, openaitest.Ollama)
	b.srv.Script(openaitest.Content("\n“Olá Marta! Pode sim.”\n"))
	got, err := b.w.SuggestReply(context.Background(), ptReply())
	require.NoError(t, err)
	require.Equal(t, "Olá Marta! Pode sim.", got)
}

func TestFencedJSONFromServersThatIgnoreResponseFormat(t *testing.T) {
	t.Parallel()
	t.Run("recorded Ollama answer", func(t *testing.T) {
		t.Parallel()
		b := setup(t, openaitest.Ollama)
		b.srv.Script(openaitest.Recorded("ollama_fenced"))
		got, err := b.w.Variants(context.Background(), ptRequest())
		require.NoError(t, err)
		require.Len(t, got, 2)
		require.True(t, strings.HasPrefix(got[0].Text, "Feira de trocas de livros no sábado"), got[0].Text)
		require.True(t, strings.HasSuffix(got[1].Text, "#FeiraDeTrocas"), got[1].Text)
	})
	t.Run("the server's own fenced default", func(t *testing.T) {
		t.Parallel()
		b := setup(t, openaitest.Ollama)
		b.srv.IgnoreResponseFormat(true)
		got, err := b.w.Variants(context.Background(), ptRequest())
		require.NoError(t, err)
		want := openaitest.RecordedVariants(openaitest.Ollama)
		require.Equal(t, want["bluesky"], got[1].Text)
	})
	for _, tc := range []struct{ name, content string }{
		{"a fence without a language", "```\n{\"variants\":[{\"network\":\"mastodon\",\"text\":\"a\"},{\"network\":\"bluesky\",\"text\":\"b\"}]}\n```"},
		{"a fence on one line", "```{\"variants\":[{\"network\":\"mastodon\",\"text\":\"a\"},{\"network\":\"bluesky\",\"text\":\"b\"}]}```"},
		{"a sentence before bare JSON", "Claro! {\"variants\":[{\"network\":\"mastodon\",\"text\":\"a\"},{\"network\":\"bluesky\",\"text\":\"b\"}]} Boa sorte."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, openaitest.Ollama)
			b.srv.Script(openaitest.Content(tc.content))
			got, err := b.w.Variants(context.Background(), ptRequest())
			require.NoError(t, err)
			require.Equal(t, []crier.Variant{{Network: "mastodon", Text: "a"}, {Network: "bluesky", Text: "b"}}, got)
		})
	}
}

func TestJSONSchemaRefusedFallsBackToJSONObjectOnce(t *testing.T) {
	t.Parallel()
	t.Run("the second answer is used", func(t *testing.T) {
		t.Parallel()
		b := setup(t, openaitest.OpenAI)
		b.srv.RejectJSONSchema(true)
		b.srv.Script(openaitest.Variants(crier.Variant{Network: "mastodon", Text: "m"}, crier.Variant{Network: "bluesky", Text: "b"}))
		got, err := b.w.Variants(context.Background(), ptRequest())
		require.NoError(t, err)
		require.Equal(t, []crier.Variant{{Network: "mastodon", Text: "m"}, {Network: "bluesky", Text: "b"}}, got)

		reqs := b.srv.Requests()
		require.Len(t, reqs, 2)
		require.Equal(t, "json_schema", reqs[0].ResponseFormat.Type)
		require.Equal(t, "json_object", reqs[1].ResponseFormat.Type)
		sys := reqs[1].Text("system")
		require.Contains(t, sys, `"enum":["mastodon","bluesky"]`, "the schema is described in the prompt")
		require.Contains(t, b.logs.String(), "asking again with json_object")
	})
	t.Run("a second refusal is the answer", func(t *testing.T) {
		t.Parallel()
		b := setup(t, openaitest.OpenAI)
		b.srv.RejectJSONSchema(true)
		b.srv.Script(openaitest.Error(http.StatusBadRequest, "Invalid parameter: 'response_format' of type 'json_object' is not supported with this model."))
		_, err := b.w.Variants(context.Background(), ptRequest())
		require.Error(t, err)
		require.Equal(t, 2, len(b.srv.Requests()), "asked once more, not again and again")
		require.Contains(t, crier.ErrorMessage(err), "refused the request (HTTP 400")
	})
	t.Run("another 400 is not retried", func(t *testing.T) {
		t.Parallel()
		b := setup(t, openaitest.OpenAI)
		b.srv.Script(openaitest.Error(http.StatusBadRequest, "This model's maximum context length is 8192 tokens."))
		_, err := b.w.Variants(context.Background(), ptRequest())
		require.Error(t, err)
		require.Equal(t, 1, len(b.srv.Requests()))
		require.True(t, crier.IsPermanent(err))
	})
}

func TestTheSchemaIsStrictEnoughForOpenAI(t *testing.T) {
	t.Parallel()
	// The fake refuses a strict schema the way OpenAI does when an object lacks
	// additionalProperties: false or leaves a property out of required.
	b := setup(t, openaitest.OpenAI)
	_, err := b.w.Variants(context.Background(), ptRequest())
	require.NoError(t, err)
	var schema map[string]any
	require.NoError(t, json.Unmarshal(b.srv.Requests()[0].ResponseFormat.JSONSchema.Schema, &schema))
	require.Equal(t, false, schema["additionalProperties"])
}

func TestAzureOpenAI(t *testing.T) {
	t.Parallel()
	srv := openaitest.New(t)
	w, err := openai.New(openai.Options{BaseURL: srv.URL(), Model: openaitest.OpenAIModel, APIKey: openaitest.Key, Azure: true})
	require.NoError(t, err)
	_, err = w.Variants(context.Background(), ptRequest())
	require.NoError(t, err)
	r := srv.Requests()[0]
	require.Equal(t, "/openai/deployments/gpt-4o-mini/chat/completions", r.Path)
	require.Equal(t, openai.DefaultAzureAPIVersion, r.Query.Get("api-version"))
	require.Equal(t, openaitest.Key, r.Header.Get("api-key"))
	require.Empty(t, r.Header.Get("Authorization"))
}

func TestNewRefusesWhatCannotWork(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts openai.Options
		want string
	}{
		{"no model", openai.Options{BaseURL: "http://localhost:11434/v1"}, "writer.model"},
		{"not an address", openai.Options{BaseURL: "localhost:11434", Model: "llama3.2"}, "writer.base_url"},
		{"Azure without its address", openai.Options{Model: "gpt-4o", Azure: true}, "writer.base_url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := openai.New(tc.opts)
			require.Equal(t, crier.EINVALID, crier.ErrorCode(err))
			require.Contains(t, crier.ErrorMessage(err), tc.want)
		})
	}
}

func TestNothingToWriteIsSaidPlainly(t *testing.T) {
	t.Parallel()
	b := setup(t, openaitest.OpenAI)
	req := ptRequest()
	req.Networks = nil
	_, err := b.w.Variants(context.Background(), req)
	require.Equal(t, crier.EINVALID, crier.ErrorCode(err))
	req = ptRequest()
	req.Brief = "  "
	_, err = b.w.Variants(context.Background(), req)
	require.Equal(t, crier.EINVALID, crier.ErrorCode(err))
	_, err = b.w.SuggestReply(context.Background(), crier.ReplyRequest{})
	require.Equal(t, crier.EINVALID, crier.ErrorCode(err))
	require.Empty(t, b.srv.Requests())
}
