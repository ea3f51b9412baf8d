package newsdesk

import (
	"context"
	"time"
)

// actorKey is the context key of the actor.
type actorKey struct{}

// WithActor returns a context that names who is acting: the editor's
// account on the desk, the token's name on the API, "cli:" and the OS user
// on the command line. The stores record it with what an editor does to an
// edition, so the log says who paused it.
func WithActor(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// ActorOf returns the actor WithActor put in ctx, or "" when none was.
func ActorOf(ctx context.Context) string {
	a, _ := ctx.Value(actorKey{}).(string)
	return a
}

// Editor's controls over an edition, as recorded in its log.
const (
	ActionApprove = "approve"
	ActionPause   = "pause"
	ActionResume  = "resume"
	ActionCancel  = "cancel"
	ActionSendNow = "send-now"
)

// EditionEvent is one control applied to an edition, and by whom. Its ID
// grows with each event, so a reader that remembers the last it saw can
// ask for what happened since.
type EditionEvent struct {
	ID        int64
	EditionID int64
	Action    string
	Actor     string
	At        time.Time
	// Status is the edition's status now, which may be later than the
	// event's.
	Status EditionStatus
}

// Halted reports whether nothing more of an edition in status st may be
// sent: it is paused or cancelled.
func (st EditionStatus) Halted() bool {
	return st == EditionPaused || st == EditionCancelled
}
