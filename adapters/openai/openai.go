// Package openai is crier's AI writer: crier.Writer through
// github.com/sashabaranov/go-openai's Chat Completions client, so any
// OpenAI-compatible endpoint works — OpenAI, Azure OpenAI, Ollama (/v1),
// vLLM and llama.cpp's server.
//
// Variants asks for structured output: response_format json_schema with a
// strict schema {"variants":[{"network":<one of the requested names>,
// "text":string}]}. Servers that ignore response_format (older Ollama,
// llama.cpp) may answer the JSON inside a ```json fence, after a sentence:
// the fence and the sentence are stripped before parsing. A server that
// refuses json_schema with a 400 naming response_format (OpenAI models
// without Structured Outputs, some proxies) is asked once more with
// response_format json_object and the schema described in the prompt.
//
// Every error is one line a community manager can act on (a *crier.Error in
// the chain), never with the API key in it: the key is removed from every
// error text, the person's line included. A 429 is also crier.RateLimited
// with the wait the server asked for; a refused key is crier.AuthFailed; an
// unknown model, a refusal and a 4xx that retrying cannot fix are
// crier.Permanent.
package openai

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/crier-bot/crier/internal/crier"
)

// Log attribute keys.
const (
	keyHost     = "host"
	keyModel    = "model"
	keyFormat   = "response_format"
	keyStatus   = "status"
	keyTokens   = "total_tokens"
	keyError    = "error"
	keyDuration = "duration"
)

// DefaultTimeout bounds one call to the endpoint.
const DefaultTimeout = 60 * time.Second

// DefaultAzureAPIVersion is the Azure OpenAI API version used when
// Options.AzureAPIVersion is empty: the first GA version with Structured
// Outputs.
const DefaultAzureAPIVersion = "2024-10-21"

// Options configure the writer.
type Options struct {
	// BaseURL is the endpoint's base URL: https://api.openai.com/v1 (the
	// default), http://localhost:11434/v1 (Ollama), http://host:8000/v1
	// (vLLM), http://host:8080/v1 (llama.cpp), or with Azure the resource's
	// https://<resource>.openai.azure.com.
	BaseURL string
	// Model is the model's name (with Azure: the deployment's name).
	Model string
	// APIKey may be empty for servers that take none (Ollama, llama.cpp).
	APIKey string
	// Timeout bounds one call; 0 is DefaultTimeout. It is measured on Clock.
	Timeout time.Duration
	// HTTPClient carries the calls; nil is a new http.Client.
	HTTPClient *http.Client
	Clock      crier.Clock
	Logger     *slog.Logger
	// Azure selects Azure OpenAI: the api-key header and the
	// /openai/deployments/<Model>/chat/completions?api-version= path.
	Azure           bool
	AzureAPIVersion string // "" is DefaultAzureAPIVersion
}

// chatAPI is the part of go-openai's client the writer uses.
type chatAPI interface {
	CreateChatCompletion(ctx context.Context, req goopenai.ChatCompletionRequest) (goopenai.ChatCompletionResponse, error)
}

// Writer writes copy through one Chat Completions endpoint.
type Writer struct {
	api     chatAPI
	model   string
	host    string
	key     string
	timeout time.Duration
	clock   crier.Clock
	log     *slog.Logger
}

var _ crier.Writer = (*Writer)(nil)

// New returns a writer for the endpoint opts names. It calls nothing: a wrong
// key or model shows on the first request.
func New(opts Options) (*Writer, error) {
	if strings.TrimSpace(opts.Model) == "" {
		return nil, crier.Errorf(crier.EINVALID, "The AI writer needs a model: set writer.model in bot.yaml.")
	}
	base := strings.TrimSpace(opts.BaseURL)
	if base == "" {
		if opts.Azure {
			return nil, crier.Errorf(crier.EINVALID, "Azure OpenAI needs its resource address: set writer.base_url in bot.yaml (https://<resource>.openai.azure.com).")
		}
		base = "https://api.openai.com/v1"
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, crier.Errorf(crier.EINVALID, "writer.base_url in bot.yaml is not an http(s) address; for Ollama it is http://localhost:11434/v1.")
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	var cfg goopenai.ClientConfig
	if opts.Azure {
		cfg = goopenai.DefaultAzureConfig(opts.APIKey, base)
		cfg.APIVersion = opts.AzureAPIVersion
		if cfg.APIVersion == "" {
			cfg.APIVersion = DefaultAzureAPIVersion
		}
		cfg.AzureModelMapperFunc = func(model string) string { return model } // the deployment's name, as written
	} else {
		cfg = goopenai.DefaultConfig(opts.APIKey)
		cfg.BaseURL = base
	}
	cfg.HTTPClient = recorder{hc}
	return newWriter(goopenai.NewClientWithConfig(cfg), opts, u.Host), nil
}

// newWriter builds a writer around any chatAPI (tests hand in fakes).
func newWriter(api chatAPI, opts Options, host string) *Writer {
	w := &Writer{
		api:     api,
		model:   strings.TrimSpace(opts.Model),
		host:    host,
		key:     opts.APIKey,
		timeout: opts.Timeout,
		clock:   opts.Clock,
		log:     opts.Logger,
	}
	if w.timeout <= 0 {
		w.timeout = DefaultTimeout
	}
	if w.clock == nil {
		w.clock = crier.SystemClock{}
	}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	return w
}

// Variants writes one text per network of req.Networks, in that order.
func (w *Writer) Variants(ctx context.Context, req crier.WriteRequest) ([]crier.Variant, error) {
	if len(req.Networks) == 0 {
		return nil, crier.Errorf(crier.EINVALID, "Choose at least one network for the AI writer to write for.")
	}
	if strings.TrimSpace(req.Brief) == "" {
		return nil, crier.Errorf(crier.EINVALID, "Tell the AI writer what the post is about.")
	}
	names := make([]string, len(req.Networks))
	for i, n := range req.Networks {
		names[i] = n.Network
	}
	schema := variantsSchema(names)
	messages := []goopenai.ChatCompletionMessage{
		{Role: goopenai.ChatMessageRoleSystem, Content: variantsSystemPrompt(req, "")},
		{Role: goopenai.ChatMessageRoleUser, Content: variantsUserPrompt(req)},
	}
	format := &goopenai.ChatCompletionResponseFormat{
		Type: goopenai.ChatCompletionResponseFormatTypeJSONSchema,
		JSONSchema: &goopenai.ChatCompletionResponseFormatJSONSchema{
			Name: "crier_variants", Schema: schema, Strict: true,
		},
	}
	content, err := w.complete(ctx, messages, format)
	if err != nil && refusesJSONSchema(err) {
		w.log.WarnContext(ctx, "the AI writer refused response_format json_schema; asking again with json_object",
			keyHost, w.host, keyModel, w.model)
		messages[0].Content = variantsSystemPrompt(req, string(schema))
		content, err = w.complete(ctx, messages, &goopenai.ChatCompletionResponseFormat{
			Type: goopenai.ChatCompletionResponseFormatTypeJSONObject,
		})
	}
	if err != nil {
		return nil, err
	}
	vs, err := parseVariants(content, names)
	if err != nil {
		return nil, w.fail(err)
	}
	return vs, nil
}

// SuggestReply drafts an answer to a customer's comment, in plain text.
func (w *Writer) SuggestReply(ctx context.Context, req crier.ReplyRequest) (string, error) {
	if strings.TrimSpace(req.Comment) == "" {
		return "", crier.Errorf(crier.EINVALID, "There is no comment to answer.")
	}
	messages := []goopenai.ChatCompletionMessage{
		{Role: goopenai.ChatMessageRoleSystem, Content: replySystemPrompt(req)},
		{Role: goopenai.ChatMessageRoleUser, Content: replyUserPrompt(req)},
	}
	content, err := w.complete(ctx, messages, nil)
	if err != nil {
		return "", err
	}
	text := cleanReply(content)
	if text == "" {
		return "", w.fail(&answerError{
			person: crier.Errorf(crier.EUNAVAIL, "The AI writer at %s sent an empty answer; try again.", w.host),
			cause:  errors.New("empty reply"),
		})
	}
	return text, nil
}

// complete makes one call and returns the first choice's content, or an
// error for a person.
func (w *Writer) complete(ctx context.Context, messages []goopenai.ChatCompletionMessage, format *goopenai.ChatCompletionResponseFormat) (string, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		if crier.Sleep(ctx, w.clock, w.timeout) == nil {
			cancel(errTimedOut)
		}
	}()
	ex := &exchange{}
	start := w.clock.Now()
	resp, err := w.api.CreateChatCompletion(withExchange(ctx, ex), goopenai.ChatCompletionRequest{
		Model:          w.model,
		Messages:       messages,
		ResponseFormat: format,
	})
	formatName := "text"
	if format != nil {
		formatName = string(format.Type)
	}
	w.log.DebugContext(ctx, "AI writer call", keyHost, w.host, keyModel, w.model, keyFormat, formatName,
		keyStatus, ex.status, keyTokens, resp.Usage.TotalTokens, keyDuration, w.clock.Now().Sub(start),
		keyError, w.redactErr(err))
	if err != nil {
		return "", w.fail(w.explain(ctx, err, ex))
	}
	return w.content(resp)
}

// content reads the first choice: its text, or why there is none.
func (w *Writer) content(resp goopenai.ChatCompletionResponse) (string, error) {
	if len(resp.Choices) == 0 {
		return "", w.fail(&answerError{
			person: crier.Errorf(crier.EUNAVAIL, "The AI writer at %s sent an empty answer; try again.", w.host),
			cause:  errors.New("no choices in the answer"),
		})
	}
	c := resp.Choices[0]
	if r := oneLine(c.Message.Refusal); r != "" {
		return "", w.fail(&answerError{
			person: crier.Errorf(crier.EPERMANENT, "The AI writer refused: %s", clip(r, 300)),
			cause:  errors.New("refusal"), permanent: true,
		})
	}
	if c.FinishReason == goopenai.FinishReasonContentFilter {
		return "", w.fail(&answerError{
			person: crier.Errorf(crier.EPERMANENT, "The AI writer refused: its content filter stopped the answer; change the brief and try again."),
			cause:  errors.New("finish_reason content_filter"), permanent: true,
		})
	}
	if strings.TrimSpace(c.Message.Content) == "" {
		return "", w.fail(&answerError{
			person: crier.Errorf(crier.EUNAVAIL, "The AI writer at %s sent an empty answer; try again.", w.host),
			cause:  fmt.Errorf("empty content (finish_reason %q)", c.FinishReason),
		})
	}
	return c.Message.Content, nil
}
