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

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/feeds"
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
	paths, err := app.exportPaths(ctx)
	if err != nil {
		return err
	}
	srv, err := app.server()
	if err != nil {
		return err
	}
	h := srv.Handler()
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

// exportPaths lists every public URL path: pages and feeds of the site, of
// each category and author, and each published article.
func (a *app) exportPaths(ctx context.Context) ([]string, error) {
	paths := []string{"/"}
	scopes := []feeds.Scope{{}}
	cats, err := a.articles.FindCategories(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range cats {
		scopes = append(scopes, feeds.Scope{Kind: feeds.ScopeCategory, Slug: c.Slug})
	}
	authors, err := a.articles.FindAuthors(ctx)
	if err != nil {
		return nil, err
	}
	for _, au := range authors {
		scopes = append(scopes, feeds.Scope{Kind: feeds.ScopeAuthor, Slug: au.Slug})
	}
	for _, s := range scopes {
		if s.Kind != feeds.ScopeSite {
			paths = append(paths, "/"+s.Kind+"/"+s.Slug)
		}
		for _, f := range feeds.Formats {
			paths = append(paths, s.Path(f))
		}
	}
	related := feeds.Scope{Kind: feeds.ScopeRelated}
	paths = append(paths, related.Path(feeds.RSS), related.Path(feeds.Atom))
	published := newsdesk.StatusPublished
	articles, _, err := a.articles.FindArticles(ctx, newsdesk.ArticleFilter{Status: &published})
	if err != nil {
		return nil, err
	}
	for _, art := range articles {
		paths = append(paths, "/articles/"+art.Slug)
	}
	return paths, nil
}

// exportPath fetches path from the daemon's own handler and writes the
// bytes it would send. Pages without an extension become NAME.html, and
// "/" becomes index.html, which static servers find with try_files.
func exportPath(ctx context.Context, h http.Handler, out, path string) error {
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, path, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return fmt.Errorf("export %s: status %d", path, rec.Code)
	}
	name := strings.TrimPrefix(path, "/")
	if name == "" {
		name = "index.html"
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
