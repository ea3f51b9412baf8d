package digest

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/newsdesk/newsdesk"
)

// oneLine collapses runs of whitespace, line breaks included, to single
// spaces and drops other control characters, so that text can go into a
// header or a one-line slot.
func oneLine(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.IsControl(r) || r == utf8.RuneError:
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// shorten cuts s to at most limit characters, at a word break when there
// is one in the second half, and marks the cut with an ellipsis.
func shorten(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	runes := []rune(s)[:limit-1]
	cut := len(runes)
	for i := len(runes) - 1; i > limit/2; i-- {
		if runes[i] == ' ' {
			cut = i
			break
		}
	}
	return strings.TrimRight(string(runes[:cut]), " ,;:.-–—") + "…"
}

// paragraphs splits plain text at blank lines and joins each paragraph's
// lines with spaces.
func paragraphs(s string) []string {
	var out []string
	var p strings.Builder
	flush := func() {
		if line := oneLine(p.String()); line != "" {
			out = append(out, line)
		}
		p.Reset()
	}
	for line := range strings.Lines(s) {
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		p.WriteString(line)
	}
	flush()
	return out
}

// tidyText cleans the text part: lines trimmed at the end, at most one
// blank line in a row, none at the top or bottom, and lines longer than
// width wrapped at spaces, continuing at the line's indent. A word longer
// than the width (a long link) stays whole.
func tidyText(s string, width int) string {
	var b strings.Builder
	blank := true
	for line := range strings.Lines(strings.ReplaceAll(s, "\r\n", "\n")) {
		line = strings.TrimRightFunc(line, unicode.IsSpace)
		if line == "" {
			if !blank {
				b.WriteByte('\n')
			}
			blank = true
			continue
		}
		wrap(&b, line, width)
		blank = false
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

// wrap writes line to b broken at spaces into lines of at most width
// characters where it can; continuation lines take the line's indent, and
// under a "- " or "* " item, the item's text.
func wrap(b *strings.Builder, line string, width int) {
	indent := line[:len(line)-len(strings.TrimLeft(line, " "))]
	if rest := line[len(indent):]; strings.HasPrefix(rest, "- ") || strings.HasPrefix(rest, "* ") {
		indent += "  "
	}
	for utf8.RuneCountInString(line) > width {
		cut := breakAt(line, width, len(indent))
		if cut < 0 {
			break
		}
		b.WriteString(line[:cut])
		b.WriteByte('\n')
		line = indent + strings.TrimLeft(line[cut:], " ")
	}
	b.WriteString(line)
	b.WriteByte('\n')
}

// breakAt returns the byte index of the last space after the indent with
// at most width characters before it, else of the first space after the
// indent, else -1.
func breakAt(line string, width, indent int) int {
	best, n := -1, 0
	for i, r := range line {
		if r == ' ' && i > indent {
			if n <= width || best < 0 {
				best = i
			}
			if n > width {
				break
			}
		}
		n++
	}
	return best
}

// samples are digests that exercise every part of the templates: one with
// everything, one with only what is required.
func samples() []DigestData {
	at := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	full := DigestData{
		Site:       Site{Title: "Sample", BaseURL: "https://example.org", Language: "en", PostalAddress: "1 Sample Street\nSampleton"},
		Newsletter: "Sample", Date: at, Location: time.UTC,
		Intro: "A note.\n\nAnother paragraph.",
		Articles: []*newsdesk.Article{{
			UID: "tag:example.org,2026:1", Slug: "a", Title: "A", Summary: "S", Status: newsdesk.StatusPublished,
			Author: &newsdesk.Author{Name: "Ann"}, Categories: []*newsdesk.Category{{Slug: "c", Name: "C"}}, PublishedAt: at,
		}, {UID: "tag:example.org,2026:2", Slug: "b", Title: "B", Status: newsdesk.StatusPublished, PublishedAt: at}},
		Related: []Related{
			{Title: "R", URL: "https://example.com/r", Summary: "S", SourceTitle: "Src", SourceURL: "https://example.com/"},
			{Title: "Q", URL: "https://example.com/q"},
		},
		UnsubscribeURL: "https://example.org/unsubscribe/t", PreferencesURL: "https://example.org/preferences/t",
	}
	minimal := DigestData{Articles: []*newsdesk.Article{{Title: "A", Status: newsdesk.StatusPublished}}}
	return []DigestData{full, minimal}
}
