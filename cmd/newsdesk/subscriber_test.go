package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNewsletterAndSubscriberCommands(t *testing.T) {
	d := newInstall(t)
	out := d.mustRun("newsletter", "list")
	if !strings.Contains(out, "daily") || !strings.Contains(out, "The Weekly Review") {
		t.Fatalf("demo newsletters: %s", out)
	}
	d.mustRun("newsletter", "add", "--slug", "monthly", "--name", "The Monthly", "--description", "Once a month.")
	d.mustRun("newsletter", "edit", "monthly", "--name", "The Monthly Review")
	if out := d.mustRun("newsletter", "list"); !strings.Contains(out, "The Monthly Review") || !strings.Contains(out, "Once a month.") {
		t.Errorf("after edit: %s", out)
	}
	out = d.mustRun("subscriber", "add", "Reader@Example.org", "--newsletter", "monthly", "--topics", "economy,cities")
	if !strings.Contains(out, "reader@example.org: pending") || !strings.Contains(out, "confirmation email is queued") {
		t.Errorf("add: %s", out)
	}
	d.mustRun("subscriber", "add", "known@example.org", "--newsletter", "monthly,weekly", "--confirmed", "--name", "Known Reader")
	out = d.mustRun("subscriber", "list", "--newsletter", "monthly")
	if !strings.Contains(out, "monthly (pending) [cities,economy]") || !strings.Contains(out, "known@example.org") ||
		strings.Contains(out, "ada.reader") {
		t.Errorf("list --newsletter monthly:\n%s", out)
	}
	export := d.mustRun("subscriber", "export", "--status", "confirmed")
	if !strings.HasPrefix(export, "email,name,status,newsletter,topics,timezone,created_at,confirmed_at\n") ||
		!strings.Contains(export, `known@example.org,Known Reader,confirmed,"monthly,weekly",`) || strings.Contains(export, "reader@example.org,") {
		t.Errorf("export:\n%s", export)
	}
	d.mustRun("subscriber", "remove", "known@example.org")
	if st := d.subscriberStatus("known@example.org"); st != "absent" {
		t.Errorf("after remove: %s", st)
	}
	// The export imports back as it is.
	path := d.writeFile("export.csv", export)
	if out := d.mustRun("subscriber", "import", path); !strings.Contains(out, "Imported 4 subscribers; 0 refused") {
		t.Errorf("re-import: %s", out)
	}
	if st := d.subscriberStatus("known@example.org"); st != "confirmed" {
		t.Errorf("after re-import: %s", st)
	}
}

// TestImportExportsOfOtherTools imports a Mailchimp and a listmonk export
// as they come: bad rows are reported by line, the good ones kept.
func TestImportExportsOfOtherTools(t *testing.T) {
	d := newInstall(t)
	mailchimp := "\ufeffEmail Address,First Name,Last Name,Address,Phone Number,MEMBER_RATING,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,CONFIRM_IP,LATITUDE,LONGITUDE,GMTOFF,DSTOFF,TIMEZONE,CC,REGION,LAST_CHANGED,LEID,EUID,NOTES,TAGS\n" +
		"mc.one@example.com,Ann,Lee,,,2,2024-01-03 10:00:00,,2024-01-03 10:05:00,203.0.113.9,,,,,America/New_York,US,NY,2024-01-03 10:05:00,1,abc,,\"news\"\n" +
		"mc.two@example.com,Bo,,,,2,2024-01-04 10:00:00,,,,,,,,Not/AZone,,,2024-01-04 10:00:00,2,def,,\n" +
		"not-an-address,Cy,,,,2,,,,,,,,,,,,,3,ghi,,\n"
	out, stderr, code := d.run("subscriber", "import", "--newsletter", "weekly", d.writeFile("mailchimp.csv", mailchimp))
	if code != 2 || !strings.Contains(out, "Imported 2 subscribers; 1 refused") || !strings.Contains(stderr, "line 4:") ||
		!strings.Contains(stderr, `"not-an-address" is not a valid email address`) {
		t.Errorf("mailchimp: exit %d\n%s\n%s", code, out, stderr)
	}
	if d.subscriberStatus("mc.one@example.com") != "confirmed" || d.subscriberStatus("mc.two@example.com") != "pending" {
		t.Errorf("mailchimp statuses: %s, %s", d.subscriberStatus("mc.one@example.com"), d.subscriberStatus("mc.two@example.com"))
	}
	unsubscribed := "Email Address,First Name,Last Name,OPTIN_TIME,UNSUB_TIME,UNSUB_CAMPAIGN_TITLE\n" +
		"mc.one@example.com,Ann,Lee,2024-01-03,2024-05-01,Spring\n"
	d.mustRun("subscriber", "import", "--newsletter", "weekly", "--confirmed", d.writeFile("unsub.csv", unsubscribed))
	if st := d.subscriberStatus("mc.one@example.com"); st != "unsubscribed" {
		t.Errorf("Mailchimp unsubscribed export: %s", st)
	}
	listmonk := "uuid,email,name,attributes,status,created_at,updated_at\n" +
		`6e4c4e3a-0000-4000-8000-000000000001,lm.one@example.org,Lena Moe,"{""city"": ""Bergen""}",enabled,2024-02-01 10:00:00,2024-02-01 10:00:00` + "\n" +
		`6e4c4e3a-0000-4000-8000-000000000002,lm.two@example.org,Lars,{},blocklisted,2024-02-01 10:00:00,2024-02-01 10:00:00` + "\n" +
		`6e4c4e3a-0000-4000-8000-000000000003,lm.three@example.org,Liv,{},vip,2024-02-01 10:00:00,2024-02-01 10:00:00` + "\n"
	out, stderr, code = d.run("subscriber", "import", "--newsletter", "daily", "--confirmed", d.writeFile("listmonk.csv", listmonk))
	if code != 2 || !strings.Contains(out, "Imported 2 subscribers; 1 refused") || !strings.Contains(stderr, `line 4: status "vip"`) {
		t.Errorf("listmonk: exit %d\n%s\n%s", code, out, stderr)
	}
	if d.subscriberStatus("lm.one@example.org") != "confirmed" || d.subscriberStatus("lm.two@example.org") != "unsubscribed" {
		t.Errorf("listmonk statuses: %s, %s", d.subscriberStatus("lm.one@example.org"), d.subscriberStatus("lm.two@example.org"))
	}
}

// TestMailCommandsRefuseBadInput: exit 2, one line naming the problem,
// nothing stored.
func TestMailCommandsRefuseBadInput(t *testing.T) {
	d := newInstall(t)
	before := d.mustRun("subscriber", "export")
	noEmail := d.writeFile("noemail.csv", "name,status\nAnn,confirmed\n")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"subscriber", "add", "not-an-address", "--newsletter", "weekly"}, `"not-an-address" is not a valid email address`},
		{[]string{"subscriber", "add", "a@example.org\r\nBcc: b@example.org", "--newsletter", "weekly"}, "is not a valid email address"},
		{[]string{"subscriber", "add", "a@example.org", "--newsletter", "weekly", "--name", "Ann\nBcc: b@example.org"}, "name must be one line"},
		{[]string{"subscriber", "add", "a@example.org", "--newsletter", "monthly"}, `newsletter "monthly" does not exist`},
		{[]string{"subscriber", "add", "a@example.org"}, "--newsletter is required"},
		{[]string{"subscriber", "add", "a@example.org", "--newsletter", "weekly", "--topics", "sport"}, `topic "sport" does not exist`},
		{[]string{"subscriber", "add"}, "expected one EMAIL"},
		{[]string{"subscriber", "list", "confirmed"}, `unexpected argument "confirmed"`},
		{[]string{"subscriber", "export", "out.csv"}, `unexpected argument "out.csv"`},
		{[]string{"subscriber", "import", "--newsletter", "monthly", noEmail}, `newsletter "monthly" does not exist`},
		{[]string{"subscriber", "import", noEmail}, "no email column"},
		{[]string{"subscriber", "import", filepath.Join(d.dir, "missing.csv")}, "missing.csv"},
		{[]string{"subscriber", "remove", "nobody@example.org"}, "not found"},
		{[]string{"subscriber", "list", "--status", "vip"}, `--status "vip"`},
		{[]string{"newsletter", "add", "--slug", "Bad Slug", "--name", "X"}, "slug \"Bad Slug\" is not valid"},
		{[]string{"newsletter", "add", "--slug", "weekly", "--name", "Again"}, "already exists"},
		{[]string{"newsletter", "add", "--slug", "x", "--name", "Two\r\nLines"}, "one line"},
		{[]string{"newsletter", "edit", "nope", "--name", "X"}, `newsletter "nope" not found`},
		{[]string{"digest", "send", "--newsletter", "nope", "--now"}, `newsletter "nope" not found`},
		{[]string{"digest", "send", "--now"}, "expected --newsletter SLUG"},
		{[]string{"digest", "send", "--newsletter", "weekly", "--test", "not-an-address"}, "not a valid email address"},
		{[]string{"edition", "show", "99"}, "edition 99 not found"},
		{[]string{"edition", "show", "x"}, `"x" is not a valid edition ID`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, stderr, code := d.run(tc.args...)
			if code != 2 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 and one line with %q", code, stderr, tc.want)
			}
		})
	}
	if after := d.mustRun("subscriber", "export"); after != before {
		t.Errorf("bad input changed the subscribers:\n%s", after)
	}
	if out := d.mustRun("edition", "list"); strings.Count(out, "\n") != 1 {
		t.Errorf("bad input made editions:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(d.dir, "data", "outbox")); err == nil {
		t.Errorf("bad input wrote mail")
	}
}

// TestDigestSendWithTheFileTransport: with no daemon, digest send delivers
// itself, to files, and edition list and show report it.
func TestDigestSendWithTheFileTransport(t *testing.T) {
	d := newInstall(t)
	out := d.mustRun("digest", "send", "--newsletter", "weekly", "--now")
	if !strings.Contains(out, "Edition 1 of weekly: 3 recipients.") || !strings.Contains(out, "Edition 1 sent: 3 sent, 0 failed") {
		t.Fatalf("digest send:\n%s", out)
	}
	files, _ := filepath.Glob(filepath.Join(d.dir, "data", "outbox", "e1.s*.eml"))
	if len(files) != 3 {
		t.Errorf("outbox files: %v", files)
	}
	if out := d.mustRun("edition", "list"); !strings.Contains(out, "weekly") || !strings.Contains(out, "sent") {
		t.Errorf("edition list:\n%s", out)
	}
	if out := d.mustRun("edition", "show", "1"); !strings.Contains(out, "Recipients:  3") || !strings.Contains(out, "Status:      sent") {
		t.Errorf("edition show:\n%s", out)
	}
	out = d.mustRun("digest", "send", "--newsletter", "weekly", "--test", "editor@example.org")
	if !strings.Contains(out, "Test of weekly sent to editor@example.org") {
		t.Errorf("test send: %s", out)
	}
	if out := d.mustRun("edition", "list"); strings.Count(out, "\n") != 2 {
		t.Errorf("a test send recorded an edition:\n%s", out)
	}
}
