package admin

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/web"
)

// ArticleStore is what the desk reads and writes articles through.
type ArticleStore interface {
	FindArticleByID(ctx context.Context, id int64) (*newsdesk.Article, error)
	FindArticles(ctx context.Context, filter newsdesk.ArticleFilter) ([]*newsdesk.Article, int, error)
	CreateArticle(ctx context.Context, a *newsdesk.Article) error
	UpdateArticle(ctx context.Context, id int64, upd newsdesk.ArticleUpdate) (*newsdesk.Article, error)
	FindAuthors(ctx context.Context) ([]*newsdesk.Author, error)
	FindCategories(ctx context.Context) ([]*newsdesk.Category, error)
	NextScheduled(ctx context.Context) (time.Time, error)
}

func (h *Handler) articleRoutes() []route {
	return []route{
		{pattern: "GET /admin/articles", handler: h.articleList},
		{pattern: "GET /admin/articles/new", handler: h.articleNew},
		{pattern: "POST /admin/articles/new", handler: h.articleCreate},
		{pattern: "GET /admin/articles/{id}", handler: h.articleEdit},
		{pattern: "POST /admin/articles/{id}", handler: h.articleSave},
		{pattern: "POST /admin/articles/{id}/publish", handler: h.articlePublish},
		{pattern: "POST /admin/articles/{id}/unpublish", handler: h.articleUnpublish},
	}
}

// articleList is the list with search and a status filter, 50 a page.
type articleList struct {
	Articles   []*newsdesk.Article
	Total      int
	Page, Last int
	Query      url.Values
}

const listSize = 50

func (h *Handler) articleList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := newsdesk.ArticleFilter{Query: strings.TrimSpace(q.Get("q")), Limit: listSize}
	if st := newsdesk.ArticleStatus(q.Get("status")); st == newsdesk.StatusDraft || st == newsdesk.StatusScheduled || st == newsdesk.StatusPublished {
		f.Status = &st
	}
	pg, _ := strconv.Atoi(q.Get("page"))
	pg = max(1, min(pg, 100000))
	f.Offset = (pg - 1) * listSize
	arts, total, err := h.Articles.FindArticles(r.Context(), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, "articles.html", &page{Title: "Articles", Nav: "articles", Form: newForm(q),
		Data: &articleList{Articles: arts, Total: total, Page: pg, Last: max(1, (total+listSize-1)/listSize), Query: q}})
}

// articleEditor is the data of the article form.
type articleEditor struct {
	Article    *newsdesk.Article // nil for a new one
	Authors    []*newsdesk.Author
	Categories []*newsdesk.Category
	Preview    string // rendered, sanitised body, when asked for
	Uploads    bool   // images may be uploaded
}

func (h *Handler) articleNew(w http.ResponseWriter, r *http.Request) {
	h.articlePage(w, r, http.StatusOK, nil, newForm(url.Values{"when": {"draft"}}), "")
}

func (h *Handler) articleEdit(w http.ResponseWriter, r *http.Request) {
	a, ok := h.findArticle(w, r)
	if !ok {
		return
	}
	h.articlePage(w, r, http.StatusOK, a, newForm(articleValues(a)), "")
}

func (h *Handler) findArticle(w http.ResponseWriter, r *http.Request) (*newsdesk.Article, bool) {
	id, err := pathID(r)
	if err == nil {
		var a *newsdesk.Article
		if a, err = h.Articles.FindArticleByID(r.Context(), id); err == nil {
			return a, true
		}
	}
	h.fail(w, r, err)
	return nil, false
}

// articleValues fills the form from a stored article.
func articleValues(a *newsdesk.Article) url.Values {
	v := url.Values{"title": {a.Title}, "slug": {a.Slug}, "summary": {a.Summary}, "body": {a.Body},
		"image": {a.Image}, "when": {"keep"}, "publish_at": {formatLocal(a.PublishedAt)}}
	if a.Author != nil {
		v.Set("author", a.Author.Slug)
	}
	for _, c := range a.Categories {
		v.Add("categories", c.Slug)
	}
	return v
}

func (h *Handler) articlePage(w http.ResponseWriter, r *http.Request, code int, a *newsdesk.Article, f *form, preview string) {
	ed := &articleEditor{Article: a, Preview: preview, Uploads: h.MediaDir != ""}
	var err error
	if ed.Authors, err = h.Articles.FindAuthors(r.Context()); err == nil {
		ed.Categories, err = h.Articles.FindCategories(r.Context())
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	title := "New article"
	if a != nil {
		title = "Edit: " + a.Title
	}
	h.status(w, r, code, "article.html", &page{Title: title, Nav: "articles", Form: f, Data: ed})
}

func (h *Handler) articleCreate(w http.ResponseWriter, r *http.Request) {
	f := h.articleForm(w, r)
	if h.articlePreview(w, r, nil, f) {
		return
	}
	at, publish := h.publishTime(f)
	a := &newsdesk.Article{Title: strings.TrimSpace(f.Get("title")), Slug: strings.TrimSpace(f.Get("slug")),
		Summary: strings.TrimSpace(f.Get("summary")), Body: f.Get("body"), Image: strings.TrimSpace(f.Get("image")),
		Status: newsdesk.StatusDraft}
	if s := f.Get("author"); s != "" {
		a.Author = &newsdesk.Author{Slug: s}
	}
	for _, c := range f.Values["categories"] {
		a.Categories = append(a.Categories, &newsdesk.Category{Slug: c})
	}
	if f.OK() {
		if err := h.Articles.CreateArticle(r.Context(), a); err != nil {
			f.FailErr(blame(err, "slug", "author", "title", "categories"))
		}
	}
	if !f.OK() {
		h.articlePage(w, r, http.StatusBadRequest, nil, f, "")
		return
	}
	h.afterSave(w, r, a, f, at, publish)
}

func (h *Handler) articleSave(w http.ResponseWriter, r *http.Request) {
	a, ok := h.findArticle(w, r)
	if !ok {
		return
	}
	f := h.articleForm(w, r)
	if h.articlePreview(w, r, a, f) {
		return
	}
	at, publish := h.publishTime(f)
	if f.OK() {
		var err error
		if a, err = h.Articles.UpdateArticle(r.Context(), a.ID, articleUpdate(f)); err != nil {
			f.FailErr(blame(err, "slug", "author", "title", "categories"))
		}
	}
	if !f.OK() {
		h.articlePage(w, r, http.StatusBadRequest, a, f, "")
		return
	}
	h.afterSave(w, r, a, f, at, publish)
}

func articleUpdate(f *form) newsdesk.ArticleUpdate {
	field := func(name string) *string { v := strings.TrimSpace(f.Get(name)); return &v }
	body, cats := f.Get("body"), f.Values["categories"]
	if cats == nil {
		cats = []string{}
	}
	return newsdesk.ArticleUpdate{Title: field("title"), Slug: field("slug"), Summary: field("summary"),
		Body: &body, Image: field("image"), Author: field("author"), Categories: &cats}
}

// afterSave publishes or schedules a saved article when the form asked
// for it, through the editor so that feeds and the WebSub hub hear of it.
func (h *Handler) afterSave(w http.ResponseWriter, r *http.Request, a *newsdesk.Article, f *form, at time.Time, publish bool) {
	path := "/admin/articles/" + strconv.FormatInt(a.ID, 10)
	if !publish {
		done(w, r, path, "saved")
		return
	}
	a, err := h.Editor.PublishArticle(r.Context(), a.ID, at)
	if err != nil {
		f.FailErr(blame(err, "publish_at"))
		h.articlePage(w, r, web.ErrorStatus(err), a, f, "")
		return
	}
	if a.Status == newsdesk.StatusScheduled {
		done(w, r, path, "scheduled")
		return
	}
	done(w, r, path, "published")
}

// publishTime reads the "when" choice: keep as it is or draft (no
// publishing), now, or at publish_at (UTC). A bad or past time fails the
// publish_at field.
func (h *Handler) publishTime(f *form) (time.Time, bool) {
	switch f.Get("when") {
	case "now":
		return time.Time{}, true
	case "schedule":
		return h.laterTime(f, "publish_at", "Publish now"), true
	}
	return time.Time{}, false
}

// laterTime reads a time in UTC from a field that must hold one still to
// come; a bad or past one fails the field, whose message points to the
// choice named now instead.
func (h *Handler) laterTime(f *form, field, now string) time.Time {
	at, err := parseLocal(field, f.Get(field))
	if err != nil {
		f.FailErr(err)
	} else if at.Before(h.Clock.Now()) {
		f.Fail(field, "This time has passed: choose a later one, or "+now+".")
	}
	return at
}

// articlePreview answers the Preview button: the form as typed, with the
// body rendered and sanitised as the site will show it; nothing is saved.
func (h *Handler) articlePreview(w http.ResponseWriter, r *http.Request, a *newsdesk.Article, f *form) bool {
	if f.Get("action") != "preview" {
		return false
	}
	html, err := h.Markdown(f.Get("body"))
	if err != nil {
		f.Fail("body", "The body cannot be rendered: "+err.Error())
	}
	h.articlePage(w, r, http.StatusOK, a, f, html)
	return true
}

func (h *Handler) articlePublish(w http.ResponseWriter, r *http.Request) {
	h.articleAction(w, r, func(ctx context.Context, id int64) (*newsdesk.Article, error) {
		return h.Editor.PublishArticle(ctx, id, time.Time{})
	}, "published")
}

func (h *Handler) articleUnpublish(w http.ResponseWriter, r *http.Request) {
	h.articleAction(w, r, h.Editor.UnpublishArticle, "unpublished")
}

func (h *Handler) articleAction(w http.ResponseWriter, r *http.Request, act func(context.Context, int64) (*newsdesk.Article, error), notice string) {
	id, err := pathID(r)
	if err == nil {
		_, err = act(r.Context(), id)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	done(w, r, "/admin/articles/"+strconv.FormatInt(id, 10), notice)
}

// localLayout is what <input type="datetime-local"> sends; the desk reads
// and shows it in UTC, and says so next to the field.
const localLayout = "2006-01-02T15:04"

func formatLocal(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(localLayout)
}

// parseLocal reads the field's value; a missing or bad one is the field's error.
func parseLocal(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, newsdesk.FieldErrorf(field, "Choose a date and time.")
	}
	for _, layout := range []string{localLayout, localLayout + ":05", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, newsdesk.FieldErrorf(field, "%q is not a date and time such as 2026-11-25T09:00.", s)
}

// blame names the field an error is about when the error does not say:
// the first of fields its message mentions. A field may be given as
// "name=words" when the message calls it something else ("timezone=time
// zone").
func blame(err error, fields ...string) error {
	if newsdesk.ErrorField(err) != "" || newsdesk.ErrorCode(err) == newsdesk.EINTERNAL {
		return err
	}
	msg := strings.ToLower(newsdesk.ErrorMessage(err))
	for _, f := range fields {
		name, words, ok := strings.Cut(f, "=")
		if !ok {
			words = strings.ReplaceAll(name, "_", " ")
		}
		if strings.Contains(msg, words) {
			return &newsdesk.Error{Code: newsdesk.ErrorCode(err), Message: newsdesk.ErrorMessage(err), Field: name}
		}
	}
	return err
}
