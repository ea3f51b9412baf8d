package bounce_test

import (
	"bytes"
	"context"
	"io"
	"log"
	"net"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/bounce"
)

// startIMAP runs an in-memory IMAP server on loopback with one user whose
// INBOX holds msgs.
func startIMAP(t *testing.T, msgs ...[]byte) string {
	t.Helper()
	mem := imapmemserver.New()
	user := imapmemserver.NewUser("bounces", "pw")
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if _, err := user.Append("INBOX", literal(m), &imap.AppendOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	mem.AddUser(user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		InsecureAuth: true,
		Logger:       log.New(io.Discard, "", 0),
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

type lit struct {
	*bytes.Reader
}

func (l lit) Size() int64 { return int64(l.Len()) }

func literal(b []byte) imap.LiteralReader { return lit{bytes.NewReader(b)} }

// count returns the number of messages in a mailbox.
func count(t *testing.T, addr, mailbox string) uint32 {
	t.Helper()
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("bounces", "pw").Wait(); err != nil {
		t.Fatal(err)
	}
	st, err := c.Status(mailbox, &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	return *st.NumMessages
}

// TestIMAPPoll: reports in the mailbox are recorded and moved to the
// processed folder, as is a message that is not a report; nothing is
// deleted, and a second poll finds nothing left.
func TestIMAPPoll(t *testing.T) {
	d := newDesk(t, "dead@example.net")
	hard := d.report("postfix-hard", "dead@example.net", d.verp("dead@example.net"), d.messageID("dead@example.net"))
	ooo := d.report("ooo", "x@example.net", bounceAddr, "x@y.example")
	addr := startIMAP(t, hard, ooo, []byte("garbage without headers"))
	u, err := bounce.ParseIMAPURL("imap://bounces@" + addr + "/INBOX?tls=none")
	if err != nil {
		t.Fatal(err)
	}
	m := &bounce.IMAP{Processor: d.proc, URL: u, Password: "pw"}
	n, err := m.Poll(context.Background())
	if err != nil || n != 3 {
		t.Fatalf("poll: %d moved, %v", n, err)
	}
	if d.status("dead@example.net") != newsdesk.SubscriberBounced {
		t.Errorf("after the poll: %s", d.status("dead@example.net"))
	}
	evs, _ := d.bounces.FindBounces(context.Background(), newsdesk.BounceFilter{})
	if len(evs) != 1 || evs[0].Source != newsdesk.BounceIMAP || evs[0].MatchedBy != newsdesk.BounceByVERP {
		t.Errorf("events %+v", evs)
	}
	if in, done := count(t, addr, "INBOX"), count(t, addr, "newsdesk-processed"); in != 0 || done != 3 {
		t.Errorf("INBOX %d, processed %d; want 0 and 3", in, done)
	}
	if n, err := m.Poll(context.Background()); err != nil || n != 0 {
		t.Errorf("second poll: %d, %v", n, err)
	}
	m.Password = "wrong"
	if _, err := m.Poll(context.Background()); err == nil {
		t.Error("poll with a wrong password succeeded")
	}
}

func TestParseIMAPURL(t *testing.T) {
	for _, bad := range []string{"http://x@host/", "imaps://host/INBOX", "imaps://u:pw@host/INBOX", "imap://u@mail.example.org/?tls=none", "::"} {
		if _, err := bounce.ParseIMAPURL(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := bounce.ParseIMAPURL("imaps://bounces@mail.example.org/INBOX"); err != nil {
		t.Error(err)
	}
}
