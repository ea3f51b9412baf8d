package feeds

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
)

// goldenStore holds the render tests' articles, newest first, and selects
// by category and author as the store does.
type goldenStore struct{}

func (goldenStore) LatestPublished(ctx context.Context, f newsdesk.ArticleFilter) ([]*newsdesk.Article, error) {
	as, _, err := goldenStore{}.FindArticles(ctx, f)
	return as, err
}

func (goldenStore) FindArticles(_ context.Context, f newsdesk.ArticleFilter) ([]*newsdesk.Article, int, error) {
	var out []*newsdesk.Article
	for _, a := range []*newsdesk.Article{testDues(), testYokohama(), testNote()} {
		if f.Author != nil && (a.Author == nil || a.Author.Slug != *f.Author) {
			continue
		}
		if f.Category != nil && !hasCategory(a, *f.Category) {
			continue
		}
		out = append(out, a)
	}
	n := len(out)
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, n, nil
}

func hasCategory(a *newsdesk.Article, slug string) bool {
	for _, c := range a.Categories {
		if c.Slug == slug {
			return true
		}
	}
	return false
}

func (goldenStore) FindAuthorBySlug(_ context.Context, slug string) (*newsdesk.Author, error) {
	for _, au := range []*newsdesk.Author{testJane, testHanako} {
		if au.Slug == slug {
			return au, nil
		}
	}
	return nil, newsdesk.Errorf(newsdesk.ENOTFOUND, "author %q not found", slug)
}

func (goldenStore) FindCategoryBySlug(_ context.Context, slug string) (*newsdesk.Category, error) {
	for _, c := range []*newsdesk.Category{testEcon, testShip, testPorts} {
		if c.Slug == slug {
			return c, nil
		}
	}
	return nil, newsdesk.Errorf(newsdesk.ENOTFOUND, "category %q not found", slug)
}

// TestCategoryAndAuthorFeedsGolden holds the category and author feeds, as
// the publisher makes them (titles, links, ids, hub), to golden files in
// every format.
func TestCategoryAndAuthorFeedsGolden(t *testing.T) {
	p := &Publisher{Store: goldenStore{}, Hub: "https://hub.example.net/",
		Site: newsdesk.Site{Title: "The Harbour Review", Description: "Ports, shipping & coastal economies, explained",
			BaseURL: testBase, Language: "en-GB", Favicon: "/media/icon.png", Logo: "/media/logo.png",
			IDPrefix: "tag:example.org,2025-01-01:"},
		Epoch: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	for _, scope := range []Scope{{Kind: ScopeCategory, Slug: "economy"}, {Kind: ScopeCategory, Slug: "ports"},
		{Kind: ScopeAuthor, Slug: "jane-doe"}, {Kind: ScopeAuthor, Slug: "hanako-sato"}} {
		for _, f := range testFormats {
			t.Run(scope.Kind+"/"+scope.Slug+"/"+string(f), func(t *testing.T) {
				doc, err := p.Feed(context.Background(), scope, f)
				if err != nil {
					t.Fatal(err)
				}
				checkGolden(t, filepath.Join("testdata", "publish", scope.Kind+"-"+scope.Slug+"."+string(f)+".golden"), doc.Body)
			})
		}
	}
}
