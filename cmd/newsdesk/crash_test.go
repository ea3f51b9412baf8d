package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk/mailer/smtptest"
)

// binDesk runs the real newsdesk binary on a data directory.
type binDesk struct {
	t   *testing.T
	bin string
	dir string
	env []string
}

// buildBinary builds newsdesk from this package into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "newsdesk")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func (b *binDesk) command(args ...string) *exec.Cmd {
	args = append(args, "--data", filepath.Join(b.dir, "data"), "--config", filepath.Join(b.dir, "newsdesk.toml"))
	cmd := exec.Command(b.bin, args...)
	cmd.Env = append(os.Environ(), b.env...)
	return cmd
}

func (b *binDesk) mustRun(args ...string) string {
	b.t.Helper()
	out, err := b.command(args...).CombinedOutput()
	if err != nil {
		b.t.Fatalf("newsdesk %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestCrashMidSendResumesWithoutSkipping sends an edition to 5,000
// subscribers with the real binary, kills it with SIGKILL midway, restarts
// delivery with the daemon and checks that every subscriber got the
// edition and that no more were sent twice than connections were open at
// the kill: the outbox records each message as sent before the next one on
// its connection can be accepted.
func TestCrashMidSendResumesWithoutSkipping(t *testing.T) {
	const subscribers, connections = 5000, 4
	srv := smtptest.Start(t)
	b := &binDesk{t: t, bin: buildBinary(t), dir: t.TempDir(),
		env: smtpEnv(srv, fmt.Sprintf("NEWSDESK_SMTP_CONNECTIONS=%d", connections))}
	b.mustRun("init", "--demo")
	b.mustRun("newsletter", "add", "--slug", "big", "--name", "The Big List")
	var csv bytes.Buffer
	csv.WriteString("email\n")
	for i := range subscribers {
		fmt.Fprintf(&csv, "reader%05d@example.com\n", i)
	}
	list := filepath.Join(b.dir, "list.csv")
	os.WriteFile(list, csv.Bytes(), 0o644)
	b.mustRun("subscriber", "import", "--newsletter", "big", "--confirmed", list)

	send := b.command("digest", "send", "--newsletter", "big", "--now")
	var out bytes.Buffer
	send.Stdout, send.Stderr = &out, &out
	if err := send.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- send.Wait() }()
	for srv.Count() < subscribers*2/5 {
		select {
		case err := <-exited:
			t.Fatalf("digest send finished before it could be killed (%v):\n%s", err, out.String())
		case <-time.After(time.Millisecond):
		}
	}
	open := srv.Active()
	send.Process.Signal(syscall.SIGKILL)
	<-exited
	atKill := srv.Count()

	daemon := b.command("serve", "--listen", "127.0.0.1:0")
	stdout, _ := daemon.StdoutPipe()
	var log bytes.Buffer
	daemon.Stderr = &log
	if err := daemon.Start(); err != nil {
		t.Fatal(err)
	}
	go bufio.NewReader(stdout).WriteTo(&bytes.Buffer{})
	deadline := time.Now().Add(2 * time.Minute)
	for len(srv.ByRecipient()) < subscribers && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	show := b.mustRun("edition", "show", "1")
	for !strings.Contains(show, "Status:      sent") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond) // the daemon records what it sent a moment after
		show = b.mustRun("edition", "show", "1")
	}
	daemon.Process.Signal(syscall.SIGTERM)
	daemon.Wait()

	received := srv.ByRecipient()
	total, duplicates := srv.Count(), 0
	for i := range subscribers {
		to := fmt.Sprintf("reader%05d@example.com", i)
		if received[to] == 0 {
			t.Errorf("%s never received the edition", to)
		}
		duplicates += max(received[to]-1, 0)
	}
	report := fmt.Sprintf("crash test: %d subscribers; killed after %d messages with %d connections open; "+
		"%d messages in all, %d received twice", subscribers, atKill, open, total, duplicates)
	t.Log(report)
	fmt.Println(report)
	ids := map[string]string{}
	for _, m := range srv.Messages() {
		id := messageID(t, m.Data)
		if prev, seen := ids[m.To[0]]; seen && prev != id {
			t.Errorf("%s got the edition twice with different Message-IDs %s and %s", m.To[0], prev, id)
		}
		ids[m.To[0]] = id
	}
	if duplicates > open {
		t.Errorf("%d duplicates, more than the %d connections open at the kill", duplicates, open)
	}
	if !strings.Contains(show, "Status:      sent") || !strings.Contains(show, fmt.Sprintf("Sent:        %d", subscribers)) {
		t.Errorf("edition after the restart:\n%s\ndaemon log:\n%s", show, log.String())
	}
}

func messageID(t *testing.T, msg []byte) string {
	m, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	return m.Header.Get("Message-ID")
}
