package feeds

import (
	"testing"
	"time"

	"github.com/newsdesk/newsdesk"
)

func hintFeed(channel string) string {
	return `<?xml version="1.0"?><rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel>` +
		`<title>T</title><link>https://hints.example/</link>` + channel +
		`<item><title>a</title><link>https://hints.example/a</link></item></channel></rss>`
}

// TestFeedHintsSchedule reads a feed's hints and schedules its next check
// from a fixed clock, with a one-hour interval.
func TestFeedHintsSchedule(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 30, 0, 0, time.UTC) // a Thursday
	for _, c := range []struct {
		name, channel string
		interval      time.Duration
		want          time.Time
	}{
		{"no hints", ``, time.Hour, now.Add(time.Hour)},
		{"six-hourly", `<sy:updatePeriod>daily</sy:updatePeriod><sy:updateFrequency>4</sy:updateFrequency>`, time.Hour, now.Add(6 * time.Hour)},
		{"daily, frequency absent", `<sy:updatePeriod> Daily </sy:updatePeriod>`, time.Hour, now.Add(24 * time.Hour)},
		{"weekly is capped at a day", `<sy:updatePeriod>weekly</sy:updatePeriod>`, time.Hour, now.Add(24 * time.Hour)},
		{"more often than the interval allows", `<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>12</sy:updateFrequency>`, 2 * time.Hour, now.Add(2 * time.Hour)},
		{"unknown period", `<sy:updatePeriod>fortnightly</sy:updatePeriod>`, time.Hour, now.Add(time.Hour)},
		{"skipped hours", `<skipHours><hour>11</hour><hour>12</hour><hour>13</hour></skipHours>`, time.Hour, time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC)},
		{"hour 24 is midnight", `<skipHours><hour>24</hour></skipHours>`, 14 * time.Hour, time.Date(2026, 12, 4, 1, 0, 0, 0, time.UTC)},
		{"skipped days", `<skipDays><day>Thursday</day><day>friday</day></skipDays>`, time.Hour, time.Date(2026, 12, 4, 10, 30, 0, 0, time.UTC)},
		{"everything skipped is still read within a day", `<skipDays><day>Sunday</day><day>Monday</day><day>Tuesday</day>` +
			`<day>Wednesday</day><day>Thursday</day><day>Friday</day><day>Saturday</day></skipDays>`, time.Hour, now.Add(24 * time.Hour)},
		{"a skip does not shorten a longer interval", `<skipHours><hour>10</hour></skipHours>`, 48 * time.Hour, now.Add(48 * time.Hour)},
	} {
		t.Run(c.name, func(t *testing.T) {
			pf, err := parseFeed([]byte(hintFeed(c.channel)), "application/rss+xml", "https://hints.example/feed", now)
			if err != nil {
				t.Fatal(err)
			}
			s := schedule{interval: c.interval, maxErrors: 10}
			src := &newsdesk.Source{}
			s.succeeded(src, now, 200, pf.TTL, pf.Update)
			s.skip(src, now, pf.Skip)
			if !src.NextCheckAt.Equal(c.want) {
				t.Errorf("next check %v, want %v", src.NextCheckAt, c.want)
			}
		})
	}
}

func TestSkipRulesAfter(t *testing.T) {
	var r skipRules
	r.Hours[23], r.Hours[0] = true, true
	start := time.Date(2026, 12, 5, 23, 10, 0, 0, time.FixedZone("CET", 3600)) // 22:10 GMT: not skipped
	if got := r.after(start, start.Add(24*time.Hour)); !got.Equal(start) {
		t.Errorf("after = %v, want %v", got, start)
	}
	at := time.Date(2026, 12, 5, 23, 10, 0, 0, time.UTC)
	if got, want := r.after(at, at.Add(24*time.Hour)), time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("after = %v, want %v", got, want)
	}
	if got, limit := r.after(at, at.Add(30*time.Minute)), at.Add(30*time.Minute); !got.Equal(limit) {
		t.Errorf("after = %v, want the limit %v", got, limit)
	}
}
