package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	dcApp     = "1100000000000000001"
	dcGuild   = "1200000000000000001"
	dcLaunch  = "1300000000000000001"
	dcCommuny = "1300000000000000002"
)

// discordAPI is a small fake of Discord's REST API: the application (with
// its flags), command registration, channels and messages.
type discordAPI struct {
	srv   *httptest.Server
	flags int64

	mu       sync.Mutex
	messages map[string][]string // channel → contents
	commands int                 // PUTs of the command list
}

func newDiscordAPI(t *testing.T, flags int64) *discordAPI {
	t.Helper()
	d := &discordAPI{flags: flags, messages: map[string][]string{}}
	d.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.Path
		if rest, ok := strings.CutPrefix(path, "/api/v"); ok {
			_, path, _ = strings.Cut(rest, "/")
			path = "/" + path
		}
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "Bot dc-token" {
			w.WriteHeader(401)
			_, _ = io.WriteString(w, `{"message": "401: Unauthorized", "code": 0}`)
			return
		}
		body, _ := io.ReadAll(r.Body)
		switch {
		case path == "/applications/@me":
			_ = json.NewEncoder(w).Encode(map[string]any{"id": dcApp, "name": "crier", "flags": d.flags})
		case r.Method == http.MethodPut && strings.HasSuffix(path, "/commands"):
			d.mu.Lock()
			d.commands++
			d.mu.Unlock()
			_, _ = w.Write(body)
		case r.Method == http.MethodGet && strings.HasPrefix(path, "/channels/"):
			_ = json.NewEncoder(w).Encode(map[string]any{"id": strings.TrimPrefix(path, "/channels/"), "type": 0, "guild_id": dcGuild})
		case r.Method == http.MethodPost && strings.HasSuffix(path, "/messages"):
			ch := strings.Split(path, "/")[2]
			var m struct {
				Content string `json:"content"`
			}
			_ = json.Unmarshal(body, &m)
			d.mu.Lock()
			d.messages[ch] = append(d.messages[ch], m.Content)
			n := len(d.messages[ch])
			d.mu.Unlock()
			_ = json.NewEncoder(w).Encode(map[string]any{"id": fmt.Sprint(1400000000000000000 + n), "channel_id": ch, "guild_id": dcGuild, "content": m.Content})
		default:
			w.WriteHeader(404)
			_, _ = io.WriteString(w, `{"message": "404: Not Found", "code": 0}`)
		}
	}))
	t.Cleanup(d.srv.Close)
	return d
}

func (d *discordAPI) in(channel string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.messages[channel]...)
}

func discordConfig(apiURL, addr, publicKey string) string {
	return fmt.Sprintf(`timezone: Europe/Bucharest
database: data/crier.db
chat:
  discord:
    token: dc-token
    application_id: "%s"
    interactions: http
    public_key: %s
    api_url: %s/api/v10/
    guilds:
      - id: "%s"
        timezone: Europe/Lisbon
http:
  listen: "%s"
roles:
  scheduler: ["*"]
networks:
  - name: sandbox
    kind: file
    outbox: data/sandbox/outbox.jsonl
  - name: community
    kind: discord
    channel: "%s"
publish:
  max_attempts: 3
  attempt_timeout: 5s
`, dcApp, publicKey, apiURL, dcGuild, addr, dcCommuny)
}

func signedInteraction(t *testing.T, url string, priv ed25519.PrivateKey, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Signature-Timestamp", ts)
	req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(priv, []byte(ts+body))))
	return req
}

// TestRunWithDiscordHTTPInteractions runs `crier run` with Discord's HTTP
// interactions endpoint: a signed PING is answered, a signed /schedule is
// answered with an embed in the guild's timezone, the post reaches the
// Discord channel network, and the notice reaches the origin channel.
func TestRunWithDiscordHTTPInteractions(t *testing.T) {
	t.Parallel()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	api := newDiscordAPI(t, 1<<18)
	addr := freeAddr(t)
	cfg := writeConfigTB(t, discordConfig(api.srv.URL, addr, hex.EncodeToString(pub)))
	stderr := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	c := &crierRun{url: "http://" + addr, config: cfg, stderr: stderr, cancel: cancel, done: make(chan int, 1)}
	m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: stderr, Getenv: os.LookupEnv}
	go func() { c.done <- m.Run(ctx, []string{"run", "-config", cfg, "-log-level", "error"}) }()
	// This fake has no gateway, so /healthz says Discord's gateway is down
	// (thread replies wait for it) while interactions are served.
	require.Eventually(t, func() bool {
		status, body := c.healthz()
		return status == http.StatusServiceUnavailable && strings.Contains(body, "discord: Discord: ") && strings.Contains(body, "gateway")
	}, 30*time.Second, 20*time.Millisecond, "crier run did not come up: %s", stderr.String())
	endpoint := c.url + "/discord/interactions"
	client := &http.Client{Timeout: 10 * time.Second}

	status, body := doRequest(t, client, signedInteraction(t, endpoint, priv, `{"id":"1","type":1,"application_id":"`+dcApp+`","token":"t","version":1}`))
	require.Equal(t, 200, status)
	require.JSONEq(t, `{"type":1}`, body)

	forged := signedInteraction(t, endpoint, priv, `{"id":"2","type":1}`)
	forged.Header.Set("X-Signature-Ed25519", strings.Repeat("00", 64))
	status, _ = doRequest(t, client, forged)
	require.Equal(t, 401, status, "Discord checks that badly signed requests are refused")

	slash := fmt.Sprintf(`{"id":"3","type":2,"application_id":"%s","token":"tok3","version":1,"guild_id":"%s","channel_id":"%s",
		"member":{"user":{"id":"1900000000000000001","username":"ana"},"roles":[]},
		"data":{"id":"9","name":"schedule","type":1,"options":[{"name":"text","type":3,"value":"now Hello Discord"}]}}`, dcApp, dcGuild, dcLaunch)
	status, body = doRequest(t, client, signedInteraction(t, endpoint, priv, slash))
	require.Equal(t, 200, status, body)
	var resp struct {
		Type int `json:"type"`
		Data struct {
			Embeds []struct {
				Title string `json:"title"`
			} `json:"embeds"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &resp))
	require.Equal(t, 4, resp.Type)
	require.Contains(t, resp.Data.Embeds[0].Title, "scheduled to go out now to sandbox, community")

	require.Eventually(t, func() bool {
		got := api.in(dcCommuny)
		return len(got) == 1 && got[0] == "Hello Discord"
	}, 15*time.Second, 50*time.Millisecond, "the post reaches the Discord channel")
	require.Eventually(t, func() bool {
		for _, m := range api.in(dcLaunch) {
			if strings.Contains(m, "published to community") {
				return true
			}
		}
		return false
	}, 15*time.Second, 50*time.Millisecond, "the notice reaches the channel the post came from")
	require.Equal(t, 0, c.stop())
}

func TestCheckShowsDiscord(t *testing.T) {
	t.Parallel()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	for _, tt := range []struct {
		name    string
		flags   int64
		warning bool
	}{{"message content on", 1 << 18, false}, {"message content off", 0, true}} {
		t.Run(tt.name, func(t *testing.T) {
			api := newDiscordAPI(t, tt.flags)
			code, out, errOut := run(t, nil, "", "check", "-config", writeConfigTB(t, discordConfig(api.srv.URL, "127.0.0.1:0", hex.EncodeToString(pub))))
			require.Equal(t, 0, code, errOut)
			require.Contains(t, out, "chat:      discord, http interactions, as crier, commands in 1 guild(s)")
			require.Contains(t, out, "invite:    https://discord.com/oauth2/authorize?client_id="+dcApp+"&scope=bot%20applications.commands&permissions=")
			require.Contains(t, out, "network:   community (discord): posts to channel "+dcCommuny)
			require.Equal(t, tt.warning, strings.Contains(out, "Message Content intent is off"))
			require.NotContains(t, out, "dc-token")
		})
	}
}
