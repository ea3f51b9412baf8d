package mailer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"time"
)

// The outbox of a data directory is delivered by one process at a time,
// the daemon or a command sending an edition. That process listens on a
// Unix socket named after the database, and other processes connect to it
// to say that they queued mail. On Linux the socket is in the abstract
// namespace, so it vanishes with the process however it ends (a crash
// included: the next process takes over at once); elsewhere it is a file
// beside the database, and one left by a crash is replaced.

// ErrOwned means another process is delivering the outbox.
var ErrOwned = errors.New("another process is delivering this outbox")

// Owner delivers the outbox of one database from this process when no
// other process does, and wakes whichever process does when mail is
// queued. Its zero value with DB set is ready to use.
type Owner struct {
	DB         string // the database file the outbox is stored in
	delivering atomic.Pointer[Outbox]
}

// ownerAddr is the socket of the process delivering the outbox of db.
func ownerAddr(db string) string {
	abs, err := filepath.Abs(db)
	if err != nil {
		abs = db
	}
	if runtime.GOOS != "linux" {
		return abs + ".outbox.sock"
	}
	sum := sha256.Sum256([]byte(abs))
	return "@newsdesk-outbox-" + hex.EncodeToString(sum[:12])
}

// claim makes this process the one delivering the outbox, and returns the
// socket others wake it through, or ErrOwned.
func (w *Owner) claim() (net.Listener, error) {
	addr := ownerAddr(w.DB)
	ln, err := net.Listen("unix", addr)
	if err != nil && !strings.HasPrefix(addr, "@") && !w.WakeOwner() {
		os.Remove(addr) // left by a process that died
		ln, err = net.Listen("unix", addr)
	}
	if err != nil {
		return nil, ErrOwned
	}
	return ln, nil
}

// WakeOwner tells the process delivering the outbox that mail was queued,
// and reports whether there is one.
func (w *Owner) WakeOwner() bool {
	c, err := net.DialTimeout("unix", ownerAddr(w.DB), time.Second)
	if err != nil {
		return false
	}
	c.Write([]byte("wake\n"))
	c.Close()
	return true
}

// Wake is called after mail is queued: the outbox of this process, if it
// delivers, or the process that does, looks at the queue now.
func (w *Owner) Wake() {
	if o := w.delivering.Load(); o != nil {
		o.Wake()
		return
	}
	w.WakeOwner()
}

// acceptWakes wakes o for each connection to ln, until ln is closed.
func acceptWakes(ln net.Listener, o *Outbox) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		c.Close()
		o.Wake()
	}
}

// Deliver runs o in this process until ctx ends, if no other process
// delivers the outbox; it reports whether it ran.
func (w *Owner) Deliver(ctx context.Context, o *Outbox) (bool, error) {
	ln, err := w.claim()
	if err != nil {
		return false, nil
	}
	defer ln.Close()
	go acceptWakes(ln, o)
	w.delivering.Store(o)
	defer w.delivering.Store(nil)
	return true, o.Run(ctx)
}

// DeliverHere runs Deliver in the background; the channel gets its error,
// or ErrOwned when another process delivers.
func (w *Owner) DeliverHere(ctx context.Context, o *Outbox) chan error {
	done := make(chan error, 1)
	go func() {
		ran, err := w.Deliver(ctx, o)
		if !ran {
			err = ErrOwned
		}
		done <- err
	}()
	return done
}

// DeliverWhileOwned delivers the outbox for as long as ctx lasts, as the
// daemon does: while another process holds the outbox it waits and tries
// again, so it takes over when that process stops or dies.
func (w *Owner) DeliverWhileOwned(ctx context.Context, o *Outbox, logger *slog.Logger) {
	warned := false
	for ctx.Err() == nil {
		ran, err := w.Deliver(ctx, o)
		if err != nil {
			logger.Error("outbox stopped", "err", err)
		}
		if !ran && !warned {
			logger.Warn("another process is delivering the outbox; this one will take over when it stops")
			warned = true
		}
		if ran {
			warned = false
		}
		select {
		case <-ctx.Done():
		case <-time.After(5 * time.Second):
		}
	}
}
