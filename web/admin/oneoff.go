package admin

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/web"
)

func (h *Handler) oneOffRoutes() []route {
	return []route{
		{pattern: "GET /admin/editions/new", handler: h.oneOffNew},
		{pattern: "POST /admin/editions/new", handler: h.oneOffCreate},
	}
}

// oneOffView is the data of the one-off edition form: the newsletters to
// choose from and the articles that may be picked, the picked ones first
// in the order the form gave them.
type oneOffView struct {
	Newsletters []*newsdesk.Newsletter
	Articles    []*newsdesk.Article
}

func (h *Handler) oneOffNew(w http.ResponseWriter, r *http.Request) {
	v := url.Values{"when": {"now"}, "newsletter": {r.URL.Query().Get("newsletter")}}
	h.oneOffPage(w, r, http.StatusOK, newForm(v))
}

func (h *Handler) oneOffPage(w http.ResponseWriter, r *http.Request, code int, f *form) {
	v := &oneOffView{}
	var err error
	if v.Newsletters, err = h.Newsletters.FindNewsletters(r.Context()); err == nil {
		v.Articles, err = h.pickable(r.Context(), f.Values["articles"], strings.TrimSpace(f.Get("q")))
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.status(w, r, code, "oneoff.html", &page{Title: "New one-off edition", Nav: "editions", Form: f, Data: v})
}

// pickable lists the picked articles, then the latest scheduled and
// published ones matching the search, listSize at most. A picked slug
// that no longer names an article stays, by its slug, so that nothing the
// editor chose disappears from the form; CreateEdition refuses it.
func (h *Handler) pickable(ctx context.Context, picked []string, q string) ([]*newsdesk.Article, error) {
	var list []*newsdesk.Article
	seen := map[string]bool{}
	for _, slug := range picked[:min(len(picked), maxShownPicks)] {
		if seen[slug] {
			continue
		}
		seen[slug] = true
		arts, _, err := h.Articles.FindArticles(ctx, newsdesk.ArticleFilter{Slug: &slug, Limit: 1})
		if err != nil {
			return nil, err
		} else if len(arts) == 0 {
			arts = []*newsdesk.Article{{Slug: slug, Title: slug}}
		}
		list = append(list, arts[0])
	}
	more := 0
	for _, st := range []newsdesk.ArticleStatus{newsdesk.StatusScheduled, newsdesk.StatusPublished} {
		arts, _, err := h.Articles.FindArticles(ctx, newsdesk.ArticleFilter{Status: &st, Query: q, Limit: listSize})
		if err != nil {
			return nil, err
		}
		for _, a := range arts {
			if !seen[a.Slug] && more < listSize {
				list, more = append(list, a), more+1
			}
		}
	}
	return list, nil
}

// maxShownPicks bounds the picks a refused form shows again (each is a
// lookup); more than MaxPickedArticles are refused anyway.
const maxShownPicks = 2 * newsdesk.MaxPickedArticles

// oneOffCreate makes the edition and goes to its page, where it can be
// previewed, tested, paused or cancelled. The Search button only lists
// other articles, keeping everything typed and picked.
func (h *Handler) oneOffCreate(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	f := newForm(r.PostForm)
	if f.Get("action") == "search" {
		h.oneOffPage(w, r, http.StatusOK, f)
		return
	}
	o := newsdesk.OneOffEdition{Newsletter: f.Get("newsletter"), Intro: f.Get("intro"), Articles: f.Values["articles"]}
	if o.Newsletter == "" {
		f.Fail("newsletter", "Choose the newsletter this edition is of.")
	}
	if f.Get("when") == "schedule" {
		o.At = h.laterTime(f, "at", "Now")
	}
	code := http.StatusBadRequest
	if f.OK() {
		e, err := h.Editor.CreateEdition(r.Context(), o)
		if err == nil {
			done(w, r, editionPath(e.ID), "created")
			return
		} else if newsdesk.ErrorCode(err) == newsdesk.EINTERNAL {
			h.fail(w, r, err)
			return
		}
		f.FailErr(blame(err, "articles", "intro", "newsletter"))
		code = web.ErrorStatus(err)
	}
	h.oneOffPage(w, r, code, f)
}
