package sqlite

import (
	"context"
	"time"

	"github.com/newsdesk/newsdesk"
)

// healthWait is how long Health waits for the write lock.
const healthWait = 5 * time.Second

// Health checks that the database answers a read and that its write lock
// can be taken within a few seconds: a daemon whose writes all wait on a
// stuck lock is not healthy, though it still serves pages. The probe is an
// empty write transaction, which writes nothing to the file.
func (db *DB) Health(ctx context.Context) error {
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
		return newsdesk.Errorf(newsdesk.EUNAVAILABLE, "database does not answer reads: %v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, healthWait)
	defer cancel()
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return newsdesk.Errorf(newsdesk.EUNAVAILABLE, "database write lock not available within %s: %v", healthWait, err)
	}
	return tx.Rollback()
}
