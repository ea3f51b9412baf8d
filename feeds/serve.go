package feeds

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Serve writes the document as the answer to r: 304 when the client's copy
// is current, the gzipped bytes when the client takes them, and caching
// headers either way. cacheControl is the Cache-Control value to send.
func (d *Document) Serve(w http.ResponseWriter, r *http.Request, cacheControl string) {
	body, etag := d.Body, d.ETag
	gz := acceptsGzip(r)
	if gz {
		body, etag = d.Gzip, d.GzipETag
	}
	h := w.Header()
	h["Etag"] = []string{etag}
	h["Cache-Control"] = []string{cacheControl}
	h["Vary"] = varyAcceptEncoding
	if !d.LastModified.IsZero() {
		h["Last-Modified"] = []string{d.LastModified.Format(http.TimeFormat)}
	}
	if d.notModified(r) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h["Content-Type"] = []string{d.ContentType}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	if gz {
		h["Content-Encoding"] = gzipEncoding
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

var (
	varyAcceptEncoding = []string{"Accept-Encoding"}
	gzipEncoding       = []string{"gzip"}
)

// notModified applies RFC 9110's rules: If-None-Match, when present, decides
// alone; otherwise If-Modified-Since is compared with Last-Modified.
func (d *Document) notModified(r *http.Request) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
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
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

// CacheControl returns the Cache-Control value for a max-age.
func CacheControl(maxAge time.Duration) string {
	return "public, max-age=" + strconv.Itoa(int(maxAge/time.Second))
}
