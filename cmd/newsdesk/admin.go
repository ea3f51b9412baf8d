package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"

	"github.com/newsdesk/newsdesk"
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
		CSV:         subscriberCSV{a},
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

// subscriberCSV gives the desk the same CSV import and export as the
// subscriber commands.
type subscriberCSV struct{ a *app }

func (c subscriberCSV) ExportCSV(ctx context.Context, w io.Writer, f newsdesk.SubscriberFilter) error {
	return c.a.writeCSV(ctx, w, f)
}

func (c subscriberCSV) ImportCSV(ctx context.Context, r io.Reader, newsletters []string, status newsdesk.SubscriberStatus,
	keep int) (imported, refused int, reasons []error, err error) {
	imported, refused, err = c.a.importRows(ctx, r, newsletters, status, func(e error) {
		if len(reasons) < keep {
			reasons = append(reasons, e)
		}
	})
	return imported, refused, reasons, err
}
