package mailer

import (
	"errors"
	"path/filepath"
	"testing"
)

// One process at a time holds the outbox of a database; when it lets go
// (or dies, which closes its socket), the next one takes over.
func TestOutboxOwnerIsExclusive(t *testing.T) {
	db := filepath.Join(t.TempDir(), "newsdesk.db")
	first, second := &Owner{DB: db}, &Owner{DB: db}
	if second.WakeOwner() {
		t.Fatal("an owner was woken before any claimed the outbox")
	}
	ln, err := first.claim()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := second.claim(); !errors.Is(err, ErrOwned) {
		t.Errorf("second claim: %v, want ErrOwned", err)
	}
	if !second.WakeOwner() {
		t.Error("the owner could not be woken")
	}
	ln.Close()
	ln, err = second.claim()
	if err != nil {
		t.Fatalf("claim after the owner let go: %v", err)
	}
	ln.Close()
	if other := (&Owner{DB: filepath.Join(t.TempDir(), "newsdesk.db")}); other.WakeOwner() {
		t.Error("another database's outbox shares the owner")
	}
}
