//go:build unix

package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestFilesArePrivate: the database, its -wal and -shm, and a backup are
// readable by their owner only, even under a umask that would let everyone
// read them.
func TestFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := t.TempDir()
	db := NewDB(filepath.Join(dir, "newsdesk.db"))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := db.SetMeta(ctx, "secret", "s3cret"); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(dir, "backup.db")
	if err := db.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"newsdesk.db", "newsdesk.db-wal", "newsdesk.db-shm", "backup.db"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if mode := fi.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s has mode %#o, want 0600", name, mode)
		}
	}
	if err := db.Backup(ctx, backup); err == nil {
		t.Errorf("backup over an existing file succeeded")
	}
	if v, err := db.Meta(ctx, "secret"); err != nil || v != "s3cret" {
		t.Errorf("after a refused backup: %q, %v", v, err)
	}
}
