package main

import (
	"bytes"
	"context"
	"io/fs"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/data"
)

// loadDemoMail loads the demo newsletters and subscribers.
func (a *app) loadDemoMail(ctx context.Context, env *Env) error {
	var newsletters []*newsdesk.Newsletter
	if err := readYAML("demo/newsletters.yaml", &newsletters); err != nil {
		return err
	}
	for _, n := range newsletters {
		if err := a.newsletters.CreateNewsletter(ctx, n); err != nil {
			return err
		}
	}
	src, err := fs.ReadFile(data.Demo, "demo/subscribers.csv")
	if err != nil {
		return err
	}
	r, err := newCSVReader(bytes.NewReader(src), nil)
	if err != nil {
		return err
	}
	var rows []*newsdesk.SubscriberImport
	for {
		row, err := r.next()
		if err != nil {
			break
		}
		rows = append(rows, row)
	}
	n, bad, err := a.subscribers.ImportSubscribers(ctx, rows, newsdesk.SubscriberPending)
	if err == nil && len(bad) > 0 {
		err = bad[0]
	}
	if err != nil {
		return err
	}
	printf(env, "Loaded demo newsletters and subscribers: %d newsletters, %d subscribers.\n", len(newsletters), n)
	return nil
}
