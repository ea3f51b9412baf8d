package sqlite_test

import (
	"context"
	"testing"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/sqlite"
)

// TestSentArticles: a subscriber was sent the articles of the variant of
// each delivery they got in the newsletter, not those of a cancelled
// edition, nor another newsletter's; rows recorded per article by earlier
// versions still count.
func TestSentArticles(t *testing.T) {
	m := newMailStore(t)
	ctx := context.Background()
	arts := sqlite.NewArticleService(m.db, upperRender, "example.org")
	var uids []string
	for _, title := range []string{"Rents", "Wages", "Ports"} {
		a := &newsdesk.Article{Title: title, Author: &newsdesk.Author{Slug: "ada"}, Status: newsdesk.StatusPublished}
		if err := arts.CreateArticle(ctx, a); err != nil {
			t.Fatal(err)
		}
		uids = append(uids, a.UID)
	}
	ada := m.subscribe(t, "ada@example.org", true, "weekly", "daily")
	bo := m.subscribe(t, "bo@example.org", true, "weekly")
	queue := func(n *newsdesk.Newsletter, ds ...newsdesk.DigestDelivery) *newsdesk.Edition {
		t.Helper()
		e := &newsdesk.Edition{Newsletter: n, Kind: newsdesk.EditionKindManual, Status: newsdesk.EditionScheduled}
		if err := m.nls.AddEdition(ctx, e); err != nil {
			t.Fatal(err)
		}
		if ok, err := m.nls.StartPreparing(ctx, e.ID); !ok || err != nil {
			t.Fatal(ok, err)
		}
		if err := m.nls.QueueDigests(ctx, e, bo.ID, ds); err != nil {
			t.Fatal(err)
		}
		return e
	}
	variant := func(key string) *newsdesk.EditionVariant {
		return &newsdesk.EditionVariant{Variant: key, Subject: key, HTML: key, Text: key}
	}
	queue(m.weekly, newsdesk.DigestDelivery{SubscriberID: ada.ID, Variant: variant("a"), ArticleUIDs: uids[:1]},
		newsdesk.DigestDelivery{SubscriberID: bo.ID, Variant: variant("b"), ArticleUIDs: uids[:2]})
	queue(m.daily, newsdesk.DigestDelivery{SubscriberID: ada.ID, Variant: variant("c"), ArticleUIDs: uids[1:2]})
	cancelled := queue(m.weekly, newsdesk.DigestDelivery{SubscriberID: ada.ID, Variant: variant("d"), ArticleUIDs: uids[2:]})
	if _, err := m.nls.CancelEdition(ctx, cancelled.ID); err != nil {
		t.Fatal(err)
	}
	legacy := m.edition(t, m.weekly)
	if err := m.db.Exec(ctx, `INSERT INTO sent_articles (newsletter_id, subscriber_id, article_uid, edition_id)
		VALUES (?, ?, ?, ?)`, m.weekly.ID, bo.ID, uids[2], legacy.ID); err != nil {
		t.Fatal(err)
	}
	got, err := m.nls.SentArticles(ctx, m.weekly.ID, []int64{ada.ID, bo.ID}, uids)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]map[string]bool{
		ada.ID: {uids[0]: true},
		bo.ID:  {uids[0]: true, uids[1]: true, uids[2]: true},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for id, w := range want {
		if len(got[id]) != len(w) {
			t.Errorf("subscriber %d: got %v, want %v", id, got[id], w)
		}
		for uid := range w {
			if !got[id][uid] {
				t.Errorf("subscriber %d: %s not reported sent", id, uid)
			}
		}
	}
}
