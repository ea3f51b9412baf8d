package admin

import (
	"net/http"
	"net/url"
)

// crossOriginProtection refuses state-changing requests that a browser
// says come from another site (Sec-Fetch-Site, else Origin against Host).
// The site's own origin from BaseURL is trusted too, for a desk behind a
// proxy that rewrites Host.
func (h *Handler) crossOriginProtection() *http.CrossOriginProtection {
	c := http.NewCrossOriginProtection()
	if u, err := url.Parse(h.BaseURL); err == nil && u.Scheme != "" && u.Host != "" {
		if err := c.AddTrustedOrigin(u.Scheme + "://" + u.Host); err != nil {
			h.Logger.Warn("admin: base URL not usable as a trusted origin", "base_url", h.BaseURL, "err", err)
		}
	}
	c.SetDenyHandler(http.HandlerFunc(h.crossOrigin))
	return c
}

// requireBrowserHeaders closes the gap CrossOriginProtection leaves on
// purpose: it lets through requests with neither Sec-Fetch-Site nor Origin,
// as non-browser clients send. Every browser the desk supports sends Origin
// with a POST form, and scripts and other tools have the JSON API with its
// bearer tokens, so the desk refuses such state-changing requests.
func requireBrowserHeaders(next http.Handler, deny http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
		default:
			if r.Header.Get("Sec-Fetch-Site") == "" && r.Header.Get("Origin") == "" {
				deny(w, r)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (h *Handler) crossOrigin(w http.ResponseWriter, r *http.Request) {
	h.Logger.Warn("admin: cross-origin or header-less request refused", "method", r.Method, "path", r.URL.Path,
		"origin", r.Header.Get("Origin"), "sec_fetch_site", r.Header.Get("Sec-Fetch-Site"))
	h.status(w, r, http.StatusForbidden, "error.html", &page{Title: "Forbidden",
		Message: "This request did not come from the editors' desk's own pages, so it was refused. Reload the page and try again."})
}
