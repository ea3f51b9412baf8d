package admin

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/newsdesk/newsdesk"
)

// SubscriberStore is what the desk reads and changes subscribers through.
type SubscriberStore interface {
	FindSubscribers(ctx context.Context, f newsdesk.SubscriberFilter) ([]*newsdesk.Subscriber, error)
	CountSubscribers(ctx context.Context) (map[newsdesk.SubscriberStatus]int, error)
	DeleteSubscriber(ctx context.Context, id int64) error
}

// SubscriberCSV reads and writes subscriber lists as CSV, as the
// subscriber import and export commands do.
type SubscriberCSV interface {
	ExportCSV(ctx context.Context, w io.Writer, f newsdesk.SubscriberFilter) error
	// ImportCSV imports the rows it can and counts the others, returning
	// the errors (each naming its line) of the first keep of them.
	ImportCSV(ctx context.Context, r io.Reader, newsletters []string, status newsdesk.SubscriberStatus,
		keep int) (imported, refused int, reasons []error, err error)
}

func (h *Handler) subscriberRoutes() []route {
	return []route{
		{pattern: "GET /admin/subscribers", handler: h.subscriberList},
		{pattern: "GET /admin/subscribers/export.csv", handler: h.subscriberExport},
		{pattern: "POST /admin/subscribers/import", handler: h.subscriberImport},
		{pattern: "POST /admin/subscribers/{id}/remove", handler: h.subscriberRemove},
	}
}

// subscriberView is the data of the subscribers page.
type subscriberView struct {
	Subscribers []*newsdesk.Subscriber
	Counts      map[newsdesk.SubscriberStatus]int
	Statuses    []newsdesk.SubscriberStatus
	Newsletters []*newsdesk.Newsletter
	NextQuery   string // the query of the next page, "" on the last
	Report      *importReport
}

// importReport says what an import did, with each refused row's reason.
type importReport struct {
	Imported int
	Refused  []string
	More     int // refused rows beyond those listed
}

// subscriberFilter reads ?q=, ?status= and ?after= (the last id of the
// previous page).
func subscriberFilter(q url.Values) newsdesk.SubscriberFilter {
	f := newsdesk.SubscriberFilter{Query: strings.TrimSpace(q.Get("q")), Limit: listSize}
	if st := newsdesk.SubscriberStatus(q.Get("status")); st.Valid() {
		f.Status = &st
	}
	f.AfterID, _ = strconv.ParseInt(q.Get("after"), 10, 64)
	return f
}

func (h *Handler) subscriberList(w http.ResponseWriter, r *http.Request) {
	h.subscriberPage(w, r, http.StatusOK, newForm(r.URL.Query()), nil)
}

func (h *Handler) subscriberPage(w http.ResponseWriter, r *http.Request, code int, f *form, report *importReport) {
	ctx := r.Context()
	v := &subscriberView{Statuses: subscriberStatuses, Report: report}
	sf := subscriberFilter(f.Values)
	var err error
	if v.Subscribers, err = h.Subscribers.FindSubscribers(ctx, sf); err == nil {
		if v.Counts, err = h.Subscribers.CountSubscribers(ctx); err == nil {
			v.Newsletters, err = h.Newsletters.FindNewsletters(ctx)
		}
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if len(v.Subscribers) == listSize {
		next := url.Values{"q": {sf.Query}, "status": {f.Get("status")}, "after": {strconv.FormatInt(v.Subscribers[listSize-1].ID, 10)}}
		v.NextQuery = next.Encode()
	}
	h.status(w, r, code, "subscribers.html", &page{Title: "Subscribers", Nav: "subscribers", Form: f, Data: v})
}

func (h *Handler) subscriberExport(w http.ResponseWriter, r *http.Request) {
	f := subscriberFilter(r.URL.Query())
	f.AfterID, f.Limit = 0, 1000
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="subscribers.csv"`)
	if err := h.CSV.ExportCSV(r.Context(), w, f); err != nil {
		// The header is gone; all that is left is to log and cut the file short.
		h.Logger.Error("admin: subscriber export", "err", err)
	}
}

// maxImport bounds an uploaded CSV file.
const maxImport = 50 << 20

// maxReported is how many refused rows an import lists by line.
const maxReported = 200

func (h *Handler) subscriberImport(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxImport)
	f := newForm(nil)
	file, _, err := r.FormFile("file")
	if r.MultipartForm != nil {
		f = newForm(url.Values(r.MultipartForm.Value))
	}
	if err != nil {
		f.Fail("file", "Choose a CSV file with a header row (at least an email column) of at most 50 MB.")
		h.subscriberPage(w, r, http.StatusBadRequest, f, nil)
		return
	}
	defer file.Close()
	var newsletters []string
	if n := f.Get("newsletter"); n != "" {
		newsletters = []string{n}
	}
	status := newsdesk.SubscriberPending
	if f.Get("confirmed") != "" {
		status = newsdesk.SubscriberConfirmed
	}
	n, refused, reasons, err := h.CSV.ImportCSV(r.Context(), file, newsletters, status, maxReported)
	if tooLarge := new(http.MaxBytesError); errors.As(err, &tooLarge) {
		err = newsdesk.Errorf(newsdesk.EINVALID, "The file is larger than 50 MB; nothing after that point was read.")
	}
	if err != nil && newsdesk.ErrorCode(err) != newsdesk.EINTERNAL {
		f.Fail("file", newsdesk.ErrorMessage(err))
		h.subscriberPage(w, r, http.StatusBadRequest, f, nil)
		return
	} else if err != nil {
		h.fail(w, r, err)
		return
	}
	report := &importReport{Imported: n, More: refused - len(reasons)}
	for _, e := range reasons {
		report.Refused = append(report.Refused, e.Error())
	}
	h.subscriberPage(w, r, http.StatusOK, newForm(nil), report)
}

func (h *Handler) subscriberRemove(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = h.Subscribers.DeleteSubscriber(r.Context(), id)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	done(w, r, "/admin/subscribers", "removed")
}
