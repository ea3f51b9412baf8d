package feeds

import (
	"net/url"
	"strings"
)

// atomEntryID is the Atom id of an entry whose article has the immutable
// id uid. Atom wants an absolute IRI: ids minted here (tag: URIs) and
// those imported from WordPress or Substack (URLs) are, and stay as they
// are, the same as the RSS guid. An imported id that is not (a Ghost post
// id, which Ghost's RSS feed used as guid, say) is kept under the desk's
// own tag: prefix, so the RSS guid readers knew stays and the Atom id is
// valid and as permanent.
func atomEntryID(uid string, m Meta) string {
	if u, err := url.Parse(uid); err == nil && u.Scheme != "" && !strings.ContainsAny(uid, " <>\"{}|\\^`") {
		return uid
	}
	prefix := m.IDPrefix
	if prefix == "" {
		host := "localhost"
		if u, err := url.Parse(m.BaseURL); err == nil && u.Hostname() != "" {
			host = u.Hostname()
		}
		prefix = "tag:" + host + ",2000:"
	}
	return prefix + "article:" + url.PathEscape(uid)
}
