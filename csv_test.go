package newsdesk_test

import (
	"bytes"
	"encoding/csv"
	"slices"
	"testing"

	"github.com/newsdesk/newsdesk"
)

// TestCSVWriterNeutralisesFormulas: a cell that a spreadsheet would run as a
// formula (OWASP's CSV injection) is written with a leading quote, and
// reading it back with CSVValue gives the value that was written.
func TestCSVWriterNeutralisesFormulas(t *testing.T) {
	cells := map[string]string{
		`=HYPERLINK("http://evil.example","x")`: `'=HYPERLINK("http://evil.example","x")`,
		"+1 555 0100":                           "'+1 555 0100",
		"-2+3":                                  "'-2+3",
		"@SUM(A1)":                              "'@SUM(A1)",
		"\tcmd":                                 "'\tcmd",
		"\rcmd":                                 "'\rcmd",
		"'=already quoted":                      "''=already quoted",
		"'plain":                                "'plain",
		"plain":                                 "plain",
		"":                                      "",
		"=x@example.org":                        "'=x@example.org",
		"O'Brien = 1":                           "O'Brien = 1",
	}
	for in, want := range cells {
		var buf bytes.Buffer
		w := newsdesk.NewCSVWriter(&buf)
		if err := w.Write([]string{in}); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		rec, err := csv.NewReader(&buf).Read()
		if in == "" {
			if err == nil || len(rec) != 0 && rec[0] != "" {
				t.Errorf("empty cell read back as %q, %v", rec, err)
			}
			continue
		}
		if err != nil || !slices.Equal(rec, []string{want}) {
			t.Errorf("%q written as %q (%v), want %q", in, rec, err, want)
			continue
		}
		if back := newsdesk.CSVValue(rec[0]); back != in {
			t.Errorf("%q read back as %q", in, back)
		}
	}
}
