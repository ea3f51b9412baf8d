package mailer_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/mailer"
)

// A command sending an edition with no daemon running delivers it from
// its own process, shows its progress, and returns once nothing is left.
func TestDeliverEditionWithoutADaemon(t *testing.T) {
	f := newFixture(t, newsdesk.NewFixedClock(epoch))
	f.addSubscribers(3)
	e := f.createEdition()
	dir := t.TempDir()
	owner := &mailer.Owner{DB: f.db.Path}
	prepared := make(chan error, 1)
	prepared <- nil
	var shown []*newsdesk.Edition
	reported := 0
	err := owner.DeliverEdition(context.Background(), f.newOutbox(&mailer.File{Dir: dir}, 1), f.nls, e.ID, prepared,
		mailer.EditionProgress{
			Show:     func(e *newsdesk.Edition, line bool) bool { shown = append(shown, e); return line },
			Prepared: func() error { reported++; return nil },
		})
	if err != nil {
		t.Fatal(err)
	}
	last := shown[len(shown)-1]
	if last.Counts.Sent != 3 || last.Status != newsdesk.EditionSent || reported != 1 {
		t.Errorf("last progress %s %+v, prepared reported %d times", last.Status, last.Counts, reported)
	}
	files, _ := os.ReadDir(filepath.Join(dir))
	if len(files) != 3 {
		t.Errorf("%d messages written, want 3", len(files))
	}
	if owner.WakeOwner() {
		t.Error("the outbox is still held after the edition was delivered")
	}
}
