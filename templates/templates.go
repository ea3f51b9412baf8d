// Package templates holds the templates newsdesk renders pages and emails
// from. The defaults are embedded in the binary; a directory given at start
// overrides them file by file.
package templates

import (
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"path/filepath"
)

//go:embed pages/*.html
var defaults embed.FS

// Pages parses the page templates: the embedded ones, with any file of the
// same name in dir (when dir is not "") taking its place. A template that
// fails to parse is an error naming the file and line.
func Pages(dir string, funcs template.FuncMap) (*template.Template, error) {
	names, err := fs.Glob(defaults, "pages/*.html")
	if err != nil {
		return nil, err
	}
	t := template.New("").Funcs(funcs)
	for _, name := range names {
		src, err := readTemplate(dir, name)
		if err != nil {
			return nil, err
		}
		if _, err := t.New(filepath.Base(name)).Parse(string(src)); err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
	}
	return t, nil
}

// readTemplate returns the override from dir when there is one, else the
// embedded default.
func readTemplate(dir, name string) ([]byte, error) {
	if dir != "" {
		path := filepath.Join(dir, name)
		src, err := os.ReadFile(path)
		if err == nil {
			return src, nil
		} else if !os.IsNotExist(err) {
			return nil, fmt.Errorf("template %s: %w", path, err)
		}
	}
	return fs.ReadFile(defaults, name)
}
