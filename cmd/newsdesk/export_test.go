package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExportMirrorsTheDaemon: every file export writes is byte for byte
// what the daemon serves at its path, every page of every list included,
// so a static host serving the export is a complete mirror.
func TestExportMirrorsTheDaemon(t *testing.T) {
	d := newInstall(t)
	body := d.writeFile("body.md", "More news.\n")
	for i := 1; i <= 14; i++ { // 29 articles: the front page and economy get a second page
		d.mustRun("article", "add", "--title", fmt.Sprintf("Extra %d", i), "--body-file", body, "--category", "economy")
	}
	out := filepath.Join(d.dir, "site")
	d.mustRun("export", "--out", out)
	base := d.serve()
	files := 0
	err := filepath.WalkDir(out, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(path, out))
		if strings.HasPrefix(rel, "/media/") {
			return nil
		}
		urlPath := strings.TrimSuffix(strings.TrimSuffix(rel, "index.html"), ".html")
		resp, served := get(t, base+urlPath)
		want, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if resp.StatusCode != 200 || !bytes.Equal([]byte(served), want) {
			t.Errorf("%s: the daemon answers %d with %d bytes; export wrote %d bytes", urlPath, resp.StatusCode, len(served), len(want))
		}
		files++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"index.html", "page/2/index.html", "category/economy/page/2/index.html",
		"sitemap.xml", "sitemap-pages.xml", "sitemap-articles-1.xml", "robots.txt", "subscribe.html"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("export lacks %s: %v", name, err)
		}
	}
	if files < 60 {
		t.Errorf("export wrote %d files, want every page and feed", files)
	}
}
