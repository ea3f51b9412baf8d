// Package templates holds the templates newsdesk renders pages and emails
// from. The defaults are embedded in the binary; a directory given at start
// overrides them file by file.
package templates

import (
	"embed"
	"html/template"
	"io/fs"
	"os"
	"path/filepath"
	texttemplate "text/template"

	"github.com/newsdesk/newsdesk"
)

//go:embed pages/*.html admin/*.html
var defaults embed.FS

// Pages parses the page templates: the embedded ones, with any file of the
// same name in dir (when dir is not "") taking its place. A template that
// fails to parse is an error naming the file and line.
func Pages(dir string, funcs template.FuncMap) (*template.Template, error) {
	return parseHTML(defaults, "pages/*.html", dir, funcs)
}

// Admin parses the editors' desk templates (admin/*.html) the same way:
// a file in dir/admin overrides the embedded one of the same name.
func Admin(dir string, funcs template.FuncMap) (*template.Template, error) {
	return parseHTML(defaults, "admin/*.html", dir, funcs)
}

// parseHTML parses the embedded templates matching pattern, each under its
// base name, with overrides from dir.
func parseHTML(fsys fs.FS, pattern, dir string, funcs template.FuncMap) (*template.Template, error) {
	names, err := fs.Glob(fsys, pattern)
	if err != nil {
		return nil, err
	}
	t := template.New("").Funcs(funcs)
	for _, name := range names {
		src, origin, err := read(fsys, dir, name)
		if err != nil {
			return nil, err
		}
		if _, err := t.New(filepath.Base(name)).Parse(string(src)); err != nil {
			return nil, parseError(origin, err)
		}
	}
	return t, nil
}

// read returns the override of name from dir when there is one, else the
// embedded default from fsys, and where it came from.
func read(fsys fs.FS, dir, name string) (src []byte, origin string, err error) {
	if dir != "" {
		path := filepath.Join(dir, name)
		src, err := os.ReadFile(path)
		if err == nil {
			return src, path, nil
		} else if !os.IsNotExist(err) {
			return nil, path, newsdesk.Errorf(newsdesk.EINVALID, "template %s: %w", path, err)
		}
	}
	src, err = fs.ReadFile(fsys, name)
	return src, "built-in " + name, err
}

// parseError names the file a template came from; the parser's own message
// adds the line.
func parseError(origin string, err error) error {
	return newsdesk.Errorf(newsdesk.EINVALID, "template %s: %w", origin, err)
}

//go:embed email/*.html email/*.txt
var emailDefaults embed.FS

// Emails parses the email templates: HTML ones (email/*.html) with
// html/template, and text ones (email/*.txt) with text/template. As with
// pages, a file of the same name in dir/email overrides the embedded one;
// dir/email may also add text templates, which then replace the text that
// would otherwise be derived from the HTML.
func Emails(dir string, funcs template.FuncMap) (*template.Template, *texttemplate.Template, error) {
	names, err := fs.Glob(emailDefaults, "email/*.html")
	if err != nil {
		return nil, nil, err
	}
	h := template.New("").Funcs(funcs)
	for _, name := range names {
		src, origin, err := read(emailDefaults, dir, name)
		if err != nil {
			return nil, nil, err
		}
		if _, err := h.New(filepath.Base(name)).Parse(string(src)); err != nil {
			return nil, nil, parseError(origin, err)
		}
	}
	t, err := emailTexts(dir, texttemplate.FuncMap(funcs))
	return h, t, err
}

// emailTexts parses the embedded text templates and any in dir/email.
func emailTexts(dir string, funcs texttemplate.FuncMap) (*texttemplate.Template, error) {
	names, err := fs.Glob(emailDefaults, "email/*.txt")
	if err != nil {
		return nil, err
	}
	if dir != "" {
		extra, err := filepath.Glob(filepath.Join(dir, "email", "*.txt"))
		if err != nil {
			return nil, err
		}
		for _, path := range extra {
			names = append(names, "email/"+filepath.Base(path))
		}
	}
	t := texttemplate.New("").Funcs(funcs)
	for _, name := range names {
		if t.Lookup(filepath.Base(name)) != nil {
			continue
		}
		src, origin, err := read(emailDefaults, dir, name)
		if err != nil {
			return nil, err
		}
		if _, err := t.New(filepath.Base(name)).Parse(string(src)); err != nil {
			return nil, parseError(origin, err)
		}
	}
	return t, nil
}
