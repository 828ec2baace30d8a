package blueskytest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/bluesky/blueskytest"
)

type client struct {
	t     *testing.T
	srv   *blueskytest.Server
	token string
}

func (c *client) call(method, nsid string, body any) (int, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		require.NoError(c.t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.srv.URL+"/xrpc/"+nsid, rd)
	require.NoError(c.t, err)
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func login(t *testing.T) *client {
	t.Helper()
	srv := blueskytest.New()
	t.Cleanup(srv.Close)
	c := &client{t: t, srv: srv}
	status, out := c.call("POST", "com.atproto.server.createSession", map[string]string{"identifier": srv.Handle, "password": srv.Password})
	require.Equal(t, 200, status)
	c.token = out["accessJwt"].(string)
	return c
}

func post(text string) map[string]any {
	return map[string]any{"$type": "app.bsky.feed.post", "text": text, "createdAt": "2026-03-02T09:00:00.000Z"}
}

func TestFakeBehavesLikeThePDS(t *testing.T) {
	t.Parallel()
	t.Run("a second createRecord at the same key fails with 500 like the reference PDS", func(t *testing.T) {
		t.Parallel()
		c := login(t)
		in := map[string]any{"repo": c.srv.DID, "collection": "app.bsky.feed.post", "rkey": "3jzfcijpj2z2a", "record": post("hi")}
		status, _ := c.call("POST", "com.atproto.repo.createRecord", in)
		require.Equal(t, 200, status)
		status, out := c.call("POST", "com.atproto.repo.createRecord", in)
		require.Equal(t, 500, status)
		require.Equal(t, map[string]any{"error": "InternalServerError", "message": "Internal Server Error"}, out)
		require.Equal(t, map[string]int{"3jzfcijpj2z2a": 1}, c.srv.CreatesByKey())
	})
	t.Run("putRecord at the same key with the same record changes nothing", func(t *testing.T) {
		t.Parallel()
		c := login(t)
		in := map[string]any{"repo": c.srv.DID, "collection": "app.bsky.feed.post", "rkey": "3jzfcijpj2z2a", "record": post("hi")}
		_, first := c.call("POST", "com.atproto.repo.putRecord", in)
		_, second := c.call("POST", "com.atproto.repo.putRecord", in)
		require.Equal(t, first["uri"], second["uri"])
		require.Equal(t, first["cid"], second["cid"])
		in["record"] = post("changed")
		_, third := c.call("POST", "com.atproto.repo.putRecord", in)
		require.NotEqual(t, first["cid"], third["cid"])
		require.Equal(t, 1, c.srv.Updates())
		require.Len(t, c.srv.Posts(), 1)
	})
	t.Run("getRecord of a missing record answers RecordNotFound", func(t *testing.T) {
		t.Parallel()
		c := login(t)
		c.token = ""
		status, out := c.call("GET", "com.atproto.repo.getRecord?repo="+c.srv.DID+"&collection=app.bsky.feed.post&rkey=3jzfcijpj2z2a", nil)
		require.Equal(t, 400, status)
		require.Equal(t, "RecordNotFound", out["error"])
		require.Equal(t, "Could not locate record: at://"+c.srv.DID+"/app.bsky.feed.post/3jzfcijpj2z2a", out["message"])
	})
	tests := []struct {
		name   string
		rkey   string
		record map[string]any
		says   string
	}{
		{"a record key that is not a TID is refused", "my-post", post("hi"), "TID"},
		{"a record key with the top bit set is refused", "zzzzzzzzzzzzz", post("hi"), "TID"},
		{"a text of 301 graphemes is refused", "3jzfcijpj2z2a", post(strings.Repeat("é", 301)), "300 graphemes"},
		{"a facet past the end of the text is refused", "3jzfcijpj2z2a", func() map[string]any {
			p := post("#hi")
			p["facets"] = []any{map[string]any{"index": map[string]int{"byteStart": 0, "byteEnd": 4},
				"features": []any{map[string]string{"$type": "app.bsky.richtext.facet#tag", "tag": "hi"}}}}
			return p
		}(), "outside the text"},
		{"an image blob that was never uploaded is refused", "3jzfcijpj2z2a", func() map[string]any {
			p := post("look")
			p["embed"] = map[string]any{"$type": "app.bsky.embed.images", "images": []any{map[string]any{"alt": "",
				"image": map[string]any{"$type": "blob", "ref": map[string]string{"$link": "bafkreinope"}, "mimeType": "image/png", "size": 3}}}}
			return p
		}(), "Could not find blob"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := login(t)
			status, out := c.call("POST", "com.atproto.repo.putRecord",
				map[string]any{"repo": c.srv.DID, "collection": "app.bsky.feed.post", "rkey": tt.rkey, "record": tt.record})
			require.Equal(t, 400, status)
			require.Equal(t, "InvalidRequest", out["error"])
			require.Contains(t, out["message"], tt.says)
			require.Empty(t, c.srv.Posts())
		})
	}
	t.Run("an expired access token gets 400 ExpiredToken", func(t *testing.T) {
		t.Parallel()
		c := login(t)
		c.srv.ExpireAccessTokens()
		status, out := c.call("POST", "com.atproto.repo.putRecord",
			map[string]any{"repo": c.srv.DID, "collection": "app.bsky.feed.post", "rkey": "3jzfcijpj2z2a", "record": post("hi")})
		require.Equal(t, 400, status)
		require.Equal(t, map[string]any{"error": "ExpiredToken", "message": "Token has expired"}, out)
	})
	t.Run("the AppView being down is a 502 UpstreamFailure", func(t *testing.T) {
		t.Parallel()
		c := login(t)
		c.srv.SetAppViewDown(true)
		status, out := c.call("GET", "app.bsky.actor.getProfile?actor="+c.srv.DID, nil)
		require.Equal(t, 502, status)
		require.Equal(t, map[string]any{"error": "UpstreamFailure", "message": "Upstream Failure"}, out)
		require.Equal(t, map[string]int{"": 1}, c.srv.ProxyHeaders())
	})
	proxied := []struct {
		name   string
		header string
		status int
		body   map[string]any
	}{
		{"a read without atproto-proxy goes to the PDS's own AppView", "", 200, nil},
		{"a read naming the PDS's AppView is served", blueskytest.AppViewService, 200, nil},
		{"an AppView the PDS cannot reach is a 500, as api.bsky.app is from the reference PDS in dev-env",
			"did:web:api.bsky.app#bsky_appview", 500, map[string]any{"error": "InternalServerError", "message": "Internal Server Error"}},
		{"a DID the PLC directory does not know cannot be resolved", "did:plc:nobody000000000000000000#bsky_appview",
			400, map[string]any{"error": "InvalidRequest", "message": "could not resolve proxy did"}},
		{"a DID without that service cannot be resolved", blueskytest.AppViewDID + "#atproto_labeler",
			400, map[string]any{"error": "InvalidRequest", "message": "could not resolve proxy did service url"}},
		{"a header without a service id is refused", blueskytest.AppViewDID,
			400, map[string]any{"error": "InvalidRequest", "message": "no service id specified in proxy header"}},
	}
	for _, tt := range proxied {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := login(t)
			req, err := http.NewRequest("GET", c.srv.URL+"/xrpc/app.bsky.actor.getProfile?actor="+c.srv.DID, nil)
			require.NoError(t, err)
			req.Header.Set("Authorization", "Bearer "+c.token)
			if tt.header != "" {
				req.Header.Set("atproto-proxy", tt.header)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			var out map[string]any
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
			require.Equal(t, tt.status, resp.StatusCode)
			if tt.body != nil {
				require.Equal(t, tt.body, out)
			} else {
				require.Equal(t, c.srv.Handle, out["handle"])
			}
			require.Equal(t, map[string]int{tt.header: 1}, c.srv.ProxyHeaders())
		})
	}
}
