package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/editorial"
)

func runArticle(ctx context.Context, env *Env, args []string) error {
	return subcommand(ctx, env, "article", args, map[string]func(context.Context, *Env, []string) error{
		"add": articleAdd, "edit": articleEdit, "list": articleList, "show": articleShow,
		"publish": articlePublish, "unpublish": articleUnpublish, "delete": articleDelete, "import": articleImport,
	})
}

// articleFields are the flags add and edit share.
type articleFields struct {
	title, slug, summary, bodyFile, author, category, image, publishAt string
	draft                                                              bool
}

func (f *articleFields) register(fs *flag.FlagSet) {
	fs.StringVar(&f.title, "title", "", "title")
	fs.StringVar(&f.slug, "slug", "", "URL slug (default: made from the title)")
	fs.StringVar(&f.summary, "summary", "", "summary shown in lists and feed descriptions")
	fs.StringVar(&f.bodyFile, "body-file", "", "Markdown file with the body (- for standard input)")
	fs.StringVar(&f.author, "author", "", "author slug")
	fs.StringVar(&f.category, "category", "", "comma-separated category slugs")
	fs.StringVar(&f.image, "image", "", "image URL or site path")
	fs.StringVar(&f.publishAt, "publish-at", "", "publish at this RFC 3339 time (schedules it when in the future)")
	fs.BoolVar(&f.draft, "draft", false, "save as a draft")
}

func readBody(env *Env, path string) (string, error) {
	var b []byte
	var err error
	if path == "-" {
		b, err = readAll(env.Stdin)
	} else {
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return "", newsdesk.Errorf(newsdesk.EINVALID, "body file: %w", err)
	}
	return string(b), nil
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func parseTimeFlag(name, v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return t, usagef("--%s: %q is not an RFC 3339 time such as 2026-11-25T09:00:00Z", name, v)
	}
	return t, nil
}

func articleAdd(ctx context.Context, env *Env, args []string) error {
	var g globals
	var f articleFields
	fs := newFlags("article add", env, &g)
	f.register(fs.FlagSet)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if f.title == "" || f.bodyFile == "" {
		return usagef("article add: --title and --body-file are required")
	}
	if f.draft && f.publishAt != "" {
		return usagef("article add: --draft and --publish-at cannot be used together")
	}
	a := &newsdesk.Article{Title: f.title, Slug: f.slug, Summary: f.summary, Image: f.image, Status: newsdesk.StatusPublished}
	var err error
	if a.Body, err = readBody(env, f.bodyFile); err != nil {
		return err
	}
	if f.publishAt != "" {
		if a.PublishedAt, err = parseTimeFlag("publish-at", f.publishAt); err != nil {
			return err
		}
	}
	if f.draft {
		a.Status = newsdesk.StatusDraft
	}
	if f.author != "" {
		a.Author = &newsdesk.Author{Slug: f.author}
	}
	for _, slug := range splitList(f.category) {
		a.Categories = append(a.Categories, &newsdesk.Category{Slug: slug})
	}
	app, err := openApp(&g, env)
	if err != nil {
		return err
	}
	defer app.close()
	if err := app.editor().CreateArticle(ctx, a); err != nil {
		return err
	}
	printf(env, "Article %d %q %s.\n", a.ID, a.Slug, statusPhrase(a))
	return nil
}

func statusPhrase(a *newsdesk.Article) string {
	switch a.Status {
	case newsdesk.StatusPublished:
		return "published " + a.PublishedAt.UTC().Format(time.RFC3339)
	case newsdesk.StatusScheduled:
		return "scheduled for " + a.PublishedAt.UTC().Format(time.RFC3339)
	}
	return "saved as draft"
}

// articleRef resolves "ID" or "SLUG" to an article.
func (a *app) articleRef(ctx context.Context, ref string) (*newsdesk.Article, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return a.articles.FindArticleByID(ctx, id)
	}
	return a.articles.FindArticleBySlug(ctx, ref)
}

// oneArticle parses flags for commands that take exactly one ID or slug.
func oneArticle(ctx context.Context, env *Env, name string, args []string, register func(*flag.FlagSet)) (*app, *newsdesk.Article, error) {
	var g globals
	fs := newFlags(name, env, &g)
	if register != nil {
		register(fs.FlagSet)
	}
	pos, err := parse(fs, args)
	if err != nil {
		return nil, nil, err
	}
	if len(pos) != 1 {
		return nil, nil, usagef("%s: expected one article ID or slug", name)
	}
	app, err := openApp(&g, env)
	if err != nil {
		return nil, nil, err
	}
	art, err := app.articleRef(ctx, pos[0])
	if err != nil {
		app.close()
		return nil, nil, err
	}
	return app, art, nil
}

func articleEdit(ctx context.Context, env *Env, args []string) error {
	var f articleFields
	var fset *flag.FlagSet
	app, art, err := oneArticle(ctx, env, "article edit", args, func(fs *flag.FlagSet) {
		f.register(fs)
		fset = fs
	})
	if err != nil {
		return err
	}
	defer app.close()
	set := map[string]bool{}
	fset.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	upd, err := f.update(env, set)
	if err != nil {
		return err
	}
	art, err = app.articles.UpdateArticle(ctx, art.ID, upd)
	if err != nil {
		return err
	}
	if set["publish-at"] {
		t, _ := parseTimeFlag("publish-at", f.publishAt)
		if art, err = app.articles.PublishArticle(ctx, art.ID, t); err != nil {
			return err
		}
	}
	printf(env, "Article %d %q updated; %s.\n", art.ID, art.Slug, statusPhrase(art))
	return nil
}

// update builds the edit from the flags that were given.
func (f *articleFields) update(env *Env, set map[string]bool) (newsdesk.ArticleUpdate, error) {
	var upd newsdesk.ArticleUpdate
	pick := func(name string, v *string) *string {
		if set[name] {
			return v
		}
		return nil
	}
	upd.Title, upd.Slug, upd.Summary = pick("title", &f.title), pick("slug", &f.slug), pick("summary", &f.summary)
	upd.Image, upd.Author = pick("image", &f.image), pick("author", &f.author)
	if set["category"] {
		cats := splitList(f.category)
		upd.Categories = &cats
	}
	if set["body-file"] {
		body, err := readBody(env, f.bodyFile)
		if err != nil {
			return upd, err
		}
		upd.Body = &body
	}
	if set["publish-at"] {
		if _, err := parseTimeFlag("publish-at", f.publishAt); err != nil {
			return upd, err
		}
	}
	if set["draft"] {
		return upd, usagef("article edit: use article unpublish to make an article a draft again")
	}
	return upd, nil
}

func articleList(ctx context.Context, env *Env, args []string) error {
	var g globals
	fs := newFlags("article list", env, &g)
	status := fs.String("status", "", "only this status: draft, scheduled or published")
	category := fs.String("category", "", "only this category slug")
	author := fs.String("author", "", "only this author slug")
	query := fs.String("q", "", "only articles with these words in title or summary")
	limit := fs.Int("limit", 50, "at most this many")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	filter := newsdesk.ArticleFilter{Query: *query, Limit: *limit}
	if *status != "" {
		st := newsdesk.ArticleStatus(*status)
		if st != newsdesk.StatusDraft && st != newsdesk.StatusScheduled && st != newsdesk.StatusPublished {
			return usagef("article list: --status %q: use draft, scheduled or published", *status)
		}
		filter.Status = &st
	}
	if *category != "" {
		filter.Category = category
	}
	if *author != "" {
		filter.Author = author
	}
	app, err := openApp(&g, env)
	if err != nil {
		return err
	}
	defer app.close()
	as, total, err := app.articles.FindArticles(ctx, filter)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tDATE\tSLUG\tTITLE")
	for _, a := range as {
		date := "-"
		if !a.PublishedAt.IsZero() {
			date = a.PublishedAt.UTC().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", a.ID, a.Status, date, a.Slug, a.Title)
	}
	tw.Flush()
	if total > len(as) {
		printf(env, "(%d of %d shown)\n", len(as), total)
	}
	return nil
}

func articleShow(ctx context.Context, env *Env, args []string) error {
	app, a, err := oneArticle(ctx, env, "article show", args, nil)
	if err != nil {
		return err
	}
	defer app.close()
	printf(env, "ID:        %d\nUID:       %s\nSlug:      %s\nTitle:     %s\nStatus:    %s\n", a.ID, a.UID, a.Slug, a.Title, a.Status)
	if !a.PublishedAt.IsZero() {
		printf(env, "Published: %s\n", a.PublishedAt.UTC().Format(time.RFC3339))
	}
	printf(env, "Updated:   %s\n", a.UpdatedAt.UTC().Format(time.RFC3339))
	if a.Author != nil {
		printf(env, "Author:    %s (%s)\n", a.Author.Name, a.Author.Slug)
	}
	var cats []string
	for _, c := range a.Categories {
		cats = append(cats, c.Slug)
	}
	printf(env, "Categories: %s\nURL:       %s/articles/%s\nSummary:   %s\n\n%s", strings.Join(cats, ", "),
		app.cfg.Site.BaseURL, a.Slug, a.Summary, a.Body)
	return nil
}

func articlePublish(ctx context.Context, env *Env, args []string) error {
	var at string
	app, a, err := oneArticle(ctx, env, "article publish", args, func(fs *flag.FlagSet) {
		fs.StringVar(&at, "at", "", "publish at this RFC 3339 time instead of now (schedules it when in the future)")
	})
	if err != nil {
		return err
	}
	defer app.close()
	var t time.Time
	if at != "" {
		if t, err = parseTimeFlag("at", at); err != nil {
			return err
		}
	}
	if a, err = app.editor().PublishArticle(ctx, a.ID, t); err != nil {
		return err
	}
	printf(env, "Article %d %q %s.\n", a.ID, a.Slug, statusPhrase(a))
	return nil
}

func articleUnpublish(ctx context.Context, env *Env, args []string) error {
	app, a, err := oneArticle(ctx, env, "article unpublish", args, nil)
	if err != nil {
		return err
	}
	defer app.close()
	if a, err = app.editor().UnpublishArticle(ctx, a.ID); err != nil {
		return err
	}
	printf(env, "Article %d %q is a draft again.\n", a.ID, a.Slug)
	return nil
}

func articleDelete(ctx context.Context, env *Env, args []string) error {
	app, a, err := oneArticle(ctx, env, "article delete", args, nil)
	if err != nil {
		return err
	}
	defer app.close()
	if err := app.articles.DeleteArticle(ctx, a.ID); err != nil {
		return err
	}
	printf(env, "Article %d %q deleted.\n", a.ID, a.Slug)
	return nil
}

func articleImport(ctx context.Context, env *Env, args []string) error {
	var g globals
	fs := newFlags("article import", env, &g)
	paths, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return usagef("article import: name at least one Markdown file or directory")
	}
	files, err := editorial.MarkdownFiles(paths)
	if err != nil {
		return err
	}
	app, err := openApp(&g, env)
	if err != nil {
		return err
	}
	defer app.close()
	created, updated, err := app.editor().ImportArticles(ctx, files, os.ReadFile)
	if err != nil {
		return err
	}
	printf(env, "Imported %d files: %d new, %d updated.\n", len(files), created, updated)
	return nil
}
