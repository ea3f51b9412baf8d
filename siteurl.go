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
