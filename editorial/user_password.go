package editorial

import (
	"crypto/rand"
	"encoding/base64"

	"github.com/newsdesk/newsdesk"
	"golang.org/x/crypto/bcrypt"
)

// MinPassword is the shortest password an editor may choose; generated
// ones are 20 characters.
const MinPassword = 12

// NewPassword returns a random password of 20 URL-safe characters.
func NewPassword() string {
	pw := make([]byte, 15)
	rand.Read(pw)
	return base64.RawURLEncoding.EncodeToString(pw)
}

// HashPassword hashes a password with bcrypt; bcrypt reads at most 72 bytes,
// so a longer one is refused rather than silently cut.
func HashPassword(pw string) (string, error) {
	if len(pw) > 72 {
		return "", newsdesk.Errorf(newsdesk.EINVALID, "password is longer than 72 bytes")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	return string(h), err
}
