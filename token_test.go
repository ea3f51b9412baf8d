package newsdesk_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
)

var tokenEpoch = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// people is a store of subscribers for Verify to look up.
type people map[int64]*newsdesk.Subscriber

func (p people) find(id int64) (*newsdesk.Subscriber, error) {
	if s, ok := p[id]; ok {
		return s, nil
	}
	return nil, newsdesk.Errorf(newsdesk.ENOTFOUND, "subscriber %d not found", id)
}

var keyA = []byte("0123456789abcdef")

func TestTokens(t *testing.T) {
	clock := newsdesk.NewFixedClock(tokenEpoch)
	ts := newsdesk.NewTokens([]byte("secret one"), clock)
	other := newsdesk.NewTokens([]byte("secret two"), clock)
	store := people{42: {ID: 42, LinkKey: keyA}}
	confirm := ts.NewConfirm(42, keyA, 9)
	unsub := ts.New(newsdesk.TokenUnsubscribe, 42, keyA, 7)
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
		{"other secret", other.NewConfirm(42, keyA, 9), newsdesk.TokenConfirm, false},
		{"other link key", ts.NewConfirm(42, []byte("fedcba9876543210"), 9), newsdesk.TokenConfirm, false},
		{"no link key", ts.New(newsdesk.TokenUnsubscribe, 42, nil, 0), newsdesk.TokenUnsubscribe, false},
		{"unknown subscriber", ts.NewConfirm(43, keyA, 9), newsdesk.TokenConfirm, false},
		{"truncated", confirm[:len(confirm)-2], newsdesk.TokenConfirm, false},
		{"padded", confirm + "A", newsdesk.TokenConfirm, false},
		{"empty", "", newsdesk.TokenConfirm, false},
		{"garbage", "not-a-token!", newsdesk.TokenConfirm, false},
		{"huge", strings.Repeat("A", 10000), newsdesk.TokenConfirm, false},
		{"subscriber 0", ts.Sign(newsdesk.Token{Purpose: newsdesk.TokenConfirm, Key: keyA}), newsdesk.TokenConfirm, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok, sub, err := ts.Verify(tc.token, tc.purpose, store.find)
			if tc.ok != (err == nil) {
				t.Fatalf("Verify: %v, want ok=%v", err, tc.ok)
			}
			if err != nil && newsdesk.ErrorCode(err) != newsdesk.EINVALID {
				t.Errorf("error code %s, want invalid", newsdesk.ErrorCode(err))
			}
			if err == nil && (tok.Subscriber != 42 || sub != store[42]) {
				t.Errorf("subscriber %d, %+v", tok.Subscriber, sub)
			}
		})
	}
	if tok, _, _ := ts.Verify(unsub, newsdesk.TokenUnsubscribe, store.find); tok.Newsletter != 7 || !tok.Expires.IsZero() {
		t.Errorf("unsubscribe token %+v: want newsletter 7, no expiry", tok)
	}
	if tok, _, _ := ts.Verify(confirm, newsdesk.TokenConfirm, store.find); tok.Request != 9 || tok.Newsletter != 0 {
		t.Errorf("confirm token %+v: want request 9", tok)
	}
}

// TestTokensOfADeletedSubscriber: once a subscriber is gone, every link
// sent to them is refused, even when another subscriber has their id.
func TestTokensOfADeletedSubscriber(t *testing.T) {
	ts := newsdesk.NewTokens([]byte("secret"), newsdesk.NewFixedClock(tokenEpoch))
	links := map[newsdesk.TokenPurpose]string{
		newsdesk.TokenConfirm:     ts.NewConfirm(5, keyA, 1),
		newsdesk.TokenPreferences: ts.New(newsdesk.TokenPreferences, 5, keyA, 0),
		newsdesk.TokenUnsubscribe: ts.New(newsdesk.TokenUnsubscribe, 5, keyA, 0),
	}
	newcomer := people{5: {ID: 5, LinkKey: []byte("another random k")}}
	for purpose, link := range links {
		if _, _, err := ts.Verify(link, purpose, people{}.find); newsdesk.ErrorCode(err) != newsdesk.EINVALID {
			t.Errorf("%c link of a deleted subscriber: %v", purpose, err)
		}
		if _, _, err := ts.Verify(link, purpose, newcomer.find); newsdesk.ErrorCode(err) != newsdesk.EINVALID {
			t.Errorf("%c link of a deleted subscriber accepted for the next one with the id: %v", purpose, err)
		}
	}
}

// v1 signs a version 1 token as the desk did before links carried a key.
func v1(secret string, purpose newsdesk.TokenPurpose, sub int64, expires time.Time) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("newsdesk link tokens v1"))
	key := m.Sum(nil)
	b := []byte{1, byte(purpose)}
	b = binary.AppendUvarint(b, uint64(sub))
	b = binary.AppendUvarint(b, 0)
	var exp uint64
	if !expires.IsZero() {
		exp = uint64(expires.Unix())
	}
	b = binary.AppendUvarint(b, exp)
	m = hmac.New(sha256.New, key)
	m.Write(b)
	return base64.RawURLEncoding.EncodeToString(append(b, m.Sum(nil)[:16]...))
}

// TestVersion1Tokens: links from before link keys only unsubscribe, and
// only subscribers who existed then.
func TestVersion1Tokens(t *testing.T) {
	ts := newsdesk.NewTokens([]byte("secret"), newsdesk.NewFixedClock(tokenEpoch))
	old := people{3: {ID: 3, LinkKey: keyA, LegacyLinks: true}}
	recent := people{3: {ID: 3, LinkKey: keyA}}
	unsub := v1("secret", newsdesk.TokenUnsubscribe, 3, time.Time{})
	if _, sub, err := ts.Verify(unsub, newsdesk.TokenUnsubscribe, old.find); err != nil || sub.ID != 3 {
		t.Errorf("old unsubscribe link of an old subscriber: %v", err)
	}
	if _, _, err := ts.Verify(unsub, newsdesk.TokenUnsubscribe, recent.find); err == nil {
		t.Error("old unsubscribe link accepted for a subscriber created since")
	}
	later := tokenEpoch.Add(time.Hour)
	for _, p := range []newsdesk.TokenPurpose{newsdesk.TokenConfirm, newsdesk.TokenPreferences} {
		if _, _, err := ts.Verify(v1("secret", p, 3, later), p, old.find); err == nil {
			t.Errorf("old %c link accepted", p)
		}
	}
}

func TestTokenExpiry(t *testing.T) {
	clock := newsdesk.NewFixedClock(tokenEpoch)
	ts := newsdesk.NewTokens([]byte("secret"), clock)
	store := people{1: {ID: 1, LinkKey: keyA}}
	confirm := ts.NewConfirm(1, keyA, 1)
	prefs := ts.New(newsdesk.TokenPreferences, 1, keyA, 0)
	unsub := ts.New(newsdesk.TokenUnsubscribe, 1, keyA, 0)
	clock.Add(newsdesk.ConfirmTokenTTL - time.Second)
	if _, _, err := ts.Verify(confirm, newsdesk.TokenConfirm, store.find); err != nil {
		t.Errorf("confirm token refused before it expired: %v", err)
	}
	clock.Add(time.Second)
	if _, _, err := ts.Verify(confirm, newsdesk.TokenConfirm, store.find); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("expired confirm token: %v", err)
	}
	clock.Add(10 * 365 * 24 * time.Hour)
	if _, _, err := ts.Verify(prefs, newsdesk.TokenPreferences, store.find); err == nil {
		t.Errorf("ten-year-old preferences token accepted")
	}
	if _, _, err := ts.Verify(unsub, newsdesk.TokenUnsubscribe, store.find); err != nil {
		t.Errorf("unsubscribe links must keep working: %v", err)
	}
}

// FuzzVerifyToken: no input makes Verify panic or accept a token the key
// did not sign or that names another link key; what it accepts signs back
// to a token it accepts.
func FuzzVerifyToken(f *testing.F) {
	clock := newsdesk.NewFixedClock(tokenEpoch)
	ts := newsdesk.NewTokens([]byte("fuzz secret"), clock)
	store := people{1: {ID: 1, LinkKey: keyA, LegacyLinks: true}, 1 << 40: {ID: 1 << 40, LinkKey: keyA}}
	f.Add(ts.NewConfirm(1, keyA, 3), byte('c'))
	f.Add(ts.New(newsdesk.TokenUnsubscribe, 1<<40, keyA, 99), byte('u'))
	f.Add(v1("fuzz secret", newsdesk.TokenUnsubscribe, 1, time.Time{}), byte('u'))
	f.Add("AQEBAQEB", byte('p'))
	f.Add("", byte(0))
	f.Fuzz(func(t *testing.T, s string, purpose byte) {
		tok, sub, err := ts.Verify(s, newsdesk.TokenPurpose(purpose), store.find)
		if err != nil {
			if newsdesk.ErrorCode(err) != newsdesk.EINVALID {
				t.Fatalf("error %v is not EINVALID", err)
			}
			return
		}
		if tok.Purpose != newsdesk.TokenPurpose(purpose) || tok.Subscriber <= 0 || sub == nil || sub.ID != tok.Subscriber {
			t.Fatalf("accepted %+v for purpose %q", tok, purpose)
		}
		if _, _, err := ts.Verify(ts.Sign(tok), tok.Purpose, store.find); err != nil {
			t.Fatalf("re-signed token refused: %v", err)
		}
		tok.Key = []byte("not the key here")
		if _, _, err := ts.Verify(ts.Sign(tok), tok.Purpose, store.find); err == nil {
			t.Fatalf("token with another link key accepted: %+v", tok)
		}
	})
}
