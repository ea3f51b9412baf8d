package bounce

import (
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// FuzzParse feeds the parser anything: it must not panic, and what it
// returns must keep its limits.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.eml")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := Parse(raw)
		if err != nil {
			return
		}
		for _, rc := range r.Recipients {
			if !rc.Type.Valid() || len(rc.Diagnostic) > maxDiag {
				t.Fatalf("recipient %+v out of bounds", rc)
			}
			if utf8.ValidString(raw2s(raw)) && !utf8.ValidString(rc.Diagnostic) {
				t.Fatalf("diagnostic %q cut a rune", rc.Diagnostic)
			}
		}
	})
}

func raw2s(b []byte) string { return string(b) }
