package newsdesk

import "testing"

func TestOneLine(t *testing.T) {
	for in, want := range map[string]string{
		"  a\r\n b\tc  ":         "a b c",
		"x\x00y\x1b[31mz\u0085w": "xy[31mz w",
		"":                       "",
		"bad \xff utf-8":         "bad utf-8",
	} {
		if got := OneLine(in); got != want {
			t.Errorf("OneLine(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTruncate(t *testing.T) {
	for _, tt := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"the harbour board meets in March", 20, "the harbour board…"},
		{"港湾都市と海面上昇", 4, "港湾都市…"},
		{"word, word, word", 11, "word, word…"},
	} {
		if got := Truncate(tt.in, tt.n); got != tt.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}
