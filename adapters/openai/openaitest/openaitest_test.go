package openaitest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/openai/openaitest"
)

type answer struct {
	status int
	body   map[string]any
}

func post(t *testing.T, url, key, body string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/chat/completions", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(data, &m), string(data))
	return answer{resp.StatusCode, m}
}

func errorOf(a answer) map[string]any { e, _ := a.body["error"].(map[string]any); return e }

func TestTheFakeAnswersLikeTheServices(t *testing.T) {
	t.Parallel()
	msgs := `"messages":[{"role":"user","content":"Write a post"}]`
	loose := `{"type":"object","properties":{"variants":{"type":"array"}}}`
	for _, tc := range []struct {
		name    string
		flavour openaitest.Flavour
		key     string
		body    string
		status  int
		errType string
		msgHas  string
	}{
		{"OpenAI: no key is 401", openaitest.OpenAI, "", `{"model":"gpt-4o-mini",` + msgs + `}`, 401, "invalid_request_error", "didn't provide an API key"},
		{"OpenAI: a wrong key is 401 with the key masked", openaitest.OpenAI, "sk-wrong-0123456789", `{"model":"gpt-4o-mini",` + msgs + `}`, 401, "invalid_request_error", "sk-************6789"},
		{"OpenAI: an unknown model is 404", openaitest.OpenAI, openaitest.Key, `{"model":"gpt-9",` + msgs + `}`, 404, "invalid_request_error", "The model `gpt-9` does not exist"},
		{"OpenAI: a loose strict schema is 400", openaitest.OpenAI, openaitest.Key,
			`{"model":"gpt-4o-mini",` + msgs + `,"response_format":{"type":"json_schema","json_schema":{"name":"v","strict":true,"schema":` + loose + `}}}`,
			400, "invalid_request_error", "'additionalProperties' is required to be supplied and to be false"},
		{"OpenAI: json_object without the word json is 400", openaitest.OpenAI, openaitest.Key,
			`{"model":"gpt-4o-mini",` + msgs + `,"response_format":{"type":"json_object"}}`, 400, "invalid_request_error", "must contain the word 'json'"},
		{"Ollama: any key and any schema", openaitest.Ollama, "", `{"model":"llama3.2",` + msgs + `,"response_format":{"type":"json_schema","json_schema":{"schema":` + loose + `}}}`, 200, "", ""},
		{"Ollama: an unknown model is 404 not_found_error", openaitest.Ollama, "", `{"model":"qwen9",` + msgs + `}`, 404, "not_found_error", `model "qwen9" not found, try pulling it first`},
		{"Ollama: no messages is 400", openaitest.Ollama, "", `{"model":"llama3.2","messages":[]}`, 400, "invalid_request_error", "too short"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := openaitest.New(t)
			if tc.flavour == openaitest.Ollama {
				srv = openaitest.NewOllama(t)
			}
			a := post(t, srv.BaseURL(), tc.key, tc.body)
			require.Equal(t, tc.status, a.status, a.body)
			if tc.status == 200 {
				require.Equal(t, "chat.completion", a.body["object"])
				require.Equal(t, "fp_ollama", a.body["system_fingerprint"])
				return
			}
			e := errorOf(a)
			require.Equal(t, tc.errType, e["type"])
			require.Contains(t, e["message"], tc.msgHas)
			require.Contains(t, e, "param")
			require.Contains(t, e, "code")
		})
	}
}
