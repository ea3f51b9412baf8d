package feeds

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Serve writes the document as the answer to r: 304 when the client's copy
// is current, the gzipped bytes when the client takes them, and caching
// headers either way. cacheControl is the Cache-Control header value, made
// once by the caller. Header values are built when the document is, so a
// request costs little more than the write. It reports whether the answer
// was 304 Not Modified.
func (d *Document) Serve(w http.ResponseWriter, r *http.Request, cacheControl []string) (notModified bool) {
	rep := &d.plain
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		rep = &d.gzip
	}
	h := w.Header()
	h["Etag"] = rep.etag
	h["Cache-Control"] = cacheControl
	h["Vary"] = varyAcceptEncoding
	if d.lastModified != nil {
		h["Last-Modified"] = d.lastModified
	}
	if d.notModified(r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since")) {
		w.WriteHeader(http.StatusNotModified)
		return true
	}
	h["Content-Type"] = d.contentType
	h["Content-Length"] = rep.length
	if rep.encoding != nil {
		h["Content-Encoding"] = rep.encoding
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(rep.body)
	}
	return false
}

// representation is one encoding of a document with its header values.
// The slices are shared by every response and never modified.
type representation struct {
	body         []byte
	etag, length []string
	encoding     []string
}

var (
	varyAcceptEncoding = []string{"Accept-Encoding"}
	gzipEncoding       = []string{"gzip"}
)

// notModified applies RFC 9110's rules to a request's If-None-Match and
// If-Modified-Since values: If-None-Match, when present, decides alone;
// otherwise If-Modified-Since is compared with Last-Modified.
func (d *Document) notModified(inm, ims string) bool {
	if inm != "" {
		if inm == d.ETag || inm == d.GzipETag {
			return true // the usual case: a client sends back the one tag it got
		}
		return etagMatches(inm, d.ETag) || etagMatches(inm, d.GzipETag)
	}
	if ims == "" || d.LastModified.IsZero() {
		return false
	}
	t, err := http.ParseTime(ims)
	return err == nil && !d.LastModified.After(t)
}

// etagMatches reports whether the If-None-Match list holds tag, compared
// weakly as RFC 9110 asks for GET.
func etagMatches(list, tag string) bool {
	for _, candidate := range strings.Split(list, ",") {
		candidate = strings.TrimSpace(candidate)
		if candidate == "*" || strings.TrimPrefix(candidate, "W/") == tag {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether a request's Accept-Encoding value admits gzip.
func acceptsGzip(ae string) bool {
	if ae == "" {
		return false
	}
	for _, part := range strings.Split(ae, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

// RawRequest is what AppendResponse needs of a GET or HEAD: its method and
// the values of its conditional and Accept-Encoding headers.
type RawRequest struct {
	Head                         bool
	IfNoneMatch, IfModifiedSince string
	AcceptEncoding               string
	Close                        bool // the client asked to close the connection after
}

// AppendResponse appends to buf the head of the answer to r, the status
// line and headers that Serve would send, with date as the Date header,
// and returns it with the body to send after it: nil for 304 and HEAD. It
// serves servers that answer feeds without net/http.
func (d *Document) AppendResponse(buf []byte, r RawRequest, cacheControl []string, date string) (head, body []byte, notModified bool) {
	rep := &d.plain
	if acceptsGzip(r.AcceptEncoding) {
		rep = &d.gzip
	}
	notModified = d.notModified(r.IfNoneMatch, r.IfModifiedSince)
	if notModified {
		buf = append(buf, "HTTP/1.1 304 Not Modified\r\n"...)
	} else {
		buf = append(buf, "HTTP/1.1 200 OK\r\n"...)
	}
	buf = appendHeader(buf, "Cache-Control", cacheControl)
	buf = appendHeader(buf, "Date", []string{date})
	buf = appendHeader(buf, "Etag", rep.etag)
	buf = appendHeader(buf, "Last-Modified", d.lastModified)
	buf = appendHeader(buf, "Vary", varyAcceptEncoding)
	if !notModified {
		buf = appendHeader(buf, "Content-Encoding", rep.encoding)
		buf = appendHeader(buf, "Content-Length", rep.length)
		buf = appendHeader(buf, "Content-Type", d.contentType)
	}
	if r.Close {
		buf = append(buf, "Connection: close\r\n"...)
	}
	buf = append(buf, "\r\n"...)
	if notModified || r.Head {
		return buf, nil, notModified
	}
	return buf, rep.body, false
}

// appendHeader appends a header line for each value.
func appendHeader(buf []byte, name string, values []string) []byte {
	for _, v := range values {
		buf = append(buf, name...)
		buf = append(buf, ": "...)
		buf = append(buf, v...)
		buf = append(buf, "\r\n"...)
	}
	return buf
}

// CacheControl returns the Cache-Control header value for a max-age.
func CacheControl(maxAge time.Duration) []string {
	return []string{"public, max-age=" + strconv.Itoa(int(maxAge/time.Second))}
}
