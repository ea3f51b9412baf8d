package editorial

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
	"github.com/newsdesk/newsdesk"
	"gopkg.in/yaml.v3"
)

// frontMatter is the header of an imported Markdown file, in YAML between
// "---" lines or TOML between "+++" lines, as Hugo, Jekyll and Ghost's
// Markdown exports write it. Keys other than these are ignored.
type frontMatter struct {
	Title      string   `yaml:"title" toml:"title"`
	Slug       string   `yaml:"slug" toml:"slug"`
	Author     string   `yaml:"author" toml:"author"`
	Categories []string `yaml:"categories" toml:"categories"`
	Date       any      `yaml:"date" toml:"date"`
	Updated    any      `yaml:"updated" toml:"updated"`
	Summary    string   `yaml:"summary" toml:"summary"`
	Image      string   `yaml:"image" toml:"image"`
	Draft      bool     `yaml:"draft" toml:"draft"`
}

// ParseArticleFile reads one Markdown file with front matter into an
// article. Errors name the file.
func ParseArticleFile(name string, src []byte) (*newsdesk.Article, error) {
	bad := func(format string, args ...any) error {
		return newsdesk.Errorf(newsdesk.EINVALID, "%s: "+format, append([]any{name}, args...)...)
	}
	if !utf8.Valid(src) {
		return nil, bad("not UTF-8 text")
	}
	fm, body, err := splitFrontMatter(src)
	if err != nil {
		return nil, bad("%w", err)
	}
	if strings.TrimSpace(fm.Title) == "" {
		return nil, bad("front matter has no title")
	}
	published, err := parseDate(fm.Date)
	if err != nil {
		return nil, bad("date: %w", err)
	}
	updated, err := parseDate(fm.Updated)
	if err != nil {
		return nil, bad("updated: %w", err)
	}
	a := &newsdesk.Article{
		Title: strings.TrimSpace(fm.Title), Slug: fm.Slug, Summary: strings.TrimSpace(fm.Summary),
		Body: body, Image: fm.Image, Status: newsdesk.StatusPublished, PublishedAt: published,
		// An imported article was last changed when its file says, not now.
		UpdatedAt: newsdesk.LastChange(published, updated),
	}
	if fm.Draft {
		a.Status = newsdesk.StatusDraft
	}
	if fm.Author != "" {
		a.Author = &newsdesk.Author{Slug: fm.Author}
	}
	for _, c := range fm.Categories {
		a.Categories = append(a.Categories, &newsdesk.Category{Slug: c})
	}
	if a.Slug == "" {
		a.Slug = newsdesk.Slugify(a.Title)
	}
	if err := a.Validate(); err != nil {
		return nil, bad("%w", err)
	}
	return a, nil
}

// splitFrontMatter separates and decodes the header. Only the first two
// delimiter lines count, so a "---" rule in the body stays in the body.
func splitFrontMatter(src []byte) (frontMatter, string, error) {
	var fm frontMatter
	src = bytes.TrimPrefix(src, []byte("\ufeff"))
	text := strings.ReplaceAll(string(src), "\r\n", "\n")
	var delim string
	switch {
	case strings.HasPrefix(text, "---\n"):
		delim = "---"
	case strings.HasPrefix(text, "+++\n"):
		delim = "+++"
	default:
		return fm, "", fmt.Errorf("no front matter: the file must start with a --- (YAML) or +++ (TOML) line")
	}
	header, body, ok := strings.Cut(text[4:], "\n"+delim+"\n")
	if !ok {
		if header, ok = strings.CutSuffix(text[4:], "\n"+delim); !ok {
			return fm, "", fmt.Errorf("front matter is not closed by a %s line", delim)
		}
	}
	var err error
	if delim == "---" {
		err = yaml.Unmarshal([]byte(header), &fm)
	} else {
		_, err = toml.Decode(header, &fm)
	}
	if err != nil {
		return fm, "", fmt.Errorf("bad front matter: %w", oneLineError{err})
	}
	return fm, strings.TrimLeft(body, "\n"), nil
}

// dateLayouts are the date forms front matter uses in the wild.
var dateLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05 -0700", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"}

// parseDate accepts a decoded timestamp or one of dateLayouts; a date
// without a zone is taken as UTC. No date means "now".
func parseDate(v any) (time.Time, error) {
	switch d := v.(type) {
	case nil:
		return time.Time{}, nil
	case time.Time:
		return d, nil
	case string:
		for _, layout := range dateLayouts {
			if t, err := time.Parse(layout, strings.TrimSpace(d)); err == nil {
				return t, nil
			}
		}
		return time.Time{}, fmt.Errorf("%q is not a date (use RFC 3339, e.g. 2026-11-25T09:00:00Z)", d)
	}
	return time.Time{}, fmt.Errorf("%v is not a date (use RFC 3339, e.g. 2026-11-25T09:00:00Z)", v)
}

// oneLineError shows a parser's error (YAML's run over several lines) on
// one line, and keeps it as the cause.
type oneLineError struct{ err error }

func (e oneLineError) Error() string { return newsdesk.OneLine(e.err.Error()) }
func (e oneLineError) Unwrap() error { return e.err }
