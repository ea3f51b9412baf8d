package sqlite_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
)

// BenchmarkSaveFetch stores one fetch of a 35-item feed per iteration,
// each from a source of its own, as a first ingest cycle does.
func BenchmarkSaveFetch(b *testing.B) {
	s, _, _ := newSources(b)
	ctx := context.Background()
	text := strings.Repeat("harbour council budget housing rents wages planning appeal transport ", 4)
	content := "<p>" + strings.Repeat(text, 8) + "</p>"
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		src := mustSource(b, s, fmt.Sprintf("https://s%d.example/feed", i), "")
		items := make([]*newsdesk.Item, 35)
		for j := range items {
			items[j] = &newsdesk.Item{Hash: fmt.Sprintf("%d-%d", i, j), Fingerprint: "fp", URL: fmt.Sprintf("https://s%d.example/%d", i, j),
				Title: fmt.Sprintf("Item %d %d about the harbour", i, j), Summary: text[:250], ContentHTML: content,
				PublishedAt: t0.Add(-time.Duration(j) * time.Hour)}
		}
		b.StartTimer()
		if err := s.SaveFetch(ctx, src, items); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*35), "µs/item")
}

// BenchmarkSaveFetches stores eight fetches of 35-item feeds per
// transaction, as the ingester's writer commits them together.
func BenchmarkSaveFetches(b *testing.B) {
	s, _, _ := newSources(b)
	ctx := context.Background()
	text := strings.Repeat("harbour council budget housing rents wages planning appeal transport ", 4)
	content := "<p>" + strings.Repeat(text, 8) + "</p>"
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		var batch []*newsdesk.Fetched
		for k := range 8 {
			src := mustSource(b, s, fmt.Sprintf("https://s%d-%d.example/feed", i, k), "")
			items := make([]*newsdesk.Item, 35)
			for j := range items {
				items[j] = &newsdesk.Item{Hash: fmt.Sprintf("%d-%d", k, j), Fingerprint: "fp", URL: fmt.Sprintf("https://s%d.example/%d/%d", i, k, j),
					Title: fmt.Sprintf("Item %d %d about the harbour", i, j), Summary: text[:250], ContentHTML: content,
					PublishedAt: t0.Add(-time.Duration(j) * time.Hour)}
			}
			batch = append(batch, &newsdesk.Fetched{Source: src, Items: items})
		}
		b.StartTimer()
		for _, err := range s.SaveFetches(ctx, batch) {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*8*35), "µs/item")
}
