package templates

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsdesk/newsdesk"
)

func TestDigestDefaults(t *testing.T) {
	tmpl, err := Digest("")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range digestNames {
		if got := tmpl.files[name]; got != "digest/"+name {
			t.Errorf("%s read from %s", name, got)
		}
	}
	if err := tmpl.Execute(&bytes.Buffer{}, "nope.txt", nil); err == nil {
		t.Error("an unknown template executed")
	}
}

// A file in dir/digest replaces the embedded template of the same name;
// the others stay. HTML templates escape, text templates do not.
func TestDigestOverride(t *testing.T) {
	dir := t.TempDir()
	writeDigestFile(t, filepath.Join(dir, "digest", "subject.txt"), "News: {{.}}\n")
	writeDigestFile(t, filepath.Join(dir, "digest", "digest.html"), "<p>{{.}}</p>\n")
	writeDigestFile(t, filepath.Join(dir, "digest", "extra.txt"), "{{") // not a digest template: ignored
	tmpl, err := Digest(dir)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"subject.txt": "News: a & b\n", "digest.html": "<p>a &amp; b</p>\n"} {
		var b bytes.Buffer
		if err := tmpl.Execute(&b, name, "a & b"); err != nil {
			t.Fatal(err)
		}
		if b.String() != want {
			t.Errorf("%s gave %q, want %q", name, b.String(), want)
		}
	}
	if got := tmpl.files["digest.txt"]; got != "digest/digest.txt" {
		t.Errorf("digest.txt read from %s, want the embedded default", got)
	}
}

// A template that fails to parse is refused with its file and line.
func TestDigestParseErrors(t *testing.T) {
	tests := []struct {
		file, src, want string
	}{
		{"digest.html", "<html>\n<body>\n{{range .Articles}}\n</body>\n", "digest.html:5: unexpected EOF"},
		{"digest.html", "<p>\n{{.Title | nosuchfunc}}\n", `digest.html:2: function "nosuchfunc" not defined`},
		{"digest.txt", "Hello\n{{end}}\n", "digest.txt:2: unexpected {{end}}"},
		{"preheader.txt", "{{.A}", "preheader.txt:1: bad character"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			dir := t.TempDir()
			writeDigestFile(t, filepath.Join(dir, "digest", tt.file), tt.src)
			_, err := Digest(dir)
			if err == nil {
				t.Fatal("no error")
			}
			want := "template " + filepath.Join(dir, "digest", tt.want)
			if newsdesk.ErrorCode(err) != newsdesk.EINVALID || !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q (code %s), want it to start %q", err, newsdesk.ErrorCode(err), want)
			}
		})
	}
}

// An override that cannot be read is an error naming it, not a silent
// fall back to the default.
func TestDigestUnreadable(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "digest", "digest.txt"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Digest(dir)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "digest", "digest.txt")) {
		t.Errorf("error %v does not name the file", err)
	}
}

func writeDigestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A newsletter's set takes its files from dir/digest/SET, then from the
// overrides in dir/digest, then from the embedded defaults; an error in a
// set's file names that file.
func TestDigestSet(t *testing.T) {
	dir := t.TempDir()
	writeDigestFile(t, filepath.Join(dir, "digest", "subject.txt"), "Site: {{.}}\n")
	writeDigestFile(t, filepath.Join(dir, "digest", "weekly", "digest.html"), "<h1>Weekly</h1>{{.}}\n")
	tmpl, err := DigestSet(dir, "weekly")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"digest.html":   filepath.Join(dir, "digest", "weekly", "digest.html"),
		"subject.txt":   filepath.Join(dir, "digest", "subject.txt"),
		"digest.txt":    "digest/digest.txt",
		"preheader.txt": "digest/preheader.txt",
	}
	for name, file := range want {
		if got := tmpl.files[name]; got != file {
			t.Errorf("%s read from %s, want %s", name, got, file)
		}
	}
	writeDigestFile(t, filepath.Join(dir, "digest", "broken", "digest.txt"), "ok\n{{if}}\n")
	if _, err := DigestSet(dir, "broken"); err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "digest", "broken", "digest.txt")+":2") {
		t.Errorf("broken set: %v", err)
	}
	for _, tt := range []struct{ dir, set, want string }{
		{dir, "missing", "no directory"},
		{dir, "../weekly", "not a valid name"},
		{"", "weekly", "no templates directory"},
	} {
		if _, err := DigestSet(tt.dir, tt.set); newsdesk.ErrorCode(err) != newsdesk.EINVALID || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("DigestSet(%q, %q): %v, want EINVALID %q", tt.dir, tt.set, err, tt.want)
		}
	}
}
