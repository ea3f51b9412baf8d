package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/newsdesk/newsdesk"
)

// An editor's controls over an edition: approve, pause, resume, cancel.
// Each checks the status it starts from and says so when it does not
// apply.

// ApproveEdition lets an edition awaiting approval go.
func (s *NewsletterService) ApproveEdition(ctx context.Context, id int64) (*newsdesk.Edition, error) {
	return s.control(ctx, id, "approve", []newsdesk.EditionStatus{newsdesk.EditionAwaitingApproval},
		func(tx *sql.Tx, _ string) error {
			_, err := tx.ExecContext(ctx, `UPDATE editions SET status = 'scheduled' WHERE id = ?`, id)
			return err
		})
}

// PauseEdition stops an edition: nothing more is prepared or sent until it
// is resumed. Messages already handed to a connection still go.
func (s *NewsletterService) PauseEdition(ctx context.Context, id int64) (*newsdesk.Edition, error) {
	return s.control(ctx, id, "pause", []newsdesk.EditionStatus{newsdesk.EditionScheduled,
		newsdesk.EditionPreparing, newsdesk.EditionSending}, func(tx *sql.Tx, _ string) error {
		if _, err := tx.ExecContext(ctx, `UPDATE editions SET status = 'paused' WHERE id = ?`, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE deliveries SET due_at = NULL
			WHERE edition_id = ? AND status IN ('queued', 'deferred')`, id)
		return err
	})
}

// ResumeEdition takes up a paused edition where it stopped.
func (s *NewsletterService) ResumeEdition(ctx context.Context, id int64) (*newsdesk.Edition, error) {
	return s.control(ctx, id, "resume", []newsdesk.EditionStatus{newsdesk.EditionPaused},
		func(tx *sql.Tx, now string) error {
			_, err := tx.ExecContext(ctx, `UPDATE editions SET
				status = CASE WHEN prepared THEN 'sending' ELSE 'scheduled' END WHERE id = ?`, id)
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `UPDATE deliveries SET due_at = ?
				WHERE edition_id = ? AND status IN ('queued', 'deferred') AND due_at IS NULL`, now, id)
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, finishEdition, now, id)
			return err
		})
}

// CancelEdition stops an edition for good: deliveries not yet sent are
// skipped, and their articles no longer count as sent to their subscribers.
func (s *NewsletterService) CancelEdition(ctx context.Context, id int64) (*newsdesk.Edition, error) {
	return s.control(ctx, id, "cancel", []newsdesk.EditionStatus{newsdesk.EditionAwaitingApproval,
		newsdesk.EditionScheduled, newsdesk.EditionPreparing, newsdesk.EditionSending, newsdesk.EditionPaused},
		func(tx *sql.Tx, now string) error {
			_, err := tx.ExecContext(ctx, `DELETE FROM sent_articles WHERE edition_id = ? AND subscriber_id IN
				(SELECT subscriber_id FROM deliveries WHERE edition_id = ? AND status IN ('queued', 'deferred'))`, id, id)
			if err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'skipped', due_at = NULL
				WHERE edition_id = ? AND status IN ('queued', 'deferred')`, id)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			_, err = tx.ExecContext(ctx, `UPDATE editions SET status = 'cancelled', skipped = skipped + ?, sent_at = NULL
				WHERE id = ?`, n, id)
			return err
		})
}

// control runs an editor's action on an edition in one of the statuses it
// applies to, and returns the edition as it is after.
func (s *NewsletterService) control(ctx context.Context, id int64, action string, from []newsdesk.EditionStatus, apply func(*sql.Tx, string) error) (*newsdesk.Edition, error) {
	now := formatTime(s.db.Clock.Now())
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		var status string
		if err := tx.QueryRowContext(ctx, `SELECT status FROM editions WHERE id = ?`, id).Scan(&status); err == sql.ErrNoRows {
			return newsdesk.Errorf(newsdesk.ENOTFOUND, "edition %d not found", id)
		} else if err != nil {
			return err
		}
		if !slices.Contains(from, newsdesk.EditionStatus(status)) {
			return newsdesk.Errorf(newsdesk.ECONFLICT, "cannot %s edition %d: it is %s", action, id, status)
		}
		if err := apply(tx, now); err != nil {
			return fmt.Errorf("%s edition %d: %w", action, id, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.FindEditionByID(ctx, id)
}
