package openai_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/openai"
	"github.com/crier-bot/crier/adapters/openai/openaitest"
	"github.com/crier-bot/crier/internal/crier"
)

// mark is how crier's retry rules see an error.
type mark int

const (
	temporary mark = iota
	rateLimited
	auth
	permanent
)

func marked(err error) mark {
	var rl *crier.RateLimitError
	switch {
	case errors.As(err, &rl):
		return rateLimited
	case crier.IsAuth(err):
		return auth
	case crier.IsPermanent(err):
		return permanent
	}
	return temporary
}

// badInput is one way the endpoint fails, and what a person must read.
type badInput struct {
	name    string
	flavour openaitest.Flavour
	mods    []func(*openai.Options)
	prepare func(b testBundle)
	reply   bool   // call SuggestReply instead of Variants
	code    string // crier error code
	want    string // the exact line a person reads; {host} is the endpoint's host
	mark    mark
	after   time.Duration // with rateLimited: the wait
}

func badInputs() []badInput {
	script := func(a ...openaitest.Answer) func(b testBundle) {
		return func(b testBundle) { b.srv.Script(a...) }
	}
	return []badInput{
		{name: "a wrong key echoed by the server", prepare: func(b testBundle) { b.srv.EchoKey(true) },
			mods: []func(*openai.Options){func(o *openai.Options) { o.APIKey = "sk-proj-WRONGkey9Zx8Yw7Vu6Ts5Rq4Po3Nm2" }},
			code: crier.EPERMANENT, mark: auth,
			want: "The AI writer at {host} refused the API key; set a new key in the environment variable named in bot.yaml (writer.api_key) and restart crier."},
		{name: "a wrong key masked by the server",
			mods: []func(*openai.Options){func(o *openai.Options) { o.APIKey = "sk-proj-WRONGkey9Zx8Yw7Vu6Ts5Rq4Po3Nm2" }},
			code: crier.EPERMANENT, mark: auth,
			want: "The AI writer at {host} refused the API key; set a new key in the environment variable named in bot.yaml (writer.api_key) and restart crier."},
		{name: "403 for the key", prepare: script(openaitest.Error(http.StatusForbidden, "You are not allowed to sample from this model")),
			code: crier.EPERMANENT, mark: auth,
			want: "The AI writer at {host} refused the API key; set a new key in the environment variable named in bot.yaml (writer.api_key) and restart crier."},
		{name: "403 for the model", prepare: script(openaitest.Recorded("openai_403")), code: crier.EPERMANENT, mark: permanent,
			want: `The AI writer at {host} does not let this key use the model "gpt-4o-mini"; choose another writer.model in bot.yaml, or give the key access to it.`},
		{name: "404 model not found on OpenAI", mods: []func(*openai.Options){func(o *openai.Options) { o.Model = "gpt-5-imaginary" }},
			code: crier.EPERMANENT, mark: permanent,
			want: `The AI writer at {host} has no model "gpt-5-imaginary"; check writer.model in bot.yaml.`},
		{name: "404 model not found on Ollama", flavour: openaitest.Ollama, mods: []func(*openai.Options){func(o *openai.Options) { o.Model = "qwen9:1b" }},
			code: crier.EPERMANENT, mark: permanent,
			want: `The AI writer at {host} has no model "qwen9:1b" (on the Ollama machine: ollama pull qwen9:1b); check writer.model in bot.yaml.`},
		{name: "a base URL without /v1 on Ollama", flavour: openaitest.Ollama,
			mods: []func(*openai.Options){func(o *openai.Options) { o.BaseURL = strings.TrimSuffix(o.BaseURL, "/v1") }},
			code: crier.EPERMANENT, mark: permanent,
			want: "The AI writer at {host} has no Chat Completions endpoint at that address; check writer.base_url in bot.yaml (it usually ends in /v1)."},
		{name: "429 with Retry-After in seconds", prepare: script(openaitest.Recorded("openai_429")), code: crier.EUNAVAIL,
			mark: rateLimited, after: 20 * time.Second,
			want: "The AI writer at {host} is busy (too many requests); try again in 20 s."},
		{name: "429 with Retry-After as a date", prepare: script(openaitest.RateLimited("Sun, 06 Dec 2026 09:02:30 GMT")),
			code: crier.EUNAVAIL, mark: rateLimited, after: 150 * time.Second,
			want: "The AI writer at {host} is busy (too many requests); try again in 3 min."},
		{name: "429 without Retry-After", prepare: script(openaitest.RateLimited("")), code: crier.EUNAVAIL, mark: rateLimited,
			want: "The AI writer at {host} is busy (too many requests); try again in a minute."},
		{name: "429 out of credit", prepare: script(openaitest.Recorded("openai_429_quota")), code: crier.EPERMANENT, mark: permanent,
			want: "The AI writer's account at {host} has run out of credit; add credit or raise its limit, then try again."},
		{name: "500", prepare: script(openaitest.Recorded("openai_500")), code: crier.EUNAVAIL,
			want: "The AI writer at {host} had a problem of its own (HTTP 500); try again in a few minutes."},
		{name: "503 overloaded", prepare: script(openaitest.Recorded("openai_503")), code: crier.EUNAVAIL,
			want: "The AI writer at {host} had a problem of its own (HTTP 503); try again in a few minutes."},
		{name: "502 HTML page from a proxy", prepare: script(openaitest.Recorded("openai_502_html")), code: crier.EUNAVAIL,
			want: "The AI writer at {host} had a problem of its own (HTTP 502); try again in a few minutes."},
		{name: "Ollama out of memory", flavour: openaitest.Ollama, prepare: script(openaitest.Recorded("ollama_500")), code: crier.EUNAVAIL,
			want: "The AI writer at {host} had a problem of its own (HTTP 500); try again in a few minutes."},
		{name: "the connection dropped", prepare: script(openaitest.Drop()), code: crier.EUNAVAIL,
			want: "The AI writer at {host} closed the connection without answering; check that it is running and that writer.base_url is right, then try again."},
		{name: "a body that is not JSON", prepare: script(openaitest.Recorded("openai_malformed")), code: crier.EUNAVAIL,
			want: "The AI writer at {host} answered something that is not the JSON of Chat Completions; try again, or check writer.base_url."},
		{name: "content that is not JSON", prepare: script(openaitest.Content("Claro! Para o Mastodon: Feira de trocas no sábado.")),
			code: crier.EUNAVAIL, want: "The AI writer's answer was not the JSON crier asked for; try again."},
		{name: "a text that is not a string", prepare: script(openaitest.Content(`{"variants":[{"network":"mastodon","text":42}]}`)),
			code: crier.EUNAVAIL, want: "The AI writer's answer was not the JSON crier asked for; try again."},
		{name: "a network left out", prepare: script(openaitest.Variants(crier.Variant{Network: "mastodon", Text: "Olá"})),
			code: crier.EUNAVAIL, want: "The AI writer's answer left out bluesky; try again."},
		{name: "every network left out", prepare: script(openaitest.Variants()),
			code: crier.EUNAVAIL, want: "The AI writer's answer left out mastodon and bluesky; try again."},
		{name: "a network twice", prepare: script(openaitest.Variants(crier.Variant{Network: "mastodon", Text: "a"},
			crier.Variant{Network: "mastodon", Text: "b"}, crier.Variant{Network: "bluesky", Text: "c"})),
			code: crier.EUNAVAIL, want: "The AI writer's answer gave mastodon twice; try again."},
		{name: "a network not asked for", prepare: script(openaitest.Variants(crier.Variant{Network: "mastodon", Text: "a"},
			crier.Variant{Network: "twitter", Text: "b"}, crier.Variant{Network: "bluesky", Text: "c"})),
			code: crier.EUNAVAIL, want: `The AI writer's answer named a network crier did not ask for ("twitter"); try again.`},
		{name: "an empty text", prepare: script(openaitest.Variants(crier.Variant{Network: "mastodon", Text: "a"},
			crier.Variant{Network: "bluesky", Text: "  "})),
			code: crier.EUNAVAIL, want: "The AI writer's answer has an empty text for bluesky; try again."},
		{name: "a refusal", prepare: script(openaitest.Recorded("openai_refusal")), code: crier.EPERMANENT, mark: permanent,
			want: "The AI writer refused: I'm sorry, but I can't help with writing posts that make false health claims."},
		{name: "a refusal over several lines", prepare: script(openaitest.Refusal("I can't write that.\n\nIt names a real person.")),
			code: crier.EPERMANENT, mark: permanent, want: "The AI writer refused: I can't write that. It names a real person."},
		{name: "the content filter", prepare: script(openaitest.Recorded("openai_content_filter")), code: crier.EPERMANENT, mark: permanent,
			want: "The AI writer refused: its content filter stopped the answer; change the brief and try again."},
		{name: "no choices", prepare: script(openaitest.Recorded("openai_no_choices")), code: crier.EUNAVAIL,
			want: "The AI writer at {host} sent an empty answer; try again."},
		{name: "an empty reply", reply: true, prepare: script(openaitest.Content("   ")), code: crier.EUNAVAIL,
			want: "The AI writer at {host} sent an empty answer; try again."},
		{name: "a refused reply", reply: true, prepare: script(openaitest.Refusal("I can't help with that.")), code: crier.EPERMANENT,
			mark: permanent, want: "The AI writer refused: I can't help with that."},
	}
}

func TestBadInputIsOnePlainLine(t *testing.T) {
	t.Parallel()
	for _, tc := range badInputs() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, tc.flavour, tc.mods...)
			if tc.prepare != nil {
				tc.prepare(b)
			}
			err := call(b, tc.reply)
			require.Error(t, err)
			want := strings.ReplaceAll(tc.want, "{host}", b.host)
			require.Equal(t, want, crier.ErrorMessage(err))
			require.Equal(t, tc.code, crier.ErrorCode(err))
			require.Equal(t, tc.mark, marked(err), "how retries see it")
			if tc.mark == rateLimited && tc.after > 0 {
				after, ok := crier.RetryAfter(err)
				require.True(t, ok)
				require.Equal(t, tc.after, after)
			}
			requireNoKey(t, b, err)
		})
	}
}

func call(b testBundle, reply bool) error {
	if reply {
		_, err := b.w.SuggestReply(context.Background(), ptReply())
		return err
	}
	_, err := b.w.Variants(context.Background(), ptRequest())
	return err
}

// requireNoKey checks that the key is nowhere a person or the log sees it,
// whole or as a server's masked copy (its last characters).
func requireNoKey(t *testing.T, b testBundle, err error) {
	t.Helper()
	if b.key == "" {
		return
	}
	tail := b.key[len(b.key)-6:]
	for where, text := range map[string]string{
		"the person's line": crier.ErrorMessage(err),
		"the error":         err.Error(),
		"the error, %+v":    fmt.Sprintf("%+v", err),
		"the log":           b.logs.String(),
	} {
		require.NotContains(t, text, b.key, where)
		require.NotContains(t, text, tail, where)
	}
	require.NotContains(t, crier.ErrorMessage(err), "\n")
}

func TestTimeoutOnTheInjectedClock(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		timeout time.Duration
		wait    time.Duration
		want    string
	}{
		{"the default 60 s", 0, 60 * time.Second, "did not answer within 60 s"},
		{"a configured 2 min", 2 * time.Minute, 2 * time.Minute, "did not answer within 2 min"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, openaitest.OpenAI, func(o *openai.Options) { o.Timeout = tc.timeout })
			b.srv.Script(openaitest.Hang())
			errc := make(chan error, 1)
			go func() { errc <- call(b, false) }()
			<-b.srv.Received()
			for b.clock.Waiters() == 0 {
				runtime.Gosched()
			}
			b.clock.Add(tc.wait - time.Second)
			select {
			case err := <-errc:
				t.Fatalf("gave up before the timeout: %v", err)
			default:
			}
			b.clock.Add(time.Second)
			err := <-errc
			require.Equal(t, "The AI writer at "+b.host+" "+tc.want+"; try again, or check writer.base_url.", crier.ErrorMessage(err))
			require.Equal(t, crier.EUNAVAIL, crier.ErrorCode(err))
			requireNoKey(t, b, err)
		})
	}
}

func TestAnEndpointThatIsDown(t *testing.T) {
	t.Parallel()
	// The key sits in the URL path too, as some gateways want it: the dial
	// error names the URL, and neither may show it.
	down := openaitest.DownURL(t)
	b := setup(t, openaitest.OpenAI, func(o *openai.Options) {
		o.BaseURL = strings.TrimSuffix(down, "/v1") + "/" + o.APIKey + "/v1"
	})
	err := call(b, false)
	require.Equal(t, "The AI writer at "+b.host+" cannot be reached (connection refused); check that it is running and that writer.base_url is right, then try again.",
		crier.ErrorMessage(err))
	require.Equal(t, crier.EUNAVAIL, crier.ErrorCode(err))
	requireNoKey(t, b, err)
}

func TestTheKeyInTheURLIsNotEchoed(t *testing.T) {
	t.Parallel()
	// OpenAI answers a wrong path with "Invalid URL (POST /…)": the path holds
	// the key here.
	b := setup(t, openaitest.OpenAI, func(o *openai.Options) {
		o.BaseURL = strings.TrimSuffix(o.BaseURL, "/v1") + "/" + o.APIKey + "/v1"
	})
	err := call(b, false)
	require.Equal(t, crier.EPERMANENT, crier.ErrorCode(err))
	require.Contains(t, err.Error(), "Invalid URL (POST /[redacted]/v1/chat/completions)", "the log keeps the server's words")
	requireNoKey(t, b, err)
}

func TestACancelledCallIsNotBlamedOnTheEndpoint(t *testing.T) {
	t.Parallel()
	b := setup(t, openaitest.OpenAI)
	b.srv.Script(openaitest.Hang())
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := b.w.Variants(ctx, ptRequest())
		errc <- err
	}()
	<-b.srv.Received()
	cancel()
	err := <-errc
	require.Contains(t, crier.ErrorMessage(err), "was not awaited")
}
