package sqlite_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
)

func TestCreateArticleMintsUIDAndRenders(t *testing.T) {
	s, _, _ := newService(t)
	ctx := context.Background()
	a := &newsdesk.Article{Title: "Rents & wages: “<3%”", Body: "hello", Author: &newsdesk.Author{Slug: "ada"},
		Categories: []*newsdesk.Category{{Slug: "economy"}, {Slug: "cities"}, {Slug: "economy"}}}
	if err := s.CreateArticle(ctx, a); err != nil {
		t.Fatal(err)
	}
	if a.Slug != "rents-wages-3" {
		t.Errorf("slug = %q", a.Slug)
	}
	if !strings.HasPrefix(a.UID, "tag:example.org,2026-11-02:article:") {
		t.Errorf("uid = %q", a.UID)
	}
	got, err := s.FindArticleBySlug(ctx, a.Slug)
	if err != nil {
		t.Fatal(err)
	}
	if got.HTML != "<p>HELLO</p>" || got.Author.Name != "Ada Byron" || got.Status != newsdesk.StatusPublished {
		t.Errorf("got %+v", got)
	}
	if !got.PublishedAt.Equal(t0) || !got.UpdatedAt.Equal(t0) {
		t.Errorf("times: published %v updated %v", got.PublishedAt, got.UpdatedAt)
	}
	if len(got.Categories) != 2 || got.Categories[0].Slug != "economy" || got.Categories[1].Name != "Cities" {
		t.Errorf("categories = %v", got.Categories)
	}
}

func TestCreateArticleRejectsBadInput(t *testing.T) {
	s, _, _ := newService(t)
	ctx := context.Background()
	if err := s.CreateArticle(ctx, &newsdesk.Article{Title: "First", Slug: "same"}); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		a    *newsdesk.Article
		code string
	}{
		"no title":        {&newsdesk.Article{Title: "  "}, newsdesk.EINVALID},
		"bad slug":        {&newsdesk.Article{Title: "x", Slug: "Not A Slug"}, newsdesk.EINVALID},
		"non-latin title": {&newsdesk.Article{Title: "港湾都市"}, newsdesk.EINVALID},
		"unknown author":  {&newsdesk.Article{Title: "x", Author: &newsdesk.Author{Slug: "nobody"}}, newsdesk.EINVALID},
		"bad category":    {&newsdesk.Article{Title: "y", Categories: []*newsdesk.Category{{Slug: "A B"}}}, newsdesk.EINVALID},
		"slug taken":      {&newsdesk.Article{Title: "Second", Slug: "same"}, newsdesk.ECONFLICT},
	} {
		t.Run(name, func(t *testing.T) {
			err := s.CreateArticle(ctx, tc.a)
			if newsdesk.ErrorCode(err) != tc.code {
				t.Fatalf("err = %v (%s), want %s", err, newsdesk.ErrorCode(err), tc.code)
			}
		})
	}
	if _, n, _ := s.FindArticles(ctx, newsdesk.ArticleFilter{}); n != 1 {
		t.Fatalf("%d articles stored, want only the first", n)
	}
}

func TestEditKeepsUIDAndMovesUpdated(t *testing.T) {
	s, _, clock := newService(t)
	ctx := context.Background()
	a := &newsdesk.Article{Title: "Original", Body: "one"}
	if err := s.CreateArticle(ctx, a); err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Hour)
	title, cats := "Edited", []string{"climate"}
	got, err := s.UpdateArticle(ctx, a.ID, newsdesk.ArticleUpdate{Title: &title, Categories: &cats})
	if err != nil {
		t.Fatal(err)
	}
	if got.UID != a.UID || got.Slug != a.Slug {
		t.Errorf("edit changed identity: %q %q", got.UID, got.Slug)
	}
	if !got.UpdatedAt.Equal(t0.Add(time.Hour)) || !got.PublishedAt.Equal(t0) {
		t.Errorf("updated %v published %v", got.UpdatedAt, got.PublishedAt)
	}
	if got.Title != "Edited" || got.Body != "one" || len(got.Categories) != 1 {
		t.Errorf("got %+v", got)
	}
	// Publishing again does not move the date readers saw.
	clock.Add(time.Hour)
	again, err := s.PublishArticle(ctx, a.ID, time.Time{})
	if err != nil || !again.PublishedAt.Equal(t0) {
		t.Errorf("republish moved the date to %v (%v)", again.PublishedAt, err)
	}
}

func TestScheduleAndPublishDue(t *testing.T) {
	s, _, clock := newService(t)
	ctx := context.Background()
	at := t0.Add(90 * time.Minute)
	a := &newsdesk.Article{Title: "Later", PublishedAt: at}
	if err := s.CreateArticle(ctx, a); err != nil {
		t.Fatal(err)
	}
	if a.Status != newsdesk.StatusScheduled {
		t.Fatalf("status %s, want scheduled", a.Status)
	}
	if next, err := s.NextScheduled(ctx); err != nil || !next.Equal(at) {
		t.Fatalf("NextScheduled = %v, %v", next, err)
	}
	clock.Set(at.Add(-time.Second))
	if due, err := s.PublishDue(ctx); err != nil || len(due) != 0 {
		t.Fatalf("published early: %v %v", due, err)
	}
	clock.Set(at)
	due, err := s.PublishDue(ctx)
	if err != nil || len(due) != 1 || due[0].Status != newsdesk.StatusPublished {
		t.Fatalf("PublishDue = %v, %v", due, err)
	}
	if !due[0].PublishedAt.Equal(at) || due[0].UpdatedAt.Before(at) {
		t.Errorf("published %v updated %v", due[0].PublishedAt, due[0].UpdatedAt)
	}
	if next, _ := s.NextScheduled(ctx); !next.IsZero() {
		t.Errorf("NextScheduled after publishing = %v", next)
	}
}

func TestUnpublishAndDelete(t *testing.T) {
	s, _, _ := newService(t)
	ctx := context.Background()
	a := &newsdesk.Article{Title: "Gone soon"}
	if err := s.CreateArticle(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err := s.UnpublishArticle(ctx, a.ID)
	if err != nil || got.Status != newsdesk.StatusDraft || !got.PublishedAt.IsZero() {
		t.Fatalf("unpublish: %+v %v", got, err)
	}
	if err := s.DeleteArticle(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FindArticleByID(ctx, a.ID); newsdesk.ErrorCode(err) != newsdesk.ENOTFOUND {
		t.Fatalf("after delete: %v", err)
	}
	if err := s.DeleteArticle(ctx, a.ID); newsdesk.ErrorCode(err) != newsdesk.ENOTFOUND {
		t.Fatalf("second delete: %v", err)
	}
}

func TestFindArticlesFilters(t *testing.T) {
	s, _, _ := newService(t)
	ctx := context.Background()
	for i := range 6 {
		a := &newsdesk.Article{
			Title:       fmt.Sprintf("Piece %d", i),
			Summary:     map[bool]string{true: "about 100% of rents", false: "other"}[i%2 == 0],
			Author:      &newsdesk.Author{Slug: []string{"ada", "sam"}[i%2]},
			Categories:  []*newsdesk.Category{{Slug: []string{"economy", "climate", "cities"}[i%3]}},
			PublishedAt: t0.Add(-time.Duration(i) * time.Hour),
		}
		if i == 5 {
			a.Status = newsdesk.StatusDraft
		}
		if err := s.CreateArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	published, ada, economy := newsdesk.StatusPublished, "ada", "economy"
	for name, tc := range map[string]struct {
		f    newsdesk.ArticleFilter
		want []string
	}{
		"published newest first": {newsdesk.ArticleFilter{Status: &published}, []string{"piece-0", "piece-1", "piece-2", "piece-3", "piece-4"}},
		"author":                 {newsdesk.ArticleFilter{Status: &published, Author: &ada}, []string{"piece-0", "piece-2", "piece-4"}},
		"category":               {newsdesk.ArticleFilter{Category: &economy}, []string{"piece-0", "piece-3"}},
		"query with percent":     {newsdesk.ArticleFilter{Query: "100%", Status: &published}, []string{"piece-0", "piece-2", "piece-4"}},
		"limit and offset":       {newsdesk.ArticleFilter{Status: &published, Offset: 1, Limit: 2}, []string{"piece-1", "piece-2"}},
	} {
		t.Run(name, func(t *testing.T) {
			as, _, err := s.FindArticles(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range as {
				got = append(got, a.Slug)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestImportArticlesIsAllOrNothing(t *testing.T) {
	s, _, clock := newService(t)
	ctx := context.Background()
	good := &newsdesk.Article{Title: "Good", Slug: "good", Body: "v1"}
	if _, _, err := s.ImportArticles(ctx, []*newsdesk.Article{good}); err != nil {
		t.Fatal(err)
	}
	uid := good.UID
	clock.Add(time.Hour)
	batch := []*newsdesk.Article{
		{Title: "Good", Slug: "good", Body: "v2"},
		{Title: "New", Slug: "new"},
		{Title: "Bad", Slug: "bad", Author: &newsdesk.Author{Slug: "nobody"}},
	}
	if _, _, err := s.ImportArticles(ctx, batch); newsdesk.ErrorCode(err) != newsdesk.EINVALID {
		t.Fatalf("err = %v", err)
	}
	if _, n, _ := s.FindArticles(ctx, newsdesk.ArticleFilter{}); n != 1 {
		t.Fatalf("%d articles after a failed import, want 1", n)
	}
	created, updated, err := s.ImportArticles(ctx, batch[:2])
	if err != nil || created != 1 || updated != 1 {
		t.Fatalf("import: created %d updated %d err %v", created, updated, err)
	}
	got, _ := s.FindArticleBySlug(ctx, "good")
	if got.UID != uid || got.Body != "v2" || !got.UpdatedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("re-import: uid %q body %q updated %v", got.UID, got.Body, got.UpdatedAt)
	}
}

func TestContentVersionMovesOnChange(t *testing.T) {
	s, db, _ := newService(t)
	ctx := context.Background()
	v0, err := db.ContentVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateArticle(ctx, &newsdesk.Article{Title: "Hello"}); err != nil {
		t.Fatal(err)
	}
	if v1, _ := db.ContentVersion(ctx); v1 <= v0 {
		t.Fatalf("version %d after insert, was %d", v1, v0)
	}
}
