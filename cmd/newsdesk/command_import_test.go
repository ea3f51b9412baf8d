package main

import (
	"strings"
	"testing"
)

// Ghost's members CSV and Substack's email list import through the
// subscriber import with their consent times kept; a member who turned
// emails off comes over unsubscribed.
func TestImportKeepsConsentTimes(t *testing.T) {
	d := newInstall(t)
	ghost := "id,email,name,note,subscribed_to_emails,complimentary_plan,stripe_customer_id,created_at,deleted_at,labels,tiers\n" +
		"6500a1,ghost.one@example.com,Gail One,,true,false,,2023-04-05T06:07:08.000Z,,,\n" +
		"6500a2,ghost.two@example.com,Gus Two,,false,false,,2023-05-05T06:07:08.000Z,,,\n"
	out := d.mustRun("subscriber", "import", "--newsletter", "weekly", "--confirmed", d.writeFile("members.csv", ghost))
	if !strings.Contains(out, "Imported 2 subscribers; 0 refused") {
		t.Fatalf("Ghost members: %s", out)
	}
	out = d.mustRun("import", "substack", "--url", "https://review.substack.com", "--newsletter", "weekly", "--confirmed",
		"../../importer/testdata/substack")
	if !strings.Contains(out, "Substack import of ../../importer/testdata/substack: 2 created") || !strings.Contains(out, "Imported 1 subscribers") {
		t.Fatalf("Substack import: %s", out)
	}
	export := d.mustRun("subscriber", "export")
	for _, want := range []string{
		"ghost.one@example.com,Gail One,confirmed,weekly,,,2023-04-05T06:07:08Z,2023-04-05T06:07:08Z",
		"ghost.two@example.com,Gus Two,unsubscribed,",
		"reader@example.com,,confirmed,weekly,,,2022-02-03T10:00:00Z,2022-02-03T10:00:00Z",
	} {
		if !strings.Contains(export, want) {
			t.Errorf("export lacks %s:\n%s", want, export)
		}
	}
	if out := d.mustRun("import", "substack", "--url", "https://review.substack.com", "../../importer/testdata/substack"); !strings.Contains(out, "0 created, 0 updated, 2 unchanged") ||
		!strings.Contains(out, "not imported: name its newsletter with --newsletter") {
		t.Errorf("second Substack import: %s", out)
	}
}
