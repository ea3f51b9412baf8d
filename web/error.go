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
	newsdesk.ESTORAGE:      http.StatusServiceUnavailable,
	newsdesk.EINTERNAL:     http.StatusInternalServerError,
}

// ErrorStatus returns the HTTP status for err.
func ErrorStatus(err error) int {
	if st, ok := statusOf[newsdesk.ErrorCode(err)]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// RetryAfter is the Retry-After of every 503 answer, in seconds. A 503
// means a fault that heals by itself (a full disk freed, a store that was
// busy): clients should come back, not give up.
const RetryAfter = "30"

// retryAfter adds Retry-After to the 503 answers of h that have none.
func retryAfter(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(&retryWriter{ResponseWriter: w}, r)
	})
}

type retryWriter struct {
	http.ResponseWriter
}

func (w *retryWriter) WriteHeader(code int) {
	if code == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", RetryAfter)
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the writer's Flush and deadlines.
func (w *retryWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush passes on to the wrapped writer, for handlers that stream.
func (w *retryWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Error answers with an error page; internal errors are logged, and their
// details are never shown. A storage fault is logged too: it is the
// operator's to fix.
func (s *Server) Error(w http.ResponseWriter, r *http.Request, err error) {
	status := ErrorStatus(err)
	switch newsdesk.ErrorCode(err) {
	case newsdesk.EINTERNAL:
		s.Logger.Error("request failed", "method", r.Method, "route", route(r), "err", err)
	case newsdesk.ESTORAGE:
		s.Logger.Error("request failed: the data directory cannot be written", "method", r.Method, "route", route(r), "err", err)
	}
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", RetryAfter)
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
