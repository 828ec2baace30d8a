// Package csvfile reads the CSV files people save from a spreadsheet and
// hand to crier (the numbers of internal/digest, the calendar of
// internal/calendarcsv): UTF-8 with or without a byte order mark, fields
// separated by commas, semicolons (as spreadsheets write in many countries)
// or tabs, and what cannot be read said in one plain line.
package csvfile

import (
	"bytes"
	"encoding/csv"
	"errors"
	"unicode/utf8"

	"github.com/crier-bot/crier/internal/crier"
)

// saveAs is how to save a file crier can read.
const saveAs = "save it as UTF-8 CSV (in Excel: File → Save As → “CSV UTF-8”; in LibreOffice: character set Unicode (UTF-8)) and import it again."

// Text returns data as UTF-8 text without a byte order mark, or an
// EINVALID error saying in one line how to save the file when it is in
// another encoding (UTF-16, Windows-1252, a spreadsheet's own format).
func Text(data []byte) ([]byte, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return nil, crier.Errorf(crier.EINVALID, "The file is in UTF-16, which crier does not read; %s", saveAs)
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		// UTF-16 without its mark: every other byte of ASCII text is 0.
		return nil, crier.Errorf(crier.EINVALID, "The file is not text crier can read (line %d has a NUL byte; is it UTF-16 or a spreadsheet?); %s", lineAt(data, i), saveAs)
	}
	if !utf8.Valid(data) {
		i := 0
		for i < len(data) {
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			i += size
		}
		return nil, crier.Errorf(crier.EINVALID, "The file is not UTF-8 (line %d has a character in another encoding, like Windows-1252); %s", lineAt(data, i), saveAs)
	}
	return data, nil
}

// lineAt is the 1-based line byte i of data is on.
func lineAt(data []byte, i int) int { return bytes.Count(data[:i], []byte{'\n'}) + 1 }

// NewReader returns a reader of data (text, from Text) whose separator is
// the one of comma, semicolon and tab its header line has most of (outside
// quotes). A row with too few or too many fields is the caller's to report,
// not an error; spaces after a comma or semicolon are dropped.
func NewReader(data []byte) *csv.Reader {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = delimiter(data)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = cr.Comma != '\t' // "a, b"; but a tab is the separator, not space
	return cr
}

// delimiter guesses the separator from the header line.
func delimiter(data []byte) rune {
	head := data
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	counts := map[rune]int{}
	quoted := false
	for _, r := range string(head) {
		switch {
		case r == '"':
			quoted = !quoted
		case !quoted && (r == ',' || r == ';' || r == '\t'):
			counts[r]++
		}
	}
	best := ','
	for _, r := range []rune{';', '\t'} {
		if counts[r] > counts[best] {
			best = r
		}
	}
	return best
}

// Problem says in plain words what encoding/csv could not read in a line.
func Problem(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		switch {
		case errors.Is(pe.Err, csv.ErrQuote):
			return "a quoted field is not closed; check the quotes on this line"
		case errors.Is(pe.Err, csv.ErrBareQuote):
			return `a " appears inside a field that is not in quotes; put the field in quotes and double the " inside it`
		}
		return "this line cannot be read as CSV: " + pe.Err.Error()
	}
	return "this line cannot be read as CSV"
}
