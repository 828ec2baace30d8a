package commands_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/commands"
	"github.com/crier-bot/crier/internal/crier"
	"github.com/crier-bot/crier/internal/publish"
)

func TestEncodeButton(t *testing.T) {
	t.Parallel()
	enc := func(action string, id int64, target string) string {
		s, ok := commands.EncodeButton(commands.Button{Action: action, PostID: id, Target: target})
		require.True(t, ok, s)
		return s
	}
	require.Equal(t, "crier:publish_now:12", enc("publish_now", 12, ""))
	require.Equal(t, "crier:reschedule_form:9223372036854775807", enc("reschedule_form", 9223372036854775807, ""))
	require.Equal(t, "crier:confirm_published:12:mastodon", enc("confirm_published", 12, "mastodon"))
	longest := enc("confirm_published", 9223372036854775807, strings.Repeat("z", 32))
	require.LessOrEqual(t, len(longest), 100, "the longest delivery button fits Discord's custom_id")
	_, err := commands.ParseButton(longest)
	require.NoError(t, err)
	withRef := commands.ButtonValue{Action: "reply", PostID: 12, Target: "mastodon", Ref: "c481"}
	require.Equal(t, "crier:reply:12:mastodon/c481", withRef.String())

	for _, b := range []commands.Button{
		{Label: "Odd", Action: "Publish Now", PostID: 1},
		{Label: "Colon", Action: "cancel:1", PostID: 1},
		{Label: "Long", Action: strings.Repeat("a", 100), PostID: 1},
		{Label: "No post", Action: "cancel"},
		{Label: "Capital network", Action: "publish_again", PostID: 1, Target: "Mastodon"},
	} {
		_, ok := commands.EncodeButton(b)
		require.False(t, ok, b.Label)
	}
}

func TestParseButton(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		value  string
		action string
		postID int64
		target string
		ref    string
		ok     bool
	}{
		{"publish now is read", "crier:publish_now:12", "publish_now", 12, "", "", true},
		{"reschedule is read", "crier:reschedule:1", "reschedule", 1, "", "", true},
		{"cancel is read", "crier:cancel:7", "cancel", 7, "", "", true},
		{"a modal's id is read", "crier:reschedule_form:3", "reschedule_form", 3, "", "", true},
		{"an action with digits is read", "crier:act2:3", "act2", 3, "", "", true},
		{"the largest id is read", "crier:cancel:9223372036854775807", "cancel", 9223372036854775807, "", "", true},
		{"a value of Discord's 100 characters is read", "crier:" + strings.Repeat("a", 91) + ":12", strings.Repeat("a", 91), 12, "", "", true},
		{"a delivery button's network is read", "crier:confirm_published:12:mastodon", "confirm_published", 12, "mastodon", "", true},
		{"a network with digits, dashes and underscores is read", "crier:publish_again:3:my_site-2", "publish_again", 3, "my_site-2", "", true},
		{"a network of digits is read", "crier:cancel:12:34", "cancel", 12, "34", "", true},
		{"a network of 32 characters is read", "crier:publish_again:3:" + strings.Repeat("n", 32), "publish_again", 3, strings.Repeat("n", 32), "", true},
		{"a ref is read", "crier:reply:12:mastodon/c481", "reply", 12, "mastodon", "c481", true},
		{"a ref without a network is read", "crier:compose:12/Conv-2.b_3", "compose", 12, "", "Conv-2.b_3", true},
		{"an empty value is rejected", "", "", 0, "", "", false},
		{"the prefix alone is rejected", "crier:", "", 0, "", "", false},
		{"a missing post id is rejected", "crier:cancel", "", 0, "", "", false},
		{"an empty post id is rejected", "crier:cancel:", "", 0, "", "", false},
		{"an empty action is rejected", "crier::12", "", 0, "", "", false},
		{"another bot's value is rejected", "other:cancel:12", "", 0, "", "", false},
		{"the prefix is case sensitive", "Crier:cancel:12", "", 0, "", "", false},
		{"the action is case sensitive", "crier:Cancel:12", "", 0, "", "", false},
		{"an action starting with a digit is rejected", "crier:1cancel:12", "", 0, "", "", false},
		{"an action with a dash is rejected", "crier:publish-now:12", "", 0, "", "", false},
		{"a look-alike letter is rejected", "crier:cаncel:12", "", 0, "", "", false},
		{"zero is rejected", "crier:cancel:0", "", 0, "", "", false},
		{"a negative id is rejected", "crier:cancel:-3", "", 0, "", "", false},
		{"a plus sign is rejected", "crier:cancel:+12", "", 0, "", "", false},
		{"a leading zero is rejected", "crier:cancel:012", "", 0, "", "", false},
		{"a hash is rejected", "crier:cancel:#12", "", 0, "", "", false},
		{"spaces are rejected", "crier:cancel: 12", "", 0, "", "", false},
		{"a trailing newline is rejected", "crier:cancel:12\n", "", 0, "", "", false},
		{"an empty network is rejected", "crier:confirm_published:12:", "", 0, "", "", false},
		{"a network without a post is rejected", "crier:confirm_published::mastodon", "", 0, "", "", false},
		{"a network in capitals is rejected", "crier:confirm_published:12:Mastodon", "", 0, "", "", false},
		{"a network with a space is rejected, so it cannot add words to the command", "crier:publish_again:12:mastodon now", "", 0, "", "", false},
		{"a network of 33 characters is rejected", "crier:publish_again:3:" + strings.Repeat("n", 33), "", 0, "", "", false},
		{"a fourth field is rejected", "crier:cancel:12:34:56", "", 0, "", "", false},
		{"a forged second post is rejected", "crier:cancel:12:cancel:13", "", 0, "", "", false},
		{"trailing text is rejected", "crier:cancel:12x", "", 0, "", "", false},
		{"an overflowing id is rejected", "crier:cancel:9223372036854775808", "", 0, "", "", false},
		{"a value longer than Discord allows is rejected", "crier:" + strings.Repeat("a", 92) + ":12", "", 0, "", "", false},
		{"a delivery value longer than Discord allows is rejected", "crier:" + strings.Repeat("a", 59) + ":12:" + strings.Repeat("n", 32), "", 0, "", "", false},
		{"an empty ref is rejected", "crier:cancel:12/", "", 0, "", "", false},
		{"a ref with a space is rejected, so it cannot add words", "crier:reply:12/c481 now", "", 0, "", "", false},
		{"a second ref is rejected", "crier:reply:12/a/b", "", 0, "", "", false},
		{"a ref of 33 characters is rejected", "crier:reply:12/" + strings.Repeat("r", 33), "", 0, "", "", false},
		{"a ref before the post is rejected", "crier:reply/c1:12", "", 0, "", "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, err := commands.ParseButton(tt.value)
			if !tt.ok {
				require.Error(t, err)
				require.Contains(t, err.Error(), "parse button")
				require.Equal(t, commands.ButtonValue{}, v)
				return
			}
			require.NoError(t, err)
			require.Equal(t, commands.ButtonValue{Action: tt.action, PostID: tt.postID, Target: tt.target, Ref: tt.ref}, v)
			require.Equal(t, tt.value, v.String())
		})
	}
}

func FuzzParseButton(f *testing.F) {
	for _, v := range []string{
		"crier:publish_now:12", "crier:cancel:0", "crier:cancel:-1", "crier:cancel:012", "crier:cancel:", "crier::1",
		"", "crier:cancel:9223372036854775808", "crier:cancel:12:13", "crier:Cancel:1", "crier:reschedule_form:3",
		"crier:confirm_published:12:mastodon", "crier:publish_again:12:", "crier:publish_again:12:a:b", "crier:publish_again:12:A",
		"crier:reply:12:mastodon/c481", "crier:reply:12/", "crier:reply:12/a/b", "post:12",
	} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := commands.ParseButton(s)
		if err != nil {
			return
		}
		if v.PostID <= 0 || v.Action == "" || len(s) > 100 || v.String() != s {
			t.Fatalf("ParseButton(%q) = %+v, which String writes as %q", s, v, v.String())
		}
	})
}

func TestPress(t *testing.T) {
	t.Parallel()
	r := commands.New(commands.Deps{})
	for _, tt := range []struct {
		name  string
		value string
		want  commands.Press
		err   string
	}{
		{"publish now reschedules to now", "crier:publish_now:12", commands.Press{Command: "reschedule", Text: "#12 now"}, ""},
		{"cancel cancels", "crier:cancel:12", commands.Press{Command: "cancel", Text: "#12"}, ""},
		{"reschedule asks when first", "crier:reschedule:12", commands.Press{Ask: "reschedule"}, ""},
		{"reject asks why first", "crier:reject:12", commands.Press{Ask: "reject"}, ""},
		{"edit asks for the new text first", "crier:edit:12", commands.Press{Ask: "edit"}, ""},
		{"it is published marks the delivery", "crier:confirm_published:12:sandbox", commands.Press{Command: "published", Text: "#12 sandbox"}, ""},
		{"publish again republishes the delivery", "crier:publish_again:12:sandbox", commands.Press{Command: "republish", Text: "#12 sandbox"}, ""},
		{"a forged value is not crier's", "drop table", commands.Press{}, "That button is not one of crier's. Type /queue to see your posts."},
		{"a post button with a network is not crier's", "crier:cancel:12:sandbox", commands.Press{}, "That button is not one of crier's. Type /queue to see your posts."},
		{"a delivery button without a network is not crier's", "crier:confirm_published:12", commands.Press{}, "That button is not one of crier's. Type /queue to see your posts."},
		{"a ref on a button that takes none is not crier's", "crier:cancel:12/c1", commands.Press{}, "That button is not one of crier's. Type /queue to see your posts."},
		{"an action crier no longer has", "crier:boost:12", commands.Press{}, "crier does not know that button any more. Type /queue to see your posts."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := r.Press(tt.value)
			if tt.err != "" {
				require.Error(t, err)
				require.Equal(t, crier.EINVALID, crier.ErrorCode(err))
				require.Equal(t, tt.err, crier.ErrorMessage(err))
				require.Equal(t, "✗ "+tt.err, commands.Failure(err).Text)
				return
			}
			require.NoError(t, err)
			v, perr := commands.ParseButton(tt.value)
			require.NoError(t, perr)
			tt.want.Value = v
			require.Equal(t, tt.want, got)
		})
	}
}

func TestAButtonsRefTravelsInItsValue(t *testing.T) {
	t.Parallel()
	v := commands.ValueOf(crier.Button{Action: "publish_now", PostID: 12, Ref: "c42"})
	require.Equal(t, "c42", v.Ref)
	got, err := commands.ParseButton(v.String())
	require.NoError(t, err)
	require.Equal(t, v, got)
}

// TestPublishsButtonsCanBePressed presses the buttons publish offers with a
// "maybe published" notice (minted in publish, resolved in commands), so an
// action renamed on one side only fails here, not in a user's chat.
func TestPublishsButtonsCanBePressed(t *testing.T) {
	t.Parallel()
	r := commands.New(commands.Deps{})
	for _, b := range publish.MaybeButtons(12, "mastodon") {
		got, err := r.Press(commands.ValueOf(b).String())
		require.NoError(t, err, b.Label)
		require.Equal(t, b.Command, "/"+got.Command+" "+got.Text, "the button does what its typed command says")
	}
}

// TestForms: every button that asks first has a form an adapter can build
// with no code of its own, and the form's answer completes the command the
// button's typed form names.
func TestForms(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		action, title, field string
		long                 bool
		answer               string
		command, text        string
		instead              string
	}{
		{"reschedule", "Reschedule post #12", "when", false, " in 3 hours ", "reschedule", "#12 in 3 hours",
			"Type /reschedule #12 <when>, like: /reschedule #12 tomorrow 10am"},
		{"reject", "Reject post #12", "reason", false, "The price is wrong", "reject", "#12 The price is wrong",
			"Type /reject #12 <reason>, like: /reject #12 The price is wrong; it is 49 EUR."},
		{"edit", "Edit post #12", "text", true, "Launch day!\nDoors open at 10.\n", "edit", "#12 Launch day!\nDoors open at 10.",
			"Type /edit #12 <new text>, like: /edit #12 Launch day is here!"},
	} {
		t.Run(tt.action, func(t *testing.T) {
			t.Parallel()
			f, ok := commands.Form(tt.action)
			require.True(t, ok)
			require.Equal(t, tt.action, f.Action)
			require.Equal(t, tt.title, f.TitleFor(12))
			require.Equal(t, tt.field, f.Field)
			require.Equal(t, tt.long, f.Long)
			require.NotEmpty(t, f.Label)
			require.LessOrEqual(t, len(f.Label), 45, "Discord's label limit")
			require.LessOrEqual(t, len(f.Placeholder), 100, "Discord's placeholder limit")
			require.NotEmpty(t, f.Submit)
			require.Positive(t, f.MaxLength)
			command, text := f.Command(12, tt.answer)
			require.Equal(t, tt.command, command)
			require.Equal(t, tt.text, text)
			require.Equal(t, tt.instead, f.Instead(12))

			// The form's value travels like a button's and reads back.
			value := f.Value(12)
			require.Equal(t, "crier:"+tt.action+"_form:12", value)
			got, id, err := commands.ParseForm(value)
			require.NoError(t, err)
			require.Equal(t, int64(12), id)
			require.Equal(t, f, got)

			// The button that asks for this form says so when pressed.
			press, err := commands.New(commands.Deps{}).Press("crier:" + tt.action + ":12")
			require.NoError(t, err)
			require.Equal(t, tt.action, press.Ask)
		})
	}
	for _, value := range []string{
		"crier:frobnicate_form:12",     // no such form
		"crier:reject:12",              // a button, not a form
		"crier:cancel_form:12",         // a button that asks nothing
		"crier:reject_form:12:sandbox", // a form names no network
		"crier:reject_form:12/c1",      // nor a ref
		"post:12",
		"",
	} {
		_, _, err := commands.ParseForm(value)
		require.Error(t, err, value)
	}
	_, ok := commands.Form("cancel")
	require.False(t, ok, "Cancel asks nothing")
}
