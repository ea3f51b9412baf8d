package editorial

import (
	"context"
	"errors"
	"io"

	"github.com/newsdesk/newsdesk"
)

// subscriberBatch is how many subscribers an import stores, and a list or
// export reads, at a time.
const subscriberBatch = 1000

// ImportSubscribers imports subscribers from a CSV file (newsdesk's own
// export, Mailchimp's or listmonk's; see subscriber_csv.go) a batch at a
// time, telling refuse about each row it refuses; the other rows are kept.
// Rows without a newsletter column join newsletters; rows without a
// status get status.
func (ed *Editor) ImportSubscribers(ctx context.Context, in io.Reader, newsletters []string, status newsdesk.SubscriberStatus, refuse func(error)) (imported, refused int, err error) {
	r, err := newCSVReader(in, newsletters)
	if err != nil {
		return 0, 0, err
	}
	batch := make([]*newsdesk.SubscriberImport, 0, subscriberBatch)
	flush := func() error {
		n, bad, err := ed.Subscribers.ImportSubscribers(ctx, batch, status)
		imported, refused = imported+n, refused+len(bad)
		for _, e := range bad {
			refuse(e)
		}
		batch = batch[:0]
		return err
	}
	for {
		row, err := r.next()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil && newsdesk.ErrorCode(err) != newsdesk.EINVALID {
			return imported, refused, err // reading failed: the same error would come for ever
		} else if err != nil {
			refused++
			refuse(err)
			continue
		}
		if batch = append(batch, row); len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return imported, refused, err
			}
		}
	}
	return imported, refused, flush()
}

// ImportCSV is ImportSubscribers for the desk: it returns the errors (each
// naming its line) of the first keep refused rows.
func (ed *Editor) ImportCSV(ctx context.Context, r io.Reader, newsletters []string, status newsdesk.SubscriberStatus,
	keep int) (imported, refused int, reasons []error, err error) {
	imported, refused, err = ed.ImportSubscribers(ctx, r, newsletters, status, func(e error) {
		if len(reasons) < keep {
			reasons = append(reasons, e)
		}
	})
	return imported, refused, reasons, err
}
