package discord

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
)

func (a *Adapter) onInteraction(s *discordgo.Session, ic *discordgo.InteractionCreate) {
	defer a.recoverPanic("interaction")
	ctx := context.Background()
	start := time.Now()
	resp := a.interaction(ctx, ic.Interaction)
	if resp == nil {
		return
	}
	if err := s.InteractionRespond(ic.Interaction, resp, discordgo.WithContext(ctx)); err != nil {
		a.log.Warn("discord interaction response failed", slog.Any("error", crier.WithoutURL(err))) // the URL holds the interaction token
		return
	}
	a.opts.Metrics.Acked(Platform, time.Since(start))
}

// interaction answers an interaction within Discord's 3 s: the answer itself,
// or a deferral that a follow-up completes.
func (a *Adapter) interaction(ctx context.Context, i *discordgo.Interaction) *discordgo.InteractionResponse {
	switch i.Type {
	case discordgo.InteractionPing:
		return &discordgo.InteractionResponse{Type: discordgo.InteractionResponsePong}
	case discordgo.InteractionApplicationCommand:
		data := i.ApplicationCommandData()
		opts, attached, err := data.Options, []*discordgo.MessageAttachment(nil), error(nil)
		if takesFile(data.Name) {
			opts, attached, err = splitFiles(opts, data.Resolved)
		}
		text := ""
		if err == nil {
			text, err = optionText(opts, data.Resolved, 0)
		}
		if err != nil {
			// Options are words for whoever registered the commands, not for
			// the person typing: they get what to type, the log the reason.
			a.log.Info("discord command options unreadable", slog.String("command", data.Name), slog.Any("error", err))
			return ephemeral(fmt.Sprintf("✗ crier could not read that /%s. %s", data.Name, a.typeInstead(data.Name)))
		}
		for _, att := range attached {
			if att.Size > maxAttachment {
				return ephemeral(fmt.Sprintf("✗ %s is larger than 1 MB; split it, or import it with crier import on the server.", att.Filename))
			}
		}
		return a.command(ctx, i, discordgo.InteractionResponseChannelMessageWithSource, func(ctx context.Context) (commands.Request, error) {
			req := a.request(i, data.Name, text)
			for _, att := range attached {
				f, err := a.download(ctx, att)
				if err != nil {
					a.log.Warn("discord attachment download failed", slog.String("command", data.Name), slog.Any("error", crier.WithoutURL(err)))
					return req, crier.Errorf(crier.EUNAVAIL, "crier could not download %s from Discord. Attach it to /%s again.", att.Filename, data.Name)
				}
				req.Files = append(req.Files, f)
			}
			return req, nil
		})
	case discordgo.InteractionMessageComponent:
		return a.component(ctx, i)
	case discordgo.InteractionModalSubmit:
		return a.modalSubmit(ctx, i)
	}
	return nil
}

// command runs a request with the ack budget. In time, the answer is the
// response (respType: a new message, or an update of the message with the
// buttons); late, the interaction is deferred and the answer edited in.
// build makes the request, or says why it cannot (a file that could not
// be downloaded): that error is the answer.
func (a *Adapter) command(ctx context.Context, i *discordgo.Interaction, respType discordgo.InteractionResponseType, build func(context.Context) (commands.Request, error)) *discordgo.InteractionResponse {
	done := make(chan commands.Response, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				a.logPanic("command", v)
				done <- somethingWentWrong()
			}
		}()
		wctx := context.WithoutCancel(ctx)
		req, err := build(wctx)
		if err != nil {
			done <- commands.Failure(err)
			return
		}
		done <- a.run(wctx, req)
	}()
	timer := time.NewTimer(ackBudget)
	defer timer.Stop()
	select {
	case resp := <-done:
		if resp.Error {
			// Errors are for the person who typed only, never an update of
			// the shared message.
			return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: Message(resp)}
		}
		return &discordgo.InteractionResponse{Type: respType, Data: Message(resp)}
	case <-timer.C:
		go a.finishLate(i, done, respType == discordgo.InteractionResponseUpdateMessage)
		if respType == discordgo.InteractionResponseUpdateMessage {
			// A button: acknowledge without a new message; the edit follows.
			return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate}
		}
		return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}
	}
}

// finishLate completes a deferred interaction (its token is valid 15 minutes).
// update says the interaction was a button whose message (the post's
// preview) is being updated: that message is never deleted.
func (a *Adapter) finishLate(i *discordgo.Interaction, done <-chan commands.Response, update bool) {
	defer a.recoverPanic("follow-up")
	resp := <-done
	msg := Message(resp)
	if resp.Error || resp.Ephemeral {
		// The deferred message is public; an error or a private answer goes
		// to the person alone (Discord cannot make a message ephemeral later).
		if !update {
			_ = a.s.InteractionResponseDelete(i)
		}
		if _, err := a.s.FollowupMessageCreate(i, true, &discordgo.WebhookParams{
			Content: msg.Content, Embeds: msg.Embeds, Flags: discordgo.MessageFlagsEphemeral, AllowedMentions: msg.AllowedMentions,
		}); err != nil {
			a.log.Warn("discord follow-up failed", slog.Any("error", crier.WithoutURL(err)))
		}
		return
	}
	if _, err := a.s.InteractionResponseEdit(i, &discordgo.WebhookEdit{
		Content: &msg.Content, Embeds: &msg.Embeds, Components: &msg.Components, AllowedMentions: msg.AllowedMentions,
	}); err != nil {
		a.log.Warn("discord follow-up failed", slog.Any("error", crier.WithoutURL(err)))
		return
	}
	a.opts.Metrics.MessageSent(Platform)
}

// component runs a button press: the router reads the button's custom_id
// and runs the command it stands for as the person who pressed it, or asks
// first in a modal (Reschedule, Reject, Edit). A success updates the message with the
// buttons, so they cannot be pressed twice.
func (a *Adapter) component(ctx context.Context, i *discordgo.Interaction) *discordgo.InteractionResponse {
	a.mu.Lock()
	r := a.router
	a.mu.Unlock()
	if r == nil {
		return ephemeral("✗ crier is still starting; try again in a moment.")
	}
	press, err := r.Press(i.MessageComponentData().CustomID)
	if err != nil {
		return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: Message(commands.Failure(err))}
	}
	if press.Ask != "" {
		form, ok := commands.Form(press.Ask)
		if !ok {
			a.log.Warn("discord button asks a form crier does not have", slog.String("form", press.Ask))
			return ephemeral("✗ crier does not know that button any more. Type /queue to see your posts.")
		}
		return formModal(form, press.Value.PostID)
	}
	return a.command(ctx, i, discordgo.InteractionResponseUpdateMessage, func(context.Context) (commands.Request, error) {
		return a.request(i, press.Command, press.Text), nil
	})
}

// formModal is the modal of a button that asks first (Reschedule: when?
// Reject: why? Edit: the new text), built from commands' description of
// its form; its custom_id is the form's value, "crier:reject_form:12".
func formModal(form commands.FormSpec, id int64) *discordgo.InteractionResponse {
	style := discordgo.TextInputShort
	if form.Long {
		style = discordgo.TextInputParagraph
	}
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseModal,
		Data: &discordgo.InteractionResponseData{
			CustomID: form.Value(id),
			Title:    form.TitleFor(id),
			Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
				discordgo.TextInput{CustomID: form.Field, Label: form.Label, Style: style,
					Placeholder: form.Placeholder, Required: true, MaxLength: min(form.MaxLength, 4000)}, // Discord's most
			}}},
		},
	}
}

// modalSubmit runs the command a submitted form completes, as the person
// who submitted it (their roles apply).
func (a *Adapter) modalSubmit(ctx context.Context, i *discordgo.Interaction) *discordgo.InteractionResponse {
	data := i.ModalSubmitData()
	form, id, err := commands.ParseForm(data.CustomID)
	if err != nil {
		return ephemeral("✗ That form is not one of crier's. Press the button again, or type /help to see crier's commands.")
	}
	answer := ""
	for _, row := range data.Components {
		if r, ok := row.(*discordgo.ActionsRow); ok {
			for _, c := range r.Components {
				if in, ok := c.(*discordgo.TextInput); ok && in.CustomID == form.Field {
					answer = in.Value
				}
			}
		}
	}
	command, text := form.Command(id, answer)
	return a.command(ctx, i, discordgo.InteractionResponseChannelMessageWithSource, func(context.Context) (commands.Request, error) {
		return a.request(i, command, text), nil
	})
}

func ephemeral(text string) *discordgo.InteractionResponse {
	return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: Message(commands.Response{Text: text, Ephemeral: true, Error: true})}
}

// request builds a crier request from an interaction: the person (roles from
// their user id and Discord roles; timezone from bot.yaml's guild and channel
// settings, or their own /timezone), the channel, the command.
func (a *Adapter) request(i *discordgo.Interaction, command, text string) commands.Request {
	// Discord gives no user timezone: this one is bot.yaml's.
	u := crier.User{Timezone: a.opts.TimezoneFor(i.GuildID, i.ChannelID), TimezoneFrom: "bot.yaml's timezone"}
	var memberRoles []string
	switch {
	case i.Member != nil && i.Member.User != nil:
		u.ID, u.Name, memberRoles = i.Member.User.ID, i.Member.User.Username, i.Member.Roles
	case i.User != nil:
		u.ID, u.Name = i.User.ID, i.User.Username
	}
	u.Roles = a.rolesOf(u.ID, memberRoles)
	return commands.Request{
		Platform: Platform, User: u,
		Channel: crier.ChannelRef{Platform: Platform, ID: i.ChannelID},
		Command: strings.ToLower(command), Text: strings.TrimSpace(text),
	}
}

// rolesOf is a person's roles in bot.yaml, by their user id and their
// Discord roles in the guild.
func (a *Adapter) rolesOf(userID string, memberRoles []string) []crier.Role {
	var roles []crier.Role
	for _, role := range crier.Roles() {
		for _, m := range a.opts.Roles[role] {
			if m == "*" || m == userID || slices.Contains(memberRoles, m) {
				roles = append(roles, role)
				break
			}
		}
	}
	return roles
}

func (a *Adapter) run(ctx context.Context, req commands.Request) commands.Response {
	a.mu.Lock()
	r := a.router
	a.mu.Unlock()
	if r == nil {
		return commands.Response{Text: "✗ crier is still starting; try again in a moment.", Ephemeral: true, Error: true}
	}
	return r.Handle(ctx, req) // the router counts it
}

// optionText reads a command's options as the text crier's commands take,
// each by its type: a string as it is, a number in digits, a boolean as
// true or false, a user, channel or role as its mention, a subcommand (or
// group) as its name followed by its own options. crier registers one text
// option; the others come from commands registered by something else (an
// older crier, another tool) or from forged requests, and are read rather
// than trusted. An option of another type, or whose value does not match its
// type, is an error naming what it was.
func optionText(opts []*discordgo.ApplicationCommandInteractionDataOption, resolved *discordgo.ApplicationCommandInteractionDataResolved, depth int) (string, error) {
	var parts []string
	for _, o := range opts {
		if o == nil {
			continue
		}
		var part string
		switch o.Type {
		case discordgo.ApplicationCommandOptionSubCommand, discordgo.ApplicationCommandOptionSubCommandGroup:
			if depth >= 2 { // Discord nests a group once and its subcommands once
				return "", errors.New("its options are nested deeper than Discord nests them")
			}
			rest, err := optionText(o.Options, resolved, depth+1)
			if err != nil {
				return "", err
			}
			part = strings.TrimSpace(o.Name + " " + rest)
		case discordgo.ApplicationCommandOptionString:
			v, ok := o.Value.(string)
			if !ok {
				return "", fmt.Errorf("option %q is not text", o.Name)
			}
			part = v
		case discordgo.ApplicationCommandOptionInteger:
			v, ok := o.Value.(float64)
			if !ok || v != math.Trunc(v) || math.IsInf(v, 0) {
				return "", fmt.Errorf("option %q is not a whole number", o.Name)
			}
			part = strconv.FormatFloat(v, 'f', -1, 64)
		case discordgo.ApplicationCommandOptionNumber:
			v, ok := o.Value.(float64)
			if !ok || math.IsInf(v, 0) || math.IsNaN(v) {
				return "", fmt.Errorf("option %q is not a number", o.Name)
			}
			part = strconv.FormatFloat(v, 'f', -1, 64)
		case discordgo.ApplicationCommandOptionBoolean:
			v, ok := o.Value.(bool)
			if !ok {
				return "", fmt.Errorf("option %q is not true or false", o.Name)
			}
			part = strconv.FormatBool(v)
		case discordgo.ApplicationCommandOptionUser, discordgo.ApplicationCommandOptionChannel,
			discordgo.ApplicationCommandOptionRole, discordgo.ApplicationCommandOptionMentionable:
			id, ok := o.Value.(string)
			if !ok || id == "" || strings.Trim(id, "0123456789") != "" {
				return "", fmt.Errorf("option %q is not a Discord id", o.Name)
			}
			part = mention(o.Type, id, resolved)
		case discordgo.ApplicationCommandOptionAttachment:
			return "", fmt.Errorf("option %q is a file, not text", o.Name)
		default:
			return "", fmt.Errorf("option %q is of a kind crier does not know", o.Name)
		}
		if part != "" {
			parts = append(parts, part)
		}
	}
	return strings.Join(parts, " "), nil
}

// mention is how a person would type a user, channel or role: <@id>, <#id>
// or <@&id>. A mentionable is a role when Discord resolved it as one.
func mention(t discordgo.ApplicationCommandOptionType, id string, resolved *discordgo.ApplicationCommandInteractionDataResolved) string {
	switch t {
	case discordgo.ApplicationCommandOptionChannel:
		return "<#" + id + ">"
	case discordgo.ApplicationCommandOptionRole:
		return "<@&" + id + ">"
	case discordgo.ApplicationCommandOptionMentionable:
		if resolved != nil && resolved.Roles[id] != nil {
			return "<@&" + id + ">"
		}
	}
	return "<@" + id + ">"
}

// typeInstead says what to type for a command, from its definition: like
// its first example with text after the command, alone when it takes none,
// or /help when crier has no such command.
func (a *Adapter) typeInstead(name string) string {
	a.mu.Lock()
	r := a.router
	a.mu.Unlock()
	if r != nil {
		for _, d := range r.Definitions() {
			if d.Name != strings.ToLower(name) {
				continue
			}
			if _, args, _ := strings.Cut(d.Usage, " "); args == "" {
				return "Type /" + d.Name + " alone."
			}
			for _, e := range d.Examples {
				if _, text, _ := strings.Cut(e, " "); strings.TrimSpace(text) != "" {
					return "Type it as text, like " + e + "."
				}
			}
			return "Type /help " + d.Name + " to see what to type."
		}
	}
	return "Type /help to see crier's commands."
}

// somethingWentWrong answers a person whose command made crier panic, in
// the sentence Slack's adapter uses, with Discord's /help.
func somethingWentWrong() commands.Response {
	return commands.Response{
		Text:      "✗ Something went wrong in crier; whoever runs it can find the details in its log. Try again, or type /help.",
		Ephemeral: true, Error: true,
	}
}

// recoverPanic, deferred at the top of every function discordgo calls and of
// every goroutine crier starts for Discord, logs a panic with its stack
// instead of letting it end crier: discordgo runs handlers in goroutines of
// their own, where nothing else would recover it.
func (a *Adapter) recoverPanic(where string) {
	if v := recover(); v != nil {
		a.logPanic(where, v)
	}
}

func (a *Adapter) logPanic(where string, v any) {
	a.log.Error("discord handler panicked", slog.String("handler", where), slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
}
