package admin

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/web"
)

// page is what every desk template gets.
type page struct {
	Title   string
	Nav     string // the menu entry to highlight
	User    *newsdesk.User
	Notice  string // what the last action did
	Message string // for error pages
	Form    *form
	Data    any
}

// form is what an editor typed and what was wrong with it, so that a
// refused form comes back as it was with a message next to each bad field.
type form struct {
	Values url.Values
	Errors map[string]string // field name -> message; "" for the whole form
}

func newForm(v url.Values) *form {
	if v == nil {
		v = url.Values{}
	}
	return &form{Values: v, Errors: map[string]string{}}
}

// Get returns a field's value.
func (f *form) Get(name string) string { return f.Values.Get(name) }

// Has reports whether a (multi-valued) field holds value, for checkboxes
// and selects.
func (f *form) Has(name, value string) bool {
	for _, v := range f.Values[name] {
		if v == value {
			return true
		}
	}
	return false
}

// Error returns the message for a field, "" when it is fine.
func (f *form) Error(name string) string { return f.Errors[name] }

// Fail records a message for a field ("" for the form as a whole); the
// first message for a field stays.
func (f *form) Fail(field, msg string) {
	if _, ok := f.Errors[field]; !ok {
		f.Errors[field] = msg
	}
}

// FailErr records err against the field it names, or the whole form.
func (f *form) FailErr(err error) {
	f.Fail(newsdesk.ErrorField(err), newsdesk.ErrorMessage(err))
}

// OK reports whether no field failed.
func (f *form) OK() bool { return len(f.Errors) == 0 }

// notices are the messages a redirect after an action may show, by key,
// so that a link cannot put words of its own on a desk page.
var notices = map[string]string{
	"logged-out": "You are logged out.", "saved": "Saved.", "created": "Created.",
	"published": "Published.", "scheduled": "Scheduled.", "unpublished": "Returned to draft.",
	"paused": "Paused.", "resumed": "Resumed.", "approved": "Approved: it goes out at its time.",
	"cancelled": "Cancelled.", "sending": "Sending has started.", "test-sent": "Test sent.",
	"removed": "Removed.", "retrying": "It will be fetched again within a minute.",
	"revoked": "Revoked: programs using this token are refused from now on.",
}

// Funcs are the helpers desk templates use.
func Funcs() template.FuncMap {
	return template.FuncMap{
		"when": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.UTC().Format("2006-01-02 15:04 UTC")
		},
		"trusted": func(s string) template.HTML { return template.HTML(s) },
		"str":     func(v any) string { return fmt.Sprint(v) },
		"list":    func(v ...string) []string { return v },
		"add":     func(a, b int) int { return a + b },
		// pageQuery is a list's query string with another page number.
		"pageQuery": func(q url.Values, page int) string {
			c := url.Values{}
			for k, v := range q {
				c[k] = v
			}
			c.Set("page", strconv.Itoa(page))
			c.Del("done")
			return c.Encode()
		},
	}
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, name string, p *page) {
	h.status(w, r, http.StatusOK, name, p)
}

// status renders into a buffer first, so a template error is a clean 500.
func (h *Handler) status(w http.ResponseWriter, r *http.Request, code int, name string, p *page) {
	if p.User == nil {
		p.User = currentUser(r)
	}
	if p.Notice == "" {
		p.Notice = notices[r.URL.Query().Get("done")]
	}
	if p.Form == nil {
		p.Form = newForm(nil)
	}
	var buf bytes.Buffer
	if err := h.Templates.ExecuteTemplate(&buf, name, p); err != nil {
		h.Logger.Error("admin: render", "template", name, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

// fail answers with an error page; internal errors are logged, never shown.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := web.ErrorStatus(err)
	if code == http.StatusInternalServerError {
		h.Logger.Error("admin: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	h.status(w, r, code, "error.html", &page{Title: http.StatusText(code), Message: newsdesk.ErrorMessage(err)})
}

// done redirects after a successful action, with a notice to show.
func done(w http.ResponseWriter, r *http.Request, path, notice string) {
	http.Redirect(w, r, path+"?done="+notice, http.StatusSeeOther)
}

// pathID reads a numeric path value; a bad one is ENOTFOUND, as for any
// page that does not exist.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, newsdesk.Errorf(newsdesk.ENOTFOUND, "There is no page at this address.")
	}
	return id, nil
}
