package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/newsdesk/newsdesk"
)

// BounceService stores bounce events and the suppression list, and finds
// the deliveries that bounces are about.
type BounceService struct {
	db    *DB
	stmts stmtCache // the statements each report runs, parsed once
}

// NewBounceService returns a BounceService on db.
func NewBounceService(db *DB) *BounceService {
	return &BounceService{db: db}
}

const deliveryRefColumns = `d.id, d.kind, COALESCE(d.edition_id, 0), d.status, s.id, s.email, s.status`

func scanDeliveryRef(row *sql.Row, what string) (*newsdesk.Delivery, error) {
	d := &newsdesk.Delivery{Subscriber: &newsdesk.Subscriber{}}
	var kind, status, subStatus string
	err := row.Scan(&d.ID, &kind, &d.EditionID, &status, &d.Subscriber.ID, &d.Subscriber.Email, &subStatus)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, newsdesk.Errorf(newsdesk.ENOTFOUND, "no delivery %s", what)
	} else if err != nil {
		return nil, fmt.Errorf("find delivery %s: %w", what, err)
	}
	d.Kind, d.Status = newsdesk.DeliveryKind(kind), newsdesk.DeliveryStatus(status)
	d.Subscriber.Status = newsdesk.SubscriberStatus(subStatus)
	return d, nil
}

// FindDelivery returns delivery id with its subscriber's id, address and
// status, or ENOTFOUND.
func (s *BounceService) FindDelivery(ctx context.Context, id int64) (*newsdesk.Delivery, error) {
	row := s.db.read.QueryRowContext(ctx, `SELECT `+deliveryRefColumns+`
		FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id WHERE d.id = ?`, id)
	return scanDeliveryRef(row, fmt.Sprintf("%d", id))
}

// FindEditionDelivery returns the delivery of an edition to a subscriber,
// or ENOTFOUND.
func (s *BounceService) FindEditionDelivery(ctx context.Context, editionID, subscriberID int64) (*newsdesk.Delivery, error) {
	row := s.db.read.QueryRowContext(ctx, `SELECT `+deliveryRefColumns+`
		FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id WHERE d.edition_id = ? AND d.subscriber_id = ?`,
		editionID, subscriberID)
	return scanDeliveryRef(row, fmt.Sprintf("of edition %d to subscriber %d", editionID, subscriberID))
}

// FindLatestDelivery returns the newest delivery that was sent to an
// address, or ENOTFOUND: an address never mailed has no bounce to match.
func (s *BounceService) FindLatestDelivery(ctx context.Context, email string) (*newsdesk.Delivery, error) {
	row := s.db.read.QueryRowContext(ctx, `SELECT `+deliveryRefColumns+`
		FROM subscribers s JOIN deliveries d ON d.subscriber_id = s.id
		WHERE s.email = ? AND d.status IN ('sent', 'failed') ORDER BY d.id DESC LIMIT 1`, strings.ToLower(email))
	return scanDeliveryRef(row, "to "+email)
}

// RecordBounce records ev and applies it in the same transaction: a hard
// bounce marks its subscriber bounced; a soft one does when rule's limit
// of soft bounces since rule.SoftSince is reached; a complaint ends every
// subscription and puts the address on the suppression list. An event
// whose key was recorded before changes nothing and comes back Duplicate.
func (s *BounceService) RecordBounce(ctx context.Context, ev *newsdesk.BounceEvent, rule newsdesk.BounceRule) (newsdesk.BounceOutcome, error) {
	var out newsdesk.BounceOutcome
	if !ev.Type.Valid() || !ev.Source.Valid() || ev.Key == "" {
		return out, newsdesk.Errorf(newsdesk.EINVALID, "bounce event: type %q, source %q, key %q", ev.Type, ev.Source, ev.Key)
	}
	if ev.ReceivedAt.IsZero() {
		ev.ReceivedAt = s.db.Clock.Now()
	}
	if err := s.stmts.prepare(ctx, s.db.write, insertBounceSQL, countSoftSQL, markBouncedSQL); err != nil {
		return out, err
	}
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		out = newsdesk.BounceOutcome{}
		id, err := s.insertBounce(ctx, tx, ev)
		if errors.Is(err, sql.ErrNoRows) {
			out.Duplicate = true
			return nil
		} else if err != nil {
			return err
		}
		ev.ID = id
		if ev.SubscriberID == 0 {
			return nil
		}
		return s.applyBounce(ctx, tx, ev, rule, &out)
	})
	return out, err
}

const (
	insertBounceSQL = `INSERT INTO bounces (key, type, status, diagnostic, source, recipient,
			original_message_id, report_id, matched_by, delivery_id, edition_id, subscriber_id, raw, received_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING RETURNING id`
	countSoftSQL = `SELECT COUNT(*) FROM bounces WHERE subscriber_id = ? AND type = 'soft'
		AND received_at >= ?`
	markBouncedSQL = `UPDATE subscribers SET status = 'bounced', updated_at = ?
		WHERE id = ? AND status IN ('pending', 'confirmed')`
)

// row runs a cached statement that returns one row in tx.
func (s *BounceService) row(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	if st := s.stmts.get(query); st != nil {
		return tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, query, args...)
}

func (s *BounceService) insertBounce(ctx context.Context, tx *sql.Tx, ev *newsdesk.BounceEvent) (int64, error) {
	var id int64
	err := s.row(ctx, tx, insertBounceSQL,
		ev.Key, string(ev.Type), ev.Status, ev.Diagnostic, string(ev.Source), ev.Recipient, ev.OriginalMessageID,
		ev.ReportID, string(ev.MatchedBy), nullID(ev.DeliveryID), nullID(ev.EditionID), nullID(ev.SubscriberID),
		nullBytes(ev.Raw), formatTime(ev.ReceivedAt)).Scan(&id)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("record bounce: %w", err)
	}
	return id, err
}

func (s *BounceService) applyBounce(ctx context.Context, tx *sql.Tx, ev *newsdesk.BounceEvent, rule newsdesk.BounceRule, out *newsdesk.BounceOutcome) error {
	now := formatTime(ev.ReceivedAt)
	switch ev.Type {
	case newsdesk.BounceSoft:
		var n int
		err := s.row(ctx, tx, countSoftSQL, ev.SubscriberID, formatTime(rule.SoftSince)).Scan(&n)
		if err != nil {
			return fmt.Errorf("count soft bounces: %w", err)
		}
		if n < max(rule.SoftLimit, 1) {
			return nil
		}
		fallthrough
	case newsdesk.BounceHard:
		res, err := s.stmts.exec(ctx, tx, markBouncedSQL, now, ev.SubscriberID)
		if err != nil {
			return fmt.Errorf("mark subscriber bounced: %w", err)
		}
		n, _ := res.RowsAffected()
		out.Bounced = n == 1
	case newsdesk.BounceComplaint:
		return suppress(ctx, tx, ev, out)
	}
	return nil
}

// suppress ends every subscription of a complaint's subscriber and puts
// the address on the suppression list.
func suppress(ctx context.Context, tx *sql.Tx, ev *newsdesk.BounceEvent, out *newsdesk.BounceOutcome) error {
	now := formatTime(ev.ReceivedAt)
	if _, err := tx.ExecContext(ctx, `DELETE FROM subscriptions WHERE subscriber_id = ?`, ev.SubscriberID); err != nil {
		return fmt.Errorf("unsubscribe after complaint: %w", err)
	}
	_, err := tx.ExecContext(ctx, `UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = ?, updated_at = ?
		WHERE id = ? AND status IN ('pending', 'confirmed')`, now, now, ev.SubscriberID)
	if err != nil {
		return fmt.Errorf("unsubscribe after complaint: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO suppressions (email, reason, bounce_id, created_at)
		SELECT email, 'complaint', ?, ? FROM subscribers WHERE id = ? ON CONFLICT (email) DO NOTHING`,
		ev.ID, now, ev.SubscriberID)
	if err != nil {
		return fmt.Errorf("suppress address: %w", err)
	}
	out.Unsubscribed = true
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

const bounceColumns = `b.id, b.key, b.type, b.status, b.diagnostic, b.source, b.recipient, b.original_message_id,
	b.report_id, b.matched_by, COALESCE(b.delivery_id, 0), COALESCE(b.edition_id, 0), COALESCE(b.subscriber_id, 0),
	b.received_at`

func scanBounce(row interface{ Scan(...any) error }, raw *[]byte) (*newsdesk.BounceEvent, error) {
	ev := &newsdesk.BounceEvent{}
	var typ, source, matched, received string
	dest := []any{&ev.ID, &ev.Key, &typ, &ev.Status, &ev.Diagnostic, &source, &ev.Recipient, &ev.OriginalMessageID,
		&ev.ReportID, &matched, &ev.DeliveryID, &ev.EditionID, &ev.SubscriberID, &received}
	if raw != nil {
		dest = append(dest, raw)
	}
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	ev.Type, ev.Source, ev.MatchedBy = newsdesk.BounceType(typ), newsdesk.BounceSource(source), newsdesk.BounceMatch(matched)
	var err error
	ev.ReceivedAt, err = parseTime(received)
	return ev, err
}

// FindBounceByID returns one event with its raw report (nil once pruned),
// or ENOTFOUND.
func (s *BounceService) FindBounceByID(ctx context.Context, id int64) (*newsdesk.BounceEvent, error) {
	var raw []byte
	ev, err := scanBounce(s.db.read.QueryRowContext(ctx, `SELECT `+bounceColumns+`, b.raw FROM bounces b WHERE b.id = ?`, id), &raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, newsdesk.Errorf(newsdesk.ENOTFOUND, "bounce %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("find bounce %d: %w", id, err)
	}
	ev.Raw = raw
	return ev, nil
}

// FindBounces returns one page of events, newest first, without their
// raw reports.
func (s *BounceService) FindBounces(ctx context.Context, f newsdesk.BounceFilter) ([]*newsdesk.BounceEvent, error) {
	var where []string
	var args []any
	add := func(cond string, arg any) { where, args = append(where, cond), append(args, arg) }
	if f.SubscriberID != 0 {
		add("b.subscriber_id = ?", f.SubscriberID)
	}
	if f.EditionID != 0 {
		add("b.edition_id = ?", f.EditionID)
	}
	if f.Type != "" {
		add("b.type = ?", string(f.Type))
	}
	if f.BeforeID != 0 {
		add("b.id < ?", f.BeforeID)
	}
	q := `SELECT ` + bounceColumns + ` FROM bounces b`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	rows, err := s.db.read.QueryContext(ctx, q+` ORDER BY b.id DESC LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("find bounces: %w", err)
	}
	defer rows.Close()
	var out []*newsdesk.BounceEvent
	for rows.Next() {
		ev, err := scanBounce(rows, nil)
		if err != nil {
			return nil, fmt.Errorf("find bounces: %w", err)
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// EditionBounceCounts counts the hard bounces, soft bounces and
// complaints recorded against an edition.
func (s *BounceService) EditionBounceCounts(ctx context.Context, editionID int64) (newsdesk.BounceCounts, error) {
	var c newsdesk.BounceCounts
	err := s.db.read.QueryRowContext(ctx, `SELECT
			COALESCE(SUM(type = 'hard'), 0), COALESCE(SUM(type = 'soft'), 0), COALESCE(SUM(type = 'complaint'), 0)
		FROM bounces WHERE edition_id = ?`, editionID).Scan(&c.Bounced, &c.Soft, &c.Complaints)
	if err != nil {
		return c, fmt.Errorf("count bounces of edition %d: %w", editionID, err)
	}
	return c, nil
}

// PruneBounceRaw drops the raw reports of events received before t and
// returns how many it dropped.
func (s *BounceService) PruneBounceRaw(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.db.write.ExecContext(ctx, `UPDATE bounces SET raw = NULL WHERE raw IS NOT NULL AND received_at < ?`,
		formatTime(before))
	if err != nil {
		return 0, fmt.Errorf("prune raw bounces: %w", err)
	}
	return res.RowsAffected()
}

// Suppressed reports whether an address is on the suppression list.
func (s *BounceService) Suppressed(ctx context.Context, email string) (bool, error) {
	return suppressed(ctx, s.db.read, email)
}

func suppressed(ctx context.Context, q queryer, email string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM suppressions WHERE email = ?`, strings.ToLower(email)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("check suppression of %s: %w", email, err)
	}
	return n > 0, nil
}

// suppressedSet reads the whole suppression list, which complaints keep
// small, for checking an import row by row.
func suppressedSet(ctx context.Context, q queryer) (map[string]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT email FROM suppressions`)
	if err != nil {
		return nil, fmt.Errorf("read suppression list: %w", err)
	}
	defer rows.Close()
	set := map[string]bool{}
	for rows.Next() {
		var email string
		if err := rows.Scan(&email); err != nil {
			return nil, fmt.Errorf("read suppression list: %w", err)
		}
		set[email] = true
	}
	return set, rows.Err()
}

func errSuppressed(email string) error {
	return newsdesk.Errorf(newsdesk.ECONFLICT,
		"%s is on the suppression list after a spam complaint; only a new subscription the person confirms brings it back", email)
}

// refuseSuppressed refuses to subscribe a suppressed address without a
// confirmation: an editor's or the API's "confirmed" cannot bring back
// someone who complained. A request that asks for confirmation goes on,
// and confirming it lifts the suppression.
func refuseSuppressed(ctx context.Context, q queryer, req newsdesk.SubscribeRequest) error {
	if !req.Confirmed {
		return nil
	}
	if ok, err := suppressed(ctx, q, req.Email); err != nil || !ok {
		return err
	}
	return errSuppressed(req.Email)
}

// liftSuppression takes a subscriber who confirmed a new subscription off
// the suppression list.
func liftSuppression(ctx context.Context, tx *sql.Tx, subscriberID int64) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM suppressions WHERE email = (SELECT email FROM subscribers WHERE id = ?)`, subscriberID)
	if err != nil {
		return fmt.Errorf("lift suppression: %w", err)
	}
	return nil
}
