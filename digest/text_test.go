package digest

import (
	"slices"
	"strings"
	"testing"
)

func TestOneLine(t *testing.T) {
	for in, want := range map[string]string{
		"  a\r\n b\tc  ":         "a b c",
		"x\x00y\x1b[31mz\u0085w": "xy[31mz w",
		"":                       "",
		"bad \xff utf-8":         "bad utf-8",
	} {
		if got := oneLine(in); got != want {
			t.Errorf("oneLine(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestShorten(t *testing.T) {
	tests := []struct {
		in    string
		limit int
		want  string
	}{
		{"short", 10, "short"},
		{"exactly ten", 11, "exactly ten"},
		{"Rents & wages: why the gap widens", 20, "Rents & wages: why…"},
		{"Rents, wages, and more", 14, "Rents, wages…"},
		{"Supercalifragilistic", 10, "Supercali…"},
		{"横浜港の未来：海面上昇への備え", 8, "横浜港の未来：…"},
	}
	for _, tt := range tests {
		got := shorten(tt.in, tt.limit)
		if got != tt.want || len([]rune(got)) > tt.limit {
			t.Errorf("shorten(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
		}
	}
}

func TestParagraphs(t *testing.T) {
	got := paragraphs("Dear readers,\r\n \r\nthis is\na note.\n\n\n\nThanks.\n")
	if want := []string{"Dear readers,", "this is a note.", "Thanks."}; !slices.Equal(got, want) {
		t.Errorf("paragraphs %q, want %q", got, want)
	}
}

// Long lines wrap at spaces within the width and continue at their
// indent (under a list item, at its text); a long link stays whole;
// blank lines collapse.
func TestTidyText(t *testing.T) {
	in := "Title  \n\n\n\n" +
		"one two three four five six seven eight nine ten eleven twelve\n" +
		"- item with quite a few words that will need to wrap somewhere\n" +
		"  https://example.org/a/very/long/link/that/cannot/be/broken/anywhere/at/all\n\n"
	want := "Title\n\n" +
		"one two three four five six\nseven eight nine ten eleven\ntwelve\n" +
		"- item with quite a few words\n  that will need to wrap\n  somewhere\n" +
		"  https://example.org/a/very/long/link/that/cannot/be/broken/anywhere/at/all\n"
	if got := tidyText(in, 30); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	for line := range strings.Lines(tidyText(in, 30)) {
		if len(line) > 31 && !strings.Contains(line, "https://") {
			t.Errorf("line too long: %q", line)
		}
	}
}
