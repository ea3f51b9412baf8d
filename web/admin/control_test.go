package admin

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/newsdesk/newsdesk/sqlite"
)

// TestSendNowSaysHowManyAndControlsNameTheEditor: the send-now button's
// confirmation names how many people it would mail, and the editions' log
// names the editor who paused, resumed and cancelled from the desk.
func TestSendNowSaysHowManyAndControlsNameTheEditor(t *testing.T) {
	f := newFixture(t)
	b := f.loggedIn()
	ns, err := f.letters.FindNewsletters(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := -1
	for _, n := range ns {
		if n.Slug == "weekly" {
			want = n.Subscribers
		}
	}
	_, body := b.get("/admin/newsletters/weekly")
	if msg := fmt.Sprintf(`data-confirm="Send an edition now to up to %d confirmed subscribers of`, want); want < 1 || !strings.Contains(body, msg) {
		t.Errorf("newsletter page lacks %q:\n%s", msg, body)
	}
	resp, _ := b.post("/admin/newsletters/weekly/send-now", nil)
	edition := strings.TrimSuffix(resp.Header.Get("Location"), "?done=sending")
	for _, act := range []string{"pause", "resume", "cancel"} {
		if resp, body := b.post(edition+"/"+act, nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d %s", act, resp.StatusCode, body)
		}
	}
	evs, err := sqlite.NewOutboxService(f.db).EditionEvents(t.Context(), 0, 10)
	if err != nil || len(evs) != 3 {
		t.Fatalf("events %+v %v", evs, err)
	}
	for i, act := range []string{"pause", "resume", "cancel"} {
		if evs[i].Action != act || evs[i].Actor != "desk:"+editorEmail {
			t.Errorf("event %d: %s by %q, want %s by desk:%s", i, evs[i].Action, evs[i].Actor, act, editorEmail)
		}
	}
}
