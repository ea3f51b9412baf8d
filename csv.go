package newsdesk

import (
	"encoding/csv"
	"io"
	"strings"
)

// CSV files the desk writes are opened in spreadsheets, which run a cell
// that starts with = + - @ (or a tab or CR before one) as a formula: names
// typed into the public form would become formulas on an editor's machine
// (OWASP, "CSV Injection"). Such cells are written with a leading quote,
// which spreadsheets show as text and CSVValue takes off again.

// CSVWriter is a csv.Writer whose cells are neutralised by CSVCell.
type CSVWriter struct {
	*csv.Writer
	cells []string
}

// NewCSVWriter returns a CSV writer on w. Every CSV the desk writes goes
// through one.
func NewCSVWriter(w io.Writer) *CSVWriter {
	return &CSVWriter{Writer: csv.NewWriter(w)}
}

// Write writes one record, each cell made safe with CSVCell.
func (w *CSVWriter) Write(record []string) error {
	w.cells = w.cells[:0]
	for _, c := range record {
		w.cells = append(w.cells, CSVCell(c))
	}
	return w.Writer.Write(w.cells)
}

// CSVCell returns s as it can go into a CSV cell without a spreadsheet
// running it: with a ' before it when it starts with a formula character,
// or with quotes and then one (so that CSVValue gives s back exactly).
func CSVCell(s string) string {
	if startsFormula(strings.TrimLeft(s, "'")) {
		return "'" + s
	}
	return s
}

// CSVValue undoes CSVCell, for files the desk reads back (subscriber
// import of its own export). A cell that CSVCell leaves as it is comes
// back as it is.
func CSVValue(s string) string {
	if strings.HasPrefix(s, "'") && startsFormula(strings.TrimLeft(s, "'")) {
		return s[1:]
	}
	return s
}

func startsFormula(s string) bool {
	return s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0
}
