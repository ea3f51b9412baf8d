package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// mountSmallDisk mounts a tmpfs of the given size at dir, or skips the
// test where this machine does not let the test mount one (not root, or no
// permission in a container). It is unmounted when the test ends.
func mountSmallDisk(t *testing.T, dir, size string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput()
	if err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s); this test needs root or CAP_SYS_ADMIN", err, bytes.TrimSpace(out))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
}

// pickup takes the messages the file transport writes out of its
// directory, as a mail server's pickup would, and counts them by
// recipient, so that the small disk only ever holds a few.
type pickup struct {
	dir, to string
	mu      sync.Mutex
	by      map[string]int
	paused  bool
	stop    chan struct{}
	done    chan struct{}
}

func startPickup(t *testing.T, dir string) *pickup {
	p := &pickup{dir: dir, to: t.TempDir(), by: map[string]int{}, stop: make(chan struct{}), done: make(chan struct{})}
	go p.run(t)
	t.Cleanup(p.close)
	return p
}

func (p *pickup) close() {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	<-p.done
}

func (p *pickup) run(t *testing.T) {
	defer close(p.done)
	for {
		select {
		case <-p.stop:
			return
		case <-time.After(5 * time.Millisecond):
		}
		p.mu.Lock()
		paused := p.paused
		p.mu.Unlock()
		if paused {
			continue
		}
		entries, _ := os.ReadDir(p.dir)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") || !strings.HasSuffix(e.Name(), ".eml") {
				continue // not yet written: the transport renames a finished message into place
			}
			path := filepath.Join(p.dir, e.Name())
			b, err := os.ReadFile(path)
			if err != nil {
				continue
			}
			m, err := mail.ReadMessage(bytes.NewReader(b))
			if err != nil {
				t.Errorf("%s: %v", e.Name(), err)
				continue
			}
			os.Remove(path)
			to, err := mail.ParseAddress(m.Header.Get("To"))
			if err != nil {
				t.Errorf("%s: To: %v", e.Name(), err)
				continue
			}
			p.mu.Lock()
			p.by[to.Address]++
			p.mu.Unlock()
		}
	}
}

// pause stops or restarts taking messages off the disk.
func (p *pickup) pause(paused bool) {
	p.mu.Lock()
	p.paused = paused
	p.mu.Unlock()
}

// count returns how many messages were picked up.
func (p *pickup) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, c := range p.by {
		n += c
	}
	return n
}

// filler takes every byte the disk has left, and keeps taking what is
// freed, until it is released.
type filler struct {
	path string
	stop chan struct{}
	done chan struct{}
}

func fillDisk(t *testing.T, dir string) *filler {
	f := &filler{path: filepath.Join(dir, "filler"), stop: make(chan struct{}), done: make(chan struct{})}
	file, err := os.Create(f.path)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	fill := func() {
		for n := len(chunk); n >= 512; {
			if _, err := file.Write(chunk[:n]); err != nil {
				n /= 2
			}
		}
	}
	fill()
	go func() {
		defer close(f.done)
		defer file.Close()
		for {
			fill()
			select {
			case <-f.stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	return f
}

// release frees the space the filler took.
func (f *filler) release() {
	close(f.stop)
	<-f.done
	os.Remove(f.path)
}

// TestFullDiskHealsWithoutARestart runs the real daemon with its data
// directory on a 24 MB tmpfs and the file transport, and fills the disk
// in the middle of a 3,000-recipient edition: /healthz answers 503 with
// the reason, the subscription form and an API write 503 with
// Retry-After; once space is freed, delivery resumes by itself and the
// edition completes within a minute, nobody skipped and nobody twice.
func TestFullDiskHealsWithoutARestart(t *testing.T) {
	const subscribers = 3000
	b := &binDesk{t: t, bin: buildBinary(t), dir: t.TempDir(), env: []string{"NEWSDESK_MAIL_TRANSPORT=file",
		"NEWSDESK_MAIL_FROM=The Harbour Review <news@harbour.example>", "NEWSDESK_SITE_BASE_URL=https://news.harbour.example"}}
	data := filepath.Join(b.dir, "data")
	mountSmallDisk(t, data, "24m")
	b.mustRun("init", "--demo")
	b.bigList(subscribers)
	out := strings.Split(strings.TrimSpace(b.mustRun("token", "add", "--user", "editor@localhost", "--name", "full-disk")), "\n")
	pick := startPickup(t, filepath.Join(data, "outbox"))

	cmd := b.command("serve", "--listen", "127.0.0.1:0")
	stdout, _ := cmd.StdoutPipe()
	log := &syncBuffer{}
	cmd.Stderr = log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("daemon did not start: %v\n%s", err, log.String())
	}
	go io.Copy(io.Discard, stdout)
	api := &apiClient{t: t, base: strings.TrimSpace(line[strings.Index(line, "http://"):]), token: out[len(out)-1]}
	var e edition
	api.call("POST", "/newsletters/big/send", "application/json", "", 202, &e)
	waitFor(t, time.Minute, func() bool { return pick.count() >= subscribers/10 }, "a tenth of the edition to go out")

	pick.pause(true) // the disk stays full: nothing is taken off it
	full := fillDisk(t, data)
	waitFor(t, 10*time.Second, func() bool {
		resp, body := httpDo(t, "GET", api.base+"/healthz", "", "")
		return resp.StatusCode == 503 && strings.Contains(body, "data directory cannot be written")
	}, "/healthz to answer 503 naming the data directory")
	stalled := pick.count()
	for _, w := range []struct{ what, path, contentType, body string }{
		{"the subscription form", "/subscribe", "application/x-www-form-urlencoded",
			url.Values{"email": {"new.reader@example.com"}, "newsletter": {"big"}}.Encode()},
		{"an API write", "/api/v1/subscribers", "application/json", `{"email": "api.reader@example.com", "newsletters": ["big"]}`},
	} {
		resp, body := httpDo(t, "POST", api.base+w.path, w.contentType, w.body, "Authorization", "Bearer "+api.token)
		if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
			t.Errorf("%s on a full disk: %d (Retry-After %q), want 503 with Retry-After: %s", w.what,
				resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
	}
	time.Sleep(2 * time.Second)
	if n := pick.count(); n >= subscribers {
		t.Fatalf("the edition went out whole (%d) though the disk was full", n)
	}
	t.Logf("disk full at %d messages out; %d out after 2 s more", stalled, pick.count())

	full.release()
	pick.pause(false)
	freed := time.Now()
	waitFor(t, time.Minute, func() bool {
		show := b.mustRun("edition", "show", strconv.FormatInt(e.ID, 10))
		return strings.Contains(show, "Status:      sent\n") && pick.count() >= subscribers
	}, "the edition to finish within a minute of space coming back, without a restart")
	t.Logf("finished %s after space came back", time.Since(freed).Round(time.Millisecond))
	if !strings.Contains(log.String(), "cannot write") {
		t.Errorf("the daemon's log does not say it could not write:\n%s", log.String())
	}
	show := b.mustRun("edition", "show", strconv.FormatInt(e.ID, 10))
	for _, want := range []string{"Sent:        3000\n", "Failed:      0\n", "Skipped:     0\n"} {
		if !strings.Contains(show, want) {
			t.Errorf("edition show lacks %q:\n%s", want, show)
		}
	}
	pick.close()
	pick.mu.Lock()
	defer pick.mu.Unlock()
	for i := range subscribers {
		if to := readerAddress(i); pick.by[to] != 1 {
			t.Errorf("%s received the edition %d times", to, pick.by[to])
		}
	}
	if resp, _ := httpDo(t, "GET", api.base+"/healthz", "", ""); resp.StatusCode != 200 {
		t.Errorf("/healthz after space came back: %d", resp.StatusCode)
	}
	if cmd.ProcessState != nil {
		t.Errorf("the daemon exited: %v", cmd.ProcessState)
	}
}

func readerAddress(i int) string { return "reader" + strconv.Itoa(100000 + i)[1:] + "@example.com" }

// httpDo sends a request with optional header pairs and returns the
// response with its body read.
func httpDo(t *testing.T, method, u, contentType, body string, header ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil && !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
	return resp, string(b)
}
