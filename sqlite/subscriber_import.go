package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/newsdesk/newsdesk"
)

// ImportSubscribers adds or merges rows in batches. A row that is not valid
// (bad address, unknown newsletter or topic, unknown status) is refused
// with an error naming its line, and the others are kept. Merging never
// brings back someone who unsubscribed or bounced, and never downgrades a
// confirmed subscriber.
func (s *SubscriberService) ImportSubscribers(ctx context.Context, rows []*newsdesk.SubscriberImport, defaultStatus newsdesk.SubscriberStatus) (int, []error, error) {
	if !defaultStatus.Valid() {
		return 0, nil, newsdesk.Errorf(newsdesk.EINVALID, "import status %q is not valid", defaultStatus)
	}
	nls, err := slugMap(ctx, s.db.read, "newsletters")
	if err != nil {
		return 0, nil, err
	}
	cats, err := slugMap(ctx, s.db.read, "categories")
	if err != nil {
		return 0, nil, err
	}
	suppressed, err := suppressedSet(ctx, s.db.read)
	if err != nil {
		return 0, nil, err
	}
	var good []*importRow
	var bad []error
	for _, r := range rows {
		row, err := prepareImport(r, defaultStatus, nls, cats)
		if err == nil && suppressed[row.Email] && (row.Status == newsdesk.SubscriberPending || row.Status == newsdesk.SubscriberConfirmed) {
			err = errSuppressed(row.Email)
		}
		if err != nil {
			bad = append(bad, fmt.Errorf("line %d: %w", r.Line, err))
			continue
		}
		good = append(good, row)
	}
	now := s.db.Clock.Now()
	for start := 0; start < len(good); start += importBatch {
		batch := good[start:min(start+importBatch, len(good))]
		if err := s.db.withTx(ctx, func(tx *sql.Tx) error { return importRows(ctx, tx, batch, now) }); err != nil {
			return start, bad, err
		}
	}
	return len(good), bad, nil
}

// importRow is a checked import row with its slugs resolved.
type importRow struct {
	*newsdesk.SubscriberImport
	newsletters, topics []int64
}

func slugMap(ctx context.Context, q queryer, table string) (map[string]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT slug, id FROM `+table)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", table, err)
	}
	defer rows.Close()
	m := map[string]int64{}
	for rows.Next() {
		var slug string
		var id int64
		if err := rows.Scan(&slug, &id); err != nil {
			return nil, err
		}
		m[slug] = id
	}
	return m, rows.Err()
}

func prepareImport(r *newsdesk.SubscriberImport, def newsdesk.SubscriberStatus, nls, cats map[string]int64) (*importRow, error) {
	email, err := newsdesk.NormalizeEmail(r.Email)
	if err != nil {
		return nil, err
	}
	r.Email, r.Name = email, strings.TrimSpace(r.Name)
	if r.Status == "" {
		r.Status = def
	}
	switch {
	case !r.Status.Valid():
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "status %q is not valid", r.Status)
	case !newsdesk.HeaderSafe(r.Name) || len(r.Name) > 200:
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "name must be one line of at most 200 characters")
	case !newsdesk.ValidTimeZone(r.TimeZone):
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "time zone %q is not known", r.TimeZone)
	}
	row := &importRow{SubscriberImport: r}
	for _, slug := range r.Newsletters {
		id, ok := nls[slug]
		if !ok {
			return nil, newsdesk.Errorf(newsdesk.EINVALID, "newsletter %q does not exist", slug)
		}
		row.newsletters = append(row.newsletters, id)
	}
	for _, slug := range r.Topics {
		id, ok := cats[slug]
		if !ok {
			return nil, newsdesk.Errorf(newsdesk.EINVALID, "topic %q does not exist", slug)
		}
		row.topics = append(row.topics, id)
	}
	return row, nil
}

// importRows stores a batch of checked rows. Its two statements are
// prepared once for the batch: parsing them for every row would take more
// time than running them.
func importRows(ctx context.Context, tx *sql.Tx, rows []*importRow, now time.Time) error {
	sub, err := tx.PrepareContext(ctx, mergeSubscriberSQL)
	if err != nil {
		return err
	}
	defer sub.Close()
	subscription, err := tx.PrepareContext(ctx, mergeSubscriptionSQL)
	if err != nil {
		return err
	}
	defer subscription.Close()
	for _, r := range rows {
		id, status, err := mergeSubscriber(ctx, sub, r.SubscriberImport, now)
		if err != nil {
			return fmt.Errorf("line %d: %w", r.Line, err)
		}
		confirmed := status == newsdesk.SubscriberConfirmed && r.Status == newsdesk.SubscriberConfirmed
		for _, nl := range r.newsletters {
			if err := mergeSubscription(ctx, tx, subscription, id, nl, confirmed, r.topics, now); err != nil {
				return fmt.Errorf("line %d: %w", r.Line, err)
			}
		}
	}
	return nil
}

// mergeSubscriberSQL inserts the subscriber of a row or merges it into the
// one with the same address: a status only moves forward (to confirmed, or
// to having left), never back from unsubscribed or bounced.
const mergeSubscriberSQL = `INSERT INTO subscribers (email, name, status, timezone, created_at, updated_at,
		confirmed_at, unsubscribed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (email) DO UPDATE SET
		status = CASE WHEN subscribers.status IN ('unsubscribed', 'bounced') THEN subscribers.status
			WHEN excluded.status IN ('unsubscribed', 'bounced', 'confirmed') THEN excluded.status
			ELSE subscribers.status END,
		name = CASE WHEN subscribers.name = '' THEN excluded.name ELSE subscribers.name END,
		timezone = CASE WHEN excluded.timezone != '' THEN excluded.timezone ELSE subscribers.timezone END,
		confirmed_at = COALESCE(subscribers.confirmed_at, excluded.confirmed_at),
		unsubscribed_at = COALESCE(subscribers.unsubscribed_at, excluded.unsubscribed_at),
		updated_at = excluded.updated_at
	RETURNING id, status`

const mergeSubscriptionSQL = `INSERT INTO subscriptions (newsletter_id, subscriber_id, status, created_at)
	VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET
		status = CASE WHEN excluded.status = 'confirmed' THEN 'confirmed' ELSE subscriptions.status END`

// mergeSubscriber runs mergeSubscriberSQL for a row and returns the id and
// resulting status.
func mergeSubscriber(ctx context.Context, stmt *sql.Stmt, r *newsdesk.SubscriberImport, now time.Time) (int64, newsdesk.SubscriberStatus, error) {
	var confirmedAt, unsubscribedAt any
	consented := now // the export's consent time is kept: it is the proof of opt-in
	if !r.ConsentedAt.IsZero() && r.ConsentedAt.Before(now) {
		consented = r.ConsentedAt
	}
	switch r.Status {
	case newsdesk.SubscriberConfirmed:
		confirmedAt = formatTime(consented)
	case newsdesk.SubscriberUnsubscribed:
		unsubscribedAt = formatTime(now)
	}
	var id int64
	var status string
	err := stmt.QueryRowContext(ctx, r.Email, r.Name, string(r.Status), r.TimeZone, formatTime(consented), formatTime(now),
		confirmedAt, unsubscribedAt).Scan(&id, &status)
	if err != nil {
		return 0, "", fmt.Errorf("save subscriber %s: %w", r.Email, err)
	}
	return id, newsdesk.SubscriberStatus(status), nil
}

func mergeSubscription(ctx context.Context, tx *sql.Tx, stmt *sql.Stmt, subID, nl int64, confirmed bool, topics []int64, now time.Time) error {
	status := newsdesk.SubscriptionPending
	if confirmed {
		status = newsdesk.SubscriptionConfirmed
	}
	if _, err := stmt.ExecContext(ctx, nl, subID, string(status), formatTime(now)); err != nil {
		return fmt.Errorf("save subscription: %w", err)
	}
	if len(topics) == 0 {
		return nil
	}
	return setTopics(ctx, tx, subID, nl, topics)
}
