package feeds

import (
	"bytes"
	"testing"
	"unicode/utf8"
)

func TestCleanXMLText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"plain", "Harbour dues & “costs” < 4%", "Harbour dues & “costs” < 4%"},
		{"whitespace kept", "a\tb\nc\r\n", "a\tb\nc\r\n"},
		{"C0 controls", "a\x00b\x01c\x08d\x0be\x0cf\x1fg", "abcdefg"},
		{"DEL and C1 controls", "a\x7fb\u0080c\u0085d\u009fe", "abcde"},
		{"U+FFFE and U+FFFF", "a\ufffeb\uffffc", "abc"},
		{"other noncharacters", "a\ufdd0b\U0001FFFEc\U0010FFFFd", "abcd"},
		{"lone surrogate", "a\xed\xa0\x80b", "ab"},
		{"invalid UTF-8", "a\xffb\xc3c", "abc"},
		{"real U+FFFD kept", "a\ufffdb", "a\ufffdb"},
		{"non-Latin scripts", "横浜港 — Ελληνικά — עברית 😀", "横浜港 — Ελληνικά — עברית 😀"},
		{"private use and astral kept", "\ue000\U0001F600", "\ue000\U0001F600"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CleanXMLText(tt.in); got != tt.want {
				t.Errorf("CleanXMLText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCleanXMLTextDoesNotCopyCleanText(t *testing.T) {
	s := "already clean: 横浜"
	if n := testing.AllocsPerRun(100, func() { CleanXMLText(s) }); n != 0 {
		t.Errorf("CleanXMLText allocated %v times for clean text", n)
	}
}

func FuzzCleanXMLText(f *testing.F) {
	for _, s := range []string{"", "a\x00b", "\xed\xa0\x80", "横浜\ufffe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := CleanXMLText(s)
		if !utf8.ValidString(got) {
			t.Fatalf("CleanXMLText(%q) = %q, not UTF-8", s, got)
		}
		for i, r := range got {
			if !xmlChar(r, utf8.RuneLen(r)) {
				t.Fatalf("CleanXMLText(%q) kept %U at %d", s, r, i)
			}
		}
		if again := CleanXMLText(got); again != got {
			t.Fatalf("CleanXMLText is not idempotent on %q", s)
		}
	})
}

func TestWriteHexEscaped(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<t>a &amp; b &lt; c &gt; d</t>", "<t>a &#x26; b &#x3C; c &gt; d</t>"},
		{`<t a="&amp;&lt;">x</t>`, `<t a="&#x26;&#x3C;">x</t>`},
		{"<c><![CDATA[&amp; &lt;p>]]></c>&amp;", "<c><![CDATA[&amp; &lt;p>]]></c>&#x26;"},
		{"<c><![CDATA[x]]]]><![CDATA[>&lt;]]></c>", "<c><![CDATA[x]]]]><![CDATA[>&lt;]]></c>"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		writeHexEscaped(&out, []byte(tt.in))
		if got := out.String(); got != tt.want {
			t.Errorf("writeHexEscaped(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
