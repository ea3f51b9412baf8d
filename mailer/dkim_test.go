package mailer_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/mailer"
)

// dkimKey writes a new RSA key to a PEM file and returns its path and the
// DNS TXT record that publishes it.
func dkimKey(t *testing.T) (path, record string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(t.TempDir(), "dkim.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.WriteFile(path, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return path, "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(pub)
}

func verifyDKIM(t *testing.T, msg []byte, record string) []*dkim.Verification {
	t.Helper()
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(msg), &dkim.VerifyOptions{
		LookupTXT: func(domain string) ([]string, error) {
			if domain != "nd2026._domainkey.example.org" {
				t.Errorf("DKIM key looked up at %s", domain)
			}
			return []string{record}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

// TestDKIMSignatureVerifies signs an edition and verifies it as a receiver
// would, and checks that the List-Unsubscribe pair is covered: changing it
// breaks the signature.
func TestDKIMSignatureVerifies(t *testing.T) {
	f := newFixture(t, newsdesk.NewFixedClock(epoch))
	keyFile, record := dkimKey(t)
	signer, err := mailer.LoadDKIM("example.org", "nd2026", keyFile)
	if err != nil {
		t.Fatal(err)
	}
	f.builder.DKIM = signer
	msg, _ := editionMessage(t, f)
	vs := verifyDKIM(t, msg, record)
	if len(vs) != 1 || vs[0].Err != nil {
		t.Fatalf("verifications %d, first %+v", len(vs), *vs[0])
	}
	if vs[0].Domain != "example.org" {
		t.Errorf("signed for %s", vs[0].Domain)
	}
	signed := strings.Join(vs[0].HeaderKeys, ":")
	for _, h := range []string{"From", "To", "Subject", "Date", "Message-ID", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post"} {
		if !slices.ContainsFunc(vs[0].HeaderKeys, func(k string) bool { return strings.EqualFold(k, h) }) {
			t.Errorf("%s not signed (h=%s)", h, signed)
		}
	}
	tampered := bytes.Replace(msg, []byte("List-Unsubscribe-Post: List-Unsubscribe=One-Click"), []byte("List-Unsubscribe-Post: List-Unsubscribe=Two-Clicks"), 1)
	if vs := verifyDKIM(t, tampered, record); len(vs) != 1 || vs[0].Err == nil {
		t.Errorf("signature still verifies after List-Unsubscribe-Post changed")
	}
	tampered = bytes.Replace(msg, []byte("Three futures for the old port."), []byte("Three futures for the old port!"), 1)
	if vs := verifyDKIM(t, tampered, record); len(vs) != 1 || vs[0].Err == nil {
		t.Errorf("signature still verifies after the body changed")
	}
}

func TestLoadDKIMRefusesBadKeys(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.pem")
	os.WriteFile(bad, []byte("not a key"), 0o600)
	for _, path := range []string{bad, filepath.Join(dir, "missing.pem")} {
		if _, err := mailer.LoadDKIM("example.org", "s", path); newsdesk.ErrorCode(err) != newsdesk.EINVALID {
			t.Errorf("%s: %v", path, err)
		}
	}
}
