package web

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestClientAddr(t *testing.T) {
	trusted, err := ParseTrustedProxies([]string{"127.0.0.1/32", "10.0.0.0/8", " fd00::/8 ", "192.0.2.10"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, peer string
		header     []string // name, value, name, value…
		want       string
	}{
		{"no proxy header", "198.51.100.1:4000", nil, "198.51.100.1"},
		{"untrusted peer's header ignored", "198.51.100.1:4000", []string{"X-Forwarded-For", "203.0.113.9"}, "198.51.100.1"},
		{"untrusted peer's Forwarded ignored", "198.51.100.1:4000", []string{"Forwarded", "for=203.0.113.9"}, "198.51.100.1"},
		{"trusted peer without header", "127.0.0.1:5000", nil, "127.0.0.1"},
		{"trusted peer, one hop", "127.0.0.1:5000", []string{"X-Forwarded-For", "203.0.113.9"}, "203.0.113.9"},
		{"client-sent entries left of the real one", "127.0.0.1:5000", []string{"X-Forwarded-For", "1.2.3.4, 5.6.7.8, 203.0.113.9"}, "203.0.113.9"},
		{"trusted hops skipped from the right", "127.0.0.1:5000", []string{"X-Forwarded-For", "6.6.6.6, 203.0.113.9, 10.1.2.3, 10.9.9.9"}, "203.0.113.9"},
		{"several header lines in order", "127.0.0.1:5000", []string{"X-Forwarded-For", "6.6.6.6", "X-Forwarded-For", "203.0.113.9, 10.0.0.1"}, "203.0.113.9"},
		{"a single trusted address", "192.0.2.10:80", []string{"X-Forwarded-For", "203.0.113.9"}, "203.0.113.9"},
		{"its neighbour is not trusted", "192.0.2.11:80", []string{"X-Forwarded-For", "203.0.113.9"}, "192.0.2.11"},
		{"every hop trusted: the left-most", "127.0.0.1:5000", []string{"X-Forwarded-For", "10.0.0.5, 10.0.0.6"}, "10.0.0.5"},
		{"junk right of the client: the last trusted hop", "127.0.0.1:5000", []string{"X-Forwarded-For", "203.0.113.9, junk, 10.0.0.7"}, "10.0.0.7"},
		{"junk as the only entry: the peer", "127.0.0.1:5000", []string{"X-Forwarded-For", "unknown"}, "127.0.0.1"},
		{"entry with a port", "127.0.0.1:5000", []string{"X-Forwarded-For", "203.0.113.9:51234"}, "203.0.113.9"},
		{"IPv6 entry", "127.0.0.1:5000", []string{"X-Forwarded-For", "2001:db8::1"}, "2001:db8::1"},
		{"bracketed IPv6 with port", "127.0.0.1:5000", []string{"X-Forwarded-For", "[2001:db8::1]:443"}, "2001:db8::1"},
		{"IPv4-mapped entry", "127.0.0.1:5000", []string{"X-Forwarded-For", "::ffff:203.0.113.9"}, "203.0.113.9"},
		{"IPv6 peer trusted", "[fd00::1]:5000", []string{"X-Forwarded-For", "203.0.113.9"}, "203.0.113.9"},
		{"mapped IPv4 peer trusted", "[::ffff:127.0.0.1]:5000", []string{"X-Forwarded-For", "203.0.113.9"}, "203.0.113.9"},
		{"Forwarded", "127.0.0.1:5000", []string{"Forwarded", "for=203.0.113.9;proto=https"}, "203.0.113.9"},
		{"Forwarded, quoted IPv6 with port", "127.0.0.1:5000", []string{"Forwarded", `for="[2001:db8:cafe::17]:4711"`}, "2001:db8:cafe::17"},
		{"Forwarded, several elements", "127.0.0.1:5000", []string{"Forwarded", "for=6.6.6.6, For=203.0.113.9;by=10.0.0.1, for=10.0.0.2"}, "203.0.113.9"},
		{"Forwarded, comma inside quotes", "127.0.0.1:5000", []string{"Forwarded", `for=6.6.6.6;x="a,b", for=203.0.113.9`}, "203.0.113.9"},
		{"Forwarded, obfuscated node", "127.0.0.1:5000", []string{"Forwarded", "for=203.0.113.9, for=_hidden"}, "127.0.0.1"},
		{"X-Forwarded-For wins over Forwarded", "127.0.0.1:5000", []string{"Forwarded", "for=6.6.6.6", "X-Forwarded-For", "203.0.113.9"}, "203.0.113.9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tt.peer
			for i := 0; i+1 < len(tt.header); i += 2 {
				r.Header.Add(tt.header[i], tt.header[i+1])
			}
			if got := ClientAddr(r, trusted); got.String() != tt.want {
				t.Errorf("ClientAddr = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestClientKeyGroupsIPv6By64(t *testing.T) {
	for addr, want := range map[string]string{
		"203.0.113.9":             "203.0.113.9",
		"2001:db8:1:2:3:4:5:6":    "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1":    "2001:db8:1:2::/64",
		"2001:db8:1:3::1":         "2001:db8:1:3::/64",
		"::ffff:203.0.113.9":      "203.0.113.9",
		"fe80::1%eth0":            "fe80::/64",
		"[2001:db8:1:2::9]:43210": "2001:db8:1:2::/64",
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = addr
		if !strings.Contains(addr, "]:") {
			r.RemoteAddr = "[" + addr + "]:1234"
		}
		if got := ClientKey(r); got != want {
			t.Errorf("ClientKey(%s) = %q, want %q", addr, got, want)
		}
	}
}

func TestParseTrustedProxies(t *testing.T) {
	got, err := ParseTrustedProxies([]string{"127.0.0.1", "10.1.2.3/8", "::1", "::ffff:10.0.0.0/104", ""})
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("10.0.0.0/8")}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%d: %s, want %s", i, got[i], want[i])
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "localhost", "10.0.0", "*"} {
		if _, err := ParseTrustedProxies([]string{bad}); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("%q: %v, want an error naming it", bad, err)
		}
	}
}

// TestSignUpLimitPerClientBehindProxy: behind a trusted proxy each client
// has its own sign-up allowance; one that spends it leaves the others
// served, and an untrusted peer cannot pick its bucket with a header.
func TestSignUpLimitPerClientBehindProxy(t *testing.T) {
	f := newSubFixture(t)
	f.server.SubscribeBurst, f.server.SubscribeRate = 2, 0.001
	f.server.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	ts := httptest.NewServer(f.server.Handler())
	t.Cleanup(ts.Close)
	f.url = ts.URL
	form := func(i int) string { return "email=r" + string(rune('a'+i)) + "@example.org&newsletter=weekly" }
	for i, want := range []int{200, 200, 429, 429} {
		if status, _ := f.post("/subscribe", form(i), "X-Forwarded-For", "203.0.113.9"); status != want {
			t.Errorf("flooding client, request %d: %d, want %d", i+1, status, want)
		}
	}
	if status, _ := f.post("/subscribe", form(10), "X-Forwarded-For", "198.51.100.4"); status != 200 {
		t.Errorf("another client after the flood: %d, want 200", status)
	}
	if status, _ := f.post("/subscribe", form(11), "X-Forwarded-For", "6.6.6.6, 203.0.113.9"); status != 429 {
		t.Errorf("the flooding client with a made-up entry in front: %d, want 429", status)
	}

	f.server.TrustedProxies = nil // the peer is the client: headers mean nothing
	ts2 := httptest.NewServer(f.server.Handler())
	t.Cleanup(ts2.Close)
	f.url = ts2.URL
	for i, want := range []int{200, 200, 429} {
		if status, _ := f.post("/subscribe", form(20+i), "X-Forwarded-For", "192.0.2."+string(rune('1'+i))); status != want {
			t.Errorf("untrusted peer, request %d with a new header each time: %d, want %d", i+1, status, want)
		}
	}
}
