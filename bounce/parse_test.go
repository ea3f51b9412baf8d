package bounce

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsdesk/newsdesk"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden is what a testdata/<case>.json holds.
type golden struct {
	Error  string  `json:"error,omitempty"`
	Report *Report `json:"report,omitempty"`
}

func TestParseGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.eml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test cases: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".eml")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var got golden
			got.Report, err = Parse(raw)
			if err != nil {
				got.Error = err.Error()
			}
			b, _ := json.MarshalIndent(got, "", "  ")
			b = append(b, '\n')
			path := strings.TrimSuffix(file, ".eml") + ".json"
			if *update {
				if err := os.WriteFile(path, b, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./bounce -update to write it)", err)
			}
			if !bytes.Equal(b, want) {
				t.Errorf("%s differs from what Parse says:\n%s", path, b)
			}
		})
	}
}

// TestParseShapes holds the promises the golden files are checked for by
// hand, so that rewriting them cannot hide a regression in what matters.
func TestParseShapes(t *testing.T) {
	cases := []struct {
		file, kind string
		typ        newsdesk.BounceType // of the first recipient; "" for none
		status     string
		addr       string
		origID     string
	}{
		{"postfix-hard", "dsn", newsdesk.BounceHard, "5.1.1", "nobody@example.net", "e12.s34.0123456789ab@news.example.org"},
		{"postfix-quota", "dsn", newsdesk.BounceSoft, "5.2.2", "full@example.net", "e12.s35.0123456789ab@news.example.org"},
		{"postfix-delayed", "dsn", newsdesk.BounceDelayed, "4.4.1", "slow@example.com", "e12.s36.0123456789ab@news.example.org"},
		{"exim", "text", newsdesk.BounceHard, "5.1.1", "gone@example.com", "e12.s37.0123456789ab@news.example.org"},
		{"exchange-legacy", "text", newsdesk.BounceHard, "5.1.1", "pat.doe@corp.example.com", "e12.s38.0123456789ab@news.example.org"},
		{"office365", "dsn", newsdesk.BounceHard, "5.1.10", "sam@contoso.example", "e12.s39.0123456789ab@news.example.org"},
		{"gmail", "dsn", newsdesk.BounceHard, "5.1.1", "no.such.person.1999@gmail.com", "e12.s40.0123456789ab@news.example.org"},
		{"yahoo", "text", newsdesk.BounceHard, "", "nobody.here@yahoo.com", "e12.s41.0123456789ab@news.example.org"},
		{"ses", "dsn", newsdesk.BounceHard, "5.1.1", "gone@ses.example.com", "e12.s42.0123456789ab@news.example.org"},
		{"arf-yahoo", "arf", newsdesk.BounceComplaint, "", "reader@yahoo.com", "e12.s43.0123456789ab@news.example.org"},
		{"arf-aol-redacted", "arf", newsdesk.BounceComplaint, "", "redacted@aol.com", "e12.s44.0123456789ab@news.example.org"},
		{"ooo", "autoreply", "", "", "", ""},
		{"ooo-exchange", "autoreply", "", "", "", ""},
		{"no-verp", "dsn", newsdesk.BounceHard, "5.1.1", "lost@example.net", "e12.s47.0123456789ab@news.example.org"},
		{"forwarded", "dsn", newsdesk.BounceHard, "5.1.1", "nobody@example.net", "e12.s34.0123456789ab@news.example.org"},
		{"human-reply", "unknown", "", "", "", ""},
	}
	for _, c := range cases {
		raw, err := os.ReadFile("testdata/" + c.file + ".eml")
		if err != nil {
			t.Fatal(err)
		}
		r, err := Parse(raw)
		if err != nil {
			t.Errorf("%s: %v", c.file, err)
			continue
		}
		if string(r.Kind) != c.kind || r.OriginalMessageID != c.origID {
			t.Errorf("%s: kind %q, original %q; want %q, %q", c.file, r.Kind, r.OriginalMessageID, c.kind, c.origID)
		}
		if c.typ == "" {
			if len(r.Recipients) != 0 {
				t.Errorf("%s: recipients %+v, want none", c.file, r.Recipients[0])
			}
			continue
		}
		if len(r.Recipients) != 1 {
			t.Errorf("%s: %d recipients, want 1", c.file, len(r.Recipients))
			continue
		}
		rc := r.Recipients[0]
		if rc.Type != c.typ || rc.Status != c.status || rc.Address != c.addr {
			t.Errorf("%s: %s %q %q, want %s %q %q", c.file, rc.Type, rc.Status, rc.Address, c.typ, c.status, c.addr)
		}
	}
}
