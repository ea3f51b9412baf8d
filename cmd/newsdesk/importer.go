package main

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/data"
	"gopkg.in/yaml.v3"
)

// maxInput caps what is read from one file or standard input.
const maxInput = 32 << 20

func readAll(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err == nil && len(b) > maxInput {
		err = newsdesk.Errorf(newsdesk.EINVALID, "input is larger than %d MiB", maxInput>>20)
	}
	return b, err
}

// markdownFiles expands directories into the .md files below them.
func markdownFiles(paths []string) ([]string, error) {
	var files []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, newsdesk.Errorf(newsdesk.EINVALID, "%w", err)
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, ".md") {
				files = append(files, path)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return files, nil
}

// importFiles imports Markdown files from disk.
func (a *app) importFiles(ctx context.Context, files []string) (created, updated int, err error) {
	return a.importArticles(ctx, files, os.ReadFile)
}

// importArticles parses every file first and saves them all in one
// transaction, so one bad file means nothing is written.
func (a *app) importArticles(ctx context.Context, files []string, read func(string) ([]byte, error)) (int, int, error) {
	articles := make([]*newsdesk.Article, 0, len(files))
	for _, name := range files {
		src, err := read(name)
		if err != nil {
			return 0, 0, newsdesk.Errorf(newsdesk.EINVALID, "%w", err)
		}
		art, err := parseArticleFile(name, src)
		if err != nil {
			return 0, 0, err
		}
		articles = append(articles, art)
	}
	return a.articles.ImportArticles(ctx, articles)
}

// loadDemo loads the embedded demo authors, categories, articles and media.
func (a *app) loadDemo(ctx context.Context, env *Env) error {
	var authors []*newsdesk.Author
	var categories []*newsdesk.Category
	if err := readYAML("demo/authors.yaml", &authors); err != nil {
		return err
	}
	if err := readYAML("demo/categories.yaml", &categories); err != nil {
		return err
	}
	for _, au := range authors {
		if err := a.articles.CreateAuthor(ctx, au); err != nil {
			return err
		}
	}
	for _, c := range categories {
		if err := a.articles.SaveCategory(ctx, c); err != nil {
			return err
		}
	}
	files, err := fs.Glob(data.Demo, "demo/articles/*.md")
	if err != nil {
		return err
	}
	sort.Strings(files)
	created, _, err := a.importArticles(ctx, files, func(name string) ([]byte, error) {
		return fs.ReadFile(data.Demo, name)
	})
	if err != nil {
		return err
	}
	if err := a.copyDemoMedia(); err != nil {
		return err
	}
	printf(env, "Loaded demo content: %d authors, %d categories, %d articles.\n", len(authors), len(categories), created)
	return a.loadDemoMail(ctx, env)
}

func readYAML(name string, v any) error {
	b, err := fs.ReadFile(data.Demo, name)
	if err != nil {
		return err
	}
	return yaml.Unmarshal(b, v)
}

func (a *app) copyDemoMedia() error {
	sub, err := fs.Sub(data.Demo, "demo/media")
	if err != nil {
		return err
	}
	return os.CopyFS(filepath.Join(a.dataDir, "media"), sub)
}
