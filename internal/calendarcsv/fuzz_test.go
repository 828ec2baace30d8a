package calendarcsv_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/crier-bot/crier/internal/calendarcsv"
	"github.com/crier-bot/crier/internal/crier"
)

// FuzzRead: any file is read or refused row by row, never a panic; a
// post read has a text and known networks.
func FuzzRead(f *testing.F) {
	for _, s := range []string{
		"date,time,timezone,networks,text\n2026-12-24,09:00,UTC,a,Hi\n",
		"date;time;timezone;networks;text;text:b\n2026-12-24;9am;Europe/Lisbon;a b;Hi;Hey\n",
		"date,time,networks,text\n,,a,\"multi\nline\"\n",
		"\xef\xbb\xbfdate,time,timezone,networks,text,images,campaign\n2026-13-40,25:00,Mars/Base,zz,x,notaurl|x,nope\n",
		"",
	} {
		f.Add([]byte(s))
	}
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		posts, _, err := calendarcsv.Read(context.Background(), bytes.NewReader(data), calendarcsv.Options{Now: now, Networks: []string{"a", "b"}})
		if err != nil {
			return
		}
		for _, p := range posts {
			if p.Text == "" {
				t.Fatalf("a post without text from %q", data)
			}
			for _, n := range p.Targets {
				if n != "a" && n != "b" {
					t.Fatalf("unknown network %q from %q", n, data)
				}
			}
		}
	})
}

// FuzzExportedText: any post text written by Write is read back as it was,
// and no cell of it starts as a spreadsheet formula.
func FuzzExportedText(f *testing.F) {
	for _, s := range []string{"=1+1", "'=x", "@ana", "''-", "plain", "'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		text = strings.TrimSpace(text)
		if text == "" || !utf8.ValidString(text) || strings.ContainsAny(text, "\r\x00") {
			return // Read refuses these before any text is read, or trims them
		}
		var buf bytes.Buffer
		post := &crier.Post{Status: crier.PostDraft, Targets: []string{"a"}, Text: text}
		if err := calendarcsv.Write(&buf, []*crier.Post{post}, time.UTC); err != nil {
			t.Fatal(err)
		}
		posts, bad, err := calendarcsv.Read(context.Background(), &buf, calendarcsv.Options{Networks: []string{"a"}})
		if err != nil || len(bad) > 0 || len(posts) != 1 {
			t.Fatalf("%q: %v %v %d", text, err, bad, len(posts))
		}
		if posts[0].Text != text {
			t.Fatalf("%q came back as %q", text, posts[0].Text)
		}
	})
}
