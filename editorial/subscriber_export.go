package editorial

import (
	"context"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/newsdesk/newsdesk"
)

// ExportHeader is the header of a subscriber export, which
// ImportSubscribers reads back.
var ExportHeader = []string{"email", "name", "status", "newsletter", "topics", "timezone", "created_at", "confirmed_at"}

// EachSubscriber calls fn for every subscriber the filter selects, reading
// them a page at a time so that memory stays flat however long the list.
// A filter without a limit reads pages of a thousand.
func (ed *Editor) EachSubscriber(ctx context.Context, f newsdesk.SubscriberFilter, fn func(*newsdesk.Subscriber) error) error {
	if f.Limit <= 0 {
		f.Limit = subscriberBatch
	}
	for {
		subs, err := ed.Subscribers.FindSubscribers(ctx, f)
		if err != nil {
			return err
		}
		for _, s := range subs {
			if err := fn(s); err != nil {
				return err
			}
		}
		if len(subs) < f.Limit {
			return nil
		}
		f.AfterID = subs[len(subs)-1].ID
	}
}

// ExportCSV writes the subscribers the filter selects as CSV, the format
// ImportSubscribers reads back.
func (ed *Editor) ExportCSV(ctx context.Context, out io.Writer, f newsdesk.SubscriberFilter) error {
	w := newsdesk.NewCSVWriter(out) // names from the public form are not run as formulas
	w.Write(ExportHeader)
	err := ed.EachSubscriber(ctx, f, func(s *newsdesk.Subscriber) error {
		var nls, topics []string
		for _, x := range s.Subscriptions {
			nls = append(nls, x.Newsletter.Slug)
			for _, t := range x.Topics {
				if !slices.Contains(topics, t) {
					topics = append(topics, t)
				}
			}
		}
		return w.Write([]string{s.Email, s.Name, string(s.Status), strings.Join(nls, ","), strings.Join(topics, ","),
			s.TimeZone, RFC3339(s.CreatedAt), RFC3339(s.ConfirmedAt)})
	})
	w.Flush()
	if err != nil {
		return err
	}
	return w.Error()
}

// RFC3339 formats a time that may be absent ("" for the zero time).
func RFC3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
