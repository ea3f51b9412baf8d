package main

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestBackupDuringWrites takes snapshots while the daemon runs and another
// process keeps adding subscribers: each snapshot opens, passes SQLite's
// integrity check and holds no fewer subscribers than the one before.
func TestBackupDuringWrites(t *testing.T) {
	d := newInstall(t)
	d.serve()
	stop := make(chan struct{})
	var writes atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, stderr, code := d.run("subscriber", "add", fmt.Sprintf("writer%d@example.com", i), "--newsletter", "weekly", "--confirmed"); code != 0 {
				t.Errorf("write during backup: %s", stderr)
				return
			}
			writes.Add(1)
		}
	})
	last := 0
	for i := range 4 {
		for writes.Load() < int64(i+1)*3 { // let some writes land between snapshots
			if t.Failed() {
				break
			}
			time.Sleep(time.Millisecond)
		}
		path := filepath.Join(d.dir, fmt.Sprintf("snapshot%d.db", i))
		d.mustRun("backup", path)
		n := checkSnapshot(t, path)
		if n < last {
			t.Errorf("snapshot %d holds %d subscribers, fewer than the %d of the one before", i, n, last)
		}
		last = n
	}
	close(stop)
	wg.Wait()
	t.Logf("%d subscribers added during the backups; the last snapshot holds %d subscribers", writes.Load(), last)
}

// checkSnapshot opens a backup, runs PRAGMA integrity_check and returns
// how many subscribers it holds.
func checkSnapshot(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var result string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&result); err != nil || result != "ok" {
		t.Fatalf("%s: integrity_check = %q, %v", path, result, err)
	}
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM subscribers`).Scan(&n); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return n
}
