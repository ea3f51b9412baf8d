package feeds

import (
	"bytes"
	"regexp"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer/html"
)

// Markdown renders article bodies: CommonMark with GitHub's tables,
// strikethrough and autolinks, plus footnotes. Editors may write inline
// HTML; whatever they write passes the same sanitiser as outside HTML, so
// no script, style, event handler or iframe reaches a page, feed or email.
type Markdown struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

// NewMarkdown returns a ready renderer.
func NewMarkdown() *Markdown {
	return &Markdown{
		md: goldmark.New(
			goldmark.WithExtensions(extension.GFM, extension.Footnote),
			goldmark.WithParserOptions(parser.WithAutoHeadingID()),
			goldmark.WithRendererOptions(html.WithUnsafe()),
		),
		policy: SanitizePolicy(),
	}
}

// Render converts Markdown to safe HTML.
func (m *Markdown) Render(source string) (string, error) {
	var buf bytes.Buffer
	if err := m.md.Convert([]byte(CleanXMLText(source)), &buf); err != nil {
		return "", err
	}
	return m.policy.Sanitize(buf.String()), nil
}

// SanitizePolicy is the one policy for HTML that is stored or shown:
// bluemonday's user-content policy, keeping the classes code blocks use for
// their language, the ids footnotes and heading anchors link to, and the
// alignment of table cells.
func SanitizePolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowAttrs("class").Matching(bluemonday.SpaceSeparatedTokens).OnElements("code", "pre", "span", "div", "sup", "section", "a", "li")
	p.AllowAttrs("id").Matching(anchorID).OnElements("h1", "h2", "h3", "h4", "h5", "h6", "li", "sup", "section")
	p.AllowStyles("text-align").MatchingEnum("left", "right", "center").OnElements("th", "td")
	p.RequireNoFollowOnLinks(false)
	return p
}

var anchorID = regexp.MustCompile(`^[A-Za-z0-9:_.-]{1,100}$`)
