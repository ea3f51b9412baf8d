package api

import (
	"net/http"
	"strconv"

	"github.com/newsdesk/newsdesk"
)

func (s *Server) articleRoutes() []route {
	return []route{
		{"GET", "articles", s.listArticles},
		{"POST", "articles", s.createArticle},
		{"GET", "articles/{ref}", s.getArticle},
		{"PATCH", "articles/{ref}", s.updateArticle},
		{"DELETE", "articles/{ref}", s.deleteArticle},
		{"POST", "articles/{ref}/publish", s.publishArticle},
		{"POST", "articles/{ref}/unpublish", s.unpublishArticle},
	}
}

// articleJSON is an article as the API shows it.
type articleJSON struct {
	ID          int64    `json:"id"`
	UID         string   `json:"uid"`
	Slug        string   `json:"slug"`
	URL         string   `json:"url"`
	Title       string   `json:"title"`
	Summary     string   `json:"summary"`
	Body        string   `json:"body"`
	HTML        string   `json:"html"`
	Image       string   `json:"image"`
	Author      *string  `json:"author"`
	Categories  []string `json:"categories"`
	Status      string   `json:"status"`
	PublishedAt *string  `json:"published_at"`
	CreatedAt   *string  `json:"created_at"`
	UpdatedAt   *string  `json:"updated_at"`
}

func (s *Server) articleJSON(a *newsdesk.Article) articleJSON {
	j := articleJSON{ID: a.ID, UID: a.UID, Slug: a.Slug, URL: s.BaseURL + "/articles/" + a.Slug, Title: a.Title,
		Summary: a.Summary, Body: a.Body, HTML: a.HTML, Image: a.Image, Categories: []string{},
		Status: string(a.Status), PublishedAt: timeOrNull(a.PublishedAt), CreatedAt: timeOrNull(a.CreatedAt),
		UpdatedAt: timeOrNull(a.UpdatedAt)}
	if a.Author != nil {
		j.Author = &a.Author.Slug
	}
	for _, c := range a.Categories {
		j.Categories = append(j.Categories, c.Slug)
	}
	return j
}

// articleList is one page of a list of articles.
type articleList struct {
	Articles []articleJSON `json:"articles"`
	Total    int           `json:"total"`
	Limit    int           `json:"limit"`
	Offset   int           `json:"offset"`
}

// articleStatuses are the statuses a list can be filtered by.
var articleStatuses = map[string]bool{
	string(newsdesk.StatusDraft): true, string(newsdesk.StatusScheduled): true, string(newsdesk.StatusPublished): true,
}

func (s *Server) listArticles(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := newsdesk.ArticleFilter{Query: q.Get("q")}
	var err error
	if f.Limit, err = queryInt(r, "limit", 50, 1, 500); err != nil {
		return err
	}
	if f.Offset, err = queryInt(r, "offset", 0, 0, 1<<30); err != nil {
		return err
	}
	if v := q.Get("status"); v != "" {
		if !articleStatuses[v] {
			return newsdesk.Errorf(newsdesk.EINVALID, "query parameter status: %q is not draft, scheduled or published", v)
		}
		st := newsdesk.ArticleStatus(v)
		f.Status = &st
	}
	if v := q.Get("category"); v != "" {
		f.Category = &v
	}
	if v := q.Get("author"); v != "" {
		f.Author = &v
	}
	as, total, err := s.Articles.FindArticles(r.Context(), f)
	if err != nil {
		return err
	}
	list := articleList{Articles: []articleJSON{}, Total: total, Limit: f.Limit, Offset: f.Offset}
	for _, a := range as {
		list.Articles = append(list.Articles, s.articleJSON(a))
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

// article finds the article the path names by id or slug.
func (s *Server) article(r *http.Request) (*newsdesk.Article, error) {
	ref := r.PathValue("ref")
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return s.Articles.FindArticleByID(r.Context(), id)
	}
	return s.Articles.FindArticleBySlug(r.Context(), ref)
}

func (s *Server) getArticle(w http.ResponseWriter, r *http.Request) error {
	a, err := s.article(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.articleJSON(a))
	return nil
}

// articleInput is what create and update read; absent fields are nil.
type articleInput struct {
	Title      *string   `json:"title"`
	Slug       *string   `json:"slug"`
	Summary    *string   `json:"summary"`
	Body       *string   `json:"body"`
	Image      *string   `json:"image"`
	Author     *string   `json:"author"`
	Categories *[]string `json:"categories"`
	// Create only: a draft, or when to publish (default now).
	Draft     bool   `json:"draft"`
	PublishAt string `json:"publish_at"`
}

func (in *articleInput) update() newsdesk.ArticleUpdate {
	return newsdesk.ArticleUpdate{Title: in.Title, Slug: in.Slug, Summary: in.Summary, Body: in.Body,
		Image: in.Image, Author: in.Author, Categories: in.Categories}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (s *Server) createArticle(w http.ResponseWriter, r *http.Request) error {
	var in articleInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	at, err := parseTime("publish_at", in.PublishAt)
	if err != nil {
		return err
	}
	if in.Draft && !at.IsZero() {
		return newsdesk.Errorf(newsdesk.EINVALID, "fields \"draft\" and \"publish_at\" cannot be used together")
	}
	a := &newsdesk.Article{Title: deref(in.Title), Slug: deref(in.Slug), Summary: deref(in.Summary),
		Body: deref(in.Body), Image: deref(in.Image), Status: newsdesk.StatusDraft}
	if in.Author != nil && *in.Author != "" {
		a.Author = &newsdesk.Author{Slug: *in.Author}
	}
	if in.Categories != nil {
		for _, c := range *in.Categories {
			a.Categories = append(a.Categories, &newsdesk.Category{Slug: c})
		}
	}
	// Saved as a draft, then published through the editor, so that feeds
	// and the WebSub hub hear of it as of any other publication.
	if err := s.Articles.CreateArticle(r.Context(), a); err != nil {
		return err
	}
	if !in.Draft {
		if a, err = s.Editor.PublishArticle(r.Context(), a.ID, at); err != nil {
			return err
		}
	}
	w.Header().Set("Location", Prefix+"articles/"+strconv.FormatInt(a.ID, 10))
	writeJSON(w, http.StatusCreated, s.articleJSON(a))
	return nil
}

func (s *Server) updateArticle(w http.ResponseWriter, r *http.Request) error {
	a, err := s.article(r)
	if err != nil {
		return err
	}
	var in articleInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.Draft || in.PublishAt != "" {
		return newsdesk.Errorf(newsdesk.EINVALID, "fields \"draft\" and \"publish_at\" are for creating; use POST .../publish or .../unpublish")
	}
	if a, err = s.Articles.UpdateArticle(r.Context(), a.ID, in.update()); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.articleJSON(a))
	return nil
}

func (s *Server) deleteArticle(w http.ResponseWriter, r *http.Request) error {
	a, err := s.article(r)
	if err != nil {
		return err
	}
	if err := s.Articles.DeleteArticle(r.Context(), a.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// publishInput is the optional body of publish: when (default now).
type publishInput struct {
	At string `json:"at"`
}

func (s *Server) publishArticle(w http.ResponseWriter, r *http.Request) error {
	a, err := s.article(r)
	if err != nil {
		return err
	}
	var in publishInput
	if err := decodeOptional(w, r, &in); err != nil {
		return err
	}
	at, err := parseTime("at", in.At)
	if err != nil {
		return err
	}
	if a, err = s.Editor.PublishArticle(r.Context(), a.ID, at); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.articleJSON(a))
	return nil
}

func (s *Server) unpublishArticle(w http.ResponseWriter, r *http.Request) error {
	a, err := s.article(r)
	if err != nil {
		return err
	}
	if a, err = s.Editor.UnpublishArticle(r.Context(), a.ID); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.articleJSON(a))
	return nil
}
