package admin

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
)

// seedPickable stores a published, a scheduled and a draft article.
func (f *fixture) seedPickable() map[string]*newsdesk.Article {
	f.t.Helper()
	arts := map[string]*newsdesk.Article{}
	for _, a := range []*newsdesk.Article{
		{Title: "Harbour rents", Slug: "harbour-rents", Body: "b", Status: newsdesk.StatusPublished, PublishedAt: t0.Add(-time.Hour)},
		{Title: "Harbour ferries", Slug: "harbour-ferries", Body: "b", Status: newsdesk.StatusScheduled, PublishedAt: t0.Add(24 * time.Hour)},
		{Title: "Quay markets", Slug: "quay-markets", Body: "b", Status: newsdesk.StatusPublished, PublishedAt: t0.Add(-2 * time.Hour)},
		{Title: "Unfinished draft", Slug: "unfinished", Body: "b", Status: newsdesk.StatusDraft},
	} {
		if err := f.articles.CreateArticle(f.t.Context(), a); err != nil {
			f.t.Fatal(err)
		}
		arts[a.Slug] = a
	}
	return arts
}

// inArticles returns the articles fieldset of the one-off form.
func inArticles(body string) string {
	_, rest, _ := strings.Cut(body, `<fieldset id="articles"`)
	rest, _, _ = strings.Cut(rest, `</fieldset>`)
	return rest
}

func TestOneOffEditionPage(t *testing.T) {
	f := newFixture(t)
	arts := f.seedPickable()
	b := f.loggedIn()
	if _, body := b.get("/admin/newsletters/weekly"); !strings.Contains(body, `href="/admin/editions/new?newsletter=weekly"`) {
		t.Error("the newsletter page has no link to a one-off edition")
	}
	if _, body := b.get("/admin/editions"); !strings.Contains(body, `href="/admin/editions/new"`) {
		t.Error("the editions list has no link to a one-off edition")
	}
	resp, body := b.get("/admin/editions/new?newsletter=weekly")
	list := inArticles(body)
	if resp.StatusCode != 200 || !strings.Contains(body, `value="weekly" selected`) || !strings.Contains(body, `value="now" checked`) {
		t.Fatalf("form: %d\n%s", resp.StatusCode, body)
	}
	if !strings.Contains(list, "Harbour rents") || !strings.Contains(list, "Harbour ferries") || strings.Contains(list, "Unfinished") {
		t.Errorf("the form should list published and scheduled articles, no draft:\n%s", list)
	}

	// Search keeps what was typed and picked; the picked one stays on top.
	form := url.Values{"newsletter": {"weekly"}, "articles": {"quay-markets"}, "intro": {"Dear readers,\nthree pieces."},
		"q": {"harbour"}, "action": {"search"}}
	_, body = b.post("/admin/editions/new", form)
	list = inArticles(body)
	quay, rents := strings.Index(list, `value="quay-markets" checked`), strings.Index(list, `value="harbour-rents"`)
	if quay < 0 || rents < quay || !strings.Contains(list, "harbour-ferries") || !strings.Contains(body, "Dear readers,\nthree pieces.</textarea>") {
		t.Errorf("search lost the pick or the intro, or did not find the harbour pieces:\n%s", body)
	}
	if strings.Contains(list, `value="quay-markets"`) && strings.Count(list, `value="quay-markets"`) != 1 {
		t.Error("the picked article is listed twice")
	}

	form = url.Values{"newsletter": {"weekly"}, "articles": {"harbour-ferries", "harbour-rents"}, "intro": {" A special edition. "},
		"when": {"schedule"}, "at": {"2026-11-26T08:00"}, "action": {"create"}}
	resp, _ = b.post("/admin/editions/new", form)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/editions/") || !strings.HasSuffix(loc, "?done=created") {
		t.Fatalf("create: %d to %q", resp.StatusCode, loc)
	}
	var id int64
	fmt.Sscanf(loc, "/admin/editions/%d", &id)
	e, err := f.letters.FindEditionByID(t.Context(), id)
	if err != nil || e.Kind != newsdesk.EditionKindOneOff || e.Intro != "A special edition." || e.Newsletter.Slug != "weekly" ||
		fmt.Sprint(e.Picked) != fmt.Sprint([]int64{arts["harbour-ferries"].ID, arts["harbour-rents"].ID}) ||
		!e.ScheduledFor.Equal(time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)) {
		t.Fatalf("stored %+v, %v", e, err)
	}
	_, body = b.get(loc)
	for _, want := range []string{"Created.", "2 hand-picked", "A special edition.", "2026-11-26 08:00 UTC",
		`href="/admin/newsletters/weekly/preview?edition=` + fmt.Sprint(id) + `"`, `action="/admin/editions/` + fmt.Sprint(id) + `/cancel"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the edition page lacks %q", want)
		}
	}

	resp, _ = b.post("/admin/editions/new", url.Values{"newsletter": {"weekly"}, "articles": {"quay-markets"}, "when": {"now"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create for now: %d", resp.StatusCode)
	}
	fmt.Sscanf(resp.Header.Get("Location"), "/admin/editions/%d", &id)
	if e, _ := f.letters.FindEditionByID(t.Context(), id); !e.ScheduledFor.Equal(t0) {
		t.Errorf("an edition for now goes at %s, want %s", e.ScheduledFor, t0)
	}
}

func TestOneOffEditionRefusesBadInput(t *testing.T) {
	f := newFixture(t)
	f.seedPickable()
	b := f.loggedIn()
	ok := url.Values{"newsletter": {"weekly"}, "articles": {"harbour-rents"}, "intro": {"Kept intro"}, "when": {"now"}}
	with := func(kv ...string) url.Values {
		v := url.Values{}
		for k, vs := range ok {
			v[k] = vs
		}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Del(kv[i])
			if kv[i+1] != "" {
				v[kv[i]] = strings.Split(kv[i+1], "|")
			}
		}
		return v
	}
	many := make([]string, newsdesk.MaxPickedArticles+1)
	for i := range many {
		many[i] = "harbour-rents"
	}
	for _, tc := range []struct {
		name       string
		form       url.Values
		field, msg string
		kept       []string
	}{
		{"a draft", with("articles", "harbour-rents|unfinished"), "articles",
			"articles: &#34;unfinished&#34; is a draft; publish or schedule it first",
			[]string{`value="harbour-rents" checked`, `value="unfinished" checked`, "Kept intro</textarea>"}},
		{"no article", with("articles", ""), "articles", "articles: pick from 1 to 50 articles", []string{"Kept intro</textarea>"}},
		{"too many articles", with("articles", strings.Join(many, "|")), "articles", "articles: pick from 1 to 50 articles", nil},
		{"an unknown article", with("articles", "no-such-piece"), "articles", "articles: article", []string{`value="no-such-piece" checked`}},
		{"an intro too long", with("intro", strings.Repeat("é", newsdesk.MaxIntroLength+1)), "intro", "intro: longer than 5000 characters",
			[]string{`value="harbour-rents" checked`, strings.Repeat("é", newsdesk.MaxIntroLength+1) + "</textarea>"}},
		{"no newsletter", with("newsletter", ""), "newsletter", "Choose the newsletter", []string{"Kept intro</textarea>"}},
		{"a bad time", with("when", "schedule", "at", "tomorrow"), "at", "&#34;tomorrow&#34; is not a date and time",
			[]string{`value="tomorrow"`, `value="schedule" checked`, "Kept intro</textarea>"}},
		{"no time", with("when", "schedule"), "at", "Choose a date and time.", nil},
		{"a past time", with("when", "schedule", "at", "2026-11-25T08:00"), "at", "This time has passed: choose a later one, or Now.",
			[]string{`value="2026-11-25T08:00"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := b.post("/admin/editions/new", tc.form)
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("status %d, want 400", resp.StatusCode)
			}
			next := errorNextTo(body, tc.field, tc.msg)
			if tc.field == "articles" {
				next = strings.Contains(inArticles(body), `<p class="error" role="alert">`+tc.msg)
			}
			if !next {
				t.Errorf("no %q next to %s in\n%s", tc.msg, tc.field, body)
			}
			for _, k := range tc.kept {
				if !strings.Contains(body, k) {
					t.Errorf("the form lost %.80s", k)
				}
			}
		})
	}
	if es, _ := f.letters.FindEditions(t.Context(), newsdesk.EditionFilter{}); len(es) != 0 {
		t.Errorf("%d editions stored by refused forms", len(es))
	}
}
