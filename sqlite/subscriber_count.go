package sqlite

import (
	"context"
	"fmt"

	"github.com/newsdesk/newsdesk"
)

// CountSubscribers returns how many subscribers there are in each status.
func (s *SubscriberService) CountSubscribers(ctx context.Context) (map[newsdesk.SubscriberStatus]int, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT status, COUNT(*) FROM subscribers GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("count subscribers: %w", err)
	}
	defer rows.Close()
	counts := map[newsdesk.SubscriberStatus]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		counts[newsdesk.SubscriberStatus(st)] = n
	}
	return counts, rows.Err()
}
