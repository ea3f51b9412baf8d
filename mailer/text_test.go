package mailer

import (
	"strings"
	"testing"
)

func TestTidyText(t *testing.T) {
	in := "Title  \n\n\n\n" +
		"one two three four five six seven eight nine ten eleven twelve\n" +
		"- item with quite a few words that will need to wrap somewhere\n" +
		"  https://example.org/a/very/long/link/that/cannot/be/broken/anywhere/at/all\n\n"
	want := "Title\n\n" +
		"one two three four five six\nseven eight nine ten eleven\ntwelve\n" +
		"- item with quite a few words\n  that will need to wrap\n  somewhere\n" +
		"  https://example.org/a/very/long/link/that/cannot/be/broken/anywhere/at/all\n"
	if got := TidyText(in, 30); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if got := TidyText("Hi\n\n--\nThe desk  \n\n", 0); got != "Hi\n\n-- \nThe desk\n" {
		t.Errorf("the signature separator lost its space: %q", got)
	}
	for line := range strings.Lines(TidyText(in, 30)) {
		if len(line) > 31 && !strings.Contains(line, "https://") {
			t.Errorf("line too long: %q", line)
		}
	}
}
