package bluesky_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/bluesky"
	"github.com/crier-bot/crier/adapters/bluesky/blueskytest"
	"github.com/crier-bot/crier/internal/crier"
)

// memState is an in-memory crier.StateStore, like the SQLite one.
type memState struct {
	mu sync.Mutex
	m  map[string]string
}

func (s *memState) LoadState(_ context.Context, network, key string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[network+"/"+key], nil
}

func (s *memState) SaveState(_ context.Context, network, key, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]string{}
	}
	s.m[network+"/"+key] = value
	return nil
}

type testBundle struct {
	srv   *blueskytest.Server
	net   *bluesky.Network
	state *memState
	opts  bluesky.Options
}

// setup starts a fake PDS and a network that posts to it.
func setup(t *testing.T, change ...func(*bluesky.Options)) testBundle {
	t.Helper()
	srv := blueskytest.New()
	t.Cleanup(srv.Close)
	st := &memState{}
	opts := bluesky.Options{
		Name: "bsky", PDS: srv.URL, Handle: srv.Handle, AppPassword: srv.Password,
		Language: "en", State: st, WritePoints: -1,
	}
	for _, c := range change {
		c(&opts)
	}
	n, err := bluesky.New(opts)
	require.NoError(t, err)
	return testBundle{srv: srv, net: n, state: st, opts: opts}
}

// another returns a second network with the same options (and state).
func (b testBundle) another(t *testing.T) *bluesky.Network {
	t.Helper()
	n, err := bluesky.New(b.opts)
	require.NoError(t, err)
	return n
}

func dueAt() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) }

func request(key, text string) crier.PublishRequest {
	return crier.PublishRequest{IdempotencyKey: key, PostID: 1, Text: text, DueAt: dueAt()}
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// record is a post record as the fake stored it.
type record struct {
	Type   string `json:"$type"`
	Text   string `json:"text"`
	Facets []struct {
		Index struct {
			ByteStart int `json:"byteStart"`
			ByteEnd   int `json:"byteEnd"`
		} `json:"index"`
		Features []struct {
			Type string `json:"$type"`
			DID  string `json:"did"`
			URI  string `json:"uri"`
			Tag  string `json:"tag"`
		} `json:"features"`
	} `json:"facets"`
	Reply *struct {
		Root   struct{ URI, CID string } `json:"root"`
		Parent struct{ URI, CID string } `json:"parent"`
	} `json:"reply"`
	Embed *struct {
		Type   string `json:"$type"`
		Images []struct {
			Alt   string `json:"alt"`
			Image struct {
				Type string `json:"$type"`
				Ref  struct {
					Link string `json:"$link"`
				} `json:"ref"`
				MimeType string `json:"mimeType"`
				Size     int    `json:"size"`
			} `json:"image"`
			AspectRatio *struct{ Width, Height int } `json:"aspectRatio"`
		} `json:"images"`
	} `json:"embed"`
	Langs     []string `json:"langs"`
	CreatedAt string   `json:"createdAt"`
}

func storedRecord(t *testing.T, srv *blueskytest.Server, uri string) record {
	t.Helper()
	p, ok := srv.Post(uri)
	require.True(t, ok, "no post at %s", uri)
	var r record
	require.NoError(t, json.Unmarshal(p.Record, &r))
	return r
}

func isRateLimited(err error) bool {
	var rl *crier.RateLimitError
	return errors.As(err, &rl)
}
