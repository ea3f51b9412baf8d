package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/web"
)

// Codes of errors that are about HTTP itself rather than newsdesk's data;
// the rest are newsdesk's error codes.
const (
	codeMethodNotAllowed = "method_not_allowed"
	codeTooLarge         = "too_large"
)

// maxJSON is the largest JSON body accepted: an article of a few hundred
// kilobytes of Markdown fits many times over.
const maxJSON = 4 << 20

// errorEnvelope is every error response: {"error": {"code", "message"}}.
type errorEnvelope struct {
	Error errorBody `json:"error"`
}

type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// httpError is an error with its own status, for what newsdesk's codes do
// not cover (413).
type httpError struct {
	status  int
	code    string
	message string
}

func (e *httpError) Error() string { return e.message }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, errorEnvelope{errorBody{Code: code, Message: message}})
}

// fail answers with err in the envelope; internal errors are logged and
// their details never shown.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var he *httpError
	if errors.As(err, &he) {
		writeError(w, he.status, he.code, he.message)
		return
	}
	status := web.ErrorStatus(err)
	if status == http.StatusInternalServerError {
		s.Logger.Error("api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeError(w, status, newsdesk.ErrorCode(err), newsdesk.ErrorMessage(err))
}

// decode reads the request body as one JSON object into v, refusing
// unknown fields, wrong types, trailing data and bodies over maxJSON.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err, reflect.TypeOf(v))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if tooLarge(err) {
			return decodeError(err, nil)
		}
		return newsdesk.Errorf(newsdesk.EINVALID, "the request body has more after its JSON object")
	}
	return nil
}

// errEmptyBody is decode's answer to a request without a body.
var errEmptyBody = newsdesk.Errorf(newsdesk.EINVALID, "the request body is empty: send a JSON object")

// decodeOptional is decode for bodies that may be left out.
func decodeOptional(w http.ResponseWriter, r *http.Request, v any) error {
	if err := decode(w, r, v); err != errEmptyBody {
		return err
	}
	return nil
}

func tooLarge(err error) bool {
	var mb *http.MaxBytesError
	return errors.As(err, &mb)
}

// decodeError turns what encoding/json says into a message that names the
// field and what it should be; target is the type decoded into.
func decodeError(err error, target reflect.Type) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case tooLarge(err):
		return &httpError{http.StatusRequestEntityTooLarge, codeTooLarge,
			fmt.Sprintf("the request body is larger than %d bytes", maxJSON)}
	case errors.Is(err, io.EOF):
		return errEmptyBody
	case errors.Is(err, io.ErrUnexpectedEOF):
		return newsdesk.Errorf(newsdesk.EINVALID, "the request body is not valid JSON: it ends too soon")
	case errors.As(err, &syn):
		return newsdesk.Errorf(newsdesk.EINVALID, "the request body is not valid JSON at byte %d: %s",
			syn.Offset, strings.TrimPrefix(syn.Error(), "json: "))
	case errors.As(err, &typ) && typ.Field == "":
		return newsdesk.Errorf(newsdesk.EINVALID, "the request body must be a JSON object")
	case errors.As(err, &typ):
		want := kindName(typ.Type)
		if ft := fieldType(target, typ.Field); ft != nil && ft.Kind() == reflect.Slice && ft.Elem() == typ.Type {
			want = kindName(ft) // a wrong element: say what the whole field should be
		}
		return newsdesk.Errorf(newsdesk.EINVALID, "field %q must be %s, not %s", typ.Field, want, typ.Value)
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return newsdesk.Errorf(newsdesk.EINVALID, "unknown field %s", f)
	}
	return newsdesk.Errorf(newsdesk.EINVALID, "the request body is not valid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// fieldType is the type of the field of struct t (or *t) with the JSON
// name, without pointers; nil when there is none.
func fieldType(t reflect.Type, name string) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag == name {
			for f.Type.Kind() == reflect.Pointer {
				return f.Type.Elem()
			}
			return f.Type
		}
	}
	return nil
}

// kindName says what JSON a Go type takes.
func kindName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "a whole number"
	case reflect.Slice:
		return "an array of " + strings.TrimPrefix(strings.TrimPrefix(kindName(t.Elem()), "a "), "an ") + "s"
	}
	return "an object"
}

// timeOrNull formats a time as RFC 3339 in UTC, and the zero time as null.
func timeOrNull(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

// parseTime reads an RFC 3339 time from a field; "" is the zero time.
func parseTime(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return t, newsdesk.Errorf(newsdesk.EINVALID, "field %q: %q is not an RFC 3339 time such as 2026-11-25T09:00:00Z", field, v)
	}
	return t, nil
}

// queryInt reads a whole number from the query string, def when absent,
// and refuses values outside [lo, hi].
func queryInt(r *http.Request, name string, def, lo, hi int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, newsdesk.Errorf(newsdesk.EINVALID, "query parameter %s: %q is not a whole number from %d to %d", name, v, lo, hi)
	}
	return n, nil
}

// pathID reads a numeric id from the path; anything else names nothing.
func pathID(r *http.Request, what string) (int64, error) {
	v := r.PathValue("id")
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, newsdesk.Errorf(newsdesk.ENOTFOUND, "%s %q not found", what, v)
	}
	return id, nil
}

// nonNil makes a missing list an empty one, so that JSON shows [] and not null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
