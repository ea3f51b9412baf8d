package templates

import (
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	texttemplate "text/template"

	"github.com/newsdesk/newsdesk"
)

//go:embed digest/*
var digestDefaults embed.FS

// The digest templates: the HTML digest, its plain-text twin, and the
// subject and preheader lines. Files ending in .html are HTML templates,
// escaped by context; the others are text templates, not escaped.
var digestNames = []string{"digest.html", "digest.txt", "subject.txt", "preheader.txt"}

// DigestTemplates are the parsed templates of digest newsletters.
type DigestTemplates struct {
	html  *htmltemplate.Template
	text  *texttemplate.Template
	files map[string]string // template name → the file it came from
}

// Digest parses the default digest templates: the embedded ones
// (digest/*), with any file of the same name in dir/digest (when dir is not
// "") taking its place. A template that fails to parse is an EINVALID error
// naming the file and line.
func Digest(dir string) (*DigestTemplates, error) {
	return DigestSet(dir, "")
}

// DigestSet parses a newsletter's set of digest templates, those in
// dir/digest/set, each file missing there taken from the default templates
// (see Digest); set "" is the default set itself. A set that does not
// exist is an EINVALID error.
func DigestSet(dir, set string) (*DigestTemplates, error) {
	if set != "" {
		if err := checkSet(dir, set); err != nil {
			return nil, err
		}
	}
	t := &DigestTemplates{
		html:  htmltemplate.New("").Option("missingkey=error"),
		text:  texttemplate.New("").Option("missingkey=error"),
		files: make(map[string]string),
	}
	for _, name := range digestNames {
		src, file, err := readDigestTemplate(dir, set, name)
		if err != nil {
			return nil, err
		}
		t.files[name] = file
		if strings.HasSuffix(name, ".html") {
			_, err = t.html.New(name).Parse(string(src))
		} else {
			_, err = t.text.New(name).Parse(string(src))
		}
		if err != nil {
			return nil, fileError(file, name, err)
		}
	}
	return t, nil
}

// checkSet makes sure a named template set is a directory under
// dir/digest.
func checkSet(dir, set string) error {
	if !newsdesk.ValidSlug(set) {
		return newsdesk.Errorf(newsdesk.EINVALID, "template %q: not a valid name; use lowercase letters, digits and hyphens", set)
	}
	if dir == "" {
		return newsdesk.Errorf(newsdesk.EINVALID, "template %q: no templates directory is configured (site.templates)", set)
	}
	st, err := os.Stat(filepath.Join(dir, "digest", set))
	if err != nil || !st.IsDir() {
		return newsdesk.Errorf(newsdesk.EINVALID, "template %q: no directory %s", set, filepath.Join(dir, "digest", set))
	}
	return nil
}

// readDigestTemplate returns the file from the set when it has one, else
// the override from dir, else the embedded default, and the file it read.
func readDigestTemplate(dir, set, name string) ([]byte, string, error) {
	embedded := path.Join("digest", name)
	var files []string
	if dir != "" && set != "" {
		files = append(files, filepath.Join(dir, "digest", set, name))
	}
	if dir != "" {
		files = append(files, filepath.Join(dir, "digest", name))
	}
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err == nil {
			return src, file, nil
		} else if !os.IsNotExist(err) {
			return nil, file, newsdesk.Errorf(newsdesk.EINVALID, "template %s: %w", file, err)
		}
	}
	src, err := digestDefaults.ReadFile(embedded)
	if err != nil {
		return nil, embedded, fmt.Errorf("embedded template %s: %w", embedded, err)
	}
	return src, embedded, nil
}

// Execute runs the template called name (digest.html, digest.txt,
// subject.txt or preheader.txt) with data. An error names the template's
// file and the line and column where it failed.
func (t *DigestTemplates) Execute(w io.Writer, name string, data any) error {
	file, ok := t.files[name]
	if !ok {
		return fmt.Errorf("no digest template %s", name)
	}
	var err error
	if strings.HasSuffix(name, ".html") {
		err = t.html.ExecuteTemplate(w, name, data)
	} else {
		err = t.text.ExecuteTemplate(w, name, data)
	}
	if err != nil {
		return fileError(file, name, err)
	}
	return nil
}

// fileError turns a template package error, which names the template and
// line ("template: digest.html:3: unexpected EOF"), into one that names
// the file instead ("template dir/digest/digest.html:3: unexpected EOF").
func fileError(file, name string, err error) error {
	msg := err.Error()
	for _, prefix := range []string{"template: ", "html/template:"} {
		msg = strings.TrimPrefix(msg, prefix)
	}
	if rest, ok := strings.CutPrefix(msg, name+":"); ok {
		msg = file + ":" + rest
	} else {
		msg = file + ": " + msg
	}
	return newsdesk.Errorf(newsdesk.EINVALID, "template %s", strings.Join(strings.Fields(msg), " "))
}
