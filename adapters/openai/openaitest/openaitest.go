// Package openaitest is a fake OpenAI-compatible Chat Completions endpoint
// for tests: an httptest.Server that answers POST /v1/chat/completions (and
// Azure OpenAI's /openai/deployments/{deployment}/chat/completions) the way
// the real services do, records every request, and answers from a script of
// recorded responses (testdata/*.json) or faults.
//
// Sources. The OpenAI flavour (New) follows OpenAI's API reference for Chat
// Completions and its Structured Outputs guide: the chat completion object
// (id, object, created, model, choices[].message{role, content, refusal,
// annotations}, finish_reason, usage, service_tier, system_fingerprint), a
// refusal as message.refusal with content null, finish_reason
// "content_filter", the error object {"error":{"message","type","param",
// "code"}} with invalid_api_key (401), model_not_found (404),
// rate_limit_exceeded and insufficient_quota (429, Retry-After and
// x-ratelimit-* headers), server_error (500), server_is_overloaded (503);
// response_format json_schema with strict: true refused (400, param
// response_format) when an object lacks "additionalProperties": false or
// does not list every property in "required"; json_object refused (400)
// unless a message contains the word "json". The Ollama flavour (NewOllama)
// follows ollama/ollama's openai/openai.go and middleware/openai.go: no key
// is checked, the answer is openai.ToChatCompletion's (id chatcmpl-<n>,
// system_fingerprint fp_ollama, a message without refusal, usage from the
// eval counts), json_schema's schema becomes Ollama's format and json_object
// becomes format "json", and errors are openai.NewError's: the status kept,
// type invalid_request_error (400), not_found_error (404) or api_error,
// param and code null; an unknown model is 404 `model "x" not found, try
// pulling it first`. IgnoreResponseFormat makes either flavour answer like
// an older Ollama or llama.cpp's server that ignores response_format: the
// JSON comes wrapped in a ```json fence.
package openaitest

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"strings"
	"sync"
	"testing"

	"github.com/crier-bot/crier/internal/crier"
)

//go:embed testdata/*.json
var recordings embed.FS

// Flavour is which server the fake answers as.
type Flavour int

// Flavours.
const (
	OpenAI Flavour = iota // api.openai.com (and Azure OpenAI's paths)
	Ollama                // Ollama's /v1 OpenAI-compatible endpoint
)

// The key the OpenAI flavour accepts and the model each flavour serves.
const (
	Key         = "sk-proj-TESTKEY4f9c2d7e1a8b6305c9e2f1d4a7b0c3e6"
	OpenAIModel = "gpt-4o-mini"
	OllamaModel = "llama3.2"
)

// Request is one request the fake received.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
	// Decoded from Body.
	Model          string
	Messages       []Message
	ResponseFormat *ResponseFormat
}

// Message is one chat message of a request.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// ResponseFormat is a request's response_format.
type ResponseFormat struct {
	Type       string `json:"type"`
	JSONSchema *struct {
		Name   string          `json:"name"`
		Strict bool            `json:"strict"`
		Schema json.RawMessage `json:"schema"`
	} `json:"json_schema,omitempty"`
}

// Text returns the contents of the request's messages with role, joined by
// blank lines.
func (r Request) Text(role string) string {
	var parts []string
	for _, m := range r.Messages {
		if m.Role == role {
			parts = append(parts, m.Content)
		}
	}
	return strings.Join(parts, "\n\n")
}

// Networks returns the network names the request's json_schema allows
// (variants[].network's enum), nil when it has none.
func (r Request) Networks() []string {
	if r.ResponseFormat == nil || r.ResponseFormat.JSONSchema == nil {
		return nil
	}
	var s struct {
		Properties struct {
			Variants struct {
				Items struct {
					Properties struct {
						Network struct {
							Enum []string `json:"enum"`
						} `json:"network"`
					} `json:"properties"`
				} `json:"items"`
			} `json:"variants"`
		} `json:"properties"`
	}
	if json.Unmarshal(r.ResponseFormat.JSONSchema.Schema, &s) != nil {
		return nil
	}
	return s.Properties.Variants.Items.Properties.Network.Enum
}

// Answer is one scripted answer. Build it with the functions below.
type Answer struct {
	recorded string // a file in testdata, without .json
	status   int
	header   map[string]string
	errMsg   string // an error object in the flavour's shape
	errType  string
	errCode  string
	content  *string
	refusal  string
	finish   string
	hang     bool
	drop     bool
}

// Recorded answers with testdata/<name>.json (status, headers and body; the
// body's {model} and {masked_key} are filled in).
func Recorded(name string) Answer { return Answer{recorded: name} }

// Content answers 200 with a completion whose message content is text.
func Content(text string) Answer { return Answer{content: &text} }

// Variants answers 200 with the JSON the writer's schema asks for.
func Variants(vs ...crier.Variant) Answer { return Content(variantsJSON(vs)) }

// Fenced answers 200 with the variants' JSON in a ```json fence after a
// sentence, as a model that was not held to the schema writes it.
func Fenced(vs ...crier.Variant) Answer {
	return Content("Here are the variants:\n\n```json\n" + variantsJSON(vs) + "\n```\n")
}

// Refusal answers 200 with message.refusal set and content null.
func Refusal(text string) Answer { return Answer{refusal: text} }

// Finish answers 200 with content text and the given finish_reason
// ("content_filter", "length").
func Finish(text, reason string) Answer { return Answer{content: &text, finish: reason} }

// Error answers status with an error object in the flavour's shape.
func Error(status int, message string) Answer {
	return Answer{status: status, errMsg: message}
}

// RateLimited answers 429 rate_limit_exceeded with the given Retry-After
// ("" for none).
func RateLimited(retryAfter string) Answer {
	a := Answer{status: http.StatusTooManyRequests, errType: "requests", errCode: "rate_limit_exceeded",
		errMsg: "Rate limit reached for requests. Please try again later."}
	if retryAfter != "" {
		a.header = map[string]string{"Retry-After": retryAfter}
	}
	return a
}

// Hang answers nothing until the client gives up.
func Hang() Answer { return Answer{hang: true} }

// Drop closes the connection without an answer.
func Drop() Answer { return Answer{drop: true} }

// Server is the fake endpoint.
type Server struct {
	flavour Flavour
	srv     *httptest.Server
	stop    chan struct{}

	mu             sync.Mutex
	script         []Answer
	requests       []Request
	echoKey        bool
	noJSONSchema   bool
	ignoreFormat   bool
	received       chan struct{}
	completionSeen int
}

// New starts a fake that answers as OpenAI does; it accepts the key Key and
// the model OpenAIModel (or, on Azure's paths, the deployment OpenAIModel).
func New(t testing.TB) *Server { return start(t, OpenAI) }

// NewOllama starts a fake that answers as Ollama's /v1 endpoint does; it
// checks no key and serves the model OllamaModel.
func NewOllama(t testing.TB) *Server { return start(t, Ollama) }

func start(t testing.TB, f Flavour) *Server {
	s := &Server{flavour: f, stop: make(chan struct{}), received: make(chan struct{}, 64)}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() {
		close(s.stop)
		s.srv.Close()
	})
	return s
}

// DownURL returns a base URL where nothing listens: a call gets
// "connection refused".
func DownURL(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("openaitest: listen: %v", err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return "http://" + addr + "/v1"
}

// BaseURL is the base URL a client is given: the server's URL plus /v1
// (Azure clients take URL()).
func (s *Server) BaseURL() string { return s.srv.URL + "/v1" }

// URL is the server's root URL.
func (s *Server) URL() string { return s.srv.URL }

// Model is the model the fake serves.
func (s *Server) Model() string {
	if s.flavour == Ollama {
		return OllamaModel
	}
	return OpenAIModel
}

// Script queues answers; each request takes the next one. With none left the
// fake answers a valid completion for the request.
func (s *Server) Script(answers ...Answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = append(s.script, answers...)
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Received receives one value per request, once it is recorded.
func (s *Server) Received() <-chan struct{} { return s.received }

// EchoKey makes a refused key appear whole in the 401's message, as some
// gateways do (OpenAI masks it).
func (s *Server) EchoKey(on bool) { s.set(func() { s.echoKey = on }) }

// RejectJSONSchema makes response_format json_schema a 400 naming
// response_format, as OpenAI answers for a model without Structured Outputs.
func (s *Server) RejectJSONSchema(on bool) { s.set(func() { s.noJSONSchema = on }) }

// IgnoreResponseFormat makes the default answer ignore response_format and
// wrap its JSON in a ```json fence, as an older Ollama or llama.cpp does.
func (s *Server) IgnoreResponseFormat(on bool) { s.set(func() { s.ignoreFormat = on }) }

func (s *Server) set(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	model, ok := s.route(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	body, err := readAll(r)
	if err != nil {
		s.writeError(w, http.StatusBadRequest, "could not read the request body", "", "")
		return
	}
	req := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body}
	var wire struct {
		Model          string          `json:"model"`
		Messages       []Message       `json:"messages"`
		ResponseFormat *ResponseFormat `json:"response_format"`
	}
	decodeErr := json.Unmarshal(body, &wire)
	req.Model, req.Messages, req.ResponseFormat = wire.Model, wire.Messages, wire.ResponseFormat
	if model == "" {
		model = wire.Model
	}

	s.mu.Lock()
	s.requests = append(s.requests, req)
	echo, noSchema, ignore := s.echoKey, s.noJSONSchema, s.ignoreFormat
	s.completionSeen++
	n := s.completionSeen
	s.mu.Unlock()
	select {
	case s.received <- struct{}{}:
	default:
	}

	if decodeErr != nil {
		s.writeError(w, http.StatusBadRequest, "We could not parse the JSON body of your request.", "invalid_request_error", "")
		return
	}
	if s.flavour == OpenAI {
		if !s.authorized(w, r, echo) {
			return
		}
	}
	if model != s.Model() {
		s.writeRecorded(w, s.prefix()+"404_model", model, "")
		return
	}
	if len(req.Messages) == 0 {
		s.writeError(w, http.StatusBadRequest, "[] is too short - 'messages'", "invalid_request_error", "")
		return
	}
	if msg := s.checkFormat(req, noSchema); msg != "" {
		if msg == "json_schema" {
			s.writeRecorded(w, "openai_400_json_schema", model, "")
			return
		}
		s.writeError(w, http.StatusBadRequest, msg, "invalid_request_error", "")
		return
	}

	// The script is taken from only by requests the service would answer.
	a, scripted := s.next()
	if !scripted {
		a = s.defaultAnswer(req, ignore)
	}
	s.answer(w, r, a, model, n)
}

func (s *Server) next() (Answer, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.script) == 0 {
		return Answer{}, false
	}
	a := s.script[0]
	s.script = s.script[1:]
	return a, true
}

// route returns the Azure deployment named in the path ("" for the OpenAI
// path) and whether the path is a chat completions endpoint.
func (s *Server) route(r *http.Request) (string, bool) {
	if r.Method != http.MethodPost {
		return "", false
	}
	if r.URL.Path == "/v1/chat/completions" {
		return "", true
	}
	if s.flavour == OpenAI {
		dir, file := path.Split(r.URL.Path)
		if file == "completions" && strings.HasPrefix(dir, "/openai/deployments/") && strings.HasSuffix(dir, "/chat/") &&
			r.URL.Query().Get("api-version") != "" {
			return strings.TrimSuffix(strings.TrimPrefix(dir, "/openai/deployments/"), "/chat/"), true
		}
	}
	return "", false
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	if s.flavour == Ollama { // gin's default 404
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("404 page not found"))
		return
	}
	s.writeError(w, http.StatusNotFound, fmt.Sprintf("Invalid URL (%s %s)", r.Method, r.URL.Path), "invalid_request_error", "")
}

func (s *Server) authorized(w http.ResponseWriter, r *http.Request, echo bool) bool {
	got, azure := r.Header.Get("api-key"), strings.HasPrefix(r.URL.Path, "/openai/")
	if !azure {
		got = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	switch {
	case got == Key:
		return true
	case got == "":
		s.writeError(w, http.StatusUnauthorized, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", "invalid_request_error", "")
		return false
	}
	shown := got
	if !echo {
		shown = mask(got)
	}
	s.writeRecorded(w, "openai_401", "", shown)
	return false
}

// mask shows a key as OpenAI does: its first 3 and last 4 characters.
func mask(k string) string {
	if len(k) <= 8 {
		return strings.Repeat("*", len(k))
	}
	return k[:3] + strings.Repeat("*", len(k)-7) + k[len(k)-4:]
}

// checkFormat returns why the response_format is refused: "json_schema" for
// the recorded 400, another message, or "".
func (s *Server) checkFormat(req Request, noSchema bool) string {
	rf := req.ResponseFormat
	if rf == nil || s.flavour == Ollama { // Ollama takes any schema as its format
		return ""
	}
	switch rf.Type {
	case "json_schema":
		if noSchema {
			return "json_schema"
		}
		if rf.JSONSchema == nil || rf.JSONSchema.Name == "" {
			return "Missing required parameter: 'response_format.json_schema.name'."
		}
		if rf.JSONSchema.Strict {
			var schema any
			if err := json.Unmarshal(rf.JSONSchema.Schema, &schema); err != nil {
				return "Invalid schema for response_format '" + rf.JSONSchema.Name + "': not a JSON object."
			}
			if msg := strictProblem(schema, "()"); msg != "" {
				return "Invalid schema for response_format '" + rf.JSONSchema.Name + "': In context=" + msg
			}
		}
	case "json_object":
		for _, m := range req.Messages {
			if strings.Contains(strings.ToLower(m.Content), "json") {
				return ""
			}
		}
		return "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'."
	}
	return ""
}

// strictProblem checks Structured Outputs' strict rules on every object of a
// schema: additionalProperties false and every property required.
func strictProblem(v any, where string) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	if m["type"] == "object" {
		if ap, ok := m["additionalProperties"].(bool); !ok || ap {
			return where + ", 'additionalProperties' is required to be supplied and to be false."
		}
		props, _ := m["properties"].(map[string]any)
		req, _ := m["required"].([]any)
		for name := range props {
			found := false
			for _, r := range req {
				found = found || r == name
			}
			if !found {
				return where + ", 'required' is required to be supplied and to be an array including every key in properties. Missing '" + name + "'."
			}
		}
		for name, p := range props {
			if msg := strictProblem(p, where[:len(where)-1]+"'properties', '"+name+"')"); msg != "" {
				return msg
			}
		}
	}
	if items, ok := m["items"]; ok {
		return strictProblem(items, where[:len(where)-1]+"'items')")
	}
	return ""
}

func (s *Server) prefix() string {
	if s.flavour == Ollama {
		return "ollama_"
	}
	return "openai_"
}

// defaultAnswer is a valid answer for req: the recorded Portuguese variants
// (for the networks the schema asks for), or the recorded reply.
func (s *Server) defaultAnswer(req Request, ignoreFormat bool) Answer {
	wantsJSON := req.ResponseFormat != nil && req.ResponseFormat.Type != "text"
	if !wantsJSON {
		return Recorded(s.prefix() + "reply_pt")
	}
	names := req.Networks()
	if names == nil {
		return Recorded(s.prefix() + "variants_pt")
	}
	recorded := RecordedVariants(s.flavour)
	var vs []crier.Variant
	for _, n := range names {
		text := recorded[n]
		if text == "" {
			text = "Feira de trocas de livros no sábado na Biblioteca Municipal do Porto. Entrada livre! #FeiraDeTrocas"
		}
		vs = append(vs, crier.Variant{Network: n, Text: text})
	}
	if ignoreFormat {
		return Fenced(vs...)
	}
	return Variants(vs...)
}

// RecordedVariants returns the texts of the recorded variants answer of a
// flavour, by network.
func RecordedVariants(f Flavour) map[string]string {
	name := "openai_variants_pt"
	if f == Ollama {
		name = "ollama_variants_pt"
	}
	rec, err := load(name)
	if err != nil {
		panic(err) // the recordings are embedded: a broken one is a bug in this package
	}
	var body struct {
		Choices []struct {
			Message struct {
				Content string `json:"content"`
			} `json:"message"`
		} `json:"choices"`
	}
	var content struct {
		Variants []crier.Variant `json:"variants"`
	}
	if err := json.Unmarshal(rec.Body, &body); err != nil || len(body.Choices) == 0 {
		panic(fmt.Sprintf("openaitest: recording %s: %v", name, err))
	}
	if err := json.Unmarshal([]byte(body.Choices[0].Message.Content), &content); err != nil {
		panic(fmt.Sprintf("openaitest: recording %s content: %v", name, err))
	}
	out := map[string]string{}
	for _, v := range content.Variants {
		out[v.Network] = v.Text
	}
	return out
}

// RecordedReply returns the text of the recorded reply of a flavour.
func RecordedReply(f Flavour) string {
	name := "openai_reply_pt"
	if f == Ollama {
		name = "ollama_reply_pt"
	}
	rec, err := load(name)
	if err != nil {
		panic(err)
	}
	var body struct {
		Choices []struct {
			Message struct {
				Content string `json:"content"`
			} `json:"message"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(rec.Body, &body); err != nil || len(body.Choices) == 0 {
		panic(fmt.Sprintf("openaitest: recording %s: %v", name, err))
	}
	return body.Choices[0].Message.Content
}

func (s *Server) answer(w http.ResponseWriter, r *http.Request, a Answer, model string, n int) {
	switch {
	case a.hang:
		select {
		case <-r.Context().Done():
		case <-s.stop:
		}
		return
	case a.drop:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	case a.recorded != "":
		s.writeRecorded(w, a.recorded, model, "")
		return
	case a.errMsg != "":
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		s.writeError(w, a.status, a.errMsg, a.errType, a.errCode)
		return
	}
	finish := a.finish
	if finish == "" {
		finish = "stop"
	}
	var content any
	if a.content != nil {
		content = *a.content
	}
	msg := map[string]any{"role": "assistant", "content": content}
	choice := map[string]any{"index": 0, "message": msg, "finish_reason": finish}
	out := map[string]any{
		"id":      fmt.Sprintf("chatcmpl-%d", 100+n),
		"object":  "chat.completion",
		"created": 1764921600 + n,
		"model":   model,
		"choices": []any{choice},
		"usage":   map[string]int{"prompt_tokens": 400, "completion_tokens": 120, "total_tokens": 520},
	}
	if s.flavour == Ollama {
		out["system_fingerprint"] = "fp_ollama"
	} else {
		var refusal any
		if a.refusal != "" {
			refusal = a.refusal
		}
		msg["refusal"], msg["annotations"] = refusal, []any{}
		choice["logprobs"] = nil
		out["id"] = fmt.Sprintf("chatcmpl-FAKE%08d", n)
		out["model"] = model + "-2024-07-18"
		out["service_tier"], out["system_fingerprint"] = "default", "fp_b8bc95a0ac"
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// writeError writes an error object in the flavour's shape.
func (s *Server) writeError(w http.ResponseWriter, status int, message, typ, code string) {
	var obj map[string]any
	if s.flavour == Ollama { // openai.NewError
		typ = "api_error"
		switch status {
		case http.StatusBadRequest:
			typ = "invalid_request_error"
		case http.StatusNotFound:
			typ = "not_found_error"
		}
		obj = map[string]any{"message": message, "type": typ, "param": nil, "code": nil}
	} else {
		if typ == "" {
			typ = "invalid_request_error"
			if status >= 500 {
				typ = "server_error"
			}
		}
		var c any
		if code != "" {
			c = code
		}
		obj = map[string]any{"message": message, "type": typ, "param": nil, "code": c}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": obj})
}

// recording is one testdata file.
type recording struct {
	Status  int               `json:"status"`
	Header  map[string]string `json:"header"`
	Body    json.RawMessage   `json:"body"`
	RawBody string            `json:"raw_body"`
}

func load(name string) (recording, error) {
	var rec recording
	data, err := recordings.ReadFile("testdata/" + name + ".json")
	if err != nil {
		return rec, fmt.Errorf("openaitest: no recording %q: %w", name, err)
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		return rec, fmt.Errorf("openaitest: recording %q: %w", name, err)
	}
	if rec.RawBody != "" {
		rec.Body = []byte(rec.RawBody)
	}
	return rec, nil
}

func (s *Server) writeRecorded(w http.ResponseWriter, name, model, maskedKey string) {
	rec, err := load(name)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	body := bytes.ReplaceAll(rec.Body, []byte("{model}"), []byte(jsonInner(model)))
	body = bytes.ReplaceAll(body, []byte("{masked_key}"), []byte(jsonInner(maskedKey)))
	for k, v := range rec.Header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(rec.Status)
	_, _ = w.Write(body)
}

// jsonInner returns s escaped for use inside a JSON string.
func jsonInner(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

func variantsJSON(vs []crier.Variant) string {
	type variant struct {
		Network string `json:"network"`
		Text    string `json:"text"`
	}
	out := struct {
		Variants []variant `json:"variants"`
	}{Variants: []variant{}}
	for _, v := range vs {
		out.Variants = append(out.Variants, variant{v.Network, v.Text})
	}
	b, _ := json.Marshal(out)
	return string(b)
}

func readAll(r *http.Request) ([]byte, error) {
	var buf bytes.Buffer
	_, err := buf.ReadFrom(http.MaxBytesReader(nil, r.Body, 1<<20))
	return buf.Bytes(), err
}
