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
// apply, and records who acted (newsdesk.ActorOf) in the edition's log,
// which the outbox watches to stop an edition's messages at once.
//
// Deliveries claimed by an outbox (status 'sending') are left to it: it
// gives back those not begun when it sees the event, as a pause or a
// cancel wants them (ReleaseDeliveries), and records the few it had in
// flight as they finish. A claim left by a process that died is settled
// the same way when the next one starts (RecoverDeliveries).

// ApproveEdition lets an edition awaiting approval go.
func (s *NewsletterService) ApproveEdition(ctx context.Context, id int64) (*newsdesk.Edition, error) {
	return s.control(ctx, id, newsdesk.ActionApprove, []newsdesk.EditionStatus{newsdesk.EditionAwaitingApproval},
		func(tx *sql.Tx, _ string) error {
			_, err := tx.ExecContext(ctx, `UPDATE editions SET status = 'scheduled' WHERE id = ?`, id)
			return err
		})
}

// PauseEdition stops an edition: nothing more is prepared or sent until it
// is resumed, which holds across restarts.
func (s *NewsletterService) PauseEdition(ctx context.Context, id int64) (*newsdesk.Edition, error) {
	return s.control(ctx, id, newsdesk.ActionPause, []newsdesk.EditionStatus{newsdesk.EditionScheduled,
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
	return s.control(ctx, id, newsdesk.ActionResume, []newsdesk.EditionStatus{newsdesk.EditionPaused},
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
	return s.control(ctx, id, newsdesk.ActionCancel, []newsdesk.EditionStatus{newsdesk.EditionAwaitingApproval,
		newsdesk.EditionScheduled, newsdesk.EditionPreparing, newsdesk.EditionSending, newsdesk.EditionPaused},
		func(tx *sql.Tx, now string) error {
			if _, err := tx.ExecContext(ctx, `UPDATE editions SET status = 'cancelled', sent_at = NULL WHERE id = ?`, id); err != nil {
				return err
			}
			return skipUnsent(ctx, tx, id, `status IN ('queued', 'deferred')`)
		})
}

// skipUnsent marks skipped the deliveries of a cancelled edition that
// which selects, counts them on the edition, and forgets the articles
// they were to carry.
func skipUnsent(ctx context.Context, tx *sql.Tx, edition int64, which string, args ...any) error {
	args = append([]any{edition}, args...)
	_, err := tx.ExecContext(ctx, `DELETE FROM sent_articles WHERE edition_id = ?1 AND subscriber_id IN
		(SELECT subscriber_id FROM deliveries WHERE edition_id = ?1 AND `+which+`)`, args...)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'skipped', due_at = NULL
		WHERE edition_id = ?1 AND `+which, args...)
	if err != nil {
		return err
	}
	n, _ := res.RowsAffected()
	_, err = tx.ExecContext(ctx, `UPDATE editions SET skipped = skipped + ? WHERE id = ?`, n, edition)
	return err
}

// RecordEditionEvent adds an action on an edition to its log, with the
// actor of ctx, for actions that are not controls (send now).
func (s *NewsletterService) RecordEditionEvent(ctx context.Context, id int64, action string) error {
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		return recordEvent(ctx, tx, id, action, formatTime(s.db.Clock.Now()))
	})
}

func recordEvent(ctx context.Context, tx *sql.Tx, id int64, action, now string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO edition_events (edition_id, action, actor, at) VALUES (?, ?, ?, ?)`,
		id, action, newsdesk.ActorOf(ctx), now)
	if err != nil {
		return fmt.Errorf("record %s of edition %d: %w", action, id, err)
	}
	return nil
}

// control runs an editor's action on an edition in one of the statuses it
// applies to, records it, and returns the edition as it is after.
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
		return recordEvent(ctx, tx, id, action, now)
	})
	if err != nil {
		return nil, err
	}
	return s.FindEditionByID(ctx, id)
}

// EditionEvents returns up to limit events of the editions' log after the
// event since, oldest first, each with its edition's status now.
func (s *OutboxService) EditionEvents(ctx context.Context, since int64, limit int) ([]newsdesk.EditionEvent, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT v.id, v.edition_id, v.action, v.actor, v.at, e.status
		FROM edition_events v JOIN editions e ON e.id = v.edition_id WHERE v.id > ? ORDER BY v.id LIMIT ?`, since, limit)
	if err != nil {
		return nil, fmt.Errorf("edition events: %w", err)
	}
	defer rows.Close()
	var out []newsdesk.EditionEvent
	for rows.Next() {
		var v newsdesk.EditionEvent
		var at, status string
		if err := rows.Scan(&v.ID, &v.EditionID, &v.Action, &v.Actor, &at, &status); err != nil {
			return nil, fmt.Errorf("edition events: %w", err)
		}
		v.At, _ = parseTime(at)
		v.Status = newsdesk.EditionStatus(status)
		out = append(out, v)
	}
	return out, rows.Err()
}
