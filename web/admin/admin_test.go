package admin

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/digest"
	"github.com/newsdesk/newsdesk/digest/digesttest"
	"github.com/newsdesk/newsdesk/feeds"
	"github.com/newsdesk/newsdesk/sqlite"
	"github.com/newsdesk/newsdesk/templates"
	"golang.org/x/crypto/bcrypt"
)

var t0 = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

const (
	editorEmail = "editor@example.org"
	editorPass  = "correct horse battery"
)

// fixture is the desk over a real SQLite file, served by httptest, with
// a stand-in editor that does the simple part of each action on the
// real stores and records what it was asked.
type fixture struct {
	t        *testing.T
	clock    *newsdesk.FixedClock
	db       *sqlite.DB
	articles *sqlite.ArticleService
	letters  *sqlite.NewsletterService
	subs     *sqlite.SubscriberService
	sources  *sqlite.SourceService
	tokens   *sqlite.APITokenService
	editor   *fakeEditor
	h        *Handler
	srv      *httptest.Server
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, clock: newsdesk.NewFixedClock(t0)}
	f.db = sqlite.NewDB(filepath.Join(t.TempDir(), "newsdesk.db"))
	f.db.Clock = f.clock
	if err := f.db.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.db.Close() })
	ctx := context.Background()
	f.db.SetMeta(ctx, "tag_prefix", "tag:example.org,2026-11-25:")
	md := feeds.NewMarkdown().Render
	f.articles = sqlite.NewArticleService(f.db, md, "example.org")
	f.letters = sqlite.NewNewsletterService(f.db)
	f.subs = sqlite.NewSubscriberService(f.db)
	f.sources = sqlite.NewSourceService(f.db)
	f.tokens = sqlite.NewAPITokenService(f.db)
	f.editor = &fakeEditor{articles: f.articles, letters: f.letters, clock: f.clock}
	hash, _ := bcrypt.GenerateFromPassword([]byte(editorPass), bcrypt.MinCost)
	if err := f.db.CreateUser(ctx, editorEmail, string(hash)); err != nil {
		t.Fatal(err)
	}
	f.seed(ctx)
	tmpl, err := templates.Admin("", Funcs())
	if err != nil {
		t.Fatal(err)
	}
	f.h = &Handler{Accounts: f.db, Articles: f.articles, Newsletters: f.letters, Editor: f.editor,
		Subscribers: f.subs, Sources: f.sources, Tokens: f.tokens, Markdown: md, Templates: tmpl, Clock: f.clock,
		Logger: discardLogger()}
	f.srv = httptest.NewServer(f.h.Init())
	t.Cleanup(f.srv.Close)
	return f
}

// seed stores an author, two categories and a newsletter.
func (f *fixture) seed(ctx context.Context) {
	if err := f.articles.CreateAuthor(ctx, &newsdesk.Author{Slug: "ada", Name: "Ada Byron"}); err != nil {
		f.t.Fatal(err)
	}
	for _, c := range []string{"economy", "cities"} {
		if err := f.articles.SaveCategory(ctx, &newsdesk.Category{Slug: c, Name: strings.ToUpper(c[:1]) + c[1:]}); err != nil {
			f.t.Fatal(err)
		}
	}
	if err := f.letters.CreateNewsletter(ctx, &newsdesk.Newsletter{Slug: "weekly", Name: "The Weekly", TimeZone: "UTC"}); err != nil {
		f.t.Fatal(err)
	}
	for _, email := range []string{"ada.reader@example.com", "bo.reader@example.com"} {
		if _, err := f.subs.Subscribe(ctx, newsdesk.SubscribeRequest{Email: email, Newsletters: []string{"weekly"}, Confirmed: true}); err != nil {
			f.t.Fatal(err)
		}
	}
}

// browser is a client with its own cookies that does not follow redirects.
type browser struct {
	f *fixture
	c *http.Client
}

func (f *fixture) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{f: f, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// loggedIn returns a browser with a session.
func (f *fixture) loggedIn() *browser {
	f.t.Helper()
	b := f.browser()
	if resp, body := b.post("/admin/login", url.Values{"email": {editorEmail}, "password": {editorPass}}); resp.StatusCode != http.StatusSeeOther {
		f.t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
	return b
}

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.f.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.f.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func (b *browser) get(path string) (*http.Response, string) {
	req, _ := http.NewRequest(http.MethodGet, b.f.srv.URL+path, nil)
	return b.do(req)
}

// post sends a form as a browser on the desk's own page would, with Origin.
func (b *browser) post(path string, form url.Values, header ...string) (*http.Response, string) {
	req, _ := http.NewRequest(http.MethodPost, b.f.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.f.srv.URL)
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	return b.do(req)
}

// upload posts a multipart form with one file, as the article form does.
func (b *browser) upload(path string, fields url.Values, field, name string, content []byte) (*http.Response, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile(field, name)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.f.srv.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", b.f.srv.URL)
	return b.do(req)
}

// fakeEditor stands in for editorial.Editor, which is tested in its own
// package.
type fakeEditor struct {
	articles *sqlite.ArticleService
	letters  *sqlite.NewsletterService
	clock    newsdesk.Clock
	calls    []string
}

func (e *fakeEditor) record(s string) { e.calls = append(e.calls, s) }

func (e *fakeEditor) PreviewDigest(ctx context.Context, slug string, id int64, sub string) (*newsdesk.DigestPreview, error) {
	e.record("preview " + slug + " " + sub)
	if sub == "stranger@example.com" {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "%s is not subscribed to %s", sub, slug)
	}
	return &newsdesk.DigestPreview{To: "reader@example.com", Subject: "The Weekly: rents", HTML: "<p>digest body</p>"}, nil
}

func (e *fakeEditor) SendTest(ctx context.Context, slug string, id int64, to string) error {
	e.record("test " + slug + " " + to)
	return nil
}

func (e *fakeEditor) SendNow(ctx context.Context, slug string) (*newsdesk.Edition, error) {
	e.record("send-now " + slug)
	n, err := e.letters.FindNewsletterBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	return digesttest.Edition(ctx, e.letters, n, "Now", "<p>x</p>", "x")
}

func (e *fakeEditor) ApproveEdition(ctx context.Context, id int64) (*newsdesk.Edition, error) {
	e.record("approve")
	return e.letters.ApproveEdition(ctx, id)
}

func (e *fakeEditor) PauseEdition(ctx context.Context, id int64) (*newsdesk.Edition, error) {
	e.record("pause")
	return e.letters.PauseEdition(ctx, id)
}

func (e *fakeEditor) ResumeEdition(ctx context.Context, id int64) (*newsdesk.Edition, error) {
	e.record("resume")
	return e.letters.ResumeEdition(ctx, id)
}

func (e *fakeEditor) CancelEdition(ctx context.Context, id int64) (*newsdesk.Edition, error) {
	e.record("cancel")
	return e.letters.CancelEdition(ctx, id)
}

func (e *fakeEditor) PublishArticle(ctx context.Context, id int64, at time.Time) (*newsdesk.Article, error) {
	e.record("publish")
	return e.articles.PublishArticle(ctx, id, at)
}

func (e *fakeEditor) CreateNewsletter(ctx context.Context, n *newsdesk.Newsletter) error {
	e.record("create-newsletter")
	if err := digest.CheckNewsletter(n); err != nil {
		return err
	}
	return e.letters.CreateNewsletter(ctx, n)
}

func (e *fakeEditor) UpdateNewsletter(ctx context.Context, slug string, upd newsdesk.NewsletterUpdate) (*newsdesk.Newsletter, error) {
	e.record("update-newsletter")
	return e.letters.UpdateNewsletter(ctx, slug, upd)
}

func (e *fakeEditor) UnpublishArticle(ctx context.Context, id int64) (*newsdesk.Article, error) {
	e.record("unpublish")
	return e.articles.UnpublishArticle(ctx, id)
}

// CreateEdition makes the checks editorial.Editor makes, with the
// same field errors, and stores the edition.
func (e *fakeEditor) CreateEdition(ctx context.Context, o newsdesk.OneOffEdition) (*newsdesk.Edition, error) {
	e.record("create-edition " + strings.Join(o.Articles, ","))
	if len([]rune(strings.TrimSpace(o.Intro))) > newsdesk.MaxIntroLength {
		return nil, newsdesk.FieldErrorf("intro", "intro: longer than %d characters", newsdesk.MaxIntroLength)
	}
	n, err := e.letters.FindNewsletterBySlug(ctx, o.Newsletter)
	if err != nil {
		return nil, err
	}
	if len(o.Articles) == 0 || len(o.Articles) > newsdesk.MaxPickedArticles {
		return nil, newsdesk.FieldErrorf("articles", "articles: pick from 1 to %d articles", newsdesk.MaxPickedArticles)
	}
	ed := &newsdesk.Edition{Newsletter: n, Kind: newsdesk.EditionKindOneOff, Intro: strings.TrimSpace(o.Intro),
		ScheduledFor: o.At, Status: newsdesk.EditionScheduled}
	for _, slug := range o.Articles {
		a, err := e.articles.FindArticleBySlug(ctx, slug)
		if err != nil {
			return nil, newsdesk.FieldErrorf("articles", "articles: %s", newsdesk.ErrorMessage(err))
		} else if a.Status == newsdesk.StatusDraft {
			return nil, newsdesk.FieldErrorf("articles", "articles: %q is a draft; publish or schedule it first", slug)
		}
		ed.Picked = append(ed.Picked, a.ID)
	}
	if ed.ScheduledFor.IsZero() {
		ed.ScheduledFor = e.clock.Now()
	}
	return ed, e.letters.AddEdition(ctx, ed)
}
