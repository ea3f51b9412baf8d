package main

import (
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
)

func runExport(ctx context.Context, env *Env, args []string) error {
	var g globals
	fset := newFlags("export", env, &g)
	out := fset.String("out", "", "directory to write the site to (required)")
	if _, err := parse(fset, args); err != nil {
		return err
	}
	if *out == "" {
		return usagef("export: --out DIR is required")
	}
	publicUmask() // the site is meant to be served
	app, err := openApp(&g, env)
	if err != nil {
		return err
	}
	defer app.close()
	srv, err := app.server()
	if err != nil {
		return err
	}
	h := srv.Handler()
	paths, err := srv.PublicPaths(ctx)
	if err != nil {
		return err
	}
	for _, p := range paths {
		if err := exportPath(ctx, h, *out, p); err != nil {
			return err
		}
	}
	n, err := copyMedia(filepath.Join(app.dataDir, "media"), filepath.Join(*out, "media"))
	if err != nil {
		return err
	}
	printf(env, "Exported %d pages and feeds and %d media files to %s.\n", len(paths), n, *out)
	return nil
}

// exportPath fetches path from the daemon's own handler and writes the
// bytes it would send. Pages without an extension become NAME.html, and
// "/" and "/page/2/" become index.html in their folder, which static
// servers find with try_files.
func exportPath(ctx context.Context, h http.Handler, out, path string) error {
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, path, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return fmt.Errorf("export %s: status %d", path, rec.Code)
	}
	name := strings.TrimPrefix(path, "/")
	if name == "" || strings.HasSuffix(name, "/") {
		name += "index.html"
	} else if filepath.Ext(name) == "" {
		name += ".html"
	}
	dst := filepath.Join(out, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, rec.Body.Bytes(), 0o644)
}

func copyMedia(src, dst string) (int, error) {
	n := 0
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if os.IsNotExist(err) && path == src {
			return fs.SkipAll
		} else if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(dst, filepath.Dir(rel)), 0o755); err != nil {
			return err
		}
		n++
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	return n, err
}
