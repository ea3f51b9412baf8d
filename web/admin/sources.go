package admin

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/feeds"
)

// SourceStore is what the desk reads and changes external feeds through.
type SourceStore interface {
	FindSources(ctx context.Context, f newsdesk.SourceFilter) ([]*newsdesk.Source, error)
	CreateSource(ctx context.Context, src *newsdesk.Source) error
	ImportSources(ctx context.Context, sources []*newsdesk.Source) (int, error)
	DeleteSource(ctx context.Context, id int64) error
	// ResumeSource unpauses a source and makes it due now.
	ResumeSource(ctx context.Context, id int64) (*newsdesk.Source, error)
}

func (h *Handler) sourceRoutes() []route {
	return []route{
		{pattern: "GET /admin/sources", handler: h.sourceList},
		{pattern: "POST /admin/sources", handler: h.sourceAdd},
		{pattern: "GET /admin/sources/export.opml", handler: h.sourceExport},
		{pattern: "POST /admin/sources/import", handler: h.sourceImport},
		{pattern: "POST /admin/sources/{id}/remove", handler: h.sourceAction(func(ctx context.Context, s SourceStore, id int64) error {
			return s.DeleteSource(ctx, id)
		}, "removed")},
		{pattern: "POST /admin/sources/{id}/retry", handler: h.sourceAction(func(ctx context.Context, s SourceStore, id int64) error {
			_, err := s.ResumeSource(ctx, id)
			return err
		}, "retrying")},
	}
}

// sourceView is the data of the sources page.
type sourceView struct {
	Sources    []*newsdesk.Source
	Categories []*newsdesk.Category
	Imported   int // sources an OPML import added, -1 when there was none
}

func (h *Handler) sourceList(w http.ResponseWriter, r *http.Request) {
	h.sourcePage(w, r, http.StatusOK, newForm(nil), -1)
}

func (h *Handler) sourcePage(w http.ResponseWriter, r *http.Request, code int, f *form, imported int) {
	v := &sourceView{Imported: imported}
	var err error
	if v.Sources, err = h.Sources.FindSources(r.Context(), newsdesk.SourceFilter{}); err == nil {
		v.Categories, err = h.Articles.FindCategories(r.Context())
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.status(w, r, code, "sources.html", &page{Title: "Sources", Nav: "sources", Form: f, Data: v})
}

func (h *Handler) sourceAdd(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	f := newForm(r.PostForm)
	src := &newsdesk.Source{URL: newsdesk.NormalizeFeedURL(f.Get("url")), Title: strings.TrimSpace(f.Get("title"))}
	if c := f.Get("category"); c != "" {
		src.Category = &newsdesk.Category{Slug: c}
	}
	if s := strings.TrimSpace(f.Get("interval")); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			f.Fail("interval", "Write the interval as a duration such as 30m or 2h.")
		}
		src.Interval = d
	}
	if err := src.Validate(); err != nil {
		f.FailErr(blame(err, "category"))
	}
	if f.OK() {
		if err := h.Sources.CreateSource(r.Context(), src); err != nil {
			f.FailErr(blame(err, "url", "category"))
		}
	}
	if !f.OK() {
		h.sourcePage(w, r, http.StatusBadRequest, f, -1)
		return
	}
	done(w, r, "/admin/sources", "created")
}

func (h *Handler) sourceAction(act func(context.Context, SourceStore, int64) error, notice string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r)
		if err == nil {
			err = act(r.Context(), h.Sources, id)
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		done(w, r, "/admin/sources", notice)
	}
}

func (h *Handler) sourceExport(w http.ResponseWriter, r *http.Request) {
	sources, err := h.Sources.FindSources(r.Context(), newsdesk.SourceFilter{})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/x-opml; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="sources.opml"`)
	if err := feeds.WriteOPML(w, h.SiteTitle+" sources", h.Clock.Now(), sources); err != nil {
		h.Logger.Error("admin: OPML export", "err", err)
	}
}

// maxOPML bounds an uploaded OPML file.
const maxOPML = 5 << 20

func (h *Handler) sourceImport(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxOPML)
	f := newForm(nil)
	file, _, err := r.FormFile("opml")
	if err != nil {
		f.Fail("opml", "Choose an OPML file of at most 5 MB.")
		h.sourcePage(w, r, http.StatusBadRequest, f, -1)
		return
	}
	defer file.Close()
	sources, err := feeds.ParseOPML(file)
	for i := 0; err == nil && i < len(sources); i++ {
		if err = sources[i].Validate(); err != nil {
			err = newsdesk.Errorf(newsdesk.EINVALID, "outline %q: %s", sources[i].Title, newsdesk.ErrorMessage(err))
		}
	}
	n := 0
	if err == nil {
		n, err = h.Sources.ImportSources(r.Context(), sources)
	}
	if err != nil {
		if newsdesk.ErrorCode(err) == newsdesk.EINTERNAL {
			h.fail(w, r, err)
			return
		}
		f.Fail("opml", newsdesk.ErrorMessage(err))
		h.sourcePage(w, r, http.StatusBadRequest, f, -1)
		return
	}
	h.sourcePage(w, r, http.StatusOK, newForm(url.Values{}), n)
}

// failingSources are the sources whose last fetch failed or that are paused.
func (h *Handler) failingSources(r *http.Request) ([]*newsdesk.Source, error) {
	all, err := h.Sources.FindSources(r.Context(), newsdesk.SourceFilter{})
	if err != nil {
		return nil, err
	}
	var bad []*newsdesk.Source
	for _, s := range all {
		if s.LastError != "" || s.Paused {
			bad = append(bad, s)
		}
	}
	return bad, nil
}
