package importer_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsdesk/newsdesk"
)

// Bad input is refused with an error that names the file, the item and
// the field, and nothing of the file is saved.
func TestBadInputNamesFileItemAndField(t *testing.T) {
	wxr, err := os.ReadFile("testdata/wordpress.xml")
	if err != nil {
		t.Fatal(err)
	}
	src := string(wxr)
	for name, c := range map[string]struct {
		file string
		want []string
	}{
		"bad date": {strings.Replace(src, "2015-01-05 08:00:00]]></wp:post_date_gmt>", "5 January 2015]]></wp:post_date_gmt>", 1),
			[]string{"bad.xml", "Привет, мир", "http://old.example.com/?p=2", "wp:post_date_gmt", "5 January 2015"}},
		"bad status": {strings.Replace(src, "<wp:status><![CDATA[future]]>", "<wp:status><![CDATA[later]]>", 1),
			[]string{"bad.xml", "Coming soon", "wp:status", "later"}},
		"broken XML": {strings.Replace(src, "</wp:post_name>", "</wp:post_nam>", 1),
			[]string{"bad.xml", "line 50", "post_name"}},
		"not WordPress": {`<?xml version="1.0"?><rss version="2.0"><channel><title>A feed</title></channel></rss>`,
			[]string{"bad.xml", "not a WordPress export", "wxr_version"}},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			path := filepath.Join(t.TempDir(), "bad.xml")
			if err := os.WriteFile(path, []byte(c.file), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := f.importer().WordPress(context.Background(), path)
			if newsdesk.ErrorCode(err) != newsdesk.EINVALID {
				t.Fatalf("error %v, want EINVALID", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
			if as := f.stored(t); len(as) != 0 {
				t.Errorf("%d articles saved from a bad file, want none", len(as))
			}
		})
	}
}

func TestBadGhostAndSubstack(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	ghost := filepath.Join(dir, "ghost.json")
	os.WriteFile(ghost, []byte(`{"db":[{"data":{"posts":[{"id":"a1","title":"Dated","slug":"dated","html":"<p>x</p>","status":"published","published_at":"yesterday"}]}}]}`), 0o644)
	_, err := f.importer().Ghost(context.Background(), ghost)
	for _, w := range []string{"ghost.json", `"Dated"`, "published_at", "yesterday"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("Ghost error %v does not name %q", err, w)
		}
	}
	os.MkdirAll(filepath.Join(dir, "substack"), 0o755)
	os.WriteFile(filepath.Join(dir, "substack", "posts.csv"), []byte("post_id,post_date,is_published,title\n7.gone,2022-01-01T00:00:00Z,true,Gone\n"), 0o644)
	im := f.importer()
	im.SiteURL = "https://r.substack.com"
	_, err = im.Substack(context.Background(), filepath.Join(dir, "substack"))
	for _, w := range []string{"posts.csv", "line 2", `"Gone"`, "7.gone.html"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("Substack error %v does not name %q", err, w)
		}
	}
	if as := f.stored(t); len(as) != 0 {
		t.Errorf("%d articles saved from bad exports, want none", len(as))
	}
}
