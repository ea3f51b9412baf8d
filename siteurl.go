package newsdesk

import "net/url"

// SiteURL resolves ref (a URL, or a path on the site such as
// /media/logo.svg) against the site's base URL, so that what configuration
// names as a path can go where absolute URLs are needed: feeds, link
// previews, linked data. An unparsable ref is returned as it is.
func SiteURL(baseURL, ref string) string {
	if ref == "" {
		return ""
	}
	base, err := url.Parse(baseURL + "/")
	if err != nil {
		return ref
	}
	u, err := base.Parse(ref)
	if err != nil {
		return ref
	}
	return u.String()
}

// Site is what the pages, feeds and emails say about the publication, as
// the [site] configuration gives it.
type Site struct {
	Title         string
	Description   string
	BaseURL       string // absolute, without a trailing slash
	Language      string // BCP 47; "" is "en"
	PostalAddress string // required in the footer of bulk mail; lines separated by newlines
	Logo          string // the publication's logo: a URL, or a path on the site
	Favicon       string // the site's icon: a URL, or a path on the site
	// IDPrefix starts every feed's Atom id, e.g. "tag:example.org,2026-11-25:".
	// It is fixed when the install is created, so feed ids survive a change
	// of address; without one, ids are the feeds' page URLs.
	IDPrefix string
}
