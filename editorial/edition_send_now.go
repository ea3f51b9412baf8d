package editorial

import (
	"context"

	"github.com/newsdesk/newsdesk"
)

// SendNow stores an edition of the newsletter cut now, outside its
// schedule, with what was published since its last edition. A daemon
// prepares and delivers it at once; follow it with FindEditionByID.
func (ed *Editor) SendNow(ctx context.Context, newsletter string) (*newsdesk.Edition, error) {
	e, err := ed.AddEditionNow(ctx, newsletter)
	if err != nil {
		return nil, err
	}
	ed.kick()
	return e, nil
}

// AddEditionNow stores the edition the newsletter would cut now, with the
// number of its confirmed subscribers, for the caller to prepare and
// deliver.
func (ed *Editor) AddEditionNow(ctx context.Context, newsletter string) (*newsdesk.Edition, error) {
	e, _, err := ed.edition(ctx, newsletter, 0)
	if err != nil {
		return nil, err
	}
	if err := ed.Newsletters.AddEdition(ctx, e); err != nil {
		return nil, err
	}
	if e.Newsletter.Subscribers, err = ed.Newsletters.CountRecipients(ctx, e.Newsletter.ID); err != nil {
		return nil, err
	}
	return e, ed.Newsletters.RecordEditionEvent(ctx, e.ID, newsdesk.ActionSendNow)
}
