package openai_test

import (
	"bytes"
	"log/slog"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/openai"
	"github.com/crier-bot/crier/adapters/openai/openaitest"
	"github.com/crier-bot/crier/internal/crier"
)

// logBuffer collects what the writer logs, at every level.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type testBundle struct {
	srv   *openaitest.Server
	w     *openai.Writer
	clock *crier.ManualClock
	logs  *logBuffer
	host  string
	key   string
}

// setup starts a fake of the flavour and a writer pointed at it; mods
// change the writer's options before it is built.
func setup(t *testing.T, f openaitest.Flavour, mods ...func(*openai.Options)) testBundle {
	t.Helper()
	srv := openaitest.New(t)
	key := openaitest.Key
	if f == openaitest.Ollama {
		srv, key = openaitest.NewOllama(t), ""
	}
	b := testBundle{srv: srv, clock: crier.NewManualClock(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)), logs: &logBuffer{}}
	opts := openai.Options{
		BaseURL: srv.BaseURL(),
		Model:   srv.Model(),
		APIKey:  key,
		Clock:   b.clock,
		Logger:  slog.New(slog.NewTextHandler(b.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, m := range mods {
		m(&opts)
	}
	w, err := openai.New(opts)
	require.NoError(t, err)
	u, err := url.Parse(opts.BaseURL)
	require.NoError(t, err)
	b.w, b.host, b.key = w, u.Host, opts.APIKey
	return b
}

// ptRequest asks for Mastodon and Bluesky copy in the team's Portuguese
// voice.
func ptRequest() crier.WriteRequest {
	return crier.WriteRequest{
		Brief: "Feira de trocas de livros no sábado 13/12, 10h-17h, Biblioteca Municipal do Porto; entrada livre.",
		Networks: []crier.NetworkRule{
			{Network: "mastodon", Kind: "mastodon", Limit: 500, Unit: "characters"},
			{Network: "bluesky", Kind: "bluesky", Limit: 300, Unit: "graphemes"},
		},
		Voice: crier.Voice{
			Tone:     "caloroso, simples, sem exageros",
			Use:      []string{"comunidade", "livros"},
			Avoid:    []string{"imperdível", "incrível"},
			Hashtags: []string{"#FeiraDeTrocas", "#Porto"},
			Language: "pt",
		},
	}
}

func ptReply() crier.ReplyRequest {
	return crier.ReplyRequest{
		Post:    "Feira de trocas de livros no sábado, 13 de dezembro, na Biblioteca Municipal do Porto.",
		Comment: "Posso levar livros infantis?",
		Author:  "Marta",
		Network: crier.NetworkRule{Network: "mastodon", Kind: "mastodon", Limit: 500, Unit: "characters"},
		Voice:   ptRequest().Voice,
	}
}
