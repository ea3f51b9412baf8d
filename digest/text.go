package digest

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/newsdesk/newsdesk"
)

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
		if line := newsdesk.OneLine(p.String()); line != "" {
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

// samples are digests that exercise every part of the templates: one with
// everything, one with only what is required.
func samples() []DigestData {
	at := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	full := DigestData{
		Site:       newsdesk.Site{Title: "Sample", BaseURL: "https://example.org", Language: "en", PostalAddress: "1 Sample Street\nSampleton"},
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
