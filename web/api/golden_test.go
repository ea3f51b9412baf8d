package api_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// mintedID is the random part of an article's immutable id.
var mintedID = regexp.MustCompile(`article:[0-9a-f]{16}`)

// TestJSONShapes keeps the API's answers stable: each resource and an
// error, indented, against testdata/NAME.json.golden (-update rewrites them).
func TestJSONShapes(t *testing.T) {
	f := newFixture(t)
	for name, path := range map[string]string{
		"article":    "/api/v1/articles/1",
		"newsletter": "/api/v1/newsletters/weekly",
		"edition":    "/api/v1/editions/1",
		"subscriber": "/api/v1/subscribers/1",
		"preview":    "/api/v1/editions/1/preview",
		"error":      "/api/v1/articles/99",
	} {
		_, _, body := f.do("GET", path, "")
		var out bytes.Buffer
		if err := json.Indent(&out, mintedID.ReplaceAll([]byte(body), []byte("article:RANDOM")), "", "  "); err != nil {
			t.Fatalf("%s: %v in %s", path, err, body)
		}
		golden := filepath.Join("testdata", name+".json.golden")
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test -update to write it)", err)
		}
		if !bytes.Equal(out.Bytes(), want) {
			t.Errorf("%s: the JSON of %s changed:\n%s\nwant\n%s", name, path, out.Bytes(), want)
		}
	}
}
