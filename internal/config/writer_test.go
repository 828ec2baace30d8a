package config

import (
	"strings"
	"testing"
	"time"
)

// testOpenAIKey is a made-up key in the shape OpenAI gives them.
const testOpenAIKey = "sk-proj-fake0123456789abcdefFAKE0123456789"

func TestParseWriter(t *testing.T) {
	t.Parallel()
	const network = "networks: [{name: sandbox, kind: file, outbox: o}]\n"
	on := func(w Writer) Writer {
		w.On, w.Line = true, 2
		if w.Timeout == 0 {
			w.Timeout = time.Minute
		}
		return w
	}
	tests := []struct {
		name  string
		input string
		want  Writer
	}{
		{"no writer section means no writer, with its defaults", network, Writer{Timeout: time.Minute}},
		{"OpenAI", network + "writer: {base_url: https://api.openai.com/v1, model: gpt-4o-mini, api_key: \"${OPENAI_API_KEY}\"}\n",
			on(Writer{BaseURL: "https://api.openai.com/v1", Model: "gpt-4o-mini", APIKey: testOpenAIKey})},
		{"a trailing slash is dropped", network + "writer: {base_url: https://api.openai.com/v1/, model: gpt-4o-mini, api_key: \"${OPENAI_API_KEY}\"}\n",
			on(Writer{BaseURL: "https://api.openai.com/v1", Model: "gpt-4o-mini", APIKey: testOpenAIKey})},
		{"Azure OpenAI, where the model is the deployment", network + "writer:\n  base_url: https://crier.openai.azure.com/\n  model: crier-gpt4o\n  api_key: ${AZURE_OPENAI_API_KEY}\n  azure: true\n",
			on(Writer{BaseURL: "https://crier.openai.azure.com", Model: "crier-gpt4o", APIKey: "azure-key-0123", Azure: true})},
		{"Ollama on this machine needs no key", network + "writer: {base_url: http://localhost:11434/v1, model: \"llama3.1:8b\", timeout: 5m}\n",
			on(Writer{BaseURL: "http://localhost:11434/v1", Model: "llama3.1:8b", Timeout: 5 * time.Minute})},
		{"vLLM on a private address needs no key", network + "writer: {base_url: http://10.0.0.7:8000/v1, model: Qwen/Qwen2.5-7B-Instruct, timeout: 5s}\n",
			on(Writer{BaseURL: "http://10.0.0.7:8000/v1", Model: "Qwen/Qwen2.5-7B-Instruct", Timeout: 5 * time.Second})},
		{"llama.cpp's server on IPv6 loopback needs no key", network + "writer: {base_url: \"http://[::1]:8080/v1\", model: local}\n",
			on(Writer{BaseURL: "http://[::1]:8080/v1", Model: "local"})},
		{"a container by name needs no key", network + "writer: {base_url: http://ollama:11434/v1, model: llama3.1}\n",
			on(Writer{BaseURL: "http://ollama:11434/v1", Model: "llama3.1"})},
		{"a vLLM server with a key of its own", network + "writer: {base_url: http://127.0.0.1:8000/v1, model: m, api_key: \"${VLLM_API_KEY}\"}\n",
			on(Writer{BaseURL: "http://127.0.0.1:8000/v1", Model: "m", APIKey: "vllm-token"})},
		{"azure false is the default", network + "writer: {base_url: http://localhost:8080/v1, model: m, azure: false}\n",
			on(Writer{BaseURL: "http://localhost:8080/v1", Model: "m"})},
	}
	vars := map[string]string{"OPENAI_API_KEY": testOpenAIKey, "AZURE_OPENAI_API_KEY": "azure-key-0123", "VLLM_API_KEY": "vllm-token"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := parse(tt.input, vars)
			if err != nil {
				t.Fatal(err)
			}
			if c.Writer != tt.want {
				t.Errorf("Writer\n got: %+v\nwant: %+v", c.Writer, tt.want)
			}
		})
	}
}

func TestParseWriterRejects(t *testing.T) {
	t.Parallel()
	const network = "networks: [{name: sandbox, kind: file, outbox: o}]\n"
	const keyHelp = "an API key (from your provider: platform.openai.com → API keys, or Azure portal → your OpenAI resource → Keys and Endpoint)"
	tests := []struct {
		name  string
		input string
		want  string
	}{
		// The section and its keys.
		{"an empty writer section needs a base_url", network + "writer:\n",
			"bot.yaml:2: writer.base_url: required when writer: is set; write the endpoint's address, like base_url: https://api.openai.com/v1 or http://localhost:11434/v1 (Ollama), or remove writer: to write without AI"},
		{"a writer without a base_url is refused", network + "writer:\n  model: gpt-4o-mini\n",
			"bot.yaml:2: writer.base_url: required when writer: is set; write the endpoint's address, like base_url: https://api.openai.com/v1 or http://localhost:11434/v1 (Ollama), or remove writer: to write without AI"},
		{"a writer without a model is refused", network + "writer:\n  base_url: http://localhost:11434/v1\n",
			"bot.yaml:2: writer.model: required when writer: is set; write the model to use, like model: gpt-4o-mini, or on Azure the deployment's name"},
		{"a writer with an empty model is refused", network + "writer:\n  base_url: http://localhost:11434/v1\n  model:\n",
			"bot.yaml:2: writer.model: required when writer: is set; write the model to use, like model: gpt-4o-mini, or on Azure the deployment's name"},
		{"an unknown key in writer gets the closest suggested", network + "writer:\n  base_url: http://localhost:11434/v1\n  modl: llama3.1\n",
			"bot.yaml:4: writer.modl: unknown key (known: base_url, model, api_key, azure, timeout); did you mean model?"},
		{"the key's name from other tools gets api_key suggested", network + "writer:\n  base_url: http://localhost:11434/v1\n  apikey: x\n",
			"bot.yaml:4: writer.apikey: unknown key (known: base_url, model, api_key, azure, timeout); did you mean api_key?"},
		{"a list where writer goes is refused", network + "writer: [openai]\n",
			"bot.yaml:2: writer: expected a mapping like {base_url: https://api.openai.com/v1, model: gpt-4o-mini, api_key: ${OPENAI_API_KEY}}, got a list"},

		// base_url.
		{"a base_url that is not http(s) is refused", network + "writer: {base_url: ftp://api.openai.com/v1, model: m}\n",
			`bot.yaml:2: writer.base_url: "ftp://api.openai.com/v1" is not an absolute http(s) URL; write one like https://api.openai.com/v1 or http://localhost:11434/v1 (Ollama)`},
		{"a base_url without a scheme is refused", network + "writer: {base_url: \"localhost:11434/v1\", model: m}\n",
			`bot.yaml:2: writer.base_url: "localhost:11434/v1" is not an absolute http(s) URL; write one like https://api.openai.com/v1 or http://localhost:11434/v1 (Ollama)`},
		{"a base_url with no host is refused", network + "writer: {base_url: \"https:///v1\", model: m}\n",
			`bot.yaml:2: writer.base_url: "https:///v1" is not an absolute http(s) URL; write one like https://api.openai.com/v1 or http://localhost:11434/v1 (Ollama)`},
		{"the endpoint itself is refused with the address it is under", network + "writer: {base_url: https://api.openai.com/v1/chat/completions, model: m}\n",
			`bot.yaml:2: writer.base_url: "https://api.openai.com/v1/chat/completions" names the endpoint itself; write the address it is under, https://api.openai.com/v1, and crier adds /chat/completions`},
		{"Ollama's own API gets /v1 suggested", network + "writer: {base_url: \"http://localhost:11434\", model: m}\n",
			`bot.yaml:2: writer.base_url: "http://localhost:11434" is Ollama's own API; its OpenAI-compatible one is under /v1, so write http://localhost:11434/v1`},
		{"an Azure URL with its api-version is refused", network + "writer: {base_url: \"https://crier.openai.azure.com/?api-version=2024-06-01\", model: m, azure: true}\n",
			`bot.yaml:2: writer.base_url: "https://crier.openai.azure.com/?api-version=2024-06-01" has a query or a fragment; write only the address the API is under, like https://api.openai.com/v1 or http://localhost:11434/v1 (Ollama) (on Azure the API version is crier's to add)`},
		{"an empty base_url is refused", network + "writer: {base_url: '', model: m}\n",
			`bot.yaml:2: writer.base_url: empty; write a URL like https://api.openai.com/v1 or http://localhost:11434/v1 (Ollama)`},

		// model.
		{"a model with a space is refused", network + "writer: {base_url: http://localhost:11434/v1, model: gpt 4o}\n",
			`bot.yaml:2: writer.model: "gpt 4o" has a space, which no model name has; write one like gpt-4o-mini or llama3.1:8b`},

		// api_key.
		{"a key written in the file is refused, without showing it", network + "writer: {base_url: https://api.openai.com/v1, model: m, api_key: " + testOpenAIKey + "}\n",
			"bot.yaml:2: writer.api_key: written in the file, where anyone who reads bot.yaml sees it; write api_key: ${OPENAI_API_KEY} and set that variable to " + keyHelp},
		{"a key written in the file is refused for a local server too", network + "writer: {base_url: http://localhost:11434/v1, model: m, api_key: ollama}\n",
			"bot.yaml:2: writer.api_key: written in the file, where anyone who reads bot.yaml sees it; write api_key: ${OPENAI_API_KEY} and set that variable to " + keyHelp},
		{"a public endpoint without a key is refused", network + "writer: {base_url: https://api.openai.com/v1, model: gpt-4o-mini}\n",
			`bot.yaml:2: writer.api_key: required for "https://api.openai.com/v1"; write api_key: ${OPENAI_API_KEY} and set that variable to ` + keyHelp + "; only a server on this machine or the local network (like Ollama at http://localhost:11434/v1) may go without one"},
		{"a public address without a key is refused", network + "writer: {base_url: http://203.0.113.9:8000/v1, model: m}\n",
			`bot.yaml:2: writer.api_key: required for "http://203.0.113.9:8000/v1"; write api_key: ${OPENAI_API_KEY} and set that variable to ` + keyHelp + "; only a server on this machine or the local network (like Ollama at http://localhost:11434/v1) may go without one"},
		{"Azure without a key is refused, even on a local address", network + "writer:\n  base_url: http://localhost:8080\n  model: m\n  azure: true\n",
			"bot.yaml:2: writer.api_key: required with azure: true; write api_key: ${AZURE_OPENAI_API_KEY} and set that variable to the key (Azure portal → your OpenAI resource → Keys and Endpoint)"},
		{"an empty key variable is refused, by its name", network + "writer: {base_url: https://api.openai.com/v1, model: m, api_key: \"${EMPTY}\"}\n",
			`bot.yaml:2: writer.api_key: "${EMPTY}" is empty; set the variable to ` + keyHelp},
		{"a key variable that is not set is refused", network + "writer: {base_url: https://api.openai.com/v1, model: m, api_key: \"${NOT_SET}\"}\n",
			`bot.yaml:2: writer.api_key: environment variable NOT_SET is not set`},
		{"a key with a trailing newline is refused, without showing it", network + "writer: {base_url: https://api.openai.com/v1, model: m, api_key: \"${NEWLINE_KEY}\"}\n",
			"bot.yaml:2: writer.api_key: contains a space or line break, which an API key never has; check the variable for stray spaces or a trailing newline"},

		// azure and timeout.
		{"azure yes is refused", network + "writer: {base_url: http://localhost:11434/v1, model: m, azure: yes}\n",
			`bot.yaml:2: writer.azure: "yes" is not true or false; write true or false`},
		{"a too short timeout is refused", network + "writer: {base_url: http://localhost:11434/v1, model: m, timeout: 1s}\n",
			`bot.yaml:2: writer.timeout: "1s" is out of range; write a duration from 5s to 5m`},
		{"a too long timeout is refused", network + "writer: {base_url: http://localhost:11434/v1, model: m, timeout: 10m}\n",
			`bot.yaml:2: writer.timeout: "10m" is out of range; write a duration from 5s to 5m`},
		{"a timeout without a unit is refused", network + "writer: {base_url: http://localhost:11434/v1, model: m, timeout: 60}\n",
			`bot.yaml:2: writer.timeout: "60" is not a duration; write one like 30s or 2m, from 5s to 5m`},
	}
	vars := map[string]string{"EMPTY": "", "NEWLINE_KEY": testOpenAIKey + "\n"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := parse(tt.input, vars)
			if err == nil {
				t.Fatalf("parsed to %+v, want error %q", c.Writer, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
			if strings.Contains(err.Error(), testOpenAIKey) {
				t.Errorf("error shows the API key: %s", err)
			}
		})
	}
}

func TestLocalService(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url  string
		want bool
	}{
		{"http://localhost:11434/v1", true},
		{"http://LOCALHOST:11434/v1", true},
		{"http://127.0.0.1:8080/v1", true},
		{"http://127.1.2.3:8080/v1", true},
		{"http://[::1]:8080/v1", true},
		{"http://10.1.2.3:8000/v1", true},
		{"http://172.16.0.5:8000/v1", true},
		{"http://192.168.1.20:11434/v1", true},
		{"http://[fd00::7]:8000/v1", true},
		{"http://169.254.1.1:8000/v1", true},
		{"http://ollama:11434/v1", true},
		{"http://gpu-box.local:8000/v1", true},
		{"http://vllm.internal:8000/v1", true},
		{"http://llm.home.arpa/v1", true},
		{"https://api.openai.com/v1", false},
		{"https://crier.openai.azure.com", false},
		{"http://172.32.0.5:8000/v1", false},
		{"http://8.8.8.8/v1", false},
		{"http://[2001:db8::1]/v1", false},
		{"http://localhost.example.com/v1", false},
		{"http://internal.example.com/v1", false},
	}
	for _, tt := range tests {
		if got := localService(tt.url); got != tt.want {
			t.Errorf("localService(%q) = %v, want %v", tt.url, got, tt.want)
		}
	}
}
