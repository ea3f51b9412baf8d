package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/newsdesk/newsdesk"
)

// Digest editions: made without deliveries, then prepared in batches of
// subscribers (QueueDigests), each batch one transaction that writes the
// variants, the deliveries and the record of articles sent.

// AddEdition stores a digest edition in its initial status (awaiting
// approval or scheduled), with no deliveries yet. A second scheduled
// edition of a newsletter with the same cutoff is ECONFLICT.
func (s *NewsletterService) AddEdition(ctx context.Context, e *newsdesk.Edition) error {
	if e.Newsletter == nil || e.Newsletter.ID == 0 {
		return newsdesk.Errorf(newsdesk.EINVALID, "edition needs a newsletter")
	}
	if e.Subject == "" {
		e.Subject = e.Newsletter.Name
	}
	if e.Picked == nil {
		e.Picked = []int64{}
	}
	picked, _ := json.Marshal(e.Picked)
	now := s.db.Clock.Now()
	e.CreatedAt = now
	err := s.db.write.QueryRowContext(ctx, `INSERT INTO editions (newsletter_id, subject, status, created_at, kind,
		window_start, cutoff, intro, picked, scheduled_for, prepared) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0) RETURNING id`,
		e.Newsletter.ID, e.Subject, string(e.Status), formatTime(now), string(e.Kind), nullTime(e.WindowStart),
		nullTime(e.Cutoff), e.Intro, string(picked), nullTime(e.ScheduledFor)).Scan(&e.ID)
	if isUnique(err) {
		return newsdesk.Errorf(newsdesk.ECONFLICT, "newsletter %q already has an edition cut off at %s",
			e.Newsletter.Slug, e.Cutoff.UTC().Format(time.RFC3339))
	} else if err != nil {
		return fmt.Errorf("add edition: %w", err)
	}
	return nil
}

// FindScheduledNewsletters returns the newsletters that have a schedule and
// are not paused: the daemon reads them every few seconds, so this skips
// the subscriber counts FindNewsletters makes.
func (s *NewsletterService) FindScheduledNewsletters(ctx context.Context) ([]*newsdesk.Newsletter, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT `+newsletterColumns+` FROM newsletters n
		WHERE n.schedule != '' AND NOT n.paused ORDER BY n.id`)
	if err != nil {
		return nil, fmt.Errorf("find scheduled newsletters: %w", err)
	}
	defer rows.Close()
	var ns []*newsdesk.Newsletter
	for rows.Next() {
		n, err := scanNewsletter(rows)
		if err != nil {
			return nil, err
		}
		ns = append(ns, n)
	}
	return ns, rows.Err()
}

// LastCutoff returns the cutoff of the newsletter's newest scheduled
// edition, cancelled ones included, or the zero time before the first.
func (s *NewsletterService) LastCutoff(ctx context.Context, newsletterID int64) (time.Time, error) {
	var v sql.NullString
	err := s.db.read.QueryRowContext(ctx, `SELECT MAX(cutoff) FROM editions WHERE newsletter_id = ? AND kind = 'scheduled'`,
		newsletterID).Scan(&v)
	if err != nil || !v.Valid {
		return time.Time{}, err
	}
	return parseTime(v.String)
}

// FindWaitingEditions returns the editions to prepare now: those being
// prepared (resumed after a restart) and those scheduled for now or earlier.
func (s *NewsletterService) FindWaitingEditions(ctx context.Context, now time.Time) ([]*newsdesk.Edition, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT `+editionColumns+editionFrom+`
		WHERE e.status = 'preparing' OR (e.status = 'scheduled' AND e.scheduled_for <= ?) ORDER BY e.id`, formatTime(now))
	if err != nil {
		return nil, fmt.Errorf("find waiting editions: %w", err)
	}
	defer rows.Close()
	var es []*newsdesk.Edition
	for rows.Next() {
		e, err := scanEdition(rows)
		if err != nil {
			return nil, err
		}
		es = append(es, e)
	}
	return es, rows.Err()
}

// StartPreparing moves a scheduled edition to preparing, and reports
// whether the edition is now being prepared.
func (s *NewsletterService) StartPreparing(ctx context.Context, id int64) (bool, error) {
	if _, err := s.db.write.ExecContext(ctx, `UPDATE editions SET status = 'preparing' WHERE id = ? AND status = 'scheduled'`, id); err != nil {
		return false, fmt.Errorf("prepare edition %d: %w", id, err)
	}
	var status string
	err := s.db.read.QueryRowContext(ctx, `SELECT status FROM editions WHERE id = ?`, id).Scan(&status)
	return status == string(newsdesk.EditionPreparing), err
}

// FindRecipients returns up to limit confirmed subscribers of the
// newsletter with IDs above after, in ID order, with their topics: the
// sender streams the list in batches instead of loading it.
func (s *NewsletterService) FindRecipients(ctx context.Context, newsletterID, after int64, limit int) ([]newsdesk.Recipient, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT x.subscriber_id, s.timezone,
		COALESCE((SELECT group_concat(c.slug) FROM subscription_topics t JOIN categories c ON c.id = t.category_id
			WHERE t.newsletter_id = x.newsletter_id AND t.subscriber_id = x.subscriber_id), '')
		FROM subscriptions x JOIN subscribers s ON s.id = x.subscriber_id
		WHERE x.newsletter_id = ? AND x.subscriber_id > ? AND x.status = 'confirmed' AND s.status = 'confirmed'
		ORDER BY x.subscriber_id LIMIT ?`, newsletterID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("find recipients: %w", err)
	}
	defer rows.Close()
	var rs []newsdesk.Recipient
	for rows.Next() {
		var r newsdesk.Recipient
		var topics string
		if err := rows.Scan(&r.SubscriberID, &r.TimeZone, &topics); err != nil {
			return nil, err
		}
		if topics != "" {
			r.Topics = strings.Split(topics, ",")
		}
		rs = append(rs, r)
	}
	return rs, rows.Err()
}

// sentArticlesQuery finds which of some articles some subscribers of a
// newsletter were sent: the articles of the variants of the deliveries
// they got, and the rows of sent_articles from before variants listed
// their articles. Only editions made since the oldest of the articles was
// created can hold any of them, which keeps a long history out of the scan.
const sentArticlesQuery = `WITH subs(id) AS (SELECT value FROM json_each(?2)), uids(uid) AS (SELECT value FROM json_each(?3))
	SELECT d.subscriber_id, va.article_uid FROM editions e
		JOIN deliveries d ON d.edition_id = e.id AND d.subscriber_id IN subs
		JOIN variant_articles va ON va.variant_id = d.variant_id AND va.article_uid IN uids
		WHERE e.newsletter_id = ?1 AND d.status <> 'skipped'
		AND e.created_at >= (SELECT MIN(created_at) FROM articles WHERE uid IN uids)
	UNION
	SELECT subscriber_id, article_uid FROM sent_articles
		WHERE newsletter_id = ?1 AND subscriber_id IN subs AND article_uid IN uids`

// SentArticles returns which of the articles (by UID) each subscriber was
// already sent in the newsletter.
func (s *NewsletterService) SentArticles(ctx context.Context, newsletterID int64, subscribers []int64, uids []string) (map[int64]map[string]bool, error) {
	out := map[int64]map[string]bool{}
	if len(subscribers) == 0 || len(uids) == 0 {
		return out, nil
	}
	u, _ := json.Marshal(uids)
	rows, err := s.db.read.QueryContext(ctx, sentArticlesQuery, newsletterID, jsonIDs(subscribers), string(u))
	if err != nil {
		return nil, fmt.Errorf("find sent articles: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var uid string
		if err := rows.Scan(&id, &uid); err != nil {
			return nil, err
		}
		if out[id] == nil {
			out[id] = map[string]bool{}
		}
		out[id][uid] = true
	}
	return out, rows.Err()
}

// errNotPreparing means an edition stopped being prepared (paused or
// cancelled) while a batch was under way, or another process prepared it.
var errNotPreparing = newsdesk.Errorf(newsdesk.ECONFLICT, "the edition is no longer being prepared")

// QueueDigests queues one batch of an edition being prepared, in one
// transaction: the variants with the articles each carries (what a
// subscriber was sent is their delivery's variant), one delivery per
// subscriber, and through, the last subscriber ID the batch
// covered, so that preparation resumes after it. The batch must start
// where the edition's preparation stands (e.PreparedThrough): when two
// processes prepare the same edition, one of them stops (ECONFLICT).
func (s *NewsletterService) QueueDigests(ctx context.Context, e *newsdesk.Edition, through int64, ds []newsdesk.DigestDelivery) error {
	now := formatTime(s.db.Clock.Now())
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		var status string
		var at int64
		if err := tx.QueryRowContext(ctx, `SELECT status, prepared_through FROM editions WHERE id = ?`, e.ID).Scan(&status, &at); err != nil {
			return fmt.Errorf("queue edition %d: %w", e.ID, err)
		} else if status != string(newsdesk.EditionPreparing) || at != e.PreparedThrough {
			return errNotPreparing
		}
		q, err := prepareQueue(ctx, tx)
		if err != nil {
			return err
		}
		defer q.Close()
		variants := map[string]int64{}
		for _, d := range ds {
			vid, err := variantID(ctx, tx, e.ID, d, variants)
			if err != nil {
				return err
			}
			if _, err := q.ExecContext(ctx, e.ID, d.SubscriberID, vid, priorityBulk, now, now); err != nil {
				return fmt.Errorf("queue delivery: %w", err)
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE editions SET prepared_through = ?, recipients = recipients + ? WHERE id = ?`,
			through, len(ds), e.ID)
		return err
	})
	if err == nil {
		e.PreparedThrough = through
	}
	return err
}

// variantID stores a delivery's variant, with the articles it carries,
// once per edition and returns its ID.
func variantID(ctx context.Context, tx *sql.Tx, editionID int64, d newsdesk.DigestDelivery, seen map[string]int64) (int64, error) {
	v := d.Variant
	if id, ok := seen[v.Variant]; ok {
		return id, nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO edition_variants (edition_id, variant, subject, preheader, html, text)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (edition_id, variant) DO NOTHING`,
		editionID, v.Variant, v.Subject, v.Preheader, v.HTML, v.Text)
	if err != nil {
		return 0, fmt.Errorf("store variant: %w", err)
	}
	var id int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM edition_variants WHERE edition_id = ? AND variant = ?`,
		editionID, v.Variant).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store variant: %w", err)
	}
	uids, _ := json.Marshal(append([]string{}, d.ArticleUIDs...)) // never null
	_, err = tx.ExecContext(ctx, `INSERT INTO variant_articles (variant_id, article_uid)
		SELECT ?, value FROM json_each(?) WHERE true ON CONFLICT DO NOTHING`, id, string(uids))
	if err != nil {
		return 0, fmt.Errorf("store variant articles: %w", err)
	}
	seen[v.Variant] = id
	return id, nil
}

// prepareQueue prepares the statement run for each subscriber of a batch.
func prepareQueue(ctx context.Context, tx *sql.Tx) (*sql.Stmt, error) {
	st, err := tx.PrepareContext(ctx, `INSERT INTO deliveries (kind, edition_id, subscriber_id, variant_id, status,
		priority, due_at, created_at) VALUES ('edition', ?, ?, ?, 'queued', ?, ?, ?)`)
	if err != nil {
		return nil, fmt.Errorf("prepare queue: %w", err)
	}
	return st, nil
}

// FinishPreparing marks an edition whose every batch is queued as sending,
// or sent when nothing is left to send.
func (s *NewsletterService) FinishPreparing(ctx context.Context, id int64) error {
	now := formatTime(s.db.Clock.Now())
	_, err := s.db.write.ExecContext(ctx, `UPDATE editions SET prepared = 1,
		status = CASE WHEN sent + failed + skipped >= recipients THEN 'sent' ELSE 'sending' END,
		sent_at = CASE WHEN sent + failed + skipped >= recipients THEN ? ELSE sent_at END
		WHERE id = ? AND status = 'preparing'`, now, id)
	if err != nil {
		return fmt.Errorf("finish edition %d: %w", id, err)
	}
	return nil
}

// FindEditionVariant returns a variant of a digest edition, or ENOTFOUND.
func (s *NewsletterService) FindEditionVariant(ctx context.Context, id int64) (*newsdesk.EditionVariant, error) {
	v := &newsdesk.EditionVariant{ID: id}
	err := s.db.read.QueryRowContext(ctx, `SELECT edition_id, variant, subject, preheader, html, text
		FROM edition_variants WHERE id = ?`, id).Scan(&v.EditionID, &v.Variant, &v.Subject, &v.Preheader, &v.HTML, &v.Text)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, newsdesk.Errorf(newsdesk.ENOTFOUND, "edition variant %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("find edition variant %d: %w", id, err)
	}
	return v, nil
}
