package sqlite

import "context"

// Exec runs a statement on the writer, for tests that need rows the
// services no longer write.
func (db *DB) Exec(ctx context.Context, query string, args ...any) error {
	_, err := db.write.ExecContext(ctx, query, args...)
	return err
}

// OpenBefore opens the database with only the migrations named before
// name applied, as a desk of an older release left it.
func (db *DB) OpenBefore(name string) error {
	db.migrateBefore = name
	defer func() { db.migrateBefore = "" }()
	return db.Open()
}

// Query1 reads one value, for tests that look at rows no service reads.
func (db *DB) Query1(ctx context.Context, dest any, query string, args ...any) error {
	return db.write.QueryRowContext(ctx, query, args...).Scan(dest)
}
