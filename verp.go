package newsdesk

import (
	"crypto/hmac"
	"encoding/base32"
	"encoding/binary"
	"strings"
)

// bounceMACLen is shorter than a link's: the token lives in an address's
// local part, which has 64 characters, and 80 bits is still far beyond
// guessing by mail.
const bounceMACLen = 10

// verpEncoding is lowercase base32 without padding: some mail servers
// lowercase local parts, and base32 survives that where base64 would not.
var verpEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// BounceToken signs a reference to one delivery (and its subscriber) for
// the envelope sender of its message. It carries no address.
func (ts *Tokens) BounceToken(deliveryID, subscriberID int64) string {
	b := make([]byte, 0, 32)
	b = append(b, tokenV1, byte(TokenBounce))
	b = binary.AppendUvarint(b, uint64(deliveryID))
	b = binary.AppendUvarint(b, uint64(subscriberID))
	b = append(b, ts.mac(b)[:bounceMACLen]...)
	return verpEncoding.EncodeToString(b)
}

// VerifyBounceToken returns the delivery and subscriber a token names. A
// token that is malformed, altered or forged is an EINVALID error. Case
// does not matter.
func (ts *Tokens) VerifyBounceToken(s string) (deliveryID, subscriberID int64, err error) {
	invalid := Errorf(EINVALID, "bounce token %.40q is not valid", s)
	if len(s) > 48 {
		return 0, 0, invalid
	}
	s = strings.ToLower(s)
	b, err := verpEncoding.DecodeString(s)
	if err != nil || len(b) < 4+bounceMACLen || verpEncoding.EncodeToString(b) != s {
		return 0, 0, invalid
	}
	payload, sum := b[:len(b)-bounceMACLen], b[len(b)-bounceMACLen:]
	if !hmac.Equal(sum, ts.mac(payload)[:bounceMACLen]) || payload[0] != tokenV1 || payload[1] != byte(TokenBounce) {
		return 0, 0, invalid
	}
	rest := payload[2:]
	var ids [2]int64
	for i := range ids {
		v, n := binary.Uvarint(rest)
		if n <= 0 || v == 0 || v > 1<<62 {
			return 0, 0, invalid
		}
		ids[i], rest = int64(v), rest[n:]
	}
	if len(rest) != 0 {
		return 0, 0, invalid
	}
	return ids[0], ids[1], nil
}

// VERPAddress returns the envelope sender for a message whose bounces go
// to base (bounces@example.org): bounces+TOKEN@example.org.
func VERPAddress(base, token string) string {
	local, domain, ok := strings.Cut(base, "@")
	if !ok {
		return base
	}
	return local + "+" + token + "@" + domain
}

// ParseVERPAddress reports whether addr is base or one of its VERP forms,
// comparing without regard to case, and returns the token ("" for base
// itself).
func ParseVERPAddress(base, addr string) (token string, ok bool) {
	blocal, bdomain, ok1 := strings.Cut(base, "@")
	i := strings.LastIndexByte(addr, '@')
	if !ok1 || i < 0 || !strings.EqualFold(addr[i+1:], bdomain) {
		return "", false
	}
	local := addr[:i]
	if strings.EqualFold(local, blocal) {
		return "", true
	}
	if len(local) <= len(blocal)+1 || !strings.EqualFold(local[:len(blocal)+1], blocal+"+") {
		return "", false
	}
	return local[len(blocal)+1:], true
}
