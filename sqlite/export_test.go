package sqlite

import "context"

// Exec runs a statement on the writer, for tests that need rows the
// services no longer write.
func (db *DB) Exec(ctx context.Context, query string, args ...any) error {
	_, err := db.write.ExecContext(ctx, query, args...)
	return err
}
