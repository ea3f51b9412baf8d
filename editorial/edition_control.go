package editorial

import (
	"context"

	"github.com/newsdesk/newsdesk"
)

// ApproveEdition lets an edition that waits for approval go.
func (ed *Editor) ApproveEdition(ctx context.Context, id int64) (*newsdesk.Edition, error) {
	return ed.control(ctx, id, ed.Newsletters.ApproveEdition)
}

// PauseEdition holds an edition's deliveries that have not gone yet.
func (ed *Editor) PauseEdition(ctx context.Context, id int64) (*newsdesk.Edition, error) {
	return ed.control(ctx, id, ed.Newsletters.PauseEdition)
}

// ResumeEdition lets a paused edition go on.
func (ed *Editor) ResumeEdition(ctx context.Context, id int64) (*newsdesk.Edition, error) {
	return ed.control(ctx, id, ed.Newsletters.ResumeEdition)
}

// CancelEdition stops an edition: what has not gone never goes.
func (ed *Editor) CancelEdition(ctx context.Context, id int64) (*newsdesk.Edition, error) {
	return ed.control(ctx, id, ed.Newsletters.CancelEdition)
}

func (ed *Editor) control(ctx context.Context, id int64, act func(context.Context, int64) (*newsdesk.Edition, error)) (*newsdesk.Edition, error) {
	e, err := act(ctx, id)
	if err != nil {
		return nil, err
	}
	ed.kick()
	return e, nil
}
