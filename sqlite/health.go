package sqlite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/newsdesk/newsdesk"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// healthWait is how long Health waits for the write lock.
const healthWait = 5 * time.Second

// probeSize is how much Health writes beside the database: one page, which
// a full file system cannot give, though it may still give an empty file.
const probeSize = 4096

// Health checks that the database answers a read, that the directory it
// lives in can be written, and that its write lock can be taken within a
// few seconds: a daemon whose writes all wait on a stuck lock, or fail on
// a full disk, is not healthy, though it still serves pages. The lock
// probe is an empty write transaction, which writes nothing to the file.
func (db *DB) Health(ctx context.Context) error {
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
		return newsdesk.Errorf(newsdesk.EUNAVAILABLE, "database does not answer reads: %w", err)
	}
	if err := db.Writable(ctx); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, healthWait)
	defer cancel()
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return newsdesk.Errorf(newsdesk.EUNAVAILABLE, "database write lock not available within %s: %w", healthWait, err)
	}
	return tx.Rollback()
}

// Writable checks that the directory the database lives in (the data
// directory) can be written: that a page can be written and synced there.
func (db *DB) Writable(context.Context) error {
	if err := probeWrite(filepath.Dir(db.Path)); err != nil {
		return newsdesk.Errorf(newsdesk.ESTORAGE, "data directory cannot be written: %w", err)
	}
	return nil
}

// probeWrite writes and syncs a small temporary file in dir, and removes it.
func probeWrite(dir string) error {
	f, err := os.CreateTemp(dir, ".health-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	_, err = f.Write(make([]byte, probeSize))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// storageFault gives err the code ESTORAGE when it says the database file
// or its directory cannot be written: the disk is full, the file system
// read-only, or writing failed. Such a fault is the machine's, not the
// request's, and it heals once space is freed: callers answer "try again
// later" rather than "internal error".
func storageFault(err error) error {
	if err == nil || newsdesk.ErrorCode(err) == newsdesk.ESTORAGE || !IsStorageFault(err) {
		return err
	}
	return newsdesk.Errorf(newsdesk.ESTORAGE, "the data directory cannot be written (%w); try again later", err)
}

// IsStorageFault reports whether err comes from a disk that is full or
// cannot be written, in SQLite or the operating system.
func IsStorageFault(err error) bool {
	var e *sqlite.Error
	if errors.As(err, &e) {
		switch e.Code() & 0xff {
		case sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR:
			return true
		}
	}
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EROFS) || errors.Is(err, syscall.EDQUOT)
}
