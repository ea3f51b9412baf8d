package mailer

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/newsdesk/newsdesk/mailer/smtptest"
)

func TestAppendDotStuffed(t *testing.T) {
	for in, want := range map[string]string{
		"a\r\nb\r\n":           "a\r\nb\r\n",
		".a\r\n":               "..a\r\n",
		"a\r\n.\r\nb\r\n":      "a\r\n..\r\nb\r\n",
		"a\r\n..b\r\n.c":       "a\r\n...b\r\n..c\r\n",
		"no line break at end": "no line break at end\r\n",
	} {
		if got := string(appendDotStuffed(nil, []byte(in))); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}

// TestSMTPWithAndWithoutPipelining sends through both ways of running a
// transaction, with a refusal in between that must leave the connection
// usable, and checks the server got each message whole, dots and all.
func TestSMTPWithAndWithoutPipelining(t *testing.T) {
	for _, pipelining := range []bool{true, false} {
		srv := smtptest.Start(t)
		srv.SetHook(func(stage, to string, n int) *smtptest.Reply {
			if stage == "rcpt" && to == "nobody@example.org" {
				return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
			}
			return nil
		})
		tr, err := NewSMTP(SMTPConfig{Host: srv.Host, Port: srv.Port, TLS: "none", Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		conn, err := tr.Dial(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		c := conn.(*smtpConn)
		c.pipelining = pipelining
		env := func(to string) Envelope { return Envelope{From: "news@example.org", To: to} }
		msg := []byte("Subject: x\r\n\r\n.starts with a dot\r\nend\r\n")
		second := env("b@example.org")
		if err := c.Stream(env("a@example.org"), msg, &second); err != nil {
			t.Fatalf("pipelining=%v: first: %v", pipelining, err)
		}
		if err := c.Stream(second, msg, nil); err != nil {
			t.Fatalf("pipelining=%v: second: %v", pipelining, err)
		}
		err = c.Send(context.Background(), env("nobody@example.org"), msg, func() error { return nil })
		if se, ok := err.(*SendError); !ok || !se.Bounce() || se.Broken {
			t.Fatalf("pipelining=%v: refused recipient: %#v", pipelining, err)
		}
		if err := c.Send(context.Background(), env("c@example.org"), msg, func() error { return nil }); err != nil {
			t.Fatalf("pipelining=%v: after a refusal: %v", pipelining, err)
		}
		c.Close()
		got := srv.Messages()
		if len(got) != 3 {
			t.Fatalf("pipelining=%v: %d messages", pipelining, len(got))
		}
		for _, m := range got {
			if !strings.Contains(string(m.Data), "\r\n.starts with a dot\r\nend\r\n") {
				t.Errorf("pipelining=%v: message to %v arrived as %q", pipelining, m.To, m.Data)
			}
		}
	}
}
