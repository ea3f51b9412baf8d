package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/newsdesk/newsdesk"
)

// OutboxDepth counts the deliveries with work left, by status: queued,
// deferred and sending (claimed by a worker).
func (s *OutboxService) OutboxDepth(ctx context.Context) (map[newsdesk.DeliveryStatus]int, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT status, COUNT(*) FROM deliveries
		WHERE due_at IS NOT NULL GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("outbox depth: %w", err)
	}
	defer rows.Close()
	depth := map[newsdesk.DeliveryStatus]int{}
	for rows.Next() {
		var status string
		var n int
		if err := rows.Scan(&status, &n); err != nil {
			return nil, fmt.Errorf("outbox depth: %w", err)
		}
		depth[newsdesk.DeliveryStatus(status)] = n
	}
	return depth, rows.Err()
}

// ActiveEditions returns up to limit editions being prepared, sent or
// paused, newest first, with their newsletter's slug and their counts: a
// light read for progress reports, without the editions' bodies.
func (s *NewsletterService) ActiveEditions(ctx context.Context, limit int) ([]*newsdesk.Edition, error) {
	return s.editionProgress(ctx, `e.status IN ('preparing', 'sending', 'paused') ORDER BY e.id DESC LIMIT ?`, limit)
}

// FinishedEditions returns the editions whose last delivery finished after
// since, as ActiveEditions does.
func (s *NewsletterService) FinishedEditions(ctx context.Context, since time.Time) ([]*newsdesk.Edition, error) {
	return s.editionProgress(ctx, `e.status = 'sent' AND e.sent_at > ? ORDER BY e.id`, formatTime(since))
}

// editionProgress reads the counts of the editions that where selects.
func (s *NewsletterService) editionProgress(ctx context.Context, where string, args ...any) ([]*newsdesk.Edition, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT e.id, n.slug, e.status, e.recipients, e.sent, e.failed, e.skipped,
		(SELECT COUNT(*) FROM deliveries d WHERE d.edition_id = e.id AND d.status = 'deferred')
		FROM editions e JOIN newsletters n ON n.id = e.newsletter_id WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("edition progress: %w", err)
	}
	defer rows.Close()
	var es []*newsdesk.Edition
	for rows.Next() {
		e := &newsdesk.Edition{Newsletter: &newsdesk.Newsletter{}}
		c := &e.Counts
		var status string
		if err := rows.Scan(&e.ID, &e.Newsletter.Slug, &status, &c.Recipients, &c.Sent, &c.Failed, &c.Skipped, &c.Deferred); err != nil {
			return nil, fmt.Errorf("edition progress: %w", err)
		}
		e.Status = newsdesk.EditionStatus(status)
		c.Queued = max(c.Recipients-c.Sent-c.Failed-c.Skipped-c.Deferred, 0)
		es = append(es, e)
	}
	return es, rows.Err()
}
