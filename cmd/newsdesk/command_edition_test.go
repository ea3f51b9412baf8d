package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/mailer/smtptest"
)

// openApp opens the app of a test install, as a command does.
func (d *install) openApp() *app {
	d.t.Helper()
	g := globals{data: filepath.Join(d.dir, "data"), config: filepath.Join(d.dir, "newsdesk.toml")}
	a, err := openApp(&g, &Env{Stdout: &strings.Builder{}, Stderr: &strings.Builder{}, Environ: d.environ})
	if err != nil {
		d.t.Fatal(err)
	}
	d.t.Cleanup(a.close)
	return a
}

// The rules of a one-off edition are tested in editorial; here, that the
// command reports them as bad input and stores nothing.
func TestEditionCreateBadInput(t *testing.T) {
	d := newInstall(t)
	body := d.writeFile("soon.md", "Soon.")
	d.mustRun("article", "add", "--title", "Not yet", "--slug", "not-yet", "--author", "aiko-tanaka", "--body-file", body, "--draft")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"draft", []string{"--articles", "not-yet"}, `"not-yet" is a draft`},
		{"bad time", []string{"--articles", "ai-procurement-rules", "--at", "tomorrow"}, "--at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"edition", "create", "--newsletter", "weekly"}, tt.args...)
			if _, errs, code := d.run(args...); code != 2 || !strings.Contains(errs, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errs, tt.want)
			}
		})
	}
	if _, errs, code := d.run("edition", "create", "--newsletter", "nope", "--articles", "ai-procurement-rules"); code != 2 || !strings.Contains(errs, "nope") {
		t.Errorf("unknown newsletter: exit %d, %q", code, errs)
	}
	if out := d.mustRun("edition", "list"); strings.Count(out, "\n") != 1 {
		t.Errorf("bad input stored an edition:\n%s", out)
	}
}

// SendNow in a daemon hands the edition to the running desk, which
// prepares and delivers it without a tick of the scheduler.
func TestEditorSendNowInDaemon(t *testing.T) {
	srv := smtptest.Start(t)
	d := newInstall(t, smtpEnv(srv)...)
	a := d.openApp()
	maker, err := a.newDigestMaker()
	if err != nil {
		t.Fatal(err)
	}
	a.digests = &digestJob{maker: maker}
	o, err := a.newOutbox()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go a.owner.Deliver(ctx, o)
	e, err := a.editor().SendNow(ctx, "weekly")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, err := a.newsletters.FindEditionByID(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status == newsdesk.EditionSent {
			if got.Counts.Sent == 0 || srv.Count() != got.Counts.Sent {
				t.Errorf("edition sent %d, server got %d", got.Counts.Sent, srv.Count())
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("edition still %s: %+v", got.Status, got.Counts)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
