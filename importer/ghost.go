package importer

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/newsdesk/newsdesk"
)

// ghostData is the data of a Ghost export (Ghost 1 to 5): the tables the
// posts, their tags and their authors are in.
type ghostData struct {
	Posts []struct {
		ID            string  `json:"id"`
		Title         string  `json:"title"`
		Slug          string  `json:"slug"`
		HTML          *string `json:"html"`
		Plaintext     *string `json:"plaintext"`
		Mobiledoc     *string `json:"mobiledoc"`
		Lexical       *string `json:"lexical"`
		FeatureImage  *string `json:"feature_image"`
		Type          string  `json:"type"`
		Page          any     `json:"page"` // Ghost 1 and 2: true for pages
		Status        string  `json:"status"`
		Visibility    string  `json:"visibility"`
		CreatedAt     string  `json:"created_at"`
		UpdatedAt     string  `json:"updated_at"`
		PublishedAt   *string `json:"published_at"`
		CustomExcerpt *string `json:"custom_excerpt"`
		AuthorID      string  `json:"author_id"`
	} `json:"posts"`
	Tags []struct {
		ID, Name, Slug, Visibility string
	} `json:"tags"`
	PostsTags []struct {
		PostID    string `json:"post_id"`
		TagID     string `json:"tag_id"`
		SortOrder int    `json:"sort_order"`
	} `json:"posts_tags"`
	Users []struct {
		ID, Name, Slug, Email string
		Bio, Website          *string
	} `json:"users"`
	PostsAuthors []struct {
		PostID    string `json:"post_id"`
		AuthorID  string `json:"author_id"`
		SortOrder int    `json:"sort_order"`
	} `json:"posts_authors"`
}

type ghostExport struct {
	DB   []struct{ Data *ghostData } `json:"db"`
	Data *ghostData                  `json:"data"`
}

var ghostStatus = map[string]newsdesk.ArticleStatus{
	"published": newsdesk.StatusPublished, "draft": newsdesk.StatusDraft, "scheduled": newsdesk.StatusScheduled,
}

// Ghost imports a Ghost JSON export. A post keeps Ghost's post id, which
// Ghost's RSS feed gives as the item's guid, and its /slug/ address.
func (im *Importer) Ghost(ctx context.Context, path string) (*Report, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "%w", err)
	}
	var x ghostExport
	if err := json.Unmarshal(src, &x); err != nil {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "%s: not a Ghost export: %w", path, err)
	}
	data := x.Data
	if len(x.DB) > 0 {
		data = x.DB[0].Data
	}
	if data == nil {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "%s: not a Ghost export: no db[0].data", path)
	}
	r := im.report("Ghost", path)
	posts, err := ghostPosts(data, strings.TrimRight(im.SiteURL, "/"), r)
	if err != nil {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "%s: %w", path, err)
	}
	return r, im.save(ctx, newConverter(), posts, r)
}

// ghostURL stands for the site's address in the links and images of
// exports from Ghost 4 on.
const ghostURL = "__GHOST_URL__"

func ghostPosts(d *ghostData, site string, r *Report) ([]*post, error) {
	tags := map[string][]*newsdesk.Category{}
	tagByID := map[string]*newsdesk.Category{}
	for _, t := range d.Tags {
		if t.Visibility != "internal" && !strings.HasPrefix(t.Name, "#") {
			tagByID[t.ID] = &newsdesk.Category{Slug: categorySlug(t.Slug, t.Name), Name: strings.TrimSpace(t.Name)}
		}
	}
	pt := d.PostsTags
	sort.SliceStable(pt, func(i, j int) bool { return pt[i].SortOrder < pt[j].SortOrder })
	for _, x := range pt {
		if c := tagByID[x.TagID]; c != nil {
			tags[x.PostID] = append(tags[x.PostID], c)
		}
	}
	users := map[string]*newsdesk.Author{}
	for _, u := range d.Users {
		au := newAuthor(u.Slug, u.Name, u.Email, "author-"+u.ID)
		au.Bio, au.URL = deref(u.Bio), deref(u.Website)
		users[u.ID] = au
	}
	primary := map[string]string{}
	pa := d.PostsAuthors
	sort.SliceStable(pa, func(i, j int) bool { return pa[i].SortOrder < pa[j].SortOrder })
	for _, x := range pa {
		if _, ok := primary[x.PostID]; !ok {
			primary[x.PostID] = x.AuthorID
		}
	}
	var posts []*post
	for i := range d.Posts {
		gp := &d.Posts[i]
		switch {
		case gp.Type == "page" || gp.Page == true || gp.Page == float64(1):
			r.skip("page")
			continue
		case gp.Status == "sent":
			r.skip("sent by email only")
			continue
		case gp.Visibility != "" && gp.Visibility != "public":
			r.skip("members-only")
			continue
		}
		p := &post{item: itemName(gp.Title, gp.ID), html: deref(gp.HTML)}
		note := func(format string, args ...any) { p.changes = append(p.changes, fmt.Sprintf(format, args...)) }
		fail := func(field string, err error) error {
			return fmt.Errorf("%s (id %s): field %s: %w", p.item, gp.ID, field, err)
		}
		a := &newsdesk.Article{UID: gp.ID, Title: checkTitle(strings.TrimSpace(gp.Title), note)}
		if a.UID == "" {
			return nil, fail("id", fmt.Errorf("the post has no id"))
		}
		st, ok := ghostStatus[gp.Status]
		if !ok {
			return nil, fail("status", fmt.Errorf("%q is not a Ghost post status", gp.Status))
		}
		a.Status = st
		if p.html == "" && (deref(gp.Mobiledoc) != "" || deref(gp.Lexical) != "") {
			if deref(gp.Plaintext) == "" {
				return nil, fail("html", fmt.Errorf("the post has content but no html: export it from Ghost 2 or later"))
			}
			p.html = "<pre>" + htmlEscape(deref(gp.Plaintext)) + "</pre>"
			note("no html in the export: the plain text is kept")
		}
		var err error
		if a.CreatedAt, err = ghostTime(gp.CreatedAt); err != nil {
			return nil, fail("created_at", err)
		}
		if a.UpdatedAt, err = ghostTime(gp.UpdatedAt); err != nil {
			return nil, fail("updated_at", err)
		}
		if a.PublishedAt, err = ghostTime(deref(gp.PublishedAt)); err != nil {
			return nil, fail("published_at", err)
		}
		if st == newsdesk.StatusDraft {
			a.PublishedAt = time.Time{}
		} else if a.PublishedAt.IsZero() {
			return nil, fail("published_at", fmt.Errorf("a %s post needs a date", gp.Status))
		}
		a.Slug = slugFor(gp.Slug, gp.Title, "post-"+strings.ToLower(gp.ID), note)
		a.Image = strings.ReplaceAll(deref(gp.FeatureImage), ghostURL, site)
		if strings.Contains(p.html, ghostURL) {
			p.html = strings.ReplaceAll(p.html, ghostURL, site)
			if site == "" {
				note("links to the old site (%s) are now relative to this one: give --url https://OLD-SITE to keep them there", ghostURL)
			}
		}
		a.Categories = tags[gp.ID]
		authorID := primary[gp.ID]
		if authorID == "" {
			authorID = gp.AuthorID
		}
		if au := users[authorID]; au != nil {
			p.author, a.Author = au, au
		}
		p.excerpt = strings.TrimSpace(deref(gp.CustomExcerpt))
		p.links = []string{"/" + gp.Slug + "/"}
		p.article = a
		posts = append(posts, p)
	}
	return posts, nil
}

// ghostTime reads Ghost's dates: RFC 3339 since Ghost 2, "2006-01-02
// 15:04:05" in UTC before.
func ghostTime(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UTC(), nil
	}
	t, err := time.ParseInLocation(wpTimeLayout, v, time.UTC)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date", v)
	}
	return t, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
