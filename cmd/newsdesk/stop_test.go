package main

import (
	"bufio"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk/mailer/smtptest"
)

// stopDesk is the real binary with a daemon running, an editor logged in
// on its desk, an API token, and an edition of 2,000 going out at a
// limited rate to a real SMTP server on loopback.
type stopDesk struct {
	*binDesk
	srv         *smtptest.Server
	connections int
	base        string
	daemon      *exec.Cmd
	log         *syncBuffer
	desk        *deskClient
	api         *apiClient
	edition     string
	rnd         *rand.Rand
}

const stopSubscribers = 2000

func newStopDesk(t *testing.T, bin string, connections, rate int) *stopDesk {
	srv := smtptest.Start(t)
	b := &binDesk{t: t, bin: bin, dir: t.TempDir(), env: smtpEnv(srv,
		fmt.Sprintf("NEWSDESK_SMTP_CONNECTIONS=%d", connections), fmt.Sprintf("NEWSDESK_SMTP_RATE=%d", rate))}
	b.mustRun("init", "--demo")
	b.bigList(stopSubscribers)
	add := b.command("user", "add", "stop@example.org", "--password-stdin")
	add.Stdin = strings.NewReader("correct horse battery\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("user add: %v\n%s", err, out)
	}
	out := strings.Split(strings.TrimSpace(b.mustRun("token", "add", "--user", "stop@example.org", "--name", "stop-bot")), "\n")
	seed := uint64(time.Now().UnixNano())
	t.Logf("random moments from seed %d", seed)
	s := &stopDesk{binDesk: b, srv: srv, connections: connections, rnd: rand.New(rand.NewPCG(seed, 1))}
	s.start()
	s.api = &apiClient{t: t, base: s.base, token: out[len(out)-1]}
	var e struct {
		ID       int64 `json:"id"`
		WillMail int   `json:"will_mail"`
	}
	s.api.call("POST", "/newsletters/big/send", "application/json", "", 202, &e)
	if e.WillMail != stopSubscribers {
		t.Errorf("send now said it would mail %d, want %d", e.WillMail, stopSubscribers)
	}
	s.edition = strconv.FormatInt(e.ID, 10)
	return s
}

// start runs the daemon and logs in on its desk.
func (s *stopDesk) start() {
	s.t.Helper()
	cmd := s.command("serve", "--listen", "127.0.0.1:0")
	stdout, _ := cmd.StdoutPipe()
	s.log = &syncBuffer{}
	cmd.Stderr = s.log
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		s.t.Fatalf("daemon did not start: %v\n%s", err, s.log.String())
	}
	go io.Copy(io.Discard, stdout)
	s.t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	s.daemon = cmd
	s.base = strings.TrimSpace(line[strings.Index(line, "http://"):])
	s.desk = newDeskClient(s.t, s.base)
	s.desk.login("stop@example.org", "correct horse battery")
	if s.api != nil {
		s.api.base = s.base
	}
}

// act runs an editor's control from the desk, the API or the command line.
func (s *stopDesk) act(from, action string) {
	s.t.Helper()
	switch from {
	case "desk":
		if resp, body := s.desk.post("/admin/editions/"+s.edition+"/"+action, url.Values{}); resp.StatusCode != http.StatusSeeOther {
			s.t.Fatalf("desk %s: %d %s", action, resp.StatusCode, body)
		}
	case "api":
		s.api.call("POST", "/editions/"+s.edition+"/"+action, "application/json", "", 200, nil)
	case "cli":
		s.mustRun("edition", action, s.edition)
	}
}

// settle waits until the server has received nothing for half a second
// (at the test's rate it would receive dozens) and returns its count.
func (s *stopDesk) settle() int {
	n := s.srv.Count()
	for {
		time.Sleep(500 * time.Millisecond)
		m := s.srv.Count()
		if m == n {
			return n
		}
		n = m
	}
}

// stop runs a pause or cancel at a random moment of the send and checks
// that at most the messages in flight on each connection arrive after it.
func (s *stopDesk) stop(from, action string) {
	s.t.Helper()
	time.Sleep(time.Duration(200+s.rnd.IntN(800)) * time.Millisecond)
	before := s.srv.Count()
	if before >= stopSubscribers {
		s.t.Fatalf("the edition was sent whole before the %s from the %s", action, from)
	}
	s.act(from, action)
	at := s.srv.Count()
	after := s.settle()
	s.t.Logf("%s from the %s at %d received: %d when it answered, %d after", action, from, before, at, after)
	if after-at > s.connections {
		s.t.Errorf("%s from the %s: %d messages arrived after it answered, more than the %d connections in flight",
			action, from, after-at, s.connections)
	}
	s.checkCounts(action)
}

// checkCounts checks that the store's counts say what the server received
// and what waits, once nothing is claimed any more.
func (s *stopDesk) checkCounts(action string) {
	s.t.Helper()
	var st struct {
		sent, skipped, waiting, claimed int
	}
	waitFor(s.t, 10*time.Second, func() bool {
		db, err := sql.Open("sqlite", "file:"+filepath.Join(s.dir, "data", dbFile)+"?mode=ro")
		if err != nil {
			s.t.Fatal(err)
		}
		defer db.Close()
		err = db.QueryRow(`SELECT COALESCE(SUM(status = 'sent'), 0), COALESCE(SUM(status = 'skipped'), 0),
			COALESCE(SUM(status IN ('queued', 'deferred')), 0), COALESCE(SUM(status = 'sending'), 0)
			FROM deliveries WHERE edition_id = ?`, s.edition).Scan(&st.sent, &st.skipped, &st.waiting, &st.claimed)
		return err == nil && st.claimed == 0 && st.sent == s.srv.Count()
	}, "the deliveries claimed before the "+action+" to be given back and those sent recorded")
	show := s.mustRun("edition", "show", s.edition)
	want := fmt.Sprintf("Sent:        %d\n", st.sent)
	if action == "cancel" {
		want += fmt.Sprintf("Failed:      0\nSkipped:     %d\nQueued:      0\n", stopSubscribers-st.sent)
	} else {
		want += fmt.Sprintf("Failed:      0\nSkipped:     0\nQueued:      %d\n", stopSubscribers-st.sent)
	}
	if !strings.Contains(show, want) {
		s.t.Errorf("after the %s, edition show says:\n%s\nwant:\n%s", action, show, want)
	}
}

// finish waits for the edition to end in status and checks that each
// subscriber received it at most once, and everyone exactly once when sent,
// and that the daemon's log names each actor who acted.
func (s *stopDesk) finish(status string, actors ...string) {
	s.t.Helper()
	waitFor(s.t, 2*time.Minute, func() bool {
		return strings.Contains(s.mustRun("edition", "show", s.edition), "Status:      "+status+"\n")
	}, "the edition to be "+status)
	got := s.srv.ByRecipient()
	for i := range stopSubscribers {
		to := fmt.Sprintf("reader%05d@example.com", i)
		if got[to] > 1 || (status == "sent" && got[to] != 1) {
			s.t.Errorf("%s received the edition %d times", to, got[to])
		}
	}
	for _, by := range actors {
		if !strings.Contains(s.log.String(), "by="+by) {
			s.t.Errorf("the daemon's log does not say who acted (%s):\n%s", by, s.log.String())
		}
	}
}

// TestPauseAndCancelStopAtOnce drives the real daemon and a real SMTP
// server: an edition of 2,000 at a limited rate is paused and resumed from
// the desk, the API and the command line at random moments, with one
// connection and with several; after each pause at most the messages in
// flight arrive, and the resumed edition reaches everyone exactly once. A
// second edition is cancelled and ends with the rest skipped.
func TestPauseAndCancelStopAtOnce(t *testing.T) {
	bin := buildBinary(t)
	for _, connections := range []int{1, 3} {
		t.Run(fmt.Sprintf("%d connections", connections), func(t *testing.T) {
			s := newStopDesk(t, bin, connections, 150)
			s.srv.Wait(t, 1, time.Minute)
			for _, from := range [][2]string{{"desk", "api"}, {"api", "cli"}, {"cli", "desk"}} {
				s.stop(from[0], "pause")
				s.act(from[1], "resume")
			}
			s.finish("sent", "desk:stop@example.org", "api:stop-bot", "cli:")

			c := newStopDesk(t, bin, connections, 150)
			c.srv.Wait(t, 1, time.Minute)
			c.stop("api", "pause")
			c.act("desk", "resume")
			c.stop([]string{"desk", "api", "cli"}[c.rnd.IntN(3)], "cancel")
			c.finish("cancelled", "desk:stop@example.org", "api:stop-bot")
			if got := c.srv.Count(); got >= stopSubscribers {
				t.Errorf("the cancelled edition reached all %d", got)
			}
		})
	}
}

// TestPausedEditionStaysPausedAcrossRestart: the daemon is killed while an
// edition is paused; the next daemon sends none of it until the editor
// resumes it, and then everyone gets it exactly once.
func TestPausedEditionStaysPausedAcrossRestart(t *testing.T) {
	s := newStopDesk(t, buildBinary(t), 3, 150)
	s.srv.Wait(t, 1, time.Minute)
	s.stop("cli", "pause")
	s.daemon.Process.Signal(syscall.SIGKILL)
	s.daemon.Wait()
	at := s.srv.Count()
	s.start()
	time.Sleep(2 * time.Second)
	if n := s.srv.Count(); n != at {
		t.Fatalf("%d messages of the paused edition after the restart", n-at)
	}
	s.checkCounts("pause")
	s.act("desk", "resume")
	s.finish("sent", "desk:stop@example.org")
}
