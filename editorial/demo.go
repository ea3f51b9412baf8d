package editorial

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"sort"

	"github.com/newsdesk/newsdesk"
	"gopkg.in/yaml.v3"
)

// DemoStore is what loading the demo needs beyond the editor's stores.
type DemoStore interface {
	CreateAuthor(ctx context.Context, a *newsdesk.Author) error
	SaveCategory(ctx context.Context, c *newsdesk.Category) error
}

// Demo counts what LoadDemo loaded.
type Demo struct {
	Authors, Categories, Articles, Newsletters, Subscribers int
}

// LoadDemo loads the demo content of demo (data.Demo: authors,
// categories, articles, newsletters and subscribers under demo/) and
// copies its media into mediaDir.
func (ed *Editor) LoadDemo(ctx context.Context, store DemoStore, demo fs.FS, mediaDir string) (Demo, error) {
	var d Demo
	var authors []*newsdesk.Author
	var categories []*newsdesk.Category
	if err := readYAML(demo, "demo/authors.yaml", &authors); err != nil {
		return d, err
	}
	if err := readYAML(demo, "demo/categories.yaml", &categories); err != nil {
		return d, err
	}
	for _, au := range authors {
		if err := store.CreateAuthor(ctx, au); err != nil {
			return d, err
		}
	}
	for _, c := range categories {
		if err := store.SaveCategory(ctx, c); err != nil {
			return d, err
		}
	}
	d.Authors, d.Categories = len(authors), len(categories)
	files, err := fs.Glob(demo, "demo/articles/*.md")
	if err != nil {
		return d, err
	}
	sort.Strings(files)
	if d.Articles, _, err = ed.ImportArticles(ctx, files, func(name string) ([]byte, error) {
		return fs.ReadFile(demo, name)
	}); err != nil {
		return d, err
	}
	media, err := fs.Sub(demo, "demo/media")
	if err != nil {
		return d, err
	}
	if err := os.CopyFS(mediaDir, media); err != nil {
		return d, err
	}
	return ed.loadDemoMail(ctx, demo, d)
}

// loadDemoMail loads the demo newsletters and subscribers.
func (ed *Editor) loadDemoMail(ctx context.Context, demo fs.FS, d Demo) (Demo, error) {
	var newsletters []*newsdesk.Newsletter
	if err := readYAML(demo, "demo/newsletters.yaml", &newsletters); err != nil {
		return d, err
	}
	for _, n := range newsletters {
		if err := ed.CreateNewsletter(ctx, n); err != nil {
			return d, err
		}
	}
	d.Newsletters = len(newsletters)
	src, err := fs.ReadFile(demo, "demo/subscribers.csv")
	if err != nil {
		return d, err
	}
	var bad error
	d.Subscribers, _, err = ed.ImportSubscribers(ctx, bytes.NewReader(src), nil, newsdesk.SubscriberPending, func(e error) {
		if bad == nil {
			bad = e
		}
	})
	if err == nil {
		err = bad
	}
	return d, err
}

func readYAML(fsys fs.FS, name string, v any) error {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return err
	}
	return yaml.Unmarshal(b, v)
}
