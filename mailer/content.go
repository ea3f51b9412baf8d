package mailer

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode/utf8"

	"github.com/k3a/html2text"
	"github.com/newsdesk/newsdesk"
	"github.com/vanng822/go-premailer/premailer"
)

// Content is a message body rendered once for many recipients: HTML with
// its CSS inlined and a plain-text twin, both with placeholders for each
// recipient's links.
type Content struct {
	HTML string
	Text string
}

// EmailData is what email templates are executed with.
type EmailData struct {
	Site        newsdesk.Site
	Subject     string
	Newsletter  *newsdesk.Newsletter   // the list an edition belongs to
	Newsletters []*newsdesk.Newsletter // what a confirmation is for
	Articles    []*newsdesk.Article
	// Links, with placeholders where each recipient's token goes.
	UnsubscribeURL string
	PreferencesURL string
	ConfirmURL     string
}

// Renderer renders email content from templates (see templates.Emails).
type Renderer struct {
	Site newsdesk.Site
	HTML *htmltemplate.Template
	// Text holds optional text templates; a message without one gets its
	// text derived from its HTML.
	Text *texttemplate.Template
}

// TemplateFuncs are the helpers email templates use, for a site at baseURL.
func TemplateFuncs(baseURL string) htmltemplate.FuncMap {
	return htmltemplate.FuncMap{
		"permalink": func(a *newsdesk.Article) string { return baseURL + "/articles/" + url.PathEscape(a.Slug) },
		"longDate":  func(t time.Time) string { return t.UTC().Format("2 January 2006") },
		// Outlook for Windows ignores max-width: a fixed 600-pixel table that
		// only it reads keeps the layout. html/template drops conditional
		// comments written in a template, so they come from here.
		"outlookOpen": func() htmltemplate.HTML {
			return `<!--[if mso]><table role="presentation" width="600" align="center" cellpadding="0" cellspacing="0" border="0"><tr><td><![endif]-->`
		},
		"outlookClose": func() htmltemplate.HTML { return `<!--[if mso]></td></tr></table><![endif]-->` },
		"breakable":    Breakable,
	}
}

// Link returns the address of a page for slot's token, with the
// placeholder in the token's place.
func (r *Renderer) Link(path string, s Slot) string {
	return r.Site.BaseURL + path + Placeholder(s)
}

// Confirmation renders the email asking to confirm subscriptions.
func (r *Renderer) Confirmation(subject string, newsletters []*newsdesk.Newsletter) (Content, error) {
	return r.Render("confirm", &EmailData{
		Subject: subject, Newsletters: newsletters,
		ConfirmURL: r.Link("/confirm/", SlotConfirm),
	})
}

// Render executes the templates called name: name.html, with its CSS
// inlined for mail clients that ignore style sheets, and name.txt, or
// when there is none, text made from the HTML.
func (r *Renderer) Render(name string, data *EmailData) (Content, error) {
	data.Site = r.Site
	var b bytes.Buffer
	if err := r.HTML.ExecuteTemplate(&b, name+".html", data); err != nil {
		return Content{}, fmt.Errorf("email template %s.html: %w", name, err)
	}
	html, err := inlineCSS(b.String())
	if err != nil {
		return Content{}, fmt.Errorf("email template %s.html: %w", name, err)
	}
	var text string
	if t := r.textTemplate(name); t != nil {
		b.Reset()
		if err := t.Execute(&b, data); err != nil {
			return Content{}, fmt.Errorf("email template %s.txt: %w", name, err)
		}
		text = b.String()
	} else {
		text = htmlToText(html)
	}
	return Content{HTML: wrapLines(html, maxHTMLLine), Text: wrapLines(TidyText(dedent(text), 0), maxTextLine)}, nil
}

func (r *Renderer) textTemplate(name string) *texttemplate.Template {
	if r.Text == nil {
		return nil
	}
	return r.Text.Lookup(name + ".txt")
}

func inlineCSS(html string) (string, error) {
	p, err := premailer.NewPremailerFromString(html, premailer.NewOptions())
	if err != nil {
		return "", err
	}
	return p.Transform()
}

// htmlToText derives the text part from the body of the HTML. The head is
// left out: html2text would let the entities of its title through.
func htmlToText(html string) string {
	if i := strings.Index(html, "<body"); i >= 0 {
		html = html[i:]
	}
	if i := strings.LastIndex(html, "</body>"); i >= 0 {
		html = html[:i]
	}
	return html2text.HTML2TextWithOptions(html, html2text.WithUnixLineBreaks(), html2text.WithLinksInnerText())
}

// dedent trims the white space html2text leaves at the start of lines.
func dedent(s string) string {
	var b strings.Builder
	for line := range strings.Lines(s) {
		b.WriteString(strings.TrimLeft(line, " \t"))
	}
	return b.String()
}

// Line lengths. Bodies are sent as 8-bit text, not quoted-printable, so that
// each recipient's copy is the rendered bytes with the links filled in; SMTP
// allows 998 octets per line, and text is wrapped for reading.
const (
	maxHTMLLine = 800
	maxTextLine = 76
	hardLine    = 900 // leaves room for tokens longer than their placeholders
)

// runeStart returns the largest index at most i that starts a character.
func runeStart(s string, i int) int {
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return i
}

// wrapLines breaks lines longer than limit at spaces and ends every line
// with CRLF. A word longer than the limit (a long link) stays whole; in
// HTML a line break where a space was changes nothing.
func wrapLines(s string, limit int) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/limit*2 + 2)
	for line := range strings.Lines(s) {
		line = strings.TrimRight(line, "\r\n")
		for len(line) > limit {
			cut, skip := strings.LastIndexByte(line[:limit+1], ' '), 1
			if cut <= 0 {
				cut = strings.IndexByte(line, ' ')
			}
			if cut < 0 || cut > hardLine {
				if len(line) <= hardLine {
					break
				}
				// No space early enough (text in a script without spaces):
				// break between characters rather than exceed SMTP's limit.
				cut, skip = runeStart(line, hardLine), 0
			}
			b.WriteString(strings.TrimRight(line[:cut], " "))
			b.WriteString("\r\n")
			line = line[cut+skip:]
		}
		b.WriteString(line)
		b.WriteString("\r\n")
	}
	return b.String()
}

// breakEvery is how many characters of a long link may stand without a
// place to wrap.
const breakEvery = 16

// Breakable escapes a long link for showing as text, with a <wbr> after
// each slash and at least every 16 characters, so that it wraps on a phone
// instead of widening the message: CSS that breaks words is not supported
// by enough mail clients.
func Breakable(s string) htmltemplate.HTML {
	var b strings.Builder
	run := 0
	for _, r := range s {
		b.WriteString(htmltemplate.HTMLEscapeString(string(r)))
		run++
		if r == '/' || r == '?' || r == '&' || r == '=' || run == breakEvery {
			b.WriteString("<wbr>")
			run = 0
		}
	}
	return htmltemplate.HTML(b.String())
}
