package importer

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/newsdesk/newsdesk"
)

// Substack imports a Substack export folder: posts.csv and posts/ID.html
// for each post. Substack's feed gives each item its address,
// https://NAME.substack.com/p/SLUG, as guid; the export does not hold that
// address, so SiteURL must.
func (im *Importer) Substack(ctx context.Context, dir string) (*Report, error) {
	site, err := url.Parse(strings.TrimRight(im.SiteURL, "/"))
	if err != nil || site.Scheme == "" || site.Host == "" {
		return nil, newsdesk.FieldErrorf("url", "a Substack import needs the publication's address (--url https://NAME.substack.com): the feed ids readers know are made from it")
	}
	name := filepath.Join(dir, "posts.csv")
	f, err := os.Open(name)
	if err != nil {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "not a Substack export folder: %w", err)
	}
	defer f.Close()
	r := im.report("Substack", dir)
	posts, err := substackPosts(f, dir, site.String(), r)
	if err != nil {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "%s: %w", name, err)
	}
	return r, im.save(ctx, newConverter(), posts, r)
}

func substackPosts(in io.Reader, dir, site string, r *Report) ([]*post, error) {
	cr := csv.NewReader(in)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("no header row: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	for _, c := range []string{"post_id", "post_date", "is_published", "title"} {
		if _, ok := col[c]; !ok {
			return nil, fmt.Errorf("the header row has no %s column", c)
		}
	}
	var posts []*post
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return posts, nil
		} else if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		get := func(c string) string {
			if i, ok := col[c]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		p, err := substackPost(get, dir, site, r)
		if err != nil {
			return nil, fmt.Errorf("line %d: %s (post_id %s): %w", line, itemName(get("title"), get("post_id")), get("post_id"), err)
		}
		if p != nil {
			posts = append(posts, p)
		}
	}
}

func substackPost(get func(string) string, dir, site string, r *Report) (*post, error) {
	switch {
	case get("type") == "thread":
		r.skip("thread")
		return nil, nil
	case get("audience") != "" && get("audience") != "everyone" && get("audience") != "only_free":
		r.skip("paid-only")
		return nil, nil
	}
	id := get("post_id")
	_, slug, ok := strings.Cut(id, ".")
	if !ok || slug == "" {
		return nil, fmt.Errorf("field post_id: %q is not NUMBER.SLUG", id)
	}
	p := &post{item: itemName(get("title"), id)}
	note := func(format string, args ...any) { p.changes = append(p.changes, fmt.Sprintf(format, args...)) }
	a := &newsdesk.Article{UID: site + "/p/" + slug, Title: checkTitle(get("title"), note), Status: newsdesk.StatusDraft}
	at, err := ghostTime(get("post_date"))
	if err != nil {
		return nil, fmt.Errorf("field post_date: %w", err)
	}
	a.CreatedAt, a.UpdatedAt = at, at
	if get("is_published") == "true" {
		if at.IsZero() {
			return nil, fmt.Errorf("field post_date: a published post needs a date")
		}
		a.Status, a.PublishedAt = newsdesk.StatusPublished, at
	}
	body, err := os.ReadFile(filepath.Join(dir, "posts", id+".html"))
	switch {
	case err == nil:
		p.html = string(body)
	case errors.Is(err, os.ErrNotExist) && a.Status == newsdesk.StatusDraft:
		note("posts/%s.html is not in the export: the draft has no body", id)
	default:
		return nil, fmt.Errorf("field post_id: %w", err)
	}
	a.Slug = slugFor(slug, a.Title, "post-"+strings.SplitN(id, ".", 2)[0], note)
	p.excerpt = get("subtitle")
	p.links = []string{"/p/" + slug}
	p.article = a
	return p, nil
}

// SubstackEmailLists returns the subscriber lists of a Substack export
// folder (email_list.NAME.csv), which import as any subscriber CSV does.
func SubstackEmailLists(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "email_list*.csv"))
	sort.Strings(files)
	return files, err
}
