package main

import (
	"context"
	"io"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/web/api"
)

// apiReportErrors is how many refused rows an import over the API lists.
const apiReportErrors = 1000

// apiServer wires the JSON API to the services and the editor.
func (a *app) apiServer() *api.Server {
	return &api.Server{
		BaseURL:     a.cfg.Site.BaseURL,
		Tokens:      a.apiTokens(),
		Articles:    a.articles,
		Newsletters: a.newsletters,
		Subscribers: a.subscribers,
		Editor:      a.editor(),
		ImportCSV:   a.importReport,
		Wake:        a.owner.Wake,
		Logger:      a.logger,
	}
}

// importReport imports a CSV file as subscriber import does and reports
// on it instead of printing.
func (a *app) importReport(ctx context.Context, in io.Reader, newsletters []string, status newsdesk.SubscriberStatus) (*api.ImportReport, error) {
	rep := &api.ImportReport{}
	var err error
	rep.Imported, rep.Refused, err = a.editor().ImportSubscribers(ctx, in, newsletters, status, func(e error) {
		if len(rep.Errors) < apiReportErrors {
			rep.Errors = append(rep.Errors, newsdesk.OneLine(e.Error()))
		}
	})
	return rep, err
}
