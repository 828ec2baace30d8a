package slack

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
)

// Handlers returns the HTTP-mode endpoints (slash commands, interactivity and
// the Events API), each verified before anything reads it, to be mounted on
// crier's HTTP listener. A panic is logged and, for a command, answered with
// one line.
func (a *Adapter) Handlers() map[string]http.Handler {
	answer := func(w http.ResponseWriter) { writeJSON(w, toMessage(somethingWentWrong())) }
	return map[string]http.Handler{
		"POST /slack/commands":      a.recovered(answer, a.verified(false, a.serveCommand)),
		"POST /slack/interactivity": a.recovered(nil, a.verified(false, a.serveInteraction)),
		"POST /slack/events":        a.recovered(nil, a.verified(true, a.serveEvent)),
	}
}

func (a *Adapter) serveCommand(w http.ResponseWriter, r *http.Request, _ []byte) {
	if r.FormValue("ssl_check") == "1" {
		w.WriteHeader(http.StatusOK) // Slack checking the certificate; nothing to run
		return
	}
	sc, err := slackapi.SlashCommandParse(r)
	if err != nil || sc.Command == "" {
		http.Error(w, "malformed slash command", http.StatusBadRequest)
		return
	}
	writeJSON(w, toMessage(a.slashCommand(r.Context(), sc)))
}

// slashCommand runs a slash command within Slack's ack window: its answer,
// or "working on it" with the answer to follow through response_url.
func (a *Adapter) slashCommand(ctx context.Context, sc slackapi.SlashCommand) commands.Response {
	resp, ok := a.runWithinBudget(ctx,
		func(ctx context.Context) commands.Response { return a.run(ctx, a.commandRequest(ctx, sc)) },
		func(resp commands.Response) { a.respond(context.Background(), sc.ResponseURL, resp, false) })
	if !ok {
		return workingOnIt()
	}
	return resp
}

func (a *Adapter) serveInteraction(w http.ResponseWriter, r *http.Request, body []byte) {
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("payload") == "" {
		http.Error(w, "malformed interaction", http.StatusBadRequest)
		return
	}
	var cb slackapi.InteractionCallback
	if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
		http.Error(w, "malformed interaction", http.StatusBadRequest)
		return
	}
	if cb.Type == slackapi.InteractionTypeViewSubmission {
		// A modal's answer is the HTTP response itself.
		if resp := a.viewSubmission(r.Context(), cb); resp != nil {
			writeJSON(w, resp)
			return
		}
		w.WriteHeader(http.StatusOK)
		return
	}
	w.WriteHeader(http.StatusOK) // ack at once; the answer goes to response_url
	go a.interaction(context.WithoutCancel(r.Context()), cb)
}

// interaction runs a button press: the router reads the button's value
// and runs the command it stands for, as the person who pressed it (roles
// apply). Buttons posted before their values were commands' own carry
// "post:12" with the action in the action_id; they are read as they were.
func (a *Adapter) interaction(ctx context.Context, cb slackapi.InteractionCallback) {
	defer a.recoverPanic("slack button", func() { a.respond(ctx, cb.ResponseURL, somethingWentWrong(), false) })
	if cb.Type != slackapi.InteractionTypeBlockActions || len(cb.ActionCallback.BlockActions) == 0 {
		return
	}
	act := cb.ActionCallback.BlockActions[0]
	r := a.router()
	if r == nil {
		a.respond(ctx, cb.ResponseURL, stillStarting(), false)
		return
	}
	value := act.Value
	if strings.HasPrefix(value, buttonValuePrefix) {
		action, ours := strings.CutPrefix(act.ActionID, ActionPrefix)
		id, target, err := ParseButtonValue(value)
		value = commands.ButtonValue{Action: action, PostID: id, Target: target}.String()
		if !ours || err != nil {
			value = "" // not one of crier's
		}
	}
	press, err := r.Press(value)
	if err != nil {
		a.respond(ctx, cb.ResponseURL, commands.Failure(err), false)
		return
	}
	if press.Ask != "" {
		a.ask(ctx, cb, press)
		return
	}
	resp := a.run(ctx, commands.Request{
		Platform: Platform,
		User:     a.user(ctx, cb.User.ID, cb.User.Name),
		Channel:  crier.ChannelRef{Platform: Platform, ID: cb.Channel.ID},
		Command:  press.Command,
		Text:     press.Text,
		Help:     "/crier help",
	})
	// A success replaces the message with the buttons, so they cannot be
	// pressed twice; an error is shown to the presser only and leaves the
	// message as it was.
	a.respond(ctx, cb.ResponseURL, resp, !resp.Error)
}

// ask opens the form a button asks first (commands.Form): trigger_id lives
// 3 s, so before anything slow; the submission runs the command, and the
// person's roles apply then. When Slack will not open it, the person is
// told what to type instead.
func (a *Adapter) ask(ctx context.Context, cb slackapi.InteractionCallback, press commands.Press) {
	id := press.Value.PostID
	form, ok := commands.Form(press.Ask)
	if !ok {
		a.log.Warn("slack button asks a form crier does not have", slog.String("form", press.Ask))
		a.respond(ctx, cb.ResponseURL, commands.Failure(crier.Errorf(crier.EINVALID, "crier does not know that button any more. Type /queue to see your posts.")), false)
		return
	}
	if err := a.openForm(ctx, cb, form, id); err != nil {
		a.log.Warn("slack form failed", slog.String("form", form.Action), slog.Any("error", err))
		a.respond(ctx, cb.ResponseURL, commands.Response{Text: form.Instead(id), Ephemeral: true}, false)
	}
}

// respond posts an answer to a response_url (valid 30 minutes, 5 uses).
func (a *Adapter) respond(ctx context.Context, responseURL string, resp commands.Response, replace bool) {
	if responseURL == "" {
		return
	}
	m := toMessage(resp)
	msg := &slackapi.WebhookMessage{Text: m.Text, ResponseType: m.ResponseType, ReplaceOriginal: replace}
	if len(m.Blocks) > 0 {
		msg.Blocks = &slackapi.Blocks{BlockSet: m.Blocks}
	}
	if err := slackapi.PostWebhookCustomHTTPContext(ctx, responseURL, a.http, msg); err != nil {
		// The URL itself lets anyone post to the channel for 30 minutes:
		// log the cause without it.
		a.log.Warn("slack response_url post failed", slog.Any("error", crier.WithoutURL(err)))
		return
	}
	a.opts.Metrics.MessageSent(Platform)
}

func (a *Adapter) serveEvent(w http.ResponseWriter, r *http.Request, body []byte) {
	ev, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
	if err != nil {
		http.Error(w, "malformed event", http.StatusBadRequest)
		return
	}
	if ev.Type == slackevents.URLVerification {
		var ch slackevents.ChallengeResponse
		if err := json.Unmarshal(body, &ch); err != nil {
			http.Error(w, "malformed challenge", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte(ch.Challenge))
		return
	}
	if a.bot() == "" {
		// Slack has not answered auth.test yet, so crier cannot tell its
		// own threads from others'. Slack delivers a failed event again
		// (at once, after 1 and after 5 minutes), with a new signature.
		a.log.Info("slack event put off: crier does not know its own user id yet")
		http.Error(w, "crier is connecting to Slack", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
	go a.event(context.WithoutCancel(r.Context()), body)
}

// threadEvent is the part of an Events API message event crier reads; slack-go's
// MessageEvent has no parent_user_id, which tells whose thread it is.
type threadEvent struct {
	EventID string `json:"event_id"`
	Event   struct {
		Type         string      `json:"type"`
		Subtype      string      `json:"subtype"`
		User         string      `json:"user"`
		BotID        string      `json:"bot_id"`
		Text         string      `json:"text"`
		TS           string      `json:"ts"`
		ThreadTS     string      `json:"thread_ts"`
		Channel      string      `json:"channel"`
		ParentUserID string      `json:"parent_user_id"`
		Files        []eventFile `json:"files"` // a file_share message's files
	} `json:"event"`
}

// event passes a person's upload with the words "crier import" to /import,
// wherever it is (in a thread crier started too: it is never a reply to a
// customer), and any other reply of a person in a thread crier started to
// the thread handler. It ignores crier's own messages, other bots, edits,
// deletions, other messages, and Slack's retried deliveries.
func (a *Adapter) event(ctx context.Context, payload []byte) {
	defer a.recoverPanic("slack event", nil)
	var te threadEvent
	if err := json.Unmarshal(payload, &te); err != nil {
		return
	}
	e := te.Event
	switch {
	case te.EventID != "" && a.seen(a.events, te.EventID, a.opts.Clock.Now(), a.opts.Clock.Now().Add(eventCacheTTL)):
		return // a retried delivery
	case e.Type != "message", e.BotID != "", e.User == "", e.User == a.bot():
		return
	case e.Subtype != "" && e.Subtype != "thread_broadcast" && e.Subtype != "file_share":
		// edits (message_changed), deletions (message_deleted), joins, bot messages…
		return
	case a.bot() == "":
		return
	case len(e.Files) > 0 && isImport(e.Text, a.bot()):
		// Anywhere, crier's own threads too: "crier import" is never a
		// reply to a customer.
		thread := e.ThreadTS // the answer goes under the thread's parent, never under a reply
		if thread == "" {
			thread = e.TS
		}
		a.importUpload(ctx, e.Channel, thread, e.User, e.Files)
		return
	case e.ThreadTS == "" || e.ThreadTS == e.TS, e.ParentUserID != a.bot():
		return
	}
	a.mu.Lock()
	h := a.onThread
	a.mu.Unlock()
	if h != nil {
		u := a.user(ctx, e.User, "") // roles from user ids and user groups, as for commands
		h(ctx, crier.ThreadReply{Platform: Platform, Channel: e.Channel, Thread: e.ThreadTS, MessageID: e.TS,
			UserID: e.User, UserName: u.Name, Roles: u.Roles, Text: typedText(e.Text)})
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
