package mailer_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/mailer"
	"github.com/newsdesk/newsdesk/mailer/smtptest"
)

func smtpTransport(t *testing.T, s *smtptest.Server) mailer.Transport {
	t.Helper()
	tr, err := mailer.NewSMTP(mailer.SMTPConfig{Host: s.Host, Port: s.Port, TLS: "none", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// runOutbox runs o until stop is called, which waits for Run to return.
func runOutbox(t *testing.T, o *mailer.Outbox) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- o.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("outbox: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// waitEdition waits until the edition has nothing left to send.
func (f *fixture) waitEdition(id int64, limit time.Duration) *newsdesk.Edition {
	f.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		e, err := f.nls.FindEditionByID(context.Background(), id)
		if err != nil {
			f.t.Fatal(err)
		}
		if e.Status == newsdesk.EditionSent {
			return e
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("edition %d still %s after %s: %+v", id, e.Status, limit, e.Counts)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func rcpt(i int) string { return fmt.Sprintf("reader%d@example.com", i) }

func TestOutboxDeliversEachSubscriberOnce(t *testing.T) {
	f := newFixture(t, newsdesk.SystemClock{})
	f.addSubscribers(60)
	srv := smtptest.Start(t)
	stop := runOutbox(t, f.newOutbox(smtpTransport(t, srv), 3))
	e := f.createEdition()
	e = f.waitEdition(e.ID, 20*time.Second)
	stop()
	got := srv.ByRecipient()
	for i := 1; i <= 60; i++ {
		if got[rcpt(i)] != 1 {
			t.Errorf("%s received %d messages", rcpt(i), got[rcpt(i)])
		}
	}
	if c := e.Counts; c.Recipients != 60 || c.Sent != 60 || c.Pending() != 0 || c.Failed != 0 {
		t.Errorf("counts %+v", c)
	}
	if m := srv.Messages()[0]; m.From != "bounces@example.org" {
		t.Errorf("envelope sender %q", m.From)
	}
	if n := srv.Sessions(); n > 3 {
		t.Errorf("%d connections for 60 messages over 3 kept open", n)
	}
}

// TestOutboxRetriesTemporaryFailures: 421 and 451 answers defer the
// delivery, which is retried until the server takes it.
func TestOutboxRetriesTemporaryFailures(t *testing.T) {
	f := newFixture(t, newsdesk.SystemClock{})
	f.addSubscribers(10)
	srv := smtptest.Start(t)
	srv.SetHook(func(stage, to string, n int) *smtptest.Reply {
		switch {
		case stage == "rcpt" && to == rcpt(2) && n <= 2:
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "greylisted, try later"}
		case stage == "data" && to == rcpt(5) && n == 1:
			return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "too busy, closing"}
		case stage == "data" && to == rcpt(7) && n <= 3:
			return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1}, Message: "insufficient storage"}
		}
		return nil
	})
	stop := runOutbox(t, f.newOutbox(smtpTransport(t, srv), 2))
	e := f.waitEdition(f.createEdition().ID, 20*time.Second)
	stop()
	got := srv.ByRecipient()
	for i := 1; i <= 10; i++ {
		if got[rcpt(i)] != 1 {
			t.Errorf("%s received %d messages", rcpt(i), got[rcpt(i)])
		}
	}
	if e.Counts.Sent != 10 || e.Counts.Failed != 0 {
		t.Errorf("counts %+v", e.Counts)
	}
}

// TestOutboxHardBounce: 550 to RCPT fails the delivery and marks the
// subscriber bounced; a 5xx about the message fails it without bouncing.
func TestOutboxHardBounce(t *testing.T) {
	f := newFixture(t, newsdesk.SystemClock{})
	f.addSubscribers(5)
	srv := smtptest.Start(t)
	srv.SetHook(func(stage, to string, n int) *smtptest.Reply {
		switch {
		case stage == "rcpt" && to == rcpt(3):
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
		case stage == "data" && to == rcpt(4):
			return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "message refused"}
		}
		return nil
	})
	stop := runOutbox(t, f.newOutbox(smtpTransport(t, srv), 1))
	e := f.waitEdition(f.createEdition().ID, 20*time.Second)
	stop()
	if e.Counts.Sent != 3 || e.Counts.Failed != 2 {
		t.Errorf("counts %+v", e.Counts)
	}
	status := func(i int) newsdesk.SubscriberStatus {
		s, err := f.subs.FindSubscriberByEmail(context.Background(), rcpt(i))
		if err != nil {
			t.Fatal(err)
		}
		return s.Status
	}
	if st := status(3); st != newsdesk.SubscriberBounced {
		t.Errorf("550 recipient is %s, want bounced", st)
	}
	if st := status(4); st != newsdesk.SubscriberConfirmed {
		t.Errorf("554 recipient is %s, want confirmed", st)
	}
	failed, err := f.nls.FindDeliveries(context.Background(), e.ID, newsdesk.DeliveryFailed, 10)
	if err != nil || len(failed) != 2 || failed[0].Error == "" {
		t.Fatalf("failed deliveries %v, %v", failed, err)
	}
	// The bounced subscriber gets nothing more; the others get the next edition.
	e2 := f.waitEdition(runAgain(t, f, srv), 20*time.Second)
	if e2.Counts.Recipients != 4 {
		t.Errorf("next edition went to %d subscribers, want 4", e2.Counts.Recipients)
	}
}

func runAgain(t *testing.T, f *fixture, srv *smtptest.Server) int64 {
	srv.SetHook(nil)
	runOutbox(t, f.newOutbox(smtpTransport(t, srv), 1))
	return f.createEdition().ID
}

// TestOutboxServerDownThenUp: while the server is down deliveries wait;
// when it is back everything is delivered, once.
func TestOutboxServerDownThenUp(t *testing.T) {
	f := newFixture(t, newsdesk.SystemClock{})
	f.addSubscribers(20)
	srv := smtptest.Start(t)
	srv.Down()
	stop := runOutbox(t, f.newOutbox(smtpTransport(t, srv), 2))
	e := f.createEdition()
	time.Sleep(300 * time.Millisecond)
	if got, _ := f.nls.FindEditionByID(context.Background(), e.ID); got.Counts.Sent != 0 || got.Counts.Failed != 0 {
		t.Fatalf("with the server down: %+v", got.Counts)
	}
	if err := srv.Up(); err != nil {
		t.Fatal(err)
	}
	e = f.waitEdition(e.ID, 60*time.Second)
	stop()
	got := srv.ByRecipient()
	for i := 1; i <= 20; i++ {
		if got[rcpt(i)] != 1 {
			t.Errorf("%s received %d messages", rcpt(i), got[rcpt(i)])
		}
	}
	if e.Counts.Sent != 20 {
		t.Errorf("counts %+v", e.Counts)
	}
}

// TestOutboxShutdownFinishesTheMessageInFlight: stopping the outbox while
// the server is taking a message lets that message finish and records it;
// what was claimed but not begun goes back to the queue, and a new run
// sends the rest with nobody skipped and nobody twice.
func TestOutboxShutdownFinishesTheMessageInFlight(t *testing.T) {
	f := newFixture(t, newsdesk.SystemClock{})
	f.addSubscribers(10)
	srv := smtptest.Start(t)
	started := make(chan struct{}, 10)
	srv.SetHook(func(stage, to string, n int) *smtptest.Reply {
		if stage == "data" {
			started <- struct{}{}
		}
		return nil
	})
	srv.SetDataDelay(300 * time.Millisecond)
	stop := runOutbox(t, f.newOutbox(smtpTransport(t, srv), 1))
	e := f.createEdition()
	<-started
	stop() // while the server holds the first message
	if n := srv.Count(); n != 1 {
		t.Fatalf("%d messages accepted by the time the outbox stopped, want the 1 in flight", n)
	}
	got, _ := f.nls.FindEditionByID(context.Background(), e.ID)
	if got.Counts.Sent != 1 || got.Counts.Queued != 9 {
		t.Fatalf("after shutdown: %+v", got.Counts)
	}
	// Given back, not held: they can be claimed at once.
	if ds, err := f.outbox.ClaimDeliveries(context.Background(), 100, time.Hour); err != nil || len(ds) != 9 || ds[0].Attempts != 1 {
		t.Fatalf("after shutdown %d deliveries could be claimed (%v), want the 9 not sent", len(ds), err)
	} else {
		f.outbox.ReleaseDeliveries(context.Background(), []int64{ds[0].ID, ds[1].ID, ds[2].ID, ds[3].ID, ds[4].ID, ds[5].ID, ds[6].ID, ds[7].ID, ds[8].ID})
	}
	srv.SetDataDelay(0)
	runOutbox(t, f.newOutbox(smtpTransport(t, srv), 2))
	f.waitEdition(e.ID, 20*time.Second)
	for to, n := range srv.ByRecipient() {
		if n != 1 {
			t.Errorf("%s received %d messages", to, n)
		}
	}
	if n := srv.Count(); n != 10 {
		t.Errorf("%d messages, want 10", n)
	}
}

// TestFileTransportWritesEML: the default transport writes each message to
// a file named after its Message-ID, once.
func TestFileTransportWritesEML(t *testing.T) {
	f := newFixture(t, newsdesk.SystemClock{})
	f.addSubscribers(3)
	dir := filepath.Join(t.TempDir(), "outbox")
	stop := runOutbox(t, f.newOutbox(&mailer.File{Dir: dir}, 2))
	e := f.waitEdition(f.createEdition().ID, 20*time.Second)
	stop()
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(files) != 3 || e.Counts.Sent != 3 {
		t.Fatalf("files %v, counts %+v", files, e.Counts)
	}
	b, _ := os.ReadFile(files[0])
	if id := headerOf(t, b, "Message-ID"); mailer.FileName(id[1:len(id)-1]) != filepath.Base(files[0]) {
		t.Errorf("file %s holds message %s", files[0], id)
	}
}

// TestOutboxWithoutJournal records each sent delivery in the store as it
// goes, and waits for the record before the next message is accepted.
func TestOutboxWithoutJournal(t *testing.T) {
	f := newFixture(t, newsdesk.SystemClock{})
	f.addSubscribers(30)
	srv := smtptest.Start(t)
	o := f.newOutbox(smtpTransport(t, srv), 3)
	o.Journal = ""
	stop := runOutbox(t, o)
	e := f.waitEdition(f.createEdition().ID, 20*time.Second)
	stop()
	if e.Counts.Sent != 30 || srv.Count() != 30 {
		t.Errorf("counts %+v, %d messages", e.Counts, srv.Count())
	}
}

// TestJournalLeftByACrashIsApplied: deliveries a dead run recorded in its
// journal count as sent when the outbox starts again, and are not sent
// again; a record cut short by the crash is not trusted.
func TestJournalLeftByACrashIsApplied(t *testing.T) {
	f := newFixture(t, newsdesk.SystemClock{})
	f.addSubscribers(3)
	e := f.createEdition()
	ds, err := f.outbox.ClaimDeliveries(context.Background(), 10, time.Hour) // the dead run's claims
	if err != nil || len(ds) != 3 {
		t.Fatal(ds, err)
	}
	srv := smtptest.Start(t)
	o := f.newOutbox(smtpTransport(t, srv), 1)
	os.MkdirAll(o.Journal, 0o750)
	line := func(d *newsdesk.Delivery) string {
		return fmt.Sprintf("%d %d %d\n", d.ID, d.EditionID, d.Subscriber.ID)
	}
	os.WriteFile(filepath.Join(o.Journal, "1.sent"), []byte(line(ds[0])+line(ds[1])+"garbage\n"+line(ds[2])[:3]), 0o640)
	stop := runOutbox(t, o)
	e = f.waitEdition(e.ID, 20*time.Second)
	stop()
	if got := srv.ByRecipient(); len(got) != 1 || got[ds[2].Subscriber.Email] != 1 {
		t.Errorf("sent again: %v; want only %s", got, ds[2].Subscriber.Email)
	}
	if e.Counts.Sent != 3 {
		t.Errorf("counts %+v", e.Counts)
	}
	if files, _ := filepath.Glob(filepath.Join(o.Journal, "*")); len(files) != 0 {
		t.Errorf("journal files left after a clean stop: %v", files)
	}
}

// selfSigned returns a TLS certificate for 127.0.0.1 and a pool trusting it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "smtp.test"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// TestSMTPWithSTARTTLSAndLogin: with tls = mandatory and a login, the
// transport upgrades the connection and logs in before sending; with the
// wrong password nothing is sent and the deliveries wait (the transport's
// fault, not the recipients'). Connections are kept for many messages.
func TestSMTPWithSTARTTLSAndLogin(t *testing.T) {
	f := newFixture(t, newsdesk.SystemClock{})
	f.addSubscribers(12)
	cert, pool := selfSigned(t)
	srv := smtptest.Start(t)
	srv.RequireLogin(&tls.Config{Certificates: []tls.Certificate{cert}}, "desk", "s3cret")
	transport := func(password string) mailer.Transport {
		tr, err := mailer.NewSMTP(mailer.SMTPConfig{Host: srv.Host, Port: srv.Port, TLS: "mandatory",
			Username: "desk", Password: password, Timeout: 10 * time.Second,
			TLSConfig: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}})
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	stop := runOutbox(t, f.newOutbox(transport("wrong"), 2))
	e := f.createEdition()
	time.Sleep(300 * time.Millisecond)
	stop()
	if got, _ := f.nls.FindEditionByID(context.Background(), e.ID); srv.Count() != 0 || got.Counts.Failed != 0 || got.Counts.Pending() != 12 {
		t.Fatalf("with a wrong password: %d sent, counts %+v", srv.Count(), got.Counts)
	}
	runOutbox(t, f.newOutbox(transport("s3cret"), 2))
	f.waitEdition(e.ID, 20*time.Second)
	if n := srv.Count(); n != 12 {
		t.Errorf("%d messages, want 12", n)
	}
}
