package main

import (
	"bufio"
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk/mailer/smtptest"
)

// bigList makes a newsletter "big" with n confirmed subscribers.
func (b *binDesk) bigList(n int) {
	b.mustRun("newsletter", "add", "--slug", "big", "--name", "The Big List")
	var csv bytes.Buffer
	csv.WriteString("email\n")
	for i := range n {
		fmt.Fprintf(&csv, "reader%05d@example.com\n", i)
	}
	list := filepath.Join(b.dir, "list.csv")
	os.WriteFile(list, csv.Bytes(), 0o644)
	b.mustRun("subscriber", "import", "--newsletter", "big", "--confirmed", list)
}

// daemon starts newsdesk serve; its log goes to the returned buffer, and
// the channel gets its exit once it has ended.
func (b *binDesk) daemon() (*exec.Cmd, *syncBuffer, <-chan error) {
	b.t.Helper()
	cmd := b.command("serve", "--listen", "127.0.0.1:0")
	stdout, _ := cmd.StdoutPipe()
	log := &syncBuffer{}
	cmd.Stderr = log
	if err := cmd.Start(); err != nil {
		b.t.Fatal(err)
	}
	if _, err := bufio.NewReader(stdout).ReadString('\n'); err != nil {
		b.t.Fatalf("daemon did not start: %v\n%s", err, log.String())
	}
	go io.Copy(io.Discard, stdout)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	b.t.Cleanup(func() { cmd.Process.Kill() })
	return cmd, log, exited
}

// sendInBackground queues an edition of "big" with the command line, which
// hands delivery to the running daemon. The command is killed once the
// daemon has started sending: from then on the daemon alone delivers (and
// finishes preparing the edition if the command had not).
func (b *binDesk) sendInBackground(srv *smtptest.Server) {
	b.t.Helper()
	send := b.command("digest", "send", "--newsletter", "big", "--now")
	if err := send.Start(); err != nil {
		b.t.Fatal(err)
	}
	srv.Wait(b.t, 1, time.Minute)
	send.Process.Kill()
	send.Wait()
}

// sentInStore returns the addresses whose delivery of edition 1 the
// database records as sent.
func sentInStore(t *testing.T, dbPath string) map[string]bool {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT s.email FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
		WHERE d.edition_id = 1 AND d.status = 'sent'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	sent := map[string]bool{}
	for rows.Next() {
		var email string
		rows.Scan(&email)
		sent[email] = true
	}
	return sent
}

// TestSignals runs the real binary. SIGTERM in the middle of sending an
// edition: the daemon finishes the messages in flight and exits 0, and
// afterwards the deliveries marked sent are exactly those the SMTP server
// accepted, except at most one message in flight per connection. A second
// signal while the daemon waits on a slow server exits at once.
func TestSignals(t *testing.T) {
	bin := buildBinary(t)
	t.Run("SIGTERM mid-send", func(t *testing.T) {
		const subscribers, connections = 5000, 4
		srv := smtptest.Start(t)
		b := &binDesk{t: t, bin: bin, dir: t.TempDir(),
			env: smtpEnv(srv, fmt.Sprintf("NEWSDESK_SMTP_CONNECTIONS=%d", connections))}
		b.mustRun("init", "--demo")
		b.bigList(subscribers)
		cmd, log, exited := b.daemon()
		b.sendInBackground(srv)
		for deadline := time.Now().Add(2 * time.Minute); srv.Count() < subscribers*2/5; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("two fifths of the edition not sent after two minutes:\n%s", log.String())
			}
		}
		cmd.Process.Signal(syscall.SIGTERM)
		if err := <-exited; err != nil {
			t.Fatalf("daemon after SIGTERM: %v\n%s", err, log.String())
		}
		accepted := srv.ByRecipient()
		sent := sentInStore(t, filepath.Join(b.dir, "data", dbFile))
		report := fmt.Sprintf("SIGTERM mid-send: %d subscribers, %d accepted by the server, %d marked sent",
			subscribers, len(accepted), len(sent))
		t.Log(report)
		fmt.Println(report)
		for email := range sent {
			if accepted[email] == 0 {
				t.Errorf("%s marked sent but never accepted", email)
			}
		}
		unmarked := 0
		for email, n := range accepted {
			if n > 1 {
				t.Errorf("%s received the edition %d times", email, n)
			}
			if !sent[email] {
				unmarked++
			}
		}
		if unmarked > connections {
			t.Errorf("%d accepted messages not marked sent, more than the %d connections in flight", unmarked, connections)
		}
		if len(accepted) == subscribers {
			t.Errorf("the whole edition went out before SIGTERM; the test proved nothing")
		}
		if !strings.Contains(log.String(), "shutting down") {
			t.Errorf("no shutdown line in the log:\n%s", log.String())
		}
	})
	t.Run("second signal", func(t *testing.T) {
		srv := smtptest.Start(t)
		inData := make(chan struct{}, 1)
		srv.SetHook(func(stage, _ string, _ int) *smtptest.Reply {
			if stage == "data" {
				select {
				case inData <- struct{}{}:
				default:
				}
			}
			return nil
		})
		srv.SetDataDelay(time.Minute) // a server that takes its time over each message
		b := &binDesk{t: t, bin: bin, dir: t.TempDir(), env: smtpEnv(srv, "NEWSDESK_SMTP_CONNECTIONS=1")}
		b.mustRun("init", "--demo")
		b.bigList(3)
		cmd, log, exited := b.daemon()
		send := b.command("digest", "send", "--newsletter", "big", "--now")
		if err := send.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { send.Process.Kill(); send.Wait() }()
		<-inData // the daemon waits for the server's answer to a message
		cmd.Process.Signal(syscall.SIGTERM)
		waitFor(t, 10*time.Second, func() bool { return strings.Contains(log.String(), "shutting down") }, "the daemon to begin its shutdown")
		cmd.Process.Signal(syscall.SIGTERM)
		err := <-exited
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 128+int(syscall.SIGTERM) {
			t.Errorf("after a second SIGTERM: %v, want exit %d", err, 128+int(syscall.SIGTERM))
		}
		if !strings.Contains(log.String(), "second signal: exiting at once") {
			t.Errorf("no line about the second signal in the log:\n%s", log.String())
		}
	})
}
