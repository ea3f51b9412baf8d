package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/mailer/smtptest"
)

// received maps "recipient list-id" to the titles, among those given,
// that the messages to it carried; each message adds a "|".
func received(t *testing.T, msgs []smtptest.Message, titles []string) map[string][]string {
	got := map[string][]string{}
	for _, m := range msgs {
		h, text := textPart(t, m.Data)
		key := m.To[0] + " " + strings.Trim(strings.SplitN(h.Header.Get("List-Id"), "<", 2)[0], `" `)
		got[key] = append(got[key], "|")
		for _, title := range titles {
			if strings.Contains(text, title) {
				got[key] = append(got[key], title)
			}
		}
	}
	return got
}

// TestDigestsEndToEnd runs the real daemon against an SMTP server on
// loopback: two newsletters on schedules, subscribers with different
// topics, two editions in a row. Everyone gets exactly their articles,
// once.
func TestDigestsEndToEnd(t *testing.T) {
	clock := newsdesk.NewFixedClock(time.Date(2026, 11, 30, 7, 0, 0, 0, time.UTC))
	srv := smtptest.Start(t)
	d := newInstallAt(t, clock, smtpEnv(srv)...)
	d.mustRun("newsletter", "edit", "daily", "--schedule", "0 8 * * *", "--timezone", "Europe/London")
	d.mustRun("newsletter", "edit", "weekly", "--schedule", "0 9 * * *")
	body := d.writeFile("body.md", "Body text.")
	add := func(title, cats string) {
		d.mustRun("article", "add", "--title", title, "--category", cats, "--body-file", body)
	}
	add("Harbour levy doubles", "economy")
	add("Tram line reaches the docks", "cities")
	add("Sea wall plans", "climate")
	titles := []string{"Harbour levy doubles", "Tram line reaches the docks", "Sea wall plans", "Ferry fares frozen"}
	d.serve()

	clock.Set(time.Date(2026, 11, 30, 9, 30, 0, 0, time.UTC))
	first := srv.Wait(t, 4, 60*time.Second)
	want := map[string][]string{
		"ben.okafor@example.com The Daily Review":    {"|", "Harbour levy doubles"},
		"ada.reader@example.com The Weekly Review":   {"|", "Harbour levy doubles", "Tram line reaches the docks", "Sea wall plans"},
		"ben.okafor@example.com The Weekly Review":   {"|", "Harbour levy doubles"},
		"chloe.martin@example.net The Weekly Review": {"|", "Tram line reaches the docks", "Sea wall plans"},
	}
	checkReceived(t, "first editions", received(t, first, titles), want)
	// The clock jumps a day next: every delivery must be recorded as sent
	// first, or its claim would look a day old and be taken again.
	waitFor(t, 30*time.Second, func() bool { return editionsSent(d) == 2 }, "two editions sent")

	clock.Set(time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC))
	add("Ferry fares frozen", "economy,cities")
	clock.Set(time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC))
	all := srv.Wait(t, 8, 60*time.Second)
	waitFor(t, 30*time.Second, func() bool { return editionsSent(d) == 4 }, "four editions sent")
	want = map[string][]string{
		"ben.okafor@example.com The Daily Review":    {"|", "Ferry fares frozen"},
		"ada.reader@example.com The Weekly Review":   {"|", "Ferry fares frozen"},
		"ben.okafor@example.com The Weekly Review":   {"|", "Ferry fares frozen"},
		"chloe.martin@example.net The Weekly Review": {"|", "Ferry fares frozen"},
	}
	checkReceived(t, "second editions", received(t, all[4:], titles), want)
	if n := srv.Count(); n != 8 {
		t.Errorf("%d messages in all, want 8", n)
	}
}

func checkReceived(t *testing.T, what string, got, want map[string][]string) {
	t.Helper()
	for k, v := range want {
		if !slices.Equal(got[k], v) {
			t.Errorf("%s: %s got %v, want %v", what, k, got[k], v)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: unexpected %s %v", what, k, v)
		}
	}
}

// editionsSent counts the editions listed as sent.
func editionsSent(d *install) int {
	out, _, _ := d.run("edition", "list")
	return strings.Count(out, " sent ")
}

// Bad schedule input is refused with a message naming the field, exit 2,
// and nothing saved.
// The rules of a newsletter are tested in editorial; here, that the
// commands report them as bad input and save nothing.
func TestNewsletterScheduleBadInput(t *testing.T) {
	d := newInstall(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"newsletter", "add", "--slug", "x", "--name", "X", "--schedule", "0 8 * * XYZ"}, "schedule"},
		{[]string{"newsletter", "add", "--slug", "x", "--name", "X", "--schedule", "0 8 * * MON", "--timezone", "Mars/Olympus"}, "time zone"},
		{[]string{"newsletter", "edit", "weekly", "--schedule", "@every 1h"}, "schedule"},
		{[]string{"newsletter", "add", "--slug", "x", "--name", "X", "--template", "nosuchset"}, "nosuchset"},
	} {
		_, errs, code := d.run(c.args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, %q; want exit 2 naming %s", c.args, code, errs, c.want)
		}
	}
	list := d.mustRun("newsletter", "list")
	if strings.Contains(list, "\nx ") || strings.Contains(list, "@every") || strings.Contains(list, "Nowhere") {
		t.Errorf("bad input was saved:\n%s", list)
	}
}

// A digest template with an error stops the daemon and the commands that
// render digests at start, naming the file and line; nothing is sent.
func TestDigestTemplateErrorRefused(t *testing.T) {
	d := newInstall(t)
	os.MkdirAll(filepath.Join(d.dir, "tpl", "digest"), 0o755)
	d.writeFile("tpl/digest/subject.txt", "{{ .Newsletter ")
	d.environ = append(d.environ, "NEWSDESK_SITE_TEMPLATES="+d.dir+"/tpl")
	_, errs, code := d.run("digest", "send", "--newsletter", "weekly", "--now")
	if code != 2 || !strings.Contains(errs, "subject.txt:1") {
		t.Errorf("digest send with a broken template: exit %d, %q", code, errs)
	}
	if out := d.mustRun("edition", "list"); strings.Count(out, "\n") != 1 {
		t.Errorf("an edition was saved:\n%s", out)
	}
}

// Previews show exactly a subscriber's articles; --test sends one message
// marked [TEST] and records nothing.
func TestDigestPreviewAndTest(t *testing.T) {
	srv := smtptest.Start(t)
	d := newInstall(t, smtpEnv(srv)...)
	text := d.mustRun("digest", "preview", "--newsletter", "weekly", "--subscriber", "ben.okafor@example.com", "--format", "text")
	if !strings.Contains(text, "/unsubscribe/") || strings.Contains(text, "x-newsdesk-") {
		t.Errorf("preview links not filled in:\n%s", text)
	}
	eml := d.mustRun("digest", "preview", "--newsletter", "weekly", "--format", "eml")
	if !strings.Contains(eml, "List-Unsubscribe:") || !strings.Contains(eml, "multipart/alternative") {
		t.Errorf("eml preview:\n%.500s", eml)
	}
	if _, errs, code := d.run("digest", "preview", "--newsletter", "weekly", "--format", "pdf"); code != 2 || !strings.Contains(errs, "--format") {
		t.Errorf("bad format: %d %q", code, errs)
	}
	d.mustRun("digest", "send", "--newsletter", "weekly", "--test", "Editor@Example.com")
	msgs := srv.Wait(t, 1, 10*time.Second)
	m, _ := textPart(t, msgs[0].Data)
	if msgs[0].To[0] != "editor@example.com" || !strings.Contains(m.Header.Get("Subject"), "[TEST]") {
		t.Errorf("test message to %v, subject %q", msgs[0].To, m.Header.Get("Subject"))
	}
	if out := d.mustRun("edition", "list"); strings.Count(out, "\n") != 1 {
		t.Errorf("a test recorded an edition:\n%s", out)
	}
}

// A newsletter with its own template set renders with it, falling back to
// the defaults for the files the set lacks; other newsletters keep the
// defaults. A set that breaks later stops the digest commands at start.
func TestNewsletterTemplateSet(t *testing.T) {
	d := newInstall(t)
	os.MkdirAll(filepath.Join(d.dir, "tpl", "digest", "plain"), 0o755)
	d.writeFile("tpl/digest/plain/subject.txt", "Plainly: {{.Newsletter}}")
	d.environ = append(d.environ, "NEWSDESK_SITE_TEMPLATES="+d.dir+"/tpl")
	d.mustRun("newsletter", "edit", "weekly", "--template", "plain")
	if out := d.mustRun("newsletter", "list"); !strings.Contains(out, "plain") {
		t.Errorf("list does not show the template:\n%s", out)
	}
	weekly := d.mustRun("digest", "preview", "--newsletter", "weekly", "--format", "eml")
	if !strings.Contains(weekly, "Subject: Plainly: The Weekly Review") || !strings.Contains(weekly, "multipart/alternative") {
		t.Errorf("weekly preview does not use its set:\n%.600s", weekly)
	}
	daily := d.mustRun("digest", "preview", "--newsletter", "daily", "--format", "eml")
	if strings.Contains(daily, "Plainly") || !strings.Contains(daily, "The_Daily_Review") {
		t.Errorf("daily preview took the other newsletter's set:\n%.600s", daily)
	}
	d.writeFile("tpl/digest/plain/digest.txt", "{{range .Articles}}")
	_, errs, code := d.run("digest", "preview", "--newsletter", "daily")
	if code != 2 || !strings.Contains(errs, filepath.Join("plain", "digest.txt")+":1") || !strings.Contains(errs, "weekly") {
		t.Errorf("broken set: exit %d, %q", code, errs)
	}
}
