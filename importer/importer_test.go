package importer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/feeds"
	"github.com/newsdesk/newsdesk/importer"
	"github.com/newsdesk/newsdesk/sqlite"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var now = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

type fixture struct {
	db       *sqlite.DB
	articles *sqlite.ArticleService
	clock    *newsdesk.FixedClock
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	clock := newsdesk.NewFixedClock(now)
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "test.db"))
	db.Clock = clock
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &fixture{db: db, articles: sqlite.NewArticleService(db, feeds.NewMarkdown().Render, "news.example.org"), clock: clock}
}

func (f *fixture) importer() *importer.Importer {
	return &importer.Importer{Store: f.articles, Clock: f.clock}
}

// stored is an article as the golden files show it.
type stored struct {
	UID         string
	Slug        string
	Title       string
	Summary     string
	Body        string
	HTML        string
	Image       string               `json:",omitempty"`
	Author      *newsdesk.Author     `json:",omitempty"`
	Categories  []*newsdesk.Category `json:",omitempty"`
	Status      newsdesk.ArticleStatus
	PublishedAt time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (f *fixture) stored(t *testing.T) []stored {
	t.Helper()
	as, _, err := f.articles.FindArticles(context.Background(), newsdesk.ArticleFilter{})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]stored, len(as))
	for i, a := range as {
		if a.Author != nil {
			a.Author.ID = 0
		}
		for _, c := range a.Categories {
			c.ID = 0
		}
		if strings.HasPrefix(a.UID, "tag:") {
			a.UID = "tag: (minted here, random)"
		}
		out[i] = stored{a.UID, a.Slug, a.Title, a.Summary, a.Body, a.HTML, a.Image, a.Author, a.Categories,
			a.Status, a.PublishedAt, a.CreatedAt, a.UpdatedAt}
	}
	return out
}

// golden compares v, as JSON, with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, v any) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	got := buf.Bytes()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from what the import did; got:\n%s", path, got)
	}
}

type result struct {
	Report   *importer.Report
	Articles []stored
}

// importTwice imports with run, checks that a second run changes nothing,
// and returns the first report with the articles stored.
func (f *fixture) importTwice(t *testing.T, run func(*importer.Importer) (*importer.Report, error)) result {
	t.Helper()
	first, err := run(f.importer())
	if err != nil {
		t.Fatal(err)
	}
	articles := f.stored(t)
	version, err := f.db.ContentVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Set(now.Add(time.Hour)) // what the export does not date must not look changed later
	again, err := run(f.importer())
	if err != nil {
		t.Fatal(err)
	}
	if again.Created+again.Updated != 0 || again.Unchanged != first.Created+first.Updated+first.Unchanged {
		t.Errorf("second import: %s, want every post unchanged", again.Summary())
	}
	if v, _ := f.db.ContentVersion(context.Background()); v != version {
		t.Errorf("second import moved the content version from %d to %d", version, v)
	}
	return result{first, articles}
}

func TestWordPress(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// An article the desk already has takes the slug a post wants.
	if err := f.articles.CreateArticle(ctx, &newsdesk.Article{Title: "Coming soon", Body: "Ours.", Status: newsdesk.StatusDraft}); err != nil {
		t.Fatal(err)
	}
	res := f.importTwice(t, func(im *importer.Importer) (*importer.Report, error) {
		return im.WordPress(ctx, "testdata/wordpress.xml")
	})
	golden(t, "wordpress.golden.json", res)
	want := map[string]string{
		"/?p=1": "hello-world", "/2014/06/hello-world": "hello-world", "/?p=2": "post-2",
		"/2015/01/привет-мир": "post-2",
	}
	for path, slug := range want {
		got, err := f.articles.FindRedirect(ctx, path)
		if err != nil || got != slug {
			t.Errorf("redirect %s = %q, %v; want %q", path, got, err, slug)
		}
	}
	if _, err := f.articles.FindRedirect(ctx, "/?p=3"); newsdesk.ErrorCode(err) != newsdesk.ENOTFOUND {
		t.Errorf("a draft's old address redirects: %v", err)
	}
}

func TestWordPressDropTags(t *testing.T) {
	f := newFixture(t)
	im := f.importer()
	im.DropTags = true
	if _, err := im.WordPress(context.Background(), "testdata/wordpress.xml"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.articles.FindCategoryBySlug(context.Background(), "oceans"); newsdesk.ErrorCode(err) != newsdesk.ENOTFOUND {
		t.Errorf("with DropTags the tag oceans is a category: %v", err)
	}
}

// Small batches save the same articles as one big one.
func TestWordPressBatches(t *testing.T) {
	one, small := newFixture(t), newFixture(t)
	if _, err := one.importer().WordPress(context.Background(), "testdata/wordpress.xml"); err != nil {
		t.Fatal(err)
	}
	im := small.importer()
	im.Batch = 1
	var calls []int
	im.Progress = func(done, total int) { calls = append(calls, done) }
	if _, err := im.WordPress(context.Background(), "testdata/wordpress.xml"); err != nil {
		t.Fatal(err)
	}
	a, b := one.stored(t), small.stored(t)
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		t.Errorf("batches of one stored other articles:\n%s\nwant\n%s", jb, ja)
	}
	if len(calls) != 6 || calls[5] != 5 {
		t.Errorf("progress calls %v, want 0 to 5", calls)
	}
}

func TestWordPressMedia(t *testing.T) {
	f := newFixture(t)
	uploads := t.TempDir()
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	jpg := []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01")
	for name, b := range map[string][]byte{"2014/06/photo.jpg": jpg, "2014/06/photo-300x200.jpg": jpg, "2015/01/shore.png": png} {
		if err := os.MkdirAll(filepath.Join(uploads, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(uploads, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	im := f.importer()
	im.MediaFrom, im.MediaDir = uploads, filepath.Join(t.TempDir(), "media")
	r, err := im.WordPress(context.Background(), "testdata/wordpress.xml")
	if err != nil {
		t.Fatal(err)
	}
	if r.Media != 3 || r.Skipped["attachment"] != 0 {
		t.Errorf("media copied %d, attachments skipped %d; want 3 (the photo, its resized copy, the shore), none skipped", r.Media, r.Skipped["attachment"])
	}
	a, err := f.articles.FindArticleBySlug(context.Background(), "hello-world")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix([]byte(a.Image), []byte("/media/photo-")) || bytes.Contains([]byte(a.Body), []byte("wp-content")) {
		t.Errorf("image %q, body %q: want both in the media store", a.Image, a.Body)
	}
	entries, _ := os.ReadDir(im.MediaDir)
	if len(entries) != 3 {
		t.Errorf("media store holds %d files, want 3", len(entries))
	}
}

func TestGhost(t *testing.T) {
	f := newFixture(t)
	res := f.importTwice(t, func(im *importer.Importer) (*importer.Report, error) {
		im.SiteURL = "https://ghost.example.com/"
		return im.Ghost(context.Background(), "testdata/ghost.json")
	})
	golden(t, "ghost.golden.json", res)
	if slug, err := f.articles.FindRedirect(context.Background(), "/welcome"); err != nil || slug != "welcome" {
		t.Errorf("redirect /welcome/ = %q, %v", slug, err)
	}
}

func TestSubstack(t *testing.T) {
	f := newFixture(t)
	res := f.importTwice(t, func(im *importer.Importer) (*importer.Report, error) {
		im.SiteURL = "https://review.substack.com"
		return im.Substack(context.Background(), "testdata/substack")
	})
	golden(t, "substack.golden.json", res)
	lists, err := importer.SubstackEmailLists("testdata/substack")
	if err != nil || len(lists) != 1 {
		t.Errorf("email lists %v, %v; want the one in the export", lists, err)
	}
	if _, err := f.importer().Substack(context.Background(), "testdata/substack"); newsdesk.ErrorCode(err) != newsdesk.EINVALID {
		t.Errorf("Substack without its address: %v, want EINVALID", err)
	}
}

// WXR 1.1, which older WordPress and WordPress.com wrote, differs from 1.2
// in its namespaces only, and imports the same.
func TestWordPressWXR11(t *testing.T) {
	src, err := os.ReadFile("testdata/wordpress.xml")
	if err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(t.TempDir(), "wxr11.xml")
	if err := os.WriteFile(old, bytes.ReplaceAll(src, []byte("export/1.2/"), []byte("export/1.1/")), 0o644); err != nil {
		t.Fatal(err)
	}
	a, b := newFixture(t), newFixture(t)
	if _, err := a.importer().WordPress(context.Background(), "testdata/wordpress.xml"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.importer().WordPress(context.Background(), old); err != nil {
		t.Fatal(err)
	}
	ja, _ := json.Marshal(a.stored(t))
	jb, _ := json.Marshal(b.stored(t))
	if !bytes.Equal(ja, jb) || !bytes.Contains(jb, []byte("Pictures from the shore")) {
		t.Errorf("WXR 1.1 stored\n%s\nwant\n%s", jb, ja)
	}
}

// Posts that share a guid (copied from another blog, say) each become an
// article, and a second run still changes nothing.
func TestWordPressSharedGUID(t *testing.T) {
	src, err := os.ReadFile("testdata/wordpress.xml")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "shared.xml")
	shared := bytes.Replace(src, []byte(`<guid isPermaLink="false">http://old.example.com/?p=4</guid>`),
		[]byte(`<guid isPermaLink="false">http://old.example.com/?p=1</guid>`), 1)
	if err := os.WriteFile(path, shared, 0o644); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	res := f.importTwice(t, func(im *importer.Importer) (*importer.Report, error) {
		return im.WordPress(context.Background(), path)
	})
	if res.Report.Created != 5 {
		t.Errorf("created %d, want 5", res.Report.Created)
	}
	if _, err := f.articles.FindArticleByUID(context.Background(), "http://old.example.com/?p=1#post-4"); err != nil {
		t.Errorf("the second post with the guid: %v", err)
	}
}
