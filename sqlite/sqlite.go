// Package sqlite stores newsdesk's data in one SQLite file through the pure
// Go modernc.org/sqlite driver.
//
// Writes go through a pool of one connection, so writers queue in Go rather
// than meet SQLITE_BUSY; reads use a pool of their own and, in WAL mode,
// never wait for a writer.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/newsdesk/newsdesk"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// DB is an open newsdesk database.
type DB struct {
	Path  string
	Clock newsdesk.Clock

	write *sql.DB // one connection: SQLite allows one writer at a time
	read  *sql.DB

	migrateBefore string // tests: apply only the migrations named before this
}

// NewDB returns a DB for the file at path; call Open before use.
func NewDB(path string) *DB {
	return &DB{Path: path, Clock: newsdesk.SystemClock{}}
}

// dsn builds the connection string. Pragmas live here so that every pooled
// connection gets them, not only the first.
func (db *DB) dsn(readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	return "file:" + db.Path + "?" + q.Encode()
}

// Open opens the database, creating it if needed, and applies migrations.
func (db *DB) Open() error {
	if db.Path == "" {
		return fmt.Errorf("sqlite: database path required")
	}
	if err := createPrivate(db.Path); err != nil {
		return fmt.Errorf("sqlite: create %s: %w", db.Path, err)
	}
	var err error
	if db.write, err = sql.Open("sqlite", db.dsn(false)); err != nil {
		return fmt.Errorf("sqlite: open %s: %w", db.Path, err)
	}
	db.write.SetMaxOpenConns(1)
	db.write.SetConnMaxIdleTime(0)
	if err := db.migrate(context.Background()); err != nil {
		db.write.Close()
		return err
	}
	if db.read, err = sql.Open("sqlite", db.dsn(true)); err != nil {
		db.write.Close()
		return fmt.Errorf("sqlite: open %s: %w", db.Path, err)
	}
	db.read.SetMaxOpenConns(max(4, runtime.NumCPU()*2))
	db.read.SetMaxIdleConns(max(4, runtime.NumCPU()*2))
	return nil
}

// Close closes both pools.
func (db *DB) Close() error {
	var errs []error
	if db.read != nil {
		errs = append(errs, db.read.Close())
	}
	if db.write != nil {
		errs = append(errs, db.write.Close())
	}
	return errors.Join(errs...)
}

// migrate applies the embedded migrations not yet recorded, each in its own
// transaction, in the order of their numbers.
func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.write.ExecContext(ctx,
		`CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY) STRICT`); err != nil {
		return fmt.Errorf("sqlite: migrations table: %w", err)
	}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		if db.migrateBefore != "" && name >= db.migrateBefore {
			break
		}
		if err := db.migrateFile(ctx, name); err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", name, err)
		}
	}
	return nil
}

// foreignKeysOff is the first line of a migration that must run with
// foreign keys off: one that rebuilds a table others refer to (SQLite's
// "create new, copy, drop, rename"), which with them on would delete or
// refuse the rows that point at the old table. Its foreign keys are
// checked before it commits.
const foreignKeysOff = "-- newsdesk: foreign_keys off\n"

func (db *DB) migrateFile(ctx context.Context, name string) (err error) {
	buf, err := fs.ReadFile(migrationFS, name)
	if err != nil {
		return err
	}
	// The pragma is a no-op inside a transaction, so it is set on the
	// connection first; the write pool has only the one.
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	fkOff := strings.HasPrefix(string(buf), foreignKeysOff)
	if fkOff {
		if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
			return err
		}
		defer func() {
			// Were they left off, the daemon would run without them.
			if _, onErr := conn.ExecContext(context.Background(), `PRAGMA foreign_keys = ON`); onErr != nil && err == nil {
				err = onErr
			}
		}()
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE name = ?`, name).Scan(&n); err != nil {
		return err
	} else if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, string(buf)); err != nil {
		return err
	}
	if fkOff {
		if err := checkForeignKeys(ctx, tx); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name) VALUES (?)`, name); err != nil {
		return err
	}
	return tx.Commit()
}

// checkForeignKeys fails when any row refers to one that does not exist.
func checkForeignKeys(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return err
	}
	defer rows.Close()
	if rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fk int
		if err := rows.Scan(&table, &rowid, &parent, &fk); err != nil {
			return err
		}
		return fmt.Errorf("foreign key check: a row of %s (rowid %d) refers to a missing row of %s", table, rowid.Int64, parent)
	}
	return rows.Err()
}

// Ping checks that the database answers a query.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.read.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// ContentVersion returns a number that changes whenever anything shown in
// pages or feeds changes, whichever process made the change.
func (db *DB) ContentVersion(ctx context.Context) (int64, error) {
	var v string
	err := db.read.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'content_version'`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("sqlite: content version: %w", err)
	}
	return strconv.ParseInt(v, 10, 64)
}

// Meta returns the value stored under key, or ENOTFOUND.
func (db *DB) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := db.read.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", newsdesk.Errorf(newsdesk.ENOTFOUND, "setting %q not found", key)
	}
	return v, err
}

// SetMeta stores value under key.
func (db *DB) SetMeta(ctx context.Context, key, value string) error {
	_, err := db.write.ExecContext(ctx,
		`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

// Backup writes a consistent snapshot of the database to path while others
// keep reading and writing. path must not exist yet; the snapshot is
// readable by its owner only, as the database is.
func (db *DB) Backup(ctx context.Context, path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, privateMode)
	if err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	f.Close()
	if _, err := db.write.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		os.Remove(path)
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}

// privateMode is the mode of the files that hold the desk's secrets (the
// signing secret, password hashes, the subscriber list): the database,
// and its backups. SQLite gives the -wal and -shm files the database's.
const privateMode = 0o600

// createPrivate makes an empty database file readable by its owner only,
// whatever the umask, unless it exists already.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, privateMode)
	if errors.Is(err, os.ErrExist) {
		return nil
	} else if err != nil {
		return err
	}
	return f.Close()
}

// withTx runs fn in a write transaction and commits it when fn succeeds.
// A full or read-only disk comes back as an ESTORAGE error.
func (db *DB) withTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return storageFault(err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return storageFault(err)
	}
	return storageFault(tx.Commit())
}

const timeLayout = "2006-01-02T15:04:05.000Z"

// formatTime stores times in UTC at millisecond precision, in a layout that
// sorts as text in time order.
func formatTime(t time.Time) string {
	return t.UTC().Format(timeLayout)
}

// nullTime is formatTime for a time that may be absent.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return formatTime(t)
}

func parseTime(s string) (time.Time, error) {
	return time.Parse(timeLayout, s)
}

// isConstraint reports whether err is a UNIQUE or PRIMARY KEY violation.
func isUnique(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// placeholders returns "?, ?, ?" for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
