//go:build unix

package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestBinaryCreatesPrivateFiles runs the real binary under a umask that
// lets everyone read: the database, its backup and the config init writes
// are its owner's only; what export writes is public.
func TestBinaryCreatesPrivateFiles(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	b := &binDesk{t: t, bin: buildBinary(t), dir: t.TempDir()}
	b.mustRun("init", "--demo")
	b.mustRun("subscriber", "add", "reader@example.com", "--newsletter", "weekly")
	backup := filepath.Join(b.dir, "backup.db")
	b.mustRun("backup", backup)
	out := filepath.Join(b.dir, "site")
	b.mustRun("export", "--out", out)
	for path, want := range map[string]os.FileMode{
		filepath.Join(b.dir, "data", dbFile):  0o600,
		backup:                                0o600,
		filepath.Join(b.dir, "newsdesk.toml"): 0o600,
		filepath.Join(b.dir, "data", "media"): 0o700,
		filepath.Join(out, "feed.xml"):        0o644,
		filepath.Join(out, "articles"):        0o755,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %#o, want %#o", path, got, want)
		}
	}
}
