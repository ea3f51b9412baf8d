package newsdesk

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"time"
)

// TokenPurpose is what a signed link may be used for.
type TokenPurpose byte

// Token purposes. A token made for one purpose is refused for any other.
const (
	TokenConfirm     TokenPurpose = 'c'
	TokenUnsubscribe TokenPurpose = 'u'
	TokenPreferences TokenPurpose = 'p'
	// TokenBounce names a delivery in the envelope sender (VERP), so that
	// a bounce can be matched to the message that caused it.
	TokenBounce TokenPurpose = 'b'
)

// How long links in emails work. Unsubscribe links never expire: RFC 8058
// clients may post them from mail that is years old.
const (
	ConfirmTokenTTL     = 7 * 24 * time.Hour
	PreferencesTokenTTL = 365 * 24 * time.Hour
)

// Token is what a signed link says.
type Token struct {
	Purpose    TokenPurpose
	Subscriber int64
	Newsletter int64     // unsubscribe: the newsletter, 0 for all
	Request    int64     // confirm: the subscription request the link was mailed for
	Expires    time.Time // zero: never
	// Key is the subscriber's link key (Subscriber.LinkKey) when signing.
	// The token carries a MAC of it, and Verify compares that with the key
	// the subscriber has now: a deleted subscriber's links name a key that
	// no longer exists, so they are revoked with it.
	Key []byte
}

// Token versions. Version 1 named only the subscriber's row id, which
// SQLite could hand out again after a delete; version 2 adds the request
// and the link key.
const (
	tokenV1     = 1
	tokenV2     = 2
	tokenMACLen = 16 // 128 bits of HMAC-SHA256
	tokenKeyLen = 8  // the MAC of the link key: names the key, not a secret
	tokenMaxLen = 80 // bytes before base64; longer input is refused unread
)

// Tokens signs and verifies the tokens in links sent to subscribers, with
// HMAC-SHA256 under a key derived from the desk's secret.
type Tokens struct {
	key   []byte
	clock Clock
}

// NewTokens returns a signer keyed by secret.
func NewTokens(secret []byte, clock Clock) *Tokens {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("newsdesk link tokens v1"))
	return &Tokens{key: m.Sum(nil), clock: clock}
}

// Sign returns t as a URL-safe string.
func (ts *Tokens) Sign(t Token) string {
	b := make([]byte, 0, 48)
	b = append(b, tokenV2, byte(t.Purpose))
	b = binary.AppendUvarint(b, uint64(t.Subscriber))
	b = binary.AppendUvarint(b, uint64(t.Newsletter))
	b = binary.AppendUvarint(b, uint64(t.Request))
	var exp uint64
	if !t.Expires.IsZero() {
		exp = uint64(t.Expires.Unix())
	}
	b = binary.AppendUvarint(b, exp)
	b = append(b, ts.keyMAC(t.Key)...)
	b = append(b, ts.mac(b)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// New signs a token for purpose (unsubscribe or preferences), with the
// purpose's lifetime, for the subscriber whose link key is key.
func (ts *Tokens) New(purpose TokenPurpose, subscriber int64, key []byte, newsletter int64) string {
	t := Token{Purpose: purpose, Subscriber: subscriber, Newsletter: newsletter, Key: key}
	switch purpose {
	case TokenConfirm:
		t.Expires = ts.clock.Now().Add(ConfirmTokenTTL)
	case TokenPreferences:
		t.Expires = ts.clock.Now().Add(PreferencesTokenTTL)
	}
	return ts.Sign(t)
}

// NewConfirm signs the confirm link of one subscription request.
func (ts *Tokens) NewConfirm(subscriber int64, key []byte, request int64) string {
	return ts.Sign(Token{Purpose: TokenConfirm, Subscriber: subscriber, Request: request, Key: key,
		Expires: ts.clock.Now().Add(ConfirmTokenTTL)})
}

func (ts *Tokens) mac(payload []byte) []byte {
	m := hmac.New(sha256.New, ts.key)
	m.Write(payload)
	return m.Sum(nil)[:tokenMACLen]
}

// keyMAC is what a token carries of a link key.
func (ts *Tokens) keyMAC(key []byte) []byte {
	m := hmac.New(sha256.New, ts.key)
	m.Write([]byte("link key\x00"))
	m.Write(key)
	return m.Sum(nil)[:tokenKeyLen]
}

// Verify checks s and returns what it says and the subscriber it is for,
// whom find looks up by id once the token's MAC has been checked. A token
// that is malformed, altered, forged, made for another purpose, expired,
// or whose subscriber is gone or has another link key now, is an EINVALID
// error that says only that the link does not work.
//
// Version 1 tokens are refused, except for unsubscribing a subscriber who
// existed before version 2 (LegacyLinks): RFC 8058 clients post the
// unsubscribe link of mail that may be years old, and the law wants it to
// keep working. Such a row existed when ids stopped being reused, so an
// old link cannot name a subscriber created since.
func (ts *Tokens) Verify(s string, purpose TokenPurpose, find func(id int64) (*Subscriber, error)) (Token, *Subscriber, error) {
	invalid := Errorf(EINVALID, "This link is not valid. Please use the link from your most recent email.")
	if len(s) > base64.RawURLEncoding.EncodedLen(tokenMaxLen) {
		return Token{}, nil, invalid
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(b) < 5+tokenMACLen {
		return Token{}, nil, invalid
	}
	payload, sum := b[:len(b)-tokenMACLen], b[len(b)-tokenMACLen:]
	if !hmac.Equal(sum, ts.mac(payload)) {
		return Token{}, nil, invalid
	}
	t, keyMAC, ok := parseToken(payload)
	if !ok || t.Purpose != purpose || t.Subscriber <= 0 || keyMAC == nil && purpose != TokenUnsubscribe {
		return Token{}, nil, invalid
	}
	if !t.Expires.IsZero() && !ts.clock.Now().Before(t.Expires) {
		return Token{}, nil, Errorf(EINVALID, "This link has expired. Please ask for a new one.")
	}
	sub, err := find(t.Subscriber)
	if ErrorCode(err) == ENOTFOUND {
		return Token{}, nil, invalid
	} else if err != nil {
		return Token{}, nil, err
	}
	if sub.ID != t.Subscriber || keyMAC == nil && !sub.LegacyLinks ||
		keyMAC != nil && (len(sub.LinkKey) == 0 || !hmac.Equal(keyMAC, ts.keyMAC(sub.LinkKey))) {
		return Token{}, nil, invalid
	}
	t.Key = sub.LinkKey
	return t, sub, nil
}

// parseToken reads a payload whose MAC has been checked, and returns the
// MAC of the link key it carries, nil for a version 1 token.
func parseToken(b []byte) (Token, []byte, bool) {
	n := 3 // version 1: subscriber, newsletter, expiry
	switch b[0] {
	case tokenV1:
	case tokenV2:
		n = 4 // subscriber, newsletter, request, expiry
	default:
		return Token{}, nil, false
	}
	t := Token{Purpose: TokenPurpose(b[1])}
	b = b[2:]
	fields := make([]uint64, n)
	for i := range fields {
		v, n := binary.Uvarint(b)
		if n <= 0 || v > 1<<62 {
			return Token{}, nil, false
		}
		fields[i], b = v, b[n:]
	}
	var keyMAC []byte
	if n == 4 {
		if len(b) != tokenKeyLen {
			return Token{}, nil, false
		}
		keyMAC, b = b, nil
		t.Request = int64(fields[2])
	}
	if len(b) != 0 {
		return Token{}, nil, false
	}
	t.Subscriber, t.Newsletter = int64(fields[0]), int64(fields[1])
	if exp := fields[n-1]; exp != 0 {
		t.Expires = time.Unix(int64(exp), 0).UTC()
	}
	return t, keyMAC, true
}
