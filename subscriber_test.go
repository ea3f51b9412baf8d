package newsdesk_test

import (
	"testing"

	"github.com/newsdesk/newsdesk"
)

func TestNormalizeEmail(t *testing.T) {
	for in, want := range map[string]string{
		"reader@example.org":             "reader@example.org",
		"  Reader.Name+tag@Example.ORG ": "reader.name+tag@example.org",
		"o'brien@mail.example.co.uk":     "o'brien@mail.example.co.uk",
		"a@b.co":                         "a@b.co",
		"":                               "",
		"plain":                          "",
		"@example.org":                   "",
		"reader@":                        "",
		"reader@localhost":               "",
		"two@@example.org":               "",
		"a b@example.org":                "",
		".dot@example.org":               "",
		"dot.@example.org":               "",
		"do..t@example.org":              "",
		"reader@exa_mple.org":            "",
		"reader@-example.org":            "",
		"reader@example..org":            "",
		"Reader <reader@example.org>":    "",
		"\"quoted\"@example.org":         "",
		"reader@example.org\r\nBcc: x@example.org": "",
		"reader@example.org\n":                     "reader@example.org", // trimmed: the newline is outside the address
		"rëader@example.org":                       "",
	} {
		got, err := newsdesk.NormalizeEmail(in)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", in, got, err, want)
		}
		if err != nil && newsdesk.ErrorCode(err) != newsdesk.EINVALID {
			t.Errorf("NormalizeEmail(%q): error code %s", in, newsdesk.ErrorCode(err))
		}
	}
}

func TestSubscribeRequestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		req  newsdesk.SubscribeRequest
		ok   bool
	}{
		{"fine", newsdesk.SubscribeRequest{Email: "a@example.org", Newsletters: []string{"weekly"}}, true},
		{"topics", newsdesk.SubscribeRequest{Email: "a@example.org", Newsletters: []string{"weekly"}, Topics: []string{"economy"}}, true},
		{"zone", newsdesk.SubscribeRequest{Email: "a@example.org", Newsletters: []string{"weekly"}, TimeZone: "Europe/London"}, true},
		{"no newsletter", newsdesk.SubscribeRequest{Email: "a@example.org"}, false},
		{"bad slug", newsdesk.SubscribeRequest{Email: "a@example.org", Newsletters: []string{"Weekly News"}}, false},
		{"bad topic", newsdesk.SubscribeRequest{Email: "a@example.org", Newsletters: []string{"weekly"}, Topics: []string{"<x>"}}, false},
		{"name injection", newsdesk.SubscribeRequest{Email: "a@example.org", Name: "Ann\r\nBcc: x@example.org", Newsletters: []string{"weekly"}}, false},
		{"bad zone", newsdesk.SubscribeRequest{Email: "a@example.org", Newsletters: []string{"weekly"}, TimeZone: "Mars/Olympus"}, false},
		{"bad email", newsdesk.SubscribeRequest{Email: "nope", Newsletters: []string{"weekly"}}, false},
	} {
		err := tc.req.Validate()
		if tc.ok != (err == nil) || (err != nil && newsdesk.ErrorCode(err) != newsdesk.EINVALID) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestHeaderSafe(t *testing.T) {
	for s, want := range map[string]bool{
		"The Weekly": true, "Zoë – “quotes”": true, "tab\there": true,
		"a\r\nb": false, "a\nb": false, "a\rb": false, "a\x00b": false, "a\u2028b": false, "a\x7fb": false,
	} {
		if got := newsdesk.HeaderSafe(s); got != want {
			t.Errorf("HeaderSafe(%q) = %v", s, got)
		}
	}
}
