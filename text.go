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
