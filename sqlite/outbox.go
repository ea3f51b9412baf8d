package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/newsdesk/newsdesk"
)

// OutboxService is the durable queue of deliveries that the mailer's
// workers claim, send and complete.
type OutboxService struct {
	db *DB

	mu    sync.Mutex
	stmts map[string]*sql.Stmt // prepared once on the write pool
}

// NewOutboxService returns the outbox on db.
func NewOutboxService(db *DB) *OutboxService {
	return &OutboxService{db: db}
}

// The statements the outbox runs thousands of times a second. Parsing them
// each time would cost more than running them, so they are prepared once
// on the write pool (before any transaction: the pool has one connection).
const (
	claimStmt = `UPDATE deliveries SET status = 'sending', attempts = attempts + 1, claimed_at = ?1,
		due_at = ?2 WHERE id IN (SELECT value FROM json_each(?3)) AND due_at <= ?1 RETURNING id`
	skipStmt    = `UPDATE deliveries SET status = 'skipped', due_at = NULL WHERE id = ? AND due_at <= ?`
	skippedStmt = `UPDATE editions SET skipped = skipped + ? WHERE id = ?`
	sentStmt    = `UPDATE deliveries SET status = 'sent', sent_at = ?, due_at = NULL, error = ''
		WHERE id IN (SELECT value FROM json_each(?)) AND status = 'sending'`
	// countSentStmt counts sent deliveries on their edition, and marks it
	// sent when that was the last (see finishEdition).
	countSentStmt = `UPDATE editions SET sent = sent + ?1,
		status = CASE WHEN status = 'sending' AND sent + ?1 + failed + skipped >= recipients THEN 'sent' ELSE status END,
		sent_at = CASE WHEN status = 'sending' AND sent + ?1 + failed + skipped >= recipients THEN ?2 ELSE sent_at END
		WHERE id = ?3`
)

// prepare prepares the outbox's statements, once.
func (s *OutboxService) prepare(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stmts != nil {
		return nil
	}
	stmts := map[string]*sql.Stmt{}
	for _, q := range []string{claimStmt, skipStmt, skippedStmt, sentStmt, countSentStmt, finishEdition} {
		st, err := s.db.write.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare outbox statement: %w", err)
		}
		stmts[q] = st
	}
	s.stmts = stmts
	return nil
}

// stmt returns a prepared statement for use in tx.
func (s *OutboxService) stmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	s.mu.Lock()
	st, ok := s.stmts[query]
	s.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("outbox statement not prepared: %.40s", query)
	}
	return tx.StmtContext(ctx, st), nil
}

// exec runs a cached statement in tx.
func (s *OutboxService) exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	st, err := s.stmt(ctx, tx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// jsonIDs writes ids as a JSON array, for statements that take a list as
// one parameter (json_each) and so keep the same text whatever its length.
func jsonIDs(ids []int64) string {
	b := make([]byte, 0, len(ids)*8+2)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, ']'))
}

// Priorities of deliveries: transactional mail first.
const (
	priorityTransactional = 0
	priorityBulk          = 1
)

// confirmInterval is how long after one confirmation email another is not
// queued for the same person, so the form cannot be used to flood a mailbox.
const confirmInterval = 10 * time.Minute

// claimQuery reads due deliveries of one priority in the order they fell
// due, with what deciding and sending needs: the address, and whether the
// subscriber still wants the message.
const claimQuery = `SELECT d.id, d.kind, COALESCE(d.edition_id, 0), COALESCE(e.newsletter_id, 0), COALESCE(d.variant_id, 0),
	COALESCE(d.request_id, 0), d.attempts, s.id, s.email, s.name, s.status, s.link_key,
	CASE WHEN d.kind = 'edition'
		THEN EXISTS (SELECT 1 FROM subscriptions x WHERE x.newsletter_id = e.newsletter_id
			AND x.subscriber_id = d.subscriber_id AND x.status = 'confirmed')
		ELSE EXISTS (SELECT 1 FROM subscription_requests r WHERE r.id = d.request_id
			AND r.used_at IS NULL AND r.superseded_at IS NULL)
	END,
	COALESCE(e.status, '')
	FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id LEFT JOIN editions e ON e.id = d.edition_id
	WHERE d.priority = ? AND d.due_at <= ? ORDER BY d.due_at, d.id LIMIT ?`

// ClaimDeliveries takes up to limit due deliveries for sending, transactional
// ones first. Each is held for lease: a worker that dies holding it loses it
// when the lease ends. Deliveries whose subscriber has left meanwhile are
// skipped, not returned; those of a paused or cancelled edition are held
// or skipped as it wants (see settleHalted), never returned.
//
// The due deliveries are read outside the write transaction, which then
// only claims those still due: the writer, which every worker's record of
// a sent message waits for, is held as briefly as possible.
func (s *OutboxService) ClaimDeliveries(ctx context.Context, limit int, lease time.Duration) ([]*newsdesk.Delivery, error) {
	now := s.db.Clock.Now()
	var send, skip []*newsdesk.Delivery
	halted := map[int64]bool{}
	for _, prio := range []int{priorityTransactional, priorityBulk} {
		if len(send)+len(skip)+len(halted) >= limit {
			break
		}
		c, sk, err := readDue(ctx, s.db.read, prio, now, limit-len(send)-len(skip), halted)
		if err != nil {
			return nil, err
		}
		send, skip = append(send, c...), append(skip, sk...)
	}
	if len(send)+len(skip)+len(halted) == 0 {
		return nil, nil
	}
	if err := s.prepare(ctx); err != nil {
		return nil, err
	}
	var claimed []*newsdesk.Delivery
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		var err error
		if claimed, err = s.markClaimed(ctx, tx, send, now, lease); err != nil {
			return err
		}
		for id := range halted {
			if err := settleHalted(ctx, tx, id, `due_at <= ?2`, formatTime(now)); err != nil {
				return err
			}
		}
		return s.markSkipped(ctx, tx, skip, now)
	})
	return claimed, err
}

// readDue reads due deliveries of one priority and sorts them into those to
// send and those to skip; it adds to halted the editions that are paused or
// cancelled and still had deliveries due.
func readDue(ctx context.Context, q queryer, prio int, now time.Time, limit int, halted map[int64]bool) (send, skip []*newsdesk.Delivery, err error) {
	rows, err := q.QueryContext(ctx, claimQuery, prio, formatTime(now), limit)
	if err != nil {
		return nil, nil, fmt.Errorf("claim deliveries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		d := &newsdesk.Delivery{Subscriber: &newsdesk.Subscriber{}}
		var kind, status, edition string
		var wanted bool
		if err := rows.Scan(&d.ID, &kind, &d.EditionID, &d.NewsletterID, &d.VariantID, &d.RequestID, &d.Attempts, &d.Subscriber.ID,
			&d.Subscriber.Email, &d.Subscriber.Name, &status, &d.Subscriber.LinkKey, &wanted, &edition); err != nil {
			return nil, nil, err
		}
		d.Kind, d.Subscriber.Status = newsdesk.DeliveryKind(kind), newsdesk.SubscriberStatus(status)
		if newsdesk.EditionStatus(edition).Halted() {
			halted[d.EditionID] = true
		} else if deliverable(d, wanted) {
			d.Status, d.Attempts = newsdesk.DeliverySending, d.Attempts+1
			send = append(send, d)
		} else {
			skip = append(skip, d)
		}
	}
	return send, skip, rows.Err()
}

// deliverable decides whether a delivery still has a reader: a newsletter
// goes to confirmed subscribers of it, a confirmation while its request
// can still be confirmed, whatever the subscriber's status: someone who
// left, or whose mail bounced, stays so until they follow the link.
func deliverable(d *newsdesk.Delivery, wanted bool) bool {
	switch d.Kind {
	case newsdesk.DeliveryEdition:
		return wanted && d.Subscriber.Status == newsdesk.SubscriberConfirmed
	case newsdesk.DeliveryConfirm:
		return wanted
	}
	return false
}

// markClaimed claims those of ds still due, and returns them.
func (s *OutboxService) markClaimed(ctx context.Context, tx *sql.Tx, ds []*newsdesk.Delivery, now time.Time, lease time.Duration) ([]*newsdesk.Delivery, error) {
	if len(ds) == 0 {
		return nil, nil
	}
	st, err := s.stmt(ctx, tx, claimStmt)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, formatTime(now), formatTime(now.Add(lease)), jsonIDs(ids(ds)))
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	defer rows.Close()
	got := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		got[id] = true
	}
	claimed := ds[:0]
	for _, d := range ds {
		if got[d.ID] {
			claimed = append(claimed, d)
		}
	}
	return claimed, rows.Err()
}

func (s *OutboxService) markSkipped(ctx context.Context, tx *sql.Tx, ds []*newsdesk.Delivery, now time.Time) error {
	editions := map[int64]int{}
	for _, d := range ds {
		res, err := s.exec(ctx, tx, skipStmt, d.ID, formatTime(now))
		if err != nil {
			return fmt.Errorf("skip deliveries: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 && d.EditionID != 0 {
			editions[d.EditionID]++
		}
	}
	for id, n := range editions {
		if _, err := s.exec(ctx, tx, skippedStmt, n, id); err != nil {
			return err
		}
	}
	return finishEditions(ctx, tx, editions, now)
}

func ids(ds []*newsdesk.Delivery) []int64 {
	out := make([]int64, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}

// CompleteDeliveries records the outcomes of attempts in one transaction:
// sent, deferred to a later attempt, or failed, with bounced subscribers
// marked. Editions with nothing left to send are marked sent.
func (s *OutboxService) CompleteDeliveries(ctx context.Context, results []newsdesk.DeliveryResult) error {
	if err := s.prepare(ctx); err != nil {
		return err
	}
	now := s.db.Clock.Now()
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		editions := map[int64]int{} // of deliveries that failed, to be finished
		sent := map[int64][]int64{} // edition id -> delivery ids
		for _, r := range results {
			if r.EditionID != 0 && r.Status != newsdesk.DeliverySent {
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
			if err := s.markSent(ctx, tx, edition, ids, now); err != nil {
				return err
			}
		}
		return s.finishEditions(ctx, tx, editions, now)
	})
}

// markSent marks deliveries of one edition (0 for transactional mail) sent
// and counts them on the edition.
func (s *OutboxService) markSent(ctx context.Context, tx *sql.Tx, edition int64, ids []int64, now time.Time) error {
	res, err := s.exec(ctx, tx, sentStmt, formatTime(now), jsonIDs(ids))
	if err != nil {
		return fmt.Errorf("mark deliveries sent: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil || edition == 0 {
		return err
	}
	_, err = s.exec(ctx, tx, countSentStmt, n, formatTime(now), edition)
	return err
}

// finishEditions is the package's finishEditions with its statement cached.
func (s *OutboxService) finishEditions(ctx context.Context, tx *sql.Tx, editions map[int64]int, now time.Time) error {
	for id := range editions {
		if _, err := s.exec(ctx, tx, finishEdition, formatTime(now), id); err != nil {
			return fmt.Errorf("finish edition %d: %w", id, err)
		}
	}
	return nil
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
	if r.Status == newsdesk.DeliveryDeferred && r.EditionID != 0 {
		// An edition paused or cancelled meanwhile holds or skips it.
		if err := settleHalted(ctx, tx, r.EditionID, `id = ?2`, r.ID); err != nil {
			return err
		}
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

// finishEdition marks an edition sent when each of its deliveries is
// finished, as its counters tell.
const finishEdition = `UPDATE editions SET status = 'sent', sent_at = ? WHERE id = ? AND status = 'sending'
	AND sent + failed + skipped >= recipients`

// finishEditions marks sent the editions among those given that have no
// delivery left with work to do.
func finishEditions(ctx context.Context, tx *sql.Tx, editions map[int64]int, now time.Time) error {
	for id := range editions {
		_, err := tx.ExecContext(ctx, finishEdition, formatTime(now), id)
		if err != nil {
			return fmt.Errorf("finish edition %d: %w", id, err)
		}
	}
	return nil
}

// ReleaseDeliveries gives back claimed deliveries that were never
// attempted, as at a graceful shutdown or when their edition was paused or
// cancelled: due at once, held while their edition is paused, skipped when
// it was cancelled.
func (s *OutboxService) ReleaseDeliveries(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	now := formatTime(s.db.Clock.Now())
	list := jsonIDs(ids)
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		halted, err := haltedEditions(ctx, tx, `d.id IN (SELECT value FROM json_each(?))`, list)
		if err != nil {
			return err
		}
		for _, id := range halted {
			if err := settleHalted(ctx, tx, id, `status = 'sending' AND id IN (SELECT value FROM json_each(?2))`, list); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE deliveries SET attempts = attempts - 1, due_at = ?,
			status = CASE WHEN attempts > 1 THEN 'deferred' ELSE 'queued' END
			WHERE id IN (SELECT value FROM json_each(?)) AND status = 'sending'`, now, list)
		return err
	})
	if err != nil {
		return fmt.Errorf("release deliveries: %w", err)
	}
	return nil
}

// RecoverDeliveries makes every claimed delivery due now, or holds or skips
// it when its edition is paused or cancelled. Only the one process that
// delivers this outbox calls it, when it starts: claims still held then
// belong to a process that died, and waiting out their lease would only
// delay them.
func (s *OutboxService) RecoverDeliveries(ctx context.Context) (int, error) {
	now := formatTime(s.db.Clock.Now())
	var n int64
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		halted, err := haltedEditions(ctx, tx, `d.status = 'sending' AND d.due_at IS NOT NULL`)
		if err != nil {
			return err
		}
		for _, id := range halted {
			if err := settleHalted(ctx, tx, id, `status = 'sending'`); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE deliveries SET due_at = ? WHERE due_at IS NOT NULL AND status = 'sending'`, now)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("recover deliveries: %w", err)
	}
	return int(n), nil
}

// haltedEditions returns the paused or cancelled editions of the
// deliveries d that where selects.
func haltedEditions(ctx context.Context, tx *sql.Tx, where string, args ...any) ([]int64, error) {
	return queryIDs(ctx, tx, `SELECT DISTINCT e.id FROM deliveries d JOIN editions e ON e.id = d.edition_id
		WHERE e.status IN ('paused', 'cancelled') AND `+where, args...)
}

// settleHalted puts the deliveries of an edition that which selects (in
// terms of ?1, the edition, and the args after it) where a pause or a
// cancel wants them, if the edition is paused or cancelled: held, not
// due, until it is resumed; or skipped. A claimed delivery so given back
// does not count as attempted. Nothing of a paused or cancelled edition is
// left due, so the outbox never spins on what it may not send.
func settleHalted(ctx context.Context, tx *sql.Tx, edition int64, which string, args ...any) error {
	var status string
	if err := tx.QueryRowContext(ctx, `SELECT status FROM editions WHERE id = ?`, edition).Scan(&status); err != nil {
		return fmt.Errorf("edition %d: %w", edition, err)
	}
	which = `status IN ('queued', 'deferred', 'sending') AND (` + which + `)`
	switch newsdesk.EditionStatus(status) {
	case newsdesk.EditionPaused:
		_, err := tx.ExecContext(ctx, `UPDATE deliveries SET due_at = NULL,
			attempts = attempts - (status = 'sending'),
			status = CASE WHEN status != 'sending' THEN status WHEN attempts > 1 THEN 'deferred' ELSE 'queued' END
			WHERE edition_id = ?1 AND `+which, append([]any{edition}, args...)...)
		return err
	case newsdesk.EditionCancelled:
		return skipUnsent(ctx, tx, edition, which, args...)
	}
	return nil
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
