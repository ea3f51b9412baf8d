package mailer_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/mailer"
)

// BenchmarkBuild builds an edition's message for one subscriber, as each
// worker does for every message.
func BenchmarkBuild(b *testing.B) {
	f := newFixture(b, newsdesk.NewFixedClock(epoch))
	c := f.digestContent(slices.Concat(demoArticles(), demoArticles(), demoArticles(), demoArticles(), demoArticles()))
	p := mailer.Prepare("The Weekly: rents and the harbour", c, f.newsletter, "e1")
	r := mailer.Recipient{SubscriberID: 42, Email: "reader@example.com", Name: "Reader"}
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := f.builder.Build(&buf, p, r); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
}
