package main

import (
	"net/http"

	"github.com/newsdesk/newsdesk/feeds"
	"github.com/newsdesk/newsdesk/templates"
	"github.com/newsdesk/newsdesk/web/admin"
)

// admin wires the editors' desk served under /admin.
func (a *app) admin() (http.Handler, error) {
	tmpl, err := templates.Admin(a.cfg.Site.Templates, admin.Funcs())
	if err != nil {
		return nil, usagef("%v", err)
	}
	h := &admin.Handler{
		Accounts:    a.db,
		Articles:    a.articles,
		Newsletters: a.newsletters,
		Editor:      a.editor(),
		Subscribers: a.subscribers,
		Sources:     a.sources,
		Markdown:    feeds.NewMarkdown().Render,
		Templates:   tmpl,
		Clock:       a.clock,
		Logger:      a.logger,
		BaseURL:     a.cfg.Site.BaseURL,
	}
	return h.Init(), nil
}
