package mailer

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// TidyText cleans the text part of a message: lines trimmed at the end,
// at most one blank line in a row, none at the top or bottom, the
// signature separator "-- " kept whole, and, with a width above 0, lines
// longer than width wrapped at spaces, continuing at the line's indent. A
// word longer than the width (a long link) stays whole.
func TidyText(s string, width int) string {
	var b strings.Builder
	blank := true
	for line := range strings.Lines(strings.ReplaceAll(s, "\r\n", "\n")) {
		line = strings.TrimRightFunc(line, unicode.IsSpace)
		if line == "--" {
			line = "-- " // the signature separator keeps its space
		}
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
	for width > 0 && utf8.RuneCountInString(line) > width {
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
