package editorial_test

import (
	"context"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
)

// Publishing drops the cached feeds and tells the hub once, when the
// article goes live; a time ahead schedules it, and it goes live when due.
func TestPublishArticleAnnouncesOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := f.article(t, "draft", newsdesk.StatusDraft, time.Time{})
	got, err := f.ed.PublishArticle(ctx, a.ID, t0.Add(time.Hour))
	if err != nil || got.Status != newsdesk.StatusScheduled || len(f.announced) != 0 || f.invalidated != 1 {
		t.Fatalf("publish later: %v %s, announced %d, invalidated %d", err, got.Status, len(f.announced), f.invalidated)
	}
	f.clock.Set(t0.Add(2 * time.Hour))
	due, err := f.ed.PublishDue(ctx)
	if err != nil || len(due) != 1 || len(f.announced) != 1 || f.announced[0].Slug != "draft" {
		t.Fatalf("publish due: %v %d, announced %v", err, len(due), f.announced)
	}
	if _, err := f.ed.PublishArticle(ctx, a.ID, time.Time{}); err != nil || len(f.announced) != 1 {
		t.Errorf("publishing a published article announced it again: %v %d", err, len(f.announced))
	}
	if got, err = f.ed.UnpublishArticle(ctx, a.ID); err != nil || got.Status != newsdesk.StatusDraft || !got.PublishedAt.IsZero() {
		t.Errorf("unpublish: %v %+v", err, got)
	}
}

func TestPublishStatus(t *testing.T) {
	for _, c := range []struct {
		st     newsdesk.ArticleStatus
		at     time.Time
		want   newsdesk.ArticleStatus
		wantAt time.Time
	}{
		{newsdesk.StatusDraft, t0, newsdesk.StatusDraft, time.Time{}},
		{newsdesk.StatusPublished, time.Time{}, newsdesk.StatusPublished, t0},
		{newsdesk.StatusPublished, t0.Add(time.Minute), newsdesk.StatusScheduled, t0.Add(time.Minute)},
		{newsdesk.StatusScheduled, t0.Add(-time.Minute), newsdesk.StatusPublished, t0.Add(-time.Minute)},
		{newsdesk.StatusScheduled, t0, newsdesk.StatusPublished, t0},
	} {
		st, at := newsdesk.PublishStatus(c.st, c.at, t0)
		if st != c.want || !at.Equal(c.wantAt) {
			t.Errorf("PublishStatus(%s, %v) = %s %v, want %s %v", c.st, c.at, st, at, c.want, c.wantAt)
		}
	}
}

// A new article is announced when it is live at once, not when it is
// scheduled or a draft.
func TestCreateArticleAnnouncesWhatIsLive(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, a := range []*newsdesk.Article{
		{Title: "Now", Slug: "now", Body: "x", Status: newsdesk.StatusPublished},
		{Title: "Later", Slug: "later", Body: "x", Status: newsdesk.StatusPublished, PublishedAt: t0.Add(time.Hour)},
		{Title: "Draft", Slug: "draft", Body: "x", Status: newsdesk.StatusDraft},
	} {
		if err := f.ed.CreateArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if len(f.announced) != 1 || f.announced[0].Slug != "now" || f.invalidated != 3 {
		t.Errorf("announced %v, invalidated %d", f.announced, f.invalidated)
	}
}
