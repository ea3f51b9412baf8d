package admin

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/web"
)

// NewsletterStore is what the desk reads of newsletters and editions.
// Saving a newsletter and acting on an edition go through the Editor,
// which checks them (editorial.Editor).
type NewsletterStore interface {
	FindNewsletterBySlug(ctx context.Context, slug string) (*newsdesk.Newsletter, error)
	FindNewsletters(ctx context.Context) ([]*newsdesk.Newsletter, error)
	FindEditionByID(ctx context.Context, id int64) (*newsdesk.Edition, error)
	FindEditions(ctx context.Context, f newsdesk.EditionFilter) ([]*newsdesk.Edition, error)
	FindDeliveries(ctx context.Context, editionID int64, status newsdesk.DeliveryStatus, limit int) ([]*newsdesk.Delivery, error)
}

func (h *Handler) newsletterRoutes() []route {
	return []route{
		{pattern: "GET /admin/newsletters", handler: h.newsletterList},
		{pattern: "GET /admin/newsletters/new", handler: h.newsletterNew},
		{pattern: "POST /admin/newsletters/new", handler: h.newsletterCreate},
		{pattern: "GET /admin/newsletters/{slug}", handler: h.newsletterEdit},
		{pattern: "POST /admin/newsletters/{slug}", handler: h.newsletterSave},
		{pattern: "POST /admin/newsletters/{slug}/pause", handler: h.newsletterPaused(true)},
		{pattern: "POST /admin/newsletters/{slug}/resume", handler: h.newsletterPaused(false)},
		{pattern: "POST /admin/newsletters/{slug}/send-now", handler: h.newsletterSendNow},
		{pattern: "GET /admin/newsletters/{slug}/preview", handler: h.previewPage},
		{pattern: "GET /admin/newsletters/{slug}/preview/html", handler: h.previewHTML},
		{pattern: "POST /admin/newsletters/{slug}/test", handler: h.sendTest},
	}
}

func (h *Handler) newsletterList(w http.ResponseWriter, r *http.Request) {
	ns, err := h.Newsletters.FindNewsletters(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, "newsletters.html", &page{Title: "Newsletters", Nav: "newsletters", Data: ns})
}

// newsletterEditor is the data of the newsletter form.
type newsletterEditor struct {
	Newsletter *newsdesk.Newsletter // nil for a new one
	Categories []*newsdesk.Category
	Editions   []*newsdesk.Edition
}

func (h *Handler) newsletterNew(w http.ResponseWriter, r *http.Request) {
	h.newsletterForm(w, r, http.StatusOK, nil, newForm(url.Values{"timezone": {"UTC"}}))
}

func (h *Handler) newsletterEdit(w http.ResponseWriter, r *http.Request) {
	n, err := h.Newsletters.FindNewsletterBySlug(r.Context(), r.PathValue("slug"))
	if err == nil {
		err = h.countSubscribers(r.Context(), n)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.newsletterForm(w, r, http.StatusOK, n, newForm(newsletterValues(n)))
}

func newsletterValues(n *newsdesk.Newsletter) url.Values {
	v := url.Values{"slug": {n.Slug}, "name": {n.Name}, "description": {n.Description},
		"schedule": {n.Schedule}, "timezone": {n.TimeZone}, "categories": n.Categories}
	if n.Template != "" {
		v.Set("template", n.Template)
	}
	if n.ApprovalRequired {
		v.Set("approval", "on")
	}
	return v
}

func (h *Handler) newsletterForm(w http.ResponseWriter, r *http.Request, code int, n *newsdesk.Newsletter, f *form) {
	ed := &newsletterEditor{Newsletter: n}
	var err error
	ed.Categories, err = h.Articles.FindCategories(r.Context())
	if err == nil && n != nil {
		ed.Editions, err = h.Newsletters.FindEditions(r.Context(), newsdesk.EditionFilter{Newsletter: &n.Slug, Limit: 10})
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	title := "New newsletter"
	if n != nil {
		title = n.Name
	}
	h.status(w, r, code, "newsletter.html", &page{Title: title, Nav: "newsletters", Form: f, Data: ed})
}

// newsletterFields are the form's fields that the editor's checks name,
// for blame, the most telling words first: schedule and zone errors come
// from digest schedules and say "use an IANA name".
var newsletterFields = []string{"timezone=time zone", "schedule", "template", "slug", "categories", "description", "name"}

func (h *Handler) newsletterCreate(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	f := newForm(r.PostForm)
	n := &newsdesk.Newsletter{Slug: strings.TrimSpace(f.Get("slug")), Name: f.Get("name"), Description: f.Get("description"),
		Schedule: strings.TrimSpace(f.Get("schedule")), TimeZone: strings.TrimSpace(f.Get("timezone")),
		Template: strings.TrimSpace(f.Get("template")), Categories: f.Values["categories"], ApprovalRequired: f.Get("approval") != ""}
	if err := h.Editor.CreateNewsletter(r.Context(), n); err != nil {
		f.FailErr(blame(err, newsletterFields...))
		h.newsletterForm(w, r, web.ErrorStatus(err), nil, f)
		return
	}
	done(w, r, "/admin/newsletters/"+n.Slug, "created")
}

func (h *Handler) newsletterSave(w http.ResponseWriter, r *http.Request) {
	n, err := h.Newsletters.FindNewsletterBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	r.ParseForm()
	f := newForm(r.PostForm)
	f.Values.Set("slug", n.Slug) // a slug is for ever: links in sent emails use it
	cats := f.Values["categories"]
	if cats == nil {
		cats = []string{}
	}
	upd := newsdesk.NewsletterUpdate{Name: ptr(f.Get("name")), Description: ptr(f.Get("description")),
		Categories: &cats, Approval: ptr(f.Get("approval") != ""), Template: ptr(strings.TrimSpace(f.Get("template")))}
	if spec, tz := strings.TrimSpace(f.Get("schedule")), strings.TrimSpace(f.Get("timezone")); spec != n.Schedule || tz != n.TimeZone {
		upd.Schedule, upd.TimeZone = &spec, &tz
	}
	if _, err := h.Editor.UpdateNewsletter(r.Context(), n.Slug, upd); err != nil {
		f.FailErr(blame(err, newsletterFields...))
		h.newsletterForm(w, r, web.ErrorStatus(err), n, f)
		return
	}
	done(w, r, "/admin/newsletters/"+n.Slug, "saved")
}

func ptr[T any](v T) *T { return &v }

func (h *Handler) newsletterPaused(paused bool) http.HandlerFunc {
	notice := map[bool]string{true: "paused", false: "resumed"}[paused]
	return func(w http.ResponseWriter, r *http.Request) {
		n, err := h.Editor.UpdateNewsletter(r.Context(), r.PathValue("slug"), newsdesk.NewsletterUpdate{Paused: &paused})
		if err != nil {
			h.fail(w, r, err)
			return
		}
		done(w, r, "/admin/newsletters/"+n.Slug, notice)
	}
}

func (h *Handler) newsletterSendNow(w http.ResponseWriter, r *http.Request) {
	e, err := h.Editor.SendNow(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	done(w, r, editionPath(e.ID), "sending")
}

// countSubscribers sets n.Subscribers, which the send-now button's
// confirmation names: how many people it would mail at most.
func (h *Handler) countSubscribers(ctx context.Context, n *newsdesk.Newsletter) error {
	all, err := h.Newsletters.FindNewsletters(ctx)
	for _, x := range all {
		if x.ID == n.ID {
			n.Subscribers = x.Subscribers
		}
	}
	return err
}
