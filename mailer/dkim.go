package mailer

import (
	"bytes"
	"crypto"
	"io"
	"os"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/newsdesk/newsdesk"
	gomail "github.com/wneessen/go-mail"
)

// SignedHeaders are the headers a DKIM signature covers. Headers a message
// lacks are signed as absent, so they cannot be added later either; the
// List-Unsubscribe pair is among them, as RFC 8058 requires.
var SignedHeaders = []string{
	"From", "Reply-To", "To", "Subject", "Date", "Message-ID",
	"List-Id", "List-Unsubscribe", "List-Unsubscribe-Post",
	"MIME-Version", "Content-Type",
}

// DKIMSigner signs messages for a domain (RFC 6376), with relaxed
// canonicalisation of header and body.
//
// go-mail v0.8.1 has a signer of its own, but it folds the DKIM-Signature
// header inside header names of a long h= list, which breaks relaxed
// verification; emersion/go-msgauth signs instead.
type DKIMSigner struct {
	opts dkim.SignOptions
}

// LoadDKIM reads a PEM private key (RSA or Ed25519, PKCS#1 or PKCS#8) and
// returns a signer for domain and selector.
func LoadDKIM(domain, selector, keyFile string) (*DKIMSigner, error) {
	pem, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "dkim.key_file: %w", err)
	}
	key, err := gomail.PrivKeyFromPEM(pem)
	if err != nil {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "dkim.key_file %s: %w", keyFile, err)
	}
	s := &DKIMSigner{opts: dkim.SignOptions{
		Domain: domain, Selector: selector, Signer: key, Hash: crypto.SHA256,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed, BodyCanonicalization: dkim.CanonicalizationRelaxed,
		HeaderKeys: SignedHeaders,
	}}
	if err := s.Sign(io.Discard, []byte("From: a@example.org\r\n\r\nx\r\n")); err != nil {
		return nil, newsdesk.Errorf(newsdesk.EINVALID, "dkim: %w", err)
	}
	return s, nil
}

// Sign writes msg to w with a DKIM-Signature header in front.
func (s *DKIMSigner) Sign(w io.Writer, msg []byte) error {
	signer, err := dkim.NewSigner(&s.opts)
	if err != nil {
		return err
	}
	if _, err := io.Copy(signer, bytes.NewReader(msg)); err != nil {
		signer.Close()
		return err
	}
	if err := signer.Close(); err != nil {
		return err
	}
	if _, err := io.WriteString(w, signer.Signature()); err != nil {
		return err
	}
	_, err = w.Write(msg)
	return err
}
