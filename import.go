package newsdesk

import (
	"net/url"
	"strings"
)

// ImportedArticle is an article brought over from another platform. Its
// UID is the id that platform's feeds gave it, so that an import run
// again finds it and feed readers see no new item.
type ImportedArticle struct {
	Article *Article
	// Author is created when no author has its slug; an existing author
	// is left as it is.
	Author *Author
	// OldPaths are the addresses the article had on the old site, as
	// RedirectPath makes them; each answers 301 to the article.
	OldPaths []string
}

// ImportOutcome is what an import did with an article.
type ImportOutcome string

// Import outcomes.
const (
	ImportCreated   ImportOutcome = "created"
	ImportUpdated   ImportOutcome = "updated"
	ImportUnchanged ImportOutcome = "unchanged"
)

// RedirectPath is the key an old address is found by: the decoded path
// without its trailing slash, then the query with its parameters sorted.
// The host is left out, since the site moved. It returns "" for the site's
// root with no query, which is never redirected.
func RedirectPath(path, rawQuery string) string {
	if path == "" {
		path = "/"
	}
	if len(path) > 1 {
		path = strings.TrimRight(path, "/")
	}
	if rawQuery != "" {
		if q, err := url.ParseQuery(rawQuery); err == nil && len(q) > 0 {
			return path + "?" + q.Encode()
		}
	}
	if path == "/" {
		return ""
	}
	return path
}

// RedirectPathOf returns the RedirectPath of an absolute or relative URL,
// or "" when it cannot be parsed.
func RedirectPathOf(link string) string {
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil || link == "" {
		return ""
	}
	return RedirectPath(u.Path, u.RawQuery)
}
