// Package importer brings a publication over from WordPress, Ghost or
// Substack: articles with their authors, categories, dates and statuses,
// bodies converted to Markdown, and the ids and addresses the old site
// gave them, so that feed readers see nothing new and old links still go
// somewhere.
package importer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/newsdesk/newsdesk"
)

// Store is what an import writes to.
type Store interface {
	// SaveImported saves a batch in one transaction, matching each article
	// by its UID, and says what it did with each.
	SaveImported(ctx context.Context, batch []*newsdesk.ImportedArticle) ([]newsdesk.ImportOutcome, error)
}

// DefaultBatch is how many articles are saved per transaction.
const DefaultBatch = 200

// Importer reads exports and saves what they hold.
type Importer struct {
	Store Store
	Clock newsdesk.Clock
	// Batch is how many articles one transaction saves; 0 is DefaultBatch.
	Batch int
	// DropTags leaves WordPress tags out instead of making them categories.
	DropTags bool
	// MediaFrom is a copy of wp-content/uploads; with MediaDir set, the
	// files posts use are copied into MediaDir and their links rewritten.
	MediaFrom string
	// MediaDir is the desk's media store, served under /media/.
	MediaDir string
	// SiteURL is the old site's address, for exports that do not carry it:
	// Substack's, and Ghost's links to __GHOST_URL__.
	SiteURL string
	// Progress is told how many posts of how many are saved; nil tells
	// nobody.
	Progress func(done, total int)
}

// post is one article read from an export, before it is saved.
type post struct {
	item    string // names the post in errors: its title, else its id
	article *newsdesk.Article
	author  *newsdesk.Author
	html    string // the body as the platform stored it
	excerpt string // plain text
	links   []string
	changes []string
	// gallery finds the images of a [gallery] in the post; nil finds none.
	gallery func(ids []string) []image
}

// save converts each post's body and saves the posts in batches, filling
// in the report.
func (im *Importer) save(ctx context.Context, conv *converter, posts []*post, r *Report) error {
	batch := im.Batch
	if batch <= 0 {
		batch = DefaultBatch
	}
	all := make([]*newsdesk.ImportedArticle, len(posts))
	for i, p := range posts {
		conv.gallery = p.gallery
		c, err := conv.convert(p.html)
		if err != nil {
			return newsdesk.Errorf(newsdesk.EINVALID, "%s: %s: field content: %w", r.Source, p.item, err)
		}
		p.article.Body = c.Body
		p.article.Summary = p.excerpt
		if p.article.Summary == "" {
			p.article.Summary = c.Teaser
		}
		p.changes = append(p.changes, c.Changes...)
		all[i] = &newsdesk.ImportedArticle{Article: p.article, Author: p.author, OldPaths: oldPaths(p.links)}
	}
	im.progress(0, len(all))
	for start := 0; start < len(all); start += batch {
		end := min(start+batch, len(all))
		outcomes, err := im.Store.SaveImported(ctx, all[start:end])
		if err != nil {
			return fmt.Errorf("%s: posts %d to %d (none of them saved, the %d before them saved): %w", r.Source, start+1, end, start, err)
		}
		for i, o := range outcomes {
			p := posts[start+i]
			r.count(o)
			r.Posts = append(r.Posts, PostReport{ID: p.article.UID, Title: p.article.Title, Slug: p.article.Slug,
				Status: p.article.Status, Outcome: o, Changes: p.changes})
		}
		im.progress(end, len(all))
	}
	return nil
}

func (im *Importer) progress(done, total int) {
	if im.Progress != nil {
		im.Progress(done, total)
	}
}

func (im *Importer) report(platform, source string) *Report {
	return &Report{Platform: platform, Source: source, At: im.now()}
}

func (im *Importer) now() time.Time {
	if im.Clock == nil {
		return time.Now().UTC()
	}
	return im.Clock.Now()
}

// checkTitle gives a post with no title one, and cuts one longer than
// an article's title may be.
func checkTitle(title string, note func(string, ...any)) string {
	switch {
	case title == "":
		note("the post has no title: it is called Untitled")
		return "Untitled"
	case len(title) > 500:
		t := title[:500]
		for !utf8.ValidString(t) {
			t = t[:len(t)-1]
		}
		note("the title was longer than 500 bytes: it is cut")
		return t
	}
	return title
}

// oldPaths makes redirect keys of a post's old addresses, once each.
func oldPaths(links []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range links {
		if p := newsdesk.RedirectPathOf(l); p != "" && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// slugFor picks an article slug from what the platform had, its title, or
// a fallback, and notes when it is not the old one.
func slugFor(old, title, fallback string, note func(string, ...any)) string {
	if dec, err := url.PathUnescape(old); err == nil {
		old = dec
	}
	old = strings.TrimSpace(old)
	switch {
	case newsdesk.ValidSlug(old):
		return old
	case newsdesk.ValidSlug(strings.ToLower(old)):
		return strings.ToLower(old)
	}
	for _, s := range []string{newsdesk.Slugify(old), newsdesk.Slugify(title)} {
		if s != "" {
			if old != "" {
				note("slug %q became %q", old, s)
			}
			return s
		}
	}
	note("slug %q has no Latin letters or digits: it became %q", old, fallback)
	return fallback
}

// categorySlug makes a category slug from a platform's slug or name.
func categorySlug(slug, name string) string {
	if dec, err := url.PathUnescape(slug); err == nil {
		slug = dec
	}
	if newsdesk.ValidSlug(slug) {
		return slug
	}
	for _, s := range []string{newsdesk.Slugify(slug), newsdesk.Slugify(name)} {
		if s != "" {
			return s
		}
	}
	sum := sha256.Sum256([]byte(name))
	return "category-" + hex.EncodeToString(sum[:4])
}

// newAuthor makes an author from a platform's login, name and address;
// an address that is not one is left out.
func newAuthor(login, name, email, fallback string) *newsdesk.Author {
	au := &newsdesk.Author{Name: strings.TrimSpace(name)}
	au.Slug = newsdesk.Slugify(login)
	if au.Slug == "" {
		au.Slug = newsdesk.Slugify(name)
	}
	if au.Slug == "" && newsdesk.ValidSlug(fallback) {
		au.Slug = fallback
	}
	if au.Slug == "" { // a login and name in another script, and no id
		sum := sha256.Sum256([]byte(login))
		au.Slug = "author-" + hex.EncodeToString(sum[:4])
	}
	if au.Name == "" {
		au.Name = strings.TrimSpace(login)
	}
	if au.Name == "" {
		au.Name = au.Slug
	}
	if _, err := mail.ParseAddress(email); err == nil {
		au.Email = strings.TrimSpace(email)
	}
	return au
}

// isIRI reports whether a feed id is an absolute IRI, as Atom wants ids.
func isIRI(id string) bool {
	u, err := url.Parse(id)
	return err == nil && u.Scheme != "" && !strings.ContainsAny(id, " \t\n<>\"{}|\\^`")
}

// itemName names a post in an error message.
func itemName(title, id string) string {
	if strings.TrimSpace(title) != "" {
		return fmt.Sprintf("post %q", strings.TrimSpace(title))
	}
	return fmt.Sprintf("post %s", id)
}
