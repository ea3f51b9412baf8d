package digest_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/digest"
	"github.com/newsdesk/newsdesk/sqlite"
	"github.com/newsdesk/newsdesk/templates"
)

// desk is a digest desk on a real SQLite file, with a fixed clock.
type desk struct {
	t        *testing.T
	clock    *newsdesk.FixedClock
	articles *sqlite.ArticleService
	nls      *sqlite.NewsletterService
	subs     *sqlite.SubscriberService
	outbox   *sqlite.OutboxService
	d        *digest.Maker
}

// mon is Monday 2 November 2026, 08:30 UTC.
var mon = time.Date(2026, 11, 2, 8, 30, 0, 0, time.UTC)

func newDeskT(t *testing.T) *desk {
	t.Helper()
	clock := newsdesk.NewFixedClock(mon)
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "newsdesk.db"))
	db.Clock = clock
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	x := &desk{t: t, clock: clock, nls: sqlite.NewNewsletterService(db), subs: sqlite.NewSubscriberService(db),
		outbox:   sqlite.NewOutboxService(db),
		articles: sqlite.NewArticleService(db, func(s string) (string, error) { return "<p>" + s + "</p>", nil }, "example.org")}
	for _, c := range []string{"economy", "cities", "climate"} {
		if err := x.articles.SaveCategory(context.Background(), &newsdesk.Category{Slug: c, Name: c}); err != nil {
			t.Fatal(err)
		}
	}
	tmpl, err := templates.Digest("")
	if err != nil {
		t.Fatal(err)
	}
	r, err := digest.NewRenderer(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	x.d = &digest.Maker{Store: x.nls, Articles: x.articles, Renderer: r, Batch: 2, // small batches: several per edition
		Site:           newsdesk.Site{Title: "The Review", BaseURL: "https://news.example", PostalAddress: "1 Quay St"},
		UnsubscribeURL: "https://news.example/unsubscribe/x-newsdesk-unsubscribe-token",
		PreferencesURL: "https://news.example/preferences/x-newsdesk-preferences-token",
		Clock:          clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return x
}

func (x *desk) newsletter(slug, schedule string, mod func(*newsdesk.Newsletter)) *newsdesk.Newsletter {
	x.t.Helper()
	n := &newsdesk.Newsletter{Slug: slug, Name: "The " + slug, Schedule: schedule, TimeZone: "UTC"}
	if mod != nil {
		mod(n)
	}
	if err := x.nls.CreateNewsletter(context.Background(), n); err != nil {
		x.t.Fatal(err)
	}
	return n
}

func (x *desk) subscribe(email string, topics []string, newsletters ...string) {
	x.t.Helper()
	_, err := x.subs.Subscribe(context.Background(), newsdesk.SubscribeRequest{Email: email,
		Newsletters: newsletters, Topics: topics, Confirmed: true})
	if err != nil {
		x.t.Fatal(err)
	}
}

// publish publishes an article at the given time (not after the clock).
func (x *desk) publish(title string, at time.Time, cats ...string) *newsdesk.Article {
	x.t.Helper()
	a := &newsdesk.Article{Title: title, Body: title, Status: newsdesk.StatusPublished, PublishedAt: at}
	for _, c := range cats {
		a.Categories = append(a.Categories, &newsdesk.Category{Slug: c})
	}
	if err := x.articles.CreateArticle(context.Background(), a); err != nil {
		x.t.Fatal(err)
	}
	return a
}

// run sets the clock and runs the desk's job.
func (x *desk) run(now time.Time) {
	x.t.Helper()
	x.clock.Set(now)
	if err := x.d.RunDue(context.Background(), now); err != nil {
		x.t.Fatal(err)
	}
}

// sent claims every due delivery, marks it sent, and returns for each
// address the titles its digest carried, in order, among those given.
func (x *desk) sent(titles ...string) map[string][]string {
	x.t.Helper()
	ctx := context.Background()
	ds, err := x.outbox.ClaimDeliveries(ctx, 10000, time.Hour)
	if err != nil {
		x.t.Fatal(err)
	}
	got := map[string][]string{}
	var results []newsdesk.DeliveryResult
	for _, d := range ds {
		v, err := x.nls.FindEditionVariant(ctx, d.VariantID)
		if err != nil {
			x.t.Fatalf("delivery %d to %s: %v", d.ID, d.Subscriber.Email, err)
		}
		got[d.Subscriber.Email] = append(got[d.Subscriber.Email], "|")
		for _, title := range titles {
			if strings.Contains(v.Text, title) {
				got[d.Subscriber.Email] = append(got[d.Subscriber.Email], title)
			}
		}
		results = append(results, newsdesk.DeliveryResult{ID: d.ID, EditionID: d.EditionID,
			SubscriberID: d.Subscriber.ID, Status: newsdesk.DeliverySent})
	}
	if err := x.outbox.CompleteDeliveries(ctx, results); err != nil {
		x.t.Fatal(err)
	}
	return got
}

func (x *desk) editions(slug string) []*newsdesk.Edition {
	x.t.Helper()
	es, err := x.nls.FindEditions(context.Background(), newsdesk.EditionFilter{Newsletter: &slug})
	if err != nil {
		x.t.Fatal(err)
	}
	slices.Reverse(es) // oldest first
	return es
}

func equal(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

func at(day, hour, minute int) time.Time {
	return time.Date(2026, 11, day, hour, minute, 0, 0, time.UTC)
}

// A daemon down for three ticks sends one catch-up edition whose window
// starts at the previous cutoff, with every article since, once.
func TestDeskCatchUpOnce(t *testing.T) {
	x := newDeskT(t)
	x.newsletter("daily", "0 9 * * *", nil)
	x.subscribe("ada@example.org", nil, "daily")
	x.publish("Monday news", at(2, 7, 0))
	x.run(at(2, 9, 0))
	if got := x.sent("Monday news"); !equal(got, map[string][]string{"ada@example.org": {"|", "Monday news"}}) {
		t.Fatalf("first edition: %v", got)
	}
	x.clock.Set(at(3, 8, 0))
	x.publish("Tuesday news", at(3, 8, 0))
	x.clock.Set(at(5, 8, 0))
	x.publish("Thursday news", at(5, 8, 0))
	// Down on the 3rd, 4th and 5th at 9:00; back at 9:30.
	x.run(at(5, 9, 30))
	x.run(at(5, 9, 31))
	es := x.editions("daily")
	if len(es) != 2 {
		t.Fatalf("%d editions, want 2 (one catch-up)", len(es))
	}
	if !es[1].WindowStart.Equal(at(2, 9, 0)) || !es[1].Cutoff.Equal(at(5, 9, 0)) {
		t.Errorf("catch-up window (%v, %v], want (2 Nov 9:00, 5 Nov 9:00]", es[1].WindowStart, es[1].Cutoff)
	}
	want := map[string][]string{"ada@example.org": {"|", "Tuesday news", "Thursday news"}}
	if got := x.sent("Monday news", "Tuesday news", "Thursday news"); !equal(got, want) {
		t.Errorf("catch-up sent %v, want %v", got, want)
	}
	if e, _ := x.nls.FindEditionByID(context.Background(), es[1].ID); e.Status != newsdesk.EditionSent {
		t.Errorf("edition %s, want sent", e.Status)
	}
}

// Topics and categories select exactly the expected articles; a subscriber
// with nothing to read gets nothing; an empty window sends nothing.
func TestDeskTopicAndCategoryFilters(t *testing.T) {
	x := newDeskT(t)
	x.newsletter("econ", "0 9 * * *", func(n *newsdesk.Newsletter) { n.Categories = []string{"economy", "cities"} })
	x.subscribe("all@example.org", nil, "econ")
	x.subscribe("cities@example.org", []string{"cities"}, "econ")
	x.subscribe("climate@example.org", []string{"climate"}, "econ")
	x.publish("Rents", at(2, 6, 0), "economy", "cities")
	x.publish("Wages", at(2, 7, 0), "economy")
	x.publish("Floods", at(2, 8, 0), "climate")
	x.run(at(2, 9, 0))
	want := map[string][]string{
		"all@example.org":    {"|", "Rents", "Wages"},
		"cities@example.org": {"|", "Rents"},
	}
	got := x.sent("Rents", "Wages", "Floods")
	if !equal(got, want) {
		t.Errorf("sent %v, want %v", got, want)
	}
	x.run(at(3, 9, 0)) // nothing published since: no delivery at all
	if got := x.sent("Rents", "Wages", "Floods"); len(got) != 0 {
		t.Errorf("empty window sent %v", got)
	}
	es := x.editions("econ")
	if len(es) != 2 || es[1].Counts.Recipients != 0 || es[1].Status != newsdesk.EditionSent {
		t.Errorf("empty edition: %+v", es[len(es)-1])
	}
}

// No article goes twice to the same subscriber in a newsletter, even when
// it is re-published into a later window or edited.
func TestDeskNoArticleTwice(t *testing.T) {
	x := newDeskT(t)
	x.newsletter("daily", "0 9 * * *", nil)
	x.subscribe("ada@example.org", nil, "daily")
	a := x.publish("Rents", at(2, 7, 0))
	x.run(at(2, 9, 0))
	x.sent("Rents")
	ctx := context.Background()
	x.clock.Set(at(3, 7, 0))
	if _, err := x.articles.UnpublishArticle(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := x.articles.PublishArticle(ctx, a.ID, at(3, 7, 0)); err != nil {
		t.Fatal(err)
	}
	title := "Rents, revised"
	if _, err := x.articles.UpdateArticle(ctx, a.ID, newsdesk.ArticleUpdate{Title: &title}); err != nil {
		t.Fatal(err)
	}
	x.clock.Set(at(3, 8, 0))
	x.publish("Wages", at(3, 8, 0))
	x.run(at(3, 9, 0))
	want := map[string][]string{"ada@example.org": {"|", "Wages"}}
	if got := x.sent("Rents", "Wages"); !equal(got, want) {
		t.Errorf("second edition sent %v, want %v", got, want)
	}
}

// With approval required an edition waits, with no delivery, until an
// editor approves it.
func TestDeskApprovalHoldsEdition(t *testing.T) {
	x := newDeskT(t)
	x.newsletter("daily", "0 9 * * *", func(n *newsdesk.Newsletter) { n.ApprovalRequired = true })
	x.subscribe("ada@example.org", nil, "daily")
	x.publish("Rents", at(2, 7, 0))
	x.run(at(2, 9, 0))
	x.run(at(2, 10, 0))
	es := x.editions("daily")
	if len(es) != 1 || es[0].Status != newsdesk.EditionAwaitingApproval {
		t.Fatalf("editions %+v, want one awaiting approval", es)
	}
	if got := x.sent("Rents"); len(got) != 0 {
		t.Fatalf("sent before approval: %v", got)
	}
	if _, err := x.nls.ApproveEdition(context.Background(), es[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := x.nls.ApproveEdition(context.Background(), es[0].ID); newsdesk.ErrorCode(err) != newsdesk.ECONFLICT {
		t.Errorf("approving twice: %v, want ECONFLICT", err)
	}
	x.run(at(2, 10, 1))
	if got := x.sent("Rents"); !equal(got, map[string][]string{"ada@example.org": {"|", "Rents"}}) {
		t.Errorf("after approval sent %v", got)
	}
}

// Pausing a newsletter cuts nothing and resuming does not catch up the
// paused ticks; pausing an edition holds its deliveries, resuming sends
// them, and cancelling skips them and forgets their articles as sent.
func TestDeskPauseResumeCancel(t *testing.T) {
	x := newDeskT(t)
	ctx := context.Background()
	x.newsletter("daily", "0 9 * * *", nil)
	for _, e := range []string{"a@example.org", "b@example.org", "c@example.org"} {
		x.subscribe(e, nil, "daily")
	}
	paused, resumed := true, false
	x.nls.UpdateNewsletter(ctx, "daily", newsdesk.NewsletterUpdate{Paused: &paused})
	x.run(at(2, 9, 0))
	if es := x.editions("daily"); len(es) != 0 {
		t.Fatalf("paused newsletter cut %d editions", len(es))
	}
	x.clock.Set(at(2, 9, 30))
	x.nls.UpdateNewsletter(ctx, "daily", newsdesk.NewsletterUpdate{Paused: &resumed})
	x.run(at(2, 9, 31))
	if es := x.editions("daily"); len(es) != 0 {
		t.Fatalf("resume caught up a paused tick")
	}
	x.clock.Set(at(2, 10, 0))
	x.publish("Rents", at(2, 10, 0))
	x.run(at(3, 9, 0))
	es := x.editions("daily")
	if len(es) != 1 || es[0].Counts.Recipients != 3 {
		t.Fatalf("editions after resume: %+v", es)
	}
	id := es[0].ID
	if e, err := x.nls.PauseEdition(ctx, id); err != nil || e.Status != newsdesk.EditionPaused {
		t.Fatalf("pause: %v %+v", err, e)
	}
	if got := x.sent("Rents"); len(got) != 0 {
		t.Fatalf("paused edition sent %v", got)
	}
	x.nls.ResumeEdition(ctx, id)
	ds, _ := x.outbox.ClaimDeliveries(ctx, 1, time.Hour) // one goes out
	x.outbox.CompleteDeliveries(ctx, []newsdesk.DeliveryResult{{ID: ds[0].ID, EditionID: id,
		SubscriberID: ds[0].Subscriber.ID, Status: newsdesk.DeliverySent}})
	e, err := x.nls.CancelEdition(ctx, id)
	if err != nil || e.Status != newsdesk.EditionCancelled || e.Counts.Sent != 1 || e.Counts.Skipped != 2 {
		t.Fatalf("cancel: %v %+v", err, e)
	}
	if got := x.sent("Rents"); len(got) != 0 {
		t.Errorf("cancelled edition sent %v", got)
	}
	if _, err := x.nls.ResumeEdition(ctx, id); newsdesk.ErrorCode(err) != newsdesk.ECONFLICT {
		t.Errorf("resume after cancel: %v, want ECONFLICT", err)
	}
	// The two who did not get it can get Rents in a one-off; the one who did cannot.
	one := &newsdesk.Edition{Newsletter: es[0].Newsletter, Kind: newsdesk.EditionKindOneOff, Intro: "Again",
		Picked: []int64{1}, ScheduledFor: at(3, 12, 0), Status: newsdesk.EditionScheduled}
	if err := x.nls.AddEdition(ctx, one); err != nil {
		t.Fatal(err)
	}
	x.run(at(3, 11, 59))
	if got := x.sent("Rents"); len(got) != 0 {
		t.Errorf("one-off went before its time: %v", got)
	}
	x.run(at(3, 12, 0))
	if got := x.sent("Rents"); len(got) != 2 || got[ds[0].Subscriber.Email] != nil {
		t.Errorf("one-off sent %v, want the two skipped subscribers", got)
	}
}

// A subscriber who gave a time zone reads the edition's date in it; the
// others read it in the newsletter's.
func TestDeskSubscriberTimeZone(t *testing.T) {
	x := newDeskT(t)
	ctx := context.Background()
	x.newsletter("late", "30 23 * * *", nil)
	x.subscribe("ada@example.org", nil, "late")
	if _, err := x.subs.Subscribe(ctx, newsdesk.SubscribeRequest{Email: "kenji@example.org", TimeZone: "Asia/Tokyo",
		Newsletters: []string{"late"}, Confirmed: true}); err != nil {
		t.Fatal(err)
	}
	x.clock.Set(at(2, 20, 0))
	x.publish("Rents", at(2, 20, 0))
	x.run(at(2, 23, 30))
	ds, err := x.outbox.ClaimDeliveries(ctx, 10, time.Hour)
	if err != nil || len(ds) != 2 {
		t.Fatalf("claimed %d deliveries: %v", len(ds), err)
	}
	want := map[string]string{"ada@example.org": "2 Nov 2026", "kenji@example.org": "3 Nov 2026"}
	for _, d := range ds {
		v, err := x.nls.FindEditionVariant(ctx, d.VariantID)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(v.Subject, want[d.Subscriber.Email]) {
			t.Errorf("%s: subject %q, want the date %s", d.Subscriber.Email, v.Subject, want[d.Subscriber.Email])
		}
	}
}
