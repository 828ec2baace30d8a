package commands

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/crier-bot/crier/internal/crier"
)

// A button's value is the one string a chat platform carries for it and
// hands back when it is pressed (Slack's button value, Discord's
// custom_id): "crier:" + action + ":" + post id, then ":" + target for a
// button about the post's delivery to a network, then "/" + ref for a
// button about something else of crier's (a relayed comment, a
// conversation), like "crier:publish_now:12",
// "crier:confirm_published:12:mastodon" or "crier:reply:12:mastodon/c481".
// Adapters carry it as it is; the router alone reads it.
const (
	buttonPrefix   = "crier:"
	limitButtonLen = 100 // Discord's custom_id; Slack's value allows 2,000
	limitRefLen    = 32
)

// ButtonValue is what a button's value says.
type ButtonValue struct {
	Action string // a lowercase identifier: "publish_now", "reschedule_form"
	PostID int64  // positive
	Target string // a network name, for a button about a delivery; ""
	Ref    string // crier's own id of what the button is about (1 to 32 of A-Z, a-z, 0-9, _ . -); ""
}

// ValueOf is a button's value. (crier.Button has no ref yet: buttons of
// the comment relay and of composing will carry one.)
func ValueOf(b Button) ButtonValue {
	return ButtonValue{Action: b.Action, PostID: b.PostID, Target: b.Target, Ref: b.Ref}
}

// String encodes v. Only a value ParseButton reads back as v is one a
// platform can carry: check with EncodeButton.
func (v ButtonValue) String() string {
	s := buttonPrefix + v.Action + ":" + strconv.FormatInt(v.PostID, 10)
	if v.Target != "" {
		s += ":" + v.Target
	}
	if v.Ref != "" {
		s += "/" + v.Ref
	}
	return s
}

// EncodeButton is b's value, and whether it can be a button: an action of
// lowercase letters, digits and underscores starting with a letter, a
// positive post ID and a target that is "" or a network name (1 to 32 of
// a-z, 0-9, _ and -), within 100 characters. A button that cannot is shown
// as its command to type instead.
func EncodeButton(b Button) (string, bool) {
	v := ValueOf(b)
	s := v.String()
	got, err := ParseButton(s)
	return s, err == nil && got == v
}

// ParseButton reads a value made by ButtonValue.String. Anything else,
// including a value longer than 100 characters, "crier:cancel:0",
// "crier:cancel:+12", "crier:cancel:012", "crier:Cancel:12",
// "crier:cancel:12:", "crier:cancel:12:Mastodon" and "crier:cancel:12/",
// is an error.
func ParseButton(s string) (ButtonValue, error) {
	bad := func(why string) (ButtonValue, error) {
		return ButtonValue{}, fmt.Errorf("parse button %q: %s", s, why)
	}
	if len(s) > limitButtonLen {
		return ButtonValue{}, fmt.Errorf("parse button: %d bytes, more than %d", len(s), limitButtonLen)
	}
	rest, ok := strings.CutPrefix(s, buttonPrefix)
	if !ok {
		return bad("want " + buttonPrefix + "<action>:<post id>[:<network>][/<ref>]")
	}
	rest, ref, hasRef := strings.Cut(rest, "/")
	if hasRef && !validRef(ref) {
		return bad("not a ref")
	}
	action, rest, ok := strings.Cut(rest, ":")
	if !ok || !validAction(action) {
		return bad("want " + buttonPrefix + "<action>:<post id>[:<network>][/<ref>]")
	}
	digits, target, hasTarget := strings.Cut(rest, ":")
	if hasTarget && !crier.ValidNetworkName(target) {
		return bad("not a network name")
	}
	id, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != digits {
		return bad("not a post id")
	}
	return ButtonValue{Action: action, PostID: id, Target: target, Ref: ref}, nil
}

// validAction reports whether a is a lowercase identifier: [a-z][a-z0-9_]*.
func validAction(a string) bool {
	if a == "" || a[0] < 'a' || a[0] > 'z' {
		return false
	}
	for i := 1; i < len(a); i++ {
		if c := a[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

func validRef(r string) bool {
	if r == "" || len(r) > limitRefLen {
		return false
	}
	for _, c := range []byte(r) {
		if !(c == '_' || c == '-' || c == '.' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// Press is what a pressed button asks for: the command to run as the
// person who pressed it (their roles apply), or, with Ask set, a question
// the platform puts first (a form), whose answer completes the command.
type Press struct {
	Value   ButtonValue
	Command string // "reschedule"; "" when Ask is set
	Text    string // "#12 now"
	Ask     string // "reschedule": ask when, then run /reschedule #<post> <when>; Form(Ask) is the form
}

// buttonAction is what a button action does.
type buttonAction struct {
	command  string
	after    string // words after the post id: "now"
	delivery bool   // the button is about a delivery: it names a network
	ask      bool   // a question comes first
	verb     string // for a conversation button: the words before its number ("take")
	bare     bool   // the number alone, without "#"
	none     bool   // the command takes no words
	ref      bool   // the button may name one of crier's things (a comment): "^<ref>" follows the number
	hashRef  bool   // "#<post> ^<ref>": a post and what of it the button saw (an approval's revision)
}

var buttonActions = map[string]buttonAction{
	"publish_now":       {command: "reschedule", after: "now"},
	"reschedule":        {command: "reschedule", ask: true},
	"cancel":            {command: "cancel"},
	"confirm_published": {command: "published", delivery: true},
	"publish_again":     {command: "republish", delivery: true},
	// The comment relay's buttons carry a conversation's number.
	"reply": {command: "reply", bare: true, ref: true},
	"take":  {command: "inbox", verb: "take"},
	"done":  {command: "inbox", verb: "done"},
	// The crisis alert's button; its number is the comment that raised it.
	"pause": {command: "pause", none: true},
	// Composing: approvals (Approve names the revision the approver saw),
	// and a draft's networks.
	"approve":      {command: "approve", ref: true, hashRef: true},
	"reject":       {command: "reject", ask: true},
	"edit":         {command: "edit", ask: true},
	"add_network":  {command: "networks", delivery: true, after: "add"},
	"drop_network": {command: "networks", delivery: true, after: "drop"},
	"write":        {command: "write"},
	// An occurrence of a series: this one, or the series from now on.
	"cancel_one":    {command: "cancel", after: "only"},
	"cancel_series": {command: "cancel", after: "series"},
	// A day of the calendar; its number is the date, yyyymmdd.
	"calendar_day": {command: "calendar", bare: true},
	"suggest":      {command: "suggest", bare: true, ref: true},
}

// FormSpec is the one question a button asks before its command runs
// (Reschedule: when? Reject: why? Edit: the new text), described so that a
// chat adapter builds any of them, and reads its answer, with no code of
// its own for each.
type FormSpec struct {
	Action      string // the button's action: "reject"
	Title       string // the form's title; %d is the post's number: "Reject post #%d"
	Submit      string // the submit button: "Reject"
	Label       string // the question, at most 45 characters (Discord): "Why? The author reads this"
	Hint        string // under the field, where the platform shows one; ""
	Placeholder string // at most 100 characters (Discord)
	Field       string // the field's id: "reason"
	Long        bool   // the answer takes several lines (a post's text)
	MaxLength   int    // characters
	instead     string // what to type instead; %[1]d is the post's number
}

// forms are the questions of the buttons that ask (ask: true).
var forms = map[string]FormSpec{
	"reschedule": {
		Action: "reschedule", Title: "Reschedule post #%d", Submit: "Reschedule",
		Label:       "When should it go out?",
		Hint:        "Like “friday 3pm”, “in 2 hours”, “2026-12-24 10:00” or “now”, in your own timezone.",
		Placeholder: "tomorrow 10am, friday 3pm, in 2 hours, now",
		Field:       "when", MaxLength: 100,
		instead: "Type /reschedule #%[1]d <when>, like: /reschedule #%[1]d tomorrow 10am",
	},
	"reject": {
		Action: "reject", Title: "Reject post #%d", Submit: "Reject",
		Label:       "Why? The author reads this",
		Hint:        "Say what to change, so the author can fix it and ask again.",
		Placeholder: "The price is wrong; it is 49 EUR.",
		Field:       "reason", MaxLength: 1000,
		instead: "Type /reject #%[1]d <reason>, like: /reject #%[1]d The price is wrong; it is 49 EUR.",
	},
	"edit": {
		Action: "edit", Title: "Edit post #%d", Submit: "Save",
		Label:       "The new text",
		Hint:        "Start with a network and a colon (“mastodon: …”) to change that network's text only.",
		Placeholder: "Launch day is here!",
		Field:       "text", Long: true, MaxLength: 3000, // Slack's most for a text input
		instead: "Type /edit #%[1]d <new text>, like: /edit #%[1]d Launch day is here!",
	},
}

// formSuffix ends the action of a form's value: "crier:reject_form:12".
const formSuffix = "_form"

// Form is the question the button action asks first, if it asks one.
func Form(action string) (FormSpec, bool) {
	f, ok := forms[action]
	return f, ok
}

// TitleFor is the form's title for a post.
func (f FormSpec) TitleFor(postID int64) string { return fmt.Sprintf(f.Title, postID) }

// Instead is the one line that says what to type when the form cannot be
// shown.
func (f FormSpec) Instead(postID int64) string { return fmt.Sprintf(f.instead, postID) }

// Value is what a form for a post carries and hands back on submission
// (Slack's private_metadata, Discord's custom_id), in the one button
// encoding: "crier:reject_form:12". ParseForm reads it.
func (f FormSpec) Value(postID int64) string {
	return ButtonValue{Action: f.Action + formSuffix, PostID: postID}.String()
}

// Command is the command a form's answer completes, to run as the person
// who submitted it (their roles apply): ("reject", "#12 The price is
// wrong"). The answer keeps its lines; spaces around it go.
func (f FormSpec) Command(postID int64, answer string) (command, text string) {
	text = "#" + strconv.FormatInt(postID, 10)
	if answer = strings.TrimSpace(answer); answer != "" {
		text += " " + answer
	}
	return buttonActions[f.Action].command, text
}

// ParseForm reads a form's value made by FormSpec.Value: the form and the
// post it is about. Anything else, a button's value included, is an error.
func ParseForm(value string) (FormSpec, int64, error) {
	v, err := ParseButton(value)
	if err != nil {
		return FormSpec{}, 0, fmt.Errorf("parse form: %w", err)
	}
	action, isForm := strings.CutSuffix(v.Action, formSuffix)
	f, known := forms[action]
	if !isForm || !known || v.Target != "" || v.Ref != "" {
		return FormSpec{}, 0, fmt.Errorf("parse form %q: not one of crier's forms", value)
	}
	return f, v.PostID, nil
}

// Press resolves a pressed button's value. Post buttons (Publish now,
// Reschedule, Cancel) carry a post ID; delivery buttons (It is published,
// Publish again) a post ID and a network. Anything else is a crier.Error
// that says what to type instead: Failure makes it the answer.
func (r *Router) Press(value string) (Press, error) {
	notOurs := crier.Errorf(crier.EINVALID, "That button is not one of crier's. Type /queue to see your posts.")
	v, err := ParseButton(value)
	if err != nil {
		return Press{}, notOurs
	}
	act, ok := buttonActions[v.Action]
	switch {
	case !ok:
		return Press{}, crier.Errorf(crier.EINVALID, "crier does not know that button any more. Type /queue to see your posts.")
	case act.delivery != (v.Target != ""), v.Ref != "" && !act.ref:
		return Press{}, notOurs
	case act.ask:
		return Press{Value: v, Ask: v.Action}, nil
	}
	switch {
	case act.hashRef && v.Ref != "":
		return Press{Value: v, Command: act.command, Text: "#" + strconv.FormatInt(v.PostID, 10) + " ^" + v.Ref}, nil
	case act.verb != "":
		return Press{Value: v, Command: act.command, Text: act.verb + " " + strconv.FormatInt(v.PostID, 10)}, nil
	case act.bare && v.Ref != "":
		return Press{Value: v, Command: act.command, Text: strconv.FormatInt(v.PostID, 10) + " ^" + v.Ref}, nil
	case act.bare:
		return Press{Value: v, Command: act.command, Text: strconv.FormatInt(v.PostID, 10)}, nil
	case act.none:
		return Press{Value: v, Command: act.command}, nil
	}
	text := "#" + strconv.FormatInt(v.PostID, 10)
	for _, w := range []string{v.Target, act.after} {
		if w != "" {
			text += " " + w
		}
	}
	return Press{Value: v, Command: act.command, Text: text}, nil
}

// Failure is the one-line answer to err, shown to the person alone.
func Failure(err error) Response { return failure(err) }
