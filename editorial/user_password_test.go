package editorial_test

import (
	"strings"
	"testing"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/editorial"
	"golang.org/x/crypto/bcrypt"
)

func TestPasswords(t *testing.T) {
	a, b := editorial.NewPassword(), editorial.NewPassword()
	if len(a) != 20 || a == b || len(a) < editorial.MinPassword {
		t.Errorf("generated %q and %q", a, b)
	}
	h, err := editorial.HashPassword(a)
	if err != nil || bcrypt.CompareHashAndPassword([]byte(h), []byte(a)) != nil {
		t.Errorf("hash of %q does not verify: %v", a, err)
	}
	// bcrypt reads 72 bytes: a longer password would be cut without a word.
	if _, err := editorial.HashPassword(strings.Repeat("x", 73)); newsdesk.ErrorCode(err) != newsdesk.EINVALID {
		t.Errorf("73-byte password: %v", err)
	}
}
