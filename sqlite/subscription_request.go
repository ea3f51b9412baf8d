package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/newsdesk/newsdesk"
)

// requestConfirmation stores a request to subscribe and queues its
// confirmation email, superseding the requests still open before it, and
// reports whether it did. It does neither when a confirmation was queued
// for the subscriber lately (see confirmInterval): the link already
// mailed keeps working for what it was sent for.
func requestConfirmation(ctx context.Context, tx *sql.Tx, subID int64, req newsdesk.SubscribeRequest, nls, topics []int64, now time.Time) (bool, error) {
	var recent int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM deliveries WHERE subscriber_id = ? AND kind = 'confirm'
		AND created_at > ?`, subID, formatTime(now.Add(-confirmInterval))).Scan(&recent)
	if err != nil || recent > 0 {
		return false, err
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO subscription_requests (subscriber_id, newsletters, topics, name, timezone, created_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, subID, jsonIDs(nls), jsonIDs(topics), req.Name, req.TimeZone, formatTime(now)).Scan(&id)
	if err != nil {
		return false, fmt.Errorf("save subscription request: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE subscription_requests SET superseded_at = ?
		WHERE subscriber_id = ? AND id != ? AND used_at IS NULL AND superseded_at IS NULL`, formatTime(now), subID, id); err != nil {
		return false, fmt.Errorf("supersede subscription requests: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO deliveries (kind, subscriber_id, request_id, status, priority, due_at, created_at)
		VALUES ('confirm', ?, ?, 'queued', ?, ?, ?)`, subID, id, priorityTransactional, formatTime(now), formatTime(now))
	if err != nil {
		return false, fmt.Errorf("queue confirmation: %w", err)
	}
	return true, nil
}

// FindSubscriptionRequest returns a request to subscribe with the
// newsletters and topics it asked for that still exist, or ENOTFOUND.
func (s *SubscriberService) FindSubscriptionRequest(ctx context.Context, id int64) (*newsdesk.SubscriptionRequest, error) {
	return findRequest(ctx, s.db.read, id)
}

func findRequest(ctx context.Context, q queryer, id int64) (*newsdesk.SubscriptionRequest, error) {
	r := &newsdesk.SubscriptionRequest{ID: id}
	var created, used, superseded string
	err := q.QueryRowContext(ctx, `SELECT subscriber_id, name, timezone, created_at, COALESCE(used_at, ''), COALESCE(superseded_at, '')
		FROM subscription_requests WHERE id = ?`, id).Scan(&r.SubscriberID, &r.Name, &r.TimeZone, &created, &used, &superseded)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, newsdesk.Errorf(newsdesk.ENOTFOUND, "subscription request %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("find subscription request: %w", err)
	}
	for _, t := range []struct {
		dst *time.Time
		src string
	}{{&r.CreatedAt, created}, {&r.UsedAt, used}, {&r.SupersededAt, superseded}} {
		if t.src == "" {
			continue
		}
		if *t.dst, err = parseTime(t.src); err != nil {
			return nil, err
		}
	}
	rows, err := q.QueryContext(ctx, `SELECT `+newsletterColumns+` FROM newsletters n
		WHERE n.id IN (SELECT value FROM json_each((SELECT newsletters FROM subscription_requests WHERE id = ?))) ORDER BY n.slug`, id)
	if err != nil {
		return nil, fmt.Errorf("find subscription request: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		n, err := scanNewsletter(rows)
		if err != nil {
			return nil, err
		}
		r.Newsletters = append(r.Newsletters, n)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	r.Topics, err = queryStrings(ctx, q, `SELECT c.slug FROM categories c
		WHERE c.id IN (SELECT value FROM json_each((SELECT topics FROM subscription_requests WHERE id = ?))) ORDER BY c.slug`, id)
	return r, err
}

// queryStrings reads a column of text.
func queryStrings(ctx context.Context, q queryer, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// ConfirmRequest applies a request to subscribe, as following the link
// mailed for it does: its newsletters are confirmed with its topics, the
// subscriber is confirmed (whatever their status was), given the time
// zone the request gave and its name when they had none. A request used
// or superseded already changes nothing and is an ECONFLICT error that
// says which.
func (s *SubscriberService) ConfirmRequest(ctx context.Context, id int64) (*newsdesk.Subscriber, error) {
	now := s.db.Clock.Now()
	var sub *newsdesk.Subscriber
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		r, err := findRequest(ctx, tx, id)
		if err != nil {
			return err
		}
		switch {
		case !r.UsedAt.IsZero():
			return newsdesk.Errorf(newsdesk.ECONFLICT, "This subscription is confirmed already.")
		case !r.SupersededAt.IsZero():
			return newsdesk.Errorf(newsdesk.ECONFLICT, "A newer request replaced this one. Please use the link in your most recent email.")
		case len(r.Newsletters) == 0:
			return newsdesk.Errorf(newsdesk.EINVALID, "The newsletters of this request no longer exist.")
		}
		var nls []int64
		for _, n := range r.Newsletters {
			nls = append(nls, n.ID)
		}
		cats, err := idsBySlug(ctx, tx, "categories", "topic", r.Topics)
		if err != nil {
			return err
		}
		if _, err := addSubscriptions(ctx, tx, r.SubscriberID, nls, cats, true, now); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE subscribers SET status = 'confirmed', updated_at = ?1,
			confirmed_at = COALESCE(confirmed_at, ?1), unsubscribed_at = NULL,
			name = CASE WHEN name = '' THEN ?2 ELSE name END,
			timezone = CASE WHEN ?3 != '' THEN ?3 ELSE timezone END WHERE id = ?4`,
			formatTime(now), r.Name, r.TimeZone, r.SubscriberID)
		if err != nil {
			return fmt.Errorf("confirm subscriber: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE subscription_requests SET used_at = ? WHERE id = ?`, formatTime(now), id); err != nil {
			return fmt.Errorf("confirm subscription request: %w", err)
		}
		if err := liftSuppression(ctx, tx, r.SubscriberID); err != nil {
			return err
		}
		sub, err = findSubscriber(ctx, tx, `s.id = ?`, r.SubscriberID)
		return err
	})
	return sub, err
}
