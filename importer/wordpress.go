package importer

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/html/charset"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/feeds"
)

// wxrItem is an <item> of a WordPress eXtended RSS export (WXR 1.0 to
// 1.2). Elements are matched by local name, whichever version's
// namespace they are in; content:encoded and excerpt:encoded share a
// local name and are told apart by namespace.
type wxrItem struct {
	Title    string     `xml:"title"`
	Link     string     `xml:"link"`
	PubDate  string     `xml:"pubDate"`
	Creator  string     `xml:"creator"`
	GUID     string     `xml:"guid"`
	Encoded  []nsText   `xml:"encoded"`
	ID       string     `xml:"post_id"`
	Date     string     `xml:"post_date"`
	DateGMT  string     `xml:"post_date_gmt"`
	Modified string     `xml:"post_modified"`
	ModGMT   string     `xml:"post_modified_gmt"`
	Name     string     `xml:"post_name"`
	Status   string     `xml:"status"`
	Parent   string     `xml:"post_parent"`
	Order    int        `xml:"menu_order"`
	Type     string     `xml:"post_type"`
	Password string     `xml:"post_password"`
	URL      string     `xml:"attachment_url"`
	Terms    []wxrTerm  `xml:"category"`
	Meta     []wxrMeta  `xml:"postmeta"`
	Comments []struct{} `xml:"comment"`

	line int
}

type nsText struct {
	XMLName xml.Name
	Text    string `xml:",chardata"`
}

type wxrTerm struct {
	Domain   string `xml:"domain,attr"`
	Nicename string `xml:"nicename,attr"`
	Name     string `xml:",chardata"`
}

type wxrMeta struct {
	Key   string `xml:"meta_key"`
	Value string `xml:"meta_value"`
}

type wxrAuthor struct {
	ID      string `xml:"author_id"`
	Login   string `xml:"author_login"`
	Email   string `xml:"author_email"`
	Display string `xml:"author_display_name"`
	First   string `xml:"author_first_name"`
	Last    string `xml:"author_last_name"`
}

// wxr is what an export holds.
type wxr struct {
	version, siteURL string
	authors          map[string]wxrAuthor // by login
	items            []*wxrItem
}

func (it *wxrItem) encoded(suffix string) string {
	for _, e := range it.Encoded {
		if strings.HasSuffix(strings.TrimSuffix(e.XMLName.Space, "/"), suffix) {
			return e.Text
		}
	}
	return ""
}

// WordPress imports a WXR file.
func (im *Importer) WordPress(ctx context.Context, path string) (*Report, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "%w", err)
	}
	x, err := parseWXR(src)
	if err != nil {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "%s: %w", path, err)
	}
	r := im.report("WordPress", path)
	media := im.newMedia(r)
	posts, err := im.wordpressPosts(x, media, r)
	if err != nil {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "%s: %w", path, err)
	}
	conv := newConverter()
	if media != nil {
		conv.media = media.rewrite
	}
	if err := im.save(ctx, conv, posts, r); err != nil {
		return r, err
	}
	return r, nil
}

// parseWXR reads the whole export, so that a broken file is refused before
// anything is saved.
func parseWXR(src []byte) (*wxr, error) {
	d := xml.NewDecoder(strings.NewReader(feeds.CleanXMLText(string(src))))
	d.CharsetReader = charset.NewReaderLabel
	d.Entity = xml.HTMLEntity
	x := &wxr{authors: map[string]wxrAuthor{}}
	depth := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("not well-formed XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.EndElement:
			depth--
		case xml.StartElement:
			depth++
			if depth == 1 && t.Name.Local != "rss" {
				return nil, fmt.Errorf("not a WordPress export: the document is <%s>, not <rss>", t.Name.Local)
			}
			if depth != 3 {
				continue
			}
			if err := x.element(d, t); err != nil {
				return nil, err
			}
			depth--
		}
	}
	if x.version == "" {
		return nil, fmt.Errorf("not a WordPress export: no wp:wxr_version in the channel")
	}
	return x, nil
}

// element reads one child of the channel.
func (x *wxr) element(d *xml.Decoder, t xml.StartElement) error {
	line, _ := d.InputPos()
	switch t.Name.Local {
	case "wxr_version":
		return d.DecodeElement(&x.version, &t)
	case "base_site_url":
		return d.DecodeElement(&x.siteURL, &t)
	case "author":
		var a wxrAuthor
		if err := d.DecodeElement(&a, &t); err != nil {
			return fmt.Errorf("line %d: wp:author: %w", line, err)
		}
		x.authors[a.Login] = a
		return nil
	case "item":
		it := &wxrItem{line: line}
		if err := d.DecodeElement(it, &t); err != nil {
			return fmt.Errorf("line %d: item: %w", line, err)
		}
		x.items = append(x.items, it)
		return nil
	}
	return d.Skip()
}

// wordpressPosts turns the export's posts into articles, counting what it
// leaves out, and checks every field before anything is saved.
func (im *Importer) wordpressPosts(x *wxr, media *mediaStore, r *Report) ([]*post, error) {
	attachments := map[string]*wxrItem{}
	children := map[string][]*wxrItem{}
	for _, it := range x.items {
		if it.Type == "attachment" {
			attachments[it.ID] = it
			children[it.Parent] = append(children[it.Parent], it)
		}
	}
	var posts []*post
	seen := map[string]bool{}
	for _, it := range x.items {
		if reason := wpSkip(it); reason != "" {
			if reason != "attachment" || media == nil {
				r.skip(reason)
			}
			continue
		}
		p, err := im.wordpressPost(x, it, attachments, children[it.ID], media)
		if err != nil {
			return nil, fmt.Errorf("line %d: %s (guid %s): %w", it.line, itemName(it.Title, it.ID), it.GUID, err)
		}
		if seen[p.article.UID] {
			// Posts copied from another blog can share a guid: each still
			// becomes an article, the later ones under an id of their own.
			p.changes = append(p.changes, fmt.Sprintf("guid %s is another post's too: this one's id is %s#post-%s", p.article.UID, p.article.UID, it.ID))
			p.article.UID += "#post-" + it.ID
		}
		seen[p.article.UID] = true
		posts = append(posts, p)
		for range it.Comments {
			r.skip("comments (newsdesk has none)")
		}
	}
	return posts, nil
}

// wpSkip says why an item is not imported, or "" when it is.
func wpSkip(it *wxrItem) string {
	switch {
	case it.Type == "page" || it.Type == "attachment":
		return it.Type
	case it.Type != "post" && it.Type != "":
		return "post type " + it.Type
	case it.Status == "private" || it.Status == "trash" || it.Status == "auto-draft" || it.Status == "inherit":
		return it.Status
	case it.Password != "":
		return "password-protected"
	}
	return ""
}

var wpStatus = map[string]newsdesk.ArticleStatus{
	"publish": newsdesk.StatusPublished, "future": newsdesk.StatusScheduled,
	"draft": newsdesk.StatusDraft, "pending": newsdesk.StatusDraft,
}

func (im *Importer) wordpressPost(x *wxr, it *wxrItem, attachments map[string]*wxrItem, children []*wxrItem, media *mediaStore) (*post, error) {
	p := &post{item: itemName(it.Title, it.GUID), html: it.encoded("purl.org/rss/1.0/modules/content")}
	note := func(format string, args ...any) { p.changes = append(p.changes, fmt.Sprintf(format, args...)) }
	// WordPress writes titles escaped for HTML, and some were stored so.
	a := &newsdesk.Article{Title: strings.TrimSpace(html.UnescapeString(it.Title))}
	p.article = a
	a.Title = checkTitle(a.Title, note)
	status, ok := wpStatus[it.Status]
	if !ok {
		return nil, newsdesk.FieldErrorf("wp:status", "field wp:status: %q is not a WordPress post status", it.Status)
	}
	if it.Status == "pending" {
		note("pending review: imported as a draft")
	}
	a.Status = status
	if err := wpDates(it, a, im.now(), note); err != nil {
		return nil, err
	}
	if err := wpID(x, it, a, note); err != nil {
		return nil, err
	}
	a.Slug = slugFor(it.Name, it.Title, "post-"+it.ID, note)
	p.excerpt = cut(plain(it.encoded("excerpt")), 1000)
	p.links = []string{it.Link, it.GUID}
	for _, at := range children {
		p.links = append(p.links, at.Link) // its attachment pages, as /2014/06/slug/photo/
	}
	if _, err := strconv.Atoi(it.ID); err == nil {
		p.links = append(p.links, "/?p="+it.ID)
	}
	if login := strings.TrimSpace(it.Creator); login != "" {
		au := x.authors[login]
		name := au.Display
		if name == "" {
			name = strings.TrimSpace(au.First + " " + au.Last)
		}
		p.author = newAuthor(login, name, au.Email, "author-"+au.ID)
		a.Author = p.author
	}
	a.Categories = im.wpCategories(it.Terms, note)
	p.gallery = wpGallery(attachments, children)
	a.Image = wpFeaturedImage(it, attachments, media)
	return p, nil
}

// wpID keeps the post's guid as the article's id: WordPress's feeds carry
// it as the RSS guid and the Atom id, so readers know the post by it.
func wpID(x *wxr, it *wxrItem, a *newsdesk.Article, note func(string, ...any)) error {
	guid := strings.TrimSpace(it.GUID)
	if guid == "" {
		if it.ID == "" || x.siteURL == "" {
			return newsdesk.FieldErrorf("guid", "field guid: the post has no guid")
		}
		guid = strings.TrimRight(x.siteURL, "/") + "/?p=" + it.ID
		note("the post has no guid: its id is %s, as WordPress would have made it", guid)
	}
	if !isIRI(guid) {
		note("guid %q is not an absolute IRI: Atom readers may not accept it as an id", guid)
	}
	a.UID = guid
	return nil
}

const wpTimeLayout = "2006-01-02 15:04:05"

// wpDates sets publication and change times from the GMT fields, which
// WordPress leaves at 0000-00-00 for drafts.
func wpDates(it *wxrItem, a *newsdesk.Article, now time.Time, note func(string, ...any)) error {
	at, err := wpTime("wp:post_date_gmt", it.DateGMT)
	if err != nil {
		return err
	}
	if at.IsZero() && a.Status != newsdesk.StatusDraft {
		if at, err = wpTime("wp:post_date", it.Date); err != nil {
			return err
		}
		note("no wp:post_date_gmt: the local wp:post_date is taken as UTC")
	}
	if at.IsZero() && a.Status != newsdesk.StatusDraft {
		return newsdesk.FieldErrorf("wp:post_date_gmt", "field wp:post_date_gmt: a %s post needs a date", it.Status)
	}
	mod, err := wpTime("wp:post_modified_gmt", it.ModGMT)
	if err != nil {
		return err
	}
	if a.Status != newsdesk.StatusDraft {
		a.PublishedAt = at
	}
	if a.Status == newsdesk.StatusScheduled && !at.After(now) {
		note("scheduled for %s, which has passed: published, as WordPress would on its next run", at.Format(time.RFC3339))
	}
	a.CreatedAt = at
	if a.CreatedAt.IsZero() {
		a.CreatedAt = mod
	}
	a.UpdatedAt = mod
	return nil
}

func wpTime(field, v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" || strings.HasPrefix(v, "0000-00-00") {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation(wpTimeLayout, v, time.UTC)
	if err != nil {
		return time.Time{}, newsdesk.FieldErrorf(field, "field %s: %q is not a date like 2014-06-01 10:00:00", field, v)
	}
	return t, nil
}

// wpCategories makes categories of the post's categories and, unless
// dropped, its tags.
func (im *Importer) wpCategories(terms []wxrTerm, note func(string, ...any)) []*newsdesk.Category {
	var cs []*newsdesk.Category
	dropped := 0
	for _, t := range terms {
		switch {
		case t.Domain == "post_tag" && im.DropTags:
			dropped++
			continue
		case t.Domain != "category" && t.Domain != "post_tag":
			continue
		}
		name := strings.TrimSpace(t.Name)
		if name == "" {
			name = t.Nicename
		}
		if name == "" {
			continue
		}
		cs = append(cs, &newsdesk.Category{Slug: categorySlug(t.Nicename, name), Name: name})
	}
	if dropped > 0 {
		note("%d tags dropped (--drop-tags)", dropped)
	}
	return cs
}

// wpGallery returns what a [gallery] shows: the attachments it names, or
// the images attached to the post, in their order.
func wpGallery(attachments map[string]*wxrItem, children []*wxrItem) func([]string) []image {
	return func(ids []string) []image {
		var items []*wxrItem
		if len(ids) > 0 {
			for _, id := range ids {
				if it := attachments[id]; it != nil {
					items = append(items, it)
				}
			}
		} else {
			items = append(items, children...)
			sort.SliceStable(items, func(i, j int) bool { return items[i].Order < items[j].Order })
		}
		var imgs []image
		for _, it := range items {
			if it.URL != "" {
				imgs = append(imgs, image{URL: it.URL, Alt: strings.TrimSpace(it.Title)})
			}
		}
		return imgs
	}
}

// wpFeaturedImage is the URL of the post's featured image, if it has one.
func wpFeaturedImage(it *wxrItem, attachments map[string]*wxrItem, media *mediaStore) string {
	for _, m := range it.Meta {
		if m.Key != "_thumbnail_id" {
			continue
		}
		if at := attachments[strings.TrimSpace(m.Value)]; at != nil && at.URL != "" {
			if media != nil {
				if u := media.rewrite(at.URL); u != "" {
					return u
				}
			}
			return at.URL
		}
	}
	return ""
}
