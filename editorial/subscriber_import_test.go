package editorial_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/newsdesk/newsdesk"
)

// An import whose input fails stops with that error; it used to count the
// same failure as a refused row for ever.
func TestImportStopsWhenReadingFails(t *testing.T) {
	f := newFixture(t)
	in := io.MultiReader(strings.NewReader("email\na@example.org\n"), iotest.ErrReader(errors.New("disk gone")))
	_, _, err := f.ed.ImportSubscribers(context.Background(), in, []string{"weekly"}, newsdesk.SubscriberPending, func(error) {})
	if err == nil || !strings.Contains(err.Error(), "disk gone") {
		t.Errorf("import of a failing reader: %v", err)
	}
}

// Exports of Mailchimp and listmonk import with their states; refused rows
// name their line and do not stop the others.
func TestImportMapsOtherToolsColumns(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	csv := "\ufeffEmail Address,First Name,Last Name,TIMEZONE,UNSUB_TIME\n" +
		"gone@example.org,Gone,Away,Europe/Paris,2026-01-01 10:00:00\n" +
		"not-an-address,Bad,Row,,\n" +
		"ada@example.org,Ada,Lovelace,Mars/Base,\n"
	var refused []string
	n, bad, err := f.ed.ImportSubscribers(ctx, strings.NewReader(csv), []string{"weekly"}, newsdesk.SubscriberConfirmed,
		func(e error) { refused = append(refused, e.Error()) })
	if err != nil || n != 2 || bad != 1 || len(refused) != 1 || !strings.Contains(refused[0], "line 3") {
		t.Fatalf("imported %d, refused %d %q, %v", n, bad, refused, err)
	}
	gone, err := f.subscribers.FindSubscriberByEmail(ctx, "gone@example.org")
	if err != nil || gone.Status != newsdesk.SubscriberUnsubscribed || gone.Name != "Gone Away" || gone.TimeZone != "Europe/Paris" {
		t.Errorf("Mailchimp unsubscribed row: %v %+v", err, gone)
	}
	ada, err := f.subscribers.FindSubscriberByEmail(ctx, "ada@example.org")
	if err != nil || ada.Status != newsdesk.SubscriberConfirmed || ada.TimeZone != "" {
		t.Errorf("row with an unknown zone: %v %+v", err, ada)
	}
	listmonk := "uuid,email,name,attributes,status\nx,lm@example.org,L M,{},blocklisted\ny,ok@example.org,O K,{},enabled\nz,odd@example.org,,{},weird\n"
	n, bad, err = f.ed.ImportSubscribers(ctx, strings.NewReader(listmonk), []string{"weekly"}, newsdesk.SubscriberPending, func(error) {})
	if err != nil || n != 2 || bad != 1 {
		t.Fatalf("listmonk: imported %d, refused %d, %v", n, bad, err)
	}
	if lm, err := f.subscribers.FindSubscriberByEmail(ctx, "lm@example.org"); err != nil || lm.Status != newsdesk.SubscriberUnsubscribed {
		t.Errorf("listmonk blocklisted row: %v %+v", err, lm)
	}
	if _, _, err := f.ed.ImportSubscribers(ctx, strings.NewReader("name\nX\n"), nil, newsdesk.SubscriberPending, func(error) {}); newsdesk.ErrorCode(err) != newsdesk.EINVALID {
		t.Errorf("a file without an email column: %v", err)
	}
}

// What ExportCSV writes, ImportSubscribers reads back the same.
func TestExportImportsBack(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	src := "email,name,status,newsletter,topics,timezone\nada@example.org,Ada,confirmed,weekly,ports,Europe/London\nben@example.org,,pending,weekly,,\n"
	if _, _, err := f.ed.ImportSubscribers(ctx, strings.NewReader(src), nil, newsdesk.SubscriberPending, func(e error) { t.Error(e) }); err != nil {
		t.Fatal(err)
	}
	var first, second bytes.Buffer
	if err := f.ed.ExportCSV(ctx, &first, newsdesk.SubscriberFilter{}); err != nil {
		t.Fatal(err)
	}
	g := newFixture(t)
	if _, _, err := g.ed.ImportSubscribers(ctx, bytes.NewReader(first.Bytes()), nil, newsdesk.SubscriberPending, func(e error) { t.Error(e) }); err != nil {
		t.Fatal(err)
	}
	if err := g.ed.ExportCSV(ctx, &second, newsdesk.SubscriberFilter{}); err != nil {
		t.Fatal(err)
	}
	if first.String() != second.String() || strings.Count(first.String(), "\n") != 3 {
		t.Errorf("export, import, export differ:\n%s\n%s", first.String(), second.String())
	}
}

var update = flag.Bool("update", false, "rewrite golden files")

// TestExportCSVGolden holds the subscriber export, the file other tools
// and ImportSubscribers read, to a golden file.
func TestExportCSVGolden(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	src := "email,name,status,newsletter,topics,timezone\n" +
		"ada@example.org,\"Lovelace, Ada\",confirmed,weekly,ports,Europe/London\n" +
		"ben@example.org,\"Ben \"\"Benno\"\" Okafor\",pending,weekly,,\n" +
		"cy@example.org,Cy,unsubscribed,weekly,,America/New_York\n"
	if _, _, err := f.ed.ImportSubscribers(ctx, strings.NewReader(src), nil, newsdesk.SubscriberPending, func(e error) { t.Error(e) }); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := f.ed.ExportCSV(ctx, &out, newsdesk.SubscriberFilter{}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "export.csv.golden")
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("%s differs from the export; got:\n%s", path, out.String())
	}
}
