package bounce_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/bounce"
)

// startReceiver runs a receiver for the desk on a loopback port.
func (d *desk) startReceiver(tune func(*bounce.Receiver)) string {
	d.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		d.t.Fatal(err)
	}
	r := &bounce.Receiver{Processor: d.proc, Address: bounceAddr}
	if tune != nil {
		tune(r)
	}
	done := make(chan error, 1)
	go func() { done <- r.Serve(ln) }()
	d.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r.Shutdown(ctx)
		if err := <-done; err != nil {
			d.t.Errorf("receiver: %v", err)
		}
	})
	return ln.Addr().String()
}

// send runs one SMTP transaction and returns the server's refusal, if any.
func send(addr, from, to string, msg []byte) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SendMail(from, []string{to}, bytes.NewReader(msg)); err != nil {
		return err
	}
	return c.Quit()
}

func smtpCode(err error) int {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

func TestReceiverTakesBouncesOnly(t *testing.T) {
	d := newDesk(t, "dead@example.net", "forged@example.net")
	addr := d.startReceiver(nil)
	verp := d.verp("dead@example.net")
	raw := d.report("postfix-hard", "dead@example.net", verp, d.messageID("dead@example.net"))
	if err := send(addr, "", verp, raw); err != nil {
		t.Fatalf("bounce refused: %v", err)
	}
	if s := d.status("dead@example.net"); s != newsdesk.SubscriberBounced {
		t.Errorf("after a bounce by SMTP: %s", s)
	}
	// Case does not matter; the bare address is taken too.
	if err := send(addr, "", strings.ToUpper(verp), raw); err != nil {
		t.Errorf("upper-case VERP address: %v", err)
	}
	if err := send(addr, "", bounceAddr, raw); err != nil {
		t.Errorf("bare bounce address: %v", err)
	}
	hist, _ := d.bounces.FindBounces(context.Background(), newsdesk.BounceFilter{})
	if len(hist) != 1 {
		t.Errorf("%d events for one bounce sent three times", len(hist))
	}
	for _, rcpt := range []string{"editor@news.example.org", "someone@gmail.com", "bounces@other.example", "bounces+x@gmail.com"} {
		if err := send(addr, "spammer@example.com", rcpt, raw); smtpCode(err) != 550 {
			t.Errorf("RCPT TO %s: %v, want 550", rcpt, err)
		}
	}
	if err := send(addr, "", bounceAddr, []byte("\x00\x01garbage")); smtpCode(err) != 550 {
		t.Errorf("garbage: %v, want 550", err)
	}
	// A forged token is accepted, recorded unmatched, and changes nobody.
	forgedVERP := newsdesk.VERPAddress(bounceAddr, newsdesk.NewTokens([]byte("other"), d.clock).BounceToken(d.sent["forged@example.net"].ID, d.sent["forged@example.net"].Subscriber.ID))
	forged := d.report("postfix-hard", "forged@example.net", forgedVERP, d.messageID("forged@example.net"))
	if err := send(addr, "", forgedVERP, forged); err != nil {
		t.Fatalf("forged token: %v", err)
	}
	hist, _ = d.bounces.FindBounces(context.Background(), newsdesk.BounceFilter{Limit: 1})
	if hist[0].MatchedBy != newsdesk.BounceUnmatched || hist[0].SubscriberID != 0 || d.status("forged@example.net") != newsdesk.SubscriberConfirmed {
		t.Errorf("forged token: %+v, subscriber %s", hist[0], d.status("forged@example.net"))
	}
}

func TestReceiverRefusesOversizedMessage(t *testing.T) {
	d := newDesk(t, "dead@example.net")
	addr := d.startReceiver(func(r *bounce.Receiver) { r.MaxSize = 64 << 10 })
	verp := d.verp("dead@example.net")
	raw := d.report("postfix-hard", "dead@example.net", verp, d.messageID("dead@example.net"))
	big := append(append([]byte{}, raw...), bytes.Repeat([]byte("padding padding padding\r\n"), 4000)...)
	if err := send(addr, "", verp, big); smtpCode(err) != 552 {
		t.Fatalf("oversized: %v, want 552", err)
	}
	if hist, _ := d.bounces.FindBounces(context.Background(), newsdesk.BounceFilter{}); len(hist) != 0 || d.status("dead@example.net") != newsdesk.SubscriberConfirmed {
		t.Fatalf("oversized message recorded: %d events", len(hist))
	}
	if err := send(addr, "", verp, raw); err != nil {
		t.Errorf("after an oversized message: %v", err)
	}
}

// TestReceiverUnderFlood: past the rate and the connection limit the
// receiver says "try later" (4xx) rather than falling over, and serves
// again afterwards.
func TestReceiverUnderFlood(t *testing.T) {
	d := newDesk(t, "dead@example.net")
	addr := d.startReceiver(func(r *bounce.Receiver) { r.Rate, r.Burst, r.MaxConns = 5, 5, 4 })
	raw := d.report("ooo", "dead@example.net", bounceAddr, "x@y.example")
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	start := time.Now()
	for range 40 {
		wg.Go(func() {
			code := 250
			if err := send(addr, "", bounceAddr, raw); err != nil {
				code = smtpCode(err)
				if code == 0 && strings.Contains(err.Error(), "421") {
					code = 421
				}
			}
			mu.Lock()
			codes[code]++
			mu.Unlock()
		})
	}
	wg.Wait()
	allowed := 5 + int(5*time.Since(start).Seconds()) + 1
	if codes[250] == 0 || codes[250] > allowed || codes[451]+codes[421] == 0 || codes[250]+codes[451]+codes[421] != 40 {
		t.Errorf("answers to a flood of 40: %v", codes)
	}
	time.Sleep(time.Second)
	if err := send(addr, "", bounceAddr, raw); err != nil {
		t.Errorf("after the flood: %v", err)
	}
}
