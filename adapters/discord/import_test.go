package discord_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// importCommand is /import as Discord sends it with a file attached: the
// option's value is the attachment's id, the attachment itself is in
// data.resolved.attachments.
func importCommand(id string, att map[string]any, userID string, roles []string) map[string]any {
	return interaction(id, 2, map[string]any{"id": "1700000000000000009", "name": "import", "type": 1,
		"options":  []any{map[string]any{"name": "file", "type": 11, "value": att["id"]}},
		"resolved": map[string]any{"attachments": map[string]any{att["id"].(string): att}},
	}, userID, roles)
}

func TestImportIsRegisteredWithARequiredFile(t *testing.T) {
	t.Parallel()
	f := newFakeDiscord(t)
	w := newWorld(t)
	a := newAdapter(t, f, w, "")
	runGateway(t, f, a)

	put := f.waitCall(t, "PUT /applications/"+appID+"/guilds/"+guild+"/commands", 1)[0]
	var cmds []map[string]any
	require.NoError(t, json.Unmarshal(put.Raw, &cmds))
	for _, c := range cmds {
		switch c["name"] {
		case "import":
			opts := c["options"].([]any)
			require.Len(t, opts, 1)
			opt := opts[0].(map[string]any)
			require.EqualValues(t, 11, opt["type"], "an attachment")
			require.Equal(t, "file", opt["name"])
			require.Equal(t, "The calendar CSV (crier export writes one)", opt["description"])
			require.Equal(t, true, opt["required"])
		case "schedule":
			opts := c["options"].([]any)
			require.Len(t, opts, 1)
			require.EqualValues(t, 3, opts[0].(map[string]any)["type"], "other commands keep their text option")
		}
	}
}

func TestImportAnAttachedCalendar(t *testing.T) {
	t.Parallel()
	for _, transport := range []struct {
		name string
		new  func(*testing.T, *fakeDiscord, *world) answerer
	}{{"over HTTP", overHTTPOn}, {"over the gateway", overGatewayOn}} {
		t.Run(transport.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeDiscord(t)
			w := newWorld(t)
			answer := transport.new(t, f, w)
			day := time.Now().UTC().AddDate(0, 1, 0).Format("2006-01-02")
			ana, roles := "1900000000000000001", []string{schedulerRole}

			// A bad row: nothing is imported, and the answer lists it by line.
			bad := f.attach("1400000000000000001", "plan.csv", "text/csv; charset=utf-8",
				[]byte("date,time,timezone,networks,text\n"+day+",09:00,UTC,sandbox,Launch day\n"+day+",25:00,UTC,sandbox,Oops\n"))
			got := answer(t, importCommand("1800000000000000701", bad, ana, roles))
			require.Equal(t, "✗ Nothing was imported: 1 row of plan.csv is wrong. Fix it and attach the file again:", answerText(t, got))
			data := got["data"].(map[string]any)
			require.EqualValues(t, 64, data["flags"], "for the person alone")
			desc := data["embeds"].([]any)[0].(map[string]any)["description"].(string)
			require.Contains(t, desc, "line 3")
			require.NotContains(t, desc, "line 2")
			require.Empty(t, w.upcoming(t))

			// A good file: its rows are scheduled.
			good := f.attach("1400000000000000002", "plan.csv", "text/csv; charset=utf-8",
				[]byte("date,time,timezone,networks,text\n"+day+",09:00,UTC,sandbox,Launch day\n"+day+",10:00,UTC,sandbox,Doors open\n"))
			got = answer(t, importCommand("1800000000000000702", good, ana, roles))
			require.True(t, strings.HasPrefix(answerText(t, got), "✓ Imported 2 posts from plan.csv"), answerText(t, got))
			posts := w.upcoming(t)
			require.Len(t, posts, 2)
			var texts []string
			for _, p := range posts {
				texts = append(texts, p.Text)
				require.Equal(t, ana, p.AuthorID)
				require.Equal(t, day, p.DueAt.UTC().Format("2006-01-02"))
			}
			require.ElementsMatch(t, []string{"Launch day", "Doors open"}, texts)
		})
	}
}

func TestImportRefusesAFileOver1MBWithoutDownloadingIt(t *testing.T) {
	t.Parallel()
	for _, transport := range []struct {
		name string
		new  func(*testing.T, *fakeDiscord, *world) answerer
	}{{"over HTTP", overHTTPOn}, {"over the gateway", overGatewayOn}} {
		t.Run(transport.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeDiscord(t)
			w := newWorld(t)
			answer := transport.new(t, f, w)
			big := append([]byte("date,time,timezone,networks,text\n"), bytes.Repeat([]byte(",,,,A draft\n"), (1<<20)/12+1)...)
			att := f.attach("1400000000000000003", "year.csv", "text/csv", big)
			title := oneLineError(t, answer(t, importCommand("1800000000000000703", att, "1900000000000000001", []string{schedulerRole})))
			require.Equal(t, "✗ year.csv is larger than 1 MB; split it, or import it with crier import on the server.", title)
			require.Zero(t, f.downloaded(), "never downloaded")
			require.Empty(t, w.upcoming(t))
		})
	}
}

func TestImportSaysSoWhenTheFileCannotBeDownloaded(t *testing.T) {
	t.Parallel()
	for _, transport := range []struct {
		name string
		new  func(*testing.T, *fakeDiscord, *world) answerer
	}{{"over HTTP", overHTTPOn}, {"over the gateway", overGatewayOn}} {
		t.Run(transport.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeDiscord(t)
			w := newWorld(t)
			answer := transport.new(t, f, w)
			att := f.attach("1400000000000000004", "plan.csv", "text/csv",
				[]byte("date,time,timezone,networks,text\n,,,,A draft\n"))
			f.expire("1400000000000000004")
			title := oneLineError(t, answer(t, importCommand("1800000000000000704", att, "1900000000000000001", []string{schedulerRole})))
			require.Equal(t, "✗ crier could not download plan.csv from Discord. Attach it to /import again.", title)
			require.Equal(t, 1, f.downloaded(), "it was tried")
			require.Empty(t, w.upcoming(t))
		})
	}
}
