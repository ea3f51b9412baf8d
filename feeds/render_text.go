package feeds

import (
	"strings"
	"unicode/utf8"
)

// CleanXMLText returns s without what XML 1.0 cannot carry: invalid UTF-8
// (lone surrogates included), C0 controls other than tab, newline and
// carriage return, and U+FFFE and U+FFFF. It also drops what XML 1.0
// discourages and feed validators warn about: DEL and the C1 controls, and
// the other noncharacters. Everything else, U+FFFD included, is kept.
func CleanXMLText(s string) string {
	var b *strings.Builder
	for i := 0; i < len(s); {
		if c := s[i]; c >= 0x20 && c < 0x7F && b == nil {
			i++ // printable ASCII, most of any text: nothing to decide
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		ok := xmlChar(r, n)
		if !ok && b == nil {
			b = &strings.Builder{}
			b.Grow(len(s))
			b.WriteString(s[:i])
		}
		if ok && b != nil {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	if b == nil {
		return s
	}
	return b.String()
}

// xmlChar reports whether rune r, decoded from n bytes, may appear in a feed.
func xmlChar(r rune, n int) bool {
	switch {
	case r == utf8.RuneError:
		return n > 1 // a real U+FFFD, not a decoding error
	case r < 0x20:
		return r == '\t' || r == '\n' || r == '\r'
	case r < 0x7F:
		return true
	case r <= 0x9F:
		return false
	case r >= 0xFDD0 && r <= 0xFDEF:
		return false
	}
	return r&0xFFFE != 0xFFFE
}
