package calendarcsv_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/crier-bot/crier/internal/calendarcsv"
	"github.com/crier-bot/crier/internal/crier"
)

var now = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// campaigns is a campaign store: launch is open, spring is closed.
type campaigns map[string]*crier.Campaign

func (c campaigns) Campaign(_ context.Context, name string) (*crier.Campaign, error) {
	if k, ok := c[strings.ToLower(name)]; ok {
		return k, nil
	}
	return nil, crier.Errorf(crier.ENOTFOUND, "no campaign %s", name)
}

// limits refuses a network's text over its limit in characters, in the
// words publish.Service.CheckPost uses.
func limits(max map[string]int) func(p *crier.Post) error {
	return func(p *crier.Post) error {
		var over []string
		for _, t := range p.Targets {
			if n := utf8.RuneCountInString(p.TextFor(t)); n > max[t] {
				over = append(over, fmt.Sprintf("%d characters too long for %s (%d/%d)", n-max[t], t, n, max[t]))
			}
		}
		if len(over) > 0 {
			return crier.Errorf(crier.EINVALID, "The text is %s. Shorten it and try again.", strings.Join(over, ", and "))
		}
		return nil
	}
}

func options() calendarcsv.Options {
	lisbon, _ := time.LoadLocation("Europe/Lisbon")
	return calendarcsv.Options{
		Now: now, Location: lisbon,
		Networks: []string{"mastodon", "bluesky"},
		Check:    limits(map[string]int{"mastodon": 500, "bluesky": 30}),
		Campaigns: campaigns{
			"launch": {Name: "launch"},
			"spring": {Name: "spring", Closed: true},
		},
	}
}

func read(t *testing.T, file string) ([]*crier.Post, []string) {
	t.Helper()
	posts, bad, err := calendarcsv.Read(context.Background(), strings.NewReader(file), options())
	require.NoError(t, err)
	var lines []string
	for _, e := range bad {
		lines = append(lines, e.Error())
	}
	return posts, lines
}

func at(t *testing.T, zone string, y int, mo time.Month, d, h, m int) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	require.NoError(t, err)
	return time.Date(y, mo, d, h, m, 0, 0, loc).UTC() // as Read gives it
}

func TestImportReadsGoodRows(t *testing.T) {
	t.Parallel()
	file := "\uFEFFDate,Time,Timezone,Networks,Text,Images,Campaign,text:bluesky\n" +
		"2026-12-24,09:00,,mastodon bluesky,\"Merry Christmas, everyone!\nSee you in January.\",https://example.com/tree.jpg|A tree with lights https://example.com/b.png,launch,Merry Christmas!\n" +
		"2026-12-31,11pm,America/New_York,mastodon;bluesky,Happy new year,,,\n" +
		",,,,A draft for every network,,,\n"
	posts, bad := read(t, file)
	require.Empty(t, bad)
	require.Equal(t, []*crier.Post{
		{Status: crier.PostScheduled, DueAt: at(t, "Europe/Lisbon", 2026, 12, 24, 9, 0), Targets: []string{"mastodon", "bluesky"},
			Text:     "Merry Christmas, everyone!\nSee you in January.",
			Variants: map[string]string{"bluesky": "Merry Christmas!"},
			Images:   []crier.Image{{URL: "https://example.com/tree.jpg", Alt: "A tree with lights"}, {URL: "https://example.com/b.png"}},
			Campaign: "launch"},
		{Status: crier.PostScheduled, DueAt: at(t, "America/New_York", 2026, 12, 31, 23, 0), Targets: []string{"mastodon", "bluesky"}, Text: "Happy new year"},
		{Status: crier.PostDraft, Targets: []string{"mastodon", "bluesky"}, Text: "A draft for every network"},
	}, posts)
}

func TestImportTakesSemicolonsAndTabs(t *testing.T) {
	t.Parallel()
	for name, sep := range map[string]string{"semicolons": ";", "tabs": "\t"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			file := strings.Join([]string{"date", "time", "networks", "text"}, sep) + "\n" +
				strings.Join([]string{"2026-12-24", "09:30", "mastodon", "Hello, world"}, sep) + "\n"
			posts, bad := read(t, file)
			require.Empty(t, bad)
			require.Len(t, posts, 1)
			require.Equal(t, "Hello, world", posts[0].Text)
			require.Equal(t, at(t, "Europe/Lisbon", 2026, 12, 24, 9, 30), posts[0].DueAt)
		})
	}
}

func TestImportListsEveryBadRowByLine(t *testing.T) {
	t.Parallel()
	file := "date,time,timezone,networks,text,images,campaign,text:bluesky\n" +
		"2026-12-24,09:00,,mastodon,Good,,,\n" + // 2
		"24/12/2026,09:00,,mastodon,Bad date,,,\n" + // 3
		"2026-02-30,09:00,,mastodon,No such day,,,\n" + // 4
		"2026-12-24,9h,,mastodon,Bad time,,,\n" + // 5
		"2026-12-24,09:00,,blusky,Unknown network,,,\n" + // 6
		"2026-12-24,09:00,,bluesky,This text is far longer than thirty characters,,,\n" + // 7
		"2026-12-24,09:00,,mastodon bluesky,Fine on mastodon,,,This one is longer than thirty characters\n" + // 8
		"2027-03-28,01:30,Europe/Lisbon,mastodon,In the gap,,,\n" + // 9
		"2026-10-25,01:30,Europe/Lisbon,mastodon,Twice,,,\n" + // 10
		"2027-10-31,01:30,,mastodon,Twice next year,,,\n" + // 11
		"2026-11-20,09:00,,mastodon,Passed,,,\n" + // 12
		"2026-12-24,09:00,Europe/Lisbn,mastodon,Bad zone,,,\n" + // 13
		"2026-12-24,,,mastodon,No time,,,\n" + // 14
		"2026-12-24,09:00,,mastodon,,,,\n" + // 15
		"2026-12-24,09:00,,mastodon,Campaigns,,nope,\n" + // 16
		"2026-12-24,09:00,,mastodon,Campaigns,,spring,\n" + // 17
		"2026-12-24,09:00,,mastodon,Own text elsewhere,,,Hi\n" + // 18
		"2026-12-24,09:00,,mastodon,Picture,ftp://x/y.jpg,,\n" + // 19
		"2026-12-24,09:00,,mastodon,Too few\n" + // 20
		"2026-12-24,09:00,,twitter,Two things,,nope,\n" // 21
	posts, bad := read(t, file)
	require.Len(t, posts, 1)
	require.Equal(t, "Good", posts[0].Text)
	require.Equal(t, []string{
		`line 3: "24/12/2026" is not a date crier reads; write it as year-month-day, like 2026-12-24.`,
		`line 4: "2026-02-30" is not a date crier reads; write it as year-month-day, like 2026-12-24.`,
		`line 5: "9h" is not a time of day crier reads; write it like 09:00 or 17:30.`,
		`line 6: there is no network called "blusky"; did you mean bluesky? Known: mastodon, bluesky.`,
		`line 7: the text is 16 characters too long for bluesky (46/30). Shorten it and try again.`,
		`line 8: the text is 11 characters too long for bluesky (41/30). Shorten it and try again.`,
		`line 9: 01:30 does not exist on 2027-03-28 in Europe/Lisbon (the clocks jump forward then); pick another time, like 02:30.`,
		`line 10: 01:30 happens twice on 2026-10-25 in Europe/Lisbon (the clocks go back then); pick another time, or write it in UTC with the timezone UTC.`,
		`line 11: 01:30 happens twice on 2027-10-31 in Europe/Lisbon (the clocks go back then); pick another time, or write it in UTC with the timezone UTC.`,
		`line 12: 2026-11-20 09:00 in Europe/Lisbon has passed; pick a later time, or leave the date and time empty for a draft.`,
		`line 13: "Europe/Lisbn" is not a timezone crier knows; write its IANA name, like Europe/Lisbon or America/New_York, or leave it empty for Europe/Lisbon.`,
		`line 14: the time is empty; write it like 09:00, or leave the date empty too for a draft.`,
		`line 15: the text is empty; write what to post.`,
		`line 16: there is no campaign named nope; make it with /campaign new nope, or see them with /campaign list.`,
		`line 17: campaign spring is closed; empty the campaign cell, or make a new campaign with /campaign new <name>.`,
		`line 18: there is text in the text:bluesky column, but the post does not go to bluesky; add bluesky to its networks, or empty that cell.`,
		`line 19: "ftp://x/y.jpg" is not a web address of a picture; write each picture as https://example.com/photo.jpg|A red bicycle, separated by spaces.`,
		`line 20: this row has 5 columns and the header has 8; check for a missing or extra ",", or put a text that has one in double quotes.`,
		`line 21: there is no network called "twitter". Known: mastodon, bluesky.`,
		`line 21: there is no campaign named nope; make it with /campaign new nope, or see them with /campaign list.`,
	}, bad)
}

func TestImportRefusesAFileItCannotRead(t *testing.T) {
	t.Parallel()
	header := "date,time,timezone,networks,text\n"
	utf16 := []byte{0xFF, 0xFE}
	for _, r := range header {
		utf16 = append(utf16, byte(r), 0)
	}
	tests := []struct {
		name, file, want string
	}{
		{"a file in UTF-16 is refused", string(utf16),
			"The file is in UTF-16, which crier does not read; save it as UTF-8 CSV (in Excel: File → Save As → “CSV UTF-8”; in LibreOffice: character set Unicode (UTF-8)) and import it again."},
		{"a file in Windows-1252 is refused", header + "2026-12-24,09:00,,mastodon,Caf\xe9 opens\n",
			"The file is not UTF-8 (line 2 has a character in another encoding, like Windows-1252); save it as UTF-8 CSV (in Excel: File → Save As → “CSV UTF-8”; in LibreOffice: character set Unicode (UTF-8)) and import it again."},
		{"columns separated by | are refused", "date|time|timezone|networks|text\n2026-12-24|09:00||mastodon|Hi\n",
			`line 1: the columns are separated by "|", which crier does not read; save the file with commas (or semicolons) between the columns: date,time,timezone,networks,text,images,campaign.`},
		{"a missing column is named", "date,time,text\n",
			"line 1: the header has no networks column; the first line must name the columns: date,time,timezone,networks,text,images,campaign (and text:<network> for a network's own text), in any order."},
		{"a network's text column for no network is refused", "date,time,networks,text,text:blusky\n",
			`line 1: the column text:blusky is for a network bot.yaml does not have: there is no network called "blusky"; did you mean bluesky? Known: mastodon, bluesky.`},
		{"an empty file is refused", "",
			"The file is empty; its first line must name the columns: date,time,timezone,networks,text,images,campaign."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := calendarcsv.Read(context.Background(), strings.NewReader(tt.file), options())
			require.Equal(t, crier.EINVALID, crier.ErrorCode(err))
			require.Equal(t, tt.want, crier.ErrorMessage(err))
		})
	}
}

func TestExportThenImportGivesTheSamePosts(t *testing.T) {
	t.Parallel()
	lisbon, err := time.LoadLocation("Europe/Lisbon")
	require.NoError(t, err)
	posts := []*crier.Post{
		{Status: crier.PostScheduled, DueAt: at(t, "Europe/Lisbon", 2026, 12, 24, 9, 0), Targets: []string{"mastodon", "bluesky"},
			Text:     "Merry Christmas, \"everyone\"!\nSee you in January; bye.",
			Variants: map[string]string{"bluesky": "Merry Christmas!"},
			Images:   []crier.Image{{URL: "https://example.com/tree.jpg", Alt: "A tree with lights"}, {URL: "https://example.com/b.png"}},
			Campaign: "launch"},
		// The second 01:30 of the night the clocks go back: written in UTC.
		{Status: crier.PostScheduled, DueAt: time.Date(2027, 10, 31, 1, 30, 0, 0, time.UTC), Targets: []string{"mastodon"}, Text: "Twice"},
		{Status: crier.PostScheduled, DueAt: at(t, "Europe/Lisbon", 2027, 1, 2, 17, 45).Add(30 * time.Second), Targets: []string{"bluesky"}, Text: "With seconds"},
		{Status: crier.PostDraft, Targets: []string{"mastodon"}, Text: "A draft 😀"},
	}
	var buf bytes.Buffer
	require.NoError(t, calendarcsv.Write(&buf, posts, lisbon))
	require.True(t, calendarcsv.IsCalendar(buf.Bytes()))
	require.Contains(t, buf.String(), "2027-10-31,01:30,UTC,") // not Lisbon's ambiguous 01:30

	back, bad, err := calendarcsv.Read(context.Background(), &buf, options())
	require.NoError(t, err)
	require.Empty(t, bad)
	require.Len(t, back, len(posts))
	for i := range posts {
		require.True(t, posts[i].DueAt.Equal(back[i].DueAt), "post %d: %v != %v", i, posts[i].DueAt, back[i].DueAt)
		back[i].DueAt = posts[i].DueAt
	}
	require.Equal(t, posts, back)
}

func TestExportedTextIsNeverAFormulaAndComesBackAsItWas(t *testing.T) {
	t.Parallel()
	texts := []string{"=HYPERLINK(\"http://evil.example\")", "+1 for the launch", "-- new hours --", "@ana thanks!",
		"'=already an apostrophe", "''=two", "'quoted'", "plain", "\tTabbed"}
	var posts []*crier.Post
	for _, text := range texts {
		posts = append(posts, &crier.Post{Status: crier.PostDraft, Targets: []string{"mastodon"}, Text: text,
			Variants: map[string]string{"mastodon": text}})
	}
	var buf bytes.Buffer
	require.NoError(t, calendarcsv.Write(&buf, posts, time.UTC))
	rows := strings.Split(strings.TrimSpace(buf.String()), "\n")[1:]
	require.Len(t, rows, len(texts))
	for _, row := range rows {
		for _, cell := range strings.Split(row, ",") {
			cell = strings.TrimPrefix(cell, `"`)
			require.False(t, cell != "" && strings.ContainsRune("=+-@", rune(cell[0])), "a cell a spreadsheet would run: %s", row)
		}
	}
	require.Contains(t, buf.String(), ",'@ana thanks!,")

	back, bad, err := calendarcsv.Read(context.Background(), &buf, options())
	require.NoError(t, err)
	require.Empty(t, bad)
	for i, p := range back {
		require.Equal(t, texts[i], p.Text)
		require.Equal(t, texts[i], p.Variants["mastodon"])
	}

	// A spreadsheet that hid the apostrophe saves the text without it.
	hidden, lines := read(t, "date,time,networks,text\n,,mastodon,@ana thanks!\n,,mastodon,'plain\n")
	require.Empty(t, lines)
	require.Equal(t, "@ana thanks!", hidden[0].Text)
	require.Equal(t, "'plain", hidden[1].Text, "an apostrophe before anything else is the text's own")
}

func TestImportTellsACalendarFromNumbers(t *testing.T) {
	t.Parallel()
	require.True(t, calendarcsv.IsCalendar([]byte("\uFEFFdate;time;networks;text\n")))
	require.False(t, calendarcsv.IsCalendar([]byte("date,metric,value,account,campaign\n2026-11-01,clicks,4,,\n")))
	require.False(t, calendarcsv.IsCalendar([]byte{0xFF, 0xFE, 'd', 0}))
}

func TestImportKnowsACalendarWithAnotherSeparator(t *testing.T) {
	t.Parallel()
	require.True(t, calendarcsv.IsCalendar([]byte("date|time|networks|text\n")))
}
