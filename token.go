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
	Newsletter int64     // 0 when the link is not about one newsletter
	Expires    time.Time // zero: never
}

const (
	tokenVersion = 1
	tokenMACLen  = 16 // 128 bits of HMAC-SHA256
	tokenMaxLen  = 64 // bytes before base64; longer input is refused unread
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
	b := make([]byte, 0, 40)
	b = append(b, tokenVersion, byte(t.Purpose))
	b = binary.AppendUvarint(b, uint64(t.Subscriber))
	b = binary.AppendUvarint(b, uint64(t.Newsletter))
	var exp uint64
	if !t.Expires.IsZero() {
		exp = uint64(t.Expires.Unix())
	}
	b = binary.AppendUvarint(b, exp)
	b = append(b, ts.mac(b)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// New signs a token for purpose, with the purpose's lifetime.
func (ts *Tokens) New(purpose TokenPurpose, subscriber, newsletter int64) string {
	t := Token{Purpose: purpose, Subscriber: subscriber, Newsletter: newsletter}
	switch purpose {
	case TokenConfirm:
		t.Expires = ts.clock.Now().Add(ConfirmTokenTTL)
	case TokenPreferences:
		t.Expires = ts.clock.Now().Add(PreferencesTokenTTL)
	}
	return ts.Sign(t)
}

func (ts *Tokens) mac(payload []byte) []byte {
	m := hmac.New(sha256.New, ts.key)
	m.Write(payload)
	return m.Sum(nil)[:tokenMACLen]
}

// Verify checks s and returns what it says. A token that is malformed,
// altered, forged, made for another purpose or expired is an EINVALID
// error that says only that the link does not work.
func (ts *Tokens) Verify(s string, purpose TokenPurpose) (Token, error) {
	invalid := Errorf(EINVALID, "This link is not valid. Please use the link from your most recent email.")
	if len(s) > base64.RawURLEncoding.EncodedLen(tokenMaxLen) {
		return Token{}, invalid
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(b) < 5+tokenMACLen {
		return Token{}, invalid
	}
	payload, sum := b[:len(b)-tokenMACLen], b[len(b)-tokenMACLen:]
	if !hmac.Equal(sum, ts.mac(payload)) {
		return Token{}, invalid
	}
	t, ok := parseToken(payload)
	if !ok || t.Purpose != purpose || t.Subscriber <= 0 {
		return Token{}, invalid
	}
	if !t.Expires.IsZero() && !ts.clock.Now().Before(t.Expires) {
		return Token{}, Errorf(EINVALID, "This link has expired. Please ask for a new one.")
	}
	return t, nil
}

// parseToken reads a payload whose MAC has been checked.
func parseToken(b []byte) (Token, bool) {
	if b[0] != tokenVersion {
		return Token{}, false
	}
	t := Token{Purpose: TokenPurpose(b[1])}
	b = b[2:]
	var fields [3]uint64
	for i := range fields {
		v, n := binary.Uvarint(b)
		if n <= 0 || v > 1<<62 {
			return Token{}, false
		}
		fields[i], b = v, b[n:]
	}
	if len(b) != 0 {
		return Token{}, false
	}
	t.Subscriber, t.Newsletter = int64(fields[0]), int64(fields[1])
	if fields[2] != 0 {
		t.Expires = time.Unix(int64(fields[2]), 0).UTC()
	}
	return t, true
}
