package newsdesk_test

import (
	"strings"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
)

var tokenEpoch = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

func TestTokens(t *testing.T) {
	clock := newsdesk.NewFixedClock(tokenEpoch)
	ts := newsdesk.NewTokens([]byte("secret one"), clock)
	other := newsdesk.NewTokens([]byte("secret two"), clock)
	confirm := ts.New(newsdesk.TokenConfirm, 42, 0)
	unsub := ts.New(newsdesk.TokenUnsubscribe, 42, 7)
	flipped := []byte(confirm)
	flipped[3] ^= 1
	for _, tc := range []struct {
		name    string
		token   string
		purpose newsdesk.TokenPurpose
		ok      bool
	}{
		{"confirm", confirm, newsdesk.TokenConfirm, true},
		{"unsubscribe", unsub, newsdesk.TokenUnsubscribe, true},
		{"wrong purpose", confirm, newsdesk.TokenUnsubscribe, false},
		{"wrong purpose 2", unsub, newsdesk.TokenPreferences, false},
		{"altered", string(flipped), newsdesk.TokenConfirm, false},
		{"other key", other.New(newsdesk.TokenConfirm, 42, 0), newsdesk.TokenConfirm, false},
		{"truncated", confirm[:len(confirm)-2], newsdesk.TokenConfirm, false},
		{"padded", confirm + "A", newsdesk.TokenConfirm, false},
		{"empty", "", newsdesk.TokenConfirm, false},
		{"garbage", "not-a-token!", newsdesk.TokenConfirm, false},
		{"huge", strings.Repeat("A", 10000), newsdesk.TokenConfirm, false},
		{"subscriber 0", ts.Sign(newsdesk.Token{Purpose: newsdesk.TokenConfirm}), newsdesk.TokenConfirm, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := ts.Verify(tc.token, tc.purpose)
			if tc.ok != (err == nil) {
				t.Fatalf("Verify: %v, want ok=%v", err, tc.ok)
			}
			if err != nil && newsdesk.ErrorCode(err) != newsdesk.EINVALID {
				t.Errorf("error code %s, want invalid", newsdesk.ErrorCode(err))
			}
			if err == nil && tok.Subscriber != 42 {
				t.Errorf("subscriber %d", tok.Subscriber)
			}
		})
	}
	if tok, _ := ts.Verify(unsub, newsdesk.TokenUnsubscribe); tok.Newsletter != 7 || !tok.Expires.IsZero() {
		t.Errorf("unsubscribe token %+v: want newsletter 7, no expiry", tok)
	}
}

func TestTokenExpiry(t *testing.T) {
	clock := newsdesk.NewFixedClock(tokenEpoch)
	ts := newsdesk.NewTokens([]byte("secret"), clock)
	confirm := ts.New(newsdesk.TokenConfirm, 1, 0)
	prefs := ts.New(newsdesk.TokenPreferences, 1, 0)
	unsub := ts.New(newsdesk.TokenUnsubscribe, 1, 0)
	clock.Add(newsdesk.ConfirmTokenTTL - time.Second)
	if _, err := ts.Verify(confirm, newsdesk.TokenConfirm); err != nil {
		t.Errorf("confirm token refused before it expired: %v", err)
	}
	clock.Add(time.Second)
	if _, err := ts.Verify(confirm, newsdesk.TokenConfirm); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("expired confirm token: %v", err)
	}
	clock.Add(10 * 365 * 24 * time.Hour)
	if _, err := ts.Verify(prefs, newsdesk.TokenPreferences); err == nil {
		t.Errorf("ten-year-old preferences token accepted")
	}
	if _, err := ts.Verify(unsub, newsdesk.TokenUnsubscribe); err != nil {
		t.Errorf("unsubscribe links must keep working: %v", err)
	}
}

// FuzzVerifyToken: no input makes Verify panic or accept a token the key
// did not sign; what it accepts signs back to a token it accepts.
func FuzzVerifyToken(f *testing.F) {
	clock := newsdesk.NewFixedClock(tokenEpoch)
	ts := newsdesk.NewTokens([]byte("fuzz secret"), clock)
	f.Add(ts.New(newsdesk.TokenConfirm, 1, 0), byte('c'))
	f.Add(ts.New(newsdesk.TokenUnsubscribe, 1<<40, 99), byte('u'))
	f.Add("AQEBAQEB", byte('p'))
	f.Add("", byte(0))
	f.Fuzz(func(t *testing.T, s string, purpose byte) {
		tok, err := ts.Verify(s, newsdesk.TokenPurpose(purpose))
		if err != nil {
			if newsdesk.ErrorCode(err) != newsdesk.EINVALID {
				t.Fatalf("error %v is not EINVALID", err)
			}
			return
		}
		if tok.Purpose != newsdesk.TokenPurpose(purpose) || tok.Subscriber <= 0 {
			t.Fatalf("accepted %+v for purpose %q", tok, purpose)
		}
		if _, err := ts.Verify(ts.Sign(tok), tok.Purpose); err != nil {
			t.Fatalf("re-signed token refused: %v", err)
		}
	})
}
