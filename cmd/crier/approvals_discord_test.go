package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/adapters/file"
	"github.com/crier-bot/crier/internal/crier"
)

// Approvals through Discord's HTTP interactions (issue 9), with the roles of
// bot.yaml given as Discord user ids.
const (
	apprDcApprovals = "1300000000000000020" // approvals.channel
	apprDcDrafter   = "1900000000000000021" // drafter: posts wait for approval
	apprDcApprover  = "1900000000000000022" // approver
	apprDcScheduler = "1900000000000000023" // scheduler
	apprDcBoth      = "1900000000000000024" // drafter and approver
)

// apprDcNames are the usernames Discord sends with each member.
var apprDcNames = map[string]string{apprDcDrafter: "bo", apprDcApprover: "cy", apprDcScheduler: "ana", apprDcBoth: "dee"}

// apprDiscordAPI is discordAPI (discord_test.go) behind a front that keeps
// the whole body of each Create Message (content and components, as
// Discord's docs/resources/message.md describe them), which discordAPI
// reduces to its content.
type apprDiscordAPI struct {
	*discordAPI
	front *httptest.Server

	mu   sync.Mutex
	sent []apprDcMessage
}

// apprDcMessage is a message crier created, as it sent it.
type apprDcMessage struct {
	Channel    string
	Content    string `json:"content"`
	Components []struct {
		Type       int `json:"type"`
		Components []struct {
			Type     int    `json:"type"`
			Label    string `json:"label"`
			CustomID string `json:"custom_id"`
		} `json:"components"`
	} `json:"components"`
}

func newApprDiscordAPI(t *testing.T) *apprDiscordAPI {
	t.Helper()
	d := &apprDiscordAPI{discordAPI: newDiscordAPI(t, 1<<18)}
	d.front = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/") // api, v10, channels, {id}, messages
		if r.Method == http.MethodPost && len(parts) == 5 && parts[2] == "channels" && parts[4] == "messages" {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, "unreadable body", http.StatusBadRequest)
				return
			}
			var m apprDcMessage
			if json.Unmarshal(body, &m) == nil {
				m.Channel = parts[3]
				d.mu.Lock()
				d.sent = append(d.sent, m)
				d.mu.Unlock()
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		d.srv.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(d.front.Close)
	return d
}

func (d *apprDiscordAPI) messages() []apprDcMessage {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.sent)
}

func (d *apprDiscordAPI) dump() string {
	var b strings.Builder
	for _, m := range d.messages() {
		fmt.Fprintf(&b, "%s: %q\n", m.Channel, m.Content)
	}
	return b.String()
}

// apprDiscordConfig is Discord with HTTP interactions, approvals in
// apprDcApprovals and the sandbox file network.
func apprDiscordConfig(apiURL, addr, publicKey string) string {
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
http:
  listen: "%s"
roles:
  drafter: ["%s", "%s"]
  approver: ["%s", "%s"]
  scheduler: ["%s"]
approvals:
  channel: discord:%s
networks:
  - name: sandbox
    kind: file
    outbox: data/sandbox/outbox.jsonl
    limit: 500
publish:
  max_attempts: 3
  attempt_timeout: 5s
`, dcApp, publicKey, apiURL, dcGuild, addr, apprDcDrafter, apprDcBoth, apprDcApprover, apprDcBoth, apprDcScheduler, apprDcApprovals)
}

// apprDcSession sends what people do in Discord to one crier run.
type apprDcSession struct {
	t      *testing.T
	api    *apprDiscordAPI
	c      *crierRun
	clock  *crier.ManualClock
	priv   ed25519.PrivateKey
	client *http.Client
	n      int
}

// apprDcAnswer is an interaction response: its type, and its text as a
// person reads it (content, embed titles and descriptions, without
// Discord's markdown escapes).
type apprDcAnswer struct {
	Type      int
	Ephemeral bool
	Text      string
}

// interact posts a signed interaction, signed at now on crier's clock
// (Discord's and crier's clocks agree), and reads the answer.
func (s *apprDcSession) interact(body string) apprDcAnswer {
	s.t.Helper()
	ts := strconv.FormatInt(s.clock.Now().Unix(), 10)
	req, err := http.NewRequest(http.MethodPost, s.c.url+"/discord/interactions", strings.NewReader(body))
	require.NoError(s.t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Signature-Timestamp", ts)
	req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(s.priv, []byte(ts+body))))
	status, resp := doRequest(s.t, s.client, req)
	require.Equal(s.t, http.StatusOK, status, resp)
	var r struct {
		Type int `json:"type"`
		Data struct {
			Content string `json:"content"`
			Flags   int    `json:"flags"`
			Embeds  []struct {
				Title       string `json:"title"`
				Description string `json:"description"`
			} `json:"embeds"`
		} `json:"data"`
	}
	require.NoError(s.t, json.Unmarshal([]byte(resp), &r), resp)
	parts := []string{r.Data.Content}
	for _, e := range r.Data.Embeds {
		parts = append(parts, e.Title, e.Description)
	}
	text := strings.TrimSpace(strings.Join(parts, "\n"))
	return apprDcAnswer{Type: r.Type, Ephemeral: r.Data.Flags&64 != 0, Text: strings.ReplaceAll(text, `\`, "")}
}

// member is the member object Discord sends with an interaction in a guild.
func apprDcMember(user string) map[string]any {
	return map[string]any{"user": map[string]any{"id": user, "username": apprDcNames[user], "discriminator": "0"},
		"roles": []any{}, "joined_at": "2025-01-01T00:00:00Z", "deaf": false, "mute": false}
}

// slash is user typing /name text in dcLaunch: an APPLICATION_COMMAND
// interaction with crier's one text option.
func (s *apprDcSession) slash(user, name, text string) apprDcAnswer {
	s.t.Helper()
	s.n++
	b, err := json.Marshal(map[string]any{
		"id": fmt.Sprint(1600000000000000000 + s.n), "type": 2, "application_id": dcApp, "token": "tok" + strconv.Itoa(s.n), "version": 1,
		"guild_id": dcGuild, "channel_id": dcLaunch, "member": apprDcMember(user),
		"data": map[string]any{"id": "9", "name": name, "type": 1, "options": []any{map[string]any{"name": "text", "type": 3, "value": text}}},
	})
	require.NoError(s.t, err)
	return s.interact(string(b))
}

// press is user pressing the button customID on message m: a
// MESSAGE_COMPONENT interaction (docs/interactions/receiving-and-responding.md).
func (s *apprDcSession) press(user string, m apprDcMessage, customID string) apprDcAnswer {
	s.t.Helper()
	s.n++
	b, err := json.Marshal(map[string]any{
		"id": fmt.Sprint(1600000000000000000 + s.n), "type": 3, "application_id": dcApp, "token": "tok" + strconv.Itoa(s.n), "version": 1,
		"guild_id": dcGuild, "channel_id": m.Channel, "member": apprDcMember(user),
		"message": map[string]any{"id": "1400000000000000001", "channel_id": m.Channel, "content": m.Content, "type": 0,
			"author": map[string]any{"id": "1100000000000000002", "username": "crier", "bot": true}},
		"data": map[string]any{"custom_id": customID, "component_type": 2},
	})
	require.NoError(s.t, err)
	return s.interact(string(b))
}

// approvalRequest waits for the message asking approvers about post id.
func (s *apprDcSession) approvalRequest(id string) apprDcMessage {
	s.t.Helper()
	var msg apprDcMessage
	require.Eventually(s.t, func() bool {
		for _, m := range s.api.messages() {
			if m.Channel == apprDcApprovals && strings.Contains(m.Content, "Post #"+id+" ") {
				msg = m
				return true
			}
		}
		return false
	}, 15*time.Second, 20*time.Millisecond, "approvers asked about post #%s; Discord saw:\n%s\n%s", id, s.api.dump(), s.c.stderr.String())
	return msg
}

// toldInLaunch waits for a message in the channel the posts came from.
func (s *apprDcSession) toldInLaunch(substr string) string {
	s.t.Helper()
	var got string
	require.Eventually(s.t, func() bool {
		for _, text := range s.api.in(dcLaunch) {
			if text = strings.ReplaceAll(text, `\`, ""); strings.Contains(text, substr) {
				got = text
				return true
			}
		}
		return false
	}, 15*time.Second, 20*time.Millisecond, "%q in the launch channel; Discord saw:\n%s\n%s", substr, s.api.dump(), s.c.stderr.String())
	return got
}

// buttons are the custom_ids of m's buttons by label.
func (m apprDcMessage) buttons() ([]string, []string) {
	var labels, ids []string
	for _, row := range m.Components {
		for _, b := range row.Components {
			labels, ids = append(labels, b.Label), append(ids, b.CustomID)
		}
	}
	return labels, ids
}

// TestApprovalFlowDiscord is TestApprovalFlowSlack through Discord's HTTP
// interactions: a drafter's /schedule waits and the approvers are asked in
// approvals.channel with Approve, Reject and Edit; the drafter pressing
// Approve is refused; the approver's press approves it, the author is told
// in the channel it came from and it goes out at its time; /reject with a
// reason tells the author why and the post never goes out; an approver may
// not approve their own post, which does not go out while it waits; a
// scheduler's post does not wait.
func TestApprovalFlowDiscord(t *testing.T) {
	t.Parallel()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	api := newApprDiscordAPI(t)
	dir := t.TempDir()
	clock := crier.NewManualClock(time.Now().Truncate(time.Second))
	c := startApprRun(t, dir, clock, func(addr string) string {
		return apprDiscordConfig(api.front.URL, addr, hex.EncodeToString(pub))
	}, func(c *crierRun) bool {
		// This fake has no gateway, so /healthz says Discord's gateway
		// is down while interactions are served (as in discord_test.go).
		status, body := c.healthz()
		return status == http.StatusServiceUnavailable && strings.Contains(body, "gateway")
	})
	s := &apprDcSession{t: t, api: api, c: c, clock: clock, priv: priv, client: &http.Client{Timeout: 10 * time.Second}}
	outbox := filepath.Join(dir, "data/sandbox/outbox.jsonl")

	// The drafter schedules: the post waits, and the approvers are asked.
	ack := s.slash(apprDcDrafter, "schedule", "in 10 minutes | Launch day")
	require.Equal(t, 4, ack.Type, "a message in the channel")
	require.Regexp(t, `^✓ Post #\d+ waits for approval; once approved it goes out .*\(in 10 min\) to sandbox\.`, ack.Text)
	launch := apprPostID.FindStringSubmatch(ack.Text)[1]
	ask := s.approvalRequest(launch)
	require.Contains(t, ask.Content, "📝 Post #"+launch+" by bo waits for approval")
	require.Contains(t, ask.Content, "Launch day", "the approvers read the text")
	labels, ids := ask.buttons()
	require.Equal(t, []string{"Approve", "Reject", "Edit"}, labels)
	require.Len(t, ids, 3)
	require.Regexp(t, `^crier:approve:`+launch+`/\d+$`, ids[0])
	require.Equal(t, []string{"crier:reject:" + launch, "crier:edit:" + launch}, ids[1:])

	// The drafter presses Approve: refused, to them alone; the message
	// keeps its buttons (a new ephemeral message, not an update).
	refused := s.press(apprDcDrafter, ask, ids[0])
	require.Equal(t, 4, refused.Type)
	require.True(t, refused.Ephemeral)
	require.Contains(t, refused.Text, "approver role")

	// The approver presses Approve: the message is updated, and the author
	// is told where the post came from.
	approved := s.press(apprDcApprover, ask, ids[0])
	require.Equal(t, 7, approved.Type, "UPDATE_MESSAGE: the buttons go")
	require.Regexp(t, `^✓ Post #`+launch+` approved; it goes out at `, approved.Text)
	require.Contains(t, s.toldInLaunch("✅ Post #"+launch+" was approved by cy"), "it goes out at ")

	again := s.press(apprDcApprover, ask, ids[0])
	require.True(t, again.Ephemeral)
	require.Contains(t, again.Text, "does not wait for approval")

	// A second post of the drafter's is rejected with a reason.
	ack = s.slash(apprDcDrafter, "schedule", "in 10 minutes | Price drop: 39 EUR")
	require.Contains(t, ack.Text, "waits for approval")
	price := apprPostID.FindStringSubmatch(ack.Text)[1]
	s.approvalRequest(price)
	refused = s.slash(apprDcDrafter, "reject", "#"+price+" I changed my mind.")
	require.True(t, refused.Ephemeral)
	require.Contains(t, refused.Text, "You need the approver role to use /reject.")
	rejected := s.slash(apprDcApprover, "reject", "#"+price+" The price is wrong; it is 49 EUR.")
	require.Equal(t, "✓ Post #"+price+" rejected; its author is told why.", rejected.Text)
	told := s.toldInLaunch("✗ Post #" + price + " was not approved by cy")
	require.Contains(t, told, "The price is wrong; it is 49 EUR.")
	require.Contains(t, told, "/edit #"+price)

	// Someone who drafts and approves may not approve their own post.
	ack = s.slash(apprDcBoth, "schedule", "in 10 minutes | Own approval")
	require.Contains(t, ack.Text, "waits for approval")
	own := apprPostID.FindStringSubmatch(ack.Text)[1]
	ownAsk := s.approvalRequest(own)
	_, ownIDs := ownAsk.buttons()
	self := s.press(apprDcBoth, ownAsk, ownIDs[0])
	require.True(t, self.Ephemeral)
	require.Regexp(t, `^✗ Post #`+own+` .*bot\.yaml does not let authors approve their own posts; ask another approver\.$`, self.Text)

	// The scheduler's post does not wait.
	ack = s.slash(apprDcScheduler, "schedule", "in 10 minutes | Team news")
	require.Regexp(t, `^✓ Post #\d+ scheduled for `, ack.Text)
	news := apprPostID.FindStringSubmatch(ack.Text)[1]

	recs, err := file.ReadOutbox(outbox)
	if !os.IsNotExist(err) {
		require.NoError(t, err)
	}
	require.Empty(t, recs, "nothing goes out before its time")

	clock.Add(11 * time.Minute)
	s.toldInLaunch("✓ Post #" + launch + " published to sandbox")
	s.toldInLaunch("✓ Post #" + news + " published to sandbox")
	require.Equal(t, 0, c.stop(), c.stderr.String())
	recs, err = file.ReadOutbox(outbox)
	require.NoError(t, err)
	var texts []string
	for _, r := range recs {
		texts = append(texts, r.Text)
	}
	slices.Sort(texts)
	require.Equal(t, []string{"Launch day", "Team news"}, texts, "published once each; the rejected and the unapproved posts never")
	for _, m := range api.messages() {
		if m.Channel == apprDcApprovals {
			require.NotContains(t, m.Content, "Post #"+news+" ", "the scheduler's post asks nobody")
		}
	}
}
