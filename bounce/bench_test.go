package bounce_test

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// BenchmarkReceiver feeds DSNs to the SMTP receiver over one connection,
// each about a different message, and reports how many it classifies and
// records a second.
func BenchmarkReceiver(b *testing.B) {
	d := newDesk(b, "dead@example.net")
	addr := d.startReceiver(nil)
	verp := d.verp("dead@example.net")
	tpl := string(d.report("postfix-hard", "dead@example.net", verp, "MSGID"))
	c, err := smtp.Dial(addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		msg := strings.Replace(tpl, "MSGID", fmt.Sprintf("m%d@elsewhere.example", i), 1)
		if err := c.SendMail("", []string{verp}, bytes.NewReader([]byte(msg))); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "reports/s")
}

// BenchmarkReceiverParallel is BenchmarkReceiver over four connections at
// once, as an MTA delivers.
func BenchmarkReceiverParallel(b *testing.B) {
	d := newDesk(b, "dead@example.net")
	addr := d.startReceiver(nil)
	verp := d.verp("dead@example.net")
	tpl := string(d.report("postfix-hard", "dead@example.net", verp, "MSGID"))
	var n atomic.Int64
	b.SetParallelism(2) // 2 × GOMAXPROCS connections
	before := heapInUse()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		c, err := smtp.Dial(addr)
		if err != nil {
			b.Error(err)
			return
		}
		defer c.Close()
		for pb.Next() {
			msg := strings.Replace(tpl, "MSGID", fmt.Sprintf("m%d@elsewhere.example", n.Add(1)), 1)
			if err := c.SendMail("", []string{verp}, strings.NewReader(msg)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "reports/s")
	b.ReportMetric(float64(heapInUse()-before)/(1<<20), "MB-heap-growth")
}

// heapInUse is the live heap after a collection, to show that memory stays
// flat however many reports go through.
func heapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse)
}
