package web

import (
	"net/http"

	"github.com/newsdesk/newsdesk"
)

// statusOf maps error codes to HTTP statuses; it is the only such mapping.
var statusOf = map[string]int{
	newsdesk.ECONFLICT:     http.StatusConflict,
	newsdesk.EINVALID:      http.StatusBadRequest,
	newsdesk.ENOTFOUND:     http.StatusNotFound,
	newsdesk.EUNAUTHORIZED: http.StatusUnauthorized,
	newsdesk.EUNAVAILABLE:  http.StatusServiceUnavailable,
	newsdesk.EINTERNAL:     http.StatusInternalServerError,
}

// ErrorStatus returns the HTTP status for err.
func ErrorStatus(err error) int {
	if st, ok := statusOf[newsdesk.ErrorCode(err)]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// Error answers with an error page; internal errors are logged, and their
// details are never shown.
func (s *Server) Error(w http.ResponseWriter, r *http.Request, err error) {
	status := ErrorStatus(err)
	if status == http.StatusInternalServerError {
		s.Logger.Error("request failed", "method", r.Method, "route", route(r), "err", err)
	}
	s.renderStatus(w, r, status, "error.html", &page{
		Title:   http.StatusText(status),
		Message: newsdesk.ErrorMessage(err),
	})
}

// route names a request in logs by the pattern it matched, not its path:
// the paths of subscription links carry the subscriber's signed token.
func route(r *http.Request) string {
	if r.Pattern != "" {
		return r.Pattern
	}
	return r.URL.Path
}

func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	s.Error(w, r, newsdesk.Errorf(newsdesk.ENOTFOUND, "There is no page at this address."))
}
