package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
)

func imported(uid, slug, title string, paths ...string) *newsdesk.ImportedArticle {
	at := time.Date(2014, 6, 1, 10, 0, 0, 0, time.UTC)
	return &newsdesk.ImportedArticle{
		Article: &newsdesk.Article{UID: uid, Slug: slug, Title: title, Body: "body", Status: newsdesk.StatusPublished,
			PublishedAt: at, UpdatedAt: at, Author: &newsdesk.Author{Slug: "jdoe"},
			Categories: []*newsdesk.Category{{Slug: "climate", Name: "Climate & Sea"}}},
		Author:   &newsdesk.Author{Slug: "jdoe", Name: "Jane Doe"},
		OldPaths: paths,
	}
}

// Imported articles are matched by UID: created once under a free slug,
// then unchanged, or updated in place keeping slug and id; the first
// article to claim an old path keeps it.
func TestSaveImported(t *testing.T) {
	s, db, _ := newService(t)
	ctx := context.Background()
	if err := s.CreateArticle(ctx, &newsdesk.Article{Title: "Taken", Slug: "hello", Body: "x"}); err != nil {
		t.Fatal(err)
	}
	save := func(batch ...*newsdesk.ImportedArticle) []newsdesk.ImportOutcome {
		t.Helper()
		out, err := s.SaveImported(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	out := save(imported("http://old/?p=1", "hello", "Hello", "/?p=1", "/2014/06/hello"),
		imported("http://old/?p=2", "hello", "Hello again", "/?p=2", "/2014/06/hello"))
	if out[0] != newsdesk.ImportCreated || out[1] != newsdesk.ImportCreated {
		t.Fatalf("first save: %v", out)
	}
	a, err := s.FindArticleByUID(ctx, "http://old/?p=1")
	if err != nil || a.Slug != "hello-2" || a.Author.Name != "Jane Doe" || a.Categories[0].Name != "Climate & Sea" {
		t.Fatalf("article %+v, %v", a, err)
	}
	if slug, _ := s.FindRedirect(ctx, "/2014/06/hello"); slug != "hello-2" {
		t.Errorf("shared old path goes to %q, want the first claim, hello-2", slug)
	}
	version, _ := db.ContentVersion(ctx)
	out = save(imported("http://old/?p=1", "hello", "Hello", "/?p=1", "/2014/06/hello"),
		imported("http://old/?p=2", "hello", "Hello again", "/?p=2", "/2014/06/hello"))
	if out[0] != newsdesk.ImportUnchanged || out[1] != newsdesk.ImportUnchanged {
		t.Errorf("same save again: %v", out)
	}
	if v, _ := db.ContentVersion(ctx); v != version {
		t.Errorf("an unchanged import moved the content version")
	}
	out = save(imported("http://old/?p=1", "hello", "Hello, edited", "/?p=1"))
	b, _ := s.FindArticleByUID(ctx, "http://old/?p=1")
	if out[0] != newsdesk.ImportUpdated || b.ID != a.ID || b.Slug != "hello-2" || b.Title != "Hello, edited" {
		t.Errorf("changed save: %v, %+v", out, b)
	}
	// A bad article leaves the batch unsaved.
	bad := imported("http://old/?p=9", "", "", "/?p=9")
	if _, err := s.SaveImported(ctx, []*newsdesk.ImportedArticle{imported("http://old/?p=8", "eight", "Eight"), bad}); newsdesk.ErrorCode(err) != newsdesk.EINVALID {
		t.Errorf("bad batch: %v", err)
	}
	if _, err := s.FindArticleByUID(ctx, "http://old/?p=8"); newsdesk.ErrorCode(err) != newsdesk.ENOTFOUND {
		t.Errorf("the good article of a bad batch was saved: %v", err)
	}
}
