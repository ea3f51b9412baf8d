package main

import (
	"net/http"
	"path/filepath"

	"github.com/newsdesk/newsdesk/feeds"
	"github.com/newsdesk/newsdesk/templates"
	"github.com/newsdesk/newsdesk/web/admin"
)

// admin wires the editors' desk served under /admin.
func (a *app) admin() (http.Handler, error) {
	tmpl, err := templates.Admin(a.cfg.Site.Templates, admin.Funcs())
	if err != nil {
		return nil, usagef("%w", err)
	}
	ed := a.editor()
	h := &admin.Handler{
		Accounts:    a.db,
		Articles:    a.articles,
		Newsletters: a.newsletters,
		Editor:      ed,
		Subscribers: a.subscribers,
		CSV:         ed,
		Sources:     a.sources,
		Tokens:      a.apiTokens(),
		Markdown:    feeds.NewMarkdown().Render,
		Templates:   tmpl,
		Clock:       a.clock,
		Logger:      a.logger,
		SiteTitle:   a.cfg.Site.Title,
		MediaDir:    filepath.Join(a.dataDir, "media"),
		BaseURL:     a.cfg.Site.BaseURL,
	}
	return h.Init(), nil
}
