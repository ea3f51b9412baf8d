package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/newsdesk/newsdesk"
)

// OutboxService is the durable queue of deliveries that the mailer's
// workers claim, send and complete.
type OutboxService struct {
	db *DB
}

// NewOutboxService returns the outbox on db.
func NewOutboxService(db *DB) *OutboxService {
	return &OutboxService{db: db}
}

// Priorities of deliveries: transactional mail first.
const (
	priorityTransactional = 0
	priorityBulk          = 1
)

// confirmInterval is how long after one confirmation email another is not
// queued for the same person, so the form cannot be used to flood a mailbox.
const confirmInterval = 10 * time.Minute

// queueEdition writes one delivery per confirmed subscriber of the
// newsletter, in one statement that never brings the list into memory.
func queueEdition(ctx context.Context, tx *sql.Tx, editionID, newsletterID int64, now time.Time) (int, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO deliveries (kind, edition_id, subscriber_id, status, priority, due_at, created_at)
		SELECT 'edition', ?, x.subscriber_id, 'queued', ?, ?, ?
		FROM subscriptions x JOIN subscribers s ON s.id = x.subscriber_id
		WHERE x.newsletter_id = ? AND x.status = 'confirmed' AND s.status = 'confirmed'
		ORDER BY x.subscriber_id`, editionID, priorityBulk, formatTime(now), formatTime(now), newsletterID)
	if err != nil {
		return 0, fmt.Errorf("queue edition %d: %w", editionID, err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// queueConfirmation queues a confirmation email for a subscriber unless one
// was queued lately, and reports whether it did.
func queueConfirmation(ctx context.Context, tx *sql.Tx, subscriberID int64, now time.Time) (bool, error) {
	var recent int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM deliveries WHERE subscriber_id = ? AND kind = 'confirm'
		AND created_at > ?`, subscriberID, formatTime(now.Add(-confirmInterval))).Scan(&recent)
	if err != nil || recent > 0 {
		return false, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO deliveries (kind, subscriber_id, status, priority, due_at, created_at)
		VALUES ('confirm', ?, 'queued', ?, ?, ?)`, subscriberID, priorityTransactional, formatTime(now), formatTime(now))
	if err != nil {
		return false, fmt.Errorf("queue confirmation: %w", err)
	}
	return true, nil
}

// claimQuery reads due deliveries of one priority in the order they fell
// due, with what deciding and sending needs: the address, and whether the
// subscriber still wants the message.
const claimQuery = `SELECT d.id, d.kind, COALESCE(d.edition_id, 0), COALESCE(e.newsletter_id, 0), d.attempts,
	s.id, s.email, s.name, s.status,
	CASE WHEN d.kind = 'edition'
		THEN EXISTS (SELECT 1 FROM subscriptions x WHERE x.newsletter_id = e.newsletter_id
			AND x.subscriber_id = d.subscriber_id AND x.status = 'confirmed')
		ELSE EXISTS (SELECT 1 FROM subscriptions x WHERE x.subscriber_id = d.subscriber_id AND x.status = 'pending')
	END
	FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id LEFT JOIN editions e ON e.id = d.edition_id
	WHERE d.priority = ? AND d.due_at <= ? ORDER BY d.due_at, d.id LIMIT ?`

// ClaimDeliveries takes up to limit due deliveries for sending, transactional
// ones first. Each is held for lease: a worker that dies holding it loses it
// when the lease ends. Deliveries whose subscriber has left meanwhile are
// skipped, not returned.
func (s *OutboxService) ClaimDeliveries(ctx context.Context, limit int, lease time.Duration) ([]*newsdesk.Delivery, error) {
	now := s.db.Clock.Now()
	var claimed []*newsdesk.Delivery
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		claimed = nil
		var skipped []*newsdesk.Delivery
		for _, prio := range []int{priorityTransactional, priorityBulk} {
			if len(claimed) >= limit {
				break
			}
			c, sk, err := readDue(ctx, tx, prio, now, limit-len(claimed))
			if err != nil {
				return err
			}
			claimed, skipped = append(claimed, c...), append(skipped, sk...)
		}
		if err := markClaimed(ctx, tx, claimed, now, lease); err != nil {
			return err
		}
		return markSkipped(ctx, tx, skipped, now)
	})
	return claimed, err
}

// readDue reads due deliveries of one priority and sorts them into those to
// send and those to skip.
func readDue(ctx context.Context, tx *sql.Tx, prio int, now time.Time, limit int) (send, skip []*newsdesk.Delivery, err error) {
	rows, err := tx.QueryContext(ctx, claimQuery, prio, formatTime(now), limit)
	if err != nil {
		return nil, nil, fmt.Errorf("claim deliveries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		d := &newsdesk.Delivery{Subscriber: &newsdesk.Subscriber{}}
		var kind, status string
		var wanted bool
		if err := rows.Scan(&d.ID, &kind, &d.EditionID, &d.NewsletterID, &d.Attempts, &d.Subscriber.ID,
			&d.Subscriber.Email, &d.Subscriber.Name, &status, &wanted); err != nil {
			return nil, nil, err
		}
		d.Kind, d.Subscriber.Status = newsdesk.DeliveryKind(kind), newsdesk.SubscriberStatus(status)
		if deliverable(d, wanted) {
			d.Status, d.Attempts = newsdesk.DeliverySending, d.Attempts+1
			send = append(send, d)
		} else {
			skip = append(skip, d)
		}
	}
	return send, skip, rows.Err()
}

// deliverable decides whether a delivery still has a reader: a newsletter
// goes to confirmed subscribers of it, a confirmation to someone with a
// subscription waiting to be confirmed.
func deliverable(d *newsdesk.Delivery, wanted bool) bool {
	switch d.Kind {
	case newsdesk.DeliveryEdition:
		return wanted && d.Subscriber.Status == newsdesk.SubscriberConfirmed
	case newsdesk.DeliveryConfirm:
		return wanted && (d.Subscriber.Status == newsdesk.SubscriberPending || d.Subscriber.Status == newsdesk.SubscriberConfirmed)
	}
	return false
}

func markClaimed(ctx context.Context, tx *sql.Tx, ds []*newsdesk.Delivery, now time.Time, lease time.Duration) error {
	if len(ds) == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'sending', attempts = attempts + 1, claimed_at = ?,
		due_at = ? WHERE id IN (`+placeholders(len(ds))+`)`,
		append([]any{formatTime(now), formatTime(now.Add(lease))}, deliveryIDs(ds)...)...)
	if err != nil {
		return fmt.Errorf("claim deliveries: %w", err)
	}
	return nil
}

func markSkipped(ctx context.Context, tx *sql.Tx, ds []*newsdesk.Delivery, now time.Time) error {
	if len(ds) == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'skipped', due_at = NULL
		WHERE id IN (`+placeholders(len(ds))+`)`, deliveryIDs(ds)...)
	if err != nil {
		return fmt.Errorf("skip deliveries: %w", err)
	}
	editions := map[int64]int{}
	for _, d := range ds {
		if d.EditionID != 0 {
			editions[d.EditionID]++
		}
	}
	for id, n := range editions {
		if _, err := tx.ExecContext(ctx, `UPDATE editions SET skipped = skipped + ? WHERE id = ?`, n, id); err != nil {
			return err
		}
	}
	return finishEditions(ctx, tx, editions, now)
}

func deliveryIDs(ds []*newsdesk.Delivery) []any {
	ids := make([]any, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	return ids
}

// CompleteDeliveries records the outcomes of attempts in one transaction:
// sent, deferred to a later attempt, or failed, with bounced subscribers
// marked. Editions with nothing left to send are marked sent.
func (s *OutboxService) CompleteDeliveries(ctx context.Context, results []newsdesk.DeliveryResult) error {
	now := s.db.Clock.Now()
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		editions := map[int64]int{}
		sent := map[int64][]any{} // edition id -> delivery ids
		for _, r := range results {
			if r.EditionID != 0 {
				editions[r.EditionID]++
			}
			if r.Status == newsdesk.DeliverySent {
				sent[r.EditionID] = append(sent[r.EditionID], r.ID)
				continue
			}
			if err := completeOne(ctx, tx, r, now); err != nil {
				return err
			}
		}
		for edition, ids := range sent {
			if err := markSent(ctx, tx, edition, ids, now); err != nil {
				return err
			}
		}
		return finishEditions(ctx, tx, editions, now)
	})
}

// markSent marks deliveries of one edition (0 for transactional mail) sent
// and counts them on the edition.
func markSent(ctx context.Context, tx *sql.Tx, edition int64, ids []any, now time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'sent', sent_at = ?, due_at = NULL, error = ''
		WHERE id IN (`+placeholders(len(ids))+`) AND status = 'sending'`, append([]any{formatTime(now)}, ids...)...)
	if err != nil {
		return fmt.Errorf("mark deliveries sent: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil || edition == 0 {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE editions SET sent = sent + ? WHERE id = ?`, n, edition)
	return err
}

// completeOne records a deferral or a failure.
func completeOne(ctx context.Context, tx *sql.Tx, r newsdesk.DeliveryResult, now time.Time) error {
	var res sql.Result
	var err error
	switch r.Status {
	case newsdesk.DeliveryDeferred:
		res, err = tx.ExecContext(ctx, `UPDATE deliveries SET status = 'deferred', due_at = ?, error = ?
			WHERE id = ? AND status = 'sending'`, formatTime(r.DueAt), r.Error, r.ID)
	case newsdesk.DeliveryFailed:
		res, err = tx.ExecContext(ctx, `UPDATE deliveries SET status = 'failed', due_at = NULL, error = ?
			WHERE id = ? AND status = 'sending'`, r.Error, r.ID)
	default:
		return fmt.Errorf("complete delivery %d: unexpected status %q", r.ID, r.Status)
	}
	if err != nil {
		return fmt.Errorf("complete delivery %d: %w", r.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 1 && r.Status == newsdesk.DeliveryFailed && r.EditionID != 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE editions SET failed = failed + 1 WHERE id = ?`, r.EditionID); err != nil {
			return err
		}
	}
	if r.Bounced {
		_, err = tx.ExecContext(ctx, `UPDATE subscribers SET status = 'bounced', updated_at = ?
			WHERE id = ? AND status IN ('pending', 'confirmed')`, formatTime(now), r.SubscriberID)
	}
	return err
}

// finishEditions marks sent the editions among those given that have no
// delivery left with work to do.
func finishEditions(ctx context.Context, tx *sql.Tx, editions map[int64]int, now time.Time) error {
	for id := range editions {
		_, err := tx.ExecContext(ctx, `UPDATE editions SET status = 'sent', sent_at = ? WHERE id = ? AND status = 'sending'
			AND NOT EXISTS (SELECT 1 FROM deliveries WHERE edition_id = ? AND due_at IS NOT NULL)`, formatTime(now), id, id)
		if err != nil {
			return fmt.Errorf("finish edition %d: %w", id, err)
		}
	}
	return nil
}

// ReleaseDeliveries gives back claimed deliveries that were never
// attempted, as at a graceful shutdown, due at once.
func (s *OutboxService) ReleaseDeliveries(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{formatTime(s.db.Clock.Now())}
	for _, id := range ids {
		args = append(args, id)
	}
	_, err := s.db.write.ExecContext(ctx, `UPDATE deliveries SET attempts = attempts - 1, due_at = ?,
		status = CASE WHEN attempts > 1 THEN 'deferred' ELSE 'queued' END
		WHERE id IN (`+placeholders(len(ids))+`) AND status = 'sending'`, args...)
	if err != nil {
		return fmt.Errorf("release deliveries: %w", err)
	}
	return nil
}

// RecoverDeliveries makes every claimed delivery due now. Only the one
// process that delivers this outbox calls it, when it starts: claims still
// held then belong to a process that died, and waiting out their lease
// would only delay them.
func (s *OutboxService) RecoverDeliveries(ctx context.Context) (int, error) {
	res, err := s.db.write.ExecContext(ctx, `UPDATE deliveries SET due_at = ?
		WHERE due_at IS NOT NULL AND status = 'sending'`, formatTime(s.db.Clock.Now()))
	if err != nil {
		return 0, fmt.Errorf("recover deliveries: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// NextDue returns when the next delivery falls due, or the zero time when
// nothing is waiting.
func (s *OutboxService) NextDue(ctx context.Context) (time.Time, error) {
	var next time.Time
	for _, prio := range []int{priorityTransactional, priorityBulk} {
		var v sql.NullString
		err := s.db.read.QueryRowContext(ctx, `SELECT MIN(due_at) FROM deliveries WHERE priority = ? AND due_at IS NOT NULL`, prio).Scan(&v)
		if err != nil {
			return time.Time{}, fmt.Errorf("next due delivery: %w", err)
		}
		if !v.Valid {
			continue
		}
		t, err := parseTime(v.String)
		if err != nil {
			return time.Time{}, err
		}
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	return next, nil
}
