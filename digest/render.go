package digest

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/mailer"
)

// Templates runs the digest templates by name: digest.html, digest.txt,
// subject.txt and preheader.txt (see templates.Digest). An error names the
// template's file and line.
type Templates interface {
	Execute(w io.Writer, name string, data any) error
}

// DigestData is what one subscriber's digest is rendered from, and what
// the templates see. Its methods give templates the derived values: the
// edition's date in the newsletter's zone, the top headline, article
// links and bylines.
type DigestData struct {
	Site       newsdesk.Site
	Newsletter string // its name
	// Date is when the edition is cut off (or, for a one-off edition, the
	// time it was made for); templates show it in Location, nil being UTC.
	Date     time.Time
	Location *time.Location
	// Intro is an editor's note in plain text, for one-off editions;
	// blank lines separate paragraphs.
	Intro    string
	Articles []*newsdesk.Article
	Related  []Related
	// The subscriber's links, absolute. A sender rendering once for many
	// subscribers puts placeholders here and fills them per message.
	UnsubscribeURL string
	PreferencesURL string
}

// Limits of the one-line parts.
const (
	maxSubject   = 150 // characters; mail clients show about 60
	maxPreheader = 200
	maxHeadline  = 60
	textWidth    = 76
)

func (d DigestData) zone() *time.Location {
	if d.Location == nil {
		return time.UTC
	}
	return d.Location
}

// Day is the edition's date in the newsletter's zone: "25 Nov 2026".
func (d DigestData) Day() string { return d.Date.In(d.zone()).Format("2 Jan 2006") }

// LongDay is the edition's date spelled out: "Wednesday 25 November 2026".
func (d DigestData) LongDay() string { return d.Date.In(d.zone()).Format("Monday 2 January 2006") }

// Headline is the first article's title, shortened to about 60 characters
// at a word break, for the subject line; "" without articles.
func (d DigestData) Headline() string {
	if len(d.Articles) == 0 {
		return ""
	}
	return shorten(newsdesk.OneLine(d.Articles[0].Title), maxHeadline)
}

// More is how many articles follow the first.
func (d DigestData) More() int { return max(len(d.Articles)-1, 0) }

// HomeURL is the site's front page.
func (d DigestData) HomeURL() string { return d.Site.BaseURL + "/" }

// Permalink is the absolute address of an article's page.
func (d DigestData) Permalink(a *newsdesk.Article) string {
	return d.Site.BaseURL + "/articles/" + url.PathEscape(a.Slug)
}

// Byline is an article's author and date in the newsletter's zone:
// "Jane Doe · 24 Nov 2026", or the date alone.
func (d DigestData) Byline(a *newsdesk.Article) string {
	day := a.PublishedAt.In(d.zone()).Format("2 Jan 2006")
	if a.Author == nil || strings.TrimSpace(a.Author.Name) == "" {
		return day
	}
	return newsdesk.OneLine(a.Author.Name) + " · " + day
}

// IntroParagraphs splits the intro note at blank lines.
func (d DigestData) IntroParagraphs() []string { return paragraphs(d.Intro) }

// AddressLines are the lines of the postal address, without blank ones.
func (d DigestData) AddressLines() []string {
	var lines []string
	for line := range strings.Lines(d.Site.PostalAddress) {
		if line = strings.TrimSpace(line); line != "" {
			lines = append(lines, line)
		}
	}
	return lines
}

// OutlookOpen and OutlookClose wrap the digest's body in a fixed 600-pixel
// table that only Outlook for Windows reads: it ignores max-width, and
// html/template drops the conditional comments a template would hold.
func (DigestData) OutlookOpen() template.HTML {
	return `<!--[if mso]><table role="presentation" width="600" align="center" cellpadding="0" cellspacing="0" border="0"><tr><td><![endif]-->`
}

// OutlookClose closes what OutlookOpen opened.
func (DigestData) OutlookClose() template.HTML {
	return `<!--[if mso]></td></tr></table><![endif]-->`
}

// view is what the body templates see: the data and the rendered subject
// and preheader lines.
type view struct {
	DigestData
	Subject   string
	Preheader string
}

// Renderer renders digests from templates.
type Renderer struct {
	t Templates
}

// NewRenderer returns a renderer for the templates after rendering a
// sample digest with them, so that a template that fails on real data (a
// misspelt field, say) is refused at start with its file and line rather
// than at the first send.
func NewRenderer(t Templates) (*Renderer, error) {
	r := &Renderer{t: t}
	for _, d := range samples() {
		if _, _, _, _, err := r.Render(d); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Render renders one subscriber's digest: the subject and preheader on one
// line each, the HTML and the plain text. A digest without articles is an
// EINVALID error: nobody gets an empty digest.
func (r *Renderer) Render(data DigestData) (subject, preheader, html, text string, err error) {
	if len(data.Articles) == 0 {
		return "", "", "", "", newsdesk.Errorf(newsdesk.EINVALID, "digest of %s has no articles", data.Newsletter)
	}
	v := view{DigestData: data}
	if v.Subject, err = r.line("subject.txt", data, maxSubject); err != nil {
		return "", "", "", "", err
	}
	if v.Subject == "" {
		return "", "", "", "", newsdesk.Errorf(newsdesk.EINVALID, "digest subject template gives an empty subject")
	}
	if v.Preheader, err = r.line("preheader.txt", data, maxPreheader); err != nil {
		return "", "", "", "", err
	}
	if html, err = r.execute("digest.html", v); err != nil {
		return "", "", "", "", err
	}
	if text, err = r.execute("digest.txt", v); err != nil {
		return "", "", "", "", err
	}
	return v.Subject, v.Preheader, html, mailer.TidyText(text, textWidth), nil
}

// line renders a one-line template: whitespace, line breaks included,
// collapses to single spaces, control characters go, and it is cut to
// limit characters.
func (r *Renderer) line(name string, data DigestData, limit int) (string, error) {
	s, err := r.execute(name, data)
	if err != nil {
		return "", err
	}
	return shorten(newsdesk.OneLine(s), limit), nil
}

func (r *Renderer) execute(name string, data any) (string, error) {
	var b bytes.Buffer
	if err := r.t.Execute(&b, name, data); err != nil {
		return "", fmt.Errorf("digest: %w", err)
	}
	return b.String(), nil
}
