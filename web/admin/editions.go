package admin

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/web"
)

// Editor is the editor's use cases the desk runs (editorial.Editor):
// previews and sends, one-off editions and edition controls, publishing
// with the feed cache and WebSub hub told, and newsletters saved once
// checked.
type Editor interface {
	DigestSender
	EditionControls
	Publisher
	NewsletterSaver
}

// DigestSender previews a digest and sends it, as a test or for real.
type DigestSender interface {
	PreviewDigest(ctx context.Context, newsletter string, editionID int64, subscriber string) (*newsdesk.DigestPreview, error)
	SendTest(ctx context.Context, newsletter string, editionID int64, to string) error
	SendNow(ctx context.Context, newsletter string) (*newsdesk.Edition, error)
}

// EditionControls make a one-off edition and act on editions.
type EditionControls interface {
	// CreateEdition stores a one-off edition of hand-picked articles; its
	// errors name the field to blame ("articles", "intro").
	CreateEdition(ctx context.Context, o newsdesk.OneOffEdition) (*newsdesk.Edition, error)
	ApproveEdition(ctx context.Context, id int64) (*newsdesk.Edition, error)
	PauseEdition(ctx context.Context, id int64) (*newsdesk.Edition, error)
	ResumeEdition(ctx context.Context, id int64) (*newsdesk.Edition, error)
	CancelEdition(ctx context.Context, id int64) (*newsdesk.Edition, error)
}

// Publisher publishes articles and takes them back.
type Publisher interface {
	PublishArticle(ctx context.Context, id int64, at time.Time) (*newsdesk.Article, error)
	UnpublishArticle(ctx context.Context, id int64) (*newsdesk.Article, error)
}

// NewsletterSaver saves newsletters; it checks the schedule, time zone
// and template set as digests will use them before saving.
type NewsletterSaver interface {
	CreateNewsletter(ctx context.Context, n *newsdesk.Newsletter) error
	UpdateNewsletter(ctx context.Context, slug string, upd newsdesk.NewsletterUpdate) (*newsdesk.Newsletter, error)
}

func (h *Handler) editionRoutes() []route {
	return []route{
		{pattern: "GET /admin/editions", handler: h.editionList},
		{pattern: "GET /admin/editions/{id}", handler: h.editionShow},
		{pattern: "GET /admin/editions/{id}/progress", handler: h.editionProgress},
		{pattern: "POST /admin/editions/{id}/approve", handler: h.editionAction(func(e Editor) editionAct { return e.ApproveEdition }, "approved")},
		{pattern: "POST /admin/editions/{id}/pause", handler: h.editionAction(func(e Editor) editionAct { return e.PauseEdition }, "paused")},
		{pattern: "POST /admin/editions/{id}/resume", handler: h.editionAction(func(e Editor) editionAct { return e.ResumeEdition }, "resumed")},
		{pattern: "POST /admin/editions/{id}/cancel", handler: h.editionAction(func(e Editor) editionAct { return e.CancelEdition }, "cancelled")},
	}
}

type editionAct = func(context.Context, int64) (*newsdesk.Edition, error)

func editionPath(id int64) string { return "/admin/editions/" + strconv.FormatInt(id, 10) }

func (h *Handler) editionList(w http.ResponseWriter, r *http.Request) {
	f := newsdesk.EditionFilter{Limit: 100}
	if slug := r.URL.Query().Get("newsletter"); slug != "" {
		f.Newsletter = &slug
	}
	es, err := h.Newsletters.FindEditions(r.Context(), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, "editions.html", &page{Title: "Editions", Nav: "editions", Form: newForm(r.URL.Query()), Data: es})
}

// editionView is the data of an edition's page.
type editionView struct {
	Edition *newsdesk.Edition
	Failed  []*newsdesk.Delivery
	Live    bool // still going: the page polls its progress
}

func (h *Handler) findEdition(w http.ResponseWriter, r *http.Request) (*newsdesk.Edition, bool) {
	id, err := pathID(r)
	if err == nil {
		var e *newsdesk.Edition
		if e, err = h.Newsletters.FindEditionByID(r.Context(), id); err == nil {
			return e, true
		}
	}
	h.fail(w, r, err)
	return nil, false
}

func (h *Handler) editionShow(w http.ResponseWriter, r *http.Request) {
	e, ok := h.findEdition(w, r)
	if !ok {
		return
	}
	failed, err := h.Newsletters.FindDeliveries(r.Context(), e.ID, newsdesk.DeliveryFailed, 50)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := &editionView{Edition: e, Failed: failed, Live: live(e.Status)}
	f := newForm(url.Values{"to": {currentUser(r).Email}})
	h.render(w, r, "edition.html", &page{Title: "Edition " + strconv.FormatInt(e.ID, 10), Nav: "editions", Form: f, Data: v})
}

func live(st newsdesk.EditionStatus) bool {
	return st == newsdesk.EditionPreparing || st == newsdesk.EditionSending
}

// progress is what the edition page polls for while an edition goes out.
type progress struct {
	Status string                 `json:"status"`
	Counts newsdesk.EditionCounts `json:"counts"`
	Live   bool                   `json:"live"`
}

func (h *Handler) editionProgress(w http.ResponseWriter, r *http.Request) {
	e, ok := h.findEdition(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(progress{Status: string(e.Status), Counts: e.Counts, Live: live(e.Status)})
}

func (h *Handler) editionAction(pick func(Editor) editionAct, notice string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r)
		if err == nil {
			_, err = pick(h.Editor)(r.Context(), id)
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		done(w, r, editionPath(id), notice)
	}
}

// previewView is the data of the preview page: the digest's header lines,
// and the address of its HTML for the sandboxed frame.
type previewView struct {
	Newsletter string
	Edition    int64
	Preview    *newsdesk.DigestPreview
	FrameURL   string
}

// previewQuery reads ?edition=ID&subscriber=EMAIL.
func previewQuery(r *http.Request) (int64, string) {
	id, _ := strconv.ParseInt(r.URL.Query().Get("edition"), 10, 64)
	return max(id, 0), strings.TrimSpace(r.URL.Query().Get("subscriber"))
}

func (h *Handler) previewPage(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	if _, err := h.Newsletters.FindNewsletterBySlug(r.Context(), slug); err != nil {
		h.fail(w, r, err)
		return
	}
	id, sub := previewQuery(r)
	f := newForm(r.URL.Query())
	if f.Get("to") == "" {
		f.Values.Set("to", currentUser(r).Email)
	}
	v := &previewView{Newsletter: slug, Edition: id,
		FrameURL: "/admin/newsletters/" + url.PathEscape(slug) + "/preview/html?" + r.URL.RawQuery}
	p, err := h.Editor.PreviewDigest(r.Context(), slug, id, sub)
	code := http.StatusOK
	if err != nil {
		if newsdesk.ErrorCode(err) == newsdesk.EINTERNAL {
			h.fail(w, r, err)
			return
		}
		f.Fail("subscriber", newsdesk.ErrorMessage(err))
		code = web.ErrorStatus(err)
	}
	v.Preview = p
	h.status(w, r, code, "preview.html", &page{Title: "Preview: " + slug, Nav: "newsletters", Form: f, Data: v})
}

// framePolicy is the preview's own policy: the digest's HTML may show
// images and its inline styles, run nothing, and sits in a sandbox.
const framePolicy = "default-src 'none'; img-src * data:; style-src 'unsafe-inline'; font-src * data:; " +
	"sandbox; frame-ancestors 'self'"

// previewHTML serves the digest HTML as the subscriber would get it, for
// the preview page's sandboxed frame.
func (h *Handler) previewHTML(w http.ResponseWriter, r *http.Request) {
	id, sub := previewQuery(r)
	p, err := h.Editor.PreviewDigest(r.Context(), r.PathValue("slug"), id, sub)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Security-Policy", framePolicy)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if p.Empty {
		w.Write([]byte(`<!doctype html><meta charset="utf-8"><p style="font-family:sans-serif">Nothing in this edition is for this reader: nothing would be sent.</p>`))
		return
	}
	w.Write([]byte(p.HTML))
}

// sendTest sends the digest to one address (the editor's own by default),
// marked [TEST], and comes back to the preview.
func (h *Handler) sendTest(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	r.ParseForm()
	id, _ := strconv.ParseInt(r.PostForm.Get("edition"), 10, 64)
	to, err := newsdesk.NormalizeEmail(r.PostForm.Get("to"))
	if err == nil {
		err = h.Editor.SendTest(r.Context(), slug, max(id, 0), to)
	}
	q := url.Values{"to": {r.PostForm.Get("to")}}
	if id > 0 {
		q.Set("edition", strconv.FormatInt(id, 10))
	}
	if err != nil {
		if newsdesk.ErrorCode(err) == newsdesk.EINTERNAL {
			h.fail(w, r, err)
			return
		}
		r.URL.RawQuery = q.Encode()
		f := newForm(q)
		f.Fail("to", newsdesk.ErrorMessage(err))
		h.status(w, r, web.ErrorStatus(err), "preview.html", &page{Title: "Preview: " + slug, Nav: "newsletters", Form: f,
			Data: &previewView{Newsletter: slug, Edition: id, FrameURL: "/admin/newsletters/" + url.PathEscape(slug) + "/preview/html?" + q.Encode()}})
		return
	}
	q.Set("done", "test-sent")
	http.Redirect(w, r, "/admin/newsletters/"+url.PathEscape(slug)+"/preview?"+q.Encode(), http.StatusSeeOther)
}
