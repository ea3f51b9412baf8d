package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/newsdesk/newsdesk"
)

// Ensure the service implements the interface.
var _ newsdesk.SubscriberService = (*SubscriberService)(nil)

// SubscriberService stores subscribers, their subscriptions and topics.
type SubscriberService struct {
	db *DB
}

// NewSubscriberService returns a service on db.
func NewSubscriberService(db *DB) *SubscriberService {
	return &SubscriberService{db: db}
}

// importBatch is how many rows an import writes per transaction: large
// enough to be fast, small enough not to hold the writer for long.
const importBatch = 500

const subscriberColumns = `s.id, s.email, s.name, s.status, s.timezone, s.created_at, s.updated_at,
	COALESCE(s.confirmed_at, ''), COALESCE(s.unsubscribed_at, ''), s.link_key, s.legacy_links`

func scanSubscriber(row interface{ Scan(...any) error }) (*newsdesk.Subscriber, error) {
	s := &newsdesk.Subscriber{}
	var status, created, updated, confirmed, unsubscribed string
	if err := row.Scan(&s.ID, &s.Email, &s.Name, &status, &s.TimeZone, &created, &updated, &confirmed, &unsubscribed,
		&s.LinkKey, &s.LegacyLinks); err != nil {
		return nil, err
	}
	s.Status = newsdesk.SubscriberStatus(status)
	times := []struct {
		dst *time.Time
		src string
	}{{&s.CreatedAt, created}, {&s.UpdatedAt, updated}, {&s.ConfirmedAt, confirmed}, {&s.UnsubscribedAt, unsubscribed}}
	for _, t := range times {
		if t.src == "" {
			continue
		}
		v, err := parseTime(t.src)
		if err != nil {
			return nil, err
		}
		*t.dst = v
	}
	return s, nil
}

// FindSubscriberByID returns the subscriber with subscriptions, or ENOTFOUND.
func (s *SubscriberService) FindSubscriberByID(ctx context.Context, id int64) (*newsdesk.Subscriber, error) {
	return findSubscriber(ctx, s.db.read, `s.id = ?`, id)
}

// FindSubscriberByEmail returns the subscriber with the (normalised)
// address, or ENOTFOUND.
func (s *SubscriberService) FindSubscriberByEmail(ctx context.Context, email string) (*newsdesk.Subscriber, error) {
	e, err := newsdesk.NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	return findSubscriber(ctx, s.db.read, `s.email = ?`, e)
}

func findSubscriber(ctx context.Context, q queryer, where string, arg any) (*newsdesk.Subscriber, error) {
	sub, err := scanSubscriber(q.QueryRowContext(ctx, `SELECT `+subscriberColumns+` FROM subscribers s WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, newsdesk.Errorf(newsdesk.ENOTFOUND, "subscriber %v not found", arg)
	} else if err != nil {
		return nil, fmt.Errorf("find subscriber: %w", err)
	}
	return sub, attachSubscriptions(ctx, q, []*newsdesk.Subscriber{sub})
}

// FindSubscribers returns one page of subscribers in id order, after
// f.AfterID, with their subscriptions.
func (s *SubscriberService) FindSubscribers(ctx context.Context, f newsdesk.SubscriberFilter) ([]*newsdesk.Subscriber, error) {
	where, args := []string{"s.id > ?"}, []any{f.AfterID}
	if f.Status != nil {
		where, args = append(where, "s.status = ?"), append(args, string(*f.Status))
	}
	if f.Newsletter != nil {
		where = append(where, `s.id IN (SELECT x.subscriber_id FROM subscriptions x
			JOIN newsletters n ON n.id = x.newsletter_id WHERE n.slug = ?)`)
		args = append(args, *f.Newsletter)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		// LIKE ignores the case of ASCII letters, as addresses need.
		like := "%" + escapeLike(q) + "%"
		where, args = append(where, `(s.email LIKE ? ESCAPE '\' OR s.name LIKE ? ESCAPE '\')`), append(args, like, like)
	}
	limit := f.Limit
	if limit <= 0 || limit > 10000 {
		limit = 1000
	}
	rows, err := s.db.read.QueryContext(ctx, `SELECT `+subscriberColumns+` FROM subscribers s WHERE `+
		strings.Join(where, " AND ")+` ORDER BY s.id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("find subscribers: %w", err)
	}
	defer rows.Close()
	var subs []*newsdesk.Subscriber
	for rows.Next() {
		sub, err := scanSubscriber(rows)
		if err != nil {
			return nil, err
		}
		subs = append(subs, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return subs, attachSubscriptions(ctx, s.db.read, subs)
}

// attachSubscriptions loads the subscriptions of all subscribers in one query.
func attachSubscriptions(ctx context.Context, q queryer, subs []*newsdesk.Subscriber) error {
	if len(subs) == 0 {
		return nil
	}
	byID := make(map[int64]*newsdesk.Subscriber, len(subs))
	ids := make([]any, len(subs))
	for i, sub := range subs {
		byID[sub.ID], ids[i] = sub, sub.ID
	}
	rows, err := q.QueryContext(ctx, `SELECT x.subscriber_id, x.status, x.created_at, `+newsletterColumns+`,
		COALESCE((SELECT group_concat(c.slug) FROM subscription_topics t JOIN categories c ON c.id = t.category_id
			WHERE t.newsletter_id = x.newsletter_id AND t.subscriber_id = x.subscriber_id), '')
		FROM subscriptions x JOIN newsletters n ON n.id = x.newsletter_id
		WHERE x.subscriber_id IN (`+placeholders(len(ids))+`) ORDER BY x.subscriber_id, n.slug`, ids...)
	if err != nil {
		return fmt.Errorf("find subscriptions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var subID int64
		var status, created, topics string
		n, err := scanNewsletter(scanFunc(func(dest ...any) error {
			return rows.Scan(append([]any{&subID, &status, &created}, append(dest, &topics)...)...)
		}))
		if err != nil {
			return err
		}
		x := &newsdesk.Subscription{Newsletter: n, Status: newsdesk.SubscriptionStatus(status)}
		if x.CreatedAt, err = parseTime(created); err != nil {
			return err
		}
		if topics != "" {
			x.Topics = strings.Split(topics, ",")
			slices.Sort(x.Topics)
		}
		byID[subID].Subscriptions = append(byID[subID].Subscriptions, x)
	}
	return rows.Err()
}

// Subscribe records a request to receive newsletters. An editor's request
// marked confirmed is applied at once. Any other request changes nothing
// about a subscriber already known: a new address becomes a pending
// subscriber with nothing but the address, the newsletters asked for are
// added as pending subscriptions, and the request (with the name and time
// zone it gave) is held until the link in the confirmation email queued
// for it is followed. A request for nothing more than a subscriber has
// confirmed already is not stored, and asks for no email.
func (s *SubscriberService) Subscribe(ctx context.Context, req newsdesk.SubscribeRequest) (*newsdesk.Subscriber, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	now := s.db.Clock.Now()
	var sub *newsdesk.Subscriber
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		nls, topics, err := resolveChoices(ctx, tx, req.Newsletters, req.Topics)
		if err != nil {
			return err
		}
		if err := refuseSuppressed(ctx, tx, req); err != nil {
			return err
		}
		var id int64
		if req.Confirmed {
			id, err = upsertConfirmed(ctx, tx, req, nls, topics, now)
		} else {
			id, err = holdRequest(ctx, tx, req, nls, topics, now)
		}
		if err != nil {
			return err
		}
		sub, err = findSubscriber(ctx, tx, `s.id = ?`, id)
		return err
	})
	return sub, err
}

// upsertConfirmed creates or updates the subscriber of an editor's
// confirmed request, with its subscriptions, and returns the id.
func upsertConfirmed(ctx context.Context, tx *sql.Tx, req newsdesk.SubscribeRequest, nls, topics []int64, now time.Time) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO subscribers (email, name, status, timezone, created_at, updated_at, confirmed_at)
		VALUES (?, ?, 'confirmed', ?, ?, ?, ?)
		ON CONFLICT (email) DO UPDATE SET status = 'confirmed',
			name = CASE WHEN subscribers.name = '' THEN excluded.name ELSE subscribers.name END,
			timezone = CASE WHEN excluded.timezone != '' THEN excluded.timezone ELSE subscribers.timezone END,
			confirmed_at = excluded.confirmed_at, updated_at = excluded.updated_at
		RETURNING id`, req.Email, req.Name, req.TimeZone, formatTime(now), formatTime(now), formatTime(now)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("save subscriber: %w", err)
	}
	_, err = addSubscriptions(ctx, tx, id, nls, topics, true, now)
	return id, err
}

// holdRequest records a request that waits for confirmation, and returns
// the subscriber's id.
func holdRequest(ctx context.Context, tx *sql.Tx, req newsdesk.SubscribeRequest, nls, topics []int64, now time.Time) (int64, error) {
	var id int64
	var status string
	_, err := tx.ExecContext(ctx, `INSERT INTO subscribers (email, status, created_at, updated_at)
		VALUES (?, 'pending', ?, ?) ON CONFLICT (email) DO NOTHING`, req.Email, formatTime(now), formatTime(now))
	if err == nil {
		err = tx.QueryRowContext(ctx, `SELECT id, status FROM subscribers WHERE email = ?`, req.Email).Scan(&id, &status)
	}
	if err != nil {
		return 0, fmt.Errorf("save subscriber: %w", err)
	}
	pending, err := addSubscriptions(ctx, tx, id, nls, topics, false, now)
	if err != nil {
		return 0, err
	}
	if pending == 0 && status == string(newsdesk.SubscriberConfirmed) {
		return id, nil // nothing to confirm
	}
	_, err = requestConfirmation(ctx, tx, id, req, nls, topics, now)
	return id, err
}

// addSubscriptions adds the newsletters to a subscriber, confirmed or
// pending, and returns how many are left pending. Confirmed ones get the
// topics given; pending ones only when they are new, so that a request
// waiting for confirmation changes nothing already there.
func addSubscriptions(ctx context.Context, tx *sql.Tx, subID int64, nls, topics []int64, confirmed bool, now time.Time) (int, error) {
	pending := 0
	for _, nl := range nls {
		var got string
		err := tx.QueryRowContext(ctx, `SELECT status FROM subscriptions WHERE newsletter_id = ? AND subscriber_id = ?`,
			nl, subID).Scan(&got)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("find subscription: %w", err)
		}
		switch {
		case confirmed:
			_, err = tx.ExecContext(ctx, `INSERT INTO subscriptions (newsletter_id, subscriber_id, status, created_at)
				VALUES (?, ?, 'confirmed', ?) ON CONFLICT DO UPDATE SET status = 'confirmed'`, nl, subID, formatTime(now))
		case got == "":
			pending++
			_, err = tx.ExecContext(ctx, `INSERT INTO subscriptions (newsletter_id, subscriber_id, status, created_at)
				VALUES (?, ?, 'pending', ?)`, nl, subID, formatTime(now))
		case got == string(newsdesk.SubscriptionPending):
			pending++
			continue
		default:
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("save subscription: %w", err)
		}
		if err := setTopics(ctx, tx, subID, nl, topics); err != nil {
			return 0, err
		}
	}
	return pending, nil
}

// setTopics replaces the topics of one subscription.
func setTopics(ctx context.Context, tx *sql.Tx, subID, nl int64, topics []int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM subscription_topics WHERE newsletter_id = ? AND subscriber_id = ?`, nl, subID); err != nil {
		return fmt.Errorf("save topics: %w", err)
	}
	for _, c := range topics {
		if _, err := tx.ExecContext(ctx, `INSERT INTO subscription_topics (newsletter_id, subscriber_id, category_id)
			VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, nl, subID, c); err != nil {
			return fmt.Errorf("save topics: %w", err)
		}
	}
	return nil
}

// resolveChoices turns newsletter and topic slugs into ids; an unknown slug
// is an EINVALID error naming it.
func resolveChoices(ctx context.Context, q queryer, newsletters, topics []string) (nls, cats []int64, err error) {
	if nls, err = idsBySlug(ctx, q, "newsletters", "newsletter", newsletters); err != nil {
		return nil, nil, err
	}
	cats, err = idsBySlug(ctx, q, "categories", "topic", topics)
	return nls, cats, err
}

func idsBySlug(ctx context.Context, q queryer, table, what string, slugs []string) ([]int64, error) {
	ids := make([]int64, 0, len(slugs))
	for _, slug := range slugs {
		var id int64
		err := q.QueryRowContext(ctx, `SELECT id FROM `+table+` WHERE slug = ?`, slug).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, newsdesk.Errorf(newsdesk.EINVALID, "%s %q does not exist", what, slug)
		} else if err != nil {
			return nil, fmt.Errorf("find %s %q: %w", what, slug, err)
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// ConfirmSubscriber confirms a subscriber and every subscription waiting
// for it, as an editor may; the requests waiting count as used. Someone
// who has left every newsletter since has nothing to confirm.
func (s *SubscriberService) ConfirmSubscriber(ctx context.Context, id int64) (*newsdesk.Subscriber, error) {
	now := formatTime(s.db.Clock.Now())
	var sub *newsdesk.Subscriber
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE subscriptions SET status = 'confirmed' WHERE subscriber_id = ?`, id)
		if err != nil {
			return fmt.Errorf("confirm subscriptions: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return newsdesk.Errorf(newsdesk.EINVALID, "There is no subscription waiting for confirmation.")
		}
		_, err = tx.ExecContext(ctx, `UPDATE subscribers SET status = 'confirmed', updated_at = ?,
			confirmed_at = COALESCE(confirmed_at, ?), unsubscribed_at = NULL WHERE id = ?`, now, now, id)
		if err != nil {
			return fmt.Errorf("confirm subscriber: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE subscription_requests SET used_at = ?
			WHERE subscriber_id = ? AND used_at IS NULL AND superseded_at IS NULL`, now, id); err != nil {
			return fmt.Errorf("confirm subscription requests: %w", err)
		}
		if err := liftSuppression(ctx, tx, id); err != nil {
			return err
		}
		sub, err = findSubscriber(ctx, tx, `s.id = ?`, id)
		return err
	})
	return sub, err
}

// Unsubscribe ends the subscription to one newsletter, or all of them when
// newsletterID is 0. A subscriber left with no subscription is marked
// unsubscribed. Unsubscribing twice is not an error.
func (s *SubscriberService) Unsubscribe(ctx context.Context, id, newsletterID int64) (*newsdesk.Subscriber, error) {
	now := formatTime(s.db.Clock.Now())
	var sub *newsdesk.Subscriber
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		var err error
		if newsletterID == 0 {
			_, err = tx.ExecContext(ctx, `DELETE FROM subscriptions WHERE subscriber_id = ?`, id)
		} else {
			_, err = tx.ExecContext(ctx, `DELETE FROM subscriptions WHERE subscriber_id = ? AND newsletter_id = ?`, id, newsletterID)
		}
		if err != nil {
			return fmt.Errorf("unsubscribe: %w", err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = ?, updated_at = ?
			WHERE id = ? AND status != 'unsubscribed' AND NOT EXISTS (SELECT 1 FROM subscriptions WHERE subscriber_id = ?)`,
			now, now, id, id)
		if err != nil {
			return fmt.Errorf("unsubscribe: %w", err)
		}
		sub, err = findSubscriber(ctx, tx, `s.id = ?`, id)
		return err
	})
	return sub, err
}

// UpdateSubscriptions replaces a subscriber's newsletters and topics, as
// chosen on the preferences page. The link to that page reached the
// subscriber's mailbox, so the choices are confirmed at once; choosing no
// newsletter at all unsubscribes.
func (s *SubscriberService) UpdateSubscriptions(ctx context.Context, id int64, newsletters, topics []string) (*newsdesk.Subscriber, error) {
	if err := newsdesk.ValidSlugs(newsletters, topics); err != nil {
		return nil, err
	}
	now := s.db.Clock.Now()
	var sub *newsdesk.Subscriber
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		nls, cats, err := resolveChoices(ctx, tx, newsletters, topics)
		if err != nil {
			return err
		}
		if _, err := findSubscriber(ctx, tx, `s.id = ?`, id); err != nil {
			return err
		}
		if err := keepOnly(ctx, tx, id, nls); err != nil {
			return err
		}
		if _, err := addSubscriptions(ctx, tx, id, nls, cats, true, now); err != nil {
			return err
		}
		if err := setStatusByChoices(ctx, tx, id, len(nls) > 0, now); err != nil {
			return err
		}
		sub, err = findSubscriber(ctx, tx, `s.id = ?`, id)
		return err
	})
	return sub, err
}

// keepOnly removes the subscriptions to newsletters not in nls.
func keepOnly(ctx context.Context, tx *sql.Tx, subID int64, nls []int64) error {
	args := []any{subID}
	for _, id := range nls {
		args = append(args, id)
	}
	q := `DELETE FROM subscriptions WHERE subscriber_id = ?`
	if len(nls) > 0 {
		q += ` AND newsletter_id NOT IN (` + placeholders(len(nls)) + `)`
	}
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("save subscriptions: %w", err)
	}
	return nil
}

func setStatusByChoices(ctx context.Context, tx *sql.Tx, id int64, subscribed bool, now time.Time) error {
	var err error
	if subscribed {
		_, err = tx.ExecContext(ctx, `UPDATE subscribers SET status = 'confirmed', updated_at = ?,
			confirmed_at = COALESCE(confirmed_at, ?), unsubscribed_at = NULL WHERE id = ?`, formatTime(now), formatTime(now), id)
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE subscribers SET status = 'unsubscribed', updated_at = ?,
			unsubscribed_at = ? WHERE id = ?`, formatTime(now), formatTime(now), id)
	}
	if err != nil {
		return fmt.Errorf("save subscriber: %w", err)
	}
	return nil
}

// DeleteSubscriber removes a subscriber and everything recorded about them,
// deliveries included. Deliveries still waiting are counted as skipped on
// their editions.
func (s *SubscriberService) DeleteSubscriber(ctx context.Context, id int64) error {
	now := s.db.Clock.Now()
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT edition_id FROM deliveries WHERE subscriber_id = ?
			AND edition_id IS NOT NULL AND due_at IS NOT NULL`, id)
		if err != nil {
			return fmt.Errorf("delete subscriber: %w", err)
		}
		editions := map[int64]int{}
		for rows.Next() {
			var e int64
			if err := rows.Scan(&e); err != nil {
				rows.Close()
				return err
			}
			editions[e]++
		}
		rows.Close()
		res, err := tx.ExecContext(ctx, `DELETE FROM subscribers WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("delete subscriber: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return newsdesk.Errorf(newsdesk.ENOTFOUND, "subscriber %d not found", id)
		}
		for e, n := range editions {
			if _, err := tx.ExecContext(ctx, `UPDATE editions SET skipped = skipped + ? WHERE id = ?`, n, e); err != nil {
				return err
			}
		}
		return finishEditions(ctx, tx, editions, now)
	})
}
