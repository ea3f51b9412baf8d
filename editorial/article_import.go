package editorial

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/newsdesk/newsdesk"
)

// MarkdownFiles expands directories into the .md files below them.
func MarkdownFiles(paths []string) ([]string, error) {
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

// ImportArticles reads Markdown files with front matter (read is
// os.ReadFile, or a reader of an embedded file system), parses every file
// first and saves them all in one transaction, so one bad file means
// nothing is written.
func (ed *Editor) ImportArticles(ctx context.Context, files []string, read func(string) ([]byte, error)) (created, updated int, err error) {
	articles := make([]*newsdesk.Article, 0, len(files))
	for _, name := range files {
		src, err := read(name)
		if err != nil {
			return 0, 0, newsdesk.Errorf(newsdesk.EINVALID, "%w", err)
		}
		art, err := ParseArticleFile(name, src)
		if err != nil {
			return 0, 0, err
		}
		articles = append(articles, art)
	}
	return ed.Articles.ImportArticles(ctx, articles)
}
