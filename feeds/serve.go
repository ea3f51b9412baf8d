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
	if acceptsGzip(r) {
		rep = &d.gzip
	}
	h := w.Header()
	h["Etag"] = rep.etag
	h["Cache-Control"] = cacheControl
	h["Vary"] = varyAcceptEncoding
	if d.lastModified != nil {
		h["Last-Modified"] = d.lastModified
	}
	if d.notModified(r) {
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

// notModified applies RFC 9110's rules: If-None-Match, when present, decides
// alone; otherwise If-Modified-Since is compared with Last-Modified.
func (d *Document) notModified(r *http.Request) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		if inm == d.ETag || inm == d.GzipETag {
			return true // the usual case: a client sends back the one tag it got
		}
		return etagMatches(inm, d.ETag) || etagMatches(inm, d.GzipETag)
	}
	ims := r.Header.Get("If-Modified-Since")
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

// acceptsGzip reports whether the request's Accept-Encoding admits gzip.
func acceptsGzip(r *http.Request) bool {
	ae := r.Header.Get("Accept-Encoding")
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

// CacheControl returns the Cache-Control header value for a max-age.
func CacheControl(maxAge time.Duration) []string {
	return []string{"public, max-age=" + strconv.Itoa(int(maxAge/time.Second))}
}
