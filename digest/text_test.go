package digest

import (
	"slices"
	"testing"
)

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
