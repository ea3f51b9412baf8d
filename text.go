package newsdesk

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// OneLine collapses runs of white space, line breaks included, to single
// spaces and drops other control characters, so that text can go into a
// header, a log line or a one-line error message.
func OneLine(s string) string {
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

// Truncate cuts s to at most n runes, at a space when one is near, and
// marks the cut with an ellipsis; it never cuts a rune in half. Titles,
// summaries, error messages and echoed input all go through it, so that
// hostile input cannot make them huge.
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut := 0
	for i := range s {
		if n == 0 {
			cut = i
			break
		}
		n--
	}
	s = s[:cut]
	if sp := strings.LastIndexByte(s, ' '); sp > len(s)*3/4 {
		s = s[:sp]
	}
	return strings.TrimRight(s, " ,;:.-") + "…"
}
