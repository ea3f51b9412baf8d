package newsdesk

import (
	"strings"
	"testing"
	"time"
)

func TestBounceToken(t *testing.T) {
	ts := NewTokens([]byte("secret"), NewFixedClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	tok := ts.BounceToken(123456, 42)
	if tok != strings.ToLower(tok) || len(tok) > 32 {
		t.Fatalf("token %q: want lowercase and short", tok)
	}
	for _, s := range []string{tok, strings.ToUpper(tok)} {
		d, sub, err := ts.VerifyBounceToken(s)
		if err != nil || d != 123456 || sub != 42 {
			t.Fatalf("verify %q = %d, %d, %v", s, d, sub, err)
		}
	}
	other := NewTokens([]byte("other"), SystemClock{})
	bad := []string{"", "abc", tok[:len(tok)-1], tok + "a", other.BounceToken(123456, 42),
		ts.New(TokenUnsubscribe, 42, nil, 0), strings.Repeat("a", 200)}
	flipped := []byte(tok)
	flipped[3] ^= 1
	bad = append(bad, string(flipped))
	for _, s := range bad {
		if _, _, err := ts.VerifyBounceToken(s); ErrorCode(err) != EINVALID {
			t.Errorf("verify %q: err %v, want EINVALID", s, err)
		}
	}
}

func TestVERPAddress(t *testing.T) {
	addr := VERPAddress("bounces@news.example.org", "abc234")
	if addr != "bounces+abc234@news.example.org" {
		t.Fatalf("VERPAddress = %q", addr)
	}
	for _, c := range []struct {
		addr, token string
		ok          bool
	}{
		{addr, "abc234", true},
		{"BOUNCES+ABC234@NEWS.example.org", "ABC234", true},
		{"bounces@news.example.org", "", true},
		{"bounces+@news.example.org", "", false},
		{"bouncesx@news.example.org", "", false},
		{"bounces+abc@other.example.org", "", false},
		{"editor@news.example.org", "", false},
		{"bounces", "", false},
	} {
		tok, ok := ParseVERPAddress("bounces@news.example.org", c.addr)
		if tok != c.token || ok != c.ok {
			t.Errorf("ParseVERPAddress(%q) = %q, %v; want %q, %v", c.addr, tok, ok, c.token, c.ok)
		}
	}
}
