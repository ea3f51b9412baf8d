package admin

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk/web"
	"golang.org/x/crypto/bcrypt"
)

// behindProxy serves the desk as the daemon does behind a proxy on
// loopback: the client address comes from X-Forwarded-For.
func behindProxy(t *testing.T, f *fixture) string {
	srv := httptest.NewServer(web.ClientAddrs([]netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, f.h))
	t.Cleanup(srv.Close)
	return srv.URL
}

// loginFrom posts a login as the client at addr and returns the status.
func loginFrom(base, addr, email, password string) (int, error) {
	form := url.Values{"email": {email}, "password": {password}}
	req, _ := http.NewRequest(http.MethodPost, base+"/admin/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	req.Header.Set("X-Forwarded-For", addr)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// TestParallelWrongPasswordsAreReserved: 40 wrong passwords sent at once
// get no more comparisons than the limit allows, since each is paid for
// before bcrypt runs; the stranger's failures leave the editor, at another
// address, able to log in at once; and the stranger's own address gets in
// with the right password once its bucket has refilled.
func TestParallelWrongPasswordsAreReserved(t *testing.T) {
	f := newFixture(t)
	base := behindProxy(t, f)
	const stranger, editor = "203.0.113.7", "198.51.100.9"
	var mu sync.Mutex
	counts := map[int]int{}
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() {
			status, err := loginFrom(base, stranger, editorEmail, "wrong guess")
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			counts[status]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if counts[http.StatusUnauthorized] != 5 || counts[http.StatusTooManyRequests] != 35 {
		t.Errorf("40 parallel wrong passwords: %v, want 5 tried (401) and 35 refused untried (429)", counts)
	}
	if status, _ := loginFrom(base, stranger, editorEmail, editorPass); status != http.StatusTooManyRequests {
		t.Errorf("right password from the stranger's address at once: %d, want 429", status)
	}
	if status, _ := loginFrom(base, editor, editorEmail, editorPass); status != http.StatusSeeOther {
		t.Errorf("the editor, from another address, after a stranger's failures: %d, want 303", status)
	}
	f.clock.Add(time.Minute)
	if status, _ := loginFrom(base, stranger, editorEmail, editorPass); status != http.StatusSeeOther {
		t.Errorf("right password from that address a minute later: %d, want 303", status)
	}
}

// TestLoginLimitsPerAddressAndAccount: one address trying many accounts is
// held by its own limit; many addresses at one account by the account's,
// which is looser than either.
func TestLoginLimitsPerAddressAndAccount(t *testing.T) {
	f := newFixture(t)
	base := behindProxy(t, f)
	// Accounts with cheap hashes: an unknown one costs a full bcrypt.
	hash, _ := bcrypt.GenerateFromPassword([]byte(editorPass), bcrypt.MinCost)
	for i := range 20 {
		email := fmt.Sprintf("editor%d@example.org", i)
		if err := f.db.CreateUser(context.Background(), email, string(hash)); err != nil {
			t.Fatal(err)
		}
		if status, _ := loginFrom(base, "203.0.113.7", email, "x"); status != http.StatusUnauthorized {
			t.Fatalf("attempt %d from one address: %d, want 401", i+1, status)
		}
	}
	if status, _ := loginFrom(base, "203.0.113.7", "fresh@example.org", "x"); status != http.StatusTooManyRequests {
		t.Errorf("21st attempt from one address: %d, want 429", status)
	}
	// 100 failures at one account from 20 addresses spend the account's burst.
	for i := range 100 {
		addr := netip.AddrFrom4([4]byte{192, 0, 2, byte(i / 5)}).String()
		if status, _ := loginFrom(base, addr, editorEmail, "wrong"); status != http.StatusUnauthorized {
			t.Fatalf("attempt %d at the account from %s: %d, want 401", i+1, addr, status)
		}
	}
	if status, _ := loginFrom(base, "198.51.100.9", editorEmail, editorPass); status != http.StatusTooManyRequests {
		t.Errorf("after 100 failures at the account from 20 addresses: %d, want 429", status)
	}
	f.clock.Add(6 * time.Second) // the account gets one attempt back every 6 s
	if status, _ := loginFrom(base, "198.51.100.9", editorEmail, editorPass); status != http.StatusSeeOther {
		t.Errorf("6 s later, with the right password: %d, want 303", status)
	}
}

// TestLoginIPv6ClientsByPrefix: addresses in one /64 share one client limit.
func TestLoginIPv6ClientsByPrefix(t *testing.T) {
	f := newFixture(t)
	base := behindProxy(t, f)
	for i := range 5 {
		addr := "2001:db8:1:2::" + string(rune('a'+i))
		if status, _ := loginFrom(base, addr, editorEmail, "wrong"); status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, status)
		}
	}
	if status, _ := loginFrom(base, "2001:db8:1:2:ffff::1", editorEmail, editorPass); status != http.StatusTooManyRequests {
		t.Errorf("another address in the same /64: %d, want 429", status)
	}
	if status, _ := loginFrom(base, "2001:db8:1:3::1", editorEmail, editorPass); status != http.StatusSeeOther {
		t.Errorf("an address in another /64: %d, want 303", status)
	}
}

// TestLoginComparisonsInFlightAreCapped: no more than maxLoginsInFlight
// passwords are compared at once; the next attempt waits for a slot and
// gives up when its request ends.
func TestLoginComparisonsInFlightAreCapped(t *testing.T) {
	l := newLoginLimits(1, 5, time.Now)
	var releases []func()
	for i := range maxLoginsInFlight {
		release, ok := l.slot(context.Background())
		if !ok {
			t.Fatalf("slot %d refused", i+1)
		}
		releases = append(releases, release)
	}
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan bool)
	go func() { _, ok := l.slot(ctx); got <- ok }()
	cancel()
	if <-got {
		t.Errorf("a slot beyond the cap was given")
	}
	releases[0]()
	if release, ok := l.slot(context.Background()); !ok {
		t.Errorf("a freed slot was not given")
	} else {
		release()
	}
}
