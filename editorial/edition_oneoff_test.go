package editorial_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
)

func TestDraftCannotBePickedForAnEdition(t *testing.T) {
	f := newFixture(t)
	f.article(t, "not-yet", newsdesk.StatusDraft, time.Time{})
	_, err := f.ed.CreateEdition(context.Background(), newsdesk.OneOffEdition{Newsletter: "weekly", Articles: []string{"not-yet"}})
	if newsdesk.ErrorCode(err) != newsdesk.EINVALID || !strings.Contains(err.Error(), `"not-yet" is a draft`) {
		t.Fatalf("a draft was picked: %v", err)
	}
	if field := newsdesk.ErrorField(err); field != "articles" {
		t.Errorf("error blames %q, want articles", field)
	}
}

func TestOneOffEditionBadInput(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name string
		o    newsdesk.OneOffEdition
		want string
	}{
		{"unknown article", newsdesk.OneOffEdition{Articles: []string{"no-such-article"}}, "no-such-article"},
		{"none", newsdesk.OneOffEdition{}, "from 1 to 50"},
		{"too many", newsdesk.OneOffEdition{Articles: strings.Split(strings.Repeat("ports-and-power,", 51)[1:], ",")}, "from 1 to 50"},
		{"long intro", newsdesk.OneOffEdition{Articles: []string{"ports-and-power"}, Intro: strings.Repeat("é", 5001)}, "intro"},
		{"unknown newsletter", newsdesk.OneOffEdition{Newsletter: "nope", Articles: []string{"ports-and-power"}}, "nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.o.Newsletter == "" {
				tt.o.Newsletter = "weekly"
			}
			if _, err := f.ed.CreateEdition(context.Background(), tt.o); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
	if es, err := f.newsletters.FindEditions(context.Background(), newsdesk.EditionFilter{}); err != nil || len(es) != 0 {
		t.Errorf("bad input stored editions: %d, %v", len(es), err)
	}
}

func TestOneOffEditionPreviewAndCancel(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.article(t, "later-on", newsdesk.StatusScheduled, t0.Add(24*time.Hour))
	e, err := f.ed.CreateEdition(ctx, newsdesk.OneOffEdition{Newsletter: "weekly", Intro: "A note.",
		Articles: []string{"ports-and-power", "later-on"}, At: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Picked) != 2 || !e.ScheduledFor.Equal(t0.Add(time.Hour)) || f.kicked != 0 {
		t.Errorf("edition %+v, kicked %d: a later edition waits for its time", e, f.kicked)
	}
	pv, err := f.ed.PreviewDigest(ctx, "weekly", e.ID, "")
	if err != nil || pv.Empty || !strings.Contains(pv.HTML, "A note.") || !strings.Contains(pv.Text, "About ports-and-power") {
		t.Fatalf("preview of the one-off: %v %+v", err, pv)
	}
	if _, err := f.ed.PreviewDigest(ctx, "weekly", e.ID, "nobody@example.com"); newsdesk.ErrorCode(err) != newsdesk.ENOTFOUND {
		t.Errorf("preview for an unknown subscriber: %v", err)
	}
	if e, err = f.ed.CancelEdition(ctx, e.ID); err != nil || e.Status != newsdesk.EditionCancelled {
		t.Fatalf("cancel: %v %+v", err, e)
	}
	if _, err := f.ed.ApproveEdition(ctx, e.ID); newsdesk.ErrorCode(err) == "" {
		t.Error("a cancelled edition was approved")
	}
}

func TestOneOffEditionNowKicksTheDigestPass(t *testing.T) {
	f := newFixture(t)
	if _, err := f.ed.CreateEdition(context.Background(), newsdesk.OneOffEdition{Newsletter: "weekly", Articles: []string{"ports-and-power"}}); err != nil {
		t.Fatal(err)
	}
	if f.kicked != 1 {
		t.Errorf("kicked %d times; an edition for now must be prepared at once", f.kicked)
	}
}
