package sqlite

import (
	"context"
	"fmt"
)

// CountRecipients returns how many people an edition of the newsletter
// made now would go to at most: its confirmed subscribers. A digest skips
// those with nothing new in their topics, so it may mail fewer.
func (s *NewsletterService) CountRecipients(ctx context.Context, newsletterID int64) (int, error) {
	var n int
	err := s.db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM subscriptions x JOIN subscribers sub ON sub.id = x.subscriber_id
		WHERE x.newsletter_id = ? AND x.status = 'confirmed' AND sub.status = 'confirmed'`, newsletterID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count recipients of newsletter %d: %w", newsletterID, err)
	}
	return n, nil
}
